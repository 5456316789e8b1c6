"""Client-side helpers the mock's tests share: plain HTTP and boto3 calls, each with a
timeout, and the tables several test files read."""

from __future__ import annotations

import boto3
import botocore.config
import requests

# Every client call in these tests has a timeout, so no fault can hang the suite.
TIMEOUT_S = 5
NO_RETRIES = botocore.config.Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=TIMEOUT_S,
    read_timeout=TIMEOUT_S,
)
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"
PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"

# One cheap read per role, with the parameters each operation requires ("{marketplace}":
# a marketplace ID of the seller's), and the top-level keys of its answer in Amazon's model.
ROLE_PROBES = {
    "Inventory and Order Tracking": (
        "/orders/v0/orders",
        {"MarketplaceIds": "{marketplace}", "CreatedAfter": "2026-11-01T00:00:00Z"},
        {"payload"},
    ),
    "Product Listing": (
        "/catalog/2022-04-01/items",
        {"marketplaceIds": "{marketplace}", "keywords": "mug"},
        {"numberOfResults", "pagination", "refinements", "items"},
    ),
    "Amazon Fulfillment": (
        "/fba/inventory/v1/summaries",
        {
            "granularityType": "Marketplace",
            "granularityId": "{marketplace}",
            "marketplaceIds": "{marketplace}",
        },
        {"payload", "pagination"},
    ),
    "Selling Partner Insights": (
        "/reports/2021-06-30/reports",
        {"reportTypes": "GET_MERCHANT_LISTINGS_ALL_DATA"},
        {"reports"},
    ),
    "Finance and Accounting": ("/finances/v0/financialEventGroups", {}, {"payload"}),
}


def aws_client(amazon, service, access_key, secret_key, session_token=None, *, timeout=None):
    """A boto3 client of the mock's ``service`` ("sts" or "secretsmanager"), without
    retries, with the given keys (and a shorter ``timeout`` if given)."""
    config = NO_RETRIES
    if timeout is not None:
        config = config.merge(botocore.config.Config(connect_timeout=timeout, read_timeout=timeout))
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
    return requests.post(amazon.lwa_url, data=form, timeout=timeout)


def access_token(amazon, **overrides) -> str:
    answer = lwa_exchange(amazon, **overrides)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def grantless_token(amazon, scope=ROTATION_SCOPE, *, client_secret=None) -> str:
    values = amazon.credentials
    answer = requests.post(
        amazon.lwa_url,
        timeout=TIMEOUT_S,
        data={
            "grant_type": "client_credentials",
            "scope": scope,
            "client_id": values["lwa_app_id"],
            "client_secret": client_secret or values["lwa_client_secret"],
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def sp_get(amazon, path, token=None, *, region="NA", sandbox=False, params=None, timeout=None):
    base = (amazon.sandbox_urls if sandbox else amazon.spapi_urls)[region]
    headers = {} if token is None else {"x-amz-access-token": token}
    return requests.get(base + path, headers=headers, params=params, timeout=timeout or TIMEOUT_S)


def probe(amazon, token, role, *, region="NA", sandbox=False, marketplace=None):
    """The role's probe call (ROLE_PROBES), for ``marketplace`` (default: the seller's
    first in ``region``)."""
    from spapi_docs_helpers._endpoints import MARKETPLACES

    path, template, _ = ROLE_PROBES[role]
    if marketplace is None:
        seller = amazon.world.sellers["mock-seller-eu" if region == "EU" else "mock-seller-na"]
        marketplace = MARKETPLACES[seller.marketplaces_in(region)[0]].marketplace_id
    params = {name: value.format(marketplace=marketplace) for name, value in template.items()}
    return sp_get(amazon, path, token, region=region, sandbox=sandbox, params=params)
