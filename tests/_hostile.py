"""A hostile server on loopback, and a guard that turns a hang into a test failure.

The server speaks raw HTTP over sockets, so that it can do what no well-behaved server
does: send its headers or its body a byte at a time, answer ``100 Continue`` forever,
send a gzip bomb, a body of a gigabyte, a chunked body that never ends, or nothing at all;
or echo what it was sent (URL-encoded, JSON-escaped) the way proxies' error pages and
some OAuth servers do. The mode is the first segment of the request path
(``http://127.0.0.1:PORT/<mode>/...``), so one server serves every endpoint of a check;
``token`` answers an LWA token and ``participations`` an empty marketplace list, for
the calls before the one under test.

Every wait in it is short and every connection ends when the server stops, so a test that
uses it ends when its client gives up; :func:`bounded` fails a test whose call does not.
"""

from __future__ import annotations

import functools
import gzip
import json
import socket
import threading
import time
from urllib.parse import unquote_plus

# How often a dripping server sends its next byte.
DRIP_S = 0.05
TOKEN = {
    "access_token": "Atza|IwEBIHOSTILE" + "h" * 300,
    "token_type": "bearer",
    "expires_in": 3600,
}


def prepare() -> None:
    """Make what the server sends but does not make cheaply (the gzip bomb) now, so that a
    test measuring its client's memory does not count it."""
    _bomb()


@functools.cache
def _bomb() -> bytes:
    """64 MiB of zeros, gzipped (made once, when a test first asks for it)."""
    return gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


def bounded(function, *args, limit=60, **kwargs):
    """``function(*args, **kwargs)`` on a thread; the test fails if it has not returned
    after ``limit`` seconds. This detects hangs; it measures nothing."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # handed back to the test below
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise AssertionError(f"{function.__name__} still running after {limit} s: a hang")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class HostileServer:
    """``with HostileServer() as server: server.url("drip-body")``."""

    def __init__(self, *, access_token=None):
        # The access token the ``token`` mode issues (a canary run passes a salted one).
        self.token = {**TOKEN, "access_token": access_token or TOKEN["access_token"]}
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.modes = {}  # each connection's socket -> the mode of its latest request
        self.served = []  # (socket, mode) of each request read, in order
        self.requests = []  # (method, path, headers, body) of each request read
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, mode, path="") -> str:
        return f"http://127.0.0.1:{self.port}/{mode}{path}"

    def open_connections(self, mode=None) -> int:
        """How many connections are open now (whose latest request was for ``mode``)."""
        with self._lock:
            return sum(
                1
                for sock, seen in self.modes.items()
                if sock.fileno() != -1 and (mode is None or seen == mode)
            )

    def connections_for(self, mode) -> int:
        """How many connections served at least one request for ``mode``."""
        with self._lock:
            return len({id(sock) for sock, seen in self.served if seen == mode})

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stopping.set()
        self._thread.join(5)
        with self._lock:
            for sock in self.modes:
                sock.close()
        self._listener.close()

    # ------------------------------------------------------------------ plumbing
    def _accept(self):
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:  # the timeout of the poll, or the listener closed
                continue
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _read_request(self, sock):
        sock.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            piece = sock.recv(65536)
            if not piece:
                return None
            data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        while len(body) < length:
            piece = sock.recv(65536)
            if not piece:
                break
            body += piece
        return method, path, headers, body

    def _serve(self, sock):
        try:
            while not self._stopping.is_set():
                request = self._read_request(sock)
                if request is None:
                    return
                _, path, _, body = request
                mode = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
                with self._lock:
                    self.modes[sock] = mode
                    self.served.append((sock, mode))
                    self.requests.append(request)
                handler = getattr(self, "_" + mode.replace("-", "_"), None)
                if handler is None:
                    self._send(sock, 404, b'{"message": "no such mode"}')
                    continue
                if handler(sock, body) is False:
                    return
        except OSError:
            return  # the client went away: that is how most of these end
        finally:
            sock.close()

    def _wait(self, seconds=DRIP_S):
        return not self._stopping.wait(seconds)

    @staticmethod
    def _send(sock, status, body, headers=()):
        head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", *headers]
        if not any(h.lower().startswith("content-type") for h in headers):
            head.append("Content-Type: application/json")
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    # ------------------------------------------------------------------ modes
    def _token(self, sock, body):
        self._send(sock, 200, json.dumps(self.token).encode())

    def _participations(self, sock, body):
        self._send(sock, 200, b'{"payload": []}')

    def _silent(self, sock, body):
        """Never answers; notices when the client hangs up (its read returns nothing)."""
        sock.settimeout(0.05)
        while not self._stopping.is_set():
            try:
                if not sock.recv(1):
                    break
            except TimeoutError:
                continue
        return False

    def _drip_headers(self, sock, body):
        sock.sendall(b"HTTP/1.1 200 OK\r\n")
        while self._wait():
            sock.sendall(b"X")
        return False

    def _drip_body(self, sock, body):
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        sock.sendall(b"Content-Length: 1000000\r\n\r\n")
        while self._wait():
            sock.sendall(b" ")
        return False

    def _continue_loop(self, sock, body):
        while self._wait():
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        return False

    def _gzip_bomb(self, sock, body):
        self._send(sock, 200, _bomb(), ("Content-Encoding: gzip",))

    def _redirect_bomb(self, sock, body):
        # A redirect the client does not follow, whose body is the bomb: requests reads a
        # redirect's whole body, decompressed, to work out Response.next.
        self._send(sock, 302, _bomb(), ("Content-Encoding: gzip", "Location: /gzip-bomb"))

    def _big(self, sock, body):
        size = 1024 * 1024 * 1024
        sock.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n".encode()
        )
        block = b"0" * 65536
        while not self._stopping.is_set():
            sock.sendall(block)
        return False

    def _chunked_forever(self, sock, body):
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"10000\r\n" + b"1" * 65536 + b"\r\n"
        while not self._stopping.is_set():
            sock.sendall(chunk)
        return False

    def _echo(self, sock, body):
        """A proxy's error page quoting the request: the form body as it was sent."""
        page = b"<html><body><h1>502 Bad Gateway</h1><pre>" + body + b"</pre></body></html>"
        self._send(sock, 502, page, ("Content-Type: text/html",))

    def _echo_json(self, sock, body):
        """An OAuth error whose description quotes the decoded form, JSON-escaped."""
        decoded = unquote_plus(body.decode("latin-1"))
        answer = {"error": "invalid_request", "error_description": f"bad request: {decoded}"}
        self._send(sock, 400, json.dumps(answer, ensure_ascii=True).encode())

    def _echo_headers(self, sock, body):
        """An SP-API-like 500 quoting the request's headers (the access token among them)."""
        with self._lock:
            headers = self.requests[-1][2]
        answer = {"errors": [{"code": "InternalFailure", "message": json.dumps(headers)}]}
        self._send(sock, 500, json.dumps(answer).encode())

    def _unavailable_json(self, sock, body):
        """A load balancer's 503 in JSON, in front of a service that speaks XML."""
        self._send(sock, 503, b'{"message": "Service Unavailable"}')

    def _slow_ok(self, sock, body):
        time.sleep(0.2)
        self._send(sock, 200, b'{"payload": []}')
