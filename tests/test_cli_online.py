"""`spapi-doctor check` online, in a real process, against the mock Amazon."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spapi_docs_helpers._cli import _TerminalProgress
from spapi_docs_helpers._report import StageResult
from spapi_docs_helpers.mock import MockAmazon

DOCTOR = str(Path(sys.executable).with_name("spapi-doctor"))


def doctor(*args, env, timeout=60):
    result = subprocess.run(
        [DOCTOR, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def clean_env(tmp_path):
    """The isolated test environment (conftest) as a dict for a child process."""
    return {**os.environ, "HOME": str(tmp_path)}


@pytest.mark.parametrize("scenario, status", [("happy", 0), ("revoked-refresh-token", 1)])
def test_check_against_the_mock_from_its_environment(scenario, status, clean_env, assert_no_leak):
    with MockAmazon(scenario=scenario, aws=False) as amazon:
        code, out, err = doctor("check", "--format", "json", env={**clean_env, **amazon.env})
        secrets = [v for v in amazon.credentials.values() if v]
    assert code == status, err
    data = json.loads(out)
    assert data["world"]["world"] == "mock" and data["world"]["scenario"] == scenario
    assert data["exit_code"] == status
    assert_no_leak([out, err], *secrets)


def test_plain_doctor_without_credentials_runs_the_demo_and_says_so(clean_env):
    code, out, err = doctor(env=clean_env)
    assert code == 0, err
    assert "demo against the embedded mock Amazon" in err
    assert "mock Amazon, scenario 'happy'" in out
    assert "Your credentials work" in out


def test_demo_of_a_failure_scenario_exits_1_and_blames_the_credential(clean_env):
    code, out, _ = doctor("check", "--demo", "--scenario", "token-of-another-app", env=clean_env)
    assert code == 1
    assert "refresh_token is wrong" in out
    assert "lwa-token-from-another-app" in out


def test_partial_credentials_are_diagnosed_not_replaced_by_the_demo(clean_env):
    code, out, err = doctor(
        env={**clean_env, "LWA_CLIENT_ID": "amzn1.application-oa2-client." + "0" * 31 + "1"}
    )
    assert code == 1
    assert "demo" not in err
    assert "env-name-near-miss" in out and "LWA_APP_ID" in out


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--scenario", "happy"],  # --scenario needs --demo
        ["check", "--demo", "--scenario", "no-such-scenario"],
        ["check", "--offline", "--demo"],
        ["check", "--timeout", "0"],
    ],
)
def test_usage_errors_exit_2(args, clean_env):
    code, _, err = doctor(*args, env=clean_env)
    assert code == 2, err
    assert "usage:" in err or "error:" in err


def test_mock_subcommand_lists_its_scenarios(clean_env):
    code, out, _ = doctor("mock", "--list", env=clean_env)
    assert code == 0
    assert "revoked-refresh-token" in out and "happy-legacy" in out


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_terminal_progress_shows_each_stage_then_clears_itself():
    stream = _Terminal()
    progress = _TerminalProgress(stream)
    progress("start", "lwa", "exchanging the refresh token at http://127.0.0.1:1/auth/o2/token")
    progress(
        "done",
        "lwa",
        StageResult("lwa", "ok", "access token Atza|IwEB…(364 chars)", duration_ms=12.0),
    )
    written = stream.getvalue()
    assert "… LWA token: exchanging" in written
    assert "✓ LWA token: access token" in written and "(12 ms)" in written
    progress.clear()
    assert stream.getvalue().endswith("\033[2F\033[J")
