"""Malformed requests get the service's own error body, never a traceback; an exception
inside the mock becomes a 500 in the service's shape and is recorded."""

from __future__ import annotations

import json
import socket
import string
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mock_helpers import TIMEOUT_S, lwa_exchange

from spapi_docs_helpers.mock import _lwa


def _raw(url, data: bytes, *, read_timeout=TIMEOUT_S) -> bytes:
    """Send raw bytes to the server of ``url``; return everything it answers."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=read_timeout) as conn:
        conn.sendall(data)
        chunks = []
        while True:
            try:
                chunk = conn.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                break
        return b"".join(chunks)


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def _parse(answer: bytes):
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def _assert_no_traceback(body: bytes):
    text = body.decode("utf-8", errors="replace")
    assert "Traceback" not in text and 'File "' not in text


def _lwa_error(answer: bytes):
    status, headers, body = _parse(answer)
    _assert_no_traceback(body)
    assert headers["content-type"] == "application/json;charset=UTF-8"
    assert "x-amzn-requestid" in headers
    return status, json.loads(body)["error"]


def _spapi_error(answer: bytes):
    status, headers, body = _parse(answer)
    _assert_no_traceback(body)
    assert headers["content-type"] == "application/json"
    (error,) = json.loads(body)["errors"]
    return status, error["code"]


@pytest.fixture
def amazon(start_mock):
    return start_mock(aws=False)


@pytest.mark.parametrize(
    ("request_bytes", "expected"),
    [
        (b"\x00\x01\x02\xff garbage \xfe\r\n\r\n", 400),
        (b"GET\r\n\r\n", 400),
        (b"GET / HTTP/9.1\r\n\r\n", 505),
        (b"BREW /auth/o2/token HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        (b"POST /auth/o2/token HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400),
        (b"POST /auth/o2/token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
        (b"POST /auth/o2/token HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", 431),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
        (
            b"POST /auth/o2/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
        ),
    ],
)
def test_unparsable_requests_get_lwa_errors(amazon, request_bytes, expected):
    status, error = _lwa_error(_raw(amazon.lwa_url, request_bytes))
    assert status == expected
    assert error in ("invalid_request", "server_error")


def test_unparsable_requests_get_spapi_errors(amazon):
    status, code = _spapi_error(_raw(amazon.spapi_urls["EU"], b"\xff\xfe\x00 junk\r\n\r\n"))
    assert (status, code) == (400, "InvalidInput")


def test_binary_junk_form_body_is_invalid_client(amazon):
    # No client identifier can be read from it, so the client is unknown.
    answer = requests.post(
        amazon.lwa_url,
        data=bytes(range(255, -1, -1)),
        timeout=TIMEOUT_S,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


@pytest.mark.parametrize("service", ["lwa", "spapi"])
def test_huge_bodies_are_refused_with_413(amazon, service):
    url = (
        amazon.lwa_url
        if service == "lwa"
        else (amazon.spapi_urls["NA"] + "/applications/2023-11-30/clientSecret")
    )
    answer = requests.post(
        url,
        data=b"x" * (2 << 20),
        timeout=TIMEOUT_S,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413
    assert answer.headers["Connection"] == "close"
    body = answer.json()
    if service == "lwa":
        assert body["error"] == "invalid_request"
    else:
        assert body["errors"][0]["code"] == "RequestEntityTooLarge"


def test_a_declared_but_never_sent_body_does_not_hang(amazon):
    data = b"POST /auth/o2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nab"
    status, error = _lwa_error(_raw(amazon.lwa_url, data))
    assert (status, error) == (413, "invalid_request")


def test_chunked_bodies_are_read(amazon):
    values = amazon.credentials
    body = (
        f"grant_type=refresh_token&refresh_token={values['refresh_token'].replace('|', '%7C')}"
        f"&client_id={values['lwa_app_id']}&client_secret={values['lwa_client_secret']}"
    )

    def chunks():
        yield body[:100].encode()
        yield body[100:].encode()

    answer = requests.post(
        amazon.lwa_url,
        data=chunks(),
        timeout=TIMEOUT_S,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200


def test_keep_alive_connections_serve_several_requests(amazon):
    with requests.Session() as session:
        for _ in range(3):
            answer = session.post(amazon.lwa_url, timeout=TIMEOUT_S, data={"grant_type": "x"})
            assert answer.status_code == 401


def test_an_exception_inside_a_service_is_a_shaped_500_and_recorded(start_mock, monkeypatch):
    amazon = start_mock(aws=False, allow_errors=True)

    def explode(*args, **kwargs):
        raise RuntimeError("boom with Atzr|IwEBIsecretlookingvalue1234567890")

    monkeypatch.setattr(_lwa.LoginWithAmazon, "_refresh_token_grant", explode)
    answer = lwa_exchange(amazon)
    assert (answer.status_code, answer.json()["error"]) == (500, "server_error")
    _assert_no_traceback(answer.content)
    (error,) = amazon.errors
    assert error.server == "lwa" and "RuntimeError" in error.error
    assert "secretlookingvalue" not in error.error + error.traceback
    assert amazon.requests[-1].status == 500


_FIELD_TEXT = st.text(alphabet=string.printable + "|%&=+\u00e9\u200b", max_size=80)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.binary(max_size=400),
        st.dictionaries(
            st.sampled_from(
                ["grant_type", "client_id", "client_secret", "refresh_token", "scope", "code", "x"]
            ),
            _FIELD_TEXT,
            max_size=6,
        ),
    ),
    content_type=st.sampled_from(
        [None, "application/x-www-form-urlencoded", "application/json", "text/plain"]
    ),
)
def test_lwa_answers_any_body_in_its_error_shape(amazon, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    if isinstance(body, dict) and content_type == "application/json":
        answer = requests.post(amazon.lwa_url, json=body, timeout=TIMEOUT_S)
    else:
        answer = requests.post(amazon.lwa_url, data=body, headers=headers, timeout=TIMEOUT_S)
    assert answer.status_code in (200, 400, 401)
    assert answer.headers["Content-Type"] == "application/json;charset=UTF-8"
    data = answer.json()
    assert "access_token" in data or set(data) == {"error_description", "error"}
    assert amazon.errors == []
