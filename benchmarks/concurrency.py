"""A full online check against the mock Amazon with a fixed latency per call.

Compares the check's wall time with
- its critical path: (LWA ‖ STS) then the slowest region probe then the role probes,
  computed from single calls timed one at a time with the same latency;
- a sequential run of the same calls through python-amazon-sp-api: the token, then
  marketplaceParticipations on each region in turn, then the five role probes in turn.

Targets: at most 1.2× the critical path, at most half the sequential peer's time.

Usage: python benchmarks/concurrency.py [--latency-ms 100] [--runs 5] [--markdown]
"""

from __future__ import annotations

import argparse
import contextlib
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
    from spapi_docs_helpers._spapi import PARTICIPATIONS_PATH, ROLE_PROBES
    from spapi_docs_helpers._sts import assume, identify, sts_client
    from spapi_docs_helpers._transport import Transport

    creds = Credentials.from_mapping(amazon.credentials)
    endpoints = endpoints_from_env(amazon.env)
    with Transport(timeout=10) as transport:
        token = request_token(transport, endpoints.lwa, creds).access_token
        headers = {"x-amz-access-token": token}
        probe = ROLE_PROBES[0]
        role_url = endpoints.spapi["NA"] + probe.path
        role_params = {k: v.replace("{mp}", "ATVPDKIKX0DER") for k, v in probe.params.items()}
        client = sts_client(creds, endpoint_url=endpoints.sts)

        def sts():
            identity = identify(client, creds)
            assume(client, creds, caller_arn=identity.arn)

        phases = {
            "lwa": _median_ms(lambda: request_token(transport, endpoints.lwa, creds), runs),
            "sts": _median_ms(sts, runs),
            "region": _median_ms(
                lambda: transport.request(
                    "GET", endpoints.spapi["NA"] + PARTICIPATIONS_PATH, headers=headers
                ),
                runs,
            ),
            "role": _median_ms(
                lambda: transport.request("GET", role_url, headers=headers, params=role_params),
                runs,
            ),
        }
    phases["critical"] = max(phases["lwa"], phases["sts"]) + phases["region"] + phases["role"]
    # The check needs STS for nothing downstream, so it runs STS beside the whole chain.
    phases["own_critical"] = max(phases["sts"], phases["lwa"] + phases["region"] + phases["role"])
    return phases


def _sequential_peer(amazon, runs) -> float:
    """The same calls, one after the other, through python-amazon-sp-api's clients."""
    import sp_api.auth.access_token_client as token_cache
    from sp_api.api import CatalogItems, Finances, Inventories, Orders, Reports, Sellers
    from sp_api.auth import AccessTokenClient
    from sp_api.base import SellingApiException

    host = amazon.lwa_url.split("//", 1)[1].split("/", 1)[0]
    local_lwa = type("MockLWA", (AccessTokenClient,), {"scheme": "http://", "host": host})
    credentials = {
        k: amazon.credentials[k] for k in ("refresh_token", "lwa_app_id", "lwa_client_secret")
    }
    marketplace = "ATVPDKIKX0DER"

    def client(api, region="NA"):
        made = api(credentials=credentials, auth_token_client_class=local_lwa, timeout=10)
        made.endpoint = amazon.spapi_urls[region]
        return made

    role_calls = (
        (
            Orders,
            lambda c: c.get_orders(
                MarketplaceIds=[marketplace], CreatedAfter="2024-01-01T00:00:00Z"
            ),
        ),
        (
            CatalogItems,
            lambda c: c.search_catalog_items(marketplaceIds=[marketplace], keywords="test"),
        ),
        (Inventories, lambda c: c.get_inventory_summary_marketplace(marketplaceIds=[marketplace])),
        (Reports, lambda c: c.get_reports(reportTypes=["GET_V2_SELLER_PERFORMANCE_REPORT"])),
        (Finances, lambda c: c.list_financial_event_groups()),
    )

    def run():
        token_cache.cache.clear()  # every run pays for its token, as a fresh process would
        sellers = client(Sellers)
        sellers.auth  # noqa: B018 — the token exchange happens here
        for region in ("NA", "EU", "FE"):
            # The 403 of the regions that are not the token's is an answer like any other.
            with contextlib.suppress(SellingApiException):
                client(Sellers, region).get_marketplace_participation()
        for api, call in role_calls:
            # Only the time of each answer counts here, whatever it says.
            with contextlib.suppress(SellingApiException):
                call(client(api))

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
    with (
        MockAmazon(scenario="happy-legacy", latency_ms=latency_ms) as amazon,
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
        ("spapi-doctor full check (legacy set-up: 1 + 2 STS + 3 + 5 calls)", result["check"]),
        ("python-amazon-sp-api, the same SP-API calls in sequence (1 + 3 + 5)", result["peer"]),
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
