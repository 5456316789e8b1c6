"""A well-behaved HTTP server on loopback for a test's fixture (``tests/_hostile.py`` has the
misbehaving one), and a loopback port that refuses every connection.

The tests that use the server differ only in their handler; starting, polling and stopping
it is the same for each, and kept here once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    """A handler that logs nothing: a test's server keeps the test output clean."""

    def log_message(self, *args: object) -> None:
        pass  # http.server's hook; nothing to log


@contextlib.contextmanager
def loopback_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    """Serve ``handler`` on 127.0.0.1 (a free port) on a daemon thread until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # Polled every 50 ms: shutdown() waits for the next poll (0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port that refuses every connection while the block runs.

    The socket stays bound and never listens, so a connection to it is refused (Linux
    answers with a reset) and no other process can take the port meanwhile. A port bound
    and released before the call could be taken in between by another pytest-xdist worker's
    server, and the test would meet that server instead of a refusal.
    """
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]
