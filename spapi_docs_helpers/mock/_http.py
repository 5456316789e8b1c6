"""The HTTP plumbing every mock server shares (standard library only).

One :class:`MockServer` per service and port, on 127.0.0.1. It reads each request
completely (Content-Length or chunked, with a size limit), applies the configured
latency and faults, asks its :class:`Service` for the answer, and writes it with
``Date``, ``x-amzn-RequestId`` and ``Content-Length``. Whatever goes wrong is answered in
the service's own error format: a request the HTTP parser rejects, a body that is too
large, and an exception inside a service (a 500, recorded in the journal for tests). No
Python traceback ever reaches a client, and nothing is printed: the journal is the log.

Connections are kept alive (HTTP/1.1) the way real clients use them. Stopping a server
closes the listening socket, shuts down every open connection (idle keep-alive ones and
those held by a ``no-response`` fault) and joins every thread it started.
"""

from __future__ import annotations

import contextlib
import http.server
import itertools
import socket
import socketserver
import struct
import sys
import threading
import traceback
import uuid
from dataclasses import dataclass
from http.client import HTTPMessage
from urllib.parse import parse_qs, unquote, urlsplit

from .._redaction import redact_text

__all__ = [
    "HandlerError",
    "Journal",
    "LoggedRequest",
    "MockServer",
    "Request",
    "Response",
    "Service",
]

HOST = "127.0.0.1"
# A body larger than this is refused (413) without being stored; what the client sends
# anyway is read and discarded up to DRAIN_LIMIT, so that it sees the 413 and not a reset.
MAX_BODY = 1 << 20
DRAIN_LIMIT = 16 << 20
DRAIN_TIMEOUT_S = 1.0
# An idle keep-alive connection is dropped after this long, as real front ends do.
IDLE_TIMEOUT_S = 60
# How often a server's accept loop checks whether it must stop.
POLL_INTERVAL_S = 0.05
JOIN_TIMEOUT_S = 5.0
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
    """The request log and the unexpected errors of one running mock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._requests = []
        self._errors = []

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
    """What one server answers. Subclasses implement :meth:`handle` and :meth:`error`."""

    # The key of the service in Faults (lwa, spapi, sts, secretsmanager).
    fault_service = ""
    # A readable name of this server (spapi-NA, sandbox-EU, lwa, ...), for logs and threads.
    label = ""
    max_body = MAX_BODY
    # The MockServer serving it (for request IDs); set when the server is created.
    server = None

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def error(
        self, status: int, message: str | None = None, *, retry_after: int | None = None
    ) -> Response:
        """The service's own error answer for an HTTP status (400, 404, 413, 429, 500...)."""
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


class MockRequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # So that an answer to an unparsable request line still has a status line and headers.
    default_request_version = "HTTP/1.0"
    timeout = IDLE_TIMEOUT_S

    def version_string(self):
        """What Amazon's front ends put in the Server header."""
        return "Server"

    def setup(self):
        super().setup()
        self.server.register_connection(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.unregister_connection(self.connection)

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
        self.end_headers()
        if body and not head_only:
            self.wfile.write(body)

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
        # truncated-json: the real answer, cut in the middle of its body.
        response = service.handle(request)
        body = response.body or b'{"errors":[]}'
        response.body = body[: max(1, len(body) // 2)]
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
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError(length_text)
        except ValueError:
            return self._refuse(service.error(400, "The Content-Length header is invalid."))
        if length > service.max_body:
            self._drain(length)
            return self._refuse(service.error(413))
        return self.rfile.read(length)

    def _read_chunked(self, service):
        chunks = []
        total = 0
        try:
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailer fields are not used
                    return b"".join(chunks)
                total += size
                if total > service.max_body:
                    self._drain(DRAIN_LIMIT)
                    return self._refuse(service.error(413))
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        except ValueError:
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


class MockServer(http.server.HTTPServer):
    """One service on one loopback port, each connection in its own thread."""

    def __init__(self, service: Service, *, faults, journal, stop_event):
        self.service = service
        service.server = self
        self.label = service.label
        self.faults = faults
        self.journal = journal
        self.stop_event = stop_event
        self._lock = threading.Lock()
        self._connections = set()
        self._to_reset = set()
        self._threads = []
        self._closing = False
        self._request_counter = itertools.count(1)
        self._serve_thread = None
        super().__init__((HOST, 0), MockRequestHandler)

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
            target=self.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            name=f"mock-amazon {self.label}",
            daemon=True,
        )
        self._serve_thread.start()

    def process_request(self, request, client_address):
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"mock-amazon {self.label} connection",
            daemon=True,
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _serve_connection(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

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

    def handle_error(self, request, client_address):
        """Record what escaped a handler, except a client that went away."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) or exc is None:
            return
        if isinstance(exc, OSError) and self._closing:
            return  # the socket was shut down by stop(); expected
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

    def stop(self):
        """Stop accepting, close every connection and join every thread. Idempotent."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
        if self._serve_thread is not None:
            self.shutdown()
            self._serve_thread.join(JOIN_TIMEOUT_S)
        self.server_close()
        with self._lock:
            connections = list(self._connections)
            threads = list(self._threads)
        for connection in connections:
            _shutdown_socket(connection)
        for thread in threads:
            thread.join(JOIN_TIMEOUT_S)


def _shutdown_socket(connection):
    # OSError: already closed by the client or by its handler.
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
