"""Re-execute the notebooks against the mock Amazon and rewrite their outputs, normalised.

`make notebooks` runs this. Each notebook runs in a fresh kernel with the environment of
the mock scenario named in its metadata (``metadata.spapi.mock_scenario``, default
``happy``) — the same environment the nbval harness (``notebooks/nbval_harness.py``) gives
it, from the package's one clean-machine recipe (``spapi_docs_helpers.mock._isolation``):
a fresh empty HOME and no credentials of yours, so outputs come only from the mock. Then
the file is normalised so that a diff shows only real changes: kernelspec ``python3``, no
timing or execution metadata, stable cell ids, no widget state.

Usage: python notebooks/regenerate.py [NOTEBOOK ...]   (default: every notebook here)
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from notebook_kernels import IpcKernelManager  # this script's folder is on sys.path

from spapi_docs_helpers.mock._isolation import mock_environment, notebook_scenario

HERE = Path(__file__).resolve().parent


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
    notebook = nbformat.read(path, as_version=4)
    with mock_environment(notebook_scenario(notebook)):
        home = os.environ["HOME"]
        client = NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            kernel_manager_class=IpcKernelManager,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    nbformat.write(normalise(_stable_outputs(notebook, home)), path)


def _stable_outputs(notebook, home):
    """Write what differs on every run as sanitize.cfg masks it when nbval compares — the
    mock's free ports as ``PORT``, the run's random HOME as ``~`` — so that regenerating
    changes no line needlessly and the site shows no accidental numbers."""
    text = json.dumps(notebook).replace(json.dumps(home)[1:-1], "~")
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    return nbformat.from_dict(json.loads(text))


def main(argv=None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    if not paths:
        paths = sorted(HERE.glob("*.ipynb"))
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            print(
                f"regenerate.py: {path} is not a notebook file; name notebooks "
                "(notebooks/01-load-credentials.ipynb ...), or none to regenerate them all",
                file=sys.stderr,
            )
            return 2
    for path in paths:
        print(f"executing {path.name} …", flush=True)
        regenerate(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
