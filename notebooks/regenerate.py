"""Re-execute the notebooks against the mock Amazon and rewrite their outputs, normalised.

`make notebooks` runs this. Each notebook runs in a fresh kernel with the environment of
the mock scenario named in its metadata (``metadata.spapi.mock_scenario``, default
``happy``) — the same environment the nbval harness (``notebooks/conftest.py``) gives it —
from a HOME with no credentials of yours, so outputs come only from the mock. Then the file
is normalised so that a diff shows only real changes: kernelspec ``python3``, no timing or
execution metadata, stable cell ids, no widget state.

Usage: python notebooks/regenerate.py [NOTEBOOK ...]   (default: every notebook here)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
# A fixed, empty HOME: the outputs show where credentials.yml would be, and a fixed path
# keeps them stable (sanitize.cfg masks it too, for machines with another TMPDIR).
NOTEBOOK_HOME = Path(tempfile.gettempdir()) / "spapi-notebook-home"
# Variables of the user's own set-up that must not leak into committed outputs.
PRIVATE_PREFIXES = ("SP_API_", "LWA_", "SPAPI_", "AWS_")
PRIVATE_NAMES = ("PYTHON-SP-APIDIR",)


def scenario_of(notebook) -> str:
    return notebook.metadata.get("spapi", {}).get("mock_scenario", "happy")


@contextmanager
def mock_environment(scenario: str):
    """os.environ pointed at a running mock, with the user's own credentials removed."""
    from spapi_docs_helpers.mock import MockAmazon

    saved = dict(os.environ)
    shutil.rmtree(NOTEBOOK_HOME, ignore_errors=True)
    NOTEBOOK_HOME.mkdir(parents=True)
    with MockAmazon(scenario=scenario) as amazon:
        for name in list(os.environ):
            if name.startswith(PRIVATE_PREFIXES) or name in PRIVATE_NAMES:
                del os.environ[name]
        os.environ.update(amazon.env)
        os.environ["HOME"] = str(NOTEBOOK_HOME)
        os.environ.pop("XDG_CONFIG_HOME", None)
        try:
            yield amazon
        finally:
            os.environ.clear()
            os.environ.update(saved)
            shutil.rmtree(NOTEBOOK_HOME, ignore_errors=True)


def normalise(notebook):
    """Strip what varies between runs and Jupyter versions."""
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata.pop("widgets", None)
    notebook.metadata.setdefault("language_info", {"name": "python"})
    notebook.metadata["language_info"] = {"name": "python"}
    count = 0
    for index, cell in enumerate(notebook.cells, 1):
        cell.id = f"cell-{index:02d}"
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            cell.outputs = _merge_streams(cell.outputs)
            for output in cell.get("outputs", []):
                if "execution_count" in output:
                    output["execution_count"] = count
                output.get("metadata", {}).pop("execution", None)
    notebook.nbformat_minor = 5
    return notebook


def _merge_streams(outputs):
    """One stream output per run of same-stream chunks (flush timing splits them at random)."""
    merged = []
    for output in outputs:
        if (
            output.get("output_type") == "stream"
            and merged
            and merged[-1].get("output_type") == "stream"
            and merged[-1].get("name") == output.get("name")
        ):
            merged[-1]["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def regenerate(path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    with mock_environment(scenario_of(notebook)):
        client = NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    nbformat.write(normalise(notebook), path)


def main(argv=None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    if not paths:
        paths = sorted(HERE.glob("*.ipynb"))
    for path in paths:
        print(f"executing {path.name} …", flush=True)
        regenerate(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
