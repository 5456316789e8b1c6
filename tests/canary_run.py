"""The canary run: everything the project can output, with credential values never seen
anywhere else, collected into one file for tests/test_canary.py to search.

Run in a child process with SPAPI_MOCK_SAMPLE_SALT set, so that every value of the mock's
world (client identifiers, secrets, refresh tokens, AWS keys) is a fresh canary. Collected:
the offline and online checks in text, JSON and HTML on every scenario and every fault,
the notebook step functions (results, exceptions and their tracebacks), the CLI's stdout
and stderr, a notebook executed against the mock, and every log record of the package and
its dependencies at DEBUG.

Usage: python tests/canary_run.py OUTPUT_DIR [--quick] [--leak]
  --quick  one scenario, one CLI run, no notebook (for the deliberate-leak test)
  --leak   print one secret in full, on purpose: the search must find it
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCTOR = str(Path(sys.executable).with_name("spapi-doctor"))
SECRET_KEYS = (
    "refresh_token",
    "lwa_app_id",
    "lwa_client_secret",
    "aws_access_key",
    "aws_secret_key",
    "aws_session_token",
)


class Collector:
    def __init__(self):
        self.chunks = []
        self.secrets = set()

    def add(self, label, text):
        self.chunks.append(f"=== {label}\n{text}\n")

    def add_secrets(self, values):
        self.secrets.update(v for v in values if isinstance(v, str) and len(v) >= 16)


def logs_at_debug():
    """Every record of every logger, formatted, into a buffer (and stderr's copy)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    return buffer


def render(report):
    return "\n".join(
        [
            report.render_text(),
            report.render_text(color=True),
            report.to_json(),
            report._repr_html_(),
            repr(report),
            str(report),
        ]
    )


def exception_text(error):
    return "".join(traceback.format_exception(error)) + repr(error) + str(error)


def run_steps(collect, amazon):
    """The notebook-facing functions, as a notebook would call them, against ``amazon``."""
    import spapi_docs_helpers as spapi

    saved = dict(os.environ)
    os.environ.update(amazon.env)
    try:
        for name, call in [
            ("resolve", lambda: spapi.resolve_credentials()),
            ("formats", lambda: spapi.check_formats(amazon.credentials)),
            ("exchange", lambda: spapi.exchange_refresh_token()),
            (
                "grantless",
                lambda: spapi.get_grantless_token("sellingpartnerapi::client_credential:rotation"),
            ),
            ("regions", lambda: spapi.probe_regions(spapi.exchange_refresh_token())),
            ("roles", lambda: spapi.probe_roles(spapi.exchange_refresh_token(), "NA")),
            ("identity", lambda: spapi.caller_identity()),
            ("assume", lambda: spapi.assume_role()),
        ]:
            try:
                result = call()
            except Exception as error:  # the point: what an exception shows
                collect.add(f"{amazon.scenario.name} {name} raised", exception_text(error))
                result = getattr(error, "result", None)
            if result is not None:
                token = getattr(result, "access_token", None)
                collect.add_secrets([token])
                html = getattr(result, "_repr_html_", None)
                collect.add(
                    f"{amazon.scenario.name} {name}", repr(result) + "\n" + (html() if html else "")
                )
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_cli(collect, amazon, home, *args):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SP_API_", "LWA_", "SPAPI_", "AWS_"))
    }
    env.update(amazon.env, HOME=home)
    result = subprocess.run(
        [DOCTOR, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    collect.add(f"cli {amazon.scenario.name} {' '.join(args)} stdout", result.stdout)
    collect.add(f"cli {amazon.scenario.name} {' '.join(args)} stderr", result.stderr)


def run_notebook(collect, path):
    import nbformat
    from nbclient import NotebookClient

    sys.path.insert(0, str(ROOT / "notebooks"))
    from regenerate import mock_environment, scenario_of

    notebook = nbformat.read(path, as_version=4)
    with mock_environment(scenario_of(notebook)) as amazon:
        collect.add_secrets(v for k, v in amazon.credentials.items() if k in SECRET_KEYS)
        NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    collect.add(f"notebook {path.name}", json.dumps([c.get("outputs", []) for c in notebook.cells]))


def main(argv) -> int:
    output = Path(argv[0])
    quick = "--quick" in argv
    leak = "--leak" in argv
    log_buffer = logs_at_debug()
    collect = Collector()

    from spapi_docs_helpers import check, check_offline
    from spapi_docs_helpers.mock import FAULT_KINDS, SCENARIOS, MockAmazon

    names = ["happy"] if quick else list(SCENARIOS)
    with tempfile.TemporaryDirectory() as home:
        for name in names:
            scenario = SCENARIOS[name]
            with MockAmazon(scenario=name, aws=scenario.needs_aws) as amazon:
                values = [v for k, v in amazon.credentials.items() if k in SECRET_KEYS]
                collect.add_secrets(values)
                environ = {**amazon.env, "HOME": home}
                collect.add(f"{name} offline", render(check_offline(environ=environ)))
                report = check(environ=environ, timeout=5)
                collect.add(f"{name} online", render(report))
                run_steps(collect, amazon)
                if leak:
                    print(f"deliberate leak: {values[0]}")
                    collect.add("deliberate leak", values[0])
                if (
                    name
                    in (
                        "happy",
                        "happy-legacy",
                        "secrets-manager",
                        "revoked-refresh-token",
                        "user-arn-as-role-arn",
                    )
                    or quick
                ):
                    run_cli(collect, amazon, home, "check")
                    run_cli(collect, amazon, home, "check", "--format", "json")
                    run_cli(collect, amazon, home, "check", "--offline")
        if not quick:
            with MockAmazon(scenario="happy-legacy") as amazon:
                environ = {**amazon.env, "HOME": home}
                collect.add_secrets(v for k, v in amazon.credentials.items() if k in SECRET_KEYS)
                for service in ("lwa", "spapi", "sts"):
                    for kind in FAULT_KINDS:
                        amazon.faults.clear()
                        amazon.faults.add(service, kind, times=None, retry_after=0)
                        report = check(environ=environ, timeout=0.5, retries=0)
                        collect.add(f"fault {service} {kind}", render(report))
                amazon.faults.clear()
            for notebook in (
                "01-load-credentials.ipynb",
                "03-legacy-aws.ipynb",
                "06-all-in-one.ipynb",
            ):
                run_notebook(collect, ROOT / "notebooks" / notebook)
    collect.add("log records at DEBUG", log_buffer.getvalue())
    output.mkdir(parents=True, exist_ok=True)
    (output / "outputs.txt").write_text("".join(collect.chunks))
    (output / "secrets.json").write_text(json.dumps(sorted(collect.secrets)))
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main(sys.argv[1:]))
