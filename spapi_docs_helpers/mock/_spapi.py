"""The Selling Partner API: one server per regional host, production and sandbox.

Operations served (one cheap read per common role, plus the grantless secret rotation),
with the role and the query parameters each needs:

* ``GET /sellers/v1/marketplaceParticipations`` (getMarketplaceParticipations): any role;
* ``GET /orders/v0/orders`` (getOrders): Inventory and Order Tracking; MarketplaceIds, and
  CreatedAfter or LastUpdatedAfter;
* ``GET /catalog/2022-04-01/items`` (searchCatalogItems): Product Listing; marketplaceIds,
  and identifiers or keywords;
* ``GET /fba/inventory/v1/summaries`` (getInventorySummaries): Amazon Fulfillment;
  granularityType, granularityId and marketplaceIds;
* ``GET /reports/2021-06-30/reports`` (getReports): Selling Partner Insights; reportTypes
  or nextToken;
* ``GET /finances/v0/financialEventGroups`` (listFinancialEventGroups): Finance and
  Accounting;
* ``POST /applications/2023-11-30/clientSecret`` (rotateApplicationClientSecret): a
  grantless token with the scope ``sellingpartnerapi::client_credential:rotation``. (Every
  app of the mock's world has registered the rotation queue the operation requires.)

Every call needs ``x-amz-access-token``; the checks run in the gateway's order and answer
exactly as Amazon does (403 ``Unauthorized`` "Access to requested resource is denied."):

1. no token: "Access token is missing in the request header.";
2. a token LWA did not issue (garbled, a refresh token, revoked since): "The access
   token you provided is revoked, malformed or invalid.";
3. a token obtained with a client secret past its 180 days: "The LWA secret token you
   provided has expired.";
4. another region's token, a seller token on a grantless operation (or the reverse), or
   a role the token does not carry: details ``""``, the bare 403;
5. marketplace IDs of another region: "The marketplaces you provided are not valid for
   region."; marketplaces the seller does not sell in: the bare 403.

Then the rate limit (a token bucket per operation and authorisation, with the models'
rates and bursts): 429 ``QuotaExceeded``. Then the parameters: 400 ``InvalidInput``. A
success carries ``x-amzn-RateLimit-Limit``. rotateApplicationClientSecret answers 204 and
rotates the app's secret in the world (the old one keeps working for 7 days).

The sandbox hosts run the same checks and answer the models' canned payloads; as the
real sandbox, they refuse the rotation with the model's sandbox 400 (``InvalidInput``,
"Application is not enrolled for rotation notification..."). Unlike the real sandbox, they do not match request
parameters against the models' ``TEST_CASE`` examples (those models are not part of
this project), so real parameters get the canned answer too.

Choices where Amazon's answer is not documented: a request for an unknown path or
method without a token gets the API gateway's 403 ``MissingAuthenticationToken`` (what
users who posted to /auth/o2/token on an SP-API host saw, failure-modes B4); with a token,
404 ``NotFound``. A wrong method on a known path counts as an unknown path, as API
gateways treat (method, path) pairs. Bodies over 1 MiB get 413.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

from .._endpoints import MARKETPLACES
from . import _payloads
from ._http import Response, Service
from ._payloads import MARKETPLACE_BY_ID
from ._world import (
    ROLE_FINANCE,
    ROLE_FULFILLMENT,
    ROLE_INSIGHTS,
    ROLE_LISTING,
    ROLE_ORDERS,
    SCOPE_ROTATION,
)

__all__ = ["OPERATIONS", "Operation", "SellingPartnerApi"]

CONTENT_TYPE = "application/json"
# Amazon's wording. The checker has its own copy of the texts it recognises, on purpose: the
# mock must not agree with it by construction (a drift in either shows up in the tests).
DENIED = "Access to requested resource is denied."
TOKEN_MISSING = "Access token is missing in the request header."
TOKEN_INVALID = "The access token you provided is revoked, malformed or invalid."
SECRET_EXPIRED = "The LWA secret token you provided has expired."
MARKETPLACES_INVALID = "The marketplaces you provided are not valid for region."
NOT_ENROLLED = (
    "Application is not enrolled for rotation notification. Please update "
    "application notification preference in Developer console."
)
ANY_ROLE = "any role"

_STATUS_ERRORS = {
    400: ("InvalidInput", "Request has missing or invalid parameters and cannot be parsed."),
    404: ("NotFound", "The resource specified does not exist."),
    413: ("RequestEntityTooLarge", "The request size exceeded the maximum accepted size."),
    429: ("QuotaExceeded", "You exceeded your quota for the requested resource."),
    500: ("InternalFailure", "We encountered an internal error. Please try again."),
    503: ("ServiceUnavailable", "Service temporarily unavailable. Please try again."),
}


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    # The role a seller token must carry (ANY_ROLE: at least one), None for grantless.
    role: str | None
    # Usage plan from the API models: requests per second and burst.
    rate: float
    burst: int
    # Required query parameters; each entry is a tuple of alternatives.
    required: tuple = ()
    # The query parameter that lists marketplace IDs, if the operation takes one.
    marketplace_parameter: str | None = None
    # The scope a grantless token needs.
    scope: str | None = None


OPERATIONS = (
    Operation(
        "getMarketplaceParticipations",
        "GET",
        "/sellers/v1/marketplaceParticipations",
        ANY_ROLE,
        0.016,
        15,
    ),
    Operation(
        "getOrders",
        "GET",
        "/orders/v0/orders",
        ROLE_ORDERS,
        0.0167,
        20,
        (("MarketplaceIds",), ("CreatedAfter", "LastUpdatedAfter")),
        "MarketplaceIds",
    ),
    Operation(
        "searchCatalogItems",
        "GET",
        "/catalog/2022-04-01/items",
        ROLE_LISTING,
        2,
        2,
        (("marketplaceIds",), ("identifiers", "keywords")),
        "marketplaceIds",
    ),
    Operation(
        "getInventorySummaries",
        "GET",
        "/fba/inventory/v1/summaries",
        ROLE_FULFILLMENT,
        2,
        2,
        (("granularityType",), ("granularityId",), ("marketplaceIds",)),
        "marketplaceIds",
    ),
    Operation(
        "getReports",
        "GET",
        "/reports/2021-06-30/reports",
        ROLE_INSIGHTS,
        0.0222,
        10,
        (("reportTypes", "nextToken"),),
        "marketplaceIds",
    ),
    Operation(
        "listFinancialEventGroups",
        "GET",
        "/finances/v0/financialEventGroups",
        ROLE_FINANCE,
        0.5,
        30,
    ),
    Operation(
        "rotateApplicationClientSecret",
        "POST",
        "/applications/2023-11-30/clientSecret",
        None,
        0.0167,
        1,
        scope=SCOPE_ROTATION,
    ),
)
_BY_ROUTE = {(op.method, op.path): op for op in OPERATIONS}


def _errors(status, code, message, details="", *, headers=()) -> Response:
    body = json.dumps(
        {"errors": [{"code": code, "message": message, "details": details}]}, separators=(",", ":")
    ).encode()
    return Response(status, body, CONTENT_TYPE, headers=headers, error_code=code)


def _denied(details="") -> Response:
    return _errors(403, "Unauthorized", DENIED, details)


class _TokenBucket:
    """``burst`` requests at once, refilled at ``rate`` per second (real time)."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def _values(query, name) -> list:
    """A list parameter, repeated (a=1&a=2) or comma-separated (a=1,2)."""
    return [item for value in query.get(name, ()) for item in value.split(",") if item]


class SellingPartnerApi(Service):
    fault_service = "spapi"
    status_errors = _STATUS_ERRORS

    def __init__(self, world, region: str, *, sandbox: bool, rate_limits: bool = True):
        self.world = world
        self.region = region
        self.sandbox = sandbox
        self.rate_limits = rate_limits
        self.label = f"{'sandbox' if sandbox else 'spapi'}-{region}"
        self._buckets = {}
        self._lock = threading.Lock()

    def error_answer(self, status, described, message, headers) -> Response:
        code, default = described
        return _errors(status, code, message or default, headers=headers)

    def handle(self, request) -> Response:
        operation = _BY_ROUTE.get((request.method, request.path))
        access_token = (request.header("x-amz-access-token") or "").strip()
        if operation is None:
            if not access_token:
                return _errors(403, "MissingAuthenticationToken", DENIED)
            return self.error(404)
        if not access_token:
            return _denied(TOKEN_MISSING)
        grant = self.world.access_grant(access_token)
        if grant is None:
            return _denied(TOKEN_INVALID)
        if grant.secret.expired(self.world.now):
            return _denied(SECRET_EXPIRED)
        refusal = self._permission(operation, grant) or self._marketplaces(
            operation, grant, request.query
        )
        if refusal is not None:
            return refusal
        if not self._within_quota(operation, grant):
            return self.error(429)
        missing = [
            " or ".join(names)
            for names in operation.required
            if not any(request.query.get(name, [""])[0] for name in names)
        ]
        if missing:
            return self.error(400, "Missing required parameters: " + ", ".join(missing) + ".")
        return self._answer(operation, grant, request)

    def _permission(self, operation, grant) -> Response | None:
        if operation.scope is not None:
            return None if operation.scope in grant.scopes else _denied()
        if grant.authorization is None or grant.region != self.region:
            return _denied()
        if operation.role == ANY_ROLE:
            return None if grant.roles else _denied()
        return None if operation.role in grant.roles else _denied()

    def _marketplaces(self, operation, grant, query) -> Response | None:
        if operation.marketplace_parameter is None or self.sandbox:
            return None
        requested = _values(query, operation.marketplace_parameter)
        if any(
            mid not in MARKETPLACE_BY_ID or MARKETPLACE_BY_ID[mid].region != self.region
            for mid in requested
        ):
            return _denied(MARKETPLACES_INVALID)
        seller = self.world.sellers[grant.seller]
        own = {MARKETPLACES[code].marketplace_id for code in seller.marketplaces_in(self.region)}
        if any(mid not in own for mid in requested):
            return _denied()
        return None

    def _within_quota(self, operation, grant) -> bool:
        if not self.rate_limits:
            return True
        principal = grant.authorization.key if grant.authorization else f"app:{grant.app}"
        with self._lock:
            bucket = self._buckets.get((operation.name, principal))
            if bucket is None:
                bucket = _TokenBucket(operation.rate, operation.burst)
                self._buckets[(operation.name, principal)] = bucket
            return bucket.take()

    def _answer(self, operation, grant, request) -> Response:
        rate_header = (("x-amzn-RateLimit-Limit", str(operation.rate)),)
        if operation.name == "rotateApplicationClientSecret":
            if self.sandbox:
                return _errors(400, "InvalidInput", NOT_ENROLLED, headers=rate_header)
            self.world.rotate_client_secret(self.world.apps[grant.app])
            return Response(204, b"", None, headers=rate_header)
        if self.sandbox:
            payload = _payloads.sandbox_payload(operation.name)
        else:
            seller = self.world.sellers[grant.seller]
            requested = (
                _values(request.query, operation.marketplace_parameter)
                if operation.marketplace_parameter
                else []
            )
            payload = _payloads.seller_payload(operation.name, seller, self.region, requested)
        body = json.dumps(payload, separators=(",", ":")).encode()
        return Response(200, body, CONTENT_TYPE, headers=rate_header)
