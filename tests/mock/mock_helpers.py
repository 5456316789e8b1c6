"""Client-side helpers the mock's tests share: plain HTTP and boto3 calls, each with a
timeout, and the tables several test files read.

boto3 and botocore are imported by the helpers that make AWS clients, not here: every
pytest-xdist worker imports every test module to collect it, and most of the tests that
import this module never talk to AWS (a third of a second per worker saved)."""

from __future__ import annotations

import weakref

import requests

# Every client call in these tests has a timeout, so no fault can hang the suite.
TIMEOUT_S = 5
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"
PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"

# One cheap read per common role (the five roles of the happy app), and the top-level keys
# of its answer in Amazon's model.
ROLE_PROBES = {
    "Inventory and Order Tracking": ("Orders API v0:getOrders", {"payload"}),
    "Product Listing": (
        "Catalog Items API v2022-04-01:searchCatalogItems",
        {"numberOfResults", "pagination", "refinements", "items"},
    ),
    "Amazon Fulfillment": ("FBA Inventory API v1:getInventorySummaries", {"payload", "pagination"}),
    "Selling Partner Insights": ("Reports API v2021-06-30:getReports", {"reports"}),
    "Finance and Accounting": ("Finances API v0:listFinancialEventGroups", {"payload"}),
}


def valid_calls(partner) -> dict:
    """For every operation the mock serves (role model key), a call Amazon's model accepts,
    about ``partner``'s resources: (path, query parameters, JSON body or None). The
    parameters are the model's required ones and the ones its descriptions require."""
    from spapi_docs_helpers._endpoints import MARKETPLACES
    from spapi_docs_helpers.mock._payloads import CATALOGUE_ASIN, LISTING_SKU, NOTIFICATION_TYPE

    marketplace = MARKETPLACES[partner.marketplaces[0]].marketplace_id
    currency = {"NA": "USD", "EU": "EUR", "FE": "JPY"}[partner.region]
    since = "2026-11-01T00:00:00Z"
    return {
        "Sellers API v1:getMarketplaceParticipations": (
            "/sellers/v1/marketplaceParticipations",
            {},
            None,
        ),
        "Sellers API v1:getAccount": ("/sellers/v1/account", {}, None),
        "Orders API v0:getOrders": (
            "/orders/v0/orders",
            {"MarketplaceIds": marketplace, "CreatedAfter": since},
            None,
        ),
        "Orders API v0:getOrder": (f"/orders/v0/orders/{partner.order_id}", {}, None),
        "Orders API v2026-01-01:searchOrders": (
            "/orders/2026-01-01/orders",
            {"marketplaceIds": marketplace, "createdAfter": since},
            None,
        ),
        "Orders API v2026-01-01:getOrder": (
            f"/orders/2026-01-01/orders/{partner.order_id}",
            {},
            None,
        ),
        "Catalog Items API v2022-04-01:searchCatalogItems": (
            "/catalog/2022-04-01/items",
            {"marketplaceIds": marketplace, "keywords": "mug"},
            None,
        ),
        "Catalog Items API v2022-04-01:getCatalogItem": (
            f"/catalog/2022-04-01/items/{CATALOGUE_ASIN}",
            {"marketplaceIds": marketplace},
            None,
        ),
        "Listings Items API v2021-08-01:getListingsItem": (
            f"/listings/2021-08-01/items/{partner.selling_partner_id}/{LISTING_SKU}",
            {"marketplaceIds": marketplace},
            None,
        ),
        "Listings Items API v2021-08-01:searchListingsItems": (
            f"/listings/2021-08-01/items/{partner.selling_partner_id}",
            {"marketplaceIds": marketplace},
            None,
        ),
        "FBA Inventory API v1:getInventorySummaries": (
            "/fba/inventory/v1/summaries",
            {
                "granularityType": "Marketplace",
                "granularityId": marketplace,
                "marketplaceIds": marketplace,
            },
            None,
        ),
        "Reports API v2021-06-30:getReports": (
            "/reports/2021-06-30/reports",
            {"reportTypes": "GET_MERCHANT_LISTINGS_ALL_DATA"},
            None,
        ),
        "Feeds API v2021-06-30:getFeeds": (
            "/feeds/2021-06-30/feeds",
            {"feedTypes": "JSON_LISTINGS_FEED"},
            None,
        ),
        "Finances API v0:listFinancialEventGroups": ("/finances/v0/financialEventGroups", {}, None),
        "Finances API v2024-06-19:listTransactions": (
            "/finances/2024-06-19/transactions",
            {"postedAfter": since},
            None,
        ),
        "Product Pricing API v0:getPricing": (
            "/products/pricing/v0/price",
            {"MarketplaceId": marketplace, "ItemType": "Asin", "Asins": CATALOGUE_ASIN},
            None,
        ),
        "Product Pricing API v2022-05-01:getCompetitiveSummary": (
            "/batches/products/pricing/2022-05-01/items/competitiveSummary",
            {},
            {
                "requests": [
                    {
                        "asin": CATALOGUE_ASIN,
                        "marketplaceId": marketplace,
                        "includedData": ["featuredBuyingOptions", "referencePrices"],
                        "method": "GET",
                        "uri": "/products/pricing/2022-05-01/items/competitiveSummary",
                    }
                ]
            },
        ),
        "Product Pricing API v2022-05-01:getFeaturedOfferExpectedPriceBatch": (
            "/batches/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice",
            {},
            {
                "requests": [
                    {
                        "uri": "/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice",
                        "method": "GET",
                        "marketplaceId": marketplace,
                        "sku": LISTING_SKU,
                    }
                ]
            },
        ),
        "Notifications API v1:getSubscription": (
            f"/notifications/v1/subscriptions/{NOTIFICATION_TYPE}",
            {},
            None,
        ),
        "Notifications API v1:getDestinations": ("/notifications/v1/destinations", {}, None),
        "Application Management API v2023-11-30:rotateApplicationClientSecret": (
            "/applications/2023-11-30/clientSecret",
            {},
            None,
        ),
        "Tokens API v2021-03-01:createRestrictedDataToken": (
            "/tokens/2021-03-01/restrictedDataToken",
            {},
            {
                "restrictedResources": [
                    {
                        "method": "GET",
                        "path": f"/orders/v0/orders/{partner.order_id}",
                        "dataElements": ["buyerInfo", "shippingAddress"],
                    }
                ]
            },
        ),
        "Data Kiosk API v2023-11-15:getQueries": ("/dataKiosk/2023-11-15/queries", {}, None),
        "Vendor Retail Procurement Orders API v1:getPurchaseOrders": (
            "/vendor/orders/v1/purchaseOrders",
            {},
            None,
        ),
        "Vendor Retail Procurement Orders API v1:getPurchaseOrdersStatus": (
            "/vendor/orders/v1/purchaseOrdersStatus",
            {},
            None,
        ),
        "Amazon Warehousing and Distribution API v2024-05-09:listInventory": (
            "/awd/2024-05-09/inventory",
            {},
            None,
        ),
        "Product Type Definitions API v2020-09-01:searchDefinitionsProductTypes": (
            "/definitions/2020-09-01/productTypes",
            {"marketplaceIds": marketplace, "keywords": "mug"},
            None,
        ),
        "Sales API v1:getOrderMetrics": (
            "/sales/v1/orderMetrics",
            {
                "marketplaceIds": marketplace,
                "interval": "2026-11-01T00:00:00Z--2026-11-08T00:00:00Z",
                "granularity": "Day",
                "granularityTimeZone": "UTC",
            },
            None,
        ),
        "Product Fees API v0:getMyFeesEstimateForASIN": (
            f"/products/fees/v0/items/{CATALOGUE_ASIN}/feesEstimate",
            {},
            {
                "FeesEstimateRequest": {
                    "MarketplaceId": marketplace,
                    "IsAmazonFulfilled": False,
                    "PriceToEstimateFees": {
                        "ListingPrice": {"CurrencyCode": currency, "Amount": 24.99}
                    },
                    "Identifier": "mock-estimate-1",
                }
            },
        ),
    }


def operation_key(name: str) -> str:
    """The role model key of an operation named as a Wire names it ("getOrders", or
    "Orders API v0:getOrder" where the name is ambiguous)."""
    from spapi_docs_helpers._roles import role_model

    if ":" in name:
        return role_model().operation(*reversed(name.split(":", 1))).key
    return role_model().operation(name).key


# mock -> the helpers' HTTP client for it (see client()).
_CLIENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def client(amazon) -> requests.Session:
    """The helpers' HTTP client for ``amazon``: one session per mock, whose connections are
    kept alive between calls, and which reads nothing from the environment (trust_env off).

    What the mock answers does not depend on the connection a request came over
    (test_malformed.py and test_burst.py cover kept-alive connections themselves), and the
    mock is on loopback: no proxy, ~/.netrc entry or CA bundle of the environment applies.
    A fresh session per call cost more than the call itself: a new connection (and a new
    thread in the mock), and requests' scans of the environment on every call. The session
    is closed when its mock is collected; a test that needs a fresh connection uses
    ``requests`` directly."""
    session = _CLIENTS.get(amazon)
    if session is None:
        session = requests.Session()
        session.trust_env = False
        weakref.finalize(amazon, session.close)
        _CLIENTS[amazon] = session
    return session


def partner_of(amazon, credentials=None):
    """The selling partner the credentials' refresh token was issued for."""
    refresh_token = (credentials or amazon.credentials)["refresh_token"]
    authorization = amazon.world.authorization(refresh_token)
    return amazon.world.partners[authorization.partner]


def no_retries(timeout=TIMEOUT_S):
    """botocore's configuration for one attempt, with ``timeout`` to connect and per read."""
    import botocore.config  # lazy: see the module docstring

    return botocore.config.Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=timeout,
        read_timeout=timeout,
    )


def aws_client(amazon, service, access_key, secret_key, session_token=None, *, timeout=None):
    """A boto3 client of the mock's ``service`` ("sts" or "secretsmanager"), without
    retries, with the given keys (and a shorter ``timeout`` if given)."""
    import boto3  # lazy: see the module docstring

    config = no_retries(TIMEOUT_S if timeout is None else timeout)
    url = amazon.sts_url if service == "sts" else amazon.secretsmanager_url
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=amazon.world.aws.region,
        config=config,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
    )


def user_sts(amazon, *, timeout=None):
    """STS with the scenario's configured AWS keys."""
    creds = amazon.credentials
    return aws_client(
        amazon,
        "sts",
        creds["aws_access_key"],
        creds["aws_secret_key"],
        creds.get("aws_session_token"),
        timeout=timeout,
    )


def lwa_form(credentials, **overrides) -> dict:
    """The refresh-token grant's form for ``credentials``; an override of None drops that
    parameter."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": credentials["refresh_token"],
        "client_id": credentials["lwa_app_id"],
        "client_secret": credentials["lwa_client_secret"],
    }
    form.update(overrides)
    return {name: value for name, value in form.items() if value is not None}


def lwa_exchange(amazon, credentials=None, *, timeout=TIMEOUT_S, **overrides):
    """POST the refresh-token grant to the mock's LWA; returns the requests Response."""
    form = lwa_form(credentials or amazon.credentials, **overrides)
    return client(amazon).post(amazon.lwa_url, data=form, timeout=timeout)


def access_token(amazon, **overrides) -> str:
    answer = lwa_exchange(amazon, **overrides)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def grantless_token(amazon, scope=ROTATION_SCOPE, *, client_id=None, client_secret=None) -> str:
    values = amazon.credentials
    answer = client(amazon).post(
        amazon.lwa_url,
        timeout=TIMEOUT_S,
        data={
            "grant_type": "client_credentials",
            "scope": scope,
            "client_id": client_id or values["lwa_app_id"],
            "client_secret": client_secret or values["lwa_client_secret"],
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def sp_get(amazon, path, token=None, *, region="NA", sandbox=False, params=None, timeout=None):
    base = (amazon.sandbox_urls if sandbox else amazon.spapi_urls)[region]
    headers = {} if token is None else {"x-amz-access-token": token}
    return client(amazon).get(
        base + path, headers=headers, params=params, timeout=timeout or TIMEOUT_S
    )


def sp_call(amazon, key, token, *, partner, region="NA", sandbox=False, changes=None):
    """Call operation ``key`` (role model key) with its valid call for ``partner``;
    ``changes(path, params, body)`` may return an altered call."""
    from spapi_docs_helpers._roles import role_model

    (operation,) = [op for op in role_model().operations if op.key == key]
    path, params, body = valid_calls(partner)[key]
    if changes is not None:
        path, params, body = changes(path, dict(params), body)
    base = (amazon.sandbox_urls if sandbox else amazon.spapi_urls)[region]
    headers = {"x-amz-access-token": token} if token is not None else {}
    return client(amazon).request(
        operation.method,
        base + path,
        headers=headers,
        params=params,
        json=body,
        timeout=TIMEOUT_S,
    )


def probe(amazon, token, role, *, region="NA", sandbox=False):
    """The role's probe call (ROLE_PROBES), for the token's partner."""
    return sp_call(
        amazon,
        ROLE_PROBES[role][0],
        token,
        partner=partner_of(amazon),
        region=region,
        sandbox=sandbox,
    )
