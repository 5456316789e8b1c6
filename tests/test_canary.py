"""No secret anywhere: the canary.

tests/canary_run.py runs what only a whole run shows (log records of the package and its
dependencies at DEBUG, the CLI's output (in process, and in real processes where only a process shows it), notebooks
in a kernel, the exceptions of the step functions, init and authorize, and the hostile
channels that once leaked: echoed form bodies and headers, URLs carrying secrets, YAML keys, a
symlinked file) with canary credentials: the mock's whole world salted with a fresh value, so
no one has seen them. tests/test_check_online.py leak-checks every scenario and fault
in-process; the canary drives a representative subset of them. This test then searches all
of it — the collected outputs, the run's own stdout and stderr — for each canary value and
for any 12-character piece of one, and fails on a hit. At its end the same run logs a piece
of a secret at DEBUG through a logger nothing masks and writes the log records again: the
second test proves that the search finds what it looks for, in the log records too. One run
serves both tests (it is the file's whole cost).

What is searched for is the secret part of each value: the text after its public format
marker (``Atzr|``, ``amzn1.oa2-cs.v1.``...), which every masked display shows on purpose.
Role ARNs are no secret and are left out; so is ``spapi-doctor mock``, whose job is to print
the mock's sample values so that a shell can source them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from _values import PIECE, PUBLIC_PREFIXES

ROOT = Path(__file__).resolve().parents[1]
LOG_SECTION = "=== log records at DEBUG\n"


def secret_part(value: str) -> str:
    for prefix in PUBLIC_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def hits(text: str, values) -> list:
    """What of ``values`` ``text`` shows: a value in full, or the first 12-character piece
    (``PIECE``) of its secret part that it holds.

    Every piece is looked up at every place of ``text`` where one could be: inside a run of
    at least ``PIECE`` characters that the secret parts are made of (a piece is such a run
    itself). One pass over the text, instead of one search of the whole text per piece.
    """
    pieces: dict = {}
    found = []
    for value in values:
        if value in text:
            found.append(f"{value[:8]}… in full")
            continue
        body = secret_part(value)
        for start in range(0, max(len(body) - PIECE + 1, 0)):
            pieces.setdefault(body[start : start + PIECE], []).append((value, start))
    if not pieces:
        return found
    alphabet = "".join(sorted(set("".join(pieces))))
    first: dict = {}  # value: the lowest start of a piece of it that text holds
    for run in re.finditer(f"[{re.escape(alphabet)}]{{{PIECE},}}", text):
        run_text = run.group()
        for at in range(len(run_text) - PIECE + 1):
            for value, start in pieces.get(run_text[at : at + PIECE], ()):
                if start < first.get(value, len(value)):
                    first[value] = start
    for value in values:
        if value in first:
            start = first[value]
            piece = secret_part(value)[start : start + PIECE]
            found.append(f"a piece of {value[:8]}… ({piece[:4]}…, at {start})")
    return found


def section(text: str, label: str) -> str:
    """What the run collected under ``label``."""
    return text.split(f"=== {label}\n", 1)[1].split("\n=== ", 1)[0]


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    """The canary run, once for the file: ``(everything it collected and printed, the
    canaries, the log records after the deliberate leak)``."""
    output = tmp_path_factory.mktemp("canary")
    salt = "canary-" + secrets.token_hex(8)
    env = {k: v for k, v in os.environ.items()}
    env["SPAPI_MOCK_SAMPLE_SALT"] = salt
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "canary_run.py"), str(output)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outputs = (output / "outputs.txt").read_text()
    values = json.loads((output / "secrets.json").read_text())
    leaked_logs = (output / "leaked-logs.txt").read_text()
    return outputs + result.stdout + result.stderr, values, leaked_logs


def test_no_canary_value_escapes_into_any_output(canary):
    text, values, _ = canary
    # The run did exercise what it claims: each service's failure, faults on each service,
    # the CLI, notebooks, and the dependencies' DEBUG logs.
    for label in (
        "=== cli secrets-manager check stdout",
        "=== revoked-refresh-token exchange raised",
        "=== user-arn-as-role-arn assume raised",
        "=== cli expired-client-secret check stdout",
        "=== fault lwa ",
        "=== fault spapi ",
        "=== fault sts ",
        "=== cli happy check stdout",
        "=== cli happy-legacy check --format json stdout",
        "=== cli happy init --from-env --account canary --store file --yes stderr",
        "=== cli happy authorize authorised stderr",
        "=== cli happy authorize expired stderr",
        "=== happy authorise SellerAuthorization",
        "=== happy store refused",
        "=== notebook 06-all-in-one.ipynb",
        "=== notebook 08-rotation.ipynb",
        # The new commands, and Amazon's notifications on the mock's SQS queue.
        "=== cli secret-expires-in-5-days secret-status --queue-url",
        "=== cli secret-expires-in-5-days rotate stderr",
        "=== cli secret-expires-in-5-days rotate recovered stderr",
        "=== cli secret-expires-in-5-days check --all-accounts --format json stdout",
        "=== secret-expires-in-5-days notifications",
        "=== secret-expires-in-5-days state file",
        # The hostile channels: echoed form bodies and headers, URLs with secrets in them,
        # progress lines on a terminal, exceptions, YAML keys, a symlinked file's lines.
        "=== hostile lwa echo\n",
        "=== hostile lwa echo-json\n",
        "=== cli hostile lwa echo stdout",
        "=== hostile spapi echo-headers",
        "=== hostile endpoint userinfo answering\n",
        "=== cli hostile endpoint userinfo answering stderr (terminal)",
        "=== hostile endpoint userinfo refused raised",
        "=== hostile proxy",
        "=== hostile yaml keys production",
        "=== cli hostile yaml keys default stdout",
        "=== cli hostile yaml keys production stdout",
        "=== hostile symlink lines",
        "=== cli hostile symlink lines stdout",
        LOG_SECTION,
        "botocore",
        "urllib3",
        "moto",
    ):
        assert label in text, f"the canary run produced no {label!r}"
    # Every kind of secret is among the canaries: the three LWA credentials, the access
    # tokens LWA issued (grant and grantless), the AWS keys and AssumeRole's temporary key.
    for marker in (
        "Atzr|",
        "amzn1.application-oa2-client.",
        "amzn1.oa2-cs.v1.",
        "Atza|",
        "Atc|",
        "AKIA",
        "ASIA",
    ):
        assert any(value.startswith(marker) for value in values), f"no {marker} canary"
    assert any(len(value) == 40 and value[:4] not in ("AKIA", "ASIA") for value in values), (
        "no AWS secret key among the canaries"
    )
    # Salted: not even AWS's documented example key is among them.
    assert "AKIAIOSFODNN7EXAMPLE" not in values
    # The CLI read the hostile file there (no other source was set): its keys and lines
    # reached the command's output, masked.
    assert "unknown-credential-key" in section(text, "cli hostile yaml keys production stdout")
    assert "config-account-missing" in section(text, "cli hostile symlink lines stdout")
    # The notebooks share a kernel: each still talked to its own scenario's mock.
    for notebook, scenario in (
        ("03-legacy-aws.ipynb", "happy-legacy"),
        ("06-all-in-one.ipynb", "happy"),
        ("08-rotation.ipynb", "secret-expires-in-5-days"),
    ):
        shown = section(text, f"notebook {notebook}")
        assert f"World: the mock Amazon, scenario '{scenario}'" in shown, notebook
    # Its kernel was reached over ipc files, not loopback ports (notebooks/notebook_kernels.py).
    assert section(text, "notebook kernel transport") == "ipc"
    # The partners' refresh tokens and the authorization codes of the consent are searched
    # for too, and the commands did what they claim.
    assert sum(value.startswith("ANMOCK") for value in values) >= 2
    assert "✓ Authorised: selling partner" in text and "authorization-code-rejected" in text
    assert "✓ Rotated the client secret" in text and "new-secret-not-arrived" in text
    assert "Finished an earlier rotation" in text
    leaks = hits(text, values)
    assert leaks == [], f"{len(leaks)} canary values leaked, e.g. {leaks[:5]}"


def test_a_deliberate_leak_in_a_log_record_makes_the_canary_fail(canary):
    text, values, logs = canary
    assert "deliberate leak of a piece" in logs
    assert "deliberate leak" not in text
    found = hits(logs, values)
    assert found, "the piece of a secret logged at DEBUG went unnoticed"
    # A piece, not the whole value, and only in the log records written after the leak: so
    # it is the search of that channel, for pieces, that caught it.
    assert all(hit.startswith("a piece of") for hit in found), found
    assert hits(text.split(LOG_SECTION, 1)[1], values) == []


@pytest.mark.parametrize(
    "value, shown, leaked",
    [
        ("Atzr|IwEBIabcdefghijklmnop", "Atzr|IwEB…(26 chars)", False),
        ("Atzr|IwEBIabcdefghijklmnop", "token: IwEBIabcdefgh!", True),
        ("amzn1.oa2-cs.v1." + "ab12" * 16, "amzn1.oa2-cs.v1.ab12…(80 chars)", False),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz", "K7MDENG/bPxRfi", True),
    ],
)
def test_the_search_looks_at_the_secret_part_only(value, shown, leaked):
    assert bool(hits(shown, [value])) == leaked
