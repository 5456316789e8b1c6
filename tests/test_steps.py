"""The notebook-facing steps: results that display well, errors that carry the verdict."""

from __future__ import annotations

import pytest

from spapi_docs_helpers import (
    LwaError,
    SellingPartnerApiError,
    StsError,
    assume_role,
    caller_identity,
    exchange_refresh_token,
    get_grantless_token,
    probe_regions,
    probe_roles,
)
from spapi_docs_helpers.mock import MockAmazon


@pytest.fixture
def amazon_env(monkeypatch):
    """Start a mock and point os.environ at it, as `source .mock.env` would."""
    mocks = []

    def start(scenario, **kwargs):
        amazon = MockAmazon(scenario=scenario, **kwargs).start()
        mocks.append(amazon)
        for name, value in amazon.env.items():
            monkeypatch.setenv(name, value)
        return amazon

    yield start
    for amazon in mocks:
        amazon.stop()


def test_the_exchange_returns_a_masked_token_that_works(amazon_env, assert_no_leak):
    amazon = amazon_env("happy", aws=False)
    token = exchange_refresh_token()
    assert token.ok and token.access_token.startswith("Atza|")
    assert token.expires_in == 3600
    shown = [repr(token), token.summary(), token._repr_html_(), str(token.as_dict())]
    assert_no_leak(shown, token.access_token, *amazon.credentials.values())
    regions = probe_regions(token)
    assert regions.region == "NA"
    assert "US" in regions.summary() and "<table>" in regions._repr_html_()
    table = probe_roles(token)
    assert table.region == "NA" and "getMarketplaceParticipations" in table.granted
    assert "may call" in table.summary() and "<table>" in table._repr_html_()


def test_the_region_alone_costs_one_call_per_region(amazon_env):
    # Each SP-API call counts against the app's quota for its operation: the region and the
    # marketplaces come from getMarketplaceParticipations alone when the roles allow it.
    amazon = amazon_env("happy", aws=False)
    token = exchange_refresh_token()
    before = len(amazon.requests)
    regions = probe_regions(token)
    asked = sorted((r.server, r.path) for r in amazon.requests[before:])
    participations = "/sellers/v1/marketplaceParticipations"
    assert asked == [(f"spapi-{code}", participations) for code in ("EU", "FE", "NA")]
    assert regions.region == "NA"
    assert [m["country_code"] for m in regions.participating] == ["US", "CA", "MX"]


def test_a_rejected_refresh_token_raises_an_lwa_error_with_the_verdict(amazon_env, assert_no_leak):
    amazon = amazon_env("revoked-refresh-token", aws=False)
    with pytest.raises(LwaError) as caught:
        exchange_refresh_token()
    error = caught.value
    assert error.finding.code == "lwa-refresh-token-rejected"
    assert error.finding.field == "refresh_token"
    assert "lwa-refresh-token-rejected" in str(error) and "Fix:" in str(error)
    assert_no_leak([str(error), repr(error), repr(error.result)], *amazon.credentials.values())


def test_a_role_missing_shows_in_the_role_table(amazon_env):
    amazon_env("role-missing", aws=False)
    token = exchange_refresh_token()
    table = probe_roles(token)
    assert "searchCatalogItems" in table.denied
    assert "Product Listing" in table.evidence["holds_none_of"]
    html = table._repr_html_()
    assert "holds none of" in html
    assert "Product Listing" in html.split("holds none of", 1)[1].split("</li>", 1)[0]
    # Every statement of what the answers prove is shown, in words.
    assert table.evidence["holds_one_of"]
    for roles in table.evidence["holds_one_of"]:
        assert ", ".join(roles) in html


def test_no_region_letting_the_token_through_raises_an_spapi_error(amazon_env):
    amazon_env("no-roles", aws=False)
    token = exchange_refresh_token()
    with pytest.raises(SellingPartnerApiError) as caught:
        probe_regions(token)
    assert caught.value.finding.code == "roles-deny-every-probe"
    assert caught.value.finding.subject == "app_roles"


def test_grantless_token_for_the_rotation_scope(amazon_env, assert_no_leak):
    amazon = amazon_env("happy", aws=False)
    token = get_grantless_token("sellingpartnerapi::client_credential:rotation")
    assert token.ok and token.scope == "sellingpartnerapi::client_credential:rotation"
    assert_no_leak(
        [repr(token), token._repr_html_()], token.access_token, *amazon.credentials.values()
    )
    with pytest.raises(LwaError) as caught:
        get_grantless_token("sellingpartnerapi::migrations")
    assert caught.value.finding.code == "lwa-invalid-scope"


def test_legacy_steps_name_the_caller_and_assume_the_role(amazon_env, assert_no_leak):
    amazon = amazon_env("happy-legacy")
    identity = caller_identity()
    assert identity.arn.endswith(":user/sp-api-user") and not identity.is_root
    role = assume_role()
    assert role.ok and ":assumed-role/" in role.assumed_role_arn
    assert_no_leak(
        [repr(role), role._repr_html_(), repr(identity)],
        *[v for k, v in amazon.credentials.items() if k != "role_arn" and v],
    )


def test_a_user_without_the_sts_policy_gets_an_sts_error(amazon_env):
    amazon_env("user-without-assume-role")
    with pytest.raises(StsError) as caught:
        assume_role()
    assert caught.value.finding.code == "sts-assume-role-denied"
    # The role ARN is right here: the user lacks the policy. AWS cannot tell them apart.
    assert caught.value.finding.field is None
    assert caught.value.finding.subject == "aws_iam"
