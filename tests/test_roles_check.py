"""The doctor against Amazon's role model, end to end over loopback.

Whatever roles an app holds, in whatever region, for a seller or a vendor: the check finds
the token's region exactly when some operation it probes there is granted, never blames a
credential that LWA accepted, and states about the roles only what the answers prove.
The mock Amazon gates every operation by the same role model the doctor reads: these tests
hold the doctor to the model, and tests/mock holds the mock to Amazon's documents.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spapi_docs_helpers import check
from spapi_docs_helpers._catalogue import ROLE_CAUSES, SANDBOX_ONLY_CAUSE, entry
from spapi_docs_helpers._credentials import field_spec
from spapi_docs_helpers._probes import role_probes
from spapi_docs_helpers._roles import REGION_CODES, role_model
from spapi_docs_helpers.mock import MockAmazon

CREDENTIAL_FIELDS = ("refresh_token", "lwa_app_id", "lwa_client_secret")
MODEL = role_model()
SELLER_ROLES = sorted(MODEL.holdable("seller"))
VENDOR_ROLES = sorted(MODEL.holdable("vendor"))


@pytest.fixture(scope="module")
def amazon():
    # One mock for hundreds of checks: the usage plans would throttle them (their own tests
    # run on fresh mocks).
    with MockAmazon("happy", rate_limits=False) as running:
        yield running


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("home")


def _check(amazon, home, roles, region, account_type="seller", sandbox_only=False):
    credentials = amazon.new_authorisation(
        sorted(roles), region, account_type=account_type, sandbox_only=sandbox_only
    )
    environ = {
        name: value
        for name, value in amazon.env.items()
        if name not in {field_spec(key).env for key in CREDENTIAL_FIELDS}
    }
    environ.update({field_spec(key).env: value for key, value in credentials.items()})
    environ["HOME"] = str(home)
    return check(environ=environ)


def _expected_region(roles, region, account_type):
    # Every operation the doctor probes there, not only the region probes it asks first: a
    # region probe set that missed a role would then fail here, not agree with itself.
    granted = any(item.spec.granted(roles, region, account_type) for item in role_probes(region))
    return region if granted else None


def _assert_no_credential_blamed(report):
    assert report.stage("lwa").status == "ok", report.render_text()
    assert not set(report.blamed) & set(CREDENTIAL_FIELDS), report.render_text()
    assert not [f for f in report.findings if f.field in CREDENTIAL_FIELDS], report.render_text()


def _assert_evidence_is_true(report, roles):
    roles_stage = report.stage("roles")
    if roles_stage.status == "skipped":
        return
    data = roles_stage.data
    # Every probe of the token's region has its row: no answer was lost on the way.
    assert [row["operation"] for row in data["rows"]] == [
        item.operation for item in role_probes(data["region"])
    ]
    for one_of in data["holds_one_of"]:
        assert set(one_of) & set(roles), (one_of, roles)
    assert not set(data["holds_none_of"]) & set(roles), (data["holds_none_of"], roles)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    roles=st.sets(st.sampled_from(SELLER_ROLES), max_size=4),
    region=st.sampled_from(REGION_CODES),
)
def test_any_seller_role_set_finds_its_region_exactly_when_a_probe_is_granted(
    amazon, home, roles, region
):
    report = _check(amazon, home, roles, region)
    found = report.stage("region").data["region"]
    assert found == _expected_region(roles, region, "seller"), report.render_text()
    _assert_no_credential_blamed(report)
    _assert_evidence_is_true(report, roles)
    if found is None:
        assert report.blamed == ["app_roles"]
        assert [f.code for f in report.findings if f.severity == "error"] == [
            "roles-deny-every-probe"
        ]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    roles=st.sets(st.sampled_from(VENDOR_ROLES), max_size=3),
    region=st.sampled_from(REGION_CODES),
)
def test_any_vendor_role_set_finds_its_region_exactly_when_a_probe_is_granted(
    amazon, home, roles, region
):
    report = _check(amazon, home, roles, region, account_type="vendor")
    found = report.stage("region").data["region"]
    assert found == _expected_region(roles, region, "vendor"), report.render_text()
    _assert_no_credential_blamed(report)
    _assert_evidence_is_true(report, roles)
    if found is None:
        assert report.blamed == ["app_roles"]
        assert [f.code for f in report.findings if f.severity == "error"] == [
            "roles-deny-every-probe"
        ]


# Each role alone in North America, and Account Information Service Provider in Europe, the
# one region where it counts (every region is covered by the property tests above).
ROLE_ALONE = [("NA", role) for role in SELLER_ROLES] + [
    ("EU", "Account Information Service Provider")
]


@pytest.mark.parametrize(("region", "role"), ROLE_ALONE)
def test_each_role_alone_is_found_where_it_counts(amazon, home, role, region):
    report = _check(amazon, home, {role}, region)
    assert report.stage("region").data["region"] == _expected_region({role}, region, "seller")
    _assert_no_credential_blamed(report)


@pytest.mark.parametrize("region", ["NA", "EU"])
def test_the_guides_example_roles_work_but_may_not_list_marketplaces(amazon, home, region):
    report = _check(amazon, home, {"Inventory and Order Tracking", "Amazon Fulfillment"}, region)
    assert report.stage("region").data["region"] == region
    assert report.ok, report.render_text()
    codes = [f.code for f in report.findings]
    assert "participations-not-permitted" in codes
    _assert_no_credential_blamed(report)


def test_the_guides_example_roles_list_marketplaces_in_the_far_east(amazon, home):
    report = _check(amazon, home, {"Inventory and Order Tracking", "Amazon Fulfillment"}, "FE")
    assert report.stage("region").data["region"] == "FE"
    assert "participations-not-permitted" not in [f.code for f in report.findings]
    assert report.stage("region").data["marketplaces"]


def test_an_app_without_roles_blames_its_roles_and_lists_the_causes(amazon, home):
    report = _check(amazon, home, set(), "NA")
    assert not report.ok
    assert report.blamed == ["app_roles"]
    finding = next(f for f in report.findings if f.code == "roles-deny-every-probe")
    assert finding.subject == "app_roles" and finding.field is None
    assert len(finding.details["causes"]) >= 3
    assert "The credentials themselves are not to blame" in report.verdict
    text = report.render_text()
    assert "Likely causes, most likely first:" in text
    assert "the sandbox hosts refused them too" in finding.message.lower()
    # The sandbox refused too: a sandbox-only app is no longer a likely cause.
    causes = [item["cause"] for item in finding.details["causes"]]
    assert causes == [cause for cause, _fix in ROLE_CAUSES if cause != SANDBOX_ONLY_CAUSE[0]]


def test_without_the_sandbox_asked_a_sandbox_only_app_stays_a_likely_cause(amazon, home):
    """Custom production endpoints and no sandbox endpoint: the token may not travel to
    Amazon's sandbox, so nothing rules a sandbox-only app out, and the causes say so."""
    credentials = amazon.new_authorisation([], "NA")
    environ = {
        name: value for name, value in amazon.env.items() if not name.startswith("SPAPI_SANDBOX_")
    }
    environ.update({field_spec(key).env: value for key, value in credentials.items()})
    environ["HOME"] = str(home)
    report = check(environ=environ)
    assert report.blamed == ["app_roles"]
    assert report.stage("region").data["sandbox"] == []
    finding = next(f for f in report.findings if f.code == "roles-deny-every-probe")
    assert "sandbox hosts refused" not in finding.message
    assert [(item["cause"], item["fix"]) for item in finding.details["causes"]] == list(ROLE_CAUSES)
    assert SANDBOX_ONLY_CAUSE in ROLE_CAUSES


def test_a_sandbox_only_app_is_named_as_such(amazon, home):
    report = _check(amazon, home, {"Product Listing"}, "NA", sandbox_only=True)
    assert [f.code for f in report.findings if f.severity == "error"] == ["app-sandbox-only"]
    assert report.blamed == ["app"]
    _assert_no_credential_blamed(report)


def test_a_vendor_token_is_recognised(amazon, home):
    report = _check(amazon, home, {"Amazon Fulfillment", "Product Listing"}, "EU", "vendor")
    assert report.stage("region").data["region"] == "EU"
    assert report.stage("region").data["account_type"] == "vendor"
    _assert_no_credential_blamed(report)
    codes = [f.code for f in report.findings]
    assert "vendor-account" in codes
    vendor = next(f for f in report.findings if f.code == "vendor-account")
    # The evidence named is the operation that let the token through (vendors only).
    assert vendor.message.startswith("getPurchaseOrders (vendors only) let the token through")
    # The Sellers API serves sellers only: its refusal says nothing about a vendor's roles.
    assert "participations-not-permitted" not in codes
    assert "region-selection-needed" in codes
    rows = {row["operation"]: row for row in report.stage("roles").data["rows"]}
    refused_by = report.stage("roles").data["refused_by"]
    assert refused_by, "listInventory (AWD, for vendors too) is refused: the vendor lacks AWD"
    assert all("vendor" in rows[operation]["audience"] for operation in refused_by)
    assert "getMarketplaceParticipations" not in refused_by


def test_a_restricted_role_alone_finds_the_region(amazon, home):
    report = _check(amazon, home, {"Tax Invoicing (Restricted)"}, "NA")
    assert report.stage("region").data["region"] == "NA"
    roles = report.stage("roles").data
    assert any("Tax Invoicing (Restricted)" in one_of for one_of in roles["holds_one_of"])
    _assert_no_credential_blamed(report)


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never answers."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held = []
    stop = False

    def accept():
        while not stop:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            held.append(connection)

    import threading

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop = True
    server.close()
    for connection in held:
        connection.close()


def test_the_first_region_that_lets_the_token_through_decides_without_waiting_for_the_others(
    amazon, home, silent_port
):
    """EU and FE never answer; NA lets the token through: the region is NA, and the
    regions that never answered are not waited for."""
    credentials = amazon.new_authorisation(["Product Listing"], "NA")
    environ = {**amazon.env, "HOME": str(home)}
    environ.update({field_spec(key).env: value for key, value in credentials.items()})
    silent = f"http://127.0.0.1:{silent_port}"
    environ["SPAPI_ENDPOINT_EU"] = silent
    environ["SPAPI_ENDPOINT_FE"] = silent
    report = check(environ=environ, timeout=30)
    region = report.stage("region").data
    assert region["region"] == "NA"
    assert set(region["answers"]) == {"NA"}, "EU and FE were waited for"
    assert report.ok, report.render_text()


def test_a_region_that_could_not_answer_keeps_the_roles_verdict_back(amazon, home, silent_port):
    """The token is NA's and NA never answers; EU and FE refuse every probe, as they refuse
    any other region's token. The app's roles are not blamed (NA might have let the token
    through), nor any credential: the report names what kept NA from answering."""
    credentials = amazon.new_authorisation(["Product Listing"], "NA")
    environ = {**amazon.env, "HOME": str(home)}
    environ.update({field_spec(key).env: value for key, value in credentials.items()})
    environ["SPAPI_ENDPOINT_NA"] = f"http://127.0.0.1:{silent_port}"
    # NA is waited out for the whole deadline; the mock's EU and FE answer well within it,
    # even on a loaded machine.
    report = check(environ=environ, timeout=2, retries=0)
    region = report.stage("region").data
    assert region["region"] is None
    assert {answer["kind"] for answer in region["answers"]["EU"] + region["answers"]["FE"]} == {
        "denied"
    }
    _assert_no_credential_blamed(report)
    codes = {f.code for f in report.findings if f.severity == "error"}
    assert "roles-deny-every-probe" not in codes and "app_roles" not in report.blamed
    assert codes == {"network-timeout"}, report.render_text()
    assert report.blamed == []


# What every region may answer that is no gateway's verdict on the token: Amazon's own texts
# (the catalogue's, from the failure-mode research), and a proxy's HTML page.
MISSING_AUTHENTICATION_TOKEN = entry("spapi-missing-authentication-token").texts[0]
SECURITY_TOKEN_EXPIRED = json.dumps(
    {
        "errors": [
            {
                "code": "Unauthorized",
                "message": entry("spapi-security-token-expired").texts[0],
                "details": "",
            }
        ]
    }
)


@pytest.fixture
def answering_server():
    """A loopback server that answers every request with one ``(status, type, body)``."""
    import http.server
    import threading

    servers = []

    def start(status, content_type, body):
        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):  # the test's output is the report, not a log
                pass

        class Server(http.server.ThreadingHTTPServer):
            # Every probe of every region connects at once: the default backlog of 5 could
            # refuse some on a loaded machine, and add a network finding to the verdict.
            request_queue_size = 128
            daemon_threads = True

        server = Server(("127.0.0.1", 0), Handler)
        # shutdown() waits for the loop's next poll (socketserver's default: 0.5 s).
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "content_type", "body", "code", "blamed"),
    [
        pytest.param(
            403,
            "application/json",
            MISSING_AUTHENTICATION_TOKEN,
            "spapi-missing-authentication-token",
            ["endpoint"],
            id="missing-authentication-token",
        ),
        pytest.param(
            403,
            "application/json",
            SECURITY_TOKEN_EXPIRED,
            "spapi-security-token-expired",
            ["amazon"],
            id="security-token-expired",
        ),
        pytest.param(
            403,
            "text/html",
            "<html><body><h1>403 Forbidden</h1></body></html>",
            "unexpected-response",
            [],
            id="html",
        ),
    ],
)
def test_the_same_unexplained_answer_from_every_region_blames_no_credential(
    amazon, home, answering_server, status, content_type, body, code, blamed
):
    """LWA issued the token; every region answers every probe with something that is no
    verdict on it: the report names the endpoint, Amazon or nothing, once for all regions,
    and neither the refresh token nor the app's roles."""
    credentials = amazon.new_authorisation(["Product Listing"], "NA")
    environ = {**amazon.env, "HOME": str(home)}
    environ.update({field_spec(key).env: value for key, value in credentials.items()})
    everywhere = answering_server(status, content_type, body)
    for region in REGION_CODES:
        environ[f"SPAPI_ENDPOINT_{region}"] = everywhere
    report = check(environ=environ)
    _assert_no_credential_blamed(report)
    assert report.blamed == blamed, report.render_text()
    errors = [f for f in report.findings if f.severity == "error"]
    # One finding for the answer, however many regions and probes gave it.
    assert [f.code for f in errors] == [code], report.render_text()
    assert "The same came from NA, EU, FE." in errors[0].message
    assert "refresh_token" not in report.verdict
