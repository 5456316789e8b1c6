"""Which SP-API operations the doctor calls, with what, and why those.

A probe is one read-only operation of Amazon's role model called in a way that costs the
seller nothing: without the parameters it needs (the service then refuses the request with
a 400, *after* the gateway has let the token through), or asking for one record. What the
answer proves is decided in :mod:`._diagnose`; this module only says what to send.

Two sets are drawn from the model (:mod:`._roles`), per region:

* **region probes**: ``getMarketplaceParticipations`` (its answer lists the seller's
  marketplaces) and the smallest set of operations that, together, some role of every role
  a seller or vendor app can hold in that region grants — so that whatever roles the app
  holds, at least one probe can be let through in the token's region. Chosen greedily:
  most roles not yet covered, then the surer row, then the more generous usage plan.
* **role probes**: every operation here that exists in the region, to state in Amazon's
  terms which operations the token may call, and from that the roles it holds at least one
  of.

The recipes are code because the model has no parameters; a test checks each against
Amazon's API model (the path, the method, and that the parameter left out is one the
service requires).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, partial
from types import MappingProxyType

from ._roles import REGION_CODES, Operation, role_model

CONFIDENCE_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Probe:
    """How to call one operation of the role model so that the call changes nothing."""

    # The operation's name and API, as the role model names them.
    operation: str
    api: str
    # Query parameters to send (never a marketplace: a marketplace the seller does not sell
    # in is refused with the bare 403 that a missing role gets too).
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # A JSON body for POST operations (an empty object: the service refuses it with a 400).
    body: str | None = None
    # Why the answer, when the token may call the operation, is what it is.
    expect: str = ""
    # The top-level key every success of the operation holds (Amazon's model): a 2xx
    # without it is no SP-API answer, whatever sent it.
    success_key: str = "payload"

    @property
    def spec(self) -> Operation:
        """The operation in the role model."""
        return role_model().operation(self.operation, api=self.api)

    @property
    def method(self) -> str:
        return self.spec.method

    @property
    def path(self) -> str:
        return self.spec.path


def _probe(
    operation: str,
    api: str,
    expect: str,
    params: Mapping[str, str] | None = None,
    body: str | None = None,
    success_key: str = "payload",
) -> Probe:
    return Probe(operation, api, MappingProxyType(dict(params or {})), body, expect, success_key)


# Every operation the doctor may call. Each is read-only in the model (a test checks it).
PROBES = (
    _probe(
        "getMarketplaceParticipations",
        "Sellers API v1",
        "200 with the seller's marketplaces (the only probe whose success carries data the "
        "check uses)",
    ),
    _probe(
        "createRestrictedDataToken",
        "Tokens API v2021-03-01",
        "400 InvalidInput: the body names no restricted resource, so no token is created",
        body="{}",
        success_key="restrictedDataToken",
    ),
    _probe(
        "listInventory",
        "Amazon Warehousing and Distribution API v2024-05-09",
        "200 with at most one inventory summary",
        params={"maxResults": "1"},
        success_key="inventory",
    ),
    _probe(
        "getReports",
        "Reports API v2021-06-30",
        "400 InvalidInput: reportTypes (or nextToken) is required",
        params={"pageSize": "1"},
        success_key="reports",
    ),
    _probe(
        "listFinancialEventGroups",
        "Finances API v0",
        "200 with at most one financial event group",
        params={"MaxResultsPerPage": "1"},
    ),
    _probe(
        "searchCatalogItems",
        "Catalog Items API v2022-04-01",
        "400 InvalidInput: marketplaceIds is required",
        params={"pageSize": "1"},
        success_key="items",
    ),
    _probe(
        "searchDefinitionsProductTypes",
        "Product Type Definitions API v2020-09-01",
        "400 InvalidInput: marketplaceIds is required",
        success_key="productTypes",
    ),
    _probe(
        "getInventorySummaries",
        "FBA Inventory API v1",
        "400 InvalidInput: granularityType, granularityId and marketplaceIds are required",
    ),
    _probe(
        "getCompetitiveSummary",
        "Product Pricing API v2022-05-01",
        "400 InvalidInput: the batch body holds no request",
        body="{}",
        success_key="responses",
    ),
    _probe(
        "getPurchaseOrders",
        "Vendor Retail Procurement Orders API v1",
        "200 with at most one purchase order number",
        params={"limit": "1", "includeDetails": "false"},
    ),
)
_BY_NAME = {item.operation: item for item in PROBES}


def probe(operation: str) -> Probe:
    """The probe of ``operation`` (``KeyError`` when the doctor never calls it)."""
    return _BY_NAME[operation]


def probes() -> tuple[Probe, ...]:
    """Every probe, in the order above."""
    return PROBES


def _exists(item: Probe, region: str) -> bool:
    # An operation whose regions the model does not list may exist: probing it costs one
    # call, and its answer is judged like any other.
    return item.spec.exists_in(region) is not False


# Both sets are drawn from the role model, which never changes in a process: computed once
# per region (the greedy cover takes milliseconds, and a fleet check asks for it per account).
@cache
def role_probes(region: str) -> tuple[Probe, ...]:
    """Every probe of an operation that exists in ``region``."""
    _check_region(region)
    return tuple(item for item in PROBES if _exists(item, region))


def _grants(item: Probe, region: str) -> frozenset[str]:
    """The roles that grant the probe's operation in ``region`` to a seller or a vendor."""
    spec = item.spec
    model = role_model()
    holdable = frozenset[str]().union(*(model.holdable(kind) for kind in spec.audience))
    return spec.roles_in(region) & holdable


@cache
def region_probes(region: str) -> tuple[Probe, ...]:
    """getMarketplaceParticipations, then the fewest probes whose operations every role a
    seller or vendor app can use in ``region`` grants at least one of (greedy set cover)."""
    _check_region(region)
    chosen = [probe("getMarketplaceParticipations")]
    candidates = [item for item in role_probes(region) if item not in chosen]
    wanted = frozenset[str]().union(*(_grants(item, region) for item in candidates))
    covered = _grants(chosen[0], region)
    while wanted - covered:
        # The roles covered so far, bound now (the loop changes the name afterwards).
        best = min(candidates, key=partial(_value, region=region, covered=frozenset(covered)))
        if not (_grants(best, region) - covered):
            break  # nothing left grants what is missing
        chosen.append(best)
        candidates.remove(best)
        covered |= _grants(best, region)
    return tuple(chosen)


def _value(
    item: Probe, region: str, covered: frozenset[str]
) -> tuple[int, int, tuple[float, float], str]:
    """The greedy order: most roles not yet covered, surer row, more generous usage plan."""
    gain = len(_grants(item, region) - covered)
    return (-gain, CONFIDENCE_RANK[item.spec.confidence], _usage_plan_rank(item), item.operation)


# Requests per second of each probe's usage plan (Amazon's API models, checked by a test):
# between equally good probes, the one a user can repeat more often wins.
USAGE_PLANS = MappingProxyType(
    {
        "getMarketplaceParticipations": (0.016, 15),
        "createRestrictedDataToken": (1.0, 10),
        "listInventory": (2.0, 2),
        "getReports": (0.0222, 10),
        "listFinancialEventGroups": (0.5, 30),
        "searchCatalogItems": (2.0, 2),
        "searchDefinitionsProductTypes": (5.0, 10),
        "getInventorySummaries": (2.0, 2),
        "getCompetitiveSummary": (0.033, 1),
        "getPurchaseOrders": (10.0, 10),
    }
)


def _usage_plan_rank(item: Probe) -> tuple[float, float]:
    rate, burst = USAGE_PLANS[item.operation]
    return (-burst, -rate)


def _check_region(region: str) -> None:
    if region not in REGION_CODES:
        raise ValueError(f"region must be one of {', '.join(REGION_CODES)}, not {region!r}")
