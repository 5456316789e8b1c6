"""The stages of a check, their order and their concurrency.

Offline: load (where the credentials come from) → format (is each one well formed).
Online (later stages) build on the same report, so the verdict of a full check is the
offline verdict plus what Amazon and AWS said.
"""

from __future__ import annotations

import time

from ._credentials import AWS_KEYS
from ._endpoints import ENV_REGION, ENV_SANDBOX, STS_DEFAULT, endpoints_from_env
from ._formats import check_formats
from ._peers import installed_peers
from ._redaction import shown_url
from ._report import Report, StageResult
from ._sources import resolve_credentials

__all__ = ["check", "check_offline"]


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


def load_stage(
    account, credentials, environ, secrets_reader, sp_api_version, timeout=10.0, config_cache=None
):
    started = time.perf_counter()
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
    if resolution.ok:
        summary = f"credentials from the {resolution.used.label}"
    else:
        summary = "no source holds both lwa_app_id and lwa_client_secret"
    extra = _counts(findings)
    stage = StageResult(
        "load",
        _stage_status(findings),
        summary + (f" ({extra})" if extra else ""),
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    return resolution, stage


def format_stage(resolution, sp_api_version):
    started = time.perf_counter()
    if resolution.credentials is None:
        return [], StageResult("format", "skipped", "nothing to check")
    findings = check_formats(
        resolution.credentials, sp_api_version=sp_api_version, source=resolution.used.name
    )
    present = len(resolution.credentials.present())
    summary = _counts(findings) or f"{present} field{'s' * (present != 1)} well formed"
    stage = StageResult(
        "format",
        _stage_status(findings),
        summary,
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    return findings, stage


def check_offline(
    account: str = "default", credentials=None, *, environ=None, secrets_reader=None, timeout=10.0
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


def _elapsed(started):
    return (time.perf_counter() - started) * 1000


def _lwa_stage(transport, endpoints, creds, format_findings, progress, token_cache=None):
    from ._lwa import request_token

    progress.start("lwa", f"exchanging the refresh token at {shown_url(endpoints.lwa)}")
    started = time.perf_counter()
    if not isinstance(creds.refresh_token, str) or not creds.refresh_token:
        stage = StageResult("lwa", "skipped", "no refresh token to exchange")
        progress.done(stage)
        return None, stage

    def exchange():
        return request_token(transport, endpoints.lwa, creds, format_findings=format_findings)

    # A fleet shares one exchange per refresh token (and client): see _fleet.TokenCache.
    result = exchange() if token_cache is None else token_cache.get(endpoints.lwa, creds, exchange)
    if result.ok:
        stage = StageResult(
            "lwa", "ok", result.summary(), duration_ms=_elapsed(started), data=result.as_dict()
        )
    else:
        stage = StageResult(
            "lwa",
            "failed",
            f"{result.finding.title} ({result.finding.code})",
            duration_ms=_elapsed(started),
            data=result.as_dict(),
        )
    progress.done(stage)
    return result, stage


def _grantless_stage(transport, endpoints, creds, scope, progress):
    from ._lwa import request_token

    progress.start("grantless", f"asking LWA for a grantless token ({scope})")
    started = time.perf_counter()
    result = request_token(transport, endpoints.lwa, creds, grant="client_credentials", scope=scope)
    status = "ok" if result.ok else "failed"
    summary = result.summary() if result.ok else f"{result.finding.title} ({result.finding.code})"
    stage = StageResult(
        "grantless", status, summary, duration_ms=_elapsed(started), data=result.as_dict()
    )
    progress.done(stage)
    return result, stage


def _sts_stage(endpoints, creds, timeout, retries, wanted, asked, progress):
    """GetCallerIdentity, then AssumeRole; skipped when there is nothing to check.

    ``wanted``: AWS fields are set, or ``asked`` (--legacy) says to try anyway.
    """
    from ._catalogue import entry

    keys = creds.aws_access_key, creds.aws_secret_key
    if not wanted:
        return [], StageResult("sts", "skipped", "no AWS fields: not needed since 2023-10-02")
    if not all(isinstance(v, str) and v.strip() for v in keys):
        findings = []
        if asked and not any(creds.get(k) is not None for k in AWS_KEYS):
            findings.append(
                entry("aws-fields-incomplete").finding(
                    "--legacy asks for the STS checks, but no AWS field is set: they need "
                    "aws_access_key and aws_secret_key (SP_API_ACCESS_KEY, SP_API_SECRET_KEY)."
                )
            )
        return findings, StageResult(
            "sts", "skipped", "needs aws_access_key and aws_secret_key (see the format stage)"
        )
    from ._sts import assume, identify, sts_client_or_finding

    where = shown_url(endpoints.sts) if endpoints.sts else STS_DEFAULT
    progress.start("sts", f"GetCallerIdentity and AssumeRole at {where}")
    started = time.perf_counter()
    client, problem = sts_client_or_finding(
        creds, endpoint_url=endpoints.sts, timeout=timeout, retries=retries
    )
    if problem is not None:
        stage = StageResult(
            "sts", "failed", f"{problem.title} ({problem.code})", duration_ms=_elapsed(started)
        )
        progress.done(stage)
        return [problem], stage
    identity = identify(client, creds)
    findings = [identity.finding] if identity.finding else []
    data = {"identity": identity.as_dict()}
    lines = [f"caller: {identity.arn}"] if identity.arn else []
    if identity.ok and isinstance(creds.role_arn, str) and creds.role_arn.strip():
        role = assume(client, creds, caller_arn=identity.arn)
        data["assume_role"] = role.as_dict()
        if role.ok:
            lines.append(f"assumed: {role.assumed_role_arn}")
        else:
            findings.append(role.finding)
    if findings:
        stage = StageResult(
            "sts",
            "failed",
            f"{findings[0].title} ({findings[0].code})",
            duration_ms=_elapsed(started),
            data={**data, "lines": lines},
        )
    else:
        what = (
            "keys valid, role assumed"
            if "assume_role" in data
            else "keys valid (no role_arn to assume)"
        )
        stage = StageResult(
            "sts", "ok", what, duration_ms=_elapsed(started), data={**data, "lines": lines}
        )
    progress.done(stage)
    return findings, stage


def check(
    account: str = "default",
    credentials=None,
    *,
    environ=None,
    timeout=10.0,
    sandbox=False,
    grantless=None,
    legacy=False,
    endpoints=None,
    progress=None,
    secrets_reader=None,
    retries=None,
    transport=None,
    token_cache=None,
    roles=True,
    config_cache=None,
    secret_state=None,
    settings_checks=None,
) -> Report:
    """The full check: load, format, LWA ‖ STS, region probes, role probes, verdict.

    Independent calls run at the same time. Whatever the credentials hold and whatever
    the services answer, the report carries the verdict: nothing they do raises.
    ``endpoints`` (an :class:`Endpoints`) replaces those the environment selects, and
    with them ``sandbox``.

    What a fleet check (``check --all-accounts``) shares between accounts, none of which
    changes what one check concludes: ``transport`` (one connection pool per host; not
    closed here), ``token_cache`` (one LWA exchange per refresh token), ``config_cache``
    (one parse of credentials.yml), ``secret_state`` (one read of the expiry state file)
    and ``settings_checks(endpoints, sts)`` (the findings of the endpoint and network
    settings, the same for every account). ``roles=False`` stops at the token's region
    (found in fewer calls); the roles stage is then skipped.
    """
    import os
    from contextlib import nullcontext

    from ._deadline import Concurrently
    from ._endpoints import endpoints_from_env
    from ._transport import DEFAULT_RETRIES, Transport

    env = os.environ if environ is None else environ
    started = time.perf_counter()
    events = _Progress(progress)
    peers = installed_peers()
    sw = peers["python-amazon-sp-api"]
    sp_api_version = sw.version if sw else None
    endpoints = endpoints or endpoints_from_env(env, sandbox=sandbox)

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
    from ._diagnose import endpoint_findings

    # Endpoint URLs, plain HTTP, CA bundles, proxies: what would stop or expose every call.
    if settings_checks is None:
        environment = endpoint_findings(endpoints, sts=wants_sts)
    else:
        environment = settings_checks(endpoints, wants_sts)
    findings.extend(environment)
    if any(f.severity == "error" for f in environment):
        stages.append(StageResult("lwa", "skipped", "the settings stop every call (see findings)"))
        return finish()
    from ._redaction import protect_logs

    # From here on, requests, urllib3 and botocore log at DEBUG what they send: mask it.
    protect_logs([creds.get(k) for k in creds.present() if k != "role_arn"])
    retries = DEFAULT_RETRIES if retries is None else retries

    # STS runs beside the whole LWA → region → roles chain: nothing downstream needs it.
    # Leaving the block (Ctrl-C included) cancels what still runs and waits for nothing.
    shared = nullcontext(transport) if transport is not None else None
    with (
        shared or Transport(timeout=timeout, retries=retries) as transport,
        Concurrently() as pool,
    ):
        sts_future = pool.submit(
            _sts_stage, endpoints, creds, timeout, retries, wants_sts, legacy, events
        )
        grantless_future = (
            pool.submit(_grantless_stage, transport, endpoints, creds, grantless, events)
            if grantless
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
                transport, endpoints, env, token, creds, stages, findings, events, roles=roles
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
        sts_findings, sts = sts_future.result()
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


def _spapi_stages(transport, endpoints, env, token, creds, stages, findings, events, roles=True):
    """The token's region (every region at once, the first let-through decides), then every
    probe in that region: what the token may call, and what that proves about its roles.
    ``roles=False``: the region only, in the fewest calls."""
    from ._diagnose import clock_findings, region_advice
    from ._spapi import find_region, search

    secrets = [creds.refresh_token, creds.lwa_client_secret]
    events.start("region", "asking NA, EU and FE which lets the token through")
    if roles:
        probe, table = search(
            transport,
            endpoints,
            token.access_token,
            secrets=secrets,
            sandbox_endpoints=_sandbox_to_ask(endpoints, env),
        )
    else:
        probe, table = (
            find_region(
                transport,
                endpoints,
                token.access_token,
                secrets=secrets,
                sandbox_endpoints=_sandbox_to_ask(endpoints, env),
            ),
            None,
        )
    if probe.ok:
        findings.extend(region_advice(probe, env))
    findings.extend(probe.findings)
    region = StageResult(
        "region",
        "ok" if probe.ok else "failed",
        probe.summary(),
        duration_ms=probe.elapsed_ms,
        data=probe.as_dict(),
    )
    events.done(region)
    stages.append(region)
    findings.extend(clock_findings(token.http))
    if table is None:
        why = "no region lets the token through" if not probe.ok else "not asked (region only)"
        stages.append(StageResult("roles", "skipped", why))
        return
    findings.extend(table.findings)
    severities = {f.severity for f in table.findings}
    status = "failed" if "error" in severities else "warning" if "warning" in severities else "ok"
    roles = StageResult(
        "roles", status, table.summary(), duration_ms=table.elapsed_ms, data=table.as_dict()
    )
    events.done(roles)
    stages.append(roles)


def _sandbox_to_ask(endpoints, env) -> dict | None:
    """Where to ask when production refuses everything: the sandbox hosts of the same world.

    Never for a sandbox check, and never Amazon's own sandbox for custom production
    endpoints (a mock's or a proxy's token must not travel to Amazon)."""
    if endpoints.sandbox:
        return None
    custom = any(env.get(ENV_REGION[code]) for code in endpoints.spapi)
    sandbox_set = all(env.get(ENV_SANDBOX[code]) for code in endpoints.spapi)
    if custom and not sandbox_set:
        return None
    return endpoints_from_env(env, sandbox=True).spapi


def nothing_configured(resolution) -> bool:
    """True when no source holds anything credential-like (the newcomer's case)."""
    if any(source.values or source.status == "error" for source in resolution.sources):
        return False
    return all(
        f.code in ("config-file-not-found",) or f.severity == "info"
        for f in resolution.findings
        if f.code != "no-credentials"
    )


def check_demo(scenario: str = "happy", *, timeout=10.0, progress=None, latency_ms=0) -> Report:
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
