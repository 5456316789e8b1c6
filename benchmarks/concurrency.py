"""A full online check against the mock Amazon with a fixed latency per call.

Compares the check's wall time with
- its critical path: (LWA ‖ STS) then the slowest region probe then the role probes,
  computed from single calls timed one at a time with the same latency;
- a sequential run of the same calls through python-amazon-sp-api: the token, then the
  region probes of NA, EU and FE in turn, then the other probes of NA in turn.

Targets: at most 1.2× the critical path, at most half the sequential peer's time.

Usage: python benchmarks/concurrency.py [--latency-ms 100] [--runs 5] [--markdown]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time

from spapi_docs_helpers.mock._isolation import isolated_home

CRITICAL_TARGET = 1.2
PEER_TARGET = 0.5


def _median_ms(function, runs) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _critical_path(amazon, runs) -> dict:
    """Each phase timed on its own: LWA, STS (caller identity then AssumeRole), one region
    call, one role call; the critical path is max(LWA, STS) + region + role."""
    from spapi_docs_helpers._credentials import Credentials
    from spapi_docs_helpers._endpoints import endpoints_from_env
    from spapi_docs_helpers._lwa import request_token
    from spapi_docs_helpers._probes import probe
    from spapi_docs_helpers._spapi import call
    from spapi_docs_helpers._sts import request_assume_role, request_caller_identity, sts_client
    from spapi_docs_helpers._transport import Transport

    creds = Credentials.from_mapping(amazon.credentials)
    endpoints = endpoints_from_env(amazon.env)
    with Transport(timeout=10) as transport:
        token = request_token(transport, endpoints.lwa, creds).access_token
        base = endpoints.spapi["NA"]
        client = sts_client(creds, endpoint_url=endpoints.sts)

        def sts():
            identity = request_caller_identity(client, creds)
            request_assume_role(client, creds, caller_arn=identity.arn)

        phases = {
            "lwa": _median_ms(lambda: request_token(transport, endpoints.lwa, creds), runs),
            "sts": _median_ms(sts, runs),
            "region": _median_ms(
                lambda: call(transport, base, probe("getMarketplaceParticipations"), token), runs
            ),
            "role": _median_ms(
                lambda: call(transport, base, probe("searchCatalogItems"), token), runs
            ),
        }
    phases["critical"] = max(phases["lwa"], phases["sts"]) + phases["region"] + phases["role"]
    # The check needs STS for nothing downstream, so it runs STS beside the whole chain.
    phases["own_critical"] = max(phases["sts"], phases["lwa"] + phases["region"] + phases["role"])
    return phases


def _sequential_peer(amazon, runs) -> float:
    """The same SP-API calls as the check, one after the other, through python-amazon-sp-api:
    the token, the region probes of NA, EU and FE in turn, then the rest in NA."""
    import sp_api.auth.access_token_client as token_cache
    from sp_api.api import Sellers
    from sp_api.auth import AccessTokenClient
    from sp_api.base import SellingApiException

    from spapi_docs_helpers._probes import region_probes, role_probes

    host = amazon.lwa_url.split("//", 1)[1].split("/", 1)[0]
    local_lwa = type("MockLWA", (AccessTokenClient,), {"scheme": "http://", "host": host})
    credentials = {
        k: amazon.credentials[k] for k in ("refresh_token", "lwa_app_id", "lwa_client_secret")
    }
    asked = {code: region_probes(code) for code in ("NA", "EU", "FE")}
    names = {item.operation for item in asked["NA"]}
    calls = [(code, item) for code, items in asked.items() for item in items]
    calls += [("NA", item) for item in role_probes("NA") if item.operation not in names]

    def client(region):
        made = Sellers(credentials=credentials, auth_token_client_class=local_lwa, timeout=10)
        made.endpoint = amazon.spapi_urls[region]
        return made

    def run():
        token_cache.cache.clear()  # every run pays for its token, as a fresh process would
        clients = {code: client(code) for code in asked}
        clients["NA"].auth  # noqa: B018 — the token exchange happens here
        for code, item in calls:
            data = {"method": item.method, **json.loads(item.body or "{}")}
            params = {**item.params, "method": item.method} if item.method == "GET" else None
            # Only the time of each answer counts here, whatever it says.
            with contextlib.suppress(SellingApiException):
                clients[code]._request(
                    item.path,
                    params=params,
                    data=None if params is not None else data,
                    add_marketplace=False,
                )

    run()  # imports and first-use costs are not part of the comparison
    return _median_ms(run, runs)


def _full_check(amazon, runs) -> float:
    from spapi_docs_helpers import check

    environ = dict(os.environ)  # a clean machine's, pointed at the mock (measure)
    report = check(environ=environ)  # warm-up, and a sanity check
    if not report.ok:
        raise SystemExit("the check failed against the mock:\n" + report.render_text())
    return _median_ms(lambda: check(environ=environ), runs)


def measure(latency_ms=100, runs=5) -> dict:
    from spapi_docs_helpers.mock import MockAmazon

    # On a clean machine (no credential of this one's, an empty home), pointed at the mock.
    # Amazon's usage plans would throttle the repeated runs: this measures the tool.
    with (
        MockAmazon(scenario="happy-legacy", latency_ms=latency_ms, rate_limits=False) as amazon,
        isolated_home(env=amazon.env),
    ):
        phases = _critical_path(amazon, runs)
        check_ms = _full_check(amazon, runs)
        peer_ms = _sequential_peer(amazon, runs)
    return {
        "latency_ms": latency_ms,
        "runs": runs,
        **phases,
        "check": check_ms,
        "peer": peer_ms,
        "vs_critical": check_ms / phases["critical"],
        "vs_own_critical": check_ms / phases["own_critical"],
        "vs_peer": check_ms / peer_ms,
    }


def report_lines(result, markdown=False) -> list:
    ok_critical = result["vs_critical"] <= CRITICAL_TARGET
    ok_peer = result["vs_peer"] <= PEER_TARGET
    rows = [
        ("one LWA call", result["lwa"]),
        ("STS: GetCallerIdentity then AssumeRole", result["sts"]),
        ("one region probe", result["region"]),
        ("one role probe", result["role"]),
        ("critical path: max(LWA, STS) + region + role", result["critical"]),
        ("the check's own critical path: max(STS, LWA + region + role)", result["own_critical"]),
        (
            "spapi-doctor full check (legacy set-up: 1 LWA + 2 STS + 19 SP-API calls)",
            result["check"],
        ),
        ("python-amazon-sp-api, the same SP-API calls in sequence (1 + 19)", result["peer"]),
    ]
    lines = []
    if markdown:
        lines.append("| measured | median (ms) |")
        lines.append("|---|---|")
        lines += [f"| {name} | {ms:.0f} |" for name, ms in rows]
        lines.append("")
        lines.append(
            f"Latency {result['latency_ms']} ms per call, {result['runs']} runs. "
            f"Check / critical path: **{result['vs_critical']:.2f}×** (target ≤ "
            f"{CRITICAL_TARGET}×, {'met' if ok_critical else 'MISSED'}); check / its own "
            f"critical path: {result['vs_own_critical']:.2f}×; check / "
            f"sequential peer: **{result['vs_peer']:.2f}×** (target ≤ {PEER_TARGET}×, "
            f"{'met' if ok_peer else 'MISSED'})."
        )
    else:
        lines += [f"{name:<72} {ms:7.0f} ms" for name, ms in rows]
        lines.append(
            f"check / critical path  {result['vs_critical']:.2f}x "
            f"(target <= {CRITICAL_TARGET}x: {'met' if ok_critical else 'MISSED'})"
        )
        lines.append(f"check / its own critical path {result['vs_own_critical']:.2f}x")
        lines.append(
            f"check / sequential peer {result['vs_peer']:.2f}x "
            f"(target <= {PEER_TARGET}x: {'met' if ok_peer else 'MISSED'})"
        )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    print("\n".join(report_lines(measure(args.latency_ms, args.runs), args.markdown)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
