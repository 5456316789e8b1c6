"""The Selling Partner API: one server per regional host, production and sandbox.

**What it serves.** Every read-only operation of Amazon's role model
(:func:`spapi_docs_helpers._roles.role_model`), plus the grantless
``getDestinations`` (scope ``sellingpartnerapi::notifications``) and
``rotateApplicationClientSecret`` (scope ``sellingpartnerapi::client_credential:rotation``;
the operation needs the queue the app registered in Notification Preferences: an app of the
world without one is answered the 400 of Amazon's model, "Application is not enrolled for
rotation notification...").
Methods and paths come from the role model; the usage plans (rate and burst) and the
parameters below are copied from Amazon's API models, and the tests compare every route
with those models (``tests/data/amazon-models``). Operations the mock does not serve (the
ones that change something, and every other API) answer as unknown routes do.

**The gateway's checks, in Amazon's order.** The first that fails answers:

1. an unknown route (method and path), or an operation the role model says does not exist
   in this host's region (``getAccount`` outside EU): ``403`` with the flat body
   ``{"message":"Access to requested resource is denied.","code":"MissingAuthenticationToken"}``,
   whatever the token (failure-modes B4 quotes it for a path that names no operation);
2. the access token (403 ``Unauthorized``, "Access to requested resource is denied.", with
   these ``details``): none, "Access token is missing in the request header."; one LWA did
   not issue (garbled, a refresh token, revoked since), "The access token you provided is
   revoked, malformed or invalid."; one obtained with a client secret past its 180 days,
   "The LWA secret token you provided has expired.";
3. permission, the bare 403 (``details: ""``): another region's token; an app registered
   for the sandbox only, on a production host; a grantless operation called with a seller
   token or without its scope, or a seller operation with a grantless token; an operation
   the role model does not grant to the token's roles in this region
   (``Operation.granted``: any one listed role grants, ``role_regions`` limits a role to
   some regions, the operation's ``audience`` must admit the account type: seller or
   vendor). An operation whose row lists no role is granted to no token;
4. marketplaces (query parameters only): an ID of another region, "The marketplaces you
   provided are not valid for region."; one the partner does not sell in, the bare 403
   (failure-modes D2). The sandbox skips this check;
5. the rate limit: a token bucket per operation and authorisation with the model's rate
   and burst, 429 ``QuotaExceeded``.

**The service's answers.** Past the gateway, the service checks its input, then answers:

6. parameters: ``400`` ``{"errors":[{"code":"InvalidInput","message":"Missing or invalid
   request parameters: [marketplaceIds]"}]}``, the shape python-amazon-sp-api#13 and
   double-break/spapi-php#40 show, naming every offending parameter. Checked are the
   parameters the model marks required, and the conditions the models' parameter
   descriptions state (each rule below names its operation's model);
7. the JSON body of a POST (createRestrictedDataToken, getCompetitiveSummary,
   getFeaturedOfferExpectedPriceBatch, getMyFeesEstimateForASIN): missing, not JSON, or
   without the fields the model's request definition requires: the same 400, naming the
   field (``restrictedResources[0].path``), or ``body`` when there is none to read;
8. a path parameter that names nothing the partner has (an order, a SKU, an ASIN of the
   catalogue): ``404`` ``NotFound``; a ``sellerId`` that is not the caller's: 400 (as
   jlevers/selling-partner-api#232 shows);
9. the answer: a payload of the operation's 200 schema (:mod:`._payloads`), with
   ``x-amzn-RateLimit-Limit``. rotateApplicationClientSecret answers 204, rotates the
   app's secret in the world (the old one keeps working for 7 days) and posts the
   ``APPLICATION_OAUTH_CLIENT_NEW_SECRET`` notification to the app's queue
   (:mod:`._notifications`); an app without a queue gets the 400 "not enrolled".

**The sandbox hosts** run the same checks and answer canned payloads about a canned
partner, accepting any identifier in a path. As the real sandbox, they refuse the rotation
with the model's sandbox 400 (``InvalidInput``, "Application is not enrolled for rotation
notification..."). Unlike the real sandbox, they do not match parameters against the
models' ``TEST_CASE`` examples, so real parameters get the canned answer too.

Choices where Amazon's answer is not documented: the wording of the 400 for a body (the
parameters' shape, naming the field); a body's marketplace IDs are not checked against the
region; bodies over 1 MiB get 413; the order of a parameter check against the gateway's
marketplace check (the gateway's first).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field

from .._endpoints import MARKETPLACES
from .._redaction import protect_logs
from .._roles import Operation, role_model
from . import _payloads
from ._http import Response, Service
from ._payloads import MARKETPLACE_BY_ID, SANDBOX_PARTNER, Call, InvalidParameter
from ._world import SCOPE_NOTIFICATIONS, SCOPE_ROTATION

__all__ = ["ROUTES", "Route", "SellingPartnerApi"]

CONTENT_TYPE = "application/json"
# Amazon's wording. The checker has its own copy of the texts it recognises, on purpose: the
# mock must not agree with it by construction (a drift in either shows up in the tests).
DENIED = "Access to requested resource is denied."
TOKEN_MISSING = "Access token is missing in the request header."
TOKEN_INVALID = "The access token you provided is revoked, malformed or invalid."
SECRET_EXPIRED = "The LWA secret token you provided has expired."
MARKETPLACES_INVALID = "The marketplaces you provided are not valid for region."
INVALID_PARAMETERS = "Missing or invalid request parameters: [{}]"
NOT_ENROLLED = (
    "Application is not enrolled for rotation notification. Please update "
    "application notification preference in Developer console."
)

_STATUS_ERRORS = {
    400: ("InvalidInput", "Request has missing or invalid parameters and cannot be parsed."),
    404: ("NotFound", "The resource specified does not exist."),
    413: ("RequestEntityTooLarge", "The request size exceeded the maximum accepted size."),
    429: ("QuotaExceeded", "You exceeded your quota for the requested resource."),
    500: ("InternalFailure", "We encountered an internal error. Please try again."),
    503: ("ServiceUnavailable", "Service temporarily unavailable. Please try again."),
}


# ---------------------------------------------------------------------- parameter rules
def _values(query, name) -> list:
    """A list parameter, repeated (a=1&a=2) or comma-separated (a=1,2)."""
    return [item for value in query.get(name, ()) for item in value.split(",") if item]


def _given(query, name) -> bool:
    return bool(_values(query, name))


@dataclass(frozen=True)
class OneOf:
    """At least one of ``names`` ("Either reportTypes or nextToken is required")."""

    names: tuple

    def offending(self, query) -> list:
        return [] if any(_given(query, n) for n in self.names) else list(self.names)


@dataclass(frozen=True)
class ExactlyOne:
    """Exactly one of ``names`` ("You must provide exactly one of ...")."""

    names: tuple

    def offending(self, query) -> list:
        given = [n for n in self.names if _given(query, n)]
        return [] if len(given) == 1 else (given or list(self.names))


@dataclass(frozen=True)
class NotTogether:
    """Never both ("You cannot include identifiers and keywords in the same request")."""

    first: str
    second: str

    def offending(self, query) -> list:
        both = _given(query, self.first) and _given(query, self.second)
        return [self.first, self.second] if both else []


@dataclass(frozen=True)
class Requires:
    """``needed`` when ``given`` is there ("identifiersType is required when identifiers is
    in the request")."""

    given: str
    needed: str

    def offending(self, query) -> list:
        return [self.needed] if _given(query, self.given) and not _given(query, self.needed) else []


@dataclass(frozen=True)
class RequiredWhen:
    """``needed`` when parameter ``when`` has one of ``values``."""

    needed: str
    when: str
    values: frozenset

    def offending(self, query) -> list:
        chosen = _values(query, self.when)
        triggered = bool(chosen) and chosen[0] in self.values
        return [self.needed] if triggered and not _given(query, self.needed) else []


@dataclass(frozen=True)
class Enum:
    """Every value of ``name`` is one the model's enum lists."""

    name: str
    allowed: frozenset

    def offending(self, query) -> list:
        return [self.name] if any(v not in self.allowed for v in _values(query, self.name)) else []


@dataclass(frozen=True)
class MaxItems:
    """At most ``limit`` values (the model's maxItems)."""

    name: str
    limit: int

    def offending(self, query) -> list:
        return [self.name] if len(_values(query, self.name)) > self.limit else []


@dataclass(frozen=True)
class IntRange:
    """A whole number within the model's minimum and maximum."""

    name: str
    low: int
    high: int

    def offending(self, query) -> list:
        for value in query.get(self.name, ()):
            if not value.isdigit() or not self.low <= int(value) <= self.high:
                return [self.name]
        return []


# ---------------------------------------------------------------------- body shapes
# A body's shape, from the model's request definition: a dict is an object whose keys are
# required (optional ones end in "?"), a one-item list a non-empty array of that shape,
# ``str`` a non-empty string, ``float`` a number, ``bool`` a boolean, a frozenset an enum.
def _shape_errors(value, shape, where) -> list:
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [where or "body"]
        errors = []
        for key, inner in shape.items():
            name = key.rstrip("?")
            path = f"{where}.{name}" if where else name
            if name not in value:
                if not key.endswith("?"):
                    errors.append(path)
                continue
            errors.extend(_shape_errors(value[name], inner, path))
        return errors
    if isinstance(shape, list):
        if not isinstance(value, list) or not value:
            return [where]
        errors = []
        for index, item in enumerate(value):
            errors.extend(_shape_errors(item, shape[0], f"{where}[{index}]"))
        return errors
    if shape is str:
        return [] if isinstance(value, str) and value else [where]
    if shape is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [where]
    if shape is bool:
        return [] if isinstance(value, bool) else [where]
    return [] if value in shape else [where]


_HTTP_METHODS = frozenset({"GET", "PUT", "PATCH", "DELETE", "POST"})


# ---------------------------------------------------------------------- the routes
@dataclass(frozen=True)
class Route:
    """One operation the mock serves: the role model's row and what Amazon's API model
    says of it."""

    operation: Operation
    # The usage plan of the operation's description in the model ("Usage plan" table).
    rate: float
    burst: int
    # Query parameters the model marks required.
    required: tuple = ()
    # Conditions the model's parameter descriptions state.
    rules: tuple = ()
    # The query parameter that lists marketplace IDs, if the operation takes one.
    marketplace_parameter: str | None = None
    # The JSON body's shape (see _shape_errors), for operations that take one.
    body: object = None
    # The LWA scope a grantless operation needs (Amazon's grantless operations page).
    scope: str | None = None
    pattern: re.Pattern = field(init=False, repr=False)

    def __post_init__(self):
        # A path parameter is one segment: {orderId} matches "902-3159896-1390916".
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.operation.path))
        object.__setattr__(self, "pattern", re.compile(regex))

    @property
    def name(self) -> str:
        return self.operation.name

    @property
    def key(self) -> str:
        return self.operation.key

    @property
    def method(self) -> str:
        return self.operation.method

    @property
    def path(self) -> str:
        return self.operation.path


def _route(api, name, rate, burst, **spec) -> Route:
    return Route(role_model().operation(name, api=api), rate, burst, **spec)


ROUTES = (
    _route("Sellers API v1", "getMarketplaceParticipations", 0.016, 15),
    _route("Sellers API v1", "getAccount", 0.016, 15),
    # ordersV0.json: "Either the CreatedAfter parameter or the LastUpdatedAfter parameter is
    # required. Both cannot be empty. LastUpdatedAfter and LastUpdatedBefore cannot be set
    # when CreatedAfter is set"; MarketplaceIds maxItems 50; MaxResultsPerPage "1 - 100".
    _route(
        "Orders API v0",
        "getOrders",
        0.0167,
        20,
        required=("MarketplaceIds",),
        rules=(
            OneOf(("CreatedAfter", "LastUpdatedAfter")),
            NotTogether("CreatedAfter", "LastUpdatedAfter"),
            MaxItems("MarketplaceIds", 50),
            IntRange("MaxResultsPerPage", 1, 100),
        ),
        marketplace_parameter="MarketplaceIds",
    ),
    _route("Orders API v0", "getOrder", 0.5, 30),
    # orders_2026-01-01.json: "You must provide exactly one of createdAfter and
    # lastUpdatedAfter"; marketplaceIds maxItems 50; maxResultsPerPage "between 1 and 100".
    _route(
        "Orders API v2026-01-01",
        "searchOrders",
        0.0056,
        20,
        rules=(
            ExactlyOne(("createdAfter", "lastUpdatedAfter")),
            MaxItems("marketplaceIds", 50),
            IntRange("maxResultsPerPage", 1, 100),
        ),
        marketplace_parameter="marketplaceIds",
    ),
    _route("Orders API v2026-01-01", "getOrder", 0.5, 30),
    # catalogItems_2022-04-01.json: identifiers or keywords ("You cannot include identifiers
    # and keywords in the same request"), "identifiersType is required when identifiers is
    # in the request", sellerId "Required when identifiersType is SKU"; marketplaceIds
    # maxItems 1; pageSize maximum 20.
    _route(
        "Catalog Items API v2022-04-01",
        "searchCatalogItems",
        2,
        2,
        required=("marketplaceIds",),
        rules=(
            OneOf(("identifiers", "keywords")),
            NotTogether("identifiers", "keywords"),
            Requires("identifiers", "identifiersType"),
            RequiredWhen("sellerId", "identifiersType", frozenset({"SKU"})),
            Enum(
                "identifiersType",
                frozenset({"ASIN", "EAN", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC"}),
            ),
            MaxItems("marketplaceIds", 1),
            MaxItems("identifiers", 20),
            MaxItems("keywords", 20),
            IntRange("pageSize", 1, 20),
        ),
        marketplace_parameter="marketplaceIds",
    ),
    _route(
        "Catalog Items API v2022-04-01",
        "getCatalogItem",
        2,
        2,
        required=("marketplaceIds",),
        marketplace_parameter="marketplaceIds",
    ),
    _route(
        "Listings Items API v2021-08-01",
        "getListingsItem",
        5,
        10,
        required=("marketplaceIds",),
        marketplace_parameter="marketplaceIds",
    ),
    # listingsItems_2021-08-01.json: identifiers "is required when you specify
    # identifiersType" and the reverse; identifiers, variationParentSku and
    # packageHierarchySku exclude each other; pageSize maximum 20.
    _route(
        "Listings Items API v2021-08-01",
        "searchListingsItems",
        5,
        5,
        required=("marketplaceIds",),
        rules=(
            Requires("identifiers", "identifiersType"),
            Requires("identifiersType", "identifiers"),
            NotTogether("identifiers", "variationParentSku"),
            NotTogether("identifiers", "packageHierarchySku"),
            NotTogether("variationParentSku", "packageHierarchySku"),
            MaxItems("identifiers", 20),
            IntRange("pageSize", 1, 20),
        ),
        marketplace_parameter="marketplaceIds",
    ),
    # fbaInventory.json: granularityType's enum is "Marketplace"; marketplaceIds maxItems 1.
    _route(
        "FBA Inventory API v1",
        "getInventorySummaries",
        2,
        2,
        required=("granularityType", "granularityId", "marketplaceIds"),
        rules=(
            Enum("granularityType", frozenset({"Marketplace"})),
            MaxItems("marketplaceIds", 1),
        ),
        marketplace_parameter="marketplaceIds",
    ),
    # reports_2021-06-30.json: "Either reportTypes or nextToken is required"; reportTypes
    # and marketplaceIds maxItems 10; pageSize 1 to 100.
    _route(
        "Reports API v2021-06-30",
        "getReports",
        0.0222,
        10,
        rules=(
            OneOf(("reportTypes", "nextToken")),
            MaxItems("reportTypes", 10),
            MaxItems("marketplaceIds", 10),
            IntRange("pageSize", 1, 100),
        ),
        marketplace_parameter="marketplaceIds",
    ),
    # feeds_2021-06-30.json: "Either feedTypes or nextToken is required"; the same limits.
    _route(
        "Feeds API v2021-06-30",
        "getFeeds",
        0.0222,
        10,
        rules=(
            OneOf(("feedTypes", "nextToken")),
            MaxItems("feedTypes", 10),
            MaxItems("marketplaceIds", 10),
            IntRange("pageSize", 1, 100),
        ),
        marketplace_parameter="marketplaceIds",
    ),
    # financesV0.json: MaxResultsPerPage minimum 1, maximum 100.
    _route(
        "Finances API v0",
        "listFinancialEventGroups",
        0.5,
        30,
        rules=(IntRange("MaxResultsPerPage", 1, 100),),
    ),
    # finances_2024-06-19.json: postedAfter "is required if you do not specify a related
    # identifier".
    _route(
        "Finances API v2024-06-19",
        "listTransactions",
        0.5,
        10,
        rules=(OneOf(("postedAfter", "relatedIdentifierName")),),
        marketplace_parameter="marketplaceId",
    ),
    # productPricingV0.json: ItemType Asin or Sku, with the Asins or Skus it names (the
    # descriptions of both lists); at most 20 of either.
    _route(
        "Product Pricing API v0",
        "getPricing",
        0.5,
        1,
        required=("MarketplaceId", "ItemType"),
        rules=(
            Enum("ItemType", frozenset({"Asin", "Sku"})),
            RequiredWhen("Asins", "ItemType", frozenset({"Asin"})),
            RequiredWhen("Skus", "ItemType", frozenset({"Sku"})),
            MaxItems("Asins", 20),
            MaxItems("Skus", 20),
        ),
        marketplace_parameter="MarketplaceId",
    ),
    # productPricing_2022-05-01.json: CompetitiveSummaryBatchRequest and its requests.
    _route(
        "Product Pricing API v2022-05-01",
        "getCompetitiveSummary",
        0.033,
        1,
        body={
            "requests": [
                {
                    "asin": str,
                    "marketplaceId": str,
                    "includedData": [
                        frozenset(
                            {
                                "featuredBuyingOptions",
                                "referencePrices",
                                "lowestPricedOffers",
                                "similarItems",
                            }
                        )
                    ],
                    "method": _HTTP_METHODS,
                    "uri": str,
                }
            ]
        },
    ),
    # productPricing_2022-05-01.json: GetFeaturedOfferExpectedPriceBatchRequest (BatchRequest
    # and FeaturedOfferExpectedPriceRequestParams).
    _route(
        "Product Pricing API v2022-05-01",
        "getFeaturedOfferExpectedPriceBatch",
        0.033,
        1,
        body={
            "requests": [{"uri": str, "method": _HTTP_METHODS, "marketplaceId": str, "sku": str}]
        },
    ),
    _route("Notifications API v1", "getSubscription", 1, 5),
    _route("Notifications API v1", "getDestinations", 1, 5, scope=SCOPE_NOTIFICATIONS),
    _route(
        "Application Management API v2023-11-30",
        "rotateApplicationClientSecret",
        0.0167,
        1,
        scope=SCOPE_ROTATION,
    ),
    # tokens_2021-03-01.json: CreateRestrictedDataTokenRequest and RestrictedResource.
    _route(
        "Tokens API v2021-03-01",
        "createRestrictedDataToken",
        1,
        10,
        body={
            "restrictedResources": [
                {
                    "method": frozenset({"GET", "PUT", "POST", "DELETE"}),
                    "path": str,
                    "dataElements?": [str],
                }
            ],
            "targetApplication?": str,
        },
    ),
    # dataKiosk_2023-11-15.json: pageSize minimum 1, maximum 100.
    _route(
        "Data Kiosk API v2023-11-15",
        "getQueries",
        0.0222,
        10,
        rules=(IntRange("pageSize", 1, 100),),
    ),
    # vendorOrders.json: limit minimum 1, maximum 100.
    _route(
        "Vendor Retail Procurement Orders API v1",
        "getPurchaseOrders",
        10,
        10,
        rules=(IntRange("limit", 1, 100),),
    ),
    _route(
        "Vendor Retail Procurement Orders API v1",
        "getPurchaseOrdersStatus",
        10,
        10,
        rules=(IntRange("limit", 1, 100),),
    ),
    # awd_2024-05-09.json: maxResults minimum 1, maximum 200.
    _route(
        "Amazon Warehousing and Distribution API v2024-05-09",
        "listInventory",
        2,
        2,
        rules=(IntRange("maxResults", 1, 200),),
    ),
    # definitionsProductTypes_2020-09-01.json: keywords "Cannot be used with itemName".
    _route(
        "Product Type Definitions API v2020-09-01",
        "searchDefinitionsProductTypes",
        5,
        10,
        required=("marketplaceIds",),
        rules=(NotTogether("keywords", "itemName"),),
        marketplace_parameter="marketplaceIds",
    ),
    # sales.json: "Only one marketplace can be specified"; granularityTimeZone "Required when
    # specifying a granularity value greater than Hour"; granularity's enum.
    _route(
        "Sales API v1",
        "getOrderMetrics",
        0.5,
        15,
        required=("marketplaceIds", "interval", "granularity"),
        rules=(
            Enum("granularity", frozenset({"Hour", "Day", "Week", "Month", "Year", "Total"})),
            RequiredWhen(
                "granularityTimeZone",
                "granularity",
                frozenset({"Day", "Week", "Month", "Year", "Total"}),
            ),
            MaxItems("marketplaceIds", 1),
        ),
        marketplace_parameter="marketplaceIds",
    ),
    # productFeesV0.json: GetMyFeesEstimateRequest with its FeesEstimateRequest.
    _route(
        "Product Fees API v0",
        "getMyFeesEstimateForASIN",
        1,
        2,
        body={
            "FeesEstimateRequest": {
                "MarketplaceId": str,
                "IsAmazonFulfilled?": bool,
                "PriceToEstimateFees": {
                    "ListingPrice": {"CurrencyCode": str, "Amount": float},
                    "Shipping?": {"CurrencyCode": str, "Amount": float},
                },
                "Identifier": str,
            }
        },
    ),
)
_BY_METHOD = {}
for _item in ROUTES:
    _BY_METHOD.setdefault(_item.method, []).append(_item)


def _errors(status, code, message, details="", *, headers=()) -> Response:
    body = json.dumps(
        {"errors": [{"code": code, "message": message, "details": details}]}, separators=(",", ":")
    ).encode()
    return Response(status, body, CONTENT_TYPE, headers=headers, error_code=code)


def _denied(details="") -> Response:
    return _errors(403, "Unauthorized", DENIED, details)


def _missing_authentication_token() -> Response:
    # The API gateway's own body: flat, message first (failure-modes B4).
    body = json.dumps(
        {"message": DENIED, "code": "MissingAuthenticationToken"}, separators=(",", ":")
    ).encode()
    return Response(403, body, CONTENT_TYPE, error_code="MissingAuthenticationToken")


def _invalid_input(names, headers) -> Response:
    unique = list(dict.fromkeys(names))
    body = json.dumps(
        {
            "errors": [
                {"code": "InvalidInput", "message": INVALID_PARAMETERS.format(", ".join(unique))}
            ]
        },
        separators=(",", ":"),
    ).encode()
    return Response(400, body, CONTENT_TYPE, headers=headers, error_code="InvalidInput")


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


class SellingPartnerApi(Service):
    fault_service = "spapi"
    status_errors = _STATUS_ERRORS

    def __init__(
        self, world, region: str, *, sandbox: bool, rate_limits: bool = True, notifications=None
    ):
        self.world = world
        self.region = region
        self.sandbox = sandbox
        self.rate_limits = rate_limits
        # Amazon's outbox of application notifications (the new secret after a rotation).
        self.notifications = notifications
        self.label = f"{'sandbox' if sandbox else 'spapi'}-{region}"
        self._buckets = {}
        self._lock = threading.Lock()

    def error_answer(self, status, described, message, headers) -> Response:
        code, default = described
        return _errors(status, code, message or default, headers=headers)

    @staticmethod
    def _find(request):
        for route in _BY_METHOD.get(request.method, ()):
            match = route.pattern.fullmatch(request.path)
            if match:
                return route, match.groupdict()
        return None, {}

    def handle(self, request) -> Response:
        route, path_parameters = self._find(request)
        if route is None or route.operation.exists_in(self.region) is False:
            return _missing_authentication_token()
        access_token = (request.header("x-amz-access-token") or "").strip()
        if not access_token:
            return _denied(TOKEN_MISSING)
        grant = self.world.access_grant(access_token)
        if grant is None:
            return _denied(TOKEN_INVALID)
        if grant.secret.expired(self.world.now):
            return _denied(SECRET_EXPIRED)
        refusal = self._permission(route, grant) or self._marketplaces(route, grant, request.query)
        if refusal is not None:
            return refusal
        if not self._within_quota(route, grant):
            return self.error(429)
        headers = (("x-amzn-RateLimit-Limit", str(float(route.rate))),)
        offending = [name for name in route.required if not _given(request.query, name)]
        for rule in route.rules:
            offending.extend(rule.offending(request.query))
        if offending:
            return _invalid_input(offending, headers)
        body = None
        if route.body is not None:
            try:
                body = json.loads(request.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                return _invalid_input(["body"], headers)
            errors = _shape_errors(body, route.body, "")
            if errors:
                return _invalid_input(errors, headers)
        return self._answer(route, grant, request, path_parameters, body, headers)

    def _permission(self, route, grant) -> Response | None:
        operation = route.operation
        app = self.world.apps[grant.app]
        if app.sandbox_only and not self.sandbox:
            return _denied()
        if operation.grantless:
            granted = grant.authorization is None and route.scope in grant.scopes
            return None if granted else _denied()
        if grant.authorization is None or grant.region != self.region:
            return _denied()
        account_type = self.world.partners[grant.partner].account_type
        if not operation.granted(grant.roles, self.region, account_type):
            return _denied()
        return None

    def _marketplaces(self, route, grant, query) -> Response | None:
        if route.marketplace_parameter is None or self.sandbox:
            return None
        requested = _values(query, route.marketplace_parameter)
        if any(
            mid not in MARKETPLACE_BY_ID or MARKETPLACE_BY_ID[mid].region != self.region
            for mid in requested
        ):
            return _denied(MARKETPLACES_INVALID)
        partner = self.world.partners[grant.partner]
        own = {MARKETPLACES[code].marketplace_id for code in partner.marketplaces_in(self.region)}
        if any(mid not in own for mid in requested):
            return _denied()
        return None

    @staticmethod
    def _principal(grant) -> str:
        return grant.authorization.key if grant.authorization else f"app:{grant.app}"

    def _within_quota(self, route, grant) -> bool:
        if not self.rate_limits:
            return True
        key = (route.key, self._principal(grant))
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _TokenBucket(route.rate, route.burst)
            return bucket.take()

    def _answer(self, route, grant, request, path_parameters, body, headers) -> Response:
        if route.name == "rotateApplicationClientSecret":
            app = self.world.apps[grant.app]
            if self.sandbox or app.notification_queue is None:
                return _errors(400, "InvalidInput", NOT_ENROLLED, headers=headers)
            fresh = self.world.rotate_client_secret(app)
            # A secret of the world like the others: masked in log records (see _amazon).
            protect_logs((fresh.value,))
            if self.notifications is not None:
                self.notifications.post(
                    app.notification_queue, self.world.new_secret_notification(app, fresh)
                )
            return Response(204, b"", None, headers=headers)
        # A grantless token stands for no partner; the answers it gets (getDestinations)
        # are about the app, and the canned partner only fills the call.
        if self.sandbox or grant.partner is None:
            partner = SANDBOX_PARTNER
        else:
            partner = self.world.partners[grant.partner]
        requested = (
            _values(request.query, route.marketplace_parameter)
            if route.marketplace_parameter
            else []
        )
        own = [MARKETPLACES[code].marketplace_id for code in partner.marketplaces]
        call = Call(
            partner=partner,
            region=self.region if not self.sandbox else partner.region,
            marketplace_ids=tuple(requested or own),
            path=path_parameters,
            query=request.query,
            body=body,
            principal=self._principal(grant),
            sandbox=self.sandbox,
        )
        try:
            payload = _payloads.BUILDERS[route.key](call)
        except InvalidParameter as invalid:
            return _invalid_input([invalid.name], headers)
        if payload is None:
            return self.error(404)
        encoded = json.dumps(payload, separators=(",", ":")).encode()
        return Response(200, encoded, CONTENT_TYPE, headers=headers)
