"""The verification notebooks: committed clean, linked from the site, and pinned by nbval.

nbval itself runs the notebooks (``make test`` passes ``--nbval``); these tests check what
nbval does not: that the committed outputs hold no secret, that the files are normalised,
that every notebook is linked from its page, and that the harness really fails the cells
whose stored output is wrong, and only those (the fixtures in tests/notebooks/).
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import nbformat
import pytest
import regenerate  # notebooks/ is on the import path (`pythonpath` in pyproject.toml)
from secret_scan import find_secrets  # the one list of secret shapes (also pre-commit's)

from spapi_docs_helpers.mock._isolation import NOTEBOOK_HOME_PREFIX, mock_environment

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FIXTURES = sorted((ROOT / "tests" / "notebooks").glob("test-*.ipynb"))


def _outputs_text(path: Path) -> str:
    notebook = json.loads(path.read_text())
    return json.dumps([cell.get("outputs", []) for cell in notebook["cells"]])


def test_there_are_eight_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01-load-credentials.ipynb",
        "02-lwa-exchange.ipynb",
        "03-legacy-aws.ipynb",
        "04-first-call.ipynb",
        "05-troubleshooting-tour.ipynb",
        "06-all-in-one.ipynb",
        "07-authorise-other-sellers.ipynb",
        "08-rotation.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_hold_no_secret(path):
    from spapi_docs_helpers.mock import SCENARIOS

    text = _outputs_text(path)
    found = find_secrets(text)
    assert found == [], f"{path.name} holds token- or key-shaped values: {found[:3]}"
    # Not even the mock's public sample values appear in full: displays mask everything.
    for scenario in SCENARIOS.values():
        for value in scenario.configured_credentials().values():
            if isinstance(value, str) and len(value) >= 16 and not value.startswith("arn:"):
                assert value not in text, f"{path.name} shows a sample value of {scenario.name}"


def test_the_secret_scan_can_fail():
    leaked = '{"text/plain": "Atzr|IwEBIFAKEFAKEFAKEFAKE"}'
    assert find_secrets(leaked) == ["Atzr|IwEBIFAKEFAKEFAKEFAKE"]
    assert not find_secrets('{"text/plain": "Atzr|IwEB…(404 chars)"}')


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


def _first_output_text(cell) -> str:
    """The text of a cell's first output: its stream text, or its ``text/plain`` data."""
    if not cell.get("outputs"):
        return ""
    output = cell["outputs"][0]
    text = output.get("text") if output["output_type"] == "stream" else None
    if text is None:
        text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_starts_by_saying_which_world_it_talks_to(path):
    """The first output a reader sees names the world: Amazon, the mock, or custom hosts."""
    notebook = json.loads(path.read_text())
    first = next(
        cell
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and "remove-cell" not in cell["metadata"].get("tags", [])
    )
    shown = _first_output_text(first)
    assert shown.startswith("World:"), (
        f"{path.name}: the first output of its first code cell is {shown[:80]!r}; "
        "start the notebook with spapi.endpoints_from_env()"
    )


# --------------------------------------------------------------------------- make notebooks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_are_what_make_notebooks_writes(path):
    """Normalising a committed notebook again changes nothing, not even a byte of the file."""
    notebook = nbformat.read(path, as_version=4)
    normalised = regenerate.normalise(copy.deepcopy(notebook))
    assert notebook == normalised
    assert path.read_text(encoding="utf-8") == nbformat.writes(normalised) + "\n"


def _messy_notebook():
    """A notebook as a Jupyter session leaves it: everything normalise must strip or fix."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    timing = {
        "iopub.execute_input": "2026-11-28T10:00:00.000Z",
        "iopub.status.busy": "2026-11-28T10:00:00.000Z",
        "iopub.status.idle": "2026-11-28T10:00:01.000Z",
        "shell.execute_reply": "2026-11-28T10:00:01.000Z",
    }
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Title", id="f3a9c2d1"),
            new_code_cell(
                "print('a'); print('b', file=sys.stderr); print('c')",
                id="0b1e77aa-2c3d",
                execution_count=17,
                metadata={"execution": timing, "collapsed": False, "scrolled": True, "tags": ["x"]},
                outputs=[
                    new_output("stream", name="stdout", text="a\n"),
                    new_output("stream", name="stdout", text="still a\n"),
                    new_output("stream", name="stderr", text="b\n"),
                    new_output("stream", name="stdout", text="c\n"),
                ],
            ),
            new_code_cell(
                "1 + 1",
                id="99",
                execution_count=3,
                outputs=[
                    new_output(
                        "execute_result",
                        data={"text/plain": "2"},
                        execution_count=3,
                        metadata={"execution": timing},
                    )
                ],
            ),
        ],
        metadata={
            "kernelspec": {
                "name": "my-venv",
                "display_name": "Python (my venv)",
                "language": "python",
            },
            "language_info": {"name": "python", "version": "3.12.1", "mimetype": "text/x-python"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
            "spapi": {"mock_scenario": "happy-legacy"},
        },
    )
    notebook.nbformat_minor = 4
    return notebook


def test_normalise_strips_what_varies_between_runs():
    notebook = regenerate.normalise(_messy_notebook())
    assert notebook.metadata == {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "spapi": {"mock_scenario": "happy-legacy"},
    }
    assert notebook.nbformat_minor == 5
    assert [cell.id for cell in notebook.cells] == ["cell-01", "cell-02", "cell-03"]
    markdown, printing, adding = notebook.cells
    assert printing.metadata == {"tags": ["x"]}
    assert [c.execution_count for c in (printing, adding)] == [1, 2]
    # Same-stream chunks in a row are merged; a change of stream is kept.
    assert [(o.name, o.text) for o in printing.outputs] == [
        ("stdout", "a\nstill a\n"),
        ("stderr", "b\n"),
        ("stdout", "c\n"),
    ]
    (result,) = adding.outputs
    assert result.execution_count == 2
    assert result.metadata == {}
    assert result.data == {"text/plain": "2"}
    assert markdown.source == "# Title"
    # And it is a fixed point: what it writes, it leaves alone.
    assert regenerate.normalise(copy.deepcopy(notebook)) == notebook
    nbformat.validate(notebook)


def test_each_run_gets_its_own_empty_home_without_the_users_credentials(monkeypatch):
    monkeypatch.setenv("LWA_APP_ID", "mine")
    monkeypatch.setenv("PYTHON-SP-APIDIR", "/somewhere/of/mine")
    monkeypatch.setenv("XDG_CONFIG_DIRS", "/etc/xdg-of-mine")
    with mock_environment("happy") as amazon:
        home = Path(os.environ["HOME"])
        assert home.name.startswith(NOTEBOOK_HOME_PREFIX)
        assert home.is_dir() and list(home.iterdir()) == []
        assert os.environ["LWA_APP_ID"] == amazon.env["LWA_APP_ID"] != "mine"
        assert "PYTHON-SP-APIDIR" not in os.environ
        for name in ("XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "APPDATA"):
            assert Path(os.environ[name]).is_relative_to(home), name
        # A second run at the same time (nbval beside `make notebooks`) gets a home of its
        # own, and its end leaves this one alone.
        with mock_environment("happy"):
            second = Path(os.environ["HOME"])
            assert second != home and second.is_dir()
        assert not second.exists()
        assert home.is_dir() and Path(os.environ["HOME"]) == home
    assert not home.exists()
    assert os.environ["LWA_APP_ID"] == "mine"
    assert os.environ["XDG_CONFIG_DIRS"] == "/etc/xdg-of-mine"


def test_the_sanitizer_masks_every_run_home():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "notebooks" / "sanitize.cfg")
    masks = [
        (re.compile(config[section]["regex"]), config[section]["replace"])
        for section in config.sections()
    ]

    def sanitized(text):
        for pattern, replace in masks:
            text = pattern.sub(replace, text)
        return text

    first = NOTEBOOK_HOME_PREFIX + "ab_c9x1z"
    second = NOTEBOOK_HOME_PREFIX + "q0w9e8r7"
    shown = "<td>/tmp/{}/.config/python-sp-api/credentials.yml</td>"
    assert sanitized(shown.format(first)) == sanitized(shown.format(second))
    assert sanitized(shown.format(first)) == "<td>~/.config/python-sp-api/credentials.yml</td>"


def _expected_failures() -> dict:
    """``{(notebook, cell number): the failure nbval must report}`` of the fixtures.

    A cell that must fail says so in its metadata (``harness.must_fail_with``); every other
    code cell must pass. nbval numbers the code cells from 0.
    """
    expected = {}
    for path in FIXTURES:
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        for number, cell in enumerate(code):
            expected[(path.name, number)] = cell.metadata.get("harness", {}).get("must_fail_with")
    return expected


class _CellOutcomes:
    """A pytest plugin: what happened to each fixture cell, as the inner session reports it.

    ``{(notebook, cell number): None if it passed, else the text pytest shows for its
    failure}``; a failure while a cell is set up (a kernel that does not start) counts too.
    """

    def __init__(self):
        self.cells: dict = {}

    def pytest_runtest_logreport(self, report):
        notebook, _, cell = report.nodeid.partition("::")
        key = (Path(notebook).name, int(cell.removeprefix("Cell ")))
        if report.failed and self.cells.get(key) is None:
            self.cells[key] = report.longreprtext  # the first failure: setup's, call's...
        else:
            self.cells.setdefault(key, None)


@pytest.mark.slow
def test_the_harness_fails_exactly_the_cells_whose_stored_output_is_wrong(monkeypatch):
    """nbval's own idea, applied to the harness: the fixture notebooks run under nbval.

    Two notebooks, two scenarios (so the harness must switch mocks between them): the
    stored outputs that match pass; a changed result, a changed stream and an untagged
    exception fail, each for its own reason; a tagged exception passes.

    They run in a pytest session of their own, inside this process (``pytest.main``, as
    pytester's in-process runs do): a child pytest would cost a second and a half of CPU to
    start, and the mock's AWS part (moto) another second to import, before the first cell.
    The session is the one ``make test`` runs the notebooks in, cut to the fixtures:
    nbval's options, the fixtures' conftest (the harness) and nothing above it
    (``--confcutdir``: tests/conftest.py leaves the fixtures out of every other run), and no
    other installed plugin (xdist, hypothesis, the mock's fixtures: the fixtures use none).
    """
    expected = _expected_failures()
    assert {reason for reason in expected.values() if reason} == {
        "Cell outputs differ",
        "Cell execution caused an exception",
    }
    assert None in expected.values(), "no cell that must pass"
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    outcomes = _CellOutcomes()
    fixtures = ROOT / "tests" / "notebooks"
    status = pytest.main(
        [
            "-p",
            "nbval.plugin",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(ROOT / "notebooks" / "sanitize.cfg"),
            # A kernel that hangs fails its cell instead of holding this test for ever.
            "--nbval-cell-timeout",
            "120",
            "-p",
            "no:cacheprovider",
            # The outer session's faulthandler already covers this process; the inner one's
            # would switch it off at its end and on again on another stream.
            "-p",
            "no:faulthandler",
            "-q",
            f"--rootdir={ROOT}",
            f"--confcutdir={fixtures}",
            str(fixtures),
        ],
        plugins=[outcomes],
    )
    # Some cells fail on purpose, so the session's status is 1; anything else (2: an
    # internal or usage error, 5: no test collected...) means the fixtures did not run.
    assert status == pytest.ExitCode.TESTS_FAILED, (
        f"the fixtures' session failed to run (exit {status}); its output is captured above"
    )
    ran = outcomes.cells
    assert set(ran) == set(expected), f"cells run {sorted(ran)}, expected {sorted(expected)}"
    for cell, reason in sorted(expected.items()):
        if reason is None:
            assert ran[cell] is None, f"{cell} must pass, but failed:\n{ran[cell]}"
        else:
            assert ran[cell] is not None, f"{cell} must fail ({reason}), but passed"
            assert reason in ran[cell], f"{cell} failed, but not with {reason!r}:\n{ran[cell]}"


def test_regenerated_outputs_hold_neither_ports_nor_the_run_home(tmp_path):
    """What varies per run is written as sanitize.cfg masks it: regenerating is stable."""
    from regenerate import _stable_outputs

    home = str(tmp_path / "spapi-notebook-home-abc123")
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "x",
                outputs=[
                    nbformat.v4.new_output(
                        "stream",
                        name="stdout",
                        text=f"LWA http://127.0.0.1:41234/auth/o2/token\nnot found: {home}/.config/x.yml\n",
                    )
                ],
            )
        ]
    )
    text = _stable_outputs(notebook, home).cells[0].outputs[0]["text"]
    assert text == "LWA http://127.0.0.1:PORT/auth/o2/token\nnot found: ~/.config/x.yml\n"
    for path in NOTEBOOKS:
        committed = path.read_text()
        assert not re.search(r"127\.0\.0\.1:\d", committed), path.name
        assert "spapi-notebook-home" not in committed, path.name


@pytest.mark.parametrize("argument", ["--help", "notebooks/no-such.ipynb", "README.md"])
def test_regenerate_names_what_is_not_a_notebook_and_runs_nothing(argument, capsys):
    assert regenerate.main([argument]) == 2
    err = capsys.readouterr().err
    assert f"{argument} is not a notebook file" in err
    assert "Traceback" not in err
