"""The fleet check (``spapi-doctor check --all-accounts``) against the mock's fleet of sellers,
with a fixed latency per call: wall time against the ideal, peak memory, and how both grow.

For each size (500 and 5,000 accounts by default):

1. ``spapi-doctor mock --sellers N --accounts-file F --latency-ms 100`` runs in a child
   process (the mock answers in its own process, so it does not share the check's
   interpreter);
2. one account's critical path: the check of one account of the fleet alone (load, format,
   LWA, region), through the same code, median of 5;
3. ``spapi-doctor check --all-accounts --accounts-file F --concurrency 32 --format json`` in a
   child process: its own duration (the JSON's ``duration_ms``), its CPU time and its peak
   resident memory (``os.wait4``), and the CPU time the mock spent meanwhile (Linux: read
   from ``/proc``).

Cores. The ideal counts the server's work as free: Amazon's servers do not run on the
user's machine. So, where the machine has two cores or more and Linux lets a process choose
its cores (``sched_setaffinity``), the mock runs on a core of its own and this script and the
check on the others; ``--share-cores`` lets the scheduler put both anywhere, the mock then
taking its CPU from the check's cores (on a 2-core machine that also moves the check's
threads between the two cores, and each handover of the GIL from one core to the other
costs CPU: about 10 ms of CPU per account instead of 8, and ratios that vary from run to
run by a third). The layout used is printed.

The ideal is ``ceil(N / concurrency) × one account's critical path``: every account's calls
waiting on the network, none on the machine. Targets: at most 1.2× the ideal, under 200 MB,
and the same per account at 5,000 as at 500 (linear growth). It prints the ratios; a missed
target says MISSED (exit status 0: a measurement, not a test).

Usage: python benchmarks/fleet.py [--accounts 500 5000] [--concurrency 32]
       [--latency-ms 100] [--share-cores] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spapi_docs_helpers.mock._isolation import clean_environ

IDEAL_TARGET = 1.2
MEMORY_TARGET_MB = 200
DOCTOR = str(Path(sys.executable).with_name("spapi-doctor"))


def core_layout(share: bool) -> tuple[set[int], set[int]] | None:
    """``(the mock's cores, the check's cores)``, or None to let the scheduler choose (asked
    for, or fewer than two cores, or no ``sched_setaffinity`` on this system)."""
    if share or not hasattr(os, "sched_setaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None
    return {cores[0]}, set(cores[1:])


def _on_cores(cores: set[int] | None):
    """A ``preexec_fn`` that puts the child on ``cores`` (None: nothing to do)."""
    if cores is None:
        return None
    return lambda: os.sched_setaffinity(0, cores)


def _mock(folder: Path, accounts: int, latency_ms: int, cores: set[int] | None = None):
    """The mock with a fleet, in a child process (on ``cores`` when given);
    ``(process, environ, accounts file)``."""
    env_file, accounts_file = folder / "mock.env", folder / "fleet.yml"
    environ = clean_environ()
    environ["HOME"] = str(folder)
    process = subprocess.Popen(
        [
            DOCTOR,
            "mock",
            "--sellers",
            str(accounts),
            "--accounts-file",
            str(accounts_file),
            "--latency-ms",
            str(latency_ms),
            "--env-file",
            str(env_file),
        ],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_on_cores(cores),
    )
    deadline = time.monotonic() + 300
    while not env_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the mock did not start")
        time.sleep(0.2)
    for line in env_file.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            environ[name] = value.strip("'")
    return process, environ, accounts_file


def _one_account_ms(environ, accounts_file, runs=5) -> float:
    """One account of the fleet, alone, through the fleet's own code (load, format, LWA,
    region): the critical path every account of the fleet has."""
    from spapi_docs_helpers._fleet import check_fleet, fleet_accounts

    first = fleet_accounts(environ, accounts_file=str(accounts_file))[:1]
    samples = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        report = check_fleet(first, environ=environ, concurrency=1)
        samples.append((time.perf_counter() - started) * 1000)
        if not report.ok:
            raise SystemExit("the fleet's first account fails:\n" + report.render_text())
    return statistics.median(samples[1:])  # the first run pays for the imports


def _cpu_seconds(pid: int) -> float | None:
    """The CPU time (user and system) process ``pid`` has used so far; None off Linux."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            # After the command's name (in parentheses, which may hold spaces): utime and
            # stime are the 12th and 13th fields, in clock ticks.
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fleet_run(environ, accounts_file, concurrency, mock_pid) -> dict:
    mock_before = _cpu_seconds(mock_pid)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            [
                DOCTOR,
                "check",
                "--all-accounts",
                "--accounts-file",
                str(accounts_file),
                "--concurrency",
                str(concurrency),
                "--format",
                "json",
            ],
            env=environ,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall_ms = (time.perf_counter() - started) * 1000
        mock_after = _cpu_seconds(mock_pid)
        out.seek(0)
        data = json.loads(out.read())
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return {
        "status": process.returncode,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "mock_cpu_s": None if mock_before is None else mock_after - mock_before,
        "duration_ms": data["duration_ms"],
        "wall_ms": wall_ms,
        "peak_mb": peak,
        "failed": data["summary"]["failed"],
        "exchanges": data["lwa_exchanges"],
    }


def measure(
    accounts: int, concurrency: int = 32, latency_ms: int = 100, mock_cores: set[int] | None = None
) -> dict:
    """One size. The check runs on this process's cores (a child inherits them), the mock
    on ``mock_cores`` when given."""
    with tempfile.TemporaryDirectory(prefix="spapi-fleet-bench-") as folder:
        process, environ, accounts_file = _mock(Path(folder), accounts, latency_ms, mock_cores)
        try:
            one = _one_account_ms(environ, accounts_file)
            run = _fleet_run(environ, accounts_file, concurrency, process.pid)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(60)
    ideal = math.ceil(accounts / concurrency) * one
    return {
        "accounts": accounts,
        "concurrency": concurrency,
        "latency_ms": latency_ms,
        "one_ms": one,
        "ideal_ms": ideal,
        **run,
        "vs_ideal": run["duration_ms"] / ideal,
        "per_account_ms": run["duration_ms"] / accounts,
    }


def _mock_ms(result) -> str:
    cpu = result.get("mock_cpu_s")
    return "n/a" if cpu is None else f"{cpu * 1000 / result['accounts']:.1f}"


def report_lines(results, markdown=False) -> list:
    lines = []
    if markdown:
        lines.append(
            "| accounts | one account (ms) | ideal (s) | fleet (s) | × ideal | peak memory (MB) "
            "| ms per account | CPU per account (ms) | the mock's CPU per account (ms) |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for r in results:
            lines.append(
                f"| {r['accounts']:,} | {r['one_ms']:.0f} | {r['ideal_ms'] / 1000:.1f} | "
                f"{r['duration_ms'] / 1000:.1f} | **{r['vs_ideal']:.2f}** | {r['peak_mb']:.0f} | "
                f"{r['per_account_ms']:.1f} | {r['cpu_s'] * 1000 / r['accounts']:.1f} | "
                f"{_mock_ms(r)} |"
            )
    else:
        for r in results:
            lines.append(
                f"{r['accounts']:>6} accounts: one {r['one_ms']:.0f} ms, ideal "
                f"{r['ideal_ms'] / 1000:.1f} s, fleet {r['duration_ms'] / 1000:.1f} s "
                f"({r['vs_ideal']:.2f}x ideal), peak {r['peak_mb']:.0f} MB, "
                f"{r['per_account_ms']:.1f} ms per account, CPU {r['cpu_s']:.1f} s "
                f"({r['cpu_s'] * 1000 / r['accounts']:.1f} ms per account), the mock's CPU "
                f"{_mock_ms(r)} ms per account"
            )
    verdicts = []
    for r in results:
        ratio_ok = r["vs_ideal"] <= IDEAL_TARGET
        memory_ok = r["peak_mb"] < MEMORY_TARGET_MB
        verdicts.append(
            f"{r['accounts']:,} accounts: {r['vs_ideal']:.2f}× the ideal (target ≤ "
            f"{IDEAL_TARGET}×: {'met' if ratio_ok else 'MISSED'}), peak {r['peak_mb']:.0f} MB "
            f"(target < {MEMORY_TARGET_MB} MB: {'met' if memory_ok else 'MISSED'}); the "
            f"check's CPU time alone is {r['cpu_s'] * 1000 / r['ideal_ms']:.2f}× the ideal "
            "(one process runs its Python on one core at a time)"
        )
    if len(results) > 1:
        small, large = results[0], results[-1]
        time_growth = large["per_account_ms"] / small["per_account_ms"]
        memory_growth = (large["peak_mb"] - small["peak_mb"]) / (
            large["accounts"] - small["accounts"]
        )
        verdicts.append(
            f"growth: {time_growth:.2f}× the time per account from {small['accounts']:,} to "
            f"{large['accounts']:,} accounts (linear: about 1), "
            f"{memory_growth * 1024:.1f} KB more memory per account"
        )
    lines.append("")
    lines += [f"- {v}" if markdown else v for v in verdicts]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument(
        "--share-cores",
        action="store_true",
        help="let the mock and the check run on any core (default: the mock on one of its own)",
    )
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    layout = core_layout(args.share_cores)
    mock_cores = None
    if layout is None:
        print("cores: shared by the mock and the check (the scheduler's choice)")
    else:
        mock_cores, check_cores = layout
        # This process measures one account alone, and its children inherit its cores.
        os.sched_setaffinity(0, check_cores)
        print(f"cores: the mock on {sorted(mock_cores)}, the check on {sorted(check_cores)}")
    results = [measure(n, args.concurrency, args.latency_ms, mock_cores) for n in args.accounts]
    for line in report_lines(results, markdown=args.markdown):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
