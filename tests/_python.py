"""Python children: one that answers in JSON, for what only a fresh interpreter shows (what an
import loads, what a library reads from a clean start), and one made by ``fork``, for what
a forked child inherits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def python_json(
    code: str, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> Any:
    """``python -c code args...`` (with ``env``, else this process's environment, and
    ``stdin``), which must end with status 0; what it printed, read as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=None if env is None else dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def in_a_forked_child(work: Callable[[], bool], *, seconds: float = 30) -> int:
    """``work()`` in a child made by ``os.fork``, where only the calling thread goes on; the
    child's exit status: 0 when ``work`` returned True within ``seconds``, 2 when it
    returned anything else or hung (it runs on a thread of the child's, so a hang ends the
    child instead of the test)."""
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork in a process with threads: the child here runs only
        # the code under test, and leaves with os._exit.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        status = 1
        try:
            done = threading.Event()
            outcome = []

            def run() -> None:
                try:
                    outcome.append(work())
                finally:  # an exception ends the wait too (outcome stays empty: status 2)
                    done.set()

            threading.Thread(target=run, daemon=True).start()
            status = 0 if done.wait(seconds) and outcome == [True] else 2
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status)


def in_a_child_forked_while_held(
    lock: Any, work: Callable[[], bool], *, seconds: float = 30
) -> int:
    """``in_a_forked_child(work)`` while another thread of this process holds ``lock``."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            release.wait(seconds)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    try:
        assert held.wait(seconds), "the holding thread never took the lock"
        return in_a_forked_child(work, seconds=seconds)
    finally:
        release.set()
        holder.join(seconds)
