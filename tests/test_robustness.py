"""Bad answers and bad settings end in findings, never in a traceback or a wrong verdict.

Real loopback servers answer what no well-behaved service would: 404s from every region,
payloads of the wrong shape, tokens of strange characters, a plain-HTTP port behind an
https:// URL; and the settings are wrong: endpoint variables that are no URL, --legacy
without keys. Each case once crashed the check or let it say "your credentials work".
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from spapi_docs_helpers import Credentials, check, probe_roles
from spapi_docs_helpers._redaction import redact_text
from spapi_docs_helpers._transport import HttpResult
from spapi_docs_helpers.mock import MockAmazon

CLIENT_ID = "amzn1.application-oa2-client." + "0123456789abcdef" * 2
CLIENT_SECRET = "amzn1.oa2-cs.v1." + "fedcba9876543210" * 4
REFRESH_TOKEN = "Atzr|IwEBIROBUSTNESS" + "Ab1-" * 80


class _Scripted(BaseHTTPRequestHandler):
    """Answers every request with ``server.answer(path) -> (status, body)``."""

    def log_message(self, *args):  # keep test output quiet
        pass

    def _reply(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, body = self.server.answer(self.path)
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _reply


class _ScriptedServer(ThreadingHTTPServer):
    # Every probe of every region connects at once: with socketserver's backlog of 5 the
    # kernel dropped some handshakes, and their clients waited a second to send again.
    request_queue_size = 128
    daemon_threads = True


@pytest.fixture
def scripted():
    """``scripted(answer)``: the URL of a loopback server answering with ``answer``."""
    servers = []

    def start(answer):
        server = _ScriptedServer(("127.0.0.1", 0), _Scripted)
        server.answer = answer
        # shutdown() waits for the loop's next poll: socketserver's default of 0.5 s made
        # every test's teardown wait about that long per server.
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _environ(tmp_path, lwa, spapi):
    return {
        "HOME": str(tmp_path),
        "LWA_APP_ID": CLIENT_ID,
        "LWA_CLIENT_SECRET": CLIENT_SECRET,
        "SP_API_REFRESH_TOKEN": REFRESH_TOKEN,
        "SPAPI_LWA_ENDPOINT": lwa + "/auth/o2/token",
        **{f"SPAPI_ENDPOINT_{r}": spapi for r in ("NA", "EU", "FE")},
    }


TOKEN = {"access_token": "Atza|IwEBIROBUST" + "x" * 300, "token_type": "bearer", "expires_in": 3600}


def test_regions_answering_404_do_not_accept_the_token(scripted, tmp_path):
    lwa = scripted(lambda path: (200, TOKEN))
    spapi = scripted(lambda path: (404, {"message": "no such route"}))
    report = check(environ=_environ(tmp_path, lwa, spapi), retries=0)
    assert not report.ok
    assert report.stage("region").status == "failed"
    assert report.stage("roles").status == "skipped"


@pytest.mark.parametrize(
    ("payload", "region"),
    [
        ({"payload": None}, None),
        ({"payload": [{"marketplace": None, "participation": None}]}, "any"),
        (
            {
                "payload": [
                    {"marketplace": {"name": "no id"}, "participation": {"isParticipating": True}}
                ]
            },
            "any",
        ),
        ('{"payload": [', None),
        ([1, 2, 3], None),
    ],
    ids=["null-payload", "null-entries", "entry-without-id", "truncated", "a-list"],
)
def test_a_malformed_participations_payload_is_a_finding(scripted, tmp_path, payload, region):
    """A server answering every call with the same body: where that body is no answer any
    probed operation gives, nothing proves the region (adversarial review, finding 25)."""
    lwa = scripted(lambda path: (200, TOKEN))
    spapi = scripted(lambda path: (200, payload))
    report = check(environ=_environ(tmp_path, lwa, spapi), retries=0)
    found = report.stage("region").data["region"]
    # The three regions are one server here: whichever answers first is taken.
    assert found in ("NA", "EU", "FE") if region == "any" else found is None
    if region is None:
        assert "unexpected-response" in {f.code for f in report.findings}
        assert not report.ok and report.blamed == []
    else:
        # Let through, but no marketplace to show: none is made up.
        assert report.stage("region").data["marketplaces"] == []


@pytest.mark.parametrize("token", ["Atza|€uro" + "x" * 40, "Atza|tab\there" + "x" * 40, ""])
def test_an_unusable_access_token_is_an_unexpected_response(scripted, tmp_path, token):
    lwa = scripted(lambda path: (200, {**TOKEN, "access_token": token}))
    spapi = scripted(lambda path: (500, "unreachable"))
    report = check(environ=_environ(tmp_path, lwa, spapi), retries=0)
    finding = next(f for f in report.findings if f.severity == "error")
    assert finding.code == "unexpected-response" and finding.field is None


@pytest.mark.parametrize(
    "variable", ["SPAPI_LWA_ENDPOINT", "SPAPI_ENDPOINT_EU", "AWS_ENDPOINT_URL_STS"]
)
def test_an_endpoint_that_is_no_url_is_named(tmp_path, variable):
    environ = {
        "HOME": str(tmp_path),
        "LWA_APP_ID": CLIENT_ID,
        "LWA_CLIENT_SECRET": CLIENT_SECRET,
        "SP_API_REFRESH_TOKEN": REFRESH_TOKEN,
        variable: "localhost:4566",
    }
    report = check(environ=environ)
    finding = next(f for f in report.findings if f.code == "endpoint-url-invalid")
    assert variable in finding.message
    assert report.stage("lwa").status == "skipped"  # nothing was sent anywhere


def test_a_credentials_object_is_a_code_dict(tmp_path):
    with MockAmazon("happy") as amazon:
        creds = Credentials.from_mapping(amazon.credentials)
        report = check(credentials=creds, environ={**amazon.env, "HOME": str(tmp_path)})
    assert report.ok
    assert report.resolution.used.name == "code"


def test_legacy_without_aws_keys_says_what_is_missing(tmp_path):
    with MockAmazon("happy") as amazon:
        report = check(environ={**amazon.env, "HOME": str(tmp_path)}, legacy=True)
    finding = next(f for f in report.findings if f.code == "aws-fields-incomplete")
    assert "--legacy" in finding.message and "SP_API_ACCESS_KEY" in finding.message
    assert report.stage("sts").status == "skipped"


def test_probe_roles_finds_the_region_itself(monkeypatch):
    with MockAmazon("happy-eu") as amazon:
        for name, value in amazon.env.items():
            monkeypatch.setenv(name, value)
        from spapi_docs_helpers import exchange_refresh_token

        table = probe_roles(exchange_refresh_token())
    assert table.region == "EU"
    assert "getMarketplaceParticipations" in table.granted


def test_long_session_tokens_and_named_values_are_masked():
    token = "FwoGZXIvYXdzE" + "Qm9ndXM" * 60 + "=="
    text = f"<SessionToken>{token}</SessionToken> X-Amz-Security-Token: abcdefghijklmnop"
    redacted = redact_text(text)
    assert token[20:60] not in redacted
    assert "ijklmnop" not in redacted
    assert "<SessionToken>FwoG…(" in redacted


def test_an_excerpt_redacts_before_it_cuts():
    secret = "amzn1.oa2-cs.v1." + "ab12" * 16
    body = (" " * 700 + secret + " tail").encode()
    excerpt = HttpResult("POST", "http://x", status=500, body=body).excerpt(limit=40)
    assert "ab12ab12ab12" not in excerpt
