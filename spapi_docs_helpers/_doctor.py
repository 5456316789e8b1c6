"""The stages of a check, their order and their concurrency.

Offline: load (where the credentials come from) → format (is each one well formed).
Online (later stages) build on the same report, so the verdict of a full check is the
offline verdict plus what Amazon and AWS said.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext

from ._endpoints import ENV_REGION, ENV_SANDBOX, STS_DEFAULT, endpoints_from_env
from ._formats import check_formats
from ._peers import installed_peers
from ._redaction import protect_logs, shown_url
from ._report import Report, StageResult
from ._sources import resolve_credentials

# The offline path must not import typing (start-up cost): the names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from ._catalogue import Finding
    from ._credentials import Credentials
    from ._endpoints import Endpoints
    from ._transport import Transport


class Settled:
    """What a check reads from the machine that stays the same for the whole of a run: the
    peer libraries installed, the endpoints an environment selects, and the findings of the
    endpoint and network settings. A single check reads each afresh (this class); a fleet
    check reads each once per run and shares it with every account
    (:class:`._fleet.SettledRun`), since none of it depends on the account.
    """

    def peers(self) -> dict[str, Any]:
        return installed_peers()

    def endpoints(self, env: Mapping[str, str], *, sandbox: bool) -> Endpoints:
        return endpoints_from_env(env, sandbox=sandbox)

    def settings(self, endpoints: Endpoints, sts: bool) -> list[Finding]:
        from ._diagnose import endpoint_findings

        return endpoint_findings(endpoints, sts=sts)


def _stage_status(findings) -> str:
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "failed"
    if "warning" in severities:
        return "warning"
    return "ok"


def _counts(findings) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' * (errors != 1)}")
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return ", ".join(parts)


class _Stage:
    """One stage under way: said to have started (with what it does), timed, then its
    :class:`StageResult` made and said done. ``progress`` is a :class:`_Progress` or None
    (nobody listens); without ``detail`` no start is said. A skipped stage did nothing
    to time, so it has no duration."""

    __slots__ = ("name", "progress", "started")

    def __init__(self, name, progress=None, detail=None):
        self.name = name
        self.progress = progress
        self.started = time.perf_counter()
        if progress is not None and detail is not None:
            progress.start(name, detail)

    def done(self, status, summary, *, data=None, duration_ms=None) -> StageResult:
        """The stage's result, said done; ``duration_ms`` when something else timed it."""
        if status == "skipped":
            duration_ms = None
        elif duration_ms is None:
            duration_ms = _elapsed(self.started)
        stage = StageResult(self.name, status, summary, duration_ms=duration_ms, data=data)
        if self.progress is not None:
            self.progress.done(stage)
        return stage


def _elapsed(started):
    return (time.perf_counter() - started) * 1000


def load_stage(
    account, credentials, environ, secrets_reader, sp_api_version, timeout=10.0, config_cache=None
):
    stage = _Stage("load")
    resolution = resolve_credentials(
        account,
        credentials,
        environ=environ,
        secrets_reader=secrets_reader,
        sp_api_version=sp_api_version,
        timeout=timeout,
        config_cache=config_cache,
    )
    findings = resolution.findings
    if resolution.used is not None:  # resolution.ok
        summary = f"credentials from the {resolution.used.label}"
    else:
        summary = "no source holds both lwa_app_id and lwa_client_secret"
    extra = _counts(findings)
    return resolution, stage.done(
        _stage_status(findings), summary + (f" ({extra})" if extra else "")
    )


def format_stage(resolution, sp_api_version):
    stage = _Stage("format")
    if resolution.credentials is None:
        return [], stage.done("skipped", "nothing to check")
    findings = check_formats(
        resolution.credentials, sp_api_version=sp_api_version, source=resolution.used.name
    )
    present = len(resolution.credentials.present())
    summary = _counts(findings) or f"{present} field{'s' * (present != 1)} well formed"
    return findings, stage.done(_stage_status(findings), summary)


def check_offline(
    account: str = "default",
    credentials: Credentials | Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    secrets_reader: Callable[[str], str | None] | None = None,
    timeout: float = 10.0,
) -> Report:
    """Where the credentials come from and whether each is well formed; no network.

    (AWS Secrets Manager is the exception: when python-amazon-sp-api would read the
    credentials from it, so does this check, with ``timeout`` per connect and read.)
    """
    started = time.perf_counter()
    peers = installed_peers()
    sw = peers["python-amazon-sp-api"]
    sp_api_version = sw.version if sw else None
    resolution, load = load_stage(
        account, credentials, environ, secrets_reader, sp_api_version, timeout=timeout
    )
    format_findings, fmt = format_stage(resolution, sp_api_version)
    return Report(
        account=account,
        mode="offline",
        resolution=resolution,
        stages=[load, fmt],
        findings=[*resolution.findings, *format_findings],
        peers=peers,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


# --------------------------------------------------------------------------- online


class _Progress:
    """Tells a listener when a stage starts and ends (the CLI shows it on a terminal)."""

    def __init__(self, listener):
        self.listener = listener

    def start(self, name, detail):
        if self.listener is not None:
            self.listener("start", name, detail)

    def done(self, stage):
        if self.listener is not None:
            self.listener("done", stage.name, stage)


def _lwa_stage(transport, endpoints, creds, format_findings, progress, token_cache=None):
    from ._lwa import request_token

    stage = _Stage("lwa", progress, f"exchanging the refresh token at {shown_url(endpoints.lwa)}")
    if not isinstance(creds.refresh_token, str) or not creds.refresh_token:
        return None, stage.done("skipped", "no refresh token to exchange")

    def exchange():
        return request_token(transport, endpoints.lwa, creds, format_findings=format_findings)

    # A fleet shares one exchange per refresh token (and client): see _fleet.TokenCache.
    result = exchange() if token_cache is None else token_cache.get(endpoints.lwa, creds, exchange)
    return result, _token_stage_done(stage, result)


def _token_stage_done(stage, result):
    if result.finding is None:
        return stage.done("ok", result.summary(), data=result.as_dict())
    finding = result.finding
    return stage.done("failed", f"{finding.title} ({finding.code})", data=result.as_dict())


def _grantless_stage(transport, endpoints, creds, scope, progress):
    from ._lwa import request_token

    stage = _Stage("grantless", progress, f"asking LWA for a grantless token ({scope})")
    result = request_token(transport, endpoints.lwa, creds, grant="client_credentials", scope=scope)
    return result, _token_stage_done(stage, result)


def _sts_stage(endpoints, creds, timeout, retries, wanted, asked, progress):
    """GetCallerIdentity, then AssumeRole; skipped when there is nothing to check.

    ``wanted``: AWS fields are set, or ``asked`` (--legacy) says to try anyway.
    """
    from ._diagnose import sts_skipped_findings

    keys = creds.aws_access_key, creds.aws_secret_key
    if not wanted:
        return [], StageResult("sts", "skipped", "no AWS fields: not needed since 2023-10-02")
    if not all(isinstance(v, str) and v.strip() for v in keys):
        return sts_skipped_findings(creds, asked=asked), StageResult(
            "sts", "skipped", "needs aws_access_key and aws_secret_key (see the format stage)"
        )
    from ._sts import request_assume_role, request_caller_identity, sts_client_or_finding

    where = shown_url(endpoints.sts) if endpoints.sts else STS_DEFAULT
    stage = _Stage("sts", progress, f"GetCallerIdentity and AssumeRole at {where}")
    client, problem = sts_client_or_finding(
        creds, endpoint_url=endpoints.sts, timeout=timeout, retries=retries
    )
    if problem is not None:
        return [problem], stage.done("failed", f"{problem.title} ({problem.code})")
    identity = request_caller_identity(client, creds)
    findings = [identity.finding] if identity.finding else []
    data: dict[str, Any] = {"identity": identity.as_dict()}
    lines = [f"caller: {identity.arn}"] if identity.arn else []
    if identity.ok and isinstance(creds.role_arn, str) and creds.role_arn.strip():
        role = request_assume_role(client, creds, caller_arn=identity.arn)
        data["assume_role"] = role.as_dict()
        if role.finding is None:
            lines.append(f"assumed: {role.assumed_role_arn}")
        else:
            findings.append(role.finding)
    data["lines"] = lines
    if findings:
        return findings, stage.done(
            "failed", f"{findings[0].title} ({findings[0].code})", data=data
        )
    what = (
        "keys valid, role assumed"
        if "assume_role" in data
        else "keys valid (no role_arn to assume)"
    )
    return findings, stage.done("ok", what, data=data)


def check(
    account: str = "default",
    credentials: Credentials | Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    sandbox: bool = False,
    grantless: str | None = None,
    legacy: bool = False,
    endpoints: Endpoints | None = None,
    progress: Callable[[str, str, Any], None] | None = None,
    secrets_reader: Callable[[str], str | None] | None = None,
    retries: int | None = None,
    transport: Transport | None = None,
    token_cache: Any = None,
    roles: bool = True,
    config_cache: dict[str, Any] | None = None,
    secret_state: Any = None,
    settled: Settled | None = None,
) -> Report:
    """The full check: load, format, LWA ‖ STS, region probes, role probes, verdict.

    Independent calls run at the same time. Whatever the credentials hold and whatever
    the services answer, the report carries the verdict: nothing they do raises.
    ``endpoints`` (an :class:`Endpoints`) replaces those the environment selects, and
    with them ``sandbox``. ``progress(event, stage, payload)`` is told when each stage
    starts (``"start"``, the stage's name, what it does) and ends (``"done"``, the name,
    its :class:`StageResult`); it may be called from several threads.

    What a fleet check (``check --all-accounts``) shares between accounts, none of which
    changes what one check concludes: ``transport`` (one connection pool per host; not
    closed here), ``token_cache`` (one LWA exchange per refresh token), ``config_cache``
    (one parse of credentials.yml), ``secret_state`` (one read of the expiry state file)
    and ``settled`` (a :class:`Settled`: the peer libraries, the endpoints and the findings
    of the endpoint and network settings, the same for every account). ``roles=False`` stops at the token's region
    (found in fewer calls); the roles stage is then skipped.
    """
    from ._deadline import Concurrently
    from ._transport import DEFAULT_RETRIES, Transport

    env = os.environ if environ is None else environ
    started = time.perf_counter()
    events = _Progress(progress)
    settled = settled or Settled()
    peers = settled.peers()
    sw = peers["python-amazon-sp-api"]
    sp_api_version = sw.version if sw else None
    endpoints = endpoints or settled.endpoints(env, sandbox=sandbox)

    events.start("load", "loading the credentials")
    resolution, load = load_stage(
        account,
        credentials,
        environ,
        secrets_reader,
        sp_api_version,
        timeout=timeout,
        config_cache=config_cache,
    )
    events.done(load)
    format_findings, fmt = format_stage(resolution, sp_api_version)
    events.done(fmt)
    stages = [load, fmt]
    findings = [*resolution.findings, *format_findings]

    def finish():
        return Report(
            account=account,
            mode="online",
            resolution=resolution,
            stages=stages,
            findings=findings,
            peers=peers,
            endpoints=endpoints,
            duration_ms=_elapsed(started),
        )

    if resolution.credentials is None:
        stages.append(StageResult("lwa", "skipped", "no credentials to exchange"))
        return finish()
    creds = resolution.credentials
    wants_sts = legacy or creds.has_legacy_aws

    # Endpoint URLs, plain HTTP, CA bundles, proxies: what would stop or expose every call.
    environment = settled.settings(endpoints, wants_sts)
    findings.extend(environment)
    if any(f.severity == "error" for f in environment):
        stages.append(StageResult("lwa", "skipped", "the settings stop every call (see findings)"))
        return finish()

    # From here on, requests, urllib3 and botocore log at DEBUG what they send: mask it.
    protect_logs([creds.get(k) for k in creds.present() if k != "role_arn"])
    retries = DEFAULT_RETRIES if retries is None else retries

    # STS runs beside the whole LWA → region → roles chain: nothing downstream needs it.
    # Leaving the block (Ctrl-C included) cancels what still runs and waits for nothing.
    shared = nullcontext(transport) if transport is not None else None
    # Threads only for what runs beside the chain (STS, a grantless token); without them
    # no block is set up (a fleet checks thousands of accounts, most with neither).
    beside = Concurrently() if wants_sts or grantless else nullcontext()
    # The check's own transport lives for this check only, whose environment does not
    # change meanwhile: proxies, the CA bundle and ~/.netrc are read once per host, and its
    # calls take the settled session's direct path (_transport.SettledSession), as a
    # fleet's do.
    with (
        shared
        or Transport(timeout=timeout, retries=retries, settled_environment=True) as transport,
        beside as pool,
    ):
        # Without AWS fields the STS stage is skipped at once: no thread for it.
        sts_future = (
            pool.submit(_sts_stage, endpoints, creds, timeout, retries, wants_sts, legacy, events)
            if wants_sts and pool is not None
            else None
        )
        grantless_future = (
            pool.submit(_grantless_stage, transport, endpoints, creds, grantless, events)
            if grantless and pool is not None
            else None
        )
        token, lwa = _lwa_stage(
            transport, endpoints, creds, format_findings, events, token_cache=token_cache
        )
        stages.append(lwa)
        if token is not None and token.finding is not None:
            findings.append(token.finding)
        if token is not None and token.ok:
            _spapi_stages(
                transport,
                endpoints,
                env,
                token,
                creds,
                stages,
                findings,
                events,
                roles=roles,
                settled=settled,
            )
        else:
            stages.append(StageResult("region", "skipped", "no access token"))
            stages.append(StageResult("roles", "skipped", "no access token"))
            from ._diagnose import clock_findings

            findings.extend(clock_findings(token.http if token else None))
        if grantless_future is not None:
            grantless_result, grantless_stage = grantless_future.result()
            stages.insert(stages.index(lwa) + 1, grantless_stage)
            if grantless_result.finding is not None:
                findings.append(grantless_result.finding)
        sts_findings, sts = (
            sts_future.result()
            if sts_future is not None
            else _sts_stage(endpoints, creds, timeout, retries, wants_sts, legacy, events)
        )
        stages.insert(stages.index(lwa) + 1, sts)
        findings.extend(sts_findings)
    findings.extend(_expiry_findings(creds, env, stages, secret_state))
    return finish()


def _expiry_findings(creds, env, stages, secret_state) -> list:
    """What Amazon's notifications (kept by secret-status and rotate) say of this secret's
    expiry: a warning 30 days ahead, an error after it (see _diagnose)."""
    from datetime import datetime, timezone

    from ._diagnose import known_expiry_findings
    from ._rotation import known_expiry

    record = known_expiry(creds, environ=env, state=secret_state)
    region = next((stage for stage in stages if stage.name == "region"), None)
    accepted = region is not None and region.status == "ok"
    return known_expiry_findings(record, now=datetime.now(timezone.utc), accepted=accepted)


def _spapi_stages(
    transport, endpoints, env, token, creds, stages, findings, events, *, roles, settled
):
    """The token's region (every region at once, the first let-through decides), then every
    probe in that region: what the token may call, and what that proves about its roles.
    ``roles=False``: the region only, in the fewest calls."""
    from ._diagnose import clock_findings, region_advice
    from ._spapi import find_region, search

    secrets = [creds.refresh_token, creds.lwa_client_secret]
    stage = _Stage("region", events, "asking NA, EU and FE which lets the token through")
    sandbox = _sandbox_to_ask(endpoints, env, settled)
    if roles:
        probe, table = search(
            transport, endpoints, token.access_token, secrets=secrets, sandbox_endpoints=sandbox
        )
    else:
        probe = find_region(
            transport, endpoints, token.access_token, secrets=secrets, sandbox_endpoints=sandbox
        )
        table = None
    if probe.ok:
        findings.extend(region_advice(probe, env))
    findings.extend(probe.findings)
    # Timed by the search: the region is known before the role probes end.
    region = stage.done(
        "ok" if probe.ok else "failed",
        probe.summary(),
        data=probe.as_dict(),
        duration_ms=probe.elapsed_ms,
    )
    stages.append(region)
    findings.extend(clock_findings(token.http))
    if table is None:
        why = "no region lets the token through" if not probe.ok else "not asked (region only)"
        stages.append(StageResult("roles", "skipped", why))
        return
    findings.extend(table.findings)
    severities = {f.severity for f in table.findings}
    status = "failed" if "error" in severities else "warning" if "warning" in severities else "ok"
    stages.append(
        _Stage("roles", events).done(
            status, table.summary(), data=table.as_dict(), duration_ms=table.elapsed_ms
        )
    )


def _sandbox_to_ask(endpoints, env, settled) -> dict | None:
    """Where to ask when production refuses everything: the sandbox hosts of the same world.

    Never for a sandbox check, and never Amazon's own sandbox for custom production
    endpoints (a mock's or a proxy's token must not travel to Amazon)."""
    if endpoints.sandbox:
        return None
    custom = any(env.get(ENV_REGION[code]) for code in endpoints.spapi)
    sandbox_set = all(env.get(ENV_SANDBOX[code]) for code in endpoints.spapi)
    if custom and not sandbox_set:
        return None
    return settled.endpoints(env, sandbox=True).spapi


def nothing_configured(resolution) -> bool:
    """True when no source holds anything credential-like (the newcomer's case)."""
    if any(source.values or source.status == "error" for source in resolution.sources):
        return False
    return all(
        f.code in ("config-file-not-found",) or f.severity == "info"
        for f in resolution.findings
        if f.code != "no-credentials"
    )


def check_demo(
    scenario: str = "happy",
    *,
    timeout: float = 10.0,
    progress: Callable[[str, str, Any], None] | None = None,
    latency_ms: int = 0,
) -> Report:
    """The full check against the embedded mock Amazon, isolated from your own set-up."""
    from .mock import MockAmazon
    from .mock._isolation import isolated_home

    # The mock starts its AWS part (moto) only when the scenario needs it. The check reads
    # `environ`, never os.environ: a clean machine's, with an empty home of its own.
    environ: dict = {}
    with (
        MockAmazon(scenario=scenario, latency_ms=latency_ms) as amazon,
        isolated_home(environ=environ, env=amazon.env, prefix="spapi-demo-"),
    ):
        return check(environ=environ, timeout=timeout, progress=progress)
