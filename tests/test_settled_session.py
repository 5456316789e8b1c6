"""The fleet's requests session (``_transport.SettledSession``): what it skips per call must
not change what a call sends, or what bounds it.

It prepares each request without re-merging the session's settings and sends it through
requests' adapter without the session's cookie, hook and redirect machinery. So the same
calls are made through a plain requests session and through it, over loopback HTTP, and
what the server received is compared; and the transport's bounds (deadline, body cap) and
failure names hold on it as on the plain one (tests/test_transport.py tests those at length
on the plain session; here one case of each).
"""

from __future__ import annotations

import threading

import _hostile
import pytest
from _hostile import HostileServer, bounded
from _servers import QuietHandler, loopback_server, refusing_port

from spapi_docs_helpers._transport import MAX_BODY_BYTES, SettledSession, Transport

# Obviously fake values, shaped like the real ones where the encoding of a character matters
# (the refresh token's "|", "+" and "/" are escaped in a form body).
REFRESH_TOKEN = "Atzr|IwEBIEXAMPLE+fake/value=="
CLIENT_SECRET = "amzn1.oa2-cs.v1.example-not-a-secret"
NETRC_LOGIN = "example-netrc-login"
NETRC_PASSWORD = "example-netrc-password-0000"


@pytest.fixture(scope="module")
def hostile():
    with HostileServer() as server:
        yield server


def _settled(**options) -> Transport:
    return Transport(settled_environment=True, **options)  # its session: a SettledSession


def _calls(server: HostileServer) -> list[tuple[str, str, dict]]:
    """The transport's kinds of call: a form POST (LWA), a GET with a query and headers
    (SP-API), a POST of JSON bytes, a header the caller removes (None), and a URL with
    userinfo (sent as basic authorisation when ~/.netrc has no entry for the host)."""
    form = {
        "grant_type": "refresh_token",
        "client_id": "amzn1.application-oa2-client.example",
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
    }
    return [
        (
            "POST",
            server.url("token", "/auth/o2/token"),
            {
                "data": form,
                "headers": {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
            },
        ),
        (
            "GET",
            server.url("participations", "/sellers/v1/marketplaceParticipations"),
            {
                "headers": {"x-amz-access-token": "Atza|example", "Accept": "application/json"},
                "params": {"marketplaceIds": "ATVPDKIKX0DER", "q": "a b/c|d"},
            },
        ),
        (
            "POST",
            server.url("participations", "/feeds/2021-06-30/documents"),
            {
                "data": b'{"contentType": "text/plain"}',
                "headers": {"Content-Type": "application/json"},
            },
        ),
        ("GET", server.url("participations", "/x"), {"headers": {"Accept-Encoding": None}}),
        (
            "GET",
            f"http://user-example:pass%20word@127.0.0.1:{server.port}/participations/userinfo",
            {},
        ),
    ]


def _received(server: HostileServer, transport: Transport) -> list[tuple]:
    with server._lock:
        before = len(server.requests)
    for method, url, options in _calls(server):
        http = bounded(transport.request, method, url, **options)
        assert http.failure is None and http.status == 200, (http.failure, http.failure_detail)
    with server._lock:
        return list(server.requests[before:])


@pytest.mark.parametrize("netrc_entry", [False, True])
def test_a_settled_call_sends_what_requests_sends(hostile, tmp_path, monkeypatch, netrc_entry):
    """Method, path and query, every header (the session's and the call's, the encoded form,
    Content-Length, the authorisation from ~/.netrc or else the URL's userinfo) and body."""
    if netrc_entry:
        netrc = tmp_path / "netrc"
        netrc.write_text(f"machine 127.0.0.1 login {NETRC_LOGIN} password {NETRC_PASSWORD}\n")
        netrc.chmod(0o600)
        monkeypatch.setenv("NETRC", str(netrc))
    with Transport(timeout=5) as plain:
        expected = _received(hostile, plain)
    with _settled(timeout=5) as settled:
        got = _received(hostile, settled)
    assert got == expected
    authorizations = [headers.get("authorization") for _m, _p, headers, _b in got]
    # The requests' own answer, as the test expects it: ~/.netrc first, else the userinfo.
    assert all(authorizations) if netrc_entry else authorizations[:-1] == [None] * 4
    assert authorizations[-1] is not None
    # The session's Accept-Encoding removed by the call's None (http.client then says identity).
    assert got[3][2]["accept-encoding"] == "identity"


def test_a_settled_call_is_bounded_by_its_deadline(hostile):
    # The first answer takes 0.2 s: a timeout with room to spare for a loaded machine.
    with _settled(timeout=1.0, retries=0) as transport:
        first = bounded(transport.request, "GET", hostile.url("slow-ok"))
        # A connection the pool kept is watched for the next call too.
        second = bounded(transport.request, "GET", hostile.url("drip-body"))
    assert first.ok
    assert second.failure == "network-timeout"


def test_a_settled_call_reads_a_body_up_to_the_cap(hostile):
    _hostile.prepare()
    with _settled(timeout=5, retries=0) as transport:
        http = bounded(transport.request, "GET", hostile.url("gzip-bomb"))
    assert http.failure is None
    assert len(http.body) <= MAX_BODY_BYTES and "longer than" in http.body_note


def test_a_settled_call_names_a_refused_connection():
    with refusing_port() as port, _settled(timeout=1, retries=0) as transport:
        http = bounded(transport.request, "GET", f"http://127.0.0.1:{port}/x")
    assert http.failure == "network-refused"


class _Redirecting(QuietHandler):
    """``/moved``: a redirect with a body longer than the cap, and a cookie; ``/target``: 200,
    naming the cookie it was sent (if any)."""

    def do_GET(self) -> None:  # http.server's name for the hook
        if self.path == "/moved":
            body = b"x" * (MAX_BODY_BYTES + 4096)
            self.send_response(302)
            self.send_header("Location", "/target")
            self.send_header("Set-Cookie", "session-example=1; Path=/")
        else:
            body = (self.headers.get("Cookie") or "no cookie").encode()
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def redirecting():
    with loopback_server(_Redirecting) as server:
        yield f"http://127.0.0.1:{server.server_port}"


def test_a_redirect_is_an_answer_read_within_the_cap_and_its_cookie_is_not_kept(redirecting):
    session = SettledSession()
    with Transport(timeout=5, retries=0, session=session, settled_environment=True) as transport:
        moved = bounded(transport.request, "GET", redirecting + "/moved")
        target = bounded(transport.request, "GET", redirecting + "/target")
    # Not followed; its body read as every body is, up to the cap.
    assert moved.status == 302 and moved.header("Location") == "/target"
    assert len(moved.body) == MAX_BODY_BYTES and "longer than" in moved.body_note
    # The fleet's session keeps no cookie: none stored, none sent.
    assert len(session.cookies) == 0
    assert target.body == b"no cookie"


def test_a_call_asking_for_what_the_settled_path_skips_goes_through_requests(redirecting):
    """allow_redirects (the default of requests' API): requests' general path, which
    follows the redirect and sends the cookie it set."""
    with SettledSession() as session:
        response = session.request("GET", redirecting + "/moved", timeout=5)
    assert response.status_code == 200
    assert response.content == b"session-example=1"


def test_closing_the_transport_closes_the_pools_the_settled_adapter_kept(hostile):
    """The settled adapter keeps each host's pool; closing the transport closes them (no
    connection is left open), and a pool closed is never used again."""
    import time

    url = hostile.url("participations", "/kept")
    transport = _settled(timeout=5, retries=0)
    assert bounded(transport.request, "GET", url).ok
    adapter = transport.session.get_adapter(url)
    adapter.close()  # what Transport.close does, through the session
    # The server sees its connection end: it waits for it on another thread (a bounded wait,
    # nothing timed), for less than the 5 s after which it drops an idle connection itself.
    waited_until = time.monotonic() + 3
    while hostile.open_connections("participations") and time.monotonic() < waited_until:
        time.sleep(0.02)
    assert hostile.open_connections("participations") == 0
    again = bounded(transport.request, "GET", url)
    transport.close()
    assert again.ok, (again.failure, again.failure_detail)


def test_an_answer_kept_per_host_is_worked_out_once_when_every_worker_asks_at_once():
    """A fleet's first calls come from every worker at once; the proxies, ~/.netrc entry and
    settings' checks of a host are worked out by the first, the others wait for its answer."""
    import time

    from spapi_docs_helpers._transport import _KeptAnswers

    kept = _KeptAnswers()
    worked: list[int] = []
    start = threading.Barrier(16)

    def work() -> dict[str, str]:
        worked.append(1)
        time.sleep(0.05)  # long enough for every other thread to ask meanwhile
        return {"http": "http://proxy.example:3128"}

    answers: list[object] = []

    def ask() -> None:
        start.wait()
        answers.append(kept.get(("http", "sp.example.com"), work))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(worked) == 1
    assert len(answers) == 16 and all(answer is answers[0] for answer in answers)


def test_a_form_is_encoded_to_the_byte_as_requests_encodes_it():
    """form_body escapes only what needs it; its bytes are urlencode's of the UTF-8 pairs
    (requests' encoding) for every kind of character: safe, reserved, space, control,
    Latin-1, and beyond the Basic Multilingual Plane."""
    import random
    from urllib.parse import urlencode

    from spapi_docs_helpers._transport import form_body

    rnd = random.Random(20261130)
    alphabet = [chr(c) for c in range(0x250)] + list("|+/= ~-_.%&") * 8 + ["€", "😀"]

    def text(longest: int) -> str:
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, longest)))

    forms = [{"refresh_token": REFRESH_TOKEN, "client_secret": CLIENT_SECRET}]
    forms += [{text(8): text(60) for _ in range(rnd.randint(1, 5))} for _ in range(500)]
    for form in forms:
        expected = urlencode([(k.encode(), v.encode()) for k, v in form.items()], doseq=True)
        assert form_body(form) == expected.encode("ascii"), form


def test_the_usual_calls_go_straight_to_the_pool_and_the_others_through_requests(
    hostile, tmp_path, monkeypatch
):
    """send_direct sends the transport's usual calls itself (so the comparison with
    requests above is of that path), and leaves to requests what needs an authorisation
    (the URL's userinfo, a ~/.netrc entry) or a body it does not prepare."""
    from spapi_docs_helpers._transport import _DirectResponse

    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    form = {"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN}
    usual = [
        ("POST", hostile.url("token", "/auth/o2/token"), {"data": form}),
        ("GET", hostile.url("participations", "/p"), {"params": {"q": "a b"}}),
        ("POST", hostile.url("participations", "/d"), {"data": b"{}"}),
    ]
    other = [
        ("GET", f"http://user-example:pw@127.0.0.1:{hostile.port}/participations/u", {}),
        ("POST", hostile.url("participations", "/d"), {"data": "text, not bytes"}),
        ("POST", hostile.url("participations", "/d"), {"data": {"k": 1}}),
    ]
    with _settled(timeout=5) as transport:
        session = transport.session
        assert isinstance(session, SettledSession)
        for method, url, options in usual:
            response = session.send_direct(method, url, timeout=5, verify=None, **_all(options))
            assert isinstance(response, _DirectResponse), url
            assert response.status_code == 200
            response.close()
        for method, url, options in other:
            assert session.send_direct(method, url, timeout=5, verify=None, **_all(options)) is None


def _all(options: dict) -> dict:
    return {"data": None, "headers": None, "params": None, **options}


@pytest.mark.parametrize(
    "headers",
    [{"x-amz-access-token": "Atza|line\r\nX-Injected: 1"}, {"x-bad:name": "value"}],
)
def test_a_header_requests_refuses_fails_the_same_way_on_both_paths(hostile, headers):
    """A header value with a line break, or a name with a colon: refused before sending,
    with the same failure on the settled path as on requests' own."""
    url = hostile.url("participations", "/h")
    with Transport(timeout=5, retries=0) as plain:
        expected = bounded(plain.request, "GET", url, headers=headers)
    with _settled(timeout=5, retries=0) as settled:
        got = bounded(settled.request, "GET", url, headers=headers)
    assert expected.failure is not None
    assert (got.failure, got.failure_detail) == (expected.failure, expected.failure_detail)


def test_a_failed_tls_handshake_is_named_on_the_settled_path():
    """HTTPS to a plain-HTTP server: the handshake fails; named network-tls as requests'
    own path names it (its SSLError)."""
    with loopback_server(QuietHandler) as server:
        url = f"https://127.0.0.1:{server.server_address[1]}/auth/o2/token"
        with _settled(timeout=5, retries=0) as transport:
            http = bounded(transport.request, "POST", url, data={"grant_type": "x"})
    assert http.failure == "network-tls", (http.failure, http.failure_detail)
    assert http.status is None
