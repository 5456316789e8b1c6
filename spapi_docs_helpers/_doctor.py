"""The stages of a check, their order and their concurrency.

Offline: load (where the credentials come from) → format (is each one well formed).
Online (later stages) build on the same report, so the verdict of a full check is the
offline verdict plus what Amazon and AWS said.
"""

from __future__ import annotations

import time

from ._formats import check_formats
from ._peers import installed_peers
from ._report import Report, StageResult
from ._sources import resolve_credentials

__all__ = ["check_offline"]


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


def load_stage(account, credentials, environ, secrets_reader, sp_api_version):
    started = time.perf_counter()
    resolution = resolve_credentials(account, credentials, environ=environ,
                                     secrets_reader=secrets_reader,
                                     sp_api_version=sp_api_version)
    findings = resolution.findings
    if resolution.ok:
        summary = f"credentials from the {resolution.used.label}"
    else:
        summary = "no source holds both lwa_app_id and lwa_client_secret"
    extra = _counts(findings)
    stage = StageResult("load", _stage_status(findings),
                        summary + (f" ({extra})" if extra else ""),
                        duration_ms=(time.perf_counter() - started) * 1000)
    return resolution, stage


def format_stage(resolution, sp_api_version):
    started = time.perf_counter()
    if resolution.credentials is None:
        return [], StageResult("format", "skipped", "nothing to check")
    findings = check_formats(resolution.credentials, sp_api_version=sp_api_version,
                             source=resolution.used.name)
    present = len(resolution.credentials.present())
    summary = _counts(findings) or f"{present} field{'s' * (present != 1)} well formed"
    stage = StageResult("format", _stage_status(findings), summary,
                        duration_ms=(time.perf_counter() - started) * 1000)
    return findings, stage


def check_offline(account: str = "default", credentials=None, *, environ=None,
                  secrets_reader=None) -> Report:
    """Where the credentials come from and whether each is well formed; no network.

    (AWS Secrets Manager is the exception: when python-amazon-sp-api would read the
    credentials from it, so does this check.)
    """
    started = time.perf_counter()
    peers = installed_peers()
    sw = peers["python-amazon-sp-api"]
    sp_api_version = sw.version if sw else None
    resolution, load = load_stage(account, credentials, environ, secrets_reader, sp_api_version)
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
