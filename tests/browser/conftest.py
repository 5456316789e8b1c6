"""Fixtures of the browser tests: the built site, served on loopback, and headless Chromium.

One session builds the site when it is missing (with the project's strict command), serves
``_build/html`` from a ``ThreadingHTTPServer`` on 127.0.0.1 (a free port), and starts one
headless Chromium: Debian's ``/usr/bin/chromium``, driven by Playwright, never a browser
that Playwright downloads. Each test opens its own browser context (a fresh profile: no
cookies, no localStorage, no granted permission carries over).

Without Chromium the tests are skipped, unless ``SPAPI_REQUIRE_BROWSER=1`` (CI sets it):
then they fail, so that CI cannot go green by skipping them.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from _site import LAUNCH_ARGS, SITE, START_PAGE, VIEWPORT

CHROMIUM = Path("/usr/bin/chromium")
# Read once, at import: the autouse fixture of tests/conftest.py removes every SPAPI_*
# variable from the environment of each test.
REQUIRE_BROWSER = os.environ.get("SPAPI_REQUIRE_BROWSER") == "1"
SKIP_REASON = "chromium not installed (apt-get install chromium)"
# The same command as the Makefile, CI and Read the Docs (conf.py's docstring).
BUILD_COMMAND = [
    sys.executable,
    "-m",
    "sphinx",
    "-n",
    "-W",
    "--keep-going",
    "-b",
    "html",
    ".",
    str(SITE),
]
ROOT = SITE.parents[1]


@pytest.fixture(scope="session")
def built_site() -> Path:
    """``_build/html``, built with the strict command if its start page is missing."""
    if not START_PAGE.exists():
        result = subprocess.run(
            BUILD_COMMAND, cwd=ROOT, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            pytest.fail(
                f"the site does not build ({' '.join(BUILD_COMMAND)} exited with "
                f"{result.returncode}):\n{result.stderr[-8000:]}",
                pytrace=False,
            )
        assert START_PAGE.exists(), f"the build succeeded but wrote no {START_PAGE}"
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site without logging every request to stderr.

    A request that fails is seen by the tests themselves (Playwright's ``response`` and
    ``requestfailed`` events), with the page that made it, which the log would not say.
    """

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def site_url(built_site):
    """The site's root URL on loopback (``http://127.0.0.1:<port>/``)."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's), one for the whole session."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        if REQUIRE_BROWSER:
            pytest.fail(
                f"SPAPI_REQUIRE_BROWSER=1 but {SKIP_REASON}: {CHROMIUM} is missing", pytrace=False
            )
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives every launch a new, empty profile (user data dir) and removes it
        # at close.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
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
