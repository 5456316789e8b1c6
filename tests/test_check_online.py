"""The online check against the mock Amazon: every scenario's verdict, every fault.

For each scenario of the mock the checker must report the findings that define it, blame
the right credential (or none), and print no secret in any rendering. Faults of every
kind, on every service, must end in a finding that blames no credential; 429 and 5xx are
retried (honouring Retry-After), 4xx never.
"""

from __future__ import annotations

import json
import socket

import canary_run
import pytest
from _servers import refusing_port
from _values import SECRET_FIELDS

from spapi_docs_helpers import check
from spapi_docs_helpers._catalogue import SUBJECTS, entry
from spapi_docs_helpers._probes import role_probes
from spapi_docs_helpers.mock import FAULT_KINDS, SCENARIOS, MockAmazon


def secret_values(amazon) -> list:
    values = [v for k, v in amazon.credentials.items() if k in SECRET_FIELDS and v]
    # The sample AWS keys are AWS's public example keys; their masked prefix is fine, but
    # the full values and any 12-character piece of them must still never show.
    return values


# Every rendering of a report, as the canary run collects them.
rendered = canary_run.render


@pytest.fixture
def run_check(tmp_path):
    def run(amazon, **options):
        environ = {**amazon.env, "HOME": str(tmp_path)}
        options.setdefault("timeout", 5.0)
        return check(environ=environ, **options)

    return run


def code_fields(report) -> set:
    return {(f.code, f.field) for f in report.findings}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_gets_its_verdict_and_leaks_nothing(name, run_check, assert_no_leak):
    scenario = SCENARIOS[name]
    with MockAmazon(scenario=name, aws=scenario.needs_aws) as amazon:
        report = run_check(amazon)
        secrets = secret_values(amazon)
    found = code_fields(report)
    for code, field in scenario.expect:
        assert (code, field) in found, f"{name}: expected {code} [{field}], got {sorted(found)}"
    expected_errors = [(c, f) for c, f in scenario.expect if entry(c).severity == "error"]
    assert report.ok == (not expected_errors), (name, report.verdict)
    # What an error blames: its credential field, else its subject (the app's roles...).
    blamed_expected = {f or entry(c).subject for c, f in expected_errors} - {None}
    # A finding may blame more than its own field: a swap both fields, invalid_client the
    # secret or the client identifier. Those it names in details["fields"].
    for finding in report.findings:
        if (finding.code, finding.field) in set(expected_errors):
            blamed_expected |= set((finding.details or {}).get("fields") or ())
    assert set(report.blamed) <= blamed_expected, (name, report.blamed)
    if blamed_expected:
        assert report.blamed and report.blamed[0] in blamed_expected, (name, report.blamed)
        assert SUBJECTS.get(report.blamed[0], report.blamed[0]) in report.verdict
    else:
        assert report.blamed == []
    assert report.endpoints.world == "mock" and report.endpoints.scenario == name
    assert_no_leak([rendered(report)], *secrets)


def test_happy_path_reports_region_marketplaces_and_roles(run_check):
    with MockAmazon(scenario="happy", aws=False) as amazon:
        report = run_check(amazon)
    assert report.ok and report.exit_code == 0
    region = report.stage("region")
    assert region.status == "ok" and region.data["region"] == "NA"
    countries = {m["country_code"] for m in region.data["marketplaces"] if m["participating"]}
    assert {"US", "CA", "MX"} <= countries
    roles = report.stage("roles").data
    access = {row["operation"]: row["access"] for row in roles["rows"]}
    # Every probe of the region was asked, and every answer waited for.
    assert list(access) == [item.operation for item in role_probes("NA")]
    # The app holds Product Listing, Selling Partner Insights, Inventory and Order Tracking,
    # Amazon Fulfillment and Finance and Accounting: no AWD, no Pricing, and it is no vendor.
    assert [op for op, got in access.items() if got == "denied"] == [
        "listInventory",
        "getCompetitiveSummary",
        "getPurchaseOrders",
    ]
    assert "unknown" not in access.values()
    assert set(roles["holds_none_of"]) == {"Amazon Warehousing and Distribution", "Pricing"}
    assert roles["account_type"] == "seller"
    data = json.loads(report.to_json())
    assert [s["name"] for s in data["stages"]] == [
        "load",
        "format",
        "lwa",
        "sts",
        "region",
        "roles",
    ]
    assert all(s["duration_ms"] is not None for s in data["stages"] if s["status"] != "skipped")


def test_region_probe_names_the_token_region_for_an_eu_seller(run_check):
    with MockAmazon(scenario="happy-eu", aws=False) as amazon:
        report = run_check(amazon)
    finding = next(f for f in report.findings if f.code == "region-selection-needed")
    assert "EU" in finding.message
    assert "Marketplaces." in finding.fix and 'region="EU"' in finding.fix


def test_a_default_marketplace_the_seller_does_not_sell_in_is_a_warning(run_check):
    with MockAmazon(scenario="happy", aws=False) as amazon:
        amazon.env["SP_API_DEFAULT_MARKETPLACE"] = "BR"
        report = run_check(amazon)
    finding = next(f for f in report.findings if f.code == "marketplace-not-participating")
    assert "BR" in finding.message and finding.severity == "warning"


def test_four_hundreds_are_never_retried(run_check):
    with MockAmazon(scenario="revoked-refresh-token", aws=False) as amazon:
        report = run_check(amazon)
        token_calls = [r for r in amazon.requests if r.service == "lwa"]
    assert report.stage("lwa").data["attempts"] == 1
    assert len(token_calls) == 1


# --------------------------------------------------------------------------- faults

TRANSPORT_VERDICTS = {
    "server-error": {"service-unavailable", "unexpected-response"},
    "unavailable": {"service-unavailable", "unexpected-response"},
    "throttled": {"rate-limited"},
    "connection-reset": {"network-reset"},
    "no-response": {"network-timeout"},
    "proxy-html": {"unexpected-response"},
    "truncated-json": {"unexpected-response"},
}


# One mock for the file's many checks, without Amazon's quotas: a dozen checks a second
# would drain a bucket such as searchCatalogItems' (2 a second, burst 2), and a check
# would meet a 429 left by the tests before it, which no user's single check meets. The
# quotas themselves are the mock's tests' part (tests/mock/test_spapi.py).
@pytest.fixture(scope="module")
def shared_mock():
    with MockAmazon(scenario="happy", aws=False, rate_limits=False) as amazon:
        yield amazon


@pytest.fixture
def mock(shared_mock):
    shared_mock.faults.clear()
    yield shared_mock
    shared_mock.faults.clear()


@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.parametrize("service", ["lwa", "spapi"])
def test_every_fault_ends_in_a_finding_that_blames_no_credential(
    service, kind, mock, run_check, assert_no_leak
):
    mock.faults.add(service, kind, times=None, retry_after=0)
    # A short deadline only where it is waited out (no answer at all). The other faults
    # answer at once: a deadline of 0.5 s there saves nothing, and on a loaded machine a
    # call that only waits for CPU can miss it and add a network-timeout to the verdict.
    report = run_check(mock, timeout=0.5 if kind == "no-response" else 5, retries=0)
    problems = [f for f in report.findings if f.severity == "error"]
    assert problems, report.render_text()
    assert {f.code for f in problems} <= TRANSPORT_VERDICTS[kind], report.render_text()
    assert all(f.field is None for f in problems)
    assert report.blamed == []
    assert "No credential is blamed" in report.verdict
    assert_no_leak([rendered(report)], *secret_values(mock))


@pytest.mark.parametrize(
    "kind", ["server-error", "unavailable", "throttled", "connection-reset", "no-response"]
)
def test_transient_faults_are_retried_until_the_answer_comes(kind, mock, run_check):
    mock.faults.add("lwa", kind, times=1, retry_after=0)
    # Only the silent server is waited out: the others answer at once, and a short timeout
    # would cut a real answer on a loaded machine (and count one attempt more).
    report = run_check(mock, timeout=0.5 if kind == "no-response" else 5)
    assert report.ok, report.render_text()
    assert report.stage("lwa").data["attempts"] == 2


def test_retry_after_is_honoured(mock, run_check):
    mock.faults.add("lwa", "throttled", times=1, retry_after=1)
    report = run_check(mock)
    assert report.ok and report.stage("lwa").data["attempts"] == 2
    # The second attempt came after the second Amazon asked for, not the 0.2 s back-off.
    assert report.stage("lwa").duration_ms >= 1000


def test_throttling_that_persists_is_reported_after_bounded_retries(mock, run_check):
    mock.faults.add(
        "spapi",
        "throttled",
        times=None,
        retry_after=0,
        path="/sellers/v1/marketplaceParticipations",
    )
    report = run_check(mock, timeout=1)
    finding = next(f for f in report.findings if f.code == "rate-limited")
    assert "after 3 attempts" in finding.message
    # The other probes found the region; the marketplaces could not be listed.
    region = report.stage("region")
    assert region.status == "ok" and region.data["marketplaces"] == []
    assert report.stage("roles").status == "failed"
    assert not report.ok and report.blamed == []


def test_a_secret_cut_short_on_the_way_is_not_blamed_on_the_secret(run_check, assert_no_leak):
    # botocore reads a 200 body that is not JSON as {"message": body}: an answer without
    # its SecretString, which would read as a secret that is not a JSON object.
    with MockAmazon(scenario="secrets-manager") as amazon:
        amazon.faults.add("secretsmanager", "truncated-json", times=None)
        report = run_check(amazon, retries=0)
        secrets = secret_values(amazon)
    codes = {f.code for f in report.findings}
    assert "secrets-manager-unavailable" in codes, report.render_text()
    assert "secrets-manager-invalid" not in codes
    finding = next(f for f in report.findings if f.code == "secrets-manager-unavailable")
    assert "is not JSON" in finding.message and "cut short" in finding.message
    assert report.blamed == []
    assert_no_leak([rendered(report)], *secrets)


def test_an_html_page_from_a_proxy_is_reported_as_what_it_is(mock, run_check):
    mock.faults.add("lwa", "proxy-html", times=None)
    report = run_check(mock, retries=0)
    finding = next(f for f in report.findings if f.code == "unexpected-response")
    assert "502" in finding.message and "text/html" in finding.message
    assert "Bad Gateway" in finding.message


# --------------------------------------------------------------------------- the network


def test_a_refused_connection_is_named(mock, run_check):
    with refusing_port() as port:
        mock.env["SPAPI_LWA_ENDPOINT"] = f"http://127.0.0.1:{port}/auth/o2/token"
        try:
            report = run_check(mock, retries=0)
        finally:
            mock.env["SPAPI_LWA_ENDPOINT"] = mock.lwa_url
    finding = next(f for f in report.findings if f.severity == "error")
    assert finding.code == "network-refused" and finding.field is None
    assert "refused" in finding.message


def test_a_name_that_does_not_resolve_is_named(mock, run_check, monkeypatch):
    # No DNS here: the resolver's own failure stands in for it, below requests and urllib3.
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "lwa.example.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    mock.env["SPAPI_LWA_ENDPOINT"] = "http://lwa.example.invalid/auth/o2/token"
    try:
        report = run_check(mock, retries=0)
    finally:
        mock.env["SPAPI_LWA_ENDPOINT"] = mock.lwa_url
    finding = next(f for f in report.findings if f.severity == "error")
    assert finding.code == "network-dns" and finding.field is None


def test_progress_is_told_of_every_stage(mock, run_check):
    events = []
    run_check(mock, progress=lambda event, name, payload: events.append((event, name)))
    assert ("start", "lwa") in events and ("done", "lwa") in events
    assert ("start", "region") in events and ("done", "roles") in events
    assert events.index(("start", "lwa")) < events.index(("done", "lwa"))
