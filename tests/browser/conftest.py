"""Fixtures of the browser tests: the built site, served on loopback, and headless Chromium.

The site is the session's fresh strict build (the ``site`` fixture of tests/conftest.py,
shared with test_docs.py), never a ``_build/html`` left from an earlier build. It is served
from a ``ThreadingHTTPServer`` on 127.0.0.1 (a free port) to one headless Chromium from
Debian's packages, driven by Playwright, never a browser that Playwright downloads: the
``chromium-headless-shell`` on PATH when there is one, else ``chromium`` (see BROWSERS); it
sends every request for another host to a proxy that refuses it.
Each test opens its own browser context (a fresh profile: no cookies, no localStorage, no
granted permission carries over).

Without Chromium the tests are skipped, unless ``SPAPI_REQUIRE_BROWSER=1`` (CI sets it):
then they fail, so that CI cannot go green by skipping them.

Screenshots go to a temporary folder, or to ``$SPAPI_TEST_ARTIFACTS/screenshots`` when that
variable names a folder to keep them in (relative to the repository root; CI sets it).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from _site import LAUNCH_ARGS, ROOT, VIEWPORT

# Read once, at import: the autouse fixture of tests/conftest.py removes every SPAPI_*
# variable from the environment of each test.
REQUIRE_BROWSER = os.environ.get("SPAPI_REQUIRE_BROWSER") == "1"
ARTIFACTS = os.environ.get("SPAPI_TEST_ARTIFACTS", "")
SKIP_REASON = "chromium not installed (apt-get install chromium chromium-headless-shell)"
# The first of these on PATH drives the tests. Chromium's headless shell (Debian's
# chromium-headless-shell; what Playwright itself runs for headless) is the same Blink and V8
# as the browser, without the browser's own UI layer, which in headless mode still runs: the
# same pages cost it about half the CPU (the browser and GPU processes, and no WebUI
# renderer). The full browser stays the fallback, for a machine without the shell.
BROWSERS = ("chromium-headless-shell", "chromium")


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where the screenshots go: ``$SPAPI_TEST_ARTIFACTS/screenshots``, else a tmp folder."""
    if ARTIFACTS:
        folder = (ROOT / ARTIFACTS / "screenshots").resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site without logging every request to stderr.

    A request that fails is seen by the tests themselves (Playwright's ``response`` and
    ``requestfailed`` events), with the page that made it, which the log would not say.
    """

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def site_url(site):
    """The site's root URL on loopback (``http://127.0.0.1:<port>/``)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _executable(names: tuple) -> str:
    """The path of the first of ``names`` on PATH; else a skip (a failure on CI)."""
    found = next(filter(None, map(shutil.which, names)), None)
    if found is None:
        if REQUIRE_BROWSER:
            pytest.fail(
                f"SPAPI_REQUIRE_BROWSER=1 but {SKIP_REASON}: none of {names} on PATH",
                pytrace=False,
            )
        # Skipped, not failed, on a developer's machine without Chromium: the reason says
        # how to get it, and CI (SPAPI_REQUIRE_BROWSER=1) fails instead.
        pytest.skip(SKIP_REASON)
    return found


@pytest.fixture(scope="session")
def _playwright():
    """Playwright's driver, and the launch option that sends other hosts to a refusing proxy."""
    from playwright.sync_api import sync_playwright

    # Nothing a page asks for leaves the machine: every request for another host goes to a
    # proxy on loopback that refuses it (Chromium never sends a request for loopback to a
    # proxy), at no cost to the pages' own requests, which intercepting each one in
    # Playwright would add. The port stays bound, never listening, for the whole session, so
    # no other program can take it and answer. PageWatch reports each such request.
    with socket.socket() as refusing, sync_playwright() as playwright:
        refusing.bind(("127.0.0.1", 0))
        yield playwright, f"--proxy-server=http://127.0.0.1:{refusing.getsockname()[1]}"


@pytest.fixture(scope="session")
def browser(request):
    """Headless Chromium (the first of BROWSERS on PATH), one for the whole session."""
    path = _executable(BROWSERS)  # first: without a browser, the driver is not started
    playwright, proxy = request.getfixturevalue("_playwright")
    # Playwright gives every launch a new, empty profile (user data dir) and removes it at
    # close.
    chromium = playwright.chromium.launch(
        executable_path=path, headless=True, args=[*LAUNCH_ARGS, proxy]
    )
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def new_context(browser, site_url):
    """``new_context(**options)``: a fresh browser context on the site; closed after the test.

    Defaults: the desktop viewport, a light colour scheme, the site as ``base_url``.
    """
    contexts = []

    def make(**options):
        options = {"viewport": VIEWPORT, "color_scheme": "light", "base_url": site_url, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
