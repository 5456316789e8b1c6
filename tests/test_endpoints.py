"""Which world a check talks to (live, sandbox, mock, custom), and endpoint settings that are
no URL. Every notebook's first output and every report's world line come from here."""

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


def test_the_mock_says_its_scenario():
    endpoints = endpoints_from_env(
        {"SPAPI_LWA_ENDPOINT": "http://127.0.0.1:9/auth/o2/token", "SPAPI_MOCK_SCENARIO": "happy"}
    )
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
