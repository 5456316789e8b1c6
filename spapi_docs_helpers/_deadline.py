"""Deadlines for network calls, and calls run side by side under them.

A socket timeout bounds one read, not a call: a server that sends a byte a second, or
``100 Continue`` forever, keeps each read short and the call endless. A :class:`Deadline`
is a point in time by which a call must have ended, whatever the server does. When it
passes (or is cancelled, on Ctrl-C), every socket registered with it is shut down, which
wakes the thread blocked on that socket at once; the transport then reports a timeout.
Deadlines nest: a call's deadline is a child of the deadline of the work around it, and
ending a parent ends its children.

One watcher thread ends every deadline whose time has come (:class:`_Watcher`: a heap of
expiry times), rather than a timer thread per deadline: a fleet check makes thousands of
calls, each with its deadline, and starting a thread for each was a sizeable part of its CPU.

:class:`Concurrently` runs calls on daemon threads and hands their results back as they
come. Leaving its block (normally, on an exception, or on Ctrl-C) cancels what is still
running and waits for none of it, so an interrupted check ends at once and no thread keeps
the process alive (``ThreadPoolExecutor`` joins every worker, at exit too). The threads are
reused (:class:`_Workers`): a call goes to an idle one, a new one starts only when none is
idle, so there are never more than the calls in flight at the busiest moment; one idle for
a second ends, so nothing lingers after a check. A child made by ``fork`` starts with a
watcher and workers of its own (``os.register_at_fork``).

Only the online check imports this module: it costs threads, never the offline start-up.
"""

from __future__ import annotations

import heapq
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from queue import Empty, SimpleQueue
from types import EllipsisType
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Item = TypeVar("Item")

# How often a waiting thread wakes up to notice a deadline or a Ctrl-C (Windows does not
# interrupt a blocked wait with KeyboardInterrupt; POSIX does, but a slice costs nothing).
_SLICE = 0.1
# How long the watcher and an idle worker thread wait for more work before they end: long
# enough to serve the next call of a check, short enough that nothing outlives it for long.
_IDLE = 1.0

_local = threading.local()


class DeadlineExceeded(TimeoutError):
    """The deadline passed (or was cancelled) before the call ended."""


def current() -> Deadline | None:
    """The innermost deadline this thread runs under, or None."""
    stack: list[Deadline] | None = getattr(_local, "stack", None)
    return stack[-1] if stack else None


class Deadline:
    """The time by which a piece of work must end; ``seconds=None`` means only the parent's.

    Use it as a context manager: inside the block it is :func:`current` for this thread,
    and :meth:`watch` registers the sockets the work blocks on. On leaving the block its
    timer stops and the sockets are forgotten (not closed: they may go back to a pool).
    """

    __slots__ = (
        "_children",
        "_done",
        "_lock",
        "_sockets",
        "_wakeup",
        "_watched",
        "expires_at",
        "parent",
    )

    def __init__(
        self, seconds: float | None = None, *, parent: Deadline | EllipsisType | None = ...
    ) -> None:
        if isinstance(parent, EllipsisType):
            parent = current()
        self.parent = parent
        now = time.monotonic()
        expires = None if seconds is None else now + max(float(seconds), 0.0)
        if parent is not None and parent.expires_at is not None:
            expires = parent.expires_at if expires is None else min(expires, parent.expires_at)
        self.expires_at: float | None = expires
        # Ended (passed or cancelled); set under _lock. The Event a sleep waits on is made
        # only by a sleep (a retry's wait): most deadlines never need one, and a fleet makes
        # thousands of deadlines.
        self._done = False
        self._wakeup: threading.Event | None = None
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._children: set[Deadline] = set()
        # True while the watcher holds it (guarded by the watcher's lock).
        self._watched = False
        if parent is not None:
            parent._adopt(self)
        if expires is not None and not self._done:
            _watcher.add(self)

    # ------------------------------------------------------------------ state
    def remaining(self) -> float | None:
        """Seconds left (0.0 once ended), or None when nothing bounds the work."""
        if self._done:
            return 0.0
        if self.expires_at is None:
            return None
        return max(self.expires_at - time.monotonic(), 0.0)

    @property
    def ended(self) -> bool:
        """True once the deadline passed or was cancelled."""
        if self._done:
            return True
        return self.expires_at is not None and time.monotonic() >= self.expires_at

    def bound(self, seconds: float) -> float:
        """``seconds``, or what is left of the deadline when that is less."""
        left = self.remaining()
        return seconds if left is None else min(seconds, left)

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` (at most what is left); False when the deadline ended meanwhile."""
        wait_until = time.monotonic() + self.bound(seconds)
        with self._lock:
            if self._wakeup is None:
                self._wakeup = threading.Event()
            wakeup = self._wakeup
            if self._done:
                return False
        while True:
            left = wait_until - time.monotonic()
            if left <= 0:
                return not self.ended
            if wakeup.wait(min(left, _SLICE)):
                return False

    # ------------------------------------------------------------------ ending
    def cancel(self) -> None:
        """End the deadline now: registered sockets are shut down, children end too."""
        self._end()

    def _end(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
            wakeup = self._wakeup
            sockets, self._sockets = list(self._sockets), set()
            children, self._children = list(self._children), set()
        if wakeup is not None:
            wakeup.set()
        for sock in sockets:
            _shut(sock)
        for child in children:
            child._end()

    def _adopt(self, child: Deadline) -> None:
        with self._lock:
            if not self._done:
                self._children.add(child)
                return
        child._end()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline ends (at once, if it already has)."""
        with self._lock:
            if not self._done:
                self._sockets.add(sock)
                return
        _shut(sock)

    def close(self) -> None:
        """Stop watching the time and forget the sockets and the parent (the work is over)."""
        if self._watched:
            _watcher.discard(self)
        with self._lock:
            self._sockets.clear()
        if self.parent is not None:
            with self.parent._lock:
                self.parent._children.discard(self)

    def __enter__(self) -> Deadline:
        stack: list[Deadline] | None = getattr(_local, "stack", None)
        if stack is None:
            stack = _local.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        stack: list[Deadline] = _local.stack
        if stack and stack[-1] is self:
            stack.pop()
        self.close()

    def __repr__(self) -> str:
        left = self.remaining()
        return f"Deadline({'unbounded' if left is None else f'{left:.2f} s left'})"


class _Watcher:
    """Ends each timed :class:`Deadline` when its time comes, on one daemon thread.

    The deadlines wait in a heap ordered by expiry; the thread sleeps until the earliest
    (a new earlier one wakes it) and ends every deadline that is due. A closed deadline
    stays in the heap until it comes up or the heap is rebuilt (when most of it is closed
    ones), so adding and closing cost a heap push and a flag. The thread ends after
    :data:`_IDLE` seconds with nothing to watch and starts again with the next deadline.
    """

    def __init__(self) -> None:
        self._wake = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Deadline]] = []
        self._count = 0  # a tie-breaker: deadlines themselves do not compare
        self._live = 0  # deadlines in the heap not yet closed or ended
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        assert deadline.expires_at is not None  # only timed deadlines are watched
        with self._wake:
            self._count += 1
            heapq.heappush(self._heap, (deadline.expires_at, self._count, deadline))
            deadline._watched = True
            self._live += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="spapi-doctor-deadlines", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is deadline:
                self._wake.notify()  # earlier than what the thread sleeps towards

    def discard(self, deadline: Deadline) -> None:
        with self._wake:
            if not deadline._watched:
                return  # ended by the watcher meanwhile
            deadline._watched = False
            self._live -= 1
            if len(self._heap) > 64 and len(self._heap) > 2 * self._live:
                # In place: the watcher thread holds this list while it waits.
                self._heap[:] = [entry for entry in self._heap if entry[2]._watched]
                heapq.heapify(self._heap)

    def _due(self) -> list[Deadline]:
        """Wait (the lock held) until some deadline is due; those deadlines, or [] once
        nothing was watched for :data:`_IDLE` seconds (the thread then ends)."""
        heap = self._heap
        idle_since: float | None = None
        while True:
            while heap and not heap[0][2]._watched:
                heapq.heappop(heap)  # closed: nothing to end
            now = time.monotonic()
            if not heap:
                idle_since = now if idle_since is None else idle_since
                if now - idle_since >= _IDLE:
                    return []
                self._wake.wait(_IDLE - (now - idle_since))
                continue
            idle_since = None
            if heap[0][0] > now:
                self._wake.wait(heap[0][0] - now)
                continue
            due = []
            while heap and heap[0][0] <= now:
                deadline = heapq.heappop(heap)[2]
                if deadline._watched:
                    deadline._watched = False
                    self._live -= 1
                    due.append(deadline)
            if due:
                return due

    def _run(self) -> None:
        while True:
            with self._wake:
                due = self._due()
                if not due:
                    self._thread = None
                    return
            # Outside the lock: ending shuts sockets down and ends children.
            for deadline in due:
                deadline._end()


_watcher = _Watcher()


def _shut(sock: socket.socket) -> None:
    # Already closed, or never connected: there is nothing to wake.
    with suppress(OSError, ValueError):
        sock.shutdown(socket.SHUT_RDWR)


# --------------------------------------------------------------------------- concurrency


class Call(Generic[T]):
    """One call submitted to :class:`Concurrently`: its result, once it has one."""

    __slots__ = ("_done", "_error", "_value", "args", "function")

    def __init__(self, function: Callable[..., T], args: tuple[Any, ...]) -> None:
        self.function = function
        self.args = args
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self, deadline: Deadline | None = None) -> T:
        """The call's return value (or its exception, raised); waits for it.

        Raises :class:`DeadlineExceeded` when ``deadline`` ends first. The wait wakes up
        every tenth of a second, so Ctrl-C is honoured while it waits.
        """
        while not self._done.wait(_SLICE):
            if deadline is not None and deadline.ended:
                raise DeadlineExceeded(f"{self.function.__name__} did not end in time")
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set, since _done is

    def __repr__(self) -> str:
        state = "done" if self.done else "running"
        return f"Call({self.function.__name__}, {state})"


class Concurrently:
    """Run calls side by side; take their results as they come; stop waiting in time.

    ::

        with Concurrently(seconds=None) as calls:
            first = calls.submit(function, *args, **kwargs)   # -> Call
            for call in calls.as_completed(): ...             # in the order they end
            value = first.result()                            # waits, or raises its error

    Each call runs on a daemon thread of its own, under the block's :attr:`deadline` (a child
    of the deadline current where the block was entered): transports used inside a call
    register their sockets with it. ``seconds`` bounds the whole block; None leaves the
    bound to the calls' own deadlines (every transport call has one). Leaving the block
    cancels the deadline, so calls still running end at once, and waits for no thread.
    """

    def __init__(self, seconds: float | None = None, *, name: str = "spapi-doctor") -> None:
        self.deadline = Deadline(seconds)
        self.name = name
        self._calls: list[Call[Any]] = []
        self._finished: SimpleQueue[Call[Any]] = SimpleQueue()

    def submit(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> Call[T]:
        """Start ``function(*args, **kwargs)`` on a daemon thread; returns its :class:`Call`."""
        call = Call(function, args)
        self._calls.append(call)
        deadline = self.deadline
        finished = self._finished
        name = f"{self.name}-{function.__name__}"

        def run() -> None:
            threading.current_thread().name = name
            _local.stack = [deadline]
            try:
                call._value = function(*args, **kwargs)
            except BaseException as error:  # handed to whoever asks for the result
                call._error = error
            finally:
                _local.stack = []
                call._done.set()
                finished.put(call)

        _workers.run(run)
        return call

    def run_here(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> Call[T]:
        """Run ``function(*args, **kwargs)`` on this thread, now, under the block's
        :attr:`deadline` as a submitted call runs; its finished :class:`Call` (whose
        ``result()`` gives the value or raises the error, as a submitted one's does).

        For the last of a round of calls whose results the thread then waits for: it does
        that call itself instead of handing it to another thread and waiting (a hand-over
        costs thread switches, a fleet's account made three). The call must be bounded on
        its own (a transport's calls are); Ctrl-C on this thread interrupts it.
        """
        call = Call(function, args)
        self._calls.append(call)
        stack: list[Deadline] | None = getattr(_local, "stack", None)
        if stack is None:
            stack = _local.stack = []
        stack.append(self.deadline)
        try:
            call._value = function(*args, **kwargs)
        except Exception as error:  # handed to whoever asks for the result, as submit does
            call._error = error
        finally:
            # Not Deadline.__exit__: that would close the block's deadline for every call.
            if stack and stack[-1] is self.deadline:
                stack.pop()
            call._done.set()
            self._finished.put(call)
        return call

    def as_completed(self) -> Iterator[Call[Any]]:
        """Yield each submitted call as it ends (once); stop early when the deadline ends."""
        seen: set[int] = set()
        while len(seen) < len(self._calls):
            if self.deadline.ended:
                return
            try:
                call = self._finished.get(timeout=_SLICE)
            except Empty:
                continue
            if id(call) not in seen:
                seen.add(id(call))
                yield call

    def results(self) -> list[Any]:
        """Every call's result, in the order submitted (the first error is raised)."""
        return [call.result(self.deadline) for call in self._calls]

    def cancel(self) -> None:
        """End the calls still running: their sockets are shut down now."""
        self.deadline.cancel()

    def __enter__(self) -> Concurrently:
        return self

    def __exit__(self, *exc: object) -> None:
        self.deadline.cancel()
        self.deadline.close()


class _Workers:
    """The daemon threads that run the calls of every :class:`Concurrently` block.

    A call goes to an idle thread when there is one; otherwise a new thread starts with it.
    So there are never more threads than calls in flight at the busiest moment (a call never
    waits for a thread: a call that waits for another's result cannot starve it), and a
    thread that has been idle for :data:`_IDLE` seconds ends. Each idle thread waits on an
    inbox of its own (a :class:`~queue.SimpleQueue`, whose wait is in C): handing a call
    over is one put, with no condition variable that every thread contends for. The most
    recently idle thread gets the next call. A task never raises (the
    :class:`Concurrently` wrapper keeps every exception for its :class:`Call`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[SimpleQueue[Callable[[], None]]] = []

    def run(self, task: Callable[[], None]) -> None:
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is not None:
            inbox.put(task)
            # Let the woken thread start its call now, as a new thread would (start() waits
            # for it): without this, a check submitting its 19 role probes sent them only
            # once the last was submitted, and ended about 20 ms later.
            time.sleep(0)
            return
        threading.Thread(target=self._serve, args=(task,), name="spapi-doctor", daemon=True).start()

    def _serve(self, task: Callable[[], None]) -> None:
        inbox: SimpleQueue[Callable[[], None]] = SimpleQueue()
        while True:
            task()
            threading.current_thread().name = "spapi-doctor-idle"
            with self._lock:
                self._idle.append(inbox)
            try:
                task = inbox.get(timeout=_IDLE)
                continue
            except Empty:
                pass
            with self._lock:
                if inbox in self._idle:
                    self._idle.remove(inbox)
                    return  # nobody will hand this thread a call now
            # run() took this inbox just now: its call is on the way.
            try:
                task = inbox.get(timeout=_IDLE)
            except Empty:
                return  # the caller was interrupted between taking the inbox and the put


_workers = _Workers()


def _forget_threads_after_fork() -> None:
    """In a child made by ``fork``: the watcher and the worker threads are the parent's.

    Only the forking thread lives on in the child. Without this the child's watcher would
    believe its thread runs (no deadline would ever end) and its idle workers would hold
    inboxes nobody reads (a call handed to one would never run), and a lock another thread
    held at the fork would stay held. What the parent had in flight is the parent's.
    """
    # mypy warns that __init__ on an instance may be a subclass's: these are the module's
    # own singletons, of exactly these classes, and each __init__ makes fresh state.
    _watcher.__init__()  # type: ignore[misc]
    _workers.__init__()  # type: ignore[misc]


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_forget_threads_after_fork)


def map_concurrently(
    function: Callable[[Item], T], items: Iterable[Item], *, seconds: float | None = None
) -> list[T]:
    """``[function(item) for item in items]``, the calls side by side (like ``pool.map``).

    Results come back in the order of ``items``; the first exception is raised. Ctrl-C
    while waiting cancels every call still running and raises at once.
    """
    with Concurrently(seconds, name=f"spapi-doctor-{function.__name__}") as calls:
        for item in items:
            calls.submit(function, item)
        return calls.results()
