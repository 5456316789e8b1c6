"""From a service's answer to a catalogue entry: the verdict of one call.

LWA errors are keyed on the JSON ``error`` code, never on the HTTP status alone (Amazon's
own Python SDK maps statuses and loses the distinction between invalid_client and
invalid_grant). The asymmetries that tell credentials apart: ``invalid_grant`` clears the
client identifier and secret and blames the refresh token; ``invalid_client`` blames the
client identifier when it is malformed, and otherwise both (the secret most likely: a
well-formed identifier can still be another app's, or mistyped); ``unauthorized_client``
means a token of another app. An answer nothing here explains is reported as what it is,
and blames no credential. Network failures are named by the transport
(:func:`~spapi_docs_helpers._transport.network_failure`); what the environment does to
every call (endpoint URLs, plain HTTP, CA bundles, proxies) is judged here too
(:func:`endpoint_findings`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from ._catalogue import CATALOGUE, ROLE_CAUSES, SANDBOX_ONLY_CAUSE, entry
from ._credentials import AWS_KEYS
from ._endpoints import MARKETPLACES, REGIONS, is_loopback, url_problem
from ._redaction import escape_controls, redact_text, shown_url, shown_value
from ._roles import REGION_CODES, role_model
from ._transport import HttpResult, ca_bundle_problem, network_failure, proxy_problem

if TYPE_CHECKING:
    from ._catalogue import Finding
    from ._credentials import Credentials
    from ._endpoints import Endpoints
    from ._spapi import ProbeAnswer, RegionProbe
    from ._sts import IdentityResult

# A probe's evidence about roles: "holds_one_of" (tuples of roles) and "holds_none_of".
Evidence = dict[str, tuple[Any, ...]]

SERVICE_NAMES = {
    "lwa": "Login with Amazon",
    "spapi": "SP-API",
    "sts": "AWS STS",
    "sqs": "Amazon SQS",
}


def _index_matches() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for item in CATALOGUE:
        for text in item.match:
            index.setdefault(text, []).append(item.code)
    return {text: tuple(codes) for text, codes in index.items()}


# A string a service answered (an LWA error code, an STS error code, SP-API's 403 details)
# -> the catalogue entries it identifies (``Entry.match``). The strings themselves are in
# the catalogue only; the functions below say what tells apart entries that share one.
IDENTIFIED_BY = _index_matches()


def _identified(said: object) -> tuple[str, ...]:
    """The codes of the entries whose ``match`` is ``said`` exactly (none for anything else)."""
    return IDENTIFIED_BY.get(said, ()) if isinstance(said, str) else ()


def _holds_match(code: str, text: str) -> bool:
    """True when ``text`` holds one of the strings that identify ``code``."""
    return any(match in text for match in entry(code).match)


def _word(text: object, limit: int = 60) -> str:
    """A short code from a service (``invalid_client``) as is; anything odd quoted and cut."""
    if isinstance(text, str) and len(text) <= limit and text.isprintable():
        return text
    return shown_value(text, limit)


def _phrase(code: str) -> str:
    """The catalogue title of ``code`` as the tail of a sentence ("the connection was reset")."""
    title = entry(code).title
    return title[:1].lower() + title[1:]


def transport_finding(
    http: HttpResult, service: str, secrets: Iterable[str] = ()
) -> Finding | None:
    """The finding for an answer that is no verdict (network, throttling, 5xx, junk, a body
    that could not be read whole), or None."""
    name = SERVICE_NAMES.get(service, service)
    tries = f" after {http.attempts} attempts" if http.attempts > 1 else ""
    if http.failure:
        return entry(http.failure).finding(
            f"{name} at {http.url}: {_phrase(http.failure)}{tries} "
            f"({http.failure_detail or 'no detail'})."
        )
    if http.body_note:
        return unexpected(
            http, service, secrets, why=f"the body could not be read: {http.body_note}"
        )
    if http.status == 429:
        wait = http.header("Retry-After")
        return entry("rate-limited").finding(
            f"{name} at {http.url} answered 429 Too Many Requests{tries}"
            + (f" (Retry-After: {shown_value(wait, 40)})" if wait else "")
            + "."
        )
    if http.status is not None and http.status >= 500:
        if http.content_type == "application/json" and http.json() is not None:
            return entry("service-unavailable").finding(
                f"{name} at {http.url} answered HTTP {http.status}{tries}: "
                f"{http.excerpt(secrets=secrets)!r}."
            )
        return unexpected(http, service, secrets)
    return None


def unexpected(
    http: HttpResult, service: str, secrets: Iterable[str] = (), why: str | None = None
) -> Finding:
    name = SERVICE_NAMES.get(service, service)
    kind = escape_controls(http.content_type or "no content type")[:80]
    reason = (
        redact_text(why, secrets)
        if why
        else (
            "the body is not JSON"
            if http.json() is None
            else "nothing in the catalogue explains this answer"
        )
    )
    return entry("unexpected-response").finding(
        f"{name} at {http.url} answered HTTP {http.status} ({kind}; {reason}): "
        f"{http.excerpt(secrets=secrets)!r}. This says nothing about your credentials."
    )


def diagnose_lwa(
    http: HttpResult,
    *,
    format_findings: Iterable[Finding] = (),
    grant: str = "refresh_token",
    secrets: Iterable[str] = (),
) -> Finding | None:
    """None when LWA issued a token; otherwise the finding that explains why not."""
    problem = transport_finding(http, "lwa", secrets)
    if problem is not None:
        return problem
    body = http.json()
    if http.ok:
        token = body.get("access_token") if isinstance(body, dict) else None
        # A token goes into an HTTP header: printable ASCII, or it is no token at all.
        if isinstance(token, str) and token and token.isascii() and token.isprintable():
            return None
        return unexpected(
            http, "lwa", secrets, why="a success status without a usable access token"
        )
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return unexpected(http, "lwa", secrets)
    error = body["error"]
    said = f"LWA answered HTTP {http.status} {_word(error)}"
    description = body.get("error_description")
    if isinstance(description, str) and description:
        said += f" ({escape_controls(redact_text(description, secrets))[:200]!r})"
    bad = {f.field for f in format_findings if f.severity == "error" and f.field}
    identified = _identified(error)
    if grant == "authorization_code" and "authorization-code-rejected" in identified:
        # The client passed (else invalid_client): the code is refused. Amazon does not say
        # which of its causes applies, and RFC 6749 puts them all under invalid_grant.
        return entry("authorization-code-rejected").finding(
            f"{said}: LWA accepted the client identifier and secret but not the code. It is "
            "more than five minutes old, was already exchanged, or was issued for another app "
            "or another redirect_uri."
        )
    # invalid_client: lwa-client-id-rejected shares it; the format findings tell them apart.
    if "lwa-client-secret-rejected" in identified:
        if "lwa_app_id" in bad:
            return entry("lwa-client-id-rejected").finding(
                f"{said}, and lwa_app_id is not a well-formed Client identifier (see its format "
                "finding): LWA does not know this client."
            )
        if "lwa_client_secret" in bad:
            return entry("lwa-client-secret-rejected").finding(
                f"{said}. lwa_client_secret is malformed (see its format finding), which is "
                "reason enough."
            )
        # A well-formed identifier is not proof of the right one: LWA answers invalid_client
        # to another app's identifier, or a mistyped one, as it does to a wrong secret.
        return entry("lwa-client-secret-rejected").finding(
            f"{said}. LWA refuses the client when either value is wrong. The client "
            "identifier is well formed, so the secret is the more likely one (from another "
            "app, rotated more than 7 days ago, or expired), but a well-formed identifier "
            "of another app, or a mistyped one, is refused the same way.",
            details={"fields": ["lwa_client_secret", "lwa_app_id"], "either": True},
        )
    if "lwa-refresh-token-rejected" in identified:
        tail = (
            " The refresh token also fails the format check (see above)."
            if "refresh_token" in bad
            else " LWA accepted the client identifier and secret (it would say invalid_client "
            "otherwise), so the refresh token is the one at fault."
        )
        return entry("lwa-refresh-token-rejected").finding(f"{said}.{tail}")
    if "lwa-token-from-another-app" in identified:
        # LWA proves only that the two do not belong together: the token may be another
        # app's, or the identifier and secret may be (a second app was created, and its
        # client put beside the first app's token). Which one the user meant, no answer says.
        return entry("lwa-token-from-another-app").finding(
            f"{said}: the refresh token was issued to another app than this client identifier. "
            "LWA accepted the identifier and secret as a pair, so either the token is another "
            "app's, or the identifier and secret are.",
            details={"fields": ["refresh_token", "lwa_app_id"], "either": True},
        )
    if "lwa-unsupported-grant-type" in identified:
        return entry("lwa-unsupported-grant-type").finding(f"{said} for grant_type={grant}.")
    for code in ("lwa-invalid-request", "lwa-invalid-scope"):
        if code in identified:
            return entry(code).finding(f"{said}.")
    return unexpected(
        http, "lwa", secrets, why=f"the LWA error {error!r} is not one Amazon documents"
    )


# --------------------------------------------------------------------------- SP-API
#
# What one SP-API answer proves. The gateway in front of every SP-API operation checks the
# access token (present, issued by LWA, not revoked, its secret not expired), its region and
# the roles the operation needs, and answers 403 Unauthorized when a check fails; only then
# does the operation's own service see the request. So an answer from the service proves that
# the gateway let the token through (``AUTHORISED``):
#
# * a 2xx: the operation ran (a JSON object, as every SP-API success is);
# * a 400 with SP-API's JSON errors (``InvalidInput``...): the service refused the
#   parameters — "Missing or invalid request parameters: [marketplaceIds]" is what users see
#   when they leave out a required one (saleweaver/python-amazon-sp-api#13,
#   double-break/spapi-php#40), and the probes leave them out on purpose;
# * a 404 with SP-API's JSON errors (``NotFound``): the service looked the resource up.
#
# The bare 403 (``Unauthorized``, empty details) is the gateway's refusal (``DENIED``): the
# token belongs to another region, or carries none of the roles the operation needs there
# (Amazon: "Calling an operation without a required role returns 403"). A 403 whose details
# say more, MissingAuthenticationToken (no operation at that path), and anything else are a
# ``PROBLEM`` with its own finding, and blame no credential unless Amazon's text names one.

AUTHORISED = "authorised"
DENIED = "denied"
PROBLEM = "problem"
PARTICIPATIONS = "getMarketplaceParticipations"


def _spapi_errors(body: Any) -> list[dict[str, Any]] | None:
    """SP-API's ``{"errors": [{"code": ...}, ...]}``, or None for any other body."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return None
    if not all(isinstance(item, dict) and isinstance(item.get("code"), str) for item in errors):
        return None
    return errors


def _said(body: Any) -> str:
    """Every text of an error body, for the texts no status identifies."""
    if isinstance(body, dict):
        return " ".join(_said(value) for value in body.values())
    if isinstance(body, list):
        return " ".join(_said(value) for value in body)
    return body if isinstance(body, str) else ""


def spapi_answer(
    http: HttpResult,
    *,
    secrets: Iterable[str] = (),
    operation: str | None = None,
    success_key: str | None = None,
) -> tuple[str, Finding | None]:
    """``(kind, finding)`` of one SP-API answer: ``AUTHORISED`` or ``DENIED`` with no
    finding, or ``PROBLEM`` with the finding that explains it (see the notes above).

    ``success_key``: the top-level key a success of the operation holds (from Amazon's
    model); a 2xx without it proves nothing.
    """
    problem = transport_finding(http, "spapi", secrets)
    if problem is not None:
        return PROBLEM, problem
    body = http.json()
    # Amazon's incident text counts in an error answer only: a success's data (a seller's
    # listing, a note) may hold any words.
    if not http.ok and _holds_match("spapi-security-token-expired", _said(body)):
        return PROBLEM, entry("spapi-security-token-expired").finding(
            f"SP-API at {http.url} answered HTTP {http.status}: {http.excerpt(secrets=secrets)!r}."
        )
    if http.ok:
        if not isinstance(body, dict):
            return PROBLEM, unexpected(
                http, "spapi", secrets, why="a success status whose body is no JSON object"
            )
        if success_key is not None and body.get(success_key) is None:
            return PROBLEM, unexpected(
                http, "spapi", secrets, why=f"a success status without {success_key!r}"
            )
        if operation == PARTICIPATIONS and not isinstance(body.get("payload"), list):
            return PROBLEM, unexpected(
                http, "spapi", secrets, why="a success status without a participations payload"
            )
        return AUTHORISED, None
    code = body.get("code") if isinstance(body, dict) else None
    errors = _spapi_errors(body)
    first = errors[0] if errors else {}
    missing_token = entry("spapi-missing-authentication-token").match
    if http.status == 403 and (code in missing_token or first.get("code") in missing_token):
        return PROBLEM, entry("spapi-missing-authentication-token").finding(
            f"SP-API at {http.url} answered 403 MissingAuthenticationToken: no operation "
            f"lives at that path ({http.excerpt(secrets=secrets)!r})."
        )
    if http.status == 403 and first.get("code") == "Unauthorized":
        details = first.get("details", "")
        details = details if isinstance(details, str) else ""
        if not details:
            return DENIED, None
        known = next((c for c in _identified(details) if entry(c).stage == "region"), None)
        if known is None:
            return PROBLEM, unexpected(
                http,
                "spapi",
                secrets,
                why=f"a 403 whose details ({shown_value(details, 120)}) are unknown",
            )
        return PROBLEM, entry(known).finding(
            f"SP-API at {http.url} answered 403 Unauthorized: {shown_value(details, 200)}"
        )
    if http.status in (400, 404) and errors and first["code"] != "Unauthorized":
        return AUTHORISED, None
    return PROBLEM, unexpected(http, "spapi", secrets)


def _regions(answers: Iterable[ProbeAnswer]) -> str:
    """The regions that gave ``answers``, in NA, EU, FE order (not the order the answers
    happened to arrive in: the same answers give the same words)."""
    answered = {answer.region for answer in answers}
    return ", ".join(code for code in REGION_CODES if code in answered)


def _unasked_region_findings(answers: Sequence[ProbeAnswer]) -> list[Finding]:
    """The verdict when every answer is the bare 403 but some region was not asked (the
    endpoints given left it out): a token of that region gets the same answer everywhere
    else, so neither the roles nor the sandbox can be judged."""
    if not answers or any(answer.kind != DENIED for answer in answers):
        return []
    asked = {answer.region for answer in answers}
    unasked = [code for code in REGION_CODES if code not in asked]
    if not unasked:
        return []
    one = len(unasked) == 1
    return [
        entry("region-not-asked").finding(
            f"LWA issued the access token, and {_regions(answers)} answered the bare 403 (empty "
            "details) to every operation probed, which is what a token of another region gets "
            f"too. {', '.join(unasked)} {'was' if one else 'were'} not asked (no endpoint was "
            f"given for {'it' if one else 'them'}), so the token may belong there: its region, "
            "and with it its roles, cannot be judged."
        )
    ]


def region_findings(
    answers: Sequence[ProbeAnswer], *, sandbox_refused: bool = False
) -> list[Finding]:
    """Why no region let the token through, from every region's answers.
    ``sandbox_refused``: the sandbox hosts were asked too and refused every probe, which
    rules out a sandbox-only app."""
    unasked = _unasked_region_findings(answers)
    if unasked:
        return unasked
    if answers and all(answer.kind == DENIED for answer in answers):
        operations = sorted({answer.operation for answer in answers})
        causes = [c for c in ROLE_CAUSES if not (sandbox_refused and c == SANDBOX_ONLY_CAUSE)]
        return [
            entry("roles-deny-every-probe").finding(
                "LWA issued the access token, so the client identifier, the client secret and "
                f"the refresh token are right. But {_regions(answers)} answered the bare 403 "
                f"(empty details) to every operation probed ({', '.join(operations)}), and "
                "between them some role of every role an app can hold grants one of them: the "
                "app's roles are what Amazon refuses."
                + (
                    " The sandbox hosts refused them too, so the app is not a sandbox-only app."
                    if sandbox_refused
                    else ""
                ),
                details={
                    "causes": [{"cause": cause, "fix": fix} for cause, fix in causes],
                    "operations": operations,
                },
            )
        ]
    findings: list[Finding] = []
    seen: dict[str, list[ProbeAnswer]] = {}  # code -> the answers that gave it
    for answer in answers:
        if answer.kind != PROBLEM or answer.finding is None:
            continue
        code = answer.finding.code
        if code not in seen:
            findings.append(answer.finding)
        seen.setdefault(code, []).append(answer)
    # Copies: the findings belong to the answers too, and a second look at the same answers
    # must not say it twice.
    return [
        finding.with_message(
            f"{finding.message} The same came from {_regions(seen[finding.code])}."
        )
        if len({answer.region for answer in seen[finding.code]}) > 1
        else finding
        for finding in findings
    ]


def sandbox_findings(
    answers: Sequence[ProbeAnswer], sandbox_answers: Sequence[ProbeAnswer]
) -> list[Finding]:
    """The verdict once production denied everything and the sandbox was asked too."""
    unasked = _unasked_region_findings(answers)
    if unasked:
        return unasked  # the token may be a production token of the region not asked
    let_through = [answer for answer in sandbox_answers if answer.kind == AUTHORISED]
    if let_through:
        first = let_through[0]
        return [
            entry("app-sandbox-only").finding(
                "LWA issued the access token, and every production region answered the bare "
                f"403 to every probe, but the sandbox host of {first.region} let "
                f"{first.operation} through (HTTP {first.http.status}): the app is answered "
                "in the sandbox only."
            )
        ]
    refused = bool(sandbox_answers) and all(a.kind == DENIED for a in sandbox_answers)
    return region_findings(answers, sandbox_refused=refused)


def account_type_of(answers: Iterable[ProbeAnswer]) -> str | None:
    """``vendor`` or ``seller`` when an operation for one of them only let the token
    through (and none for the other); None when the answers do not tell."""
    served = {
        kind
        for answer in answers
        if answer.kind == AUTHORISED and len(answer.probe.spec.audience) == 1
        for kind in answer.probe.spec.audience
    }
    return next(iter(served)) if len(served) == 1 else None


def _roles_stated(spec: Any, region: str) -> bool:
    """Whether a bare 403 to ``spec``'s operation in ``region`` can be blamed on roles: its
    row is one Amazon's tables state (confidence high or medium: an inferred row may miss a
    role) and the model says the operation exists in ``region`` (a gateway refuses an
    operation that is not there too)."""
    return bool(spec.confidence != "low" and spec.exists_in(region) is True)


def role_evidence(
    answers: Sequence[ProbeAnswer], region: str, account_type: str | None
) -> Evidence:
    """What the answers prove about the token's roles, and no more.

    ``holds_one_of``: for each operation let through, the roles that grant it in ``region``
    (the token carries at least one of each set). ``holds_none_of``: the roles of operations
    refused with the bare 403 — only from rows Amazon's tables state (confidence high or
    medium: an inferred row may miss a role), of operations the model says exist in
    ``region`` (a gateway refuses an operation that is not there too), and only where the
    account type cannot be the reason for the refusal.
    """
    model = role_model()
    kinds = frozenset({account_type}) if account_type else frozenset({"seller", "vendor"})
    holdable = frozenset().union(*(model.holdable(kind) for kind in kinds))
    excluded: set[str] = set()
    refused_by: list[str] = []
    for answer in answers:
        spec = answer.probe.spec
        if answer.kind != DENIED or not _roles_stated(spec, region) or not kinds <= spec.audience:
            continue
        excluded |= spec.roles_in(region)
        refused_by.append(answer.operation)
    held = []
    for answer in answers:
        if answer.kind != AUTHORISED:
            continue
        roles = (answer.probe.spec.roles_in(region) & holdable) - excluded
        if roles and roles not in held:
            held.append(frozenset(roles))
    # A set that contains another says less: keep the stronger statement only.
    held = [roles for roles in held if not any(other < roles for other in held)]
    return {
        "holds_one_of": tuple(tuple(sorted(roles)) for roles in sorted(held, key=sorted)),
        "holds_none_of": tuple(sorted(excluded & holdable)),
        # The refusals holds_none_of rests on (the others prove nothing about roles).
        "refused_by": tuple(refused_by),
    }


def role_findings(
    answers: Sequence[ProbeAnswer], region: str, account_type: str | None, evidence: Evidence
) -> list[Finding]:
    """The findings of the token's region: its account type, the first call it may not
    make, the roles it does not carry, and any answer that is no verdict."""
    findings = []
    by_operation = {answer.operation: answer for answer in answers}
    if account_type == "vendor":
        # The operations that proved it (account_type_of): named, not assumed.
        proof = [
            a.operation
            for a in answers
            if a.kind == AUTHORISED and a.probe.spec.audience == frozenset({"vendor"})
        ]
        findings.append(
            entry("vendor-account").finding(
                f"{', '.join(proof)} (vendors only) let the token through in {region}: the "
                "app was authorised from Vendor Central."
            )
        )
    participations = by_operation.get(PARTICIPATIONS)
    if (
        participations is not None
        and participations.kind == DENIED
        and account_type != "vendor"
        and _roles_stated(participations.probe.spec, region)
    ):
        spec = participations.probe.spec
        roles = sorted(spec.roles_in(region) & role_model().holdable("seller"))
        also = "" if account_type else " (or the token is a vendor's: it serves sellers only)"
        findings.append(
            entry("participations-not-permitted").finding(
                f"getMarketplaceParticipations answered the bare 403 in {region}, where only "
                f"{', '.join(roles)} grant it, and the token carries none of them{also}. The "
                "seller's marketplaces cannot be listed, and Sellers().get_marketplace_"
                "participation() answers 403 as well."
            )
        )
    if evidence["holds_none_of"]:
        refused = list(evidence["refused_by"])
        others = [a.operation for a in answers if a.kind == DENIED and a.operation not in refused]
        aside = (
            f" ({', '.join(others)} answered it too, which proves nothing about roles: they "
            "serve another account type, or Amazon's role table for them (or the regions "
            "they exist in) is not known well enough.)"
            if others
            else ""
        )
        findings.append(
            entry("role-missing").finding(
                f"In {region}, {', '.join(refused)} answered the bare 403: the token carries "
                f"none of {', '.join(evidence['holds_none_of'])}.{aside}",
                details={"holds_none_of": list(evidence["holds_none_of"]), "denied": refused},
            )
        )
    seen = set()
    for answer in answers:
        if answer.kind == PROBLEM and answer.finding and answer.finding.code not in seen:
            seen.add(answer.finding.code)
            findings.append(answer.finding)
    return findings


def library_advice(probe: RegionProbe, region: str) -> str:
    """How to select the token's ``region`` in each library, for the region finding."""
    by_id = {m.marketplace_id: m.code for m in MARKETPLACES.values() if m.code != "UK"}
    # The seller's own marketplace when the probe listed one, else the region's largest.
    chosen = by_id.get(probe.marketplace_id) if probe.marketplace_id else None
    example = chosen or {"NA": "US", "EU": "DE", "FE": "JP"}[region]
    if region == "NA":
        sw = "its default (the US marketplace) is in NA"
        if example != "US":
            sw += f"; for your marketplace pass marketplace=Marketplaces.{example}"
    else:
        sw = (
            f"pass marketplace=Marketplaces.{example} (or set SP_API_DEFAULT_MARKETPLACE="
            f"{example}): it defaults to the US marketplace, in NA"
        )
    return (
        f"python-amazon-sp-api: {sw}. amzn-sp-api: SPAPIConfig(..., "
        f'region="{region}") (it defaults to the NA sandbox).'
    )


def region_advice(probe: RegionProbe, environ: Mapping[str, str]) -> list[Finding]:
    """How to call the token's region, and what in the environment sends calls elsewhere
    (none when no region let the token through)."""
    region = probe.region
    if region is None:
        return []
    findings = [
        entry("region-selection-needed").finding(
            f"The token works in {region} ({REGIONS[region].name}) only.",
            fix=library_advice(probe, region),
        )
    ]
    default = environ.get("SP_API_DEFAULT_MARKETPLACE")
    if default in MARKETPLACES and MARKETPLACES[default].region != region:
        findings.append(
            entry("default-marketplace-wrong-region").finding(
                f"SP_API_DEFAULT_MARKETPLACE={default} sends python-amazon-sp-api to "
                f"{MARKETPLACES[default].region}, but the token works in {region} only: every call "
                "gets 403 Unauthorized with empty details."
            )
        )
    elif default in MARKETPLACES:
        wanted = MARKETPLACES[default].marketplace_id
        if wanted not in {m["id"] for m in probe.participating}:
            listed = ", ".join(m["country_code"] or m["id"] for m in probe.participating)
            findings.append(
                entry("marketplace-not-participating").finding(
                    f"SP_API_DEFAULT_MARKETPLACE={default} ({wanted}) is in the token's region, but "
                    f"the seller participates only in: {listed or 'none'}."
                )
            )
    return findings


def clock_findings(http: HttpResult | None) -> list[Finding]:
    """Compare this machine's clock with the Date header of an answer from Amazon."""
    date = http.header("Date") if http is not None else None
    if http is None or not date:
        return []
    try:
        theirs = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return []
    # The Date header has one-second resolution and was written during the call.
    skew = time.time() - theirs
    if abs(skew) <= 60 + http.elapsed_ms / 1000:
        return []
    direction = "ahead of" if skew > 0 else "behind"
    host = http.url.split("/")[2]
    return [
        entry("clock-skew").finding(
            f"This machine's clock is {abs(skew):.0f} s {direction} {host}'s."
        )
    ]


# --------------------------------------------------------------------------- AWS STS


# botocore's errors when it has no whole key pair to sign with (none in the call, none in
# its own chain): it refuses before sending, so nothing answered.
_NO_KEYS_TO_SIGN_WITH = ("NoCredentialsError", "PartialCredentialsError")


def _sts_keys_missing(error: BaseException, called: str, secrets: Iterable[str]) -> Finding:
    return entry("sts-keys-missing").finding(
        f"{called} was not called: {type(error).__name__}: "
        f"{escape_controls(redact_text(str(error), secrets))[:300]}."
    )


def diagnose_sts(
    error: BaseException,
    *,
    operation: str,
    credentials: Credentials,
    caller_arn: str | None = None,
    secrets: Iterable[str] = (),
) -> Finding:
    """The finding for an exception of an STS call (botocore's ClientError or network)."""
    kind = type(error).__name__
    if kind in _NO_KEYS_TO_SIGN_WITH:
        return _sts_keys_missing(error, f"AWS STS ({operation})", secrets)
    network = network_failure(error)
    if network is None and kind.endswith(("ConnectionError", "ConnectionClosedError")):
        # botocore's own wrapper, whose cause was not recognised: no answer came.
        network = "network-refused"
    if network is not None:
        return entry(network).finding(
            f"AWS STS ({operation}): {_phrase(network)} "
            f"({escape_controls(redact_text(str(error), secrets))[:300]})."
        )
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return entry("unexpected-response").finding(
            f"AWS STS ({operation}) failed with {kind}: "
            f"{escape_controls(redact_text(str(error), secrets))[:300]}."
        )
    details = response.get("Error", {})
    code = details.get("Code", "")
    message = escape_controls(redact_text(str(details.get("Message", "")), secrets))[:300]
    said = f"AWS STS answered {_word(code)} to {operation}: {message!r}"
    identified = _identified(code)
    if "sts-access-key-invalid" in identified:
        return entry("sts-access-key-invalid").finding(f"{said}.")
    if "sts-secret-key-wrong" in identified:
        return entry("sts-secret-key-wrong").finding(
            f"{said}: AWS knows the access key, but the secret key does not belong to it."
        )
    if "sts-token-expired" in identified:
        return entry("sts-token-expired").finding(f"{said}.")
    # AccessDenied: sts-role-arn-is-caller shares it, and root keys get it too; the message
    # and the ARNs tell them apart.
    if "sts-assume-role-denied" in identified:
        if _holds_match("sts-root-keys", message):
            return entry("sts-root-keys").finding(f"{said}.")
        role_arn = credentials.role_arn if isinstance(credentials.role_arn, str) else ""
        if ":user/" in role_arn or (caller_arn and role_arn.strip() == caller_arn):
            return entry("sts-role-arn-is-caller").finding(
                f"{said}. role_arn ({role_arn.strip()}) names a user"
                + (
                    ", the very user calling"
                    if caller_arn and role_arn.strip() == caller_arn
                    else ""
                )
                + ", not a role."
            )
        return entry("sts-assume-role-denied").finding(
            f"{said}. The user {caller_arn or '(unknown)'} may not assume {role_arn.strip()}."
        )
    if "role-arn-malformed" in identified:
        return entry("role-arn-malformed").finding(f"{said}.", field="role_arn")
    if "rate-limited" in identified:
        return entry("rate-limited").finding(f"{said}.")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if isinstance(status, int) and status >= 500:
        return entry("service-unavailable").finding(f"{said} (HTTP {status}).")
    return entry("unexpected-response").finding(f"{said} (HTTP {status}).")


def sts_client_finding(error: BaseException, *, secrets: Iterable[str] = ()) -> Finding:
    """Why no STS client could be made: botocore refused the endpoint or a key before
    sending anything."""
    if type(error).__name__ in _NO_KEYS_TO_SIGN_WITH:
        return _sts_keys_missing(error, "AWS STS", secrets)
    return entry("endpoint-url-invalid").finding(
        f"No STS client could be made: {type(error).__name__}: "
        f"{redact_text(str(error), secrets)[:200]}."
    )


def caller_finding(identity: IdentityResult) -> Finding | None:
    """The verdict on the caller GetCallerIdentity named: root keys are an error (they
    cannot assume a role, and should not exist); any other caller, None."""
    if not identity.is_root:
        return None
    return entry("sts-root-keys").finding(
        f"GetCallerIdentity says the keys belong to {identity.arn}, the root user of account "
        f"{identity.account}."
    )


def sts_skipped_findings(credentials: Credentials, *, asked: bool) -> list[Finding]:
    """Why the STS checks cannot run although ``asked`` (--legacy) asks for them: no AWS
    field is set at all. (Some set and some missing is the format stage's finding.)"""
    if asked and not any(credentials.get(key) is not None for key in AWS_KEYS):
        return [
            entry("aws-fields-incomplete").finding(
                "--legacy asks for the STS checks, but no AWS field is set: they need "
                "aws_access_key and aws_secret_key (SP_API_ACCESS_KEY, SP_API_SECRET_KEY)."
            )
        ]
    return []


# --------------------------------------------------------------------------- the secret's expiry
#
# Amazon has no API that tells a client secret's expiry. Its notifications do: the new-secret
# notification dates the new secret (180 days) and the one it replaced (7 days), and the
# expiry notices date the secret that was current when they were sent. What the state file of
# spapi-doctor secret-status and rotate keeps from them is ``certain`` for one secret only
# when the notification names that very secret (its fingerprint), or when an expiry notice
# came after the rotation that issued it; otherwise it is the client's announced date, which
# may be about another of its secrets, and is shown as a warning, never as a blame.

# How long before the expiry the check starts to warn.
EXPIRY_WARNING_DAYS = 30


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _days(seconds: float) -> str:
    days = round(abs(seconds) / 86400)
    return f"{days} day{'s' * (days != 1)}"


def known_expiry_findings(record: Any, *, now: datetime, accepted: bool) -> list[Finding]:
    """The findings of what the state file knows of this secret's expiry (``record``: an
    object with ``expires``, ``certain``, ``basis``, ``event_time`` and ``replaced_at``, or
    None), at ``now``.
    ``accepted``: the SP-API let a token of this secret through in this very check, which
    no expired secret can do, so a past date is then a record out of date, not a verdict."""
    if record is None:
        return []
    left = (record.expires - now).total_seconds()
    if left > EXPIRY_WARNING_DAYS * 86400:
        return []
    when = _when(record.expires)
    if not record.certain:
        tense = f"in {_days(left)}" if left > 0 else f"{_days(left)} ago"
        return [
            entry("client-secret-expiry-announced").finding(
                f"Amazon's notice of {_when(record.event_time)} dates this app's client secret "
                f"to expire on {when} ({tense}). It is about the secret that was current then; "
                "no notification names the secret checked here."
            )
        ]
    if left > 0 and record.replaced_at is not None:
        return [
            entry("client-secret-replaced").finding(
                f"The rotation of {_when(record.replaced_at)} replaced this client secret: "
                f"Amazon stops accepting it on {when}, in {_days(left)}."
            )
        ]
    if left > 0:
        return [
            entry("client-secret-expires-soon").finding(
                f"This client secret expires on {when}, in {_days(left)} ({record.basis})."
            )
        ]
    if accepted:
        return [
            entry("client-secret-expiry-announced").finding(
                f"The state file dates this client secret to have expired on {when} "
                f"({record.basis}), yet the SP-API accepted a token obtained with it just now: "
                "the record is out of date (a rotation it did not see?). Run spapi-doctor "
                "secret-status to read the queue again.",
                fix="Run spapi-doctor secret-status --queue-url URL.",
            )
        ]
    return [
        entry("client-secret-past-expiry").finding(
            f"This client secret expired on {when}, {_days(left)} ago ({record.basis})."
        )
    ]


# --------------------------------------------------------------------------- SQS and rotation

# The words of Amazon's 400 for an app with no rotation queue (the catalogue's match).
(_NOT_ENROLLED,) = entry("rotation-not-enrolled").match


def diagnose_rotation(http: Any, *, secrets: Iterable[str] = ()) -> Finding | None:
    """None when rotateApplicationClientSecret rotated (204); otherwise the finding."""
    if http.failure is None and http.status == 429:
        wait = http.header("Retry-After")
        return entry("rotation-rate-limited").finding(
            f"SP-API at {http.url} answered 429 to rotateApplicationClientSecret"
            + (f" (Retry-After: {shown_value(wait, 40)})" if wait else "")
            + "."
        )
    if http.failure is None and http.status == 204:
        return None
    if http.failure is None and http.status in (400, 403):
        errors = _spapi_errors(http.json()) or []
        first = errors[0] if errors else {}
        said = f"SP-API at {http.url} answered {http.status}: {http.excerpt(secrets=secrets)!r}"
        if http.status == 400 and _NOT_ENROLLED in _said(http.json()):
            return entry("rotation-not-enrolled").finding(f"{said}.")
        details = first.get("details", "")
        if http.status == 403 and first.get("code") == "Unauthorized" and not details:
            return entry("rotation-denied").finding(
                f"{said}. A grantless token of the rotation scope is refused this way; "
                "Amazon documents that a sandbox app cannot rotate through the API."
            )
    _kind, finding = spapi_answer(http, secrets=secrets, operation="rotateApplicationClientSecret")
    if finding is not None:
        return finding
    return unexpected(
        http, "spapi", secrets, why="rotateApplicationClientSecret answers 204 when it rotates"
    )


def diagnose_sqs(
    error: BaseException, *, operation: str, queue: str, secrets: Iterable[object] = ()
) -> Finding:
    """The finding for an exception of an SQS call on ``queue`` (its URL, as shown)."""
    kind = type(error).__name__
    text = escape_controls(redact_text(str(error), secrets))[:300]
    if kind in ("NoCredentialsError", "PartialCredentialsError", "NoRegionError"):
        return entry("queue-aws-credentials").finding(
            f"Amazon SQS ({operation} on {queue}) could not be called: {kind}: {text}."
        )
    network = network_failure(error)
    if network is None and kind.endswith(("ConnectionError", "ConnectionClosedError")):
        network = "network-refused"
    if network is not None:
        return entry("queue-unreachable").finding(
            f"Amazon SQS ({operation} on {queue}): {_phrase(network)} ({text})."
        )
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return entry("queue-unreachable").finding(
            f"Amazon SQS ({operation} on {queue}) failed with {kind}: {text}."
        )
    details = response.get("Error", {})
    code = str(details.get("Code", ""))
    query_code = str(details.get("QueryErrorCode", ""))
    message = escape_controls(redact_text(str(details.get("Message", "")), secrets))[:300]
    said = f"Amazon SQS answered {_word(code)} to {operation} on {queue}: {message!r}"
    # SQS answers in the query protocol's code or in the JSON one's (QueryErrorCode).
    identified = {*_identified(code), *_identified(query_code)}
    for known in ("queue-access-denied", "queue-not-found", "queue-aws-credentials"):
        if known in identified:
            return entry(known).finding(f"{said}.")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return entry("queue-unreachable").finding(f"{said} (HTTP {status}).")


# --------------------------------------------------------------------------- the environment


def endpoint_findings(
    endpoints: Endpoints, *, sts: bool = False, environ: Mapping[str, str] | None = None
) -> list[Finding]:
    """What the endpoints and the network settings do to every call, before any is made.

    Errors (nothing is sent when there is one): an endpoint variable that is no usable URL,
    a CA bundle variable naming something ssl cannot load, a proxy variable requests cannot
    use. Warnings: an endpoint that would get a secret over plain HTTP on another machine.
    ``sts``: the STS calls will run (their endpoint counts too).
    """
    findings = []
    for name, value in endpoints.invalid.items():
        why = url_problem(value) or "it is not an http(s) URL"
        findings.append(
            entry("endpoint-url-invalid").finding(
                f"{name}={shown_value(shown_url(value), 120)}: {why}."
            )
        )
    if findings:
        return findings
    services = [("LWA", endpoints.lwa, "the client secret and the refresh token")]
    services += [
        (f"SP-API {code}", url, "the access token") for code, url in endpoints.spapi.items()
    ]
    if sts and endpoints.sts:
        services.append(("AWS STS", endpoints.sts, "the session token and temporary keys"))
    for label, url, what in services:
        if url.lower().startswith("http://") and not is_loopback(url):
            findings.append(
                entry("endpoint-plain-http").finding(
                    f"{label} at {shown_url(url)} is plain HTTP on another machine: {what} "
                    "would cross the network unencrypted."
                )
            )
    urls = [url for _, url, _ in services]
    if any(url.lower().startswith("https:") for url in urls):
        problem = ca_bundle_problem(environ=environ)
        if problem is not None:
            name, path, why = problem
            findings.append(
                entry("ca-bundle-unusable").finding(
                    f"{name}={shown_value(path, 120)}: {why}. requests uses it for every https "
                    "call, so none could be made."
                )
            )
    seen = set()
    for url in urls:
        problem = proxy_problem(url)
        if problem is not None and problem[0] not in seen:
            seen.add(problem[0])
            name, shown, why = problem
            findings.append(
                entry("proxy-invalid").finding(
                    f"{name}={shown_value(shown, 120)}: {why}; requests would send the calls "
                    f"to {shown_url(url)} through it."
                )
            )
    return findings
