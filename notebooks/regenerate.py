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
# Each run gets its own empty HOME, made with this prefix in the machine's temporary folder
# (sanitize.cfg masks the whole path, whatever the folder and the random suffix): two runs
# at once (nbval and `make notebooks`, two CI jobs) must not share, or remove, one HOME.
HOME_PREFIX = "spapi-notebook-home-"
# Variable families of the user's own set-up (credentials, endpoints, the docs URL, AWS
# settings), and confuse's override of the config folder (the hyphens are part of its name):
# none of them may reach a notebook, a benchmark or a test.
PRIVATE_PREFIXES = ("SP_API_", "LWA_", "SPAPI_", "AWS_")
PRIVATE_NAMES = ("PYTHON-SP-APIDIR",)


def is_private(name: str) -> bool:
    """Whether a credential, an endpoint or an AWS setting may come from variable ``name``.

    Lower-case variants count too (``lwa_app_id`` is a near miss the sources report).
    """
    return name.upper().startswith(PRIVATE_PREFIXES) or name in PRIVATE_NAMES


def clean_environ(environ=None) -> dict:
    """A copy of ``environ`` (default: os.environ) without the user's credential variables."""
    source = os.environ if environ is None else environ
    return {name: value for name, value in source.items() if not is_private(name)}


def scenario_of(notebook) -> str:
    return notebook.metadata.get("spapi", {}).get("mock_scenario", "happy")


@contextmanager
def mock_environment(scenario: str):
    """os.environ pointed at a running mock, from a fresh empty HOME, without the user's
    own credentials; restored afterwards."""
    from spapi_docs_helpers.mock import MockAmazon

    saved = dict(os.environ)
    home = Path(tempfile.mkdtemp(prefix=HOME_PREFIX))
    try:
        # The whole AWS part too, as `spapi-doctor mock` runs it: the world the notebooks
        # show is the mock's throughout, STS included.
        with MockAmazon(scenario=scenario, aws=True) as amazon:
            os.environ.clear()
            os.environ.update(clean_environ(saved))
            os.environ.update(amazon.env)
            os.environ["HOME"] = str(home)
            # confuse's folders: ~/.config, and the system-wide candidates (default
            # /etc/xdg), which must not hold the machine's own credentials.yml either.
            os.environ.pop("XDG_CONFIG_HOME", None)
            os.environ["XDG_CONFIG_DIRS"] = str(home / "xdg")
            try:
                yield amazon
            finally:
                os.environ.clear()
                os.environ.update(saved)
    finally:
        shutil.rmtree(home, ignore_errors=True)


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
        home = os.environ["HOME"]
        client = NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    nbformat.write(normalise(_stable_outputs(notebook, home)), path)


def _stable_outputs(notebook, home):
    """Write what differs on every run as sanitize.cfg masks it when nbval compares — the
    mock's free ports as ``PORT``, the run's random HOME as ``~`` — so that regenerating
    changes no line needlessly and the site shows no accidental numbers."""
    import json
    import re

    import nbformat

    text = json.dumps(notebook).replace(json.dumps(home)[1:-1], "~")
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    return nbformat.from_dict(json.loads(text))


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
