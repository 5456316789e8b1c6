"""``spapi-doctor mock``'s run(): in a subprocess, as a user runs it, stopped by signals
(SIGTERM, SIGINT) or facing a closed or full standard output, and with a salt whose bytes
are no UTF-8 in its environment; in-process where a child would prove nothing more
(options refused before the mock runs, the list, a moto failure, a run stopped as soon as
it has handed its environment over, what it prints, the samples of each salt). The env
file's safety, the bounded latency and the closed or full standard output are the
adversarial review's findings 16, 27 and 19."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import select
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from mock_helpers import TIMEOUT_S, lwa_form

from spapi_docs_helpers._credentials import FIELDS, field_spec
from spapi_docs_helpers.mock import SCENARIOS, _cli, _samples
from spapi_docs_helpers.mock._cli import ENV_FILE_MARKER, MAX_LATENCY_MS

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
    return process.returncode, (out or b"").decode(), (err or b"").decode()


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


def _in_process(capsys, *args):
    """run() in this process, in the main thread as the command runs it, with ``args``;
    the calling test asks for ``mock_stops_at_once``, so a mock that starts is stopped as
    soon as it has handed its environment over. (exit status, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="spapi-doctor mock")
    _cli.add_arguments(parser)
    status = _cli.run(parser.parse_args(list(args)))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def test_list_shows_every_scenario_with_its_title(capsys, mock_stops_at_once):
    # In-process: the list on a full or closed standard output runs in a child below.
    status, out, _err = _in_process(capsys, "--list")
    assert status == 0
    for name, item in SCENARIOS.items():
        assert any(line.startswith(name + " ") and item.title in line for line in out.splitlines())


def test_an_unknown_scenario_is_a_usage_error_listing_the_scenarios(capsys):
    status, err = _refusal(capsys, "--scenario", "hapy")
    assert status == 2
    assert "no mock scenario named 'hapy'" in err
    assert "happy-legacy" in err


def test_env_file_is_sourceable_and_points_at_the_running_mock_until_sigterm(tmp_path):
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
        # SIGTERM here; SIGINT stops the child of the test without standard output below.
        returncode, _, err = _stop(process, signal.SIGTERM)
    assert returncode == 0, err
    assert "Traceback" not in err
    parts = urlsplit(lwa_url)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()


def test_stdout_alone_is_sourceable(capsys, mock_stops_at_once, tmp_path):
    # In-process: what a child prints is the same text (the child above compares its
    # standard output with its env file, and the signals are the children's part).
    status, out, err = _in_process(capsys, "--scenario", "secrets-manager")
    assert status == 0, err
    saved = tmp_path / "stdout.env"
    saved.write_text(out)
    assert _sourced(saved, "SPAPI_MOCK_SCENARIO") == "secrets-manager"
    assert _sourced(saved, "LWA_APP_ID") == ""


def test_a_foreign_env_file_is_never_overwritten(capsys, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LWA_CLIENT_SECRET=my-real-secret\n")
    status, err = _refusal(capsys, "--env-file", str(env_file))
    assert status == 1
    assert "was not written by the mock" in err
    assert env_file.read_text() == "LWA_CLIENT_SECRET=my-real-secret\n"


def test_the_mocks_own_env_file_is_replaced(capsys, mock_stops_at_once, tmp_path):
    env_file = tmp_path / "mock.env"
    env_file.write_text(ENV_FILE_MARKER + "\nSPAPI_MOCK_SCENARIO=old\n")
    status, out, err = _in_process(capsys, "--env-file", str(env_file))
    assert status == 0, err
    assert out.splitlines()[-1] == "# mock Amazon stopped."
    assert _sourced(env_file, "SPAPI_MOCK_SCENARIO") == "happy"
    # The command runs every service, for the user's own experiments: AWS too.
    assert _sourced(env_file, "AWS_ENDPOINT_URL_STS").startswith("http://127.0.0.1:")


def test_a_moto_failure_is_a_message_not_a_traceback(capsys, monkeypatch, mock_stops_at_once):
    """The command, with moto failing while it is seeded."""
    from spapi_docs_helpers.mock import _aws

    def broken(self):
        raise RuntimeError("seeding failed near Atzr|IwEBIsecretlookingvalue1234567890")

    monkeypatch.setattr(_aws.AwsBackend, "_seed", broken)
    status, out, err = _in_process(capsys, "--scenario", "happy-legacy")
    assert status == 1
    assert "needs the AWS part of the mock" in err
    assert "moto failed to start: RuntimeError" in err
    assert "secretlookingvalue" not in err + out


# ------------------------------------------------------------------ refused before start


@pytest.fixture
def folder(tmp_path):
    """An empty folder of the test's own (tmp_path also holds the isolated HOME)."""
    path = tmp_path / "work"
    path.mkdir()
    return path


# A refusal is immediate; only a hang (a FIFO opened for reading...) reaches this.
REFUSAL_BOUND_S = 30


def _refusal(capsys, *args):
    """run() in-process with ``args``, which must be refused before anything starts:
    (exit status, stderr). Fails (instead of hanging) if run() does not return."""
    parser = argparse.ArgumentParser(prog="spapi-doctor mock")
    _cli.add_arguments(parser)
    parsed = parser.parse_args(list(args))
    outcome = []
    runner = threading.Thread(target=lambda: outcome.append(_cli.run(parsed)), daemon=True)
    runner.start()
    runner.join(REFUSAL_BOUND_S)
    assert outcome, f"run() did not return within {REFUSAL_BOUND_S} s"
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    return outcome[0], err


@pytest.mark.parametrize(
    "value",
    ["-3", str(MAX_LATENCY_MS + 1), "99999999999999999999"],
    ids=["negative", "above", "huge"],
)
def test_latency_out_of_bounds_is_a_usage_error(capsys, value):
    # The huge one used to start, then answer every request with a 500 (OverflowError).
    status, err = _refusal(capsys, "--latency-ms", value)
    assert status == 2
    assert f"--latency-ms must be between 0 and {MAX_LATENCY_MS}" in err


def _fifo(folder):
    path = folder / "fifo.env"
    os.mkfifo(path)
    return path


def _socket_file(folder):
    path = folder / "s.env"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


# Each path cannot name a file of the mock's: a usage error, nothing created anywhere.
@pytest.mark.parametrize(
    ("make_path", "expected"),
    [
        (lambda folder: "", "--env-file needs a file name"),
        (lambda folder: folder / ("x" * 300), "File name too long"),
        (lambda folder: folder / "missing" / "x.env", "does not exist"),
        (lambda folder: folder, "is a folder"),
        # A FIFO used to block run() for ever (a reader waits for a writer).
        (_fifo, "is a FIFO (named pipe)"),
        (_socket_file, "is a socket"),
        (lambda folder: os.devnull, "is a character device"),
        (lambda folder: folder / "file" / "x.env", "Not a directory"),
    ],
    ids=[
        "empty",
        "too-long",
        "missing-folder",
        "folder",
        "fifo",
        "socket",
        "device",
        "file-as-folder",
    ],
)
def test_a_path_that_cannot_be_the_env_file_is_a_usage_error(capsys, folder, make_path, expected):
    (folder / "file").write_text("a file, not a folder\n")
    path = make_path(folder)
    before = sorted(item.name for item in folder.iterdir())
    status, err = _refusal(capsys, "--env-file", str(path))
    assert status == 2, err
    assert expected in err
    assert sorted(item.name for item in folder.iterdir()) == before


def test_a_read_only_folder_is_a_usage_error(capsys, folder, monkeypatch):
    read_only = folder / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    if os.geteuid() == 0:
        # root may write anywhere, whatever the mode: os.access is told what a user sees.
        real_access = os.access
        monkeypatch.setattr(
            _cli.os, "access", lambda p, mode: p != read_only and real_access(p, mode)
        )
    status, err = _refusal(capsys, "--env-file", str(read_only / "x.env"))
    assert (status, "is not writable" in err) == (2, True)
    assert list(read_only.iterdir()) == []


def _marked(path, mode=0o600):
    path.write_text(ENV_FILE_MARKER + "\nSPAPI_MOCK_SCENARIO=old\n")
    path.chmod(mode)
    return path


# Each path holds something the mock must not replace: refused, and left as it was.
@pytest.mark.parametrize(
    ("make_path", "expected"),
    [
        # Nothing to check a marker in: "exists, and not the mock's". It used to be replaced.
        (lambda folder: _link(folder, folder / "nowhere.env"), "is a symbolic link"),
        # Even to the mock's own file (it used to be replaced by a regular file).
        (lambda folder: _link(folder, _marked(folder / "real.env")), "is a symbolic link"),
        (lambda folder: _link(folder, "/dev/zero"), "is a symbolic link"),
        # The mock's own file, made read-only by the user (it used to be overwritten).
        (lambda folder: _marked(folder / "ro.env", 0o444), "is read-only"),
        (lambda folder: _text(folder, "LWA_CLIENT_SECRET=x\n"), "was not written by the mock"),
        # A longer first line that starts like the marker is not the marker.
        (lambda folder: _text(folder, ENV_FILE_MARKER + " (edited)\n"), "was not written"),
        (lambda folder: _text(folder, ""), "was not written by the mock"),
    ],
    ids=[
        "dangling-link",
        "link-to-marked",
        "link-to-device",
        "read-only",
        "foreign",
        "near-marker",
        "empty-file",
    ],
)
def test_a_file_the_mock_did_not_write_is_refused_and_left_as_it_was(
    capsys, folder, make_path, expected
):
    path = make_path(folder)
    before = _snapshot(folder)
    status, err = _refusal(capsys, "--env-file", str(path))
    assert status == 1, err
    assert expected in err and "left untouched" in err
    assert _snapshot(folder) == before


def test_a_foreign_accounts_file_is_refused_naming_that_option(capsys, folder):
    """--sellers' accounts file is guarded as the env file is, and the message sends the
    user to --accounts-file (it used to say "Choose another --env-file")."""
    path = _text(folder, "version: '1.0'\nshop:\n  refresh_token: mine\n")
    before = _snapshot(folder)
    status, err = _refusal(capsys, "--sellers", "2", "--accounts-file", str(path))
    assert status == 1, err
    assert "not writing the accounts to --accounts-file" in err
    assert "was not written by the mock" in err and "left untouched" in err
    assert "--env-file" not in err
    assert _snapshot(folder) == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--sellers", "0"), "--sellers must be between 1 and"),
        (("--sellers", "3", "--broken", "4"), "--broken must be between 0 and --sellers (3)"),
        (("--sellers", "3", "--broken", "-1"), "--broken must be between 0 and --sellers (3)"),
        (("--sellers", "3"), "--sellers needs --accounts-file PATH"),
        (("--broken", "1"), "--accounts-file and --broken go with --sellers N"),
        (("--accounts-file", "fleet.yml"), "--accounts-file and --broken go with --sellers N"),
        (
            ("--sellers", "3", "--accounts-file", "same.txt", "--env-file", "same.txt"),
            "--accounts-file and --env-file must be two files",
        ),
    ],
    ids=[
        "no-sellers",
        "broken-over",
        "broken-negative",
        "no-file",
        "broken-alone",
        "file-alone",
        "same-file",
    ],
)
def test_fleet_options_out_of_place_are_usage_errors(capsys, folder, monkeypatch, args, expected):
    monkeypatch.chdir(folder)
    status, err = _refusal(capsys, *args)
    assert (status, expected in err) == (2, True), err
    assert list(folder.iterdir()) == []


def _link(folder, target):
    link = folder / "link.env"
    link.symlink_to(target)
    return link


def _text(folder, text):
    path = folder / "text.env"
    path.write_text(text)
    return path


def _snapshot(folder) -> dict:
    """Every entry of ``folder``: a link's target, or a file's mode and content."""
    entries = {}
    for item in folder.iterdir():
        if item.is_symlink():
            entries[item.name] = ("link", os.readlink(item))
        else:
            entries[item.name] = (stat.S_IMODE(item.stat().st_mode), item.read_bytes())
    return entries


def test_only_the_markers_length_of_a_file_is_read(capsys, folder, monkeypatch):
    # A 5 GiB sparse file: reading its "first line" whole would exhaust memory.
    big = folder / "big.env"
    with big.open("wb") as out:
        out.truncate(5 << 30)
    reads = []
    real_read = os.read
    monkeypatch.setattr(_cli.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    status, err = _refusal(capsys, "--env-file", str(big))
    assert (status, "was not written by the mock" in err) == (1, True)
    assert reads == [len(ENV_FILE_MARKER) + 1]


def test_the_env_file_is_replaced_atomically_with_mode_0600(folder, monkeypatch):
    env_file = _marked(folder / "mock.env", 0o644)
    _cli._write_env_file(env_file, ["SPAPI_MOCK_SCENARIO=new"])
    assert env_file.read_text() == f"{ENV_FILE_MARKER}\nSPAPI_MOCK_SCENARIO=new\n"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert [item.name for item in folder.iterdir()] == ["mock.env"]

    # A failure on the way leaves the old file whole, and no temporary file behind.
    def fail(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_cli.os, "replace", fail)
    with pytest.raises(OSError):
        _cli._write_env_file(env_file, ["SPAPI_MOCK_SCENARIO=newer"])
    assert env_file.read_text() == f"{ENV_FILE_MARKER}\nSPAPI_MOCK_SCENARIO=new\n"
    assert [item.name for item in folder.iterdir()] == ["mock.env"]


def test_a_path_that_became_a_link_while_the_mock_started_is_refused(folder):
    # Checked before start-up, and again just before writing.
    env_file = folder / "mock.env"
    env_file.symlink_to(folder / "elsewhere.env")
    with pytest.raises(_cli._EnvFileRefused, match="symbolic link"):
        _cli._write_env_file(env_file, ["SPAPI_MOCK_SCENARIO=new"])
    assert env_file.is_symlink() and not (folder / "elsewhere.env").exists()


# ------------------------------------------------------------------ standard output
CLOSED_STDOUT = ("sh", "-c", 'exec "$0" "$@" >&-', sys.executable)


def _assert_io_error_only(stderr: str):
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert "bug" not in stderr


def test_the_list_on_a_full_or_closed_standard_output_is_an_io_error():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-c", RUN, "--list"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 4
    assert "cannot write the list to standard output (No space left on device)" in result.stderr
    _assert_io_error_only(result.stderr)
    closed = subprocess.run(
        [*CLOSED_STDOUT, "-c", RUN, "--list"], stderr=subprocess.PIPE, text=True, timeout=60
    )
    assert closed.returncode == 4
    assert "cannot write the list to standard output (standard output is closed)" in closed.stderr
    _assert_io_error_only(closed.stderr)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_without_an_env_file_a_full_disk_stops_the_mock_with_an_output_error(
    capsys, monkeypatch, mock_stops_at_once
):
    """The mock started, could not hand its environment over, and stopped, saying where the
    environment can go instead. In this process: the child above that writes the list to
    /dev/full shows that the same output, once failed, leaves nothing for the interpreter's
    exit to fail on."""
    with open("/dev/full", "w") as full:
        monkeypatch.setattr("sys.stdout", full)
        status, _out, err = _in_process(capsys)
    assert status == 4, err
    assert "cannot write the environment to standard output (No space left on device)" in err
    assert "--env-file" in err
    _assert_io_error_only(err)


def test_with_an_env_file_the_mock_runs_on_without_standard_output_until_ctrl_c(tmp_path):
    env_file = tmp_path / "mock.env"
    process = subprocess.Popen(
        [*CLOSED_STDOUT, "-u", "-c", RUN, "--env-file", str(env_file)],
        stderr=subprocess.PIPE,
    )
    try:
        # The warning comes once the environment is in the file.
        err = b""
        deadline = time.monotonic() + START_DEADLINE_S
        while b"The mock runs until Ctrl-C" not in err:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([process.stderr], [], [], remaining)[0]:
                raise AssertionError(f"no warning from the mock: {err!r}")
            chunk = os.read(process.stderr.fileno(), 65536)
            if not chunk:
                raise AssertionError(f"the mock ended: {err!r}")
            err += chunk
        assert f"the environment is in {env_file} only".encode() in err
        lwa_url = _sourced(env_file, "SPAPI_LWA_ENDPOINT")
        answer = requests.post(
            lwa_url, timeout=TIMEOUT_S, data=lwa_form(SCENARIOS["happy"].credentials)
        )
        assert answer.status_code == 200
    finally:
        returncode, _, rest = _stop(process, signal.SIGINT)
    assert returncode == 0
    _assert_io_error_only((err + rest.encode()).decode())


# ------------------------------------------------------------------ the sample salt
SALT_VARIABLE = "SPAPI_MOCK_SAMPLE_SALT"


def _samples_with_salt(monkeypatch, salt: bytes) -> tuple:
    """A sample token and AWS key from a fresh copy of ``_samples`` imported with the
    variable holding ``salt``'s bytes, as the operating system would hand them to a new
    process (Python keeps bytes that are no UTF-8 as lone surrogates)."""
    monkeypatch.setenv(SALT_VARIABLE, os.fsdecode(salt))
    spec = importlib.util.spec_from_file_location("_samples_of_this_salt", _samples.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.refresh_token("seed"), module.AWS_EXAMPLE_ACCESS_KEY


def test_a_salt_that_is_not_utf8_is_mixed_in_as_its_bytes(monkeypatch):
    # It used to end every command that imports the mock in a UnicodeEncodeError.
    bad = _samples_with_salt(monkeypatch, b"\xffsalt")
    again = _samples_with_salt(monkeypatch, b"\xffsalt")
    other = _samples_with_salt(monkeypatch, b"salt")
    unsalted = _samples_with_salt(monkeypatch, b"")
    assert bad == again
    assert len({bad, other, unsalted}) == 3
    # The whole command, in a child that gets the variable's bytes from its environment.
    listing = subprocess.run(
        [sys.executable, "-m", "spapi_docs_helpers._cli", "mock", "--list"],
        env={**os.environb, SALT_VARIABLE.encode(): b"\xff"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (listing.returncode, listing.stderr) == (0, "")
    assert "happy-legacy" in listing.stdout


# ------------------------------------------------------------------ the reference page
MOCK_REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "mock.md"


def _documented_tables() -> list:
    """The variables in the first column of each table of "The environment it prints"."""
    text = MOCK_REFERENCE.read_text(encoding="utf-8")
    section = text.split("## The environment it prints", 1)[1].split("\n## ", 1)[0]
    tables, rows = [], None
    for line in section.splitlines():
        if line.startswith("|"):
            rows = [] if rows is None else rows
            rows.append(line.split("|")[1])
        elif rows is not None:
            tables.append(rows)
            rows = None
    # Each table without its header and separator rows.
    return [
        {name for cell in table[2:] for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}
        for table in tables
    ]


def test_the_reference_names_exactly_the_variables_the_mock_prints(start_mock):
    # It used to list AWS_ENDPOINT_URL_SECRETSMANAGER, which the mock never printed.
    endpoints, scenario_variables = _documented_tables()
    credential_names = {spec.env for spec in FIELDS}
    amazon = start_mock("happy", aws=True)
    assert endpoints == set(amazon.env) - credential_names
    printed = set()
    for item in SCENARIOS.values():
        if item.credential_source == "environment":
            printed |= {field_spec(key).env for key in item.configured_credentials()}
        printed |= set(item.extra_env)
    assert scenario_variables == printed
