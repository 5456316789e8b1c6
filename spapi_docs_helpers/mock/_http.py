"""The HTTP plumbing every mock server shares (standard library only).

One :class:`MockServer` per service and port, on 127.0.0.1. It reads each request
completely (Content-Length or chunked, with a size limit), applies the configured
latency and faults, asks its :class:`Service` for the answer, and writes it with
``Date``, ``x-amzn-RequestId`` and ``Content-Length``. Whatever goes wrong is answered in
the service's own error format: a request the HTTP parser rejects, a malformed,
incomplete or too large body, and an exception inside a service (a 500, recorded in the
journal for tests). No Python traceback ever reaches a client, and nothing is printed:
the journal is the log.

Connections are kept alive (HTTP/1.1) the way real clients use them. Stopping a server
closes the listening socket, shuts down every open connection (idle keep-alive ones and
those held by a ``no-response`` fault) and joins every thread it started.

Load it holds (the same for moto's server, see :class:`ConnectionTracking`):

* **a burst**: the listen backlog is :data:`LISTEN_BACKLOG` connections, so 200 clients
  connecting at once are all queued by the kernel and answered in turn. With
  ``socketserver``'s default of 5, a burst overflows the queue: the kernel drops the
  extra handshakes, clients wait for their SYN retransmits (1 s, 3 s, 7 s...) and some
  get no answer within 30 s;
* **kept-alive requests without a stall**: every answer (status line, headers and body)
  leaves in one write, and accepted sockets have ``TCP_NODELAY``. Written in two pieces,
  the body of the second answer on a connection waited for the client's delayed ACK of
  the headers (Nagle's algorithm): about 40 ms per request instead of one or two.

Every connection has a thread of its own (a few hundred at once are fine; the mock is
not a load-testing target beyond that).
"""

from __future__ import annotations

import contextlib
import http.server
import itertools
import re
import selectors
import socket
import socketserver
import struct
import sys
import threading
import traceback
import uuid
from collections import deque
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from .._redaction import redact_text

__all__ = [
    "ConnectionTracking",
    "HandlerError",
    "Journal",
    "LoggedRequest",
    "MockServer",
    "Request",
    "Response",
    "Service",
    "TrackedHandler",
]

HOST = "127.0.0.1"
# A body larger than this is refused (413) without being stored; what the client sends
# anyway is read and discarded up to DRAIN_LIMIT, so that it sees the 413 and not a reset.
MAX_BODY = 1 << 20
DRAIN_LIMIT = 16 << 20
DRAIN_TIMEOUT_S = 1.0
# An idle keep-alive connection is dropped after this long, as real front ends do.
IDLE_TIMEOUT_S = 60
# The listen backlog: connections the kernel completes and queues until the accept loop
# takes them (Linux caps it at net.core.somaxconn, 4096 on current kernels, 128 on old
# ones). socketserver's default of 5 lost connections in a burst of 200.
LISTEN_BACKLOG = 1024
# How often moto's accept loop (socketserver's serve_forever) checks whether it must stop;
# a MockServer's own loop is woken at once instead (MockServer.stop).
POLL_INTERVAL_S = 0.05
JOIN_TIMEOUT_S = 5.0
# The journal keeps the latest entries only: `spapi-doctor mock` may run for days.
JOURNAL_LIMIT = 10_000
# What HTTP/1.1 allows (RFC 9112): digits only for Content-Length (no sign, no "0x", no
# "_" as int() accepts), hexadecimal digits only for a chunk size. The bounds keep the
# numbers small; a longer one is refused as invalid.
_CONTENT_LENGTH = re.compile(rb"[0-9]{1,18}")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
MAX_TRAILER_LINES = 100
_REQUEST_ID_NAMESPACE = uuid.UUID("0c3f7a8e-2d5b-4e61-8f90-6a1b2c3d4e5f")

PROXY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class Request:
    """One request as a service sees it (body complete, path decoded)."""

    method: str
    # The request target as sent (path and query, still percent-encoded).
    target: str
    path: str
    query: dict
    headers: HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Response:
    """What a service answers. ``error_code`` names the error for the journal."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: tuple = ()
    error_code: str | None = None
    close: bool = False


@dataclass(frozen=True)
class LoggedRequest:
    """One request the mock answered. Holds no secret: token-shaped values are masked."""

    service: str
    server: str
    method: str
    path: str
    status: int | None
    error: str | None = None
    fault: str | None = None


@dataclass(frozen=True)
class HandlerError:
    """An unexpected exception inside the mock (answered with a 500)."""

    server: str
    method: str
    path: str
    error: str
    traceback: str


class Journal:
    """The request log and the unexpected errors of one running mock (the latest
    :data:`JOURNAL_LIMIT` of each)."""

    def __init__(self, limit: int = JOURNAL_LIMIT):
        self._lock = threading.Lock()
        self._requests = deque(maxlen=limit)
        self._errors = deque(maxlen=limit)

    def request(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._requests.append(entry)

    def error(self, entry: HandlerError) -> None:
        with self._lock:
            self._errors.append(entry)

    @property
    def requests(self) -> list:
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list:
        with self._lock:
            return list(self._errors)


class Service:
    """What one server answers. Subclasses implement :meth:`handle`, and give their
    error table (:attr:`status_errors`) and body (:meth:`error_answer`)."""

    # The key of the service in Faults (lwa, spapi, sts, secretsmanager).
    fault_service = ""
    # A readable name of this server (spapi-NA, sandbox-EU, lwa, ...), for logs and threads.
    label = ""
    max_body = MAX_BODY
    # The MockServer serving it (for request IDs); set when the server is created.
    server = None
    # HTTP status -> the service's own description of that error (a tuple its
    # error_answer reads). Must hold 400 and 500: every other 4xx and 5xx falls back there.
    status_errors: ClassVar[dict] = {}

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def error(
        self, status: int, message: str | None = None, *, retry_after: int | None = None
    ) -> Response:
        """The service's own error answer for an HTTP status (400, 404, 413, 429, 500...)."""
        table = self.status_errors
        described = table.get(status) or table[500 if status >= 500 else 400]
        headers = (("Retry-After", str(retry_after)),) if retry_after is not None else ()
        return self.error_answer(status, described, message, headers)

    def error_answer(self, status: int, described: tuple, message, headers: tuple) -> Response:
        """The answer for ``status``: ``described`` is its entry of :attr:`status_errors`,
        ``message`` replaces the entry's default text when given."""
        raise NotImplementedError


def _unexpected(server, method, path, exc) -> HandlerError:
    text = "".join(traceback.format_exception(exc))
    return HandlerError(
        server,
        method or "-",
        redact_text(path or "-"),
        redact_text(f"{type(exc).__name__}: {exc}"),
        redact_text(text),
    )


class _LineTrackingReader:
    """A handler's ``rfile`` that remembers the last line read."""

    def __init__(self, raw):
        self._raw = raw
        self.last_line = None

    def readline(self, limit=-1):
        self.last_line = self._raw.readline(limit)
        return self.last_line

    def __getattr__(self, name):
        return getattr(self._raw, name)


class TrackedHandler:
    """A request handler mixin: its connection is known to its server while it is open
    (see :class:`ConnectionTracking`), and a request whose headers end with the stream
    instead of an empty line (the client stopped sending, or stop() shut the connection
    down) is refused with a 400, never served: http.server would take it as complete."""

    def setup(self):
        super().setup()
        self.rfile = _LineTrackingReader(self.rfile)
        self.server.register_connection(self.connection)

    def parse_request(self):
        if not super().parse_request():
            return False
        if self.rfile.last_line == b"":
            self.send_error(400, "The request headers are incomplete.")
            return False
        return True

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.unregister_connection(self.connection)


class MockRequestHandler(TrackedHandler, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # So that an answer to an unparsable request line still has a status line and headers.
    default_request_version = "HTTP/1.0"
    # Also the longest wait for the next piece of a request's body.
    timeout = IDLE_TIMEOUT_S

    def version_string(self):
        """What Amazon's front ends put in the Server header."""
        return "Server"

    def log_message(self, format, *args):
        """Silent: the mock's journal is its log, and stderr stays clean."""

    # Every method is dispatched the same way; the service decides what it accepts.
    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # ------------------------------------------------------------------ answering
    def send_error(self, code, message=None, explain=None):
        """Called by the base class for requests it cannot parse: answer in the service's
        format instead of Python's HTML error page."""
        server = self.server
        try:
            response = server.service.error(code, message)
        except Exception as exc:  # a broken error() must not break the connection handling
            server.journal.error(_unexpected(server.label, self.command, self._target, exc))
            response = Response(code, b"", error_code=None)
        response.close = True
        # Logged before it is sent, so the journal is complete once the client has it.
        self._log(response)
        self._write(response, head_only=False)

    def _write(self, response: Response, *, head_only: bool):
        """Send the answer in one write (see the module docstring: no Nagle stall)."""
        body = response.body
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        names = set()
        for name, value in response.headers:
            names.add(name.lower())
            self.send_header(name, value)
        if "x-amzn-requestid" not in names:
            self.send_header("x-amzn-RequestId", self.server.next_request_id())
        if response.close:
            self.send_header("Connection", "close")
        # What end_headers() does, with the body added to the same buffer before the one
        # flush: send_response() and send_header() collect their lines in an internal
        # buffer (its name, _headers_buffer, is unchanged since Python 3.3), which
        # flush_headers() writes out with a single sendall().
        self._headers_buffer.append(b"\r\n")
        if body and not head_only:
            self._headers_buffer.append(body)
        self.flush_headers()

    @property
    def _target(self) -> str:
        # Unset when the request line could not be parsed.
        return getattr(self, "path", None) or ""

    def _log(self, response: Response | None, fault=None):
        split = urlsplit(self._target)
        self.server.journal.request(
            LoggedRequest(
                service=self.server.service.fault_service,
                server=self.server.label,
                method=self.command or "-",
                path=redact_text(unquote(split.path) or "-"),
                status=response.status if response else None,
                error=response.error_code if response else None,
                fault=fault.kind if fault else None,
            )
        )

    # ------------------------------------------------------------------ the request
    def _dispatch(self):
        server = self.server
        service = server.service
        split = urlsplit(self.path)
        path = unquote(split.path) or "/"
        fault = None
        try:
            body = self._read_body(service)
            if isinstance(body, Response):
                response = body
            else:
                # The stop event doubles as an interruptible sleep.
                delay_ms = server.faults.latency_ms(service.fault_service)
                if delay_ms:
                    server.stop_event.wait(delay_ms / 1000)
                fault = server.faults.take(service.fault_service, path)
                if fault is not None and fault.kind in ("connection-reset", "no-response"):
                    self._log(None, fault)
                    self._drop_connection(reset=fault.kind == "connection-reset")
                    return
                request = Request(
                    self.command,
                    self.path,
                    path,
                    parse_qs(split.query, keep_blank_values=True),
                    self.headers,
                    body,
                )
                response = self._answer(service, request, fault)
        except Exception as exc:
            # Once the mock is stopping, sockets are shut down under the handlers (the
            # AWS proxies' connections to moto too): a failed read or write is expected.
            if not (isinstance(exc, OSError) and server.stop_event.is_set()):
                server.journal.error(_unexpected(server.label, self.command, self.path, exc))
            response = service.error(500)
        # Logged before it is sent, so the journal is complete once the client has it.
        self._log(response, fault)
        self._write(response, head_only=self.command == "HEAD")

    @staticmethod
    def _answer(service, request, fault) -> Response:
        if fault is None:
            return service.handle(request)
        if fault.kind == "server-error":
            return service.error(500)
        if fault.kind == "unavailable":
            return service.error(503)
        if fault.kind == "throttled":
            return service.error(429, retry_after=fault.retry_after)
        if fault.kind == "proxy-html":
            return Response(502, PROXY_HTML, "text/html", error_code="proxy-html")
        # truncated-json: the real answer, cut in the middle of its body. An answer without
        # a body (204) has nothing to cut and is sent as it is.
        response = service.handle(request)
        if response.body:
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _drop_connection(self, *, reset: bool):
        self.close_connection = True
        if reset:
            # Linger 0: closing sends a TCP RST instead of a FIN. The server closes the
            # socket without the usual shutdown(SHUT_WR), which would send a FIN first.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.server.mark_for_reset(self.connection)
        else:
            # no-response: keep the socket open, unanswered, until the mock stops.
            self.server.stop_event.wait()

    def _read_body(self, service):
        """The complete body, or the error Response to send instead."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked(service)
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or ()}
        if not lengths:
            return b""
        length_text = lengths.pop().encode("latin-1", errors="replace")
        # Two different lengths are as invalid as a malformed one.
        if lengths or not _CONTENT_LENGTH.fullmatch(length_text):
            return self._refuse(service.error(400, "The Content-Length header is invalid."))
        length = int(length_text)
        if length > service.max_body:
            self._drain(length)
            return self._refuse(service.error(413))
        try:
            body = self.rfile.read(length)
        except OSError:  # TimeoutError included: the client stopped sending
            body = b""
        if len(body) < length:
            return self._refuse(service.error(400, "The request body is incomplete."))
        return body

    def _read_chunked(self, service):
        chunks = []
        total = 0
        try:
            while True:
                size_text = self.rfile.readline(1024).split(b";", 1)[0].strip()
                if not _CHUNK_SIZE.fullmatch(size_text):
                    raise ValueError(size_text)
                size = int(size_text, 16)
                if size == 0:
                    break
                total += size
                if total > service.max_body:
                    self._drain(DRAIN_LIMIT)
                    return self._refuse(service.error(413))
                chunk = self.rfile.read(size)
                if len(chunk) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                    raise ValueError("chunk")
                chunks.append(chunk)
            # Trailer fields are not used; a bounded number of them is read and skipped.
            for _ in range(MAX_TRAILER_LINES):
                line = self.rfile.readline(65537)
                if line in (b"\r\n", b"\n"):
                    return b"".join(chunks)
                if not line:
                    raise ValueError("trailer")
            raise ValueError("trailer")
        except (ValueError, OSError):  # OSError: the client stopped sending (timeout, EOF)
            return self._refuse(service.error(400, "The chunked body is malformed."))

    def _drain(self, length):
        self.connection.settimeout(DRAIN_TIMEOUT_S)
        left = min(length, DRAIN_LIMIT)
        try:
            while left > 0:
                data = self.rfile.read1(min(left, 65536))
                if not data:
                    break
                left -= len(data)
        except OSError:
            pass  # the client stopped sending: nothing more to discard

    def _refuse(self, response: Response) -> Response:
        response.close = True
        self.close_connection = True
        return response


class ConnectionTracking:
    """A socketserver mixin: one daemon thread per connection, and a record of the open
    connections and of the threads, so that the server can be stopped without waiting for
    its clients: :meth:`close_connections` shuts every connection down and joins every
    thread (each for at most :data:`JOIN_TIMEOUT_S`). The handler must be a
    :class:`TrackedHandler`; unexpected errors go to ``self.journal``, under ``self.label``.
    """

    connection_thread_name = "mock-amazon connection"
    # Read by socketserver's server_activate() (listen()); see LISTEN_BACKLOG.
    request_queue_size = LISTEN_BACKLOG

    def init_tracking(self):
        self._lock = threading.Lock()
        self._connections = set()
        self._connection_threads = []
        self._closing = False

    def process_request(self, request, client_address):
        _no_delay(request)
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=self.connection_thread_name,
            daemon=True,
        )
        with self._lock:
            self._connection_threads = [t for t in self._connection_threads if t.is_alive()]
            self._connection_threads.append(thread)
        thread.start()

    def _serve_connection(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def handle_error(self, request, client_address):
        """Record what escaped a handler, except a client that went away, or a socket
        failing once the server is closing (stop() shuts the sockets down).

        A request refused for its body (malformed, incomplete, timed out) closes its
        connection: no later read can fail on the dead stream."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) or exc is None:
            return
        if isinstance(exc, OSError):
            with self._lock:
                if self._closing:
                    return
        self.journal.error(_unexpected(self.label, "-", "-", exc))

    def register_connection(self, connection):
        with self._lock:
            self._connections.add(connection)
            closing = self._closing
        if closing:
            _shutdown_socket(connection)

    def unregister_connection(self, connection):
        with self._lock:
            self._connections.discard(connection)

    @property
    def connections(self) -> list:
        """The connections open now (their server-side sockets)."""
        with self._lock:
            return list(self._connections)

    def begin_closing(self) -> bool:
        """Mark the server as closing; False if it already was."""
        with self._lock:
            if self._closing:
                return False
            self._closing = True
            return True

    def close_connections(self):
        """Shut down every open connection, then join every connection thread."""
        self.shut_connections_down()
        self.join_connection_threads()

    def shut_connections_down(self):
        """Shut down every open connection (a connection registered later is shut down as
        it registers); their threads end on their own."""
        with self._lock:
            self._closing = True
            connections = list(self._connections)
        for connection in connections:
            _shutdown_socket(connection)

    def join_connection_threads(self):
        with self._lock:
            threads = list(self._connection_threads)
        for thread in threads:
            thread.join(JOIN_TIMEOUT_S)


class MockServer(ConnectionTracking, http.server.HTTPServer):
    """One service on one loopback port, each connection in its own thread."""

    def __init__(self, service: Service, *, faults, journal, stop_event):
        self.service = service
        service.server = self
        self.label = service.label
        self.connection_thread_name = f"mock-amazon {self.label} connection"
        self.faults = faults
        self.journal = journal
        self.stop_event = stop_event
        self.init_tracking()
        self._to_reset = set()
        self._request_counter = itertools.count(1)
        self._serve_thread = None
        # stop() writes to one end to wake the accept loop, which watches the other.
        self._wake_reader, self._wake_writer = socket.socketpair()
        try:
            super().__init__((HOST, 0), MockRequestHandler)
        except BaseException:
            self._close_wake_sockets()
            raise

    def server_bind(self):
        # HTTPServer.server_bind resolves the host's FQDN, which can take seconds.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_port}"

    def next_request_id(self) -> str:
        """Deterministic: the n-th answer of a server has the same ID on every run."""
        number = next(self._request_counter)
        return str(uuid.uuid5(_REQUEST_ID_NAMESPACE, f"{self.label}/{number}"))

    # ------------------------------------------------------------------ threads
    def start(self):
        self._serve_thread = threading.Thread(
            target=self._accept_until_stopped, name=f"mock-amazon {self.label}", daemon=True
        )
        self._serve_thread.start()

    def _accept_until_stopped(self):
        """socketserver's serve_forever, woken by stop() instead of polling: its loop woke
        every poll interval to look for a stop (CPU for every idle server, all the time),
        and a stop waited for the next wake."""
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while True:
                ready = selector.select()
                if any(key.fileobj is self._wake_reader for key, _events in ready):
                    return
                # What serve_forever calls when the listening socket is ready: accept,
                # then process_request (a thread for the connection), or handle_error.
                self._handle_request_noblock()

    def _close_wake_sockets(self):
        self._wake_reader.close()
        self._wake_writer.close()

    def mark_for_reset(self, connection):
        with self._lock:
            self._to_reset.add(connection)

    def shutdown_request(self, request):
        with self._lock:
            reset = request in self._to_reset
            self._to_reset.discard(request)
        if reset:
            request.close()
        else:
            super().shutdown_request(request)

    def stop(self):
        """Stop accepting, close every connection and join every thread. Idempotent."""
        if self.begin_stop():
            self.finish_stop()

    def begin_stop(self) -> bool:
        """Wake the accept loop to end and shut every connection down, without waiting for
        either; False when the server was already stopping. Several servers are stopped at
        once by beginning each, then finishing each (:meth:`finish_stop`)."""
        if not self.begin_closing():
            return False
        if self._serve_thread is not None:
            self._wake_writer.send(b"x")
        self.shut_connections_down()
        return True

    def finish_stop(self):
        """Join the accept loop, close the port, join every connection's thread."""
        if self._serve_thread is not None:
            self._serve_thread.join(JOIN_TIMEOUT_S)
        self.server_close()
        self._close_wake_sockets()
        self.join_connection_threads()


def _no_delay(connection):
    """Send every write at once (no Nagle delay); see the module docstring."""
    # OSError: the client has already gone (the handler notices on its first read), or a
    # socket that is not TCP; either way there is nothing to tune.
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _shutdown_socket(connection):
    # OSError: already closed by the client or by its handler.
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
