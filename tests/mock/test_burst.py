"""Load the mock must hold (adversarial review, findings 17 and the kept-alive stall): a
burst of 200 simultaneous connections, every one answered; and kept-alive requests whose
answers leave in one write, on sockets with TCP_NODELAY, on the mock's own servers and
on moto's. Mechanisms only: how long things take is measured by benchmarks/mock_load.py,
never asserted here."""

from __future__ import annotations

import selectors
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
from mock_helpers import TIMEOUT_S

from spapi_docs_helpers.mock._faults import Faults
from spapi_docs_helpers.mock._http import Journal, MockServer
from spapi_docs_helpers.mock._lwa import TOKEN_PATH, LoginWithAmazon
from spapi_docs_helpers.mock._world import MOCK_NOW, default_world

BURST = 200
# Generous: a connection the kernel queued is complete at once; only one that was
# dropped (a backlog too small) waits for its SYN retransmits and reaches this.
CONNECT_WAIT_S = 10
# For every answer of the burst together; only a lost connection reaches it.
ANSWER_WAIT_S = 60
LWA_REQUEST = (
    f"POST {TOKEN_PATH} HTTP/1.1\r\nHost: api.amazon.com\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\n"
    "grant_type=x"
).encode()


@pytest.fixture
def lwa_server():
    """One mock LWA server, listening but not started: nothing accepts yet."""
    server = MockServer(
        LoginWithAmazon(default_world(MOCK_NOW)),
        faults=Faults(),
        journal=Journal(),
        stop_event=threading.Event(),
    )
    yield server
    server.stop()
    assert server.journal.errors == []


def _answer_length(data: bytes) -> int | None:
    """The length of the complete HTTP answer at the start of ``data``, if it is there."""
    head, separator, _ = data.partition(b"\r\n\r\n")
    if not separator:
        return None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = len(head) + 4 + int(value)
            return length if len(data) >= length else None
    return None


def _connect_all(address, count) -> tuple[list, int]:
    """``count`` sockets connecting at once; (the sockets, how many got connected)."""
    sockets = []
    selector = selectors.DefaultSelector()
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setblocking(False)
            sock.connect_ex(address)
            selector.register(sock, selectors.EVENT_WRITE)
        connected = 0
        deadline = time.monotonic() + CONNECT_WAIT_S
        while connected < count and (remaining := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(remaining):
                selector.unregister(key.fileobj)
                if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    connected += 1
        return sockets, connected
    finally:
        selector.close()


def _answers(sockets) -> list:
    """Send the LWA request on every socket, then read every answer (None: no answer
    within ANSWER_WAIT_S, or the connection ended first)."""
    for sock in sockets:
        sock.setblocking(True)
        sock.settimeout(TIMEOUT_S)
        sock.sendall(LWA_REQUEST)
        sock.setblocking(False)
    received = {sock: b"" for sock in sockets}
    answers = {}
    selector = selectors.DefaultSelector()
    for sock in sockets:
        selector.register(sock, selectors.EVENT_READ)
    deadline = time.monotonic() + ANSWER_WAIT_S
    try:
        while len(answers) < len(sockets) and (remaining := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(remaining):
                sock = key.fileobj
                chunk = sock.recv(65536)
                received[sock] += chunk
                length = _answer_length(received[sock])
                if length is not None or not chunk:
                    answers[sock] = received[sock][:length] if length else None
                    selector.unregister(sock)
    finally:
        selector.close()
    return [answers.get(sock) for sock in sockets]


def test_a_burst_of_200_simultaneous_connections_is_queued_and_every_one_answered(
    lwa_server,
):
    address = (lwa_server.server_name, lwa_server.server_port)
    sockets, connected = _connect_all(address, BURST)
    try:
        # Nothing accepts yet: each completed connection waits in the listen backlog.
        # socketserver's default backlog of 5 left all but 6 of them unconnected.
        assert connected == BURST
        lwa_server.start()
        answers = _answers(sockets)
    finally:
        for sock in sockets:
            sock.close()
    assert answers.count(None) == 0
    # LWA's own answer to a request without a client, on every connection.
    assert {answer.split(b"\r\n", 1)[0] for answer in answers} == {b"HTTP/1.1 401 Unauthorized"}
    assert all(b'"error":"invalid_client"' in answer for answer in answers)


def _server_socket(server, client):
    """The server's side of ``client``'s connection, once the server registered it."""
    deadline = time.monotonic() + TIMEOUT_S
    local = client.getsockname()
    while time.monotonic() < deadline:
        for connection in server.connections:
            if connection.getpeername() == local:
                return connection
        time.sleep(0.01)
    raise AssertionError("the server never registered the connection")


def test_accepted_sockets_have_tcp_nodelay(lwa_server):
    lwa_server.start()
    with socket.create_connection(
        (lwa_server.server_name, lwa_server.server_port), timeout=TIMEOUT_S
    ) as client:
        connection = _server_socket(lwa_server, client)
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_motos_accepted_sockets_have_tcp_nodelay(start_mock):
    amazon = start_mock("happy-legacy")
    moto = amazon._aws_backend._moto
    with socket.create_connection(amazon._aws_backend.moto_address, timeout=TIMEOUT_S) as client:
        connection = _server_socket(moto, client)
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_every_answer_on_a_kept_alive_connection_arrives_in_one_piece(amazon):
    # Written in two pieces, each answer after the first waits for the client's delayed
    # ACK (Nagle): the first read then holds the headers alone.
    parts = urlsplit(amazon.lwa_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT_S) as client:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(5):
            client.sendall(LWA_REQUEST)
            # Blocks until the first bytes are there; the answer is far below one segment.
            first_read = client.recv(65536)
            assert _answer_length(first_read) == len(first_read), first_read
            assert first_read.startswith(b"HTTP/1.1 401 ")
