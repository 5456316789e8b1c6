"""How fast the bounds bite: a call against hostile servers, and Ctrl-C during a check.

Against the hostile loopback server of the tests (tests/_hostile.py):
- one call (timeout 1 s, two retries: a deadline of 3 s) against a server that drips its
  headers, drips its body, or sends ``100 Continue`` forever: the time it takes to end;
- one call against a gzip bomb (1 MiB cap): the memory it allocates at its peak;
- ``spapi-doctor check --timeout 600`` with the region probes waiting on a silent server:
  the time from SIGINT to the end of the process.

Targets: a call ends within its deadline plus 0.5 s; the gzip bomb costs at most 8 MiB;
Ctrl-C ends the check within 1 s.

Usage: python benchmarks/bounds.py [--runs 3] [--markdown]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "notebooks"))

from _hostile import HostileServer, prepare  # noqa: E402  (tests/ is on sys.path)
from regenerate import clean_environ  # noqa: E402  (notebooks/ is on sys.path)

DEADLINE_SLACK_S = 0.5
MEMORY_TARGET = 8 * 1024 * 1024
INTERRUPT_TARGET_S = 1.0
DOCTOR = Path(sys.executable).with_name("spapi-doctor")


def _call_seconds(server, mode, runs) -> float:
    from spapi_docs_helpers._transport import Transport

    samples = []
    for _ in range(runs):
        with Transport(timeout=1.0, retries=2) as transport:
            started = time.perf_counter()
            result = transport.request("GET", server.url(mode))
            samples.append(time.perf_counter() - started)
        assert result.failure == "network-timeout", result.failure
    return statistics.median(samples)


def _bomb_peak(server) -> int:
    from spapi_docs_helpers._transport import Transport

    prepare()  # the server's bomb is made before the client is traced
    tracemalloc.start()
    try:
        with Transport(timeout=10) as transport:
            transport.request("GET", server.url("gzip-bomb"))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _interrupt_seconds(server, runs) -> float:
    environ = {
        **clean_environ(),
        "LWA_APP_ID": "amzn1.application-oa2-client." + "deadbeef" * 4,
        "LWA_CLIENT_SECRET": "amzn1.oa2-cs.v1." + "feedface" * 8,
        "SP_API_REFRESH_TOKEN": "Atzr|IwEBIFakeRefreshTokenForBenchmarks-" + "Qr" * 40,
        "SPAPI_LWA_ENDPOINT": server.url("token", "/auth/o2/token"),
        **{f"SPAPI_ENDPOINT_{r}": server.url("silent") for r in ("NA", "EU", "FE")},
    }
    samples = []
    for _ in range(runs):
        process = subprocess.Popen(
            [str(DOCTOR), "check", "--timeout", "600"],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # SIGINT's default, as at a terminal: a benchmark started in the background by
            # a shell without job control would hand the command SIGINT ignored.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            give_up = time.monotonic() + 60
            while server.open_connections("silent") < 3 and time.monotonic() < give_up:
                time.sleep(0.01)
            started = time.perf_counter()
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
            samples.append(time.perf_counter() - started)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        while server.open_connections("silent"):
            time.sleep(0.01)
    return statistics.median(samples)


def _verdict(value, target) -> str:
    return "met" if value <= target else "MISSED"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    os.environ.update(clean_environ())
    with HostileServer() as server:
        rows = [
            (f"one call, server: {mode} (deadline 3 s)", _call_seconds(server, mode, args.runs))
            for mode in ("drip-headers", "drip-body", "continue-loop")
        ]
        peak = _bomb_peak(server)
        interrupt = _interrupt_seconds(server, args.runs)
    print("| measured | median |")
    print("|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.2f} s ({_verdict(seconds, 3 + DEADLINE_SLACK_S)}) |")
    print(
        f"| peak memory of one call to a gzip bomb | {peak / 1024**2:.1f} MiB "
        f"({_verdict(peak, MEMORY_TARGET)}) |"
    )
    print(
        f"| SIGINT to exit, region probes waiting | {interrupt:.2f} s "
        f"({_verdict(interrupt, INTERRUPT_TARGET_S)}) |"
    )
    if not args.markdown:
        print(
            f"\nTargets: deadline + {DEADLINE_SLACK_S} s; {MEMORY_TARGET // 1024**2} MiB; "
            f"{INTERRUPT_TARGET_S} s."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
