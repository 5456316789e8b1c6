"""The verification notebooks: committed clean, linked from the site, and pinned by nbval.

nbval itself runs the notebooks (``make test`` passes ``--nbval``); these tests check what
nbval does not: that the committed outputs hold no secret, that the files are normalised,
that every notebook is linked from its page, and that the harness really fails a notebook
whose stored output is wrong (the fixtures in tests/notebooks/).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FIXTURES = sorted((ROOT / "tests" / "notebooks").glob("test-*.ipynb"))

# Token- and key-shaped runs: a body long enough to be a real value, not a masked prefix.
SECRET_SHAPES = re.compile(
    r"Atz[ar]\|[A-Za-z0-9_\-]{12,}|Atc\|[A-Za-z0-9_\-]{12,}"
    r"|amzn1\.oa2-cs\.v1\.[0-9a-f]{12,}|amzn1\.application-oa2-client\.[0-9a-f]{12,}"
    r"|(?:AKIA|ASIA)[A-Z0-9]{16}"
    r"|(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"
)


def _outputs_text(path: Path) -> str:
    notebook = json.loads(path.read_text())
    return json.dumps([cell.get("outputs", []) for cell in notebook["cells"]])


def test_there_are_six_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01-load-credentials.ipynb",
        "02-lwa-exchange.ipynb",
        "03-legacy-aws.ipynb",
        "04-first-call.ipynb",
        "05-troubleshooting-tour.ipynb",
        "06-all-in-one.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_hold_no_secret(path):
    from spapi_docs_helpers.mock import SCENARIOS

    text = _outputs_text(path)
    found = SECRET_SHAPES.findall(text)
    assert found == [], f"{path.name} holds token- or key-shaped values: {found[:3]}"
    # Not even the mock's public sample values appear in full: displays mask everything.
    for scenario in SCENARIOS.values():
        for value in scenario.configured_credentials().values():
            if isinstance(value, str) and len(value) >= 16 and not value.startswith("arn:"):
                assert value not in text, f"{path.name} shows a sample value of {scenario.name}"


def test_the_secret_scan_can_fail():
    leaked = '{"text/plain": "Atzr|IwEBIFAKEFAKEFAKEFAKE"}'
    assert SECRET_SHAPES.findall(leaked)
    assert not SECRET_SHAPES.findall('{"text/plain": "Atzr|IwEB…(404 chars)"}')


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_normalised(path):
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert notebook["metadata"].get("spapi", {}).get("mock_scenario")
    count = 0
    for index, cell in enumerate(notebook["cells"], 1):
        assert cell["id"] == f"cell-{index:02d}"
        assert "execution" not in cell["metadata"]
        if cell["cell_type"] == "code":
            count += 1
            assert cell["execution_count"] == count, "stale or unexecuted cell"
            names = [o.get("name") for o in cell["outputs"] if o["output_type"] == "stream"]
            assert len(names) == len(set(names)), "split stream outputs"
            assert not any(o.get("name") == "stderr" for o in cell["outputs"]), "stderr output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_linked_from_the_docs(path):
    pages = "\n".join(p.read_text() for p in (ROOT / "docs").rglob("*.md"))
    assert f"../notebooks/{path.name}" in pages


def test_every_notebook_starts_by_saying_which_world_it_talks_to():
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text())
        first = next(
            c
            for c in notebook["cells"]
            if c["cell_type"] == "code" and "remove-cell" not in c["metadata"].get("tags", [])
        )
        text = _outputs_text(path)
        assert "endpoints_from_env()" in "".join(first["source"]) or path.name.startswith("05"), (
            path.name
        )
        if not path.name.startswith("05"):
            assert "World: the mock Amazon" in text


def test_the_harness_fails_a_notebook_whose_stored_output_is_wrong(tmp_path):
    """nbval's own pattern: test-NAME-{pass|fail}-WHY.ipynb, run in a child pytest."""
    assert {p.name.split("-")[2] for p in FIXTURES} == {"pass", "fail"}
    report = tmp_path / "report.xml"
    env = {**os.environ, "SPAPI_NBVAL_FIXTURES": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(ROOT / "notebooks" / "sanitize.cfg"),
            "-p",
            "no:cacheprovider",
            "-q",
            f"--junitxml={report}",
            str(ROOT / "tests" / "notebooks"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    xml = report.read_text()
    for path in FIXTURES:
        cases = re.findall(
            rf'<testcase classname="[^"]*{re.escape(path.stem)}[^"]*"[^>]*?(/>|>.*?</testcase>)',
            xml,
            flags=re.S,
        )
        assert cases, f"{path.name} did not run"
        failed = any("<failure" in case or "<error" in case for case in cases)
        expected = path.name.split("-")[2] == "fail"
        assert failed == expected, f"{path.name}: failed={failed}, expected {expected}"
