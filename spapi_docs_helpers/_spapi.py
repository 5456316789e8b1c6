"""The Selling Partner API calls of a check: which region takes the token, and what it may do.

A refresh token belongs to one region (NA, EU or FE) and only that region's endpoint
accepts its access tokens; ``GET /sellers/v1/marketplaceParticipations`` on all three
tells which one, and lists the seller's marketplaces. Then one cheap read per common role
tells which roles the token carries: a 403 with empty details means the role is missing,
or the token was issued before the role was added.
"""

from __future__ import annotations

from ._deadline import map_concurrently
from ._diagnose import diagnose_spapi
from ._endpoints import REGIONS
from ._redaction import mask

__all__ = ["ROLE_PROBES", "RegionProbe", "RoleProbe", "RoleTable", "probe_regions", "probe_roles"]

PARTICIPATIONS_PATH = "/sellers/v1/marketplaceParticipations"


class RoleProbe:
    """One role-gated read: the role it tests and the operation it calls."""

    __slots__ = ("api", "method", "operation", "params", "path", "role")

    def __init__(self, role, api, operation, method, path, params):
        self.role = role
        self.api = api
        self.operation = operation
        self.method = method
        self.path = path
        self.params = params

    def __repr__(self):
        return f"RoleProbe({self.role!r}, {self.operation!r})"


# One read per common role; ``{mp}`` is replaced by a participating marketplace id.
ROLE_PROBES = (
    RoleProbe(
        "Inventory and Order Tracking",
        "Orders v0",
        "getOrders",
        "GET",
        "/orders/v0/orders",
        {
            "MarketplaceIds": "{mp}",
            "CreatedAfter": "2024-01-01T00:00:00Z",
            "MaxResultsPerPage": "1",
        },
    ),
    RoleProbe(
        "Product Listing",
        "Catalog Items 2022-04-01",
        "searchCatalogItems",
        "GET",
        "/catalog/2022-04-01/items",
        {"marketplaceIds": "{mp}", "keywords": "test", "pageSize": "1"},
    ),
    RoleProbe(
        "Amazon Fulfillment",
        "FBA Inventory v1",
        "getInventorySummaries",
        "GET",
        "/fba/inventory/v1/summaries",
        {"granularityType": "Marketplace", "granularityId": "{mp}", "marketplaceIds": "{mp}"},
    ),
    RoleProbe(
        "Selling Partner Insights",
        "Reports 2021-06-30",
        "getReports",
        "GET",
        "/reports/2021-06-30/reports",
        {"reportTypes": "GET_V2_SELLER_PERFORMANCE_REPORT", "pageSize": "1"},
    ),
    RoleProbe(
        "Finance and Accounting",
        "Finances v0",
        "listFinancialEventGroups",
        "GET",
        "/finances/v0/financialEventGroups",
        {"MaxResultsPerPage": "1"},
    ),
)


def _call(transport, base_url, method, path, token, params=None):
    headers = {"x-amz-access-token": token, "Accept": "application/json"}
    return transport.request(method, base_url.rstrip("/") + path, headers=headers, params=params)


class RegionProbe:
    """Which region accepted the token, its marketplaces, and what each region said."""

    __slots__ = ("answers", "findings", "marketplaces", "region")

    def __init__(self, region, marketplaces, answers, findings):
        self.region = region
        self.marketplaces = marketplaces
        self.answers = answers
        self.findings = findings

    @property
    def ok(self) -> bool:
        """True when a region accepted the token."""
        return self.region is not None

    @property
    def marketplace_id(self) -> str | None:
        """A marketplace to call in: the first the seller participates in, else any listed."""
        chosen = (self.participating or self.marketplaces or [{"id": None}])[0]
        return chosen["id"]

    @property
    def participating(self) -> list:
        """The marketplaces the seller participates in."""
        return [m for m in self.marketplaces if m["participating"]]

    def summary(self) -> str:
        """One line: the token's region and marketplaces, or what each region said."""
        if self.region is None:
            said = ", ".join(f"{code} {verdict}" for code, (verdict, _) in self.answers.items())
            return f"no region accepts the token ({said})"
        names = ", ".join(f"{m['country_code']}" for m in self.participating) or "none"
        return (
            f"{self.region} ({REGIONS[self.region].name}) accepts the token; marketplaces: {names}"
        )

    def as_dict(self) -> dict:
        """The JSON form used in the region stage's data."""
        return {
            "region": self.region,
            "marketplaces": self.marketplaces,
            "answers": {
                code: {
                    "verdict": verdict,
                    "status": http.status if http else None,
                    "request_id": http.request_id if http else None,
                    "elapsed_ms": round(http.elapsed_ms, 1) if http else None,
                }
                for code, (verdict, http) in self.answers.items()
            },
        }

    def __repr__(self):
        return f"RegionProbe({self.summary()})"

    def _repr_html_(self):
        from ._html import region_html

        return region_html(self)


def _marketplaces(body) -> list:
    """The payload of marketplaceParticipations, tolerant of any shape it may come in."""
    payload = body.get("payload") if isinstance(body, dict) else None
    out = []
    for item in payload if isinstance(payload, list) else []:
        item = item if isinstance(item, dict) else {}
        marketplace = item.get("marketplace") if isinstance(item.get("marketplace"), dict) else {}
        participation = item.get("participation")
        participation = participation if isinstance(participation, dict) else {}
        if not isinstance(marketplace.get("id"), str):
            continue  # without an id the entry names nothing a call could use
        out.append(
            {
                "id": marketplace["id"],
                "name": marketplace.get("name"),
                "country_code": marketplace.get("countryCode"),
                "participating": participation.get("isParticipating") is True,
                "suspended_listings": participation.get("hasSuspendedListings") is True,
            }
        )
    return out


def region_probe(transport, endpoints, token, *, secrets=()) -> RegionProbe:
    """marketplaceParticipations on NA, EU and FE at the same time; never raises."""
    secrets = [token, *secrets]

    def probe(code):
        http = _call(transport, endpoints.spapi[code], "GET", PARTICIPATIONS_PATH, token)
        verdict, finding = diagnose_spapi(http, secrets=secrets)
        return code, verdict, finding, http

    results = map_concurrently(probe, endpoints.spapi)
    answers = {code: (verdict, http) for code, verdict, _, http in results}
    accepted = [(code, http) for code, verdict, _, http in results if verdict == "ok"]
    findings = []
    if accepted:
        region, http = accepted[0]
        return RegionProbe(region, _marketplaces(http.json()), answers, findings)
    seen = set()
    for _code, _verdict, finding, _http in results:
        if finding is not None and finding.code not in seen:
            seen.add(finding.code)
            findings.append(finding)
    if not findings:
        from ._catalogue import entry

        findings.append(
            entry("no-region-accepts-token").finding(
                f"LWA issued {mask(token)}, but NA, EU and FE all answer 403 Unauthorized with "
                "empty details to marketplaceParticipations."
            )
        )
    return RegionProbe(None, [], answers, findings)


class RoleTable:
    """What the token may do: one row per role probe (granted, missing or unknown)."""

    __slots__ = ("findings", "region", "rows")

    def __init__(self, region, rows, findings):
        self.region = region
        self.rows = rows
        self.findings = findings

    @property
    def missing(self) -> list:
        """The roles whose probe answered 403 with empty details."""
        return [row["role"] for row in self.rows if row["access"] == "missing"]

    def summary(self) -> str:
        """One line: how many roles are granted, and which are missing."""
        granted = sum(row["access"] == "granted" for row in self.rows)
        missing = self.missing
        text = f"{granted} of {len(self.rows)} roles granted"
        return text + (f"; missing: {', '.join(missing)}" if missing else "")

    def as_dict(self) -> dict:
        """The JSON form used in the roles stage's data."""
        return {"region": self.region, "rows": self.rows}

    def __repr__(self):
        return f"RoleTable({self.summary()})"

    def _repr_html_(self):
        from ._html import roles_html

        return roles_html(self)


def role_probe(transport, endpoints, token, region, marketplace_id, *, secrets=()) -> RoleTable:
    """One read per role in ``region``, all at the same time; never raises."""
    from ._catalogue import entry

    secrets = [token, *secrets]
    base = endpoints.spapi[region]

    def probe(spec):
        params = {k: v.replace("{mp}", marketplace_id) for k, v in spec.params.items()}
        http = _call(transport, base, spec.method, spec.path, token, params)
        verdict, finding = diagnose_spapi(http, secrets=secrets, refusal_is_access=True)
        return spec, verdict, finding, http

    results = map_concurrently(probe, ROLE_PROBES)
    rows, findings = [], []
    for spec, verdict, finding, http in results:
        access = {"ok": "granted", "denied": "missing"}.get(verdict, "unknown")
        rows.append(
            {
                "role": spec.role,
                "operation": spec.operation,
                "api": spec.api,
                "access": access,
                "status": http.status,
                "request_id": http.request_id,
            }
        )
        if verdict == "denied":
            findings.append(
                entry("role-missing").finding(
                    f"{spec.operation} ({spec.api}) answered 403 with empty details: the token "
                    f"does not carry the role {spec.role!r} — the app lacks it, or the refresh token "
                    "was issued before the role was added."
                )
            )
        elif finding is not None:
            findings.append(finding)
    return RoleTable(region, rows, findings)


# --------------------------------------------------------------------------- notebook steps


def _token_of(token):
    return token.access_token if hasattr(token, "access_token") else token


def _endpoints(sandbox):
    from ._endpoints import endpoints_from_env

    return endpoints_from_env(sandbox=sandbox)


def probe_regions(token, *, sandbox=False, timeout=10.0) -> RegionProbe:
    """Which region accepts ``token`` (an access token or a TokenResult), and its marketplaces.

    Raises :class:`SpApiError` or :class:`TransportError` when no region accepts it.
    """
    from ._errors import SpApiError, raise_verdict
    from ._transport import Transport

    with Transport(timeout=timeout) as transport:
        result = region_probe(transport, _endpoints(sandbox), _token_of(token))
    if not result.ok:
        raise_verdict(result.findings[0], SpApiError, result=result, findings=result.findings)
    return result


def probe_roles(
    token, region=None, marketplace_id=None, *, sandbox=False, timeout=10.0
) -> RoleTable:
    """One read per common role: which roles ``token`` carries.

    ``region`` and ``marketplace_id`` are where to call; when either is missing the regions
    are probed first, and the first marketplace the seller participates in is used (a
    marketplace the seller does not sell in would make every role look missing). Raises
    like :func:`probe_regions` when no region accepts the token.
    """
    from ._transport import Transport

    if region is not None and region not in REGIONS:
        raise ValueError(f"region must be one of {', '.join(REGIONS)}, not {region!r}")
    endpoints = _endpoints(sandbox)
    with Transport(timeout=timeout) as transport:
        if region is None or marketplace_id is None:
            found = probe_regions(token, sandbox=sandbox, timeout=timeout)
            region = region or found.region
            marketplace_id = marketplace_id or found.marketplace_id
        return role_probe(transport, endpoints, _token_of(token), region, marketplace_id)
