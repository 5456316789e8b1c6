"""The canary run: what only a whole run shows, with credential values never seen anywhere
else, collected into one file for tests/test_canary.py to search.

Run in a child process with SPAPI_MOCK_SAMPLE_SALT set, so that every value of the mock's
world (client identifiers, secrets, refresh tokens, AWS keys) is a fresh canary.

tests/test_check_online.py already searches every rendering of the report for every
scenario and every fault, in-process. This run collects what those tests cannot see: every
log record of the package and its dependencies at DEBUG (botocore, urllib3, moto...), the
CLI's stdout and stderr in a real process, notebooks executed in a kernel, and what the
notebook step functions raise (exceptions and their tracebacks). So it drives a
representative subset: the happy paths (LWA only, legacy AWS, Secrets Manager), one
failure of each service (LWA, STS, SP-API), and every fault kind once, each on one service
in turn.

Usage: python tests/canary_run.py OUTPUT_DIR [--quick] [--leak]
  --quick  one scenario, one CLI run, no fault, no notebook (for the deliberate-leak test)
  --leak   log a 12-character piece of one secret at DEBUG, through a logger the package
           does not guard: the search of the log records must find it
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path

from _values import PUBLIC_PREFIXES, SECRET_FIELDS  # this script's folder is on sys.path

from spapi_docs_helpers.mock._isolation import isolated_home, mock_environment, notebook_scenario

ROOT = Path(__file__).resolve().parents[1]

DOCTOR = str(Path(sys.executable).with_name("spapi-doctor"))
# The happy paths, then one failure of LWA, of STS and of SP-API.
SCENARIOS = (
    "happy",
    "happy-legacy",
    "secrets-manager",
    "revoked-refresh-token",
    "user-arn-as-role-arn",
    "expired-client-secret",
)
# Every fault kind once, each on one service in turn (all three services are hit).
FAULT_SERVICES = ("lwa", "spapi", "sts")
NOTEBOOKS = ("03-legacy-aws.ipynb", "06-all-in-one.ipynb")


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
                # The access tokens LWA issued, and AssumeRole's temporary access key.
                collect.add_secrets(
                    [getattr(result, "access_token", None), getattr(result, "_access_key", None)]
                )
                html = getattr(result, "_repr_html_", None)
                collect.add(
                    f"{amazon.scenario.name} {name}", repr(result) + "\n" + (html() if html else "")
                )
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_cli(collect, amazon, *args):
    env = {**os.environ, **amazon.env}  # os.environ is a clean machine's (main)
    result = subprocess.run(
        [DOCTOR, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    collect.add(f"cli {amazon.scenario.name} {' '.join(args)} stdout", result.stdout)
    collect.add(f"cli {amazon.scenario.name} {' '.join(args)} stderr", result.stderr)


def run_notebook(collect, path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    with mock_environment(notebook_scenario(notebook)) as amazon:
        collect.add_secrets(v for k, v in amazon.credentials.items() if k in SECRET_FIELDS)
        NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    collect.add(f"notebook {path.name}", json.dumps([c.get("outputs", []) for c in notebook.cells]))


def secret_part(value: str) -> str:
    """``value`` without its public marker (``Atzr|``, ``amzn1.oa2-cs.v1.``...)."""
    for prefix in PUBLIC_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def leak_on_purpose(value: str) -> None:
    """Log a 12-character piece of ``value`` at DEBUG, where no masking applies.

    The logger's name looks like one of the guarded ones but is none of them, so the
    package's log masking leaves the record alone: only the search of the log records can
    find the piece.
    """
    piece = secret_part(value)[2:14]
    logging.getLogger("canary.deliberate").debug("deliberate leak of a piece: %s", piece)


def main(argv) -> int:
    output = Path(argv[0])
    quick = "--quick" in argv
    leak = "--leak" in argv
    log_buffer = logs_at_debug()
    collect = Collector()

    from spapi_docs_helpers import check, check_offline
    from spapi_docs_helpers.mock import FAULT_KINDS, MockAmazon
    from spapi_docs_helpers.mock import SCENARIOS as ALL_SCENARIOS

    names = ["happy"] if quick else list(SCENARIOS)
    assert set(names) <= set(ALL_SCENARIOS), set(names) - set(ALL_SCENARIOS)
    # The whole run on a clean machine: no credential of this one's, an empty home.
    with isolated_home():
        for name in names:
            scenario = ALL_SCENARIOS[name]
            with MockAmazon(scenario=name, aws=scenario.needs_aws) as amazon:
                values = [v for k, v in amazon.credentials.items() if k in SECRET_FIELDS]
                collect.add_secrets(values)
                environ = {**os.environ, **amazon.env}
                collect.add(f"{name} offline", render(check_offline(environ=environ)))
                collect.add(f"{name} online", render(check(environ=environ, timeout=5)))
                run_steps(collect, amazon)
                if leak:
                    leak_on_purpose(max(values, key=len))
                run_cli(collect, amazon, "check")
                if name == "happy-legacy":
                    run_cli(collect, amazon, "check", "--format", "json")
                    run_cli(collect, amazon, "check", "--offline")
        if not quick:
            with MockAmazon(scenario="happy-legacy") as amazon:
                environ = {**os.environ, **amazon.env}
                collect.add_secrets(v for k, v in amazon.credentials.items() if k in SECRET_FIELDS)
                for index, kind in enumerate(FAULT_KINDS):
                    service = FAULT_SERVICES[index % len(FAULT_SERVICES)]
                    amazon.faults.clear()
                    amazon.faults.add(service, kind, times=None, retry_after=0)
                    report = check(environ=environ, timeout=0.5, retries=0)
                    collect.add(f"fault {service} {kind}", render(report))
                amazon.faults.clear()
            for notebook in NOTEBOOKS:
                run_notebook(collect, ROOT / "notebooks" / notebook)
    collect.add("log records at DEBUG", log_buffer.getvalue())
    output.mkdir(parents=True, exist_ok=True)
    (output / "outputs.txt").write_text("".join(collect.chunks))
    (output / "secrets.json").write_text(json.dumps(sorted(collect.secrets)))
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main(sys.argv[1:]))
