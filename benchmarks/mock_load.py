"""The mock Amazon under load: a burst of simultaneous connections, and requests on a
kept-alive connection.

- burst: N connections opened at once to the mock LWA (non-blocking connects, then one
  token request on each); how many were answered, how long the connects and the whole
  burst took. Target: every connection answered.
- kept-alive: requests one after the other on one kept-alive connection (requests'
  Session) to the mock's own servers, LWA and the SP-API; median and 95th percentile.
  Target: a median of a few milliseconds (at most 5 ms), where Nagle's algorithm and
  delayed ACKs used to add about 40 ms to every request after the first. STS is measured
  the same way for information: each of its requests also goes through the proxy to moto,
  which checks the signature and the IAM policies in Python.
- start and stop: a mock with its AWS part (moto) started and stopped, median.

Measurements, not tests: the output says MISSED when a target is, and the exit status is 0.

Usage: python benchmarks/mock_load.py [--burst 200] [--requests 200] [--runs 5] [--markdown]
"""

from __future__ import annotations

import argparse
import selectors
import socket
import statistics
import sys
import time
from urllib.parse import urlsplit

KEPT_ALIVE_TARGET_MS = 5.0
# Generous bounds, so that a lost connection ends the benchmark instead of hanging it.
BURST_WAIT_S = 60
CALL_TIMEOUT_S = 10


def _ms(seconds: float) -> float:
    return seconds * 1000


def _percentile(samples, fraction) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _token_request(lwa_url) -> bytes:
    path = urlsplit(lwa_url).path
    body = b"grant_type=refresh_token&client_id=x"
    return (
        f"POST {path} HTTP/1.1\r\nHost: api.amazon.com\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _complete(data: bytes) -> bool:
    head, separator, body = data.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def burst(lwa_url, count) -> dict:
    """Open ``count`` connections at once, send a request on each as soon as it is
    connected, and wait for every answer (at most BURST_WAIT_S)."""
    parts = urlsplit(lwa_url)
    request = _token_request(lwa_url)
    selector = selectors.DefaultSelector()
    started = time.perf_counter()
    connected_at, answered_at, received = {}, {}, {}
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.connect_ex((parts.hostname, parts.port))
            sockets.append(sock)
            received[sock] = b""
            selector.register(sock, selectors.EVENT_WRITE)
        deadline = started + BURST_WAIT_S
        while len(answered_at) < count and (remaining := deadline - time.perf_counter()) > 0:
            for key, events in selector.select(remaining):
                sock = key.fileobj
                if events & selectors.EVENT_WRITE:
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        selector.unregister(sock)
                        continue
                    connected_at[sock] = time.perf_counter()
                    sock.sendall(request)
                    selector.modify(sock, selectors.EVENT_READ)
                    continue
                chunk = sock.recv(65536)
                received[sock] += chunk
                if not chunk or _complete(received[sock]):
                    selector.unregister(sock)
                    if chunk:
                        answered_at[sock] = time.perf_counter()
    finally:
        selector.close()
        for sock in sockets:
            sock.close()
    connects = [_ms(at - started) for at in connected_at.values()]
    return {
        "count": count,
        "answered": len(answered_at),
        "connect_p50": statistics.median(connects) if connects else float("nan"),
        "connect_max": max(connects, default=float("nan")),
        "all_answered": _ms(max(answered_at.values()) - started) if answered_at else float("nan"),
    }


def _timed(call, count) -> list:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        samples.append(_ms(time.perf_counter() - began))
    return samples


def kept_alive(amazon, count) -> dict:
    """Requests in a row on one connection each: LWA and the SP-API (the mock's own
    servers), and STS (through the proxy to moto)."""
    import boto3
    import botocore.config
    import requests

    from spapi_docs_helpers._probes import probe

    results = {}
    with requests.Session() as session:

        def lwa():
            return session.post(amazon.lwa_url, data={"grant_type": "x"}, timeout=CALL_TIMEOUT_S)

        lwa()  # the connection is opened here, not measured
        results["lwa"] = _timed(lwa, count)
    token = _access_token(amazon)
    with requests.Session() as session:

        def spapi():
            return session.get(
                amazon.spapi_urls["NA"] + probe("getMarketplaceParticipations").path,
                headers={"x-amz-access-token": token},
                timeout=CALL_TIMEOUT_S,
            )

        if spapi().status_code != 200:
            raise SystemExit("the mock SP-API refused the benchmark's token")
        results["spapi"] = _timed(spapi, count)
    creds = amazon.credentials
    sts = boto3.client(
        "sts",
        endpoint_url=amazon.sts_url,
        region_name=amazon.world.aws.region,
        aws_access_key_id=creds["aws_access_key"],
        aws_secret_access_key=creds["aws_secret_key"],
        config=botocore.config.Config(
            retries={"total_max_attempts": 1},
            connect_timeout=CALL_TIMEOUT_S,
            read_timeout=CALL_TIMEOUT_S,
        ),
    )
    try:
        sts.get_caller_identity()
        results["sts"] = _timed(sts.get_caller_identity, count)
    finally:
        sts.close()
    return {
        name: {"median": statistics.median(samples), "p95": _percentile(samples, 0.95)}
        for name, samples in results.items()
    }


def _access_token(amazon) -> str:
    import requests

    creds = amazon.credentials
    answer = requests.post(
        amazon.lwa_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": creds["refresh_token"],
            "client_id": creds["lwa_app_id"],
            "client_secret": creds["lwa_client_secret"],
        },
        timeout=CALL_TIMEOUT_S,
    )
    return answer.json()["access_token"]


def start_stop(runs) -> float:
    from spapi_docs_helpers.mock import MockAmazon

    def cycle():
        MockAmazon("happy-legacy").start().stop()

    cycle()  # imports and botocore's service models are loaded here, not measured
    return statistics.median(_timed(cycle, runs))


def measure(burst_size=200, requests_count=200, runs=5) -> dict:
    from spapi_docs_helpers.mock import MockAmazon

    # Rate limits off: the SP-API's usage plans would throttle requests in a row.
    with MockAmazon("happy-legacy", rate_limits=False) as amazon:
        burst_result = burst(amazon.lwa_url, burst_size)
        latency = kept_alive(amazon, requests_count)
    return {
        "burst": burst_result,
        "kept_alive": latency,
        "requests": requests_count,
        "start_stop": start_stop(runs),
        "runs": runs,
    }


def report_lines(result, markdown=False) -> list:
    burst_result = result["burst"]
    all_answered = burst_result["answered"] == burst_result["count"]
    latency = result["kept_alive"]
    lwa, spapi, sts = latency["lwa"], latency["spapi"], latency["sts"]
    fast = max(lwa["median"], spapi["median"]) <= KEPT_ALIVE_TARGET_MS
    rows = [
        (
            f"burst: connections answered (of {burst_result['count']} opened at once)",
            f"{burst_result['answered']}",
        ),
        (
            "burst: connected, as the client saw it, median / max (ms)",
            _pair(burst_result, "connect"),
        ),
        ("burst: until the last answer (ms)", f"{burst_result['all_answered']:.0f}"),
        (
            f"kept-alive LWA request, median / p95 ({result['requests']} in a row, ms)",
            f"{lwa['median']:.1f} / {lwa['p95']:.1f}",
        ),
        (
            f"kept-alive SP-API marketplaceParticipations, median / p95 ({result['requests']}, ms)",
            f"{spapi['median']:.1f} / {spapi['p95']:.1f}",
        ),
        (
            f"kept-alive STS GetCallerIdentity via moto, median / p95 ({result['requests']}, ms)",
            f"{sts['median']:.1f} / {sts['p95']:.1f}",
        ),
        (
            f"start and stop with moto, median of {result['runs']} (ms)",
            f"{result['start_stop']:.0f}",
        ),
    ]
    verdicts = (
        f"Burst: {'every connection answered (met)' if all_answered else 'MISSED: connections lost'}; "
        f"kept-alive median of the mock's own servers ≤ {KEPT_ALIVE_TARGET_MS:.0f} ms: "
        f"{'met' if fast else 'MISSED'}."
    )
    if markdown:
        lines = ["| measured | value |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in rows]
        return [*lines, "", verdicts]
    return [*(f"{name:<72} {value:>12}" for name, value in rows), verdicts]


def _pair(result, prefix) -> str:
    return f"{result[prefix + '_p50']:.0f} / {result[prefix + '_max']:.0f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.burst, args.requests, args.runs)
    print("\n".join(report_lines(result, args.markdown)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
