"""Start-up cost of `spapi-doctor check --offline`, against a bare interpreter.

Runs each command several times in fresh processes and reports medians. Bytecode writing
is switched on and the package precompiled first, as on a user's machine (some CI images
set PYTHONDONTWRITEBYTECODE, which would make every run recompile every module).

Usage: python benchmarks/startup.py [--runs N] [--markdown]
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spapi_docs_helpers.mock._isolation import machine_environ

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 3.0


def _environment(home: str, *, from_file: bool = False) -> dict:
    # A clean, credential-free user: the check reads nothing of this machine's.
    env = machine_environ(home)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    values = {
        "lwa_app_id": "amzn1.application-oa2-client." + "0123456789abcdef" * 2,
        "lwa_client_secret": "amzn1.oa2-cs.v1." + "fedcba9876543210" * 4,
        "refresh_token": "Atzr|IwEBIBENCHMARK" + "A1b2-C3d4_" * 30,
    }
    if from_file:
        folder = Path(home, ".config", "python-sp-api")
        folder.mkdir(parents=True, exist_ok=True)
        lines = ["version: '1.0'", "default:"] + [f"  {k}: '{v}'" for k, v in values.items()]
        (folder / "credentials.yml").write_text("\n".join(lines) + "\n")
    else:
        env["LWA_APP_ID"] = values["lwa_app_id"]
        env["LWA_CLIENT_SECRET"] = values["lwa_client_secret"]
        env["SP_API_REFRESH_TOKEN"] = values["refresh_token"]
    return env


def _time(command, env, runs) -> list:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure(runs: int = 31) -> dict:
    compileall.compile_dir(str(ROOT / "spapi_docs_helpers"), quiet=1)
    doctor = [sys.executable, "-m", "spapi_docs_helpers._cli", "check", "--offline"]
    script = Path(sys.executable).with_name("spapi-doctor")
    if script.exists():
        doctor = [str(script), "check", "--offline"]
    with tempfile.TemporaryDirectory() as env_home, tempfile.TemporaryDirectory() as file_home:
        env = _environment(env_home)
        file_env = _environment(file_home, from_file=True)
        _time(doctor, env, 2)  # warm the OS cache and write any missing bytecode
        _time(doctor, file_env, 2)
        bare, check, check_file = [], [], []
        # Interleaved, so that a busy moment of the machine hits all three alike.
        for _ in range(runs):
            bare += _time([sys.executable, "-c", "pass"], env, 1)
            check += _time(doctor, env, 1)
            check_file += _time(doctor, file_env, 1)
    result = {
        "runs": runs,
        "bare_ms": statistics.median(bare),
        "check_ms": statistics.median(check),
        "check_file_ms": statistics.median(check_file),
    }
    result["ratio"] = result["check_ms"] / result["bare_ms"]
    result["ratio_file"] = result["check_file_ms"] / result["bare_ms"]
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.runs)
    rows = [
        ("python -c pass", result["bare_ms"], None),
        (
            "spapi-doctor check --offline (credentials in the environment)",
            result["check_ms"],
            result["ratio"],
        ),
        (
            "spapi-doctor check --offline (credentials.yml)",
            result["check_file_ms"],
            result["ratio_file"],
        ),
    ]
    if args.markdown:
        print("| command | median (ms) | × bare |\n|---|---|---|")
        for name, ms, ratio in rows:
            print(f"| `{name}` | {ms:.1f} | {'' if ratio is None else f'{ratio:.2f}×'} |")
        print(
            f"\nTarget: at most {TARGET_RATIO:.0f}× the bare interpreter; {result['runs']} runs each."
        )
    else:
        for name, ms, ratio in rows:
            tail = "" if ratio is None else f"  {ratio:.2f}x"
            print(f"{name:<66} median {ms:6.1f} ms{tail}")
        worst = max(result["ratio"], result["ratio_file"])
        verdict = "meets" if worst <= TARGET_RATIO else "MISSES"
        print(f"worst ratio {worst:.2f}x ({verdict} the {TARGET_RATIO:.0f}x target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
