"""Every operation the mock serves answers in the shape of Amazon's model: a 200 payload of
the operation's schema, a 400 naming the parameter or body field at fault, a 404 for an
identifier that names nothing. Production and sandbox hosts, over loopback HTTP."""

from __future__ import annotations

import jsonschema
import pytest
import requests
from mock_helpers import TIMEOUT_S, grantless_token, lwa_exchange, sp_call, valid_calls

from spapi_docs_helpers._roles import role_model
from spapi_docs_helpers.mock._payloads import BUILDERS, Call
from spapi_docs_helpers.mock._spapi import ROUTES
from spapi_docs_helpers.mock._world import SCOPE_NOTIFICATIONS

SELLER_ROUTES = [r for r in ROUTES if not r.operation.grantless]
# Operations whose role model row lists no role: no token may call them (getSubscription's
# roles depend on the notification type, which the model does not record).
UNGRANTABLE = [r for r in SELLER_ROUTES if not r.operation.roles]
SERVED = [r for r in SELLER_ROUTES if r.operation.roles]


@pytest.fixture(scope="module")
def mock():
    from spapi_docs_helpers.mock import MockAmazon

    amazon = MockAmazon("happy", rate_limits=False).start()
    yield amazon
    amazon.stop()
    assert amazon.errors == []


@pytest.fixture(scope="module")
def callers(mock):
    """(account type, region) -> (access token, partner) of an app holding every role that
    account type can hold."""
    found = {}
    for account_type in ("seller", "vendor"):
        for region in ("NA", "EU"):
            creds = mock.new_authorisation(
                role_model().holdable(account_type), region, account_type=account_type
            )
            token = lwa_exchange(mock, creds).json()["access_token"]
            authorization = mock.world.authorization(creds["refresh_token"])
            found[(account_type, region)] = (token, mock.world.partners[authorization.partner])
    return found


def _caller(callers, route):
    account_type = "vendor" if route.operation.audience == {"vendor"} else "seller"
    region = "EU" if route.operation.regions == ("EU",) else "NA"
    token, partner = callers[(account_type, region)]
    return token, partner, region


@pytest.mark.parametrize("sandbox", [False, True], ids=["production", "sandbox"])
@pytest.mark.parametrize("route", SERVED, ids=lambda r: r.key)
def test_a_granted_call_answers_the_models_200_schema(
    mock, callers, validate_answer, route, sandbox
):
    token, partner, region = _caller(callers, route)
    answer = sp_call(mock, route.key, token, partner=partner, region=region, sandbox=sandbox)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    assert float(answer.headers["x-amzn-RateLimit-Limit"]) == route.rate
    validate_answer(route, answer)


@pytest.mark.parametrize("route", UNGRANTABLE, ids=lambda r: r.key)
def test_an_operation_whose_row_lists_no_role_is_denied_to_every_token(
    mock, callers, route, api_models
):
    for token, partner in callers.values():
        answer = sp_call(mock, route.key, token, partner=partner, region=partner.region)
        assert (answer.status_code, answer.json()["errors"][0]["details"]) == (403, "")
    # Its answer, were it granted, still has the model's shape.
    _name, operation, model = api_models[(route.method, route.path)]
    partner = next(iter(callers.values()))[1]
    path, query, _body = valid_calls(partner)[route.key]
    call = Call(
        partner,
        partner.region,
        ("ATVPDKIKX0DER",),
        route.pattern.fullmatch(path).groupdict(),
        {name: [value] for name, value in query.items()},
    )
    schema = {**operation["responses"]["200"]["schema"], "definitions": model["definitions"]}
    jsonschema.validate(BUILDERS[route.key](call), schema)


def test_get_destinations_answers_a_grantless_token_with_the_notifications_scope(
    mock, validate_answer
):
    (route,) = [r for r in ROUTES if r.name == "getDestinations"]
    token = grantless_token(mock, SCOPE_NOTIFICATIONS)
    answer = requests.get(
        mock.spapi_urls["FE"] + route.path,
        headers={"x-amz-access-token": token},
        timeout=TIMEOUT_S,
    )
    assert answer.status_code == 200
    validate_answer(route, answer)
    assert answer.json()["payload"][0]["resource"]["sqs"]["arn"].startswith("arn:aws:sqs:")


def _dropping(name):
    def change(path, params, body):
        params.pop(name)
        return path, params, body

    return change


# (route, the required query parameter left out)
MISSING = [(r, name) for r in SERVED for name in r.required]


@pytest.mark.parametrize(
    ("route", "name"), MISSING, ids=[f"{r.name}-{name}" for r, name in MISSING]
)
def test_a_missing_required_parameter_is_a_400_naming_it(
    mock, callers, validate_answer, route, name
):
    token, partner, region = _caller(callers, route)
    answer = sp_call(
        mock, route.key, token, partner=partner, region=region, changes=_dropping(name)
    )
    assert answer.status_code == 400
    validate_answer(route, answer)
    assert answer.json() == {
        "errors": [
            {"code": "InvalidInput", "message": f"Missing or invalid request parameters: [{name}]"}
        ]
    }


def _with(**changes):
    def change(path, params, body):
        params.update(changes)
        return path, {k: v for k, v in params.items() if v is not None}, body

    return change


# Conditions from the models' parameter descriptions: (operation, change, parameters named).
CONDITIONS = [
    ("getOrders", _with(CreatedAfter=None), "CreatedAfter, LastUpdatedAfter"),
    (
        "getOrders",
        _with(LastUpdatedAfter="2026-11-01T00:00:00Z"),
        "CreatedAfter, LastUpdatedAfter",
    ),
    ("getOrders", _with(MaxResultsPerPage="101"), "MaxResultsPerPage"),
    ("searchOrders", _with(createdAfter=None), "createdAfter, lastUpdatedAfter"),
    (
        "searchOrders",
        _with(lastUpdatedAfter="2026-11-01T00:00:00Z"),
        "createdAfter, lastUpdatedAfter",
    ),
    ("searchCatalogItems", _with(keywords=None), "identifiers, keywords"),
    (
        "searchCatalogItems",
        _with(identifiers="B0MOCK0001"),
        "identifiers, keywords, identifiersType",
    ),
    ("searchCatalogItems", _with(marketplaceIds="ATVPDKIKX0DER,A2EUQ1WTGCTBG2"), "marketplaceIds"),
    ("searchCatalogItems", _with(pageSize="21"), "pageSize"),
    ("searchListingsItems", _with(identifiersType="SKU"), "identifiers"),
    ("getInventorySummaries", _with(granularityType="Country"), "granularityType"),
    ("getReports", _with(reportTypes=None), "reportTypes, nextToken"),
    ("getFeeds", _with(feedTypes=None), "feedTypes, nextToken"),
    ("listTransactions", _with(postedAfter=None), "postedAfter, relatedIdentifierName"),
    ("getPricing", _with(Asins=None), "Asins"),
    ("getPricing", _with(ItemType="Sku"), "Skus"),
    ("getOrderMetrics", _with(granularityTimeZone=None), "granularityTimeZone"),
    ("getOrderMetrics", _with(granularity="Fortnight"), "granularity"),
    ("searchDefinitionsProductTypes", _with(itemName="Mug"), "keywords, itemName"),
]


@pytest.mark.parametrize(
    ("name", "change", "named"), CONDITIONS, ids=[f"{c[0]}-{c[2]}" for c in CONDITIONS]
)
def test_a_documented_condition_is_a_400_naming_its_parameters(
    mock, callers, validate_answer, name, change, named
):
    (route,) = [r for r in SERVED if r.name == name]
    token, partner, region = _caller(callers, route)
    answer = sp_call(mock, route.key, token, partner=partner, region=region, changes=change)
    assert answer.status_code == 400, answer.text
    validate_answer(route, answer)
    message = answer.json()["errors"][0]["message"]
    assert message == f"Missing or invalid request parameters: [{named}]"


def _body(body):
    def change(path, params, _body):
        return path, params, body

    return change


BODIES = [
    ("createRestrictedDataToken", None, "body"),
    ("createRestrictedDataToken", {}, "restrictedResources"),
    ("createRestrictedDataToken", {"restrictedResources": []}, "restrictedResources"),
    (
        "createRestrictedDataToken",
        {"restrictedResources": [{"method": "FETCH", "path": "/orders/v0/orders"}]},
        "restrictedResources[0].method",
    ),
    (
        "getCompetitiveSummary",
        {"requests": [{"asin": "B0MOCK0001", "method": "GET", "uri": "/x"}]},
        "requests[0].marketplaceId, requests[0].includedData",
    ),
    ("getFeaturedOfferExpectedPriceBatch", {"requests": "all"}, "requests"),
    (
        "getMyFeesEstimateForASIN",
        {"FeesEstimateRequest": {"MarketplaceId": "ATVPDKIKX0DER", "Identifier": "x"}},
        "FeesEstimateRequest.PriceToEstimateFees",
    ),
]


@pytest.mark.parametrize(("name", "body", "named"), BODIES, ids=[b[2] for b in BODIES])
def test_a_missing_or_invalid_body_is_a_400_naming_the_field(
    mock, callers, validate_answer, name, body, named
):
    (route,) = [r for r in SERVED if r.name == name]
    token, partner, region = _caller(callers, route)
    answer = sp_call(mock, route.key, token, partner=partner, region=region, changes=_body(body))
    assert answer.status_code == 400, answer.text
    validate_answer(route, answer)
    assert answer.json()["errors"][0]["message"] == (
        f"Missing or invalid request parameters: [{named}]"
    )


def test_a_body_that_is_not_json_is_a_400(mock, callers):
    (route,) = [r for r in SERVED if r.name == "createRestrictedDataToken"]
    token, _partner, _region = _caller(callers, route)
    answer = requests.post(
        mock.spapi_urls["NA"] + route.path,
        data=b"restrictedResources=all",
        headers={"x-amz-access-token": token, "Content-Type": "application/json"},
        timeout=TIMEOUT_S,
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"] == "Missing or invalid request parameters: [body]"


# Routes whose path names a resource: the identifier swapped for one that names nothing.
UNKNOWN_IDS = [r for r in SERVED if "{" in r.path and r.name != "searchListingsItems"]


@pytest.mark.parametrize("route", UNKNOWN_IDS, ids=lambda r: r.key)
def test_an_identifier_that_names_nothing_is_a_404_from_the_service(
    mock, callers, validate_answer, route
):
    token, partner, region = _caller(callers, route)

    def unknown(path, params, body):
        last = path.rsplit("/", 1)
        if route.name == "getMyFeesEstimateForASIN":
            return path.replace("B0MOCK0001", "B0NOTHERE0"), params, body
        return f"{last[0]}/NO-SUCH-ITEM", params, body

    answer = sp_call(mock, route.key, token, partner=partner, region=region, changes=unknown)
    assert answer.status_code == 404, answer.text
    validate_answer(route, answer)
    assert answer.json()["errors"][0]["code"] == "NotFound"
    # The sandbox answers any identifier with its canned payload.
    answer = sp_call(
        mock, route.key, token, partner=partner, region=region, sandbox=True, changes=unknown
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("name", ["getListingsItem", "searchListingsItems"])
def test_another_sellers_id_in_a_listings_path_is_a_400(mock, callers, name):
    (route,) = [r for r in SERVED if r.name == name]
    token, partner, region = _caller(callers, route)

    def other_seller(path, params, body):
        return path.replace(partner.selling_partner_id, "AMOCKSOMEONEELSE"), params, body

    answer = sp_call(mock, route.key, token, partner=partner, region=region, changes=other_seller)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"] == (
        "Missing or invalid request parameters: [sellerId]"
    )


def test_a_restricted_data_token_is_fake_stable_and_differs_per_resource(mock, callers):
    (route,) = [r for r in SERVED if r.name == "createRestrictedDataToken"]
    token, partner, region = _caller(callers, route)
    first = sp_call(mock, route.key, token, partner=partner, region=region).json()
    again = sp_call(mock, route.key, token, partner=partner, region=region).json()
    assert first == again
    assert first["restrictedDataToken"].startswith("Atz.sprdt|IwEBIMOCK")
    assert first["expiresIn"] == 3600

    def other(path, params, body):
        body["restrictedResources"][0]["path"] = "/orders/v0/orders/000-0000000-0000000/address"
        return path, params, body

    changed = sp_call(mock, route.key, token, partner=partner, region=region, changes=other)
    assert changed.json()["restrictedDataToken"] != first["restrictedDataToken"]
