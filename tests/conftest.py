"""Every test here runs on a machine that holds no credentials.

python-amazon-sp-api and this package read the environment, ``~/.config/python-sp-api``
(through confuse, which also honours ``XDG_CONFIG_HOME``, ``XDG_CONFIG_DIRS`` and, on Windows,
``APPDATA``) and the working directory (the near-miss file search). The autouse fixture below
applies the package's one clean-machine recipe (``spapi_docs_helpers.mock._isolation``): every
variable a credential or an endpoint could come from is removed and the home and its
configuration folders point into ``tmp_path``, which is also the working directory; so
nothing on the developer's machine or the CI runner leaks into a test, and no test writes
outside ``tmp_path``.

It also marks the tests ``make check`` leaves out (``slow``, by rule: see
``pytest_collection_modifyitems``), and provides ``assert_no_leak``: the one check, used
throughout, that a text (a message, a fix, a repr, a whole CLI output) holds no secret or
any 12-character piece of one; ``config_file`` (write a credentials.yml into the fake
HOME); ``doctor`` (run the installed ``spapi-doctor``, on a pipe or a terminal) and ``cli``
(the same command in this process, where a child process proves nothing more); and
``site`` (the documentation, built once per session with the strict command, shared by
the pytest-xdist workers). Shared values are in ``_values.py``. Tests in ``tests/mock/``
have their own conftest as well.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import gc
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from _values import PIECE, PUBLIC_PREFIXES

# The one definition of a clean machine, shared with the mock's fixtures, the notebooks, the
# demo, the canary and the benchmarks.
from spapi_docs_helpers.mock._isolation import clean_environ, isolate_with

ROOT = Path(__file__).resolve().parents[1]

# The nbval fixture notebooks in tests/notebooks/ fail on purpose; only test_notebooks.py
# runs them (in a pytest session of its own, which reads tests/notebooks/conftest.py only).
# SPAPI_NBVAL_FIXTURES=1 collects them here too, to run them by hand.
collect_ignore_glob = [] if os.environ.get("SPAPI_NBVAL_FIXTURES") else ["notebooks/*"]

# Besides the private variables: the colour switch the CLI honours.
_REMOVED_NAMES = ("NO_COLOR",)

# `make check` leaves out the tests marked slow, to stay a loop of seconds. By rule: those
# that build the site or run the installed spapi-doctor in a child process (the fixtures they
# use); the mock's own suite (tests/mock: servers, moto, faults that wait out timeouts;
# `pytest tests/mock` runs it); and these files, whose tests start servers, moto or child
# processes of their own, or wait out deadlines. What is left is the unit tests: the format
# rules, the sources, the catalogue, the diagnosis, the report, the options, the layers.
_SLOW_FIXTURES = frozenset({"site", "doctor"})
_SLOW_FOLDERS = (ROOT / "tests" / "mock",)
_SLOW_FILES = {
    "test_canary.py": "whole runs of the package in a child process, notebooks included",
    "test_check_online.py": "every scenario and fault against the mock, timeouts waited out",
    "test_robustness.py": "hostile servers on loopback, timeouts waited out",
    "test_rotation.py": "the mock's AWS part (SQS) for every test, a crash in a child process",
    "test_fleet.py": "a mock per scenario, the mock and the check as child processes",
    "test_sources_parity.py": "python-amazon-sp-api itself, in a child process",
    "test_roles_check.py": "property tests that check hundreds of role sets against the mock",
    "test_recipes.py": "the site's curl and Python recipes, each in a child process",
    "test_stores.py": "the mock's Secrets Manager (moto) for the secret store",
    "test_init.py": "the check against the mock, and moto, for every store",
    "test_authorize.py": "the mock's consent pages and LWA, a redirect catcher per test",
    "test_transport.py": "servers on loopback that drip, stall and reset, deadlines waited out",
    "test_deadlines.py": "deadlines and Ctrl-C waited out against slow servers",
    "test_cli_exits.py": "signals, closed and full outputs: child processes",
    "test_packaging.py": "builds the sdist and the wheel",
    "test_steps.py": "the notebook steps against the mock, moto included",
    "test_secret_replaced.py": "the mock's AWS part (SQS) for two rotations and a check",
    "test_rotation_reads.py": "the mock's AWS part (SQS) for a rotation's dry run",
    "test_settled_session.py": "servers on loopback that drip and send past the cap",
}


# `make test` hands whole files to its workers in collection order (pytest-xdist's
# `--dist loadfile --no-loadscope-reorder`). The longest files go first, so that none of
# them starts last while the other workers run out of work: the browser tests (they wait for
# the site build, the longest single step), then these, longest first as measured on the
# 2-core machine. Only an order: a file missing from here runs after them, in collection
# order, and a wrong guess costs time, never a result.
_LONGEST_FIRST = (
    "tests/browser/test_site.py",
    "tests/browser/test_site_reader.py",
    "tests/browser/test_site_screenshots.py",
    "tests/browser/test_consent_in_browser.py",
    "tests/test_rotation.py",
    "tests/test_canary.py",
    "tests/test_recipes.py",
    "tests/test_check_online.py",
    "notebooks/05-troubleshooting-tour.ipynb",
    "tests/test_roles_check.py",
    "tests/mock/test_scenarios.py",
    "tests/test_fleet.py",
    "tests/test_formats_properties.py",
    "tests/mock/test_malformed.py",
    "tests/test_notebooks.py",
    "notebooks/08-rotation.ipynb",
    "tests/test_packaging.py",
)
_RANK = {ROOT / name: rank for rank, name in enumerate(_LONGEST_FIRST)}


# The browser tests share one pytest-xdist worker: one Playwright driver and one Chromium
# instead of one per file in four workers (each about 1.5 s of CPU to start), and the other
# workers run the rest of the suite while the site is built, instead of three of them
# waiting for it. `--dist loadfile` with tests/browser/ as one "file".
_BROWSER_TESTS = "tests/browser/"


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent when it is disabled
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class BrowserTestsTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return _BROWSER_TESTS if scope.startswith(_BROWSER_TESTS) else scope

    return BrowserTestsTogether(config, log)


# Python's cycle collector, made rarer in every pytest process: the workers hold moto,
# botocore's models and 3,000 collected items, which each pass over the old generations
# walks again (2.7 s of CPU in the check-heavy files at the default thresholds, 1.1 s here).
# What collection made is frozen out of later passes. No test relies on when a cycle is
# freed: resources are closed explicitly, and a warning about one left open is an error.
def pytest_configure(config):
    gc.set_threshold(10_000, 20, 100)


def pytest_collection_finish(session):
    gc.freeze()


def pytest_collection_modifyitems(items):
    slow_paths: dict = {}  # a file's answer, asked once (each worker collects 3,000 items)
    for item in items:
        path = item.path
        slow = slow_paths.get(path)
        if slow is None:
            slow = slow_paths[path] = path.name in _SLOW_FILES or any(
                path.is_relative_to(folder) for folder in _SLOW_FOLDERS
            )
        if slow or not _SLOW_FIXTURES.isdisjoint(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    # A stable sort: a file's own items keep their order (a notebook's cells above all).
    items.sort(key=lambda item: _RANK.get(item.path, len(_RANK)))


@pytest.fixture
def tmp_path(request, tmp_path_factory) -> Path:
    """pytest's ``tmp_path`` (a new folder in the session's base temporary folder, named
    after the test, kept like pytest keeps its own), made in a fifth of the time.

    Every test asks for one (``isolated_machine``). pytest numbers the folders of a name by
    listing the whole base folder each time, which costs a millisecond of CPU a test, more
    as the folder fills: three seconds over the suite. ``mkdtemp`` makes the name unique
    with a random suffix instead.
    """
    name = re.sub(r"\W", "_", request.node.name)[:30]
    return Path(tempfile.mkdtemp(prefix=name, dir=tmp_path_factory.getbasetemp()))


@pytest.fixture(autouse=True)
def isolated_machine(tmp_path, monkeypatch):
    """HOME, the config folders and the working directory in ``tmp_path``; no credentials.

    Returns the fake home directory.
    """
    home = isolate_with(monkeypatch, tmp_path / "home")
    for name in _REMOVED_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return home


class ProxyScans(list):
    """The URLs requests' ``get_environ_proxies`` (its scan of the environment for proxies)
    was asked about, in order; ``real`` is requests' own function, unwatched."""

    real: Callable[..., dict]


@pytest.fixture
def proxy_scans(monkeypatch) -> ProxyScans:
    """Every call of requests' ``get_environ_proxies`` from now on, recorded (it still
    answers): how often the environment is scanned."""
    import requests

    scans = ProxyScans()
    scans.real = real = requests.utils.get_environ_proxies

    def recorded(url, no_proxy=None):
        scans.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.utils, "get_environ_proxies", recorded)
    return scans


@pytest.fixture
def mock_stops_at_once(monkeypatch):
    """`spapi-doctor mock` run in this process stops as soon as it has handed its
    environment over, as if Ctrl-C came at once: its wait for a signal is replaced, so a
    test cannot hang on it. (The signals themselves are the child-process tests' part.)"""
    from spapi_docs_helpers.mock import _cli as mock_cli

    @contextlib.contextmanager
    def stopped_at_once():
        stop = threading.Event()
        stop.set()
        yield stop

    monkeypatch.setattr(mock_cli, "_stop_on_signals", stopped_at_once)


# --------------------------------------------------------------------------- credentials.yml


@pytest.fixture
def config_dir(isolated_machine) -> Path:
    """python-amazon-sp-api's config folder in the fake HOME (created, empty)."""
    folder = isolated_machine / ".config" / "python-sp-api"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def config_file(config_dir):
    """``config_file(text, name="credentials.yml", folder=None)``: write a config file.

    Into the fake HOME's ``.config/python-sp-api`` unless ``folder`` says otherwise;
    returns its path.
    """

    def write(text: str, name: str = "credentials.yml", folder=None) -> Path:
        path = Path(folder or config_dir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --------------------------------------------------------------------------- spapi-doctor

DOCTOR = Path(sys.executable).with_name("spapi-doctor")


def _on_a_terminal(command, environ, timeout):
    """Run ``command`` with stdout on a pseudo-terminal; ``(status, stdout, stderr)``.

    Never hangs: the reads wait at most until the deadline, and the child is killed if it
    is still running then (the test fails). stderr goes to a file, so a child that writes
    much there cannot block on a full pipe while stdout is read.
    """
    main, child = pty.openpty()
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                command, env=environ, stdin=subprocess.DEVNULL, stdout=child, stderr=errors
            )
        finally:
            os.close(child)
        chunks = []
        deadline = time.monotonic() + timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"{command} did not finish within {timeout} s", pytrace=False)
                ready, _, _ = select.select([main], [], [], left)
                if not ready:
                    continue
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            status = process.wait(timeout=max(deadline - time.monotonic(), 1))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            os.close(main)
        errors.seek(0)
        return status, b"".join(chunks).decode(), errors.read().decode()


def run_doctor(*args, env=None, tty=False, timeout=60):
    """The installed ``spapi-doctor`` with ``args``: ``(exit status, stdout, stderr)``.

    The environment is this process's (the isolated one of ``isolated_machine``) plus
    ``env``; ``tty``: stdout is a terminal.
    """
    environ = {**os.environ, **(env or {})}
    command = [str(DOCTOR), *args]
    if tty:
        return _on_a_terminal(command, environ, timeout)
    done = subprocess.run(
        command, env=environ, capture_output=True, text=True, timeout=timeout, check=False
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def doctor():
    """``doctor(*args, env=None, tty=False, timeout=60)``; see :func:`run_doctor`."""
    return run_doctor


@pytest.fixture
def cli(monkeypatch, capsys):
    """``cli(*args, env=None)``: ``spapi-doctor *args`` in this process, ``(status, stdout,
    stderr)`` as :func:`run_doctor` gives them, for what a child process would prove nothing
    more about (its output and status on a pipe; a terminal, a signal, the interpreter's own
    encoding or a broken stdout need ``doctor``). ``env`` is set over the isolated
    environment; argparse's exits become the status; the SIGTERM handler an online check
    installs is put back.
    """
    from spapi_docs_helpers import _cli

    previous = signal.getsignal(signal.SIGTERM)

    def run(*args, env=None):
        capsys.readouterr()  # what came before is not this run's
        # Each run's variables for that run only, as a child process would have them.
        with monkeypatch.context() as patch:
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            try:
                status = _cli.main(list(args))
            except SystemExit as leaving:  # argparse: --help, --version, usage errors
                status = leaving.code if isinstance(leaving.code, int) else 1
            finally:
                signal.signal(signal.SIGTERM, previous)
        out, err = capsys.readouterr()
        return status, out, err

    return run


# --------------------------------------------------------------------------- the site

# The strict build: the same options as the Makefile's `html`, CI and Read the Docs
# (conf.py's docstring). This is the tests' one definition of it.
SPHINX_STRICT = ("-n", "-W", "--keep-going")


def sphinx_build_command(out: Path) -> list:
    """The strict build of the site into ``out/html`` (doctrees in ``out/doctrees``)."""
    script = Path(sys.executable).with_name("sphinx-build")
    sphinx = [str(script)] if script.exists() else [sys.executable, "-m", "sphinx"]
    return [
        *sphinx,
        *SPHINX_STRICT,
        "-q",
        "-b",
        "html",
        "-d",
        str(out / "doctrees"),
        str(ROOT),
        str(out / "html"),
    ]


def _build_site(out: Path) -> Path:
    """Build the site strictly into ``out``; its html folder (fails the test on a warning)."""
    command = sphinx_build_command(out)
    # Hermetic: no docs URL override, no credential of the machine's.
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0 or "WARNING" in result.stderr or "ERROR" in result.stderr:
        pytest.fail(
            f"the strict docs build failed (exit {result.returncode}):\n"
            f"$ {' '.join(command)}\n{result.stderr}{result.stdout[-3000:]}",
            pytrace=False,
        )
    html = out / "html"
    assert (html / "docs" / "index.html").is_file(), f"the build wrote no start page in {html}"
    return html


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site, built once per session, fresh, with the strict command; its html folder.

    Used by test_docs.py and the browser tests, so that both read the site of the sources
    as they are now, never a stale ``_build/html``. Under pytest-xdist (``make test``) the
    workers share one build: the first to need it builds it while holding a lock in the
    session's shared temporary folder, the others wait for it and read the same files.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return _build_site(tmp_path_factory.mktemp("site"))
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker
    out = shared / "site"
    done = out / "built"
    with open(shared / "site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if done.is_file():
            return out / "html"
        shutil.rmtree(out, ignore_errors=True)  # what a failed build left
        html = _build_site(out)
        done.touch()
        return html


# --------------------------------------------------------------------------- leaks


# The same few fake secrets are checked in hundreds of tests: their pieces are cut once.
# Only secrets of a usual length are kept: a pasted megabyte would keep a million pieces.
_KEPT_SECRET_LENGTH = 4096


def secret_pieces(secret: str, size: int = PIECE) -> frozenset:
    """Every ``size``-character piece of ``secret`` after its public marker.

    Pieces of a marker itself (a cut-off ``application-oa2-client.``) are public too.
    """
    if len(secret) > _KEPT_SECRET_LENGTH:
        return _cut_pieces(secret, size)
    return _kept_pieces(secret, size)


@functools.lru_cache(maxsize=1024)
def _kept_pieces(secret: str, size: int) -> frozenset:
    return _cut_pieces(secret, size)


def _cut_pieces(secret: str, size: int) -> frozenset:
    body = secret
    for prefix in PUBLIC_PREFIXES:
        if body.startswith(prefix):
            body = body[len(prefix) :]
            break
    if len(body) < size:
        pieces = {body} if len(body) >= 4 else set()
    else:
        pieces = {body[i : i + size] for i in range(len(body) - size + 1)}
    return frozenset(
        piece for piece in pieces if not any(piece in prefix for prefix in PUBLIC_PREFIXES)
    )


def _texts(obj):
    """The texts a finding, a report dict or any nesting of them shows."""
    if obj is None:
        return
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield str(key)
            yield from _texts(value)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for item in obj:
            yield from _texts(item)
    elif hasattr(obj, "as_dict"):
        yield repr(obj)
        yield from _texts(obj.as_dict())
    else:
        yield repr(obj)


def _assert_no_leak(shown, *secrets):
    """Fail when ``shown`` (texts, findings, dicts...) holds any 12-character piece of a secret.

    A secret shorter than 12 characters (after its public marker) must not appear at all.
    """
    texts = list(_texts(shown))
    # One search per piece over all the texts at once; a hit is confirmed text by text (a
    # piece holding the separator could match across two texts).
    together = "\0".join(texts)
    for secret in secrets:
        if not isinstance(secret, str):
            continue
        for piece in secret_pieces(secret):
            if piece not in together:
                continue
            for text in texts:
                assert piece not in text, (
                    f"a piece of a secret ({piece[:4]}…) is shown in: {text[:300]!r}"
                )


@pytest.fixture(scope="session")
def assert_no_leak():
    """``assert_no_leak(shown, *secrets)``; see :func:`_assert_no_leak`."""
    return _assert_no_leak
