"""Every call ends on time and in bounded memory, whatever the server does.

A hostile server on loopback (tests/_hostile.py) drips its headers or its body, answers
``100 Continue`` forever, sends a gzip bomb, a gigabyte or an endless chunked body, or
nothing at all. Each call must end in a finding: ``network-timeout`` once its deadline
(``timeout × attempts``) has passed, or a body cut at the cap. The deadlines here are a
fraction of a second; ``bounded`` turns a call that never ends into a failure (it detects
hangs and measures nothing). Before the deadlines, each of these calls ran for minutes to
hours (adversarial review, findings 1 to 3).
"""

from __future__ import annotations

import os
import tracemalloc

import _hostile
import pytest
from _hostile import HostileServer, bounded
from _python import in_a_child_forked_while_held
from _servers import QuietHandler, loopback_server, refusing_port

from spapi_docs_helpers._diagnose import PROBLEM, diagnose_lwa, spapi_answer
from spapi_docs_helpers._transport import (
    DEFAULT_BACKOFF,
    MAX_BODY_BYTES,
    HttpResult,
    Transport,
    aws_client,
    botocore_session,
    network_failure,
)
from spapi_docs_helpers.mock import MockAmazon


@pytest.fixture(scope="module")
def hostile():
    with HostileServer() as server:
        yield server


def call(url, *, timeout=0.3, retries=0, method="GET", **options):
    with Transport(timeout=timeout, retries=retries, **options) as transport:
        return bounded(transport.request, method, url)


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize("mode", ["drip-headers", "drip-body", "continue-loop", "silent"])
def test_a_server_that_never_finishes_its_answer_times_out(hostile, mode):
    http = call(hostile.url(mode, "/auth/o2/token"), method="POST")
    assert http.failure == "network-timeout", (http.failure, http.failure_detail)
    assert not http.ok
    finding = diagnose_lwa(http)
    assert finding.code == "network-timeout" and finding.field is None


def test_the_deadline_covers_every_retry(hostile):
    # Each attempt dripped until the deadline; none of them may start a fresh clock.
    http = call(hostile.url("drip-body"), timeout=0.2, retries=4)
    assert http.failure == "network-timeout"
    assert http.attempts <= 5


def test_a_reused_connection_is_watched_too(hostile):
    # The first answer takes 0.2 s: a timeout with room to spare for a loaded machine.
    with Transport(timeout=1.0, retries=0) as transport:
        first = bounded(transport.request, "GET", hostile.url("slow-ok"))
        second = bounded(transport.request, "GET", hostile.url("drip-body"))
    assert first.ok
    assert second.failure == "network-timeout"


def test_a_sockets_deadline_ends_the_call_of_a_cancelled_parent(hostile):
    from spapi_docs_helpers._deadline import Concurrently

    transport = Transport(timeout=30, retries=0)
    with Concurrently() as calls:
        pending = calls.submit(transport.request, "GET", hostile.url("silent"))
        calls.cancel()  # what leaving the block on Ctrl-C does
        http = bounded(pending.result)
    assert http.failure == "network-timeout"


# --------------------------------------------------------------------------- bounded bodies


@pytest.mark.parametrize("mode", ["gzip-bomb", "redirect-bomb", "big", "chunked-forever"])
def test_a_body_is_read_up_to_the_cap_and_no_further(hostile, mode):
    _hostile.prepare()  # the server's own bomb is made before the client is traced
    tracemalloc.start()
    try:
        http = call(hostile.url(mode), timeout=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert http.failure is None
    assert len(http.body) <= MAX_BODY_BYTES
    assert "longer than" in http.body_note
    # The body, a few reads and the decompressor's window: not the gigabyte on offer.
    assert peak < 8 * MAX_BODY_BYTES, peak


def test_a_capped_body_is_no_verdict(hostile):
    http = call(hostile.url("gzip-bomb"), timeout=5)
    finding = diagnose_lwa(http)
    assert finding.code == "unexpected-response" and finding.field is None
    assert "could not be read" in finding.message
    kind, finding = spapi_answer(http)
    assert kind == PROBLEM and finding.code == "unexpected-response"


def test_a_corrupt_gzip_body_is_named(tmp_path):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Corrupt(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"\x1f\x8b\x08\x00not gzip at all"
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Corrupt)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        http = call(f"http://127.0.0.1:{server.server_port}/", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert http.body_note == "its gzip encoding is corrupt"


# --------------------------------------------------------------------------- retries


def _token_call(amazon, transport):
    return bounded(
        transport.request,
        "POST",
        amazon.lwa_url,
        data={"grant_type": "refresh_token", **{"refresh_token": "x"}},
    )


def test_retry_after_is_waited_for():
    with MockAmazon(scenario="happy", aws=False) as amazon:
        amazon.faults.add("lwa", "throttled", times=1, retry_after=1)
        with Transport(timeout=5) as transport:
            http = _token_call(amazon, transport)
    assert http.attempts == 2 and http.status != 429
    assert http.waits == [pytest.approx(1.0)]


# SP-API's answer when an operation's quota is used up: 429 QuotaExceeded, no Retry-After.
_QUOTA_EXCEEDED = (
    b'{"errors":[{"code":"QuotaExceeded",'
    b'"message":"You exceeded your quota for the requested resource.","details":""}]}'
)


class _RefusesOnce(QuietHandler):
    """Answers its first request with ``refusal`` (status, body[, Retry-After]), every
    later one 200."""

    refusal: tuple = (429, _QUOTA_EXCEEDED)
    answered = 0

    def do_GET(self):
        type(self).answered += 1
        status, body, *retry_after = self.refusal if self.answered == 1 else (200, b"{}")
        self.send_response(status)
        for seconds in retry_after:
            self.send_header("Retry-After", seconds)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.parametrize(
    "refusal, first_wait",
    [
        # An empty token bucket refuses again if asked again at once: a wait, from the first.
        ((429, _QUOTA_EXCEEDED), DEFAULT_BACKOFF),
        # A dropped answer or a failing host is often gone at once: no wait the first time.
        ((503, b'{"errors":[]}'), 0.0),
        # What the server asks for wins over the back-off, a wait of none too.
        ((429, _QUOTA_EXCEEDED, "0"), 0.0),
    ],
    ids=["429", "503", "429-retry-after-0"],
)
def test_the_first_retry_waits_only_for_a_quota(refusal, first_wait):
    handler = type("Refuses", (_RefusesOnce,), {"refusal": refusal, "answered": 0})
    with loopback_server(handler) as server:
        http = call(f"http://127.0.0.1:{server.server_port}/sellers", timeout=5, retries=2)
    assert (http.status, http.attempts) == (200, 2)
    assert http.waits == [pytest.approx(first_wait)]


def test_a_long_retry_after_is_cut_to_the_cap():
    with MockAmazon(scenario="happy", aws=False) as amazon:
        amazon.faults.add("lwa", "throttled", times=1, retry_after=3600)
        with Transport(timeout=5, max_retry_after=0.2) as transport:
            http = _token_call(amazon, transport)
    assert http.attempts == 2
    assert http.waits == [pytest.approx(0.2)]


def test_a_retry_after_beyond_the_deadline_ends_the_retries():
    # The default cap is 5 s; a call of 3 s in all (one timeout per attempt) cannot wait
    # for it, and does not try. (The timeout leaves a loaded machine time to answer.)
    with MockAmazon(scenario="happy", aws=False) as amazon:
        amazon.faults.add("lwa", "throttled", times=None, retry_after=3600)
        with Transport(timeout=1.5, retries=1) as transport:
            http = _token_call(amazon, transport)
    assert http.status == 429 and http.attempts == 1 and http.waits == []


# --------------------------------------------------------------------------- the machine's settings


def test_a_missing_ca_bundle_is_a_finding_not_a_crash(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    http = call("https://127.0.0.1:9/auth/o2/token", method="POST")
    assert http.failure == "ca-bundle-unusable"
    assert "REQUESTS_CA_BUNDLE" in http.failure_detail
    assert diagnose_lwa(http).code == "ca-bundle-unusable"


def test_a_fifo_as_ca_bundle_does_not_hang(monkeypatch, tmp_path):
    fifo = tmp_path / "ca.pem"
    os.mkfifo(fifo)
    # requests reads CURL_CA_BUNDLE only when REQUESTS_CA_BUNDLE is not set.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("CURL_CA_BUNDLE", str(fifo))
    http = call("https://127.0.0.1:9/auth/o2/token", method="POST")
    assert http.failure == "ca-bundle-unusable"
    assert "not a regular file" in http.failure_detail


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("::::", "no URL"),
        ("http://:3128", "no host"),
        ("socks5://127.0.0.1:1080", "PySocks"),
    ],
)
def test_an_unusable_proxy_is_named(monkeypatch, value, why):
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTP_PROXY", value)
    http = call("http://127.0.0.1:9/x")
    assert http.failure == "proxy-invalid", (http.failure, http.failure_detail)
    assert "HTTP_PROXY" in http.failure_detail and why in http.failure_detail


def test_a_settled_transport_checks_the_proxy_once_per_scheme_and_host(monkeypatch, proxy_scans):
    from spapi_docs_helpers import _transport

    # No answer of another test: every scan of this one is counted.
    monkeypatch.setattr(_transport, "_ENVIRON_PROXIES", {})
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://:3128")
    checked = []
    real = _transport.proxy_problem

    def counted(url, **options):
        checked.append(url)
        return real(url, **options)

    monkeypatch.setattr(_transport, "proxy_problem", counted)
    urls = ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b?x=1", "http://localhost:9/a"] * 2
    with Transport(timeout=0.3, retries=0, settled_environment=True) as transport:
        results = [bounded(transport.request, "GET", url) for url in urls]
    # Every call still fails on the proxy; each origin was looked at once, and the
    # environment scanned once for it (the session's reading serves the proxy check).
    assert [r.failure for r in results] == ["proxy-invalid"] * len(urls)
    assert checked == ["http://127.0.0.1:9/a", "http://localhost:9/a"]
    assert proxy_scans == checked
    # A single check's transport looks at every call (the environment may change).
    checked.clear()
    with Transport(timeout=0.3, retries=0) as transport:
        for url in urls:
            bounded(transport.request, "GET", url)
    assert checked == urls


def test_the_proxies_kept_per_host_follow_every_change_of_the_proxy_variables(
    monkeypatch, proxy_scans
):
    from spapi_docs_helpers import _transport
    from spapi_docs_helpers._transport import environ_proxies

    monkeypatch.setattr(_transport, "_ENVIRON_PROXIES", {})
    scans, real_scan = proxy_scans, proxy_scans.real
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    url = "http://sp.example.test:8080/sellers"
    # No proxy variable at all: no proxy for any URL, as requests says, without asking it.
    others = ["https://127.0.0.1:1/x", "http://localhost", "http://[::1]:99999/", "file:///x"]
    assert [environ_proxies(u) for u in [url, *others]] == [{}] * 5
    assert scans == []
    assert [real_scan(u) for u in [url, *others]] == [{}] * 5
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example.test:3128")
    assert environ_proxies(url)["http"] == "http://proxy.example.test:3128"
    # Another path of the same host, unchanged variables: requests is not asked again.
    assert environ_proxies(url + "/x?y=1")["http"] == "http://proxy.example.test:3128"
    assert len(scans) == 1
    monkeypatch.setenv("http_proxy", "http://other.example.test:3128")
    assert environ_proxies(url) == real_scan(url)
    monkeypatch.setenv("no_proxy", "sp.example.test")
    assert environ_proxies(url) == real_scan(url) == {}
    assert environ_proxies(url, no_proxy="elsewhere.test") == real_scan(
        url, no_proxy="elsewhere.test"
    )
    monkeypatch.delenv("http_proxy")
    monkeypatch.delenv("no_proxy")
    assert "http" in environ_proxies(url)
    monkeypatch.setenv("REQUEST_METHOD", "GET")  # a CGI script: HTTP_PROXY is not trusted
    assert environ_proxies(url) == real_scan(url) == {}
    # The answer is the caller's: changing it changes no later one.
    environ_proxies(url)["http"] = "changed"
    assert "changed" not in environ_proxies(url).values()


def test_a_bad_port_is_an_endpoint_problem_not_an_unexplained_answer():
    http = call("http://127.0.0.1:99999/x")
    assert http.failure == "endpoint-url-invalid"


# --------------------------------------------------------------------------- naming failures


def test_a_failure_the_transport_named_keeps_its_name_through_botocore():
    import botocore.exceptions

    error = botocore.exceptions.HTTPClientError(error="whatever")
    error.transport_failure = "proxy-invalid"
    try:
        raise RuntimeError("wrapped") from error
    except RuntimeError as wrapped:
        assert network_failure(wrapped) == "proxy-invalid"


def test_a_refused_connection_is_named():
    with refusing_port() as port:
        http = call(f"http://127.0.0.1:{port}/x")
    assert http.failure == "network-refused"


def test_urls_are_shown_with_userinfo_and_query_values_masked():
    http = HttpResult("GET", "http://user:hunter2@127.0.0.1:9/p?client_secret=hunter3&a=1")
    assert http.url == "http://user:***@127.0.0.1:9/p?client_secret=***&a=***"
    assert "hunter" not in repr(http)


def _assume_role(amazon):
    """A client of the legacy path's keys, and its AssumeRole (the answer holds the
    temporary keys)."""
    env = {
        "AWS_ACCESS_KEY_ID": amazon.credentials["aws_access_key"],
        "AWS_SECRET_ACCESS_KEY": amazon.credentials["aws_secret_key"],
    }
    client, _ = aws_client(
        "sts",
        env,
        timeout=5,
        retries=0,
        endpoint_url=amazon.env["AWS_ENDPOINT_URL_STS"],
        region="us-east-1",
    )
    return lambda: client.assume_role(
        RoleArn=amazon.credentials["role_arn"], RoleSessionName="cut-short"
    )


def _get_secret(amazon):
    """A client of the mock's Secrets Manager, and its GetSecretValue (the answer holds the
    secret)."""
    env = amazon.env
    client, _ = aws_client(
        "secretsmanager",
        env,
        timeout=5,
        retries=0,
        endpoint_url=env["AWS_ENDPOINT_URL_SECRETS_MANAGER"],
        region=env["AWS_DEFAULT_REGION"],
    )
    return lambda: client.get_secret_value(SecretId=env["SP_API_AWS_SECRET_ID"])


@pytest.mark.parametrize(
    ("scenario", "service", "call_of"),
    [
        ("happy-legacy", "sts", _assume_role),  # the query protocol: XML
        ("secrets-manager", "secretsmanager", _get_secret),  # AWS's JSON protocol
    ],
    ids=["xml", "json"],
)
def test_an_aws_answer_cut_short_is_no_answer_and_is_not_quoted(scenario, service, call_of):
    import botocore.exceptions

    with MockAmazon(scenario=scenario) as amazon:
        call_it = call_of(amazon)
        call_it()  # the whole answer is read
        amazon.faults.add(service, "truncated-json", times=1)
        with pytest.raises(botocore.exceptions.HTTPClientError) as raised:
            call_it()
    assert network_failure(raised.value) == "unexpected-response"
    text = str(raised.value)
    assert "HTTP 200: the body (" in text and "cut short" in text
    # Nothing of the body: neither an element nor a key of it.
    assert "<" not in text and '"' not in text


# --------------------------------------------------------------------------- botocore sessions


def _handlers_of(session, event: str) -> list:
    # botocore lists no handlers publicly; its emitter's prefix trie is what it dispatches from.
    return list(session.get_component("event_emitter")._emitter._handlers.prefix_search(event))


def test_a_session_has_the_built_in_handlers_botocore_gives_its_own():
    import botocore.handlers
    import botocore.session

    ours, botocores = botocore_session(), botocore.session.Session()
    events = {spec[0] for spec in botocore.handlers.BUILTIN_HANDLERS}
    assert len(events) > 50
    for event in events:
        assert _handlers_of(ours, event) == _handlers_of(botocores, event), event


def test_a_handler_added_to_botocores_list_later_reaches_new_sessions():
    """moto appends its stub (which answers for AWS in a user's tests) to botocore's
    BUILTIN_HANDLERS when it is imported, which may be after the first session was made."""
    import botocore.handlers

    def marker(**kwargs):
        return None

    botocore_session()  # the template, made from the list as it is now
    added = ("before-send", marker)
    botocore.handlers.BUILTIN_HANDLERS.append(added)  # in place, as moto does
    try:
        assert marker in _handlers_of(botocore_session(), "before-send.sts.GetCallerIdentity")
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(added)
    assert marker not in _handlers_of(botocore_session(), "before-send.sts.GetCallerIdentity")


def test_what_a_session_registers_stays_in_that_session():
    event = "before-call.sts.GetCallerIdentity"

    def marker(**kwargs):
        return None

    first = botocore_session()
    first.register(event, marker)
    second = botocore_session()
    assert marker in _handlers_of(first, event)
    assert marker not in _handlers_of(second, event)
    assert marker not in _handlers_of(botocore_session(), event)


def test_sessions_share_one_data_loader():
    first, second = botocore_session(), botocore_session()
    assert first is not second
    assert first.get_component("data_loader") is second.get_component("data_loader")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here (Windows)")
def test_a_child_forked_while_a_thread_loads_botocores_models_makes_sessions():
    from spapi_docs_helpers import _transport

    status = in_a_child_forked_while_held(
        _transport._LOADERS_LOCK, lambda: botocore_session() is not None, seconds=15
    )
    assert status == 0, "the child waited for a lock held by a thread it does not have"


def test_where_the_system_names_proxies_too_requests_is_asked_every_time(monkeypatch, proxy_scans):
    """macOS and Windows: urllib reads the system's proxy settings besides the environment,
    which no key of the environment's can stand for."""
    import urllib.request

    from spapi_docs_helpers._transport import environ_proxies

    monkeypatch.setattr(urllib.request, "getproxies", lambda: {})
    url = "http://sp.example.test:8080/sellers"
    assert environ_proxies(url) == environ_proxies(url) == proxy_scans.real(url)
    assert proxy_scans == [url, url]
