"""The Selling Partner API calls of a check: the token's region, and what it may call.

A refresh token belongs to one region (NA, EU or FE); only that region's gateway lets its
access tokens through, and then only to the operations the app's roles grant there. So the
region is found by calling, in each region at once, a few operations that together some role
of every role an app can hold grants (:func:`._probes.region_probes`); the first answer the
gateway let through decides the region, and the other regions are not waited for. Then every
probe of that region is called, once, to tell in Amazon's terms which operations the token
may call (:class:`RoleTable`). What each answer proves is decided in :mod:`._diagnose`.
:func:`search` never raises; the notebook steps that raise the verdict
(:func:`~spapi_docs_helpers.probe_regions`, :func:`~spapi_docs_helpers.probe_roles`) are in
:mod:`._steps`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

from ._deadline import Concurrently
from ._diagnose import (
    AUTHORISED,
    DENIED,
    PARTICIPATIONS,
    account_type_of,
    region_findings,
    role_evidence,
    role_findings,
    sandbox_findings,
    spapi_answer,
)
from ._endpoints import REGIONS
from ._probes import Probe, region_probes, role_probes
from ._report import ShownResult

if TYPE_CHECKING:
    from ._catalogue import Finding
    from ._endpoints import Endpoints
    from ._transport import HttpResult, Transport


@dataclass(slots=True, eq=False)
class ProbeAnswer:
    """One probe's call in one region: the answer, and what it proves (``kind``:
    authorised, denied or problem, with the finding of a problem)."""

    probe: Probe
    region: str
    http: HttpResult
    kind: str
    finding: Finding | None

    @property
    def operation(self) -> str:
        return self.probe.operation

    def as_dict(self) -> dict[str, Any]:
        http = self.http
        return {
            "operation": self.probe.operation,
            "api": self.probe.api,
            "kind": self.kind,
            "status": http.status,
            "request_id": http.request_id,
            "elapsed_ms": round(http.elapsed_ms, 1),
        }

    def __repr__(self) -> str:
        return f"ProbeAnswer({self.region} {self.probe.operation}: {self.kind})"


def call(
    transport: Transport, base_url: str, item: Probe, token: str, *, secrets: Iterable[str] = ()
) -> tuple[HttpResult, str, Finding | None]:
    """Call one probe at ``base_url``: ``(HttpResult, kind, finding)``; never raises."""
    headers = {"x-amz-access-token": token, "Accept": "application/json"}
    data: bytes | None = None
    if item.body is not None:
        headers["Content-Type"] = "application/json"
        data = item.body.encode()
    http = transport.request(
        item.method,
        base_url.rstrip("/") + item.path,
        headers=headers,
        params=dict(item.params) or None,
        data=data,
    )
    kind, finding = spapi_answer(
        http, secrets=secrets, operation=item.operation, success_key=item.success_key
    )
    return http, kind, finding


def _run(
    transport: Transport,
    base_url: str,
    region: str,
    item: Probe,
    token: str,
    secrets: Iterable[str],
) -> ProbeAnswer:
    http, kind, finding = call(transport, base_url, item, token, secrets=secrets)
    return ProbeAnswer(item, region, http, kind, finding)


@dataclass(slots=True, repr=False, eq=False)
class RegionProbe(ShownResult):
    """Which region let the token through, the seller's marketplaces, and every answer.

    ``sandbox``: the sandbox's answers, when production denied everything and the sandbox
    was asked. ``elapsed_ms``: how long the region took to be known.
    """

    region: str | None
    answers: list[ProbeAnswer]
    findings: list[Finding]
    _: KW_ONLY
    marketplaces: list[dict[str, Any]] = field(default_factory=list)
    account_type: str | None = None
    sandbox: tuple[ProbeAnswer, ...] = ()
    elapsed_ms: float | None = None

    @property
    def ok(self) -> bool:
        """True when a region let the token through."""
        return self.region is not None

    @property
    def participating(self) -> list[dict[str, Any]]:
        """The marketplaces the seller participates in."""
        return [m for m in self.marketplaces if m["participating"]]

    @property
    def marketplace_id(self) -> str | None:
        """A marketplace to call in: the first the seller participates in, else any listed."""
        chosen = (self.participating or self.marketplaces or [{"id": None}])[0]
        marketplace_id: str | None = chosen["id"]
        return marketplace_id

    def summary(self) -> str:
        """One line: the token's region and marketplaces, or what the regions said."""
        if self.region is None:
            said = ", ".join(
                f"{code}: {_kinds(answers)}" for code, answers in self.by_region().items()
            )
            return f"no region let the token through ({said})"
        text = f"{self.region} ({REGIONS[self.region].name}) lets the token through"
        if self.account_type == "vendor":
            return text + "; a vendor's token"
        if self.marketplaces:
            names = ", ".join(m["country_code"] or m["id"] for m in self.participating)
            return text + f"; marketplaces: {names or 'none'}"
        return text + "; marketplaces unknown (getMarketplaceParticipations not permitted)"

    def by_region(self) -> dict[str, list[ProbeAnswer]]:
        """The answers, grouped by region (in NA, EU, FE order)."""
        grouped: dict[str, list[ProbeAnswer]] = {}
        for answer in self.answers:
            grouped.setdefault(answer.region, []).append(answer)
        return {code: grouped[code] for code in REGIONS if code in grouped}

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in the region stage's data."""
        return {
            "region": self.region,
            "account_type": self.account_type,
            "marketplaces": self.marketplaces,
            "answers": {
                code: [answer.as_dict() for answer in answers]
                for code, answers in self.by_region().items()
            },
            "sandbox": [answer.as_dict() | {"region": answer.region} for answer in self.sandbox],
        }

    def _repr_html_(self) -> str:
        from ._html import region_html

        return region_html(self)


def _kinds(answers: Iterable[ProbeAnswer]) -> str:
    kinds = {answer.kind for answer in answers}
    if kinds == {DENIED}:
        return "403 to every probe"
    return ", ".join(f"{a.operation} {a.http.status or a.http.failure}" for a in answers)


@dataclass(slots=True, repr=False, eq=False)
class RoleTable(ShownResult):
    """What the token may do in its region: one row per probed operation, and what the
    answers prove about the roles it holds (``evidence``: ``holds_one_of``, lists of roles
    the token carries at least one of; ``holds_none_of``, roles it does not carry).
    ``elapsed_ms``: how long the role probes took once the region was known."""

    region: str
    rows: list[dict[str, Any]]
    evidence: dict[str, Any]
    findings: list[Finding]
    account_type: str | None = None
    elapsed_ms: float | None = None

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return all(finding.severity != "error" for finding in self.findings)

    @property
    def granted(self) -> list[str]:
        """The operations the token may call."""
        return [row["operation"] for row in self.rows if row["access"] == "granted"]

    @property
    def denied(self) -> list[str]:
        """The operations that answered the bare 403."""
        return [row["operation"] for row in self.rows if row["access"] == "denied"]

    def summary(self) -> str:
        """One line: how many probed operations the token may call, and the roles shown."""
        text = f"may call {len(self.granted)} of {len(self.rows)} operations probed"
        held = self.evidence["holds_one_of"]
        if held:
            text += "; holds " + "; ".join(_one_of(roles) for roles in held)
        missing = self.evidence["holds_none_of"]
        if missing:
            text += "; none of " + ", ".join(missing)
        return text

    def proofs(self) -> list[str]:
        """What the answers prove about the roles, one statement each (``holds Pricing``,
        ``holds one of A, B``, ``holds none of C, D``)."""
        statements = [f"holds {_one_of(roles)}" for roles in self.evidence["holds_one_of"]]
        missing = self.evidence["holds_none_of"]
        if missing:
            statements.append(f"holds none of {', '.join(missing)}")
        return statements

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in the roles stage's data."""
        return {
            "region": self.region,
            "account_type": self.account_type,
            "rows": self.rows,
            "holds_one_of": [list(roles) for roles in self.evidence["holds_one_of"]],
            "holds_none_of": list(self.evidence["holds_none_of"]),
            "refused_by": list(self.evidence["refused_by"]),
        }

    def _repr_html_(self) -> str:
        from ._html import roles_html

        return roles_html(self)


def _one_of(roles: Iterable[str]) -> str:
    names = sorted(roles)
    return names[0] if len(names) == 1 else "one of " + ", ".join(names)


def _row(answer: ProbeAnswer, region: str) -> dict[str, Any]:
    spec = answer.probe.spec
    access = {AUTHORISED: "granted", DENIED: "denied"}.get(answer.kind, "unknown")
    return {
        "operation": spec.name,
        "api": spec.api,
        "access": access,
        "status": answer.http.status,
        "request_id": answer.http.request_id,
        "roles": sorted(spec.roles_in(region)),
        "confidence": spec.confidence,
        "audience": sorted(spec.audience),
    }


def search(
    transport: Transport,
    endpoints: Endpoints,
    token: str,
    *,
    secrets: Iterable[str] = (),
    sandbox_endpoints: Mapping[str, str] | None = None,
) -> tuple[RegionProbe, RoleTable | None]:
    """Find the token's region, then ask every probe there: ``(RegionProbe, RoleTable)``.

    The RoleTable is None when no region let the token through. Never raises.
    ``sandbox_endpoints`` (region → base URL, for a production check): where to ask again
    when every production probe was denied, to tell a sandbox-only app from an app without
    roles. Calls still running when the answer is known (the other regions') are cancelled,
    not waited for.
    """
    secrets = [token, *secrets]
    started = time.perf_counter()
    plans = {code: region_probes(code) for code in endpoints.spapi}
    answers: list[ProbeAnswer] = []
    region: str | None = None
    decided_ms = 0.0
    sandbox: tuple[ProbeAnswer, ...] = ()
    with Concurrently(name="spapi-probe") as calls:
        waiting: dict[str, int] = {}  # region -> how many of its calls are not answered yet

        def ask(code: str, item: Probe) -> None:
            calls.submit(_run, transport, endpoints.spapi[code], code, item, token, secrets)
            waiting[code] = waiting.get(code, 0) + 1

        for code, plan in plans.items():
            for item in plan:
                ask(code, item)
        for call in calls.as_completed():
            answer: ProbeAnswer = call.result()
            answers.append(answer)
            waiting[answer.region] -= 1
            if region is None and answer.kind == AUTHORISED:
                # The token's region: ask there every probe not asked yet, and from now on
                # wait for that region's answers only.
                region, decided_ms = answer.region, _since(started)
                done = {item.operation for item in plans[region]}
                for item in role_probes(region):
                    if item.operation not in done:
                        ask(region, item)
            # Every answer of the token's region is in (a call may have ended before
            # as_completed hands it over: count answers, not ended calls).
            if region is not None and waiting[region] == 0:
                break
        if region is None:
            decided_ms = _since(started)
            if sandbox_endpoints and answers and all(a.kind == DENIED for a in answers):
                sandbox = _ask_sandbox(calls, transport, sandbox_endpoints, token, secrets)
    result, in_region = _verdict(answers, region, sandbox)
    result.elapsed_ms = decided_ms
    if region is None:
        return result, None
    account_type = result.account_type
    evidence = role_evidence(in_region, region, account_type)
    table = RoleTable(
        region,
        [_row(answer, region) for answer in in_region],
        evidence,
        role_findings(in_region, region, account_type, evidence),
        account_type,
    )
    table.elapsed_ms = _since(started) - decided_ms
    return result, table


def find_region(
    transport: Transport,
    endpoints: Endpoints,
    token: str,
    *,
    secrets: Iterable[str] = (),
    sandbox_endpoints: Mapping[str, str] | None = None,
) -> RegionProbe:
    """The token's region alone, in as few calls as the verdict allows: a
    :class:`RegionProbe` (no role table). For checks of many accounts at once.

    First ``getMarketplaceParticipations`` in every region at once: most seller apps hold a
    role that grants it, and its answer names the marketplaces. Only when no region lets it
    through (denied, or an answer that proves nothing) are the other region probes asked
    (every region at once again), and, when every answer is a denial, the sandbox hosts, as
    :func:`search` does. The verdicts are
    :func:`search`'s: the same answers give the same findings. Never raises.
    """
    secrets = [token, *secrets]
    started = time.perf_counter()
    first = {
        code: [p for p in region_probes(code) if p.operation == PARTICIPATIONS]
        for code in endpoints.spapi
    }
    rest = {
        code: [p for p in region_probes(code) if p.operation != PARTICIPATIONS]
        for code in endpoints.spapi
    }
    answers: list[ProbeAnswer] = []
    sandbox: tuple[ProbeAnswer, ...] = ()
    with Concurrently(name="spapi-region") as calls:
        for plan in (first, rest):
            jobs = [
                (endpoints.spapi[code], code, item)
                for code, items in plan.items()
                for item in items
            ]
            # The last call of the round on this thread, which waits for the round anyway.
            asked = [
                calls.submit(_run, transport, base, code, item, token, secrets)
                for base, code, item in jobs[:-1]
            ]
            asked.extend(
                calls.run_here(_run, transport, base, code, item, token, secrets)
                for base, code, item in jobs[-1:]
            )
            # Every call of the round is bounded by its transport's deadline (and Ctrl-C).
            answers.extend(call.result(calls.deadline) for call in asked)
            if any(answer.kind == AUTHORISED for answer in answers):
                break
        region = next((a.region for a in answers if a.kind == AUTHORISED), None)
        every_one_denied = bool(answers) and all(a.kind == DENIED for a in answers)
        if region is None and sandbox_endpoints and every_one_denied:
            sandbox = _ask_sandbox(calls, transport, sandbox_endpoints, token, secrets)
    result, _in_region = _verdict(answers, region, sandbox)
    result.elapsed_ms = _since(started)
    return result


def _verdict(
    answers: list[ProbeAnswer], region: str | None, sandbox: tuple[ProbeAnswer, ...]
) -> tuple[RegionProbe, list[ProbeAnswer]]:
    """The :class:`RegionProbe` of every answer, and the token's region's answers in probe
    order (none when no region let the token through): one place for :func:`search` and
    :func:`find_region`, so that the same answers give the same verdict."""
    if region is None:
        findings = sandbox_findings(answers, sandbox) if sandbox else region_findings(answers)
        return RegionProbe(None, answers, findings, sandbox=sandbox), []
    in_region = _in_probe_order([a for a in answers if a.region == region], region)
    result = RegionProbe(
        region,
        answers,
        [],
        marketplaces=_marketplaces_from(in_region),
        account_type=account_type_of(in_region),
    )
    return result, in_region


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _ask_sandbox(
    calls: Concurrently,
    transport: Transport,
    sandbox_endpoints: Mapping[str, str],
    token: str,
    secrets: Iterable[str],
) -> tuple[ProbeAnswer, ...]:
    """Every region probe on the sandbox hosts; all their answers."""
    asked = [
        calls.submit(_run, transport, base, code, item, token, secrets)
        for code, base in sandbox_endpoints.items()
        for item in region_probes(code)
    ]
    # Each waits for its own result, bounded by its transport deadline (and Ctrl-C).
    return tuple(call.result(calls.deadline) for call in asked)


def _in_probe_order(answers: Iterable[ProbeAnswer], region: str) -> list[ProbeAnswer]:
    order = {item.operation: n for n, item in enumerate(role_probes(region))}
    return sorted(answers, key=lambda a: order.get(a.operation, len(order)))


def _marketplaces_from(answers: Sequence[ProbeAnswer]) -> list[dict[str, Any]]:
    for answer in answers:
        if answer.operation == PARTICIPATIONS and answer.kind == AUTHORISED:
            return _marketplaces(answer.http.json())
    return []


def _marketplaces(body: Any) -> list[dict[str, Any]]:
    """The payload of getMarketplaceParticipations (its shape was checked by the diagnosis)."""
    out = []
    for item in body["payload"]:
        marketplace = item.get("marketplace") if isinstance(item, dict) else None
        participation = item.get("participation") if isinstance(item, dict) else None
        marketplace = marketplace if isinstance(marketplace, dict) else {}
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
