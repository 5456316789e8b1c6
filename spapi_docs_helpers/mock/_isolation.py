"""One clean machine: an environment with none of the user's credentials and an empty home.

Everything that must not see the developer's own set-up uses this module and nothing else:
the tests (``tests/conftest.py``), the ``mock_amazon_env`` fixture, the notebooks under nbval
and ``make notebooks``, ``spapi-doctor check --demo``, the canary run and the benchmarks.
Before it existed there were five recipes, and they disagreed (one kept ``XDG_CONFIG_HOME``
unset, one left ``APPDATA`` alone, one pointed only ``HOME`` away and so still read
``/etc/xdg``); a source of credentials added to one was missed by the others.

A clean machine is two rules:

- **no private variable**: no variable a credential, an endpoint, the docs URL or an AWS
  setting could come from (:func:`is_private`; whole families by prefix, so that a variable
  added later is covered without an edit here);
- **an empty home**: every variable that says where a home or a configuration folder is
  (:func:`home_environ`) points into one folder that holds nothing of the user's. That covers
  ``~/.config/python-sp-api`` (confuse: ``XDG_CONFIG_HOME``, the system-wide
  ``XDG_CONFIG_DIRS``, by default ``/etc/xdg``; ``APPDATA`` on Windows), ``~/.aws`` and the
  near-miss file search.

:func:`isolated_home` applies both to ``os.environ`` (or to any mapping) for a block and puts
back exactly what was there; :func:`isolate_with` does the same through pytest's
``monkeypatch``, so that pytest undoes it in the right order with a test's own changes;
:func:`mock_environment` adds a running mock Amazon, as the notebooks see it.

Only the standard library is imported here (the mock is imported when a mock is started):
the pytest plugin and the demo import this module.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

# Variable families of the user's own set-up (credentials, endpoints, the docs URL, AWS
# settings), and confuse's override of the config folder (the hyphens are part of its name).
PRIVATE_PREFIXES = ("SP_API_", "LWA_", "SPAPI_", "AWS_")
PRIVATE_NAMES = ("PYTHON-SP-APIDIR",)
# The empty home of each notebook run is made with this prefix in the machine's temporary
# folder: notebooks/sanitize.cfg masks the whole path (whatever the folder and the random
# suffix), so the outputs nbval compares show it as ``~``.
NOTEBOOK_HOME_PREFIX = "spapi-notebook-home-"
# The default scenario of a notebook without ``metadata.spapi.mock_scenario``.
DEFAULT_SCENARIO = "happy"


def is_private(name: str) -> bool:
    """Whether a credential, an endpoint or an AWS setting may come from variable ``name``.

    Lower-case variants count too (``lwa_app_id`` is a near miss the sources report).
    """
    upper = name.upper()
    return upper.startswith(PRIVATE_PREFIXES) or upper in PRIVATE_NAMES


def clean_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``environ`` (default: ``os.environ``) without any private variable."""
    source = os.environ if environ is None else environ
    return {name: value for name, value in source.items() if not is_private(name)}


def home_environ(home: str | os.PathLike[str]) -> dict[str, str]:
    """The variables that say where the home and its configuration folders are, all in ``home``.

    ``HOME`` (``USERPROFILE`` on Windows, which the sources read when ``HOME`` is unset), the
    XDG folders confuse reads (``XDG_CONFIG_DIRS`` defaults to ``/etc/xdg``, outside any home,
    so it is pointed at an empty folder too) and Windows' ``APPDATA``.
    """
    root = Path(home)
    return {
        "HOME": str(root),
        "USERPROFILE": str(root),
        "XDG_CONFIG_HOME": str(root / ".config"),
        "XDG_CONFIG_DIRS": str(root / "xdg"),
        "APPDATA": str(root / "AppData" / "Roaming"),
    }


def machine_environ(
    home: str | os.PathLike[str],
    environ: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``environ`` (default: ``os.environ``) as a clean machine has it, plus ``env``.

    ``env`` (a mock's endpoints and credentials, say) is added last, so that its private
    variables are the only ones.
    """
    return {**clean_environ(environ), **home_environ(home), **(env or {})}


def _replace(target: MutableMapping[str, str], wanted: Mapping[str, str]) -> None:
    """Make ``target`` equal ``wanted``, touching only the names that differ."""
    for name in [name for name in target if name not in wanted]:
        del target[name]
    for name, value in wanted.items():
        if target.get(name) != value:
            target[name] = value


@contextmanager
def environ_as(
    wanted: Mapping[str, str], *, environ: MutableMapping[str, str] | None = None
) -> Iterator[None]:
    """``environ`` (default: ``os.environ``) holds exactly ``wanted`` for the block, and
    exactly what it held before afterwards, whatever the block changed in it."""
    target = os.environ if environ is None else environ
    saved = dict(target)
    _replace(target, wanted)
    try:
        yield
    finally:
        _replace(target, saved)


@contextmanager
def isolated_home(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: MutableMapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    prefix: str = "spapi-home-",
) -> Iterator[Path]:
    """``environ`` (default: ``os.environ``) as a clean machine's for the block; yields the home.

    The home is ``path`` (created if missing; left in place afterwards) or, by default, a
    fresh folder in the temporary folder named with ``prefix``, removed afterwards. ``env``
    is applied on top (see :func:`machine_environ`). At the end ``environ`` holds exactly
    what it held before, whatever the block changed in it.
    """
    target = os.environ if environ is None else environ
    made = path is None
    home = Path(tempfile.mkdtemp(prefix=prefix) if path is None else path)
    try:
        home.mkdir(parents=True, exist_ok=True)
        with environ_as(machine_environ(home, dict(target), env), environ=target):
            yield home
    finally:
        if made:
            shutil.rmtree(home, ignore_errors=True)


class _MonkeyPatch(Protocol):
    """What :func:`isolate_with` needs of pytest's ``monkeypatch`` fixture."""

    def setenv(self, name: str, value: str, prepend: str | None = None) -> None: ...

    def delenv(self, name: str, raising: bool = True) -> None: ...


def isolate_with(monkeypatch: _MonkeyPatch, home: str | os.PathLike[str]) -> Path:
    """:func:`isolated_home` for a pytest test: ``os.environ`` through ``monkeypatch``.

    pytest undoes a test's own ``monkeypatch.setenv`` and this in one stack, newest first,
    so the test's changes cannot outlive it (a context manager around the test would be
    undone before them, and they would then restore the isolated values for good).
    ``home`` is created if missing; returns it as a :class:`~pathlib.Path`.
    """
    root = Path(home)
    root.mkdir(parents=True, exist_ok=True)
    for name in list(os.environ):
        if is_private(name):
            monkeypatch.delenv(name)
    for name, value in home_environ(root).items():
        monkeypatch.setenv(name, value)
    return root


def notebook_scenario(notebook: Any) -> str:
    """The mock scenario a notebook runs against: ``metadata.spapi.mock_scenario``."""
    return str(notebook.metadata.get("spapi", {}).get("mock_scenario", DEFAULT_SCENARIO))


@contextmanager
def mock_environment(scenario: str = DEFAULT_SCENARIO) -> Iterator[Any]:
    """``os.environ`` pointed at a running mock Amazon, from a fresh empty home; yields the mock.

    The whole AWS part is started too, as ``spapi-doctor mock`` runs it: the world the
    notebooks show is the mock's throughout, STS included. The home is a new folder per call
    (prefix :data:`NOTEBOOK_HOME_PREFIX`), so that two runs at once (nbval beside
    ``make notebooks``, two CI jobs) never share or remove each other's.
    """
    from . import MockAmazon

    with (
        MockAmazon(scenario=scenario, aws=True) as amazon,
        isolated_home(env=amazon.env, prefix=NOTEBOOK_HOME_PREFIX),
    ):
        yield amazon
