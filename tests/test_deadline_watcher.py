"""The machinery under :mod:`._deadline` that a fleet check leans on: one watcher thread for
every timed deadline, and worker threads reused from call to call.

A fleet check makes thousands of calls, each under its own deadline; these tests hold the
bounds the single check relies on (a deadline ends, its sockets are shut down, a closed one
ends nothing) through the watcher's own bookkeeping: many deadlines closed before their time
(the heap is then rebuilt), deadlines added in any order, the watcher stopping when idle and
starting again. No test times anything: each waits for an event, with a hang guard.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading

import pytest
from _python import in_a_forked_child

from spapi_docs_helpers import _deadline
from spapi_docs_helpers._deadline import Concurrently, Deadline

# A hang guard, never a speed target: every wait below ends long before it on any machine.
HANG_GUARD = 30


class _BlockedReader:
    """A socket pair; a thread reads one end, watched by ``deadline``, and nobody writes to
    the other (kept open: no end of file). ``returned`` is set once the read returns, which
    only the deadline's shutdown makes happen."""

    def __init__(self, deadline: Deadline) -> None:
        self.reader, self.writer = socket.socketpair()
        self.returned = threading.Event()
        deadline.watch(self.reader)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with contextlib.suppress(OSError):  # shut down: the read ends either way
            self.reader.recv(1)
        self.returned.set()

    def close(self) -> None:
        self.reader.close()
        self.writer.close()


def test_a_deadline_ends_on_time_after_many_were_closed_before_theirs():
    # Enough closed deadlines that the watcher rebuilds its heap while it waits.
    for _ in range(300):
        Deadline(600).close()
    deadline = Deadline(0.05)
    blocked = _BlockedReader(deadline)
    try:
        assert blocked.returned.wait(HANG_GUARD), "the deadline never shut its socket down"
        assert deadline.ended and deadline.remaining() == 0.0
    finally:
        blocked.close()


def test_an_earlier_deadline_added_later_ends_first():
    late = Deadline(600)
    early = Deadline(0.05)
    blocked = _BlockedReader(early)
    try:
        assert blocked.returned.wait(HANG_GUARD)
        assert early.ended
        assert not late.ended
    finally:
        late.close()
        blocked.close()


def test_a_closed_deadline_ends_nothing():
    deadline = Deadline(0.05)
    reader, writer = socket.socketpair()
    deadline.watch(reader)
    deadline.close()
    ender = Deadline(0.1)
    blocked = _BlockedReader(ender)
    try:
        assert blocked.returned.wait(HANG_GUARD)
        # Its time has come and gone (the later deadline ended): the closed one's socket
        # was forgotten, not shut down, so it still carries data.
        writer.sendall(b"x")
        assert reader.recv(1) == b"x"
    finally:
        blocked.close()
        reader.close()
        writer.close()


def test_the_watcher_starts_again_after_it_stopped(monkeypatch):
    monkeypatch.setattr(_deadline, "_IDLE", 0.05)
    # A watcher of this test's own: other tests' deadlines (a minute long, some never
    # closed) keep the shared one busy.
    watcher = _deadline._Watcher()
    monkeypatch.setattr(_deadline, "_watcher", watcher)
    first = Deadline(0.01)
    blocked = _BlockedReader(first)
    assert blocked.returned.wait(HANG_GUARD)
    blocked.close()
    stopped = threading.Event()

    def watcher_gone() -> None:
        while watcher._thread is not None:
            threading.Event().wait(0.01)
        stopped.set()

    threading.Thread(target=watcher_gone, daemon=True).start()
    assert stopped.wait(HANG_GUARD), "the idle watcher never stopped"
    second = Deadline(0.01)
    blocked = _BlockedReader(second)
    try:
        assert blocked.returned.wait(HANG_GUARD), "no watcher ended the deadline after a restart"
    finally:
        blocked.close()


def test_calls_in_turn_reuse_the_idle_threads():
    def idle_worker() -> bool:
        with _deadline._workers._lock:
            return bool(_deadline._workers._idle)

    before = threading.active_count()
    # Threads other tests left idle may take these calls too: they are reused as well.
    with _deadline._workers._lock:
        idle_before = len(_deadline._workers._idle)
    ran_on = set()
    with Concurrently() as calls:
        for _ in range(20):
            ran_on.add(calls.submit(threading.get_ident).result())
            # Let the worker go idle (it does once the call's result is handed over).
            waited = threading.Event()
            for _ in range(HANG_GUARD * 100):
                if idle_worker():
                    break
                waited.wait(0.01)
            else:
                pytest.fail("no worker went idle after its call")
    # Twenty calls in turn: each went to a thread the one before left idle, never a new one.
    assert threading.active_count() <= before + 1
    assert len(ran_on) <= max(idle_before, 1), f"{len(ran_on)} threads for 20 calls in turn"


def test_calls_side_by_side_each_get_a_thread_of_their_own():
    # A call never waits for a thread: five calls that wait for each other all run at once.
    barrier = threading.Barrier(5, timeout=HANG_GUARD)
    with Concurrently() as calls:
        pending = [calls.submit(barrier.wait) for _ in range(5)]
        assert sorted(call.result() for call in pending) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("seconds", [0, -1])
def test_a_deadline_already_due_ends_at_once(seconds):
    deadline = Deadline(seconds)
    blocked = _BlockedReader(deadline)
    try:
        assert blocked.returned.wait(HANG_GUARD)
        assert deadline.ended
    finally:
        blocked.close()


def test_a_call_run_here_runs_under_the_blocks_deadline_which_stays_open():
    """Concurrently.run_here: the call runs on this thread with the block's deadline
    current; its value or its error comes back through a finished Call, as a submitted
    call's does; and the block's deadline is not closed by it: leaving the block still
    ends a call submitted beside it (its blocked read is woken)."""
    seen: list[object] = []

    def here(value: int) -> int:
        seen.append((_deadline.current(), threading.current_thread()))
        return value * 2

    def fails() -> None:
        raise ValueError("example failure")

    reader = None
    with Concurrently() as calls:
        done = calls.run_here(here, 21)
        failed = calls.run_here(fails)
        reader_deadline = Deadline(None, parent=calls.deadline)
        reader = _BlockedReader(reader_deadline)
        assert done.done and done.result() == 42
        assert seen == [(calls.deadline, threading.current_thread())]
        with pytest.raises(ValueError, match="example failure"):
            failed.result()
        assert _deadline.current() is None  # this thread's stack is as it was
        assert calls.deadline.remaining() is None and not calls.deadline.ended
    # Leaving the block cancelled its deadline, and with it the child the reader waits on.
    assert reader.returned.wait(HANG_GUARD)
    reader.close()


def test_a_sleep_ends_when_its_deadline_is_cancelled():
    """A sleep waits on an Event made for it; cancelling the deadline from another thread
    sets it, so the sleep ends at once with False (it would otherwise last the hang guard)."""
    deadline = Deadline(None)
    asleep = threading.Event()
    outcome: list[bool] = []

    def sleeper() -> None:
        asleep.set()
        outcome.append(deadline.sleep(HANG_GUARD * 10))

    thread = threading.Thread(target=sleeper, daemon=True)
    thread.start()
    assert asleep.wait(HANG_GUARD)
    deadline.cancel()
    thread.join(HANG_GUARD)
    assert outcome == [False]
    assert not deadline.sleep(1)  # an ended deadline does not sleep at all


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here (Windows)")
def test_a_forked_child_gets_deadlines_and_calls_of_its_own():
    """The parent's watcher and idle workers are threads the child does not have."""
    # The parent has a watcher thread running and idle workers at the fork.
    with Concurrently(HANG_GUARD) as calls:
        for _ in range(3):
            calls.submit(threading.get_ident)
        calls.results()
    with _deadline._workers._lock:
        assert _deadline._workers._idle, "no idle worker at the fork: the test shows nothing"
    assert _deadline._watcher._thread is not None, "no watcher at the fork: nothing shown"

    def deadline_ends() -> bool:
        blocked = _BlockedReader(Deadline(0.01))
        try:
            return blocked.returned.wait(HANG_GUARD / 2)
        finally:
            blocked.close()

    def calls_run() -> bool:
        with Concurrently(HANG_GUARD / 2) as calls:
            for number in range(3):
                calls.submit(abs, -number)
            return sorted(calls.results()) == [0, 1, 2]

    assert in_a_forked_child(deadline_ends, seconds=HANG_GUARD) == 0, "a deadline never ended"
    assert in_a_forked_child(calls_run, seconds=HANG_GUARD) == 0, "calls never ran in the child"
