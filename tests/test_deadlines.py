"""Deadlines across the check: AWS's calls, calls side by side, and Ctrl-C.

STS and Secrets Manager go through the same transport as LWA and SP-API, so a dripping
AWS endpoint ends in a finding on time (botocore's own defaults waited up to three
minutes, even with --offline). Calls side by side run under :class:`Concurrently`, which
hands results back as they come and, when the block is left (Ctrl-C included), cancels
what still runs instead of waiting for it: an interrupted check ends at once, exit 130,
with no thread or connection left behind (adversarial review, findings 1, 2 and 9).
"""

from __future__ import annotations

import _thread
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from _hostile import HostileServer, bounded
from _values import EXAMPLE_ACCESS_KEY, EXAMPLE_SECRET_KEY, GOOD_ENV

from spapi_docs_helpers import Credentials, check, check_offline
from spapi_docs_helpers._deadline import Concurrently, Deadline, DeadlineExceeded, map_concurrently
from spapi_docs_helpers._errors import StoreError
from spapi_docs_helpers._stores import SecretsManagerSecret
from spapi_docs_helpers._sts import request_caller_identity, sts_client

# The installed command, next to this interpreter (as in conftest.py).
DOCTOR = Path(sys.executable).with_name("spapi-doctor")
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": EXAMPLE_ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": EXAMPLE_SECRET_KEY,
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def hostile():
    with HostileServer() as server:
        yield server


def _wait_for(condition, limit=30):
    """Poll ``condition`` until it holds; fail after ``limit`` seconds (a hang guard)."""
    give_up = time.monotonic() + limit
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError("the condition never came true")
        time.sleep(0.02)


# --------------------------------------------------------------------------- AWS


@pytest.mark.parametrize("mode", ["drip-body", "continue-loop"])
def test_sts_on_a_dripping_endpoint_ends_in_a_timeout(hostile, mode):
    creds = Credentials(aws_access_key=EXAMPLE_ACCESS_KEY, aws_secret_key=EXAMPLE_SECRET_KEY)
    client = sts_client(creds, endpoint_url=hostile.url(mode), timeout=0.3, retries=0)
    result = bounded(request_caller_identity, client, creds)
    assert result.finding.code == "network-timeout", result.finding.message
    assert result.finding.field is None


def test_sts_behind_a_json_503_is_service_unavailable(hostile):
    creds = Credentials(aws_access_key=EXAMPLE_ACCESS_KEY, aws_secret_key=EXAMPLE_SECRET_KEY)
    client = sts_client(creds, endpoint_url=hostile.url("unavailable-json"), timeout=1, retries=0)
    result = bounded(request_caller_identity, client, creds)
    # Not botocore's ResponseParserError, read as "an answer nothing explains".
    assert result.finding.code == "service-unavailable", result.finding.message
    assert "503" in result.finding.message


def test_the_secrets_manager_read_honours_the_timeout_offline(hostile, tmp_path):
    environ = {
        **AWS_ENV,
        "HOME": str(tmp_path),
        "SP_API_AWS_SECRET_ID": "spapi/credentials",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": hostile.url("drip-body"),
    }
    report = bounded(check_offline, environ=environ, timeout=0.3)
    finding = next(f for f in report.findings if f.code == "secrets-manager-unavailable")
    # What botocore raises for it, so the library's behaviour is told right.
    assert "ReadTimeoutError" in finding.message
    assert "python-amazon-sp-api stops with ReadTimeoutError" in finding.message


def test_the_secrets_manager_store_honours_the_timeout(hostile):
    """init, authorize and rotate write through the store: its calls have the deadline of
    every other call (botocore alone kept reading a dripping body for hours)."""
    environ = {**AWS_ENV, "AWS_ENDPOINT_URL_SECRETS_MANAGER": hostile.url("drip-body")}
    store = SecretsManagerSecret("spapi/credentials", environ=environ, timeout=0.3)
    with pytest.raises(StoreError) as refused:
        bounded(store.accounts, limit=20)
    assert refused.value.finding.code == "secrets-manager-write-failed"
    assert "ReadTimeoutError" in refused.value.finding.message


def test_a_secret_nested_too_deeply_is_invalid_not_a_crash(tmp_path):
    environ = {"HOME": str(tmp_path), "SP_API_AWS_SECRET_ID": "x"}
    deep = '{"LWA_APP_ID": ' + "[" * 100_000 + "]" * 100_000 + "}"
    report = check_offline(environ=environ, secrets_reader=lambda secret_id: deep)
    finding = next(f for f in report.findings if f.code == "secrets-manager-invalid")
    assert "nested more than" in finding.message


# --------------------------------------------------------------------------- concurrency


def test_results_come_back_in_submission_order_and_errors_are_raised():
    def square(n):
        time.sleep(0.01 * (5 - n))
        return n * n

    assert map_concurrently(square, range(5)) == [0, 1, 4, 9, 16]

    def fail(n):
        raise ValueError(f"no {n}")

    with pytest.raises(ValueError, match="no "):
        map_concurrently(fail, range(3))


def test_as_completed_hands_results_over_as_they_come():
    release = threading.Event()
    with Concurrently() as calls:
        slow = calls.submit(release.wait, 30)
        fast = calls.submit(len, "abc")
        finished = calls.as_completed()
        assert next(finished) is fast and fast.result() == 3
        release.set()
        assert next(finished) is slow and slow.result() is True


def test_leaving_the_block_waits_for_no_call():
    blocked = threading.Event()
    with Concurrently() as calls:
        pending = calls.submit(blocked.wait, 3600)
    # The block was left with the call still running; its thread is a daemon, so it
    # cannot keep the process alive either.
    assert not pending.done
    assert all(t.daemon for t in threading.enumerate() if t.name.startswith("spapi-doctor"))
    blocked.set()


def test_a_block_deadline_stops_the_wait():
    blocked = threading.Event()
    with Concurrently(0.2) as calls:
        pending = calls.submit(blocked.wait, 3600)
        with pytest.raises(DeadlineExceeded):
            bounded(pending.result, calls.deadline)
    blocked.set()


def test_a_child_deadline_ends_with_its_parent():
    parent = Deadline(None)
    with parent:
        child = Deadline(60)
    parent.cancel()
    assert child.ended and child.remaining() == 0.0
    assert not child.sleep(10)


# --------------------------------------------------------------------------- Ctrl-C


def _environ(hostile, tmp_path, spapi_mode):
    return {
        **GOOD_ENV,
        "HOME": str(tmp_path),
        "SPAPI_LWA_ENDPOINT": hostile.url("token", "/auth/o2/token"),
        **{f"SPAPI_ENDPOINT_{r}": hostile.url(spapi_mode) for r in ("NA", "EU", "FE")},
    }


@pytest.fixture
def ctrl_c_interrupts():
    """Ctrl-C raises KeyboardInterrupt in this process while the test runs (a command the
    test starts gets the same from ``_ctrl_c_as_a_user_has``).

    A shell without job control starts its background commands with SIGINT ignored, and
    children inherit that: ``make test &`` ran these tests in workers where
    ``_thread.interrupt_main()`` did nothing and the command never saw the signal. A user
    at a terminal has the default, so the tests set it instead of inheriting the runner's.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _ctrl_c_as_a_user_has():
    """In the child, before it runs the command: SIGINT's default (see ``ctrl_c_interrupts``)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_during_the_region_probes_cancels_them(tmp_path, ctrl_c_interrupts):
    from spapi_docs_helpers._probes import region_probes

    # Every region's probes, at once: the connections the check opens before anything answers.
    probes = sum(len(region_probes(code)) for code in ("NA", "EU", "FE"))
    before = set(threading.enumerate())
    # A server of its own: the count of connections is the evidence.
    with HostileServer() as hostile:
        environ = _environ(hostile, tmp_path, "silent")

        def interrupt_once_every_probe_waits():
            _wait_for(lambda: hostile.open_connections("silent") >= probes)
            _thread.interrupt_main()

        threading.Thread(target=interrupt_once_every_probe_waits, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            check(environ=environ, timeout=2, retries=2)
        # Cancelled, the probes close their connections and try no second time (a pool
        # that waited for them would have let each try three times).
        _wait_for(lambda: hostile.open_connections("silent") == 0)
        assert hostile.connections_for("silent") == probes
    # And every thread the check started has ended.
    _wait_for(lambda: set(threading.enumerate()) <= before)


def test_ctrl_c_ends_the_command_with_130(hostile, tmp_path):
    environ = {**os.environ, **_environ(hostile, tmp_path, "drip-body")}
    process = subprocess.Popen(
        [str(DOCTOR), "check", "--timeout", "600"],
        env=environ,
        preexec_fn=_ctrl_c_as_a_user_has,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: hostile.open_connections("drip-body") >= 3)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert err.strip() == "spapi-doctor: interrupted"
    assert out == ""


@pytest.fixture
def sigterm_restored():
    """The command installs a SIGTERM handler; the test process gets its own back."""
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_a_terminated_demo_removes_its_temporary_folder(monkeypatch, capsys, sigterm_restored):
    from spapi_docs_helpers import _cli, _doctor

    folders = []

    def check_then_terminated(*args, environ=None, **kwargs):
        folders.append(environ["HOME"])
        assert os.path.isdir(environ["HOME"])
        raise _cli._Terminated

    # check_demo starts the mock and a temporary HOME, then calls check(): stopped there.
    monkeypatch.setattr(_doctor, "check", check_then_terminated)
    assert _cli.main(["check", "--demo"]) == 143
    assert folders and not os.path.exists(folders[0])
    assert capsys.readouterr().err == "spapi-doctor: terminated\n"


def test_sigterm_unwinds_a_real_run(hostile, tmp_path):
    environ = {**os.environ, **_environ(hostile, tmp_path, "silent")}
    process = subprocess.Popen(
        [str(DOCTOR), "check", "--timeout", "600"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: hostile.open_connections("silent") >= 3)
        process.terminate()
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 143, err
    assert "Traceback" not in err
