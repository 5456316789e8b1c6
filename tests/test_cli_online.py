"""`spapi-doctor check` online against the mock Amazon, the demo, and the `mock` command.

In this process (``_cli.main``, the ``cli`` fixture) where a child process would prove
nothing more than the output and the status; the installed script (``doctor``) for one
end-to-end check.
"""

from __future__ import annotations

import io
import json

import pytest

from spapi_docs_helpers._cli import _TerminalProgress
from spapi_docs_helpers._report import StageResult
from spapi_docs_helpers.mock import MockAmazon
from spapi_docs_helpers.mock._cli import ENV_FILE_MARKER

# The doctor runs in the isolated environment of conftest (fake HOME, no credential
# variable), plus what each test gives it.


def test_the_installed_script_checks_against_the_mock(doctor, assert_no_leak):
    with MockAmazon(scenario="happy", aws=False) as amazon:
        code, out, err = doctor("check", env=amazon.env)
        secrets = [v for v in amazon.credentials.values() if v]
    assert code == 0, err
    assert "Verdict: Your credentials work" in out
    assert_no_leak([out, err], *secrets)


@pytest.mark.parametrize("scenario, status", [("happy", 0), ("revoked-refresh-token", 1)])
def test_check_against_the_mock_from_its_environment(scenario, status, cli, assert_no_leak):
    with MockAmazon(scenario=scenario, aws=False) as amazon:
        code, out, err = cli("check", "--format", "json", env=amazon.env)
        secrets = [v for v in amazon.credentials.values() if v]
    assert code == status, err
    data = json.loads(out)
    assert data["world"]["world"] == "mock" and data["world"]["scenario"] == scenario
    assert data["exit_code"] == status
    assert_no_leak([out, err], *secrets)


def test_plain_doctor_without_credentials_runs_the_demo_and_says_so(cli):
    code, out, err = cli()
    assert code == 0, err
    assert "demo against the embedded mock Amazon" in err
    assert "mock Amazon, scenario 'happy'" in out
    assert "Your credentials work" in out


def test_demo_of_a_failure_scenario_exits_1_and_blames_the_credential(cli):
    code, out, _ = cli("check", "--demo", "--scenario", "token-of-another-app")
    assert code == 1
    assert "refresh_token or lwa_app_id is wrong" in out
    assert "lwa-token-from-another-app" in out


def test_partial_credentials_are_diagnosed_not_replaced_by_the_demo(cli):
    code, out, err = cli(env={"LWA_CLIENT_ID": "amzn1.application-oa2-client." + "0" * 31 + "1"})
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
        ["bogus"],  # no such command
    ],
)
def test_usage_errors_exit_2(args, cli):
    code, out, err = cli(*args)
    assert code == 2, err
    assert out == ""
    assert "usage: spapi-doctor" in err and "error:" in err


def test_mock_subcommand_lists_its_scenarios(cli):
    code, out, _ = cli("mock", "--list")
    assert code == 0
    assert "revoked-refresh-token" in out and "happy-legacy" in out


def test_mock_refuses_to_overwrite_a_foreign_env_file(cli, mock_stops_at_once, tmp_path):
    """Through the command's entry point (``_cli.main``): a file the mock did not write is
    left alone.

    Refusing is immediate. A mock that started instead would stop at once
    (``mock_stops_at_once``: the test cannot hang), having written the file: the test fails.
    The installed script runs the mock in children in tests/test_cli_exits.py.
    """
    foreign = tmp_path / ".env"
    foreign.write_text("LWA_CLIENT_SECRET=my-real-secret\n")
    code, out, err = cli("mock", "--env-file", str(foreign))
    assert code == 1, out + err
    assert "not writing the environment" in err and "left untouched" in err
    assert "my-real-secret" not in out + err
    assert foreign.read_text() == "LWA_CLIENT_SECRET=my-real-secret\n"
    assert ENV_FILE_MARKER not in out


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
