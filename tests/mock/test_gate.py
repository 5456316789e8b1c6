"""The gateway: checks in Amazon's order, operations gated by role, region and account type
as Amazon's role model says, grantless scopes, sandbox-only apps, and new authorisations
made while the mock runs."""

from __future__ import annotations

import random
import threading

import pytest
import requests
from mock_helpers import (
    ROTATION_SCOPE,
    TIMEOUT_S,
    access_token,
    grantless_token,
    lwa_exchange,
    sp_call,
)

from spapi_docs_helpers._roles import REGION_CODES, role_model
from spapi_docs_helpers.mock._spapi import ROUTES
from spapi_docs_helpers.mock._world import SCOPE_NOTIFICATIONS

DENIED = "Access to requested resource is denied."
KEY = {route.name: route.key for route in ROUTES if route.name != "getOrder"}
AISP = "Account Information Service Provider"


def _error(answer):
    (error,) = answer.json()["errors"]
    return answer.status_code, error["code"], error.get("details")


@pytest.fixture
def mock(start_mock):
    return start_mock(rate_limits=False)


def _token(amazon, roles, region, **options):
    creds = amazon.new_authorisation(roles, region, **options)
    answer = lwa_exchange(amazon, creds)
    assert answer.status_code == 200, answer.text
    partner = amazon.world.partners[amazon.world.authorization(creds["refresh_token"]).partner]
    return answer.json()["access_token"], partner


def _drop(*names):
    def change(path, params, body):
        return path, {k: v for k, v in params.items() if k not in names}, body

    return change


def _set(**values):
    def change(path, params, body):
        return path, {**params, **values}, body

    return change


def test_the_token_is_checked_before_roles_and_parameters(mock):
    _token_value, partner = _token(mock, {"Pricing"}, "NA")
    for token, details in (
        (None, "Access token is missing in the request header."),
        ("Atza|IwEBIgarbled", "The access token you provided is revoked, malformed or invalid."),
    ):
        # Searching the catalogue needs Product Listing, and marketplaceIds is left out.
        answer = sp_call(
            mock, KEY["searchCatalogItems"], token, partner=partner, changes=_drop("marketplaceIds")
        )
        assert _error(answer) == (403, "Unauthorized", details)


def test_permission_comes_before_marketplaces_parameters_and_identifiers(mock):
    token, partner = _token(mock, {"Pricing"}, "NA")
    # Not granted by the roles, with a missing parameter: the bare 403.
    answer = sp_call(
        mock, KEY["searchCatalogItems"], token, partner=partner, changes=_drop("keywords")
    )
    assert _error(answer) == (403, "Unauthorized", "")
    # Not granted, with an identifier that names nothing: the gateway answers, not the service.
    answer = sp_call(
        mock,
        KEY["getCatalogItem"],
        token,
        partner=partner,
        changes=lambda path, params, body: (path + "X", params, body),
    )
    assert _error(answer) == (403, "Unauthorized", "")
    # Another region's token with another region's marketplace: the region decides first.
    answer = sp_call(
        mock,
        KEY["getPricing"],
        token,
        partner=partner,
        region="EU",
        changes=_set(MarketplaceId="A1PA6795UKMFR9"),
    )
    assert _error(answer) == (403, "Unauthorized", "")


def test_marketplaces_come_before_parameters(mock):
    token, partner = _token(mock, {"Pricing"}, "NA")
    answer = sp_call(
        mock,
        KEY["getPricing"],
        token,
        partner=partner,
        changes=_set(MarketplaceId="A1PA6795UKMFR9", ItemType="Neither"),
    )
    assert _error(answer) == (
        403,
        "Unauthorized",
        "The marketplaces you provided are not valid for region.",
    )
    answer = sp_call(
        mock,
        KEY["getPricing"],
        token,
        partner=partner,
        changes=_set(MarketplaceId="A2Q3Y263D00KWC", ItemType="Neither"),  # BR: NA, not sold in
    )
    assert _error(answer) == (403, "Unauthorized", "")


def test_the_rate_limit_comes_before_parameters(start_mock):
    amazon = start_mock()
    token, partner = _token(amazon, {"Pricing"}, "NA")
    # getPricing's usage plan: burst 1.
    assert sp_call(amazon, KEY["getPricing"], token, partner=partner).status_code == 200
    answer = sp_call(amazon, KEY["getPricing"], token, partner=partner, changes=_drop("ItemType"))
    assert _error(answer)[:2] == (429, "QuotaExceeded")


def test_parameters_come_before_identifiers(mock):
    token, partner = _token(mock, {"Product Listing"}, "NA")
    answer = sp_call(
        mock,
        KEY["getCatalogItem"],
        token,
        partner=partner,
        changes=lambda path, params, body: (path + "X", {}, body),
    )
    assert answer.status_code == 400


def test_a_role_counts_only_in_the_regions_the_model_gives_it(mock):
    # Inventory and Order Tracking grants getMarketplaceParticipations in the Far East only.
    for region, status in (("FE", 200), ("NA", 403), ("EU", 403)):
        token, partner = _token(mock, {"Inventory and Order Tracking"}, region)
        answer = sp_call(
            mock, KEY["getMarketplaceParticipations"], token, partner=partner, region=region
        )
        assert answer.status_code == status, region
    # Account Information Service Provider grants the Finances v0 event groups in EU only.
    for region, status in (("EU", 200), ("NA", 403)):
        token, partner = _token(mock, {AISP}, region)
        answer = sp_call(
            mock, KEY["listFinancialEventGroups"], token, partner=partner, region=region
        )
        assert answer.status_code == status, region


def test_an_operation_of_one_region_does_not_exist_in_the_others(mock):
    for region in ("NA", "FE"):
        token, partner = _token(mock, {"Finance and Accounting"}, region)
        answer = sp_call(mock, KEY["getAccount"], token, partner=partner, region=region)
        assert (answer.status_code, answer.json()) == (
            403,
            {"message": DENIED, "code": "MissingAuthenticationToken"},
        )
    token, partner = _token(mock, {"Finance and Accounting"}, "EU")
    assert sp_call(mock, KEY["getAccount"], token, partner=partner, region="EU").status_code == 200


def test_an_operation_without_listed_regions_exists_in_every_region(mock):
    assert role_model().operation("searchOrders").regions is None
    for region in REGION_CODES:
        token, partner = _token(mock, {"Buyer Communication"}, region)
        answer = sp_call(mock, KEY["searchOrders"], token, partner=partner, region=region)
        assert answer.status_code == 200, region


def test_the_account_type_must_be_one_the_operation_serves(mock):
    roles = {"Amazon Fulfillment"}
    vendor, vendor_partner = _token(mock, roles, "NA", account_type="vendor")
    seller, seller_partner = _token(mock, roles, "NA")
    assert vendor_partner.account_type == "vendor"
    # Vendor Orders serves vendors; the FBA inventory serves sellers.
    for key, expected in (("getPurchaseOrders", (200, 403)), ("getInventorySummaries", (403, 200))):
        statuses = (
            sp_call(mock, KEY[key], vendor, partner=vendor_partner).status_code,
            sp_call(mock, KEY[key], seller, partner=seller_partner).status_code,
        )
        assert statuses == expected, key


def test_a_sandbox_only_app_is_denied_everything_on_production(mock):
    token, partner = _token(mock, role_model().roles, "NA", sandbox_only=True)
    for route in ROUTES:
        if route.operation.grantless:
            continue
        production = sp_call(mock, route.key, token, partner=partner)
        if route.operation.exists_in("NA") is not False:
            assert _error(production) == (403, "Unauthorized", ""), route.key
    sandbox = sp_call(
        mock, KEY["getMarketplaceParticipations"], token, partner=partner, sandbox=True
    )
    assert sandbox.status_code == 200
    # Its grantless calls too.
    creds = mock.new_authorisation(role_model().roles, "NA", sandbox_only=True)
    grantless = grantless_token(
        mock,
        SCOPE_NOTIFICATIONS,
        client_id=creds["lwa_app_id"],
        client_secret=creds["lwa_client_secret"],
    )
    answer = requests.get(
        mock.spapi_urls["NA"] + "/notifications/v1/destinations",
        headers={"x-amz-access-token": grantless},
        timeout=TIMEOUT_S,
    )
    assert _error(answer) == (403, "Unauthorized", "")
    answer = requests.get(
        mock.sandbox_urls["NA"] + "/notifications/v1/destinations",
        headers={"x-amz-access-token": grantless},
        timeout=TIMEOUT_S,
    )
    assert answer.status_code == 200


def test_grantless_operations_take_their_scope_and_no_seller_token(mock):
    destinations = "/notifications/v1/destinations"
    seller = access_token(mock)
    rotation = grantless_token(mock, ROTATION_SCOPE)
    notifications = grantless_token(mock, SCOPE_NOTIFICATIONS)
    for token, status in ((seller, 403), (rotation, 403), (notifications, 200)):
        answer = requests.get(
            mock.spapi_urls["EU"] + destinations,
            headers={"x-amz-access-token": token},
            timeout=TIMEOUT_S,
        )
        assert answer.status_code == status
    # And a grantless token is no seller token.
    partner = mock.world.partners["mock-seller-na"]
    answer = sp_call(mock, KEY["getMarketplaceParticipations"], notifications, partner=partner)
    assert _error(answer) == (403, "Unauthorized", "")


def test_random_role_sets_are_gated_as_the_role_model_says(mock):
    """The gate is the role model's ``Operation.granted``, for any role set, region and
    account type (the scenarios' hand-written wires check it against Amazon's documents)."""
    model = role_model()
    choices = random.Random(20261128)
    names = sorted(model.roles)
    routes = [r for r in ROUTES if not r.operation.grantless]
    for _ in range(6):
        account_type = choices.choice(("seller", "seller", "vendor"))
        roles = set(choices.sample(names, choices.randint(0, 4)))
        region = choices.choice(REGION_CODES)
        token, partner = _token(mock, roles, region, account_type=account_type)
        for route in choices.sample(routes, 10):
            answer = sp_call(mock, route.key, token, partner=partner, region=region)
            granted = route.operation.granted(roles, region, account_type)
            assert (answer.status_code != 403) == granted, (route.key, roles, region, account_type)


def test_new_authorisations_are_deterministic_and_distinct(start_mock):
    one = start_mock(rate_limits=False)
    other = start_mock(rate_limits=False)
    roles = {"Pricing", "Product Listing"}
    first = one.new_authorisation(roles, "EU")
    assert set(first) == {"lwa_app_id", "lwa_client_secret", "refresh_token"}
    assert one.new_authorisation(list(roles), "EU") == first
    assert other.new_authorisation(roles, "EU") == first
    elsewhere = one.new_authorisation(roles, "FE")
    assert elsewhere["lwa_app_id"] == first["lwa_app_id"]  # the same app ...
    assert elsewhere["refresh_token"] != first["refresh_token"]  # ... another authorisation
    assert one.new_authorisation({"Pricing"}, "EU")["lwa_app_id"] != first["lwa_app_id"]
    sandbox = one.new_authorisation(roles, "EU", sandbox_only=True)
    assert sandbox["lwa_app_id"] != first["lwa_app_id"]
    assert first["refresh_token"].startswith("Atzr|IwEBIMOCK")
    # The values work: LWA issues a token and EU lets Product Listing's calls through.
    token = lwa_exchange(one, first).json()["access_token"]
    answer = requests.get(
        one.spapi_urls["EU"] + "/sellers/v1/marketplaceParticipations",
        headers={"x-amz-access-token": token},
        timeout=TIMEOUT_S,
    )
    assert [p["marketplace"]["countryCode"] for p in answer.json()["payload"]][:1] == ["DE"]


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (({"Product Listings"}, "NA"), "Product Listings"),
        (("Pricing", "NA"), "string"),
        (({"Pricing"}, "US"), "region"),
        (({"Pricing"}, "NA", {"account_type": "buyer"}), "account_type"),
        (({"Pricing"}, "NA", {"sandbox_only": "yes"}), "sandbox_only"),
    ],
)
def test_new_authorisation_refuses_bad_arguments_by_name(mock, arguments, named):
    roles, region, *options = arguments
    with pytest.raises(ValueError, match=named):
        mock.new_authorisation(roles, region, **(options[0] if options else {}))


def test_new_authorisations_from_many_threads_agree(mock):
    role_sets = [frozenset(s) for s in ({"Pricing"}, {"Brand Analytics"}, {"Pricing", AISP})]
    results = []
    lock = threading.Lock()

    def worker(index):
        roles = role_sets[index % len(role_sets)]
        creds = mock.new_authorisation(roles, REGION_CODES[index % 3])
        with lock:
            results.append((roles, REGION_CODES[index % 3], creds))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_S)
    assert len(results) == 30
    by_arguments = {}
    for roles, region, creds in results:
        assert by_arguments.setdefault((roles, region), creds) == creds
    assert len({creds["lwa_app_id"] for creds in by_arguments.values()}) == len(role_sets)
    for creds in by_arguments.values():
        assert lwa_exchange(mock, creds).status_code == 200
