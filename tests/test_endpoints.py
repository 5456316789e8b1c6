"""Which world a check talks to (live, sandbox, mock, custom), and endpoint settings that are
no URL, send secrets in plain HTTP, or meet an unusable CA bundle or proxy. Every notebook's
first output and every report's world line come from here.

The world is decided on parsed host names compared exactly, and "the mock" needs loopback
endpoints as well as SPAPI_MOCK_SCENARIO (adversarial review, findings 7, 15, 23 and 26)."""

from __future__ import annotations

import pytest
from _values import GOOD_ENV, codes

from spapi_docs_helpers import check, endpoints_from_env

AMAZON_LWA = "https://api.amazon.com/auth/o2/token"


def test_no_override_is_amazon_live():
    endpoints = endpoints_from_env({})
    assert endpoints.world == "live"
    assert endpoints.lwa == AMAZON_LWA
    assert endpoints.spapi == {
        "NA": "https://sellingpartnerapi-na.amazon.com",
        "EU": "https://sellingpartnerapi-eu.amazon.com",
        "FE": "https://sellingpartnerapi-fe.amazon.com",
    }
    description = endpoints.describe()
    assert description.startswith("World: Amazon (live)\n")
    assert "sandbox" not in description
    assert repr(endpoints) == description


def test_sandbox_is_amazon_live_on_the_sandbox_hosts():
    endpoints = endpoints_from_env({}, sandbox=True)
    assert endpoints.world == "live" and endpoints.sandbox
    assert endpoints.spapi["EU"] == "https://sandbox.sellingpartnerapi-eu.amazon.com"
    assert endpoints.describe().startswith("World: Amazon (live) — sandbox hosts\n")


def test_an_overridden_lwa_url_is_custom():
    endpoints = endpoints_from_env({"SPAPI_LWA_ENDPOINT": "https://lwa.example.test/auth/o2/token"})
    assert endpoints.world == "custom"
    description = endpoints.describe()
    assert description.startswith("World: custom endpoints")
    assert "https://lwa.example.test/auth/o2/token" in description


def test_an_overridden_sp_api_host_is_custom():
    endpoints = endpoints_from_env({"SPAPI_ENDPOINT_NA": "http://127.0.0.1:9/"})
    assert endpoints.world == "custom"
    assert endpoints.spapi["NA"] == "http://127.0.0.1:9"


MOCK_ENV = {
    "SPAPI_LWA_ENDPOINT": "http://127.0.0.1:9/auth/o2/token",
    **{f"SPAPI_ENDPOINT_{region}": f"http://localhost:9/{region}" for region in ("NA", "EU", "FE")},
}


def test_the_mock_says_its_scenario():
    endpoints = endpoints_from_env({**MOCK_ENV, "SPAPI_MOCK_SCENARIO": "happy"})
    assert endpoints.world == "mock"
    assert endpoints.describe().startswith("World: the mock Amazon, scenario 'happy'\n")
    assert "World: the mock Amazon, scenario &#x27;happy&#x27;" in endpoints._repr_html_()


@pytest.mark.parametrize(
    "name", ["SPAPI_LWA_ENDPOINT", "SPAPI_ENDPOINT_EU", "AWS_ENDPOINT_URL_STS"]
)
def test_an_endpoint_setting_that_is_no_url_is_reported_and_nothing_is_sent(name, isolated_machine):
    environ = {**GOOD_ENV, "HOME": str(isolated_machine), name: "127.0.0.1:8000"}
    assert endpoints_from_env(environ).invalid == {name: "127.0.0.1:8000"}
    report = check(environ=environ, timeout=1, retries=0)
    assert "endpoint-url-invalid" in codes(report)
    finding = next(f for f in report.findings if f.code == "endpoint-url-invalid")
    assert name in finding.message and finding.field is None
    assert report.stage("lwa").status == "skipped"
    assert not report.ok


# --------------------------------------------------------------------------- the world, exactly


def test_a_leftover_mock_scenario_with_amazons_hosts_is_live():
    endpoints = endpoints_from_env({"SPAPI_MOCK_SCENARIO": "happy"})
    assert endpoints.world == "live"
    assert endpoints.describe().startswith("World: Amazon (live)\n")
    assert endpoints.as_dict()["scenario"] is None


def test_a_mock_scenario_with_one_endpoint_elsewhere_is_custom():
    environ = {**MOCK_ENV, "SPAPI_MOCK_SCENARIO": "happy", "SPAPI_ENDPOINT_FE": "https://x.test"}
    assert endpoints_from_env(environ).world == "custom"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/ok/x/sellingpartnerapi-na.amazon.com",
        "https://evil.test/sellingpartnerapi-na.amazon.com",
        "https://sellingpartnerapi-na.amazon.com.evil.test",
        "https://notsellingpartnerapi-na.amazon.com",
        "http://sellingpartnerapi-na.amazon.com",
        "https://user:pw@sellingpartnerapi-na.amazon.com",
        "https://sellingpartnerapi-na.amazon.com:8443",
    ],
)
def test_a_url_that_merely_ends_like_amazons_is_not_live(url):
    assert endpoints_from_env({"SPAPI_ENDPOINT_NA": url}).world == "custom"


def test_an_lwa_url_ending_like_amazons_is_not_live():
    url = "https://api.amazon.com.evil.test/auth/o2/token"
    assert endpoints_from_env({"SPAPI_LWA_ENDPOINT": url}).world == "custom"


def test_amazons_own_url_written_out_is_still_live():
    environ = {
        "SPAPI_LWA_ENDPOINT": AMAZON_LWA,
        "SPAPI_ENDPOINT_EU": "https://sellingpartnerapi-eu.amazon.com/",
    }
    assert endpoints_from_env(environ).world == "live"


def test_endpoint_urls_are_shown_without_their_credentials():
    environ = {
        "SPAPI_LWA_ENDPOINT": "http://user:S3cr3tPassw0rd@127.0.0.1:9/auth/o2/token?client_secret=s3cr3t"
    }
    endpoints = endpoints_from_env(environ)
    shown = [
        endpoints.describe(),
        repr(endpoints),
        endpoints._repr_html_(),
        str(endpoints.as_dict()),
    ]
    for text in shown:
        assert "S3cr3tPassw0rd" not in text and "s3cr3t" not in text
    assert "http://user:***@127.0.0.1:9/auth/o2/token?client_secret=***" in shown[0]
    # The real URL is still the one called.
    assert endpoints.lwa == environ["SPAPI_LWA_ENDPOINT"]


# --------------------------------------------------------------------------- settings that stop every call


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("http://127.0.0.1:99999/x", "the port 99999 is not between 1 and 65535"),
        ("http://127.0.0.1:abc/x", "the port 'abc' is not a number"),
        ("http://127.0.0.1:0/x", "the port 0 is not between 1 and 65535"),
        ("http://" + "a" * 64 + ".test/x", "64 characters long (at most 63)"),
        ("http://" + "a." * 130 + "test/x", "(at most 253)"),
        ("http://a..test/x", "two dots in a row"),
        ("http://host/x y", "a space or a control character"),
        ("ftp://host/x", "http:// or https://"),
        ("http:///x", "names no host"),
    ],
)
def test_a_url_problem_is_named_with_its_cause(value, why, isolated_machine):
    environ = {**GOOD_ENV, "HOME": str(isolated_machine), "SPAPI_LWA_ENDPOINT": value}
    report = check(environ=environ, timeout=1, retries=0)
    finding = next(f for f in report.findings if f.code == "endpoint-url-invalid")
    assert why in finding.message and "SPAPI_LWA_ENDPOINT" in finding.message
    assert report.stage("lwa").status == "skipped"
    assert "An answer nothing in the catalogue explains" not in report.verdict


def test_secrets_over_plain_http_to_another_machine_are_a_warning(isolated_machine):
    # TEST-NET-1 (RFC 5737): reserved for documentation; nothing answers there.
    environ = {
        **GOOD_ENV,
        "HOME": str(isolated_machine),
        "SPAPI_LWA_ENDPOINT": "http://192.0.2.1:9/auth/o2/token",
    }
    report = check(environ=environ, timeout=0.2, retries=0)
    finding = next(f for f in report.findings if f.code == "endpoint-plain-http")
    assert finding.severity == "warning"
    assert "LWA" in finding.message and "client secret" in finding.message


def test_plain_http_on_this_machine_is_no_warning(isolated_machine):
    environ = {**GOOD_ENV, "HOME": str(isolated_machine), **MOCK_ENV}
    report = check(environ=environ, timeout=0.2, retries=0)
    assert "endpoint-plain-http" not in codes(report)


def test_an_unusable_ca_bundle_stops_the_calls_with_its_fix(isolated_machine, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/corporate-ca.pem")
    report = check(environ={**GOOD_ENV, "HOME": str(isolated_machine)}, timeout=1, retries=0)
    finding = next(f for f in report.findings if f.code == "ca-bundle-unusable")
    assert (
        "REQUESTS_CA_BUNDLE" in finding.message
        and "/nonexistent/corporate-ca.pem" in finding.message
    )
    assert report.stage("lwa").status == "skipped"
    assert report.blamed == [] and "No credential is blamed" in report.verdict


def test_an_unusable_proxy_stops_the_calls_with_its_fix(isolated_machine, monkeypatch):
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "::::")
    report = check(environ={**GOOD_ENV, "HOME": str(isolated_machine)}, timeout=1, retries=0)
    finding = next(f for f in report.findings if f.code == "proxy-invalid")
    assert "HTTPS_PROXY" in finding.message
    assert report.stage("lwa").status == "skipped" and report.blamed == []


def test_progress_listeners_get_the_shown_url(isolated_machine):
    url = "http://user:S3cr3tPassw0rd@127.0.0.1:9/auth/o2/token?client_secret=s3cr3t"
    environ = {**GOOD_ENV, "HOME": str(isolated_machine), "SPAPI_LWA_ENDPOINT": url}
    said = []
    check(environ=environ, timeout=0.5, retries=0, progress=lambda *event: said.append(event))
    started = [payload for event, name, payload in said if event == "start" and name == "lwa"]
    assert started == [
        "exchanging the refresh token at http://user:***@127.0.0.1:9/auth/o2/token?client_secret=***"
    ]
