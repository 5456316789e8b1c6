"""Which peer libraries are installed, and their versions, read from files (no import)."""

from __future__ import annotations

import sys
from importlib.metadata import version

import pytest
from _python import python_json

from spapi_docs_helpers._peers import (
    PeerLibrary,
    amzn_sp_api_version,
    installed_peers,
    sp_api_version,
)


def test_installed_python_amazon_sp_api_version_is_read_from_its_files():
    assert sp_api_version() == version("python-amazon-sp-api")


def test_installed_amzn_sp_api_version_is_read_from_its_dist_info():
    assert amzn_sp_api_version() == version("amzn-sp-api")


def test_installed_peers_describes_both():
    peers = installed_peers()
    assert list(peers) == ["python-amazon-sp-api", "amzn-sp-api"]
    sw = peers["python-amazon-sp-api"]
    assert (sw.distribution, sw.import_name, sw.version) == (
        "python-amazon-sp-api",
        "sp_api",
        version("python-amazon-sp-api"),
    )
    assert sw.as_dict() == {
        "distribution": "python-amazon-sp-api",
        "import": "sp_api",
        "version": sw.version,
    }
    assert repr(sw) == f"PeerLibrary('python-amazon-sp-api', {sw.version!r})"
    assert peers["amzn-sp-api"].import_name == "spapi"


def test_reading_the_versions_imports_neither_library():
    code = (
        "import json, sys\nfrom spapi_docs_helpers._peers import installed_peers\n"
        "peers = installed_peers()\n"
        "json.dump([m for m in ('sp_api', 'spapi') if m in sys.modules], sys.stdout)"
    )
    assert python_json(code) == []


@pytest.mark.parametrize(
    ("text", "major"),
    [
        ("2.1.35", 2),
        ("0.19.4", 0),
        ("10.0", 10),
        ("dev", None),
        (None, None),
    ],
)
def test_major_version(text, major):
    assert PeerLibrary("python-amazon-sp-api", "sp_api", text).major == major


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A fake site-packages folder in front of sys.path."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"sp_api/__init__.py": "", "sp_api/__version__.py": "__version__ = '0.19.4'\n"},
            "0.19.4",
            id="version-module",
        ),
        pytest.param(
            {"sp_api/__init__.py": 'from x import y\n__version__ = "0.8.3"\n'},
            "0.8.3",
            id="init-module",
        ),
        pytest.param(
            {"sp_api/__init__.py": "", "python_amazon_sp_api-0.17.0.dist-info/METADATA": ""},
            "0.17.0",
            id="dist-info",
        ),
    ],
)
def test_the_first_sp_api_on_sys_path_gives_the_version(site, files, expected):
    for relative, text in files.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert sp_api_version() == expected
    assert installed_peers()["python-amazon-sp-api"].major == int(expected.split(".")[0])


def test_folder_without_init_is_not_the_package(site):
    (site / "sp_api").mkdir()
    (site / "sp_api" / "__version__.py").write_text("__version__ = '0.1.0'\n")
    assert sp_api_version() == version("python-amazon-sp-api")


def test_library_that_is_not_installed_is_none(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert sp_api_version() is None
    assert amzn_sp_api_version() is None
    assert installed_peers() == {"python-amazon-sp-api": None, "amzn-sp-api": None}
