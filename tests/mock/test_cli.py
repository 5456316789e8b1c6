"""``spapi-doctor mock``'s run(): in a subprocess, as a user runs it, stopped by signals."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
import requests
from mock_helpers import TIMEOUT_S, lwa_form

from spapi_docs_helpers.mock import SCENARIOS
from spapi_docs_helpers.mock._cli import ENV_FILE_MARKER

RUN = (
    "import argparse, sys\n"
    "from spapi_docs_helpers.mock import _cli\n"
    "parser = argparse.ArgumentParser(prog='spapi-doctor mock')\n"
    "_cli.add_arguments(parser)\n"
    "sys.exit(_cli.run(parser.parse_args(sys.argv[1:])))\n"
)
READY = "# The mock runs until Ctrl-C."
# Generous: only a mock that does not start (or stop) at all reaches them.
START_DEADLINE_S = 60
STOP_DEADLINE_S = 30


def _run(*args, code=RUN, timeout=60):
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout
    )


def _start(*args):
    """Start the mock in the background; returns (process, stdout lines up to READY).
    The child is killed if READY does not come by the deadline."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-c", RUN, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + START_DEADLINE_S
    output = err = b""
    ready = False
    try:
        # select() on the raw pipe: a readline() could wait past any deadline.
        while not ready:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([process.stdout], [], [], remaining)[0]:
                break
            data = os.read(process.stdout.fileno(), 65536)
            if not data:
                break
            output += data
            ready = any(line.startswith(READY.encode()) for line in output.splitlines())
    finally:
        if not ready:
            process.kill()
            _, err = process.communicate(timeout=STOP_DEADLINE_S)
    if not ready:
        raise AssertionError(f"the mock did not start: {output!r} {err!r}")
    lines = output.decode().splitlines()
    return process, lines[: next(i for i, line in enumerate(lines) if line.startswith(READY)) + 1]


def _stop(process, signum):
    """Send ``signum``; (exit status, rest of stdout, stderr). Killed if it does not stop."""
    process.send_signal(signum)
    try:
        out, err = process.communicate(timeout=STOP_DEADLINE_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, out.decode(), err.decode()


def _sourced(path, variable) -> str:
    """The value of ``variable`` after `set -a; source path; set +a` in bash."""
    script = f'set -a; source "$1"; set +a; printf %s "${variable}"'
    return subprocess.run(
        ["bash", "-c", script, "bash", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout


def test_list_shows_every_scenario_with_its_title():
    result = _run("--list")
    assert result.returncode == 0
    for name, item in SCENARIOS.items():
        assert any(
            line.startswith(name + " ") and item.title in line
            for line in result.stdout.splitlines()
        )


def test_an_unknown_scenario_is_a_usage_error_listing_the_scenarios():
    result = _run("--scenario", "hapy")
    assert result.returncode == 2
    assert "no mock scenario named 'hapy'" in result.stderr
    assert "happy-legacy" in result.stderr
    assert "Traceback" not in result.stderr
    assert _run("--latency-ms", "-3").returncode == 2


def test_env_file_is_sourceable_and_points_at_the_running_mock(tmp_path):
    env_file = tmp_path / "mock.env"
    process, lines = _start(
        "--scenario", "happy-legacy", "--env-file", str(env_file), "--latency-ms", "5"
    )
    try:
        text = env_file.read_text()
        assert text.splitlines()[0] == ENV_FILE_MARKER
        expected = SCENARIOS["happy-legacy"].credentials
        assert _sourced(env_file, "SP_API_REFRESH_TOKEN") == expected["refresh_token"]
        assert _sourced(env_file, "SP_API_SECRET_KEY") == expected["aws_secret_key"]
        lwa_url = _sourced(env_file, "SPAPI_LWA_ENDPOINT")
        answer = requests.post(lwa_url, timeout=TIMEOUT_S, data=lwa_form(expected))
        assert answer.status_code == 200
        # Standard output holds the same assignments, and the hint.
        assert [line for line in lines if "=" in line and not line.startswith("#")] == [
            line for line in text.splitlines() if not line.startswith("#")
        ]
        assert any(f"set -a; source {env_file}; set +a" in line for line in lines)
    finally:
        returncode, _, err = _stop(process, signal.SIGINT)
    assert returncode == 0, err
    assert "Traceback" not in err
    parts = urlsplit(lwa_url)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()


def test_stdout_alone_is_sourceable_and_sigterm_stops_it(tmp_path):
    process, lines = _start("--scenario", "secrets-manager")
    returncode, _, err = _stop(process, signal.SIGTERM)
    assert returncode == 0, err
    saved = tmp_path / "stdout.env"
    saved.write_text("\n".join(lines) + "\n")
    assert _sourced(saved, "SPAPI_MOCK_SCENARIO") == "secrets-manager"
    assert _sourced(saved, "LWA_APP_ID") == ""


def test_a_foreign_env_file_is_never_overwritten(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LWA_CLIENT_SECRET=my-real-secret\n")
    result = _run("--env-file", str(env_file))
    assert result.returncode == 1
    assert "was not written by the mock" in result.stderr
    assert env_file.read_text() == "LWA_CLIENT_SECRET=my-real-secret\n"
    assert _run("--env-file", str(tmp_path)).returncode == 1
    assert _run("--env-file", str(tmp_path / "missing" / "x.env")).returncode == 1


def test_the_mocks_own_env_file_is_replaced(tmp_path):
    env_file = tmp_path / "mock.env"
    env_file.write_text(ENV_FILE_MARKER + "\nSPAPI_MOCK_SCENARIO=old\n")
    process, _ = _start("--env-file", str(env_file))
    returncode, _, err = _stop(process, signal.SIGINT)
    assert returncode == 0, err
    assert _sourced(env_file, "SPAPI_MOCK_SCENARIO") == "happy"
    # The command runs every service, for the user's own experiments: AWS too.
    assert _sourced(env_file, "AWS_ENDPOINT_URL_STS").startswith("http://127.0.0.1:")


# The command, with moto failing while it is seeded.
BROKEN_MOTO = (
    "from spapi_docs_helpers.mock import _aws\n"
    "def broken(self):\n"
    "    raise RuntimeError('seeding failed near Atzr|IwEBIsecretlookingvalue1234567890')\n"
    "_aws.AwsBackend._seed = broken\n"
) + RUN


def test_a_moto_failure_is_a_message_not_a_traceback():
    result = _run("--scenario", "happy-legacy", code=BROKEN_MOTO)
    assert result.returncode == 1
    assert "needs the AWS part of the mock" in result.stderr
    assert "moto failed to start: RuntimeError" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "secretlookingvalue" not in result.stderr + result.stdout
