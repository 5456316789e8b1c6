"""The installable tool: the sdist and the wheel are built here, and the wheel is inspected.

The build is the one a release makes (``python -m build``: the sdist, then the wheel from
it), offline: without isolation it uses the build backend of the test environment (the
``test`` extra pins it as pyproject.toml asks), so no package is downloaded. The wheel must
carry what ``pip install`` / ``pipx install`` needs: valid core metadata with the README as
its long description, the licence, the ``spapi-doctor`` entry point, the data the doctor
reads at run time (Amazon's role model) and every module of the package, the catalogue
included. ``.ci/run`` then installs the wheel into
a fresh virtual environment and runs ``spapi-doctor check --demo`` from it.
"""

from __future__ import annotations

import email
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from packaging.requirements import Requirement

import spapi_docs_helpers

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "spapi_docs_helpers"

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from the docs extra
    import tomli as tomllib

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# The version is written once, in the package (pyproject.toml reads it: dynamic).
VERSION = spapi_docs_helpers.__version__


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict:
    """The sdist, and the wheel built from it, once: {"sdist": path, "wheel": path}.

    As ``python -m build --no-isolation`` makes them, through build's own ``ProjectBuilder``
    in this process: each backend hook still runs in a child of its own (two children; the
    command line costs a third, and two more to ask the backend for its requirements). The
    backend's declared requirements are checked here, from the installed distributions.
    """
    # Here, not at the top: every pytest-xdist worker collects this module.
    from build import ProjectBuilder, check_dependency

    out = tmp_path_factory.mktemp("dist")
    builder = ProjectBuilder(ROOT)
    unmet = [unmet for need in builder.build_system_requires for unmet in check_dependency(need)]
    assert unmet == [], f"the test environment lacks the build backend's requirements: {unmet}"
    # The backend's warnings come back as BuildBackendWarning; pytest's `error` filter
    # fails the build on them, so that a packaging gap setuptools notices (a data folder
    # not named as a package, say) fails here instead of scrolling past.
    sdist = Path(builder.build("sdist", out))
    # The wheel is built from the unpacked sdist, as `python -m build` does by default:
    # what the sdist lacks, the wheel lacks too.
    unpacked = tmp_path_factory.mktemp("sdist")
    # The "data" filter (no links out, no devices) where tarfile has it: 3.12, and the
    # security releases of 3.10 and 3.11 (3.11.4); Debian 12's python3 is 3.11.2. The
    # archive is the one just built from this checkout.
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(sdist) as archive:
        archive.extractall(unpacked, **safe)
    [source] = unpacked.iterdir()
    wheel = Path(ProjectBuilder(source).build("wheel", out))
    assert sorted(p.name for p in out.iterdir()) == sorted([sdist.name, wheel.name])
    assert wheel.suffix == ".whl" and sdist.name.endswith(".tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def wheel(dist):
    with zipfile.ZipFile(dist["wheel"]) as archive:
        yield archive


def _dist_info(wheel) -> str:
    name = PROJECT["name"].replace("-", "_")
    return f"{name}-{VERSION}.dist-info"


def _metadata(wheel):
    raw = wheel.read(f"{_dist_info(wheel)}/METADATA")
    return Metadata.from_email(raw, validate=True), email.message_from_string(raw.decode())


def test_the_wheel_has_valid_metadata_with_the_readme_as_long_description(wheel):
    metadata, message = _metadata(wheel)
    assert (metadata.name, str(metadata.version)) == (PROJECT["name"], VERSION)
    assert metadata.summary == PROJECT["description"]
    assert str(metadata.requires_python) == PROJECT["requires-python"]
    assert metadata.description_content_type == "text/markdown"
    assert message.get_payload().strip() == (ROOT / "README.md").read_text().strip()
    assert metadata.project_urls == PROJECT["urls"]
    # Every runtime dependency, and each extra with its requirements.
    declared = [Requirement(dependency) for dependency in PROJECT["dependencies"]]
    assert all(requirement in (metadata.requires_dist or []) for requirement in declared)
    assert set(PROJECT["optional-dependencies"]) <= set(metadata.provides_extra or [])


def test_the_wheel_carries_the_licence(wheel):
    metadata, _ = _metadata(wheel)
    assert str(metadata.license_expression) == PROJECT["license"] == "MIT"
    assert metadata.license_files == ["LICENSE"]
    shipped = wheel.read(f"{_dist_info(wheel)}/licenses/LICENSE").decode()
    assert shipped == (ROOT / "LICENSE").read_text()
    assert "MIT License" in shipped


def test_the_wheel_installs_the_spapi_doctor_command(wheel):
    entry_points = wheel.read(f"{_dist_info(wheel)}/entry_points.txt").decode()
    assert "[console_scripts]\nspapi-doctor = spapi_docs_helpers._cli:main" in entry_points
    # The pytest fixture of the mock, for users' own tests.
    assert "spapi_mock_amazon = spapi_docs_helpers.mock.pytest_plugin" in entry_points


def test_the_wheel_holds_every_module_and_the_data_the_doctor_reads(wheel):
    names = set(wheel.namelist())
    for source in sorted(PACKAGE.rglob("*.py")):
        relative = source.relative_to(ROOT).as_posix()
        assert relative in names, f"{relative} is missing from the wheel"
    for data in ("data/role-mappings.json", "data/README.md", "py.typed"):
        assert f"spapi_docs_helpers/{data}" in names
    # The role model in the wheel is the one the package reads, byte for byte.
    shipped = wheel.read("spapi_docs_helpers/data/role-mappings.json")
    assert shipped == (PACKAGE / "data" / "role-mappings.json").read_bytes()
    # Nothing of the tests, the docs or the notebooks rides along.
    assert not [n for n in names if n.startswith(("tests/", "docs/", "notebooks/"))]


def test_the_sdist_holds_what_rebuilds_the_wheel(dist):
    with tarfile.open(dist["sdist"]) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO"} <= names
    assert "spapi_docs_helpers/_catalogue.py" in names
    assert "spapi_docs_helpers/data/role-mappings.json" in names
