"""Malformed requests get the service's own error body, never a traceback; an exception
inside the mock becomes a 500 in the service's shape and is recorded. STS and Secrets
Manager answer what AWS's front end refuses (no signature, an incomplete one, no or an
unknown operation, an unreadable body) as AWS does, and moto's own errors in their
service's shape (adversarial review, finding 18)."""

from __future__ import annotations

import http.client
import json
import socket
import string
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

import botocore.exceptions
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mock_helpers import TIMEOUT_S, aws_client, client, lwa_exchange, lwa_form

from spapi_docs_helpers.mock import MockAmazon, _http, _lwa

POST_TOKEN = b"POST /auth/o2/token HTTP/1.1\r\nHost: x\r\n"
FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"
CHUNKED = POST_TOKEN + FORM + b"Transfer-Encoding: chunked\r\n\r\n"


def _raw(url, data: bytes, *, half_close=False, until_closed=False) -> bytes:
    """Send raw bytes to the server of ``url`` (then stop sending, with ``half_close``);
    return its answer (and whatever follows until it closes, with ``until_closed``)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT_S) as conn:
        conn.sendall(data)
        if half_close:
            conn.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = conn.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not until_closed and _complete(b"".join(chunks)):
                break
        return b"".join(chunks)


def _complete(data: bytes) -> bool:
    if b"\r\n\r\n" not in data:
        return False
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


def _length(value: bytes, body=b"abcde") -> bytes:
    return POST_TOKEN + FORM + b"Content-Length: " + value + b"\r\n\r\n" + body


# Each row's body would be read (and answered 401 invalid_client) by a lenient parser:
# only the strict one answers the pinned 400.
@pytest.mark.parametrize(
    ("request_bytes", "expected"),
    [
        (b"\x00\x01\x02\xff garbage \xfe\r\n\r\n", (400, "invalid_request")),
        (b"GET\r\n\r\n", (400, "invalid_request")),
        # Statuses LWA has no error of its own for fall back to 400's or 500's.
        (b"GET / HTTP/9.1\r\n\r\n", (505, "server_error")),
        (b"BREW /auth/o2/token HTTP/1.1\r\nHost: x\r\n\r\n", (501, "server_error")),
        (POST_TOKEN + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n", (431, "invalid_request")),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", (414, "invalid_request")),
        # Content-Length: digits only, one value.
        (_length(b"-5"), (400, "invalid_request")),
        (_length(b"abc"), (400, "invalid_request")),
        (_length(b"+5"), (400, "invalid_request")),
        (_length(b"0x5"), (400, "invalid_request")),
        (_length(b"0_5"), (400, "invalid_request")),
        (_length(b"5\r\nContent-Length: 3"), (400, "invalid_request")),
        # Chunk sizes: hexadecimal digits only; each chunk ends with CRLF.
        (CHUNKED + b"zz\r\n", (400, "invalid_request")),
        (CHUNKED + b"-1\r\nabcde\r\n0\r\n\r\n", (400, "invalid_request")),
        (CHUNKED + b"+5\r\nabcde\r\n0\r\n\r\n", (400, "invalid_request")),
        (CHUNKED + b"0x5\r\nabcde\r\n0\r\n\r\n", (400, "invalid_request")),
        (CHUNKED + b"0_5\r\nabcde\r\n0\r\n\r\n", (400, "invalid_request")),
        (CHUNKED + b"5\r\nabcdefg\r\n0\r\n\r\n", (400, "invalid_request")),
    ],
)
def test_unparsable_requests_get_lwa_errors(amazon, request_bytes, expected):
    assert _lwa_error(_raw(amazon.lwa_url, request_bytes)) == expected


@pytest.mark.parametrize(
    ("request_bytes", "description"),
    [
        # Fewer bytes than the Content-Length announces, then the client stops sending.
        (_length(b"10", b"abc"), "The request body is incomplete."),
        (CHUNKED + b"5\r\nabc", "The chunked body is malformed."),
        # The headers end with the stream, without their empty line.
        (POST_TOKEN + b"Content-Type: text/plain\r\n", "The request headers are incomplete."),
    ],
)
def test_requests_cut_short_are_refused_and_the_connection_closed(
    amazon, request_bytes, description
):
    answer = _raw(amazon.lwa_url, request_bytes, half_close=True, until_closed=True)
    status, headers, body = _parse(answer)
    assert (status, json.loads(body)) == (
        400,
        {"error_description": description, "error": "invalid_request"},
    )
    assert headers["connection"] == "close"
    assert amazon.errors == []


def test_a_body_that_stops_coming_times_out_into_a_400(amazon, monkeypatch):
    # The handler's timeout is also its wait for the rest of a body (60 s by default).
    monkeypatch.setattr(_http.MockRequestHandler, "timeout", 0.3)
    answer = _raw(amazon.lwa_url, _length(b"10", b"abc"), until_closed=True)
    status, headers, body = _parse(answer)
    assert (status, json.loads(body)["error"]) == (400, "invalid_request")
    assert headers["connection"] == "close"
    # Neither the timeout nor the closed connection after it is an unexpected error.
    assert amazon.errors == []


def test_deeply_nested_json_is_an_unreadable_body(amazon):
    answer = requests.post(
        amazon.lwa_url,
        data=b"[" * 60000,
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT_S,
    )
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")
    assert amazon.errors == []


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


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("service", ["lwa", "spapi"])
def test_huge_bodies_are_refused_with_413(amazon, service, chunked):
    url = (
        amazon.lwa_url
        if service == "lwa"
        else (amazon.spapi_urls["NA"] + "/applications/2023-11-30/clientSecret")
    )
    body = b"x" * (2 << 20)
    answer = requests.post(
        url,
        # A generator is sent chunked, in pieces of 256 KiB.
        data=(body[i : i + (256 << 10)] for i in range(0, len(body), 256 << 10))
        if chunked
        else body,
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
    body = urlencode(lwa_form(amazon.credentials))

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
    amazon = start_mock(allow_errors=True)

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
    # The helpers' kept-alive client: a fresh connection per example is not what is tested.
    if isinstance(body, dict) and content_type == "application/json":
        answer = client(amazon).post(amazon.lwa_url, json=body, timeout=TIMEOUT_S)
    else:
        answer = client(amazon).post(amazon.lwa_url, data=body, headers=headers, timeout=TIMEOUT_S)
    assert answer.status_code in (200, 400, 401)
    assert answer.headers["Content-Type"] == "application/json;charset=UTF-8"
    data = answer.json()
    assert "access_token" in data or set(data) == {"error_description", "error"}
    assert amazon.errors == []


# ---------------------------------------------------------------------------- AWS
# A SigV4 header with every part; its signature is wrong, which moto checks later.
SIGNED = {
    "X-Amz-Date": "20231002T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20231002/us-east-1/"
    "{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
}
STS_FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
SM_JSON = {"Content-Type": "application/x-amz-json-1.1"}
GET_SECRET = {"X-Amz-Target": "secretsmanager.GetSecretValue"}
IDENTITY = b"Action=GetCallerIdentity&Version=2011-06-15"
MISSING_PARTS = (
    "Authorization header requires 'Credential' parameter. Authorization header requires "
    "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."
)


@pytest.fixture(scope="module")
def _shared_legacy_mock():
    """One mock of the happy-legacy scenario for this module's AWS tests.

    Starting moto costs most of a second per mock, and these ~20 tests only send requests
    that AWS's front end refuses or that moto denies: nothing they send changes the mock's
    state. Each test still checks that nothing unexpected happened inside while it ran
    (``legacy_amazon``)."""
    amazon = MockAmazon("happy-legacy").start()
    yield amazon
    amazon.stop()


@pytest.fixture
def legacy_amazon(_shared_legacy_mock):
    """The shared happy-legacy mock; fails the test on an exception inside it meanwhile."""
    before = len(_shared_legacy_mock.errors)
    yield _shared_legacy_mock
    assert _shared_legacy_mock.errors[before:] == [], "unexpected exceptions inside the mock"


def _signed(service, **overrides):
    headers = {name: value.format(service=service) for name, value in SIGNED.items()}
    headers.update(overrides)
    return {name: value for name, value in headers.items() if value is not None}


def _aws_call(url, headers, body=b"", *, method="POST", target="/"):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_S)
    try:
        connection.request(method, target, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.getheader("Content-Type"), answer.read()
    finally:
        connection.close()


def _sts_error(body: bytes):
    """(type, code, message) of STS's ErrorResponse; its shape is checked on the way."""
    _assert_no_traceback(body)
    root = ElementTree.fromstring(body)
    namespace = "{https://sts.amazonaws.com/doc/2011-06-15/}"
    assert root.tag == namespace + "ErrorResponse"
    assert [child.tag for child in root] == [namespace + "Error", namespace + "RequestId"]
    assert root.find(namespace + "RequestId").text
    error = root.find(namespace + "Error")
    assert [child.tag for child in error] == [namespace + n for n in ("Type", "Code", "Message")]
    return tuple(error.find(namespace + name).text for name in ("Type", "Code", "Message"))


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        # No signature at all (the review's "STS unsigned request").
        (STS_FORM, IDENTITY, (403, "MissingAuthenticationToken")),
        # Not SigV4, or a SigV4 header cut short (the review's "giant Authorization").
        (
            {**STS_FORM, **_signed("sts", Authorization="Bearer abc")},
            IDENTITY,
            (400, "IncompleteSignature"),
        ),
        (
            {**STS_FORM, **_signed("sts", Authorization="AWS4-HMAC-SHA256 " + "x" * 30000)},
            IDENTITY,
            (400, "IncompleteSignature"),
        ),
        (
            {**STS_FORM, **_signed("sts", **{"X-Amz-Date": None})},
            IDENTITY,
            (400, "IncompleteSignature"),
        ),
        # Signed, but no action, an unknown one, or a body that is no query string.
        ({**STS_FORM, **_signed("sts")}, b"Version=2011-06-15", (400, "MissingAction")),
        ({**STS_FORM, **_signed("sts")}, b"Action=GetCallerIdentityX", (400, "InvalidAction")),
        ({**STS_FORM, **_signed("sts")}, b"\xff\xfe%%%", (404, "MalformedQueryString")),
        (
            {**STS_FORM, **_signed("sts")},
            b"Action=Get%FFCallerIdentity",
            (404, "MalformedQueryString"),
        ),
        # A field without "=" is an empty value, as parsers of query strings read it.
        ({**STS_FORM, **_signed("sts")}, b"Action&Version=2011-06-15", (400, "MissingAction")),
        # Well formed: moto's own answer, in STS's shape.
        ({**STS_FORM, **_signed("sts")}, IDENTITY, (403, "SignatureDoesNotMatch")),
    ],
    ids=[
        "unsigned",
        "bearer",
        "giant-authorization",
        "no-date",
        "no-action",
        "unknown-action",
        "binary-body",
        "percent-encoded-binary",
        "field-without-value",
        "bad-signature",
    ],
)
def test_sts_answers_malformed_requests_in_its_own_xml(legacy_amazon, headers, body, expected):
    amazon = legacy_amazon
    status, content_type, answer = _aws_call(amazon.sts_url, headers, body)
    assert content_type == "text/xml"
    kind, code, message = _sts_error(answer)
    assert (status, code, kind) == (*expected, "Sender")
    if code == "IncompleteSignature":
        assert message.endswith("Authorization=" + headers["Authorization"])
    if code == "MissingAuthenticationToken":
        assert message == "Request is missing Authentication Token"
    assert amazon.requests[-1].error == code


def test_sts_names_only_the_missing_parts_of_a_signature(legacy_amazon):
    amazon = legacy_amazon
    partial = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20231002/us-east-1/sts/aws4_request"
    status, _, answer = _aws_call(
        amazon.sts_url, {**STS_FORM, **_signed("sts", Authorization=partial)}, IDENTITY
    )
    assert (status, _sts_error(answer)[2]) == (
        400,
        "Authorization header requires 'Signature' parameter. Authorization header requires "
        f"'SignedHeaders' parameter. Authorization={partial}",
    )
    _, _, answer = _aws_call(amazon.sts_url, {**STS_FORM, "Authorization": "Bearer x"}, IDENTITY)
    assert _sts_error(answer)[2] == (
        f"{MISSING_PARTS} Authorization header requires existence of either a 'X-Amz-Date' "
        "or a 'Date' header. Authorization=Bearer x"
    )


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({**SM_JSON, **GET_SECRET}, b'{"SecretId": "x"}', (403, "MissingAuthenticationToken")),
        (
            {**SM_JSON, **GET_SECRET, **_signed("secretsmanager", Authorization="Bearer abc")},
            b'{"SecretId": "x"}',
            (400, "IncompleteSignature"),
        ),
        ({**SM_JSON, **_signed("secretsmanager")}, b'{"SecretId": "x"}', (400, "InvalidAction")),
        (
            {**SM_JSON, **_signed("secretsmanager"), "X-Amz-Target": "secretsmanager.Nope"},
            b'{"SecretId": "x"}',
            (400, "InvalidAction"),
        ),
        (
            {**SM_JSON, **_signed("secretsmanager"), "X-Amz-Target": "sts.GetSecretValue"},
            b'{"SecretId": "x"}',
            (400, "InvalidAction"),
        ),
        (
            {**SM_JSON, **GET_SECRET, **_signed("secretsmanager")},
            b"{not json",
            (400, "SerializationException"),
        ),
        (
            {**SM_JSON, **GET_SECRET, **_signed("secretsmanager")},
            b"[1, 2]",
            (400, "SerializationException"),
        ),
        (
            {**SM_JSON, **GET_SECRET, **_signed("secretsmanager")},
            b"[" * 60000,
            (400, "SerializationException"),
        ),
        # Well formed: moto's own answer (XML, in this JSON service), in Secrets Manager's shape.
        (
            {**SM_JSON, **GET_SECRET, **_signed("secretsmanager")},
            b'{"SecretId": "x"}',
            (403, "SignatureDoesNotMatch"),
        ),
    ],
    ids=[
        "unsigned",
        "bearer",
        "no-target",
        "unknown-operation",
        "other-service",
        "not-json",
        "json-array",
        "deep-nesting",
        "bad-signature",
    ],
)
def test_secrets_manager_answers_malformed_requests_in_its_own_json(
    legacy_amazon, headers, body, expected
):
    amazon = legacy_amazon
    status, content_type, answer = _aws_call(amazon.secretsmanager_url, headers, body)
    assert content_type == "application/x-amz-json-1.1"
    _assert_no_traceback(answer)
    error = json.loads(answer)
    assert set(error) == {"__type", "message"}
    assert (status, error["__type"]) == expected
    assert amazon.requests[-1].error == expected[1]


def test_a_secrets_manager_denial_is_its_access_denied_exception(legacy_amazon):
    amazon = legacy_amazon
    # The legacy user's keys: valid, but no policy of theirs allows reading secrets.
    keys = amazon.credentials["aws_access_key"], amazon.credentials["aws_secret_key"]
    client = aws_client(amazon, "secretsmanager", *keys)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.get_secret_value(SecretId="spapi-docs/mock/sp-api-credentials")
    error = raised.value.response
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (
        "is not authorized to perform: secretsmanager:GetSecretValue" in error["Error"]["Message"]
    )


def test_motos_failures_become_the_services_internal_failure(_shared_legacy_mock):
    # A pre-signed request passes the front end's checks, and moto cannot read it (a
    # limit of the mock): its HTML crash page must not reach the client. The shared mock
    # (this module's last test: moto's crash leaves nothing behind, but nothing follows).
    amazon = _shared_legacy_mock
    target = (
        "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20231002%2Fus-east-1%2Fsts%2Faws4_request"
        "&X-Amz-Date=20231002T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=" + "0" * 64
    )
    status, content_type, answer = _aws_call(amazon.sts_url, {}, method="GET", target=target)
    assert (status, content_type) == (500, "text/xml")
    assert _sts_error(answer)[:2] == ("Receiver", "InternalFailure")
    # Recorded before the answer was sent (moto's own traceback may follow).
    assert "sts" in [error.server for error in amazon.errors]
