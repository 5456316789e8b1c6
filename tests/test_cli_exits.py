"""Honest exits and a clean terminal, whatever the machine and the arguments are like.

The exit status says what happened: 1 on a failing check even when the reader stops early
(``check | head``), 4 when the report cannot be written (stdout closed or full), 2 for
options that would be silently ignored, and 3 only for a bug, never for a setting of the
machine (odd ``COLUMNS``, a deleted working directory, values that are no UTF-8).
Whatever reaches the terminal has its control characters escaped, and long values are cut
(adversarial review, findings 10, 13, 14, 19, 21, 22 and 24).

What needs a real process runs the installed script: a pipe whose reader is gone, a closed
or full stdout, a deleted working directory, an environment that is no UTF-8, a terminal.
The rest (usage errors, help, escaping on a pipe, long values) runs in this process
(``_cli.main``, the ``cli`` fixture).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _values import FAILING_ENV, GOOD_ENV

from spapi_docs_helpers import _cli

# The installed command, next to this interpreter (as in conftest.py).
DOCTOR = Path(sys.executable).with_name("spapi-doctor")
ESC = "\x1b"


def _run(args, env, stdout):
    """The installed command with ``stdout`` as given: ``(status, stderr)``."""
    done = subprocess.run(
        [str(DOCTOR), *args],
        env={**os.environ, **env},
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stderr


# --------------------------------------------------------------------------- the output


def test_a_reader_that_stops_early_keeps_the_failing_status():
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte: every write is EPIPE
    try:
        status, err = _run(["check", "--offline"], FAILING_ENV, write_end)
    finally:
        os.close(write_end)
    assert status == 1, err
    assert err == ""


def test_a_reader_that_stops_early_keeps_a_passing_status_too():
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        status, err = _run(["check", "--offline", "--format", "json"], GOOD_ENV, write_end)
    finally:
        os.close(write_end)
    assert (status, err) == (0, "")


def test_a_closed_stdout_is_an_output_error_not_a_bug(monkeypatch):
    # The null device is fine (in this process: its writes succeed whoever makes them)...
    with open(os.devnull, "w") as null, monkeypatch.context() as patch:
        patch.setattr("sys.stdout", null)
        for name, value in GOOD_ENV.items():
            patch.setenv(name, value)
        assert _cli.main(["check", "--offline"]) == 0
    # ...a closed standard output is not: the interpreter starts without one.
    done = subprocess.run(
        f"exec {DOCTOR} check --offline >&-",
        shell=True,
        env={**os.environ, **GOOD_ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    assert "could not be written" in done.stderr and "standard output is closed" in done.stderr
    assert "bug" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_disk_is_an_output_error_not_a_bug():
    with open("/dev/full", "w") as full:
        status, err = _run(["check", "--offline"], GOOD_ENV, full)
    assert status == 4, err
    assert "No space left on device" in err
    assert "bug" not in err and "Traceback" not in err and "Exception ignored" not in err


def test_the_mock_with_a_closed_stdout_is_an_output_error():
    """Without --env-file the environment goes to standard output only: closed, the command
    refuses before the mock starts (the one child run of this case; tests/mock/test_cli.py
    runs the mock with an env file and standard output closed, and on a full disk)."""
    done = subprocess.run(
        f"exec {DOCTOR} mock >&-",
        shell=True,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    assert "the mock's environment could not be written: standard output is closed" in (done.stderr)
    assert "bug" not in done.stderr and "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr


def test_the_json_after_a_broken_pipe_in_process_keeps_the_status(monkeypatch):
    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError

        def fileno(self):
            raise io.UnsupportedOperation

    monkeypatch.setattr("sys.stdout", Closed())
    for name, value in FAILING_ENV.items():
        monkeypatch.setenv(name, value)
    assert _cli.main(["check", "--offline", "--format", "json"]) == 1


# --------------------------------------------------------------------------- the machine


@pytest.mark.parametrize("columns", ["²", "٣", "-5", "0", "abc", "9" * 30, ""])
def test_odd_columns_give_the_help_not_a_traceback(columns, cli):
    status, out, err = cli("check", "--help", env={"COLUMNS": columns})
    assert status == 0, err
    assert "--offline" in out and err == ""


def test_a_deleted_working_directory_is_no_crash(tmp_path, doctor):
    gone = tmp_path / "gone"
    gone.mkdir()
    done = subprocess.run(
        f"cd {gone} && rmdir {gone} && exec {DOCTOR} check --offline",
        shell=True,
        env={**os.environ, "PYTHON-SP-APIDIR": "relative/folder"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "no-credentials" in done.stdout


def _no_utf8_environment(tmp_path) -> dict:
    """Values whose bytes are no UTF-8, as bytes of the environment."""
    return {
        b"HOME": str(tmp_path).encode() + b"/\xff\xfe",
        b"LWA_APP_ID": b"amzn1.application-oa2-client.\xff" + b"a" * 31,
        b"LWA_CLIENT_SECRET": GOOD_ENV["LWA_CLIENT_SECRET"].encode(),
        b"SP_API_REFRESH_TOKEN": GOOD_ENV["SP_API_REFRESH_TOKEN"].encode() + b"\xc3",
        b"SP_API_DEFAULT_MARKETPLACE": b"\xe9",
        b"SPAPI_LWA_ENDPOINT": b"http://127.0.0.1:9/\xff",
    }


def test_values_that_are_no_utf8_are_findings_not_crashes(tmp_path):
    """In a child, which gets the bytes from its environment as a user's shell gives them."""
    environ = {**os.environb, **_no_utf8_environment(tmp_path)}
    done = subprocess.run(
        [str(DOCTOR), "check", "--offline"], env=environ, capture_output=True, timeout=60
    )
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, err
    assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr


@pytest.mark.parametrize(
    "args", [["check", "--timeout", "1"], ["check", "--format", "json"]], ids=["text", "json"]
)
def test_values_that_are_no_utf8_are_findings_online_too(tmp_path, cli, args):
    """In this process: os.environ holds such bytes as the child above has them (lone
    surrogates, os.fsdecode), and the online check reads nothing else of the process."""
    env = {os.fsdecode(k): os.fsdecode(v) for k, v in _no_utf8_environment(tmp_path).items()}
    status, _out, err = cli(*args, env=env)
    assert status == 1, err
    assert "Traceback" not in err and "internal error" not in err


# --------------------------------------------------------------------------- the terminal


def _hostile_environment(tmp_path) -> dict:
    home = str(tmp_path / "h\x1b[2J\x1b]0;pwn\x07\n✓ Verdict: Your credentials work.")
    return {
        "HOME": home,
        "SPAPI_DOCS_URL": "https://docs.example/\x1b[31m",
        "LWA_APP_ID_shop\x1b[1m": "x",
        "SP_API_DEFAULT_MARKETPLACE": "\x9b31m",
    }


def _assert_escaped(status, out, err):
    assert status == 1, err
    assert ESC not in out and "\x07" not in out and "\x9b" not in out
    assert "\\x1b[2J" in out  # shown, as an escape
    # The path's "\n✓ Verdict: …" stays inside its line: no forged verdict line.
    verdicts = [line for line in out.splitlines() if line[2:10] == "Verdict:"]
    assert len(verdicts) == 1 and verdicts[0].startswith("✗"), verdicts


def test_control_characters_from_the_environment_are_escaped(cli, tmp_path):
    env = _hostile_environment(tmp_path)
    _assert_escaped(*cli("check", "--offline", "--color", "never", env=env))


def test_control_characters_from_the_environment_are_escaped_on_a_terminal(doctor, tmp_path):
    env = _hostile_environment(tmp_path)
    _assert_escaped(*doctor("check", "--offline", "--color", "never", env=env, tty=True))


def test_control_characters_in_json_are_escaped(cli):
    env = {**FAILING_ENV, "SP_API_DEFAULT_MARKETPLACE": "\x9b31m\u202e"}
    status, out, _ = cli("check", "--offline", "--format", "json", env=env)
    assert status == 1
    assert "\x9b" not in out and "\u202e" not in out
    data = json.loads(out)
    message = next(f for f in data["findings"] if f["code"] == "default-marketplace-invalid")
    assert "\\x9b31m" in message["message"]


def test_an_argument_with_escape_sequences_is_escaped_in_the_usage_error(cli):
    status, out, err = cli("check", "--format", "\x1b]0;pwn\x07")
    assert out == ""
    assert status == 2
    assert ESC not in err and "\x07" not in err
    status, _, err = cli("check", "\x1b[2J")
    assert status == 2 and ESC not in err


def test_long_values_are_cut(cli):
    env = {**GOOD_ENV, "SP_API_DEFAULT_MARKETPLACE": "D" * 125_000, "AWS_ENV": "E" * 100_000}
    status, out, _ = cli("check", "--offline", env=env)
    assert status == 1
    assert len(out) < 20_000
    assert "(125000 chars)" in out and "(100000 chars)" in out


# --------------------------------------------------------------------------- usage


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["--demo", "--account", "shop"], "--account", id="demo-account"),
        pytest.param(["--demo", "--sandbox"], "--sandbox", id="demo-sandbox"),
        pytest.param(["--demo", "--legacy"], "--legacy", id="demo-legacy"),
        pytest.param(
            ["--demo", "--grantless", "sellingpartnerapi::notifications"],
            "--grantless",
            id="demo-grantless",
        ),
        pytest.param(["--offline", "--sandbox"], "drop --offline", id="offline-sandbox"),
        pytest.param(
            ["--offline", "--legacy", "--grantless", "x"],
            "--grantless, --legacy",
            id="offline-legacy-grantless",
        ),
        pytest.param(["--demo", "--scenario", ""], "must not be empty", id="empty-scenario"),
        pytest.param(["--scenario", ""], "must not be empty", id="empty-scenario-alone"),
        pytest.param(["--demo", "--scenario", "x" * 10_000], "at most 256", id="long-scenario"),
        pytest.param(["--account", "a" * 10_000], "at most 256", id="long-account"),
        pytest.param(["--grantless", ""], "must not be empty", id="empty-scope"),
        # The fleet's options without --all-accounts, their default values too.
        pytest.param(["--concurrency", "8"], "--concurrency is for", id="default-concurrency"),
        pytest.param(["--accounts-file", ""], "--accounts-file is for", id="empty-accounts-file"),
    ],
)
def test_options_that_would_be_ignored_are_usage_errors(args, words, cli):
    status, out, err = cli("check", *args, env=GOOD_ENV)
    assert status == 2, err
    assert out == "" and words in err
    assert len(err) < 2_000


def test_an_unknown_scenario_is_named_cut(cli):
    status, _, err = cli("check", "--demo", "--scenario", "nope-" + "x" * 200)
    assert status == 2
    assert "unknown scenario" in err and "…" in err and len(err) < 2_000
