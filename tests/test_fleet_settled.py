"""What a fleet check reads once per run instead of once per account (``_fleet.SettledRun``
and the fleet's requests session): the peer libraries, the endpoints, the settings'
findings, the proxies and the ``~/.netrc`` entry of each host. Reading them once must not
change what a call sends: the netrc test runs real requests over loopback HTTP and looks at
what the server received.
"""

from __future__ import annotations

import base64

import pytest
from _servers import QuietHandler, loopback_server

from spapi_docs_helpers import _doctor
from spapi_docs_helpers._doctor import Settled
from spapi_docs_helpers._fleet import SettledRun
from spapi_docs_helpers._transport import Transport

# Obviously fake: a netrc entry for the test's loopback host.
NETRC_LOGIN = "example-netrc-login"
NETRC_PASSWORD = "example-netrc-password-0000"


class _Recorder(QuietHandler):
    """Answers 200 to every GET and keeps the Authorization header each one carried."""

    seen: list[str | None]

    def do_GET(self) -> None:  # http.server's name for the hook
        self.server.seen.append(self.headers.get("Authorization"))  # type: ignore[attr-defined]  # set below
        self.server.targets.append(self.path)  # type: ignore[attr-defined]  # set below
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def recorder():
    with loopback_server(_Recorder) as server:
        server.seen = []  # type: ignore[attr-defined]  # what the handler appends to
        server.targets = []  # type: ignore[attr-defined]  # the request target of each GET
        yield server


def test_the_netrc_entry_of_a_host_is_sent_on_every_call_and_read_once(
    recorder, tmp_path, monkeypatch
):
    host, port = recorder.server_address
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine {host} login {NETRC_LOGIN} password {NETRC_PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    lookups = []
    import requests.utils

    real = requests.utils.get_netrc_auth

    def counted(url, raise_errors=False):
        lookups.append(url)
        return real(url, raise_errors)

    monkeypatch.setattr(requests.utils, "get_netrc_auth", counted)
    with Transport(timeout=5, settled_environment=True) as transport:
        for _ in range(3):
            assert transport.request("GET", f"http://{host}:{port}/a").status == 200
    expected = "Basic " + base64.b64encode(f"{NETRC_LOGIN}:{NETRC_PASSWORD}".encode()).decode()
    # As requests alone would send it (trust_env), on every call; looked up once.
    assert recorder.seen == [expected] * 3
    assert len(lookups) == 1


def test_a_host_without_a_netrc_entry_gets_no_authorization(recorder, tmp_path, monkeypatch):
    host, port = recorder.server_address
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine elsewhere.example login {NETRC_LOGIN} password {NETRC_PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with Transport(timeout=5, settled_environment=True) as transport:
        for _ in range(2):
            assert transport.request("GET", f"http://{host}:{port}/b").status == 200
    assert recorder.seen == [None, None]


def test_the_proxy_of_a_host_is_used_on_every_call_and_read_once(
    recorder, monkeypatch, proxy_scans
):
    """HTTP_PROXY names the loopback recorder: every call to another host goes through it
    (a proxy is asked for the absolute URL), and the environment is scanned once per host;
    a host NO_PROXY names is called directly."""

    host, port = recorder.server_address
    monkeypatch.setenv("HTTP_PROXY", f"http://{host}:{port}")
    monkeypatch.setenv("NO_PROXY", host)
    with Transport(timeout=5, settled_environment=True) as transport:
        for _ in range(3):
            assert transport.request("GET", "http://proxied.example/p").status == 200
        assert transport.request("GET", f"http://{host}:{port}/direct").status == 200
    assert recorder.targets == ["http://proxied.example/p"] * 3 + ["/direct"]
    assert len(proxy_scans) == 2  # one per host


def test_the_run_reads_the_peers_once_and_each_environments_endpoints_once(monkeypatch):
    calls = []

    def peers():
        calls.append("peers")
        return {"python-amazon-sp-api": None, "amzn-sp-api": None}

    monkeypatch.setattr(_doctor, "installed_peers", peers)
    run = SettledRun()
    assert run.peers() is run.peers()
    assert calls == ["peers"]

    first = {"SPAPI_ENDPOINT_NA": "http://127.0.0.1:9/na"}
    second: dict[str, str] = {}
    assert run.endpoints(first, sandbox=False) is run.endpoints(first, sandbox=False)
    assert run.endpoints(first, sandbox=False).spapi["NA"] == "http://127.0.0.1:9/na"
    # Another environment, or the sandbox of the same one, is read on its own.
    assert run.endpoints(second, sandbox=False).spapi["NA"] != "http://127.0.0.1:9/na"
    assert run.endpoints(first, sandbox=True).sandbox


def test_the_runs_answers_are_the_single_checks():
    env = {"SPAPI_ENDPOINT_NA": "http://sp.example.com/na"}
    run, single = SettledRun(), Settled()
    endpoints = single.endpoints(env, sandbox=False)
    kept_endpoints = run.endpoints(env, sandbox=False)
    assert (kept_endpoints.lwa, kept_endpoints.spapi, kept_endpoints.sts) == (
        endpoints.lwa,
        endpoints.spapi,
        endpoints.sts,
    )
    expected = single.settings(endpoints, False)
    # Plain HTTP to a host that is not this machine: a finding, kept for every account.
    assert [f.code for f in expected] == ["endpoint-plain-http"]
    kept = run.settings(endpoints, False)
    assert kept == expected
    kept.clear()  # one account's list is its own: the next account gets them all again
    assert run.settings(endpoints, False) == expected


def test_an_unusable_ca_bundle_is_found_once_and_fails_every_call(tmp_path, monkeypatch):
    from spapi_docs_helpers import _transport

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    checks = []
    real = _transport.ca_bundle_problem

    def counted(**kwargs):
        checks.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(_transport, "ca_bundle_problem", counted)
    # Nothing is sent: the bundle is checked before the call (the host is never reached).
    with Transport(timeout=5, settled_environment=True) as transport:
        results = [transport.request("GET", "https://sp.example.com/x") for _ in range(3)]
    assert [r.failure for r in results] == ["ca-bundle-unusable"] * 3
    assert "REQUESTS_CA_BUNDLE" in results[0].failure_detail
    assert len(checks) == 1
    # A single check's transport looks every time (the environment may change between checks).
    with Transport(timeout=5) as transport:
        for _ in range(2):
            assert transport.request("GET", "https://sp.example.com/x").failure == (
                "ca-bundle-unusable"
            )
    assert len(checks) == 3
