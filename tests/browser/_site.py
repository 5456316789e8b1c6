"""Helpers of the browser tests: where the site is, which pages it has, what a page did.

Nothing here starts a browser or a server (``conftest.py`` does); these are the parts the
tests (``test_site*.py``) share: page discovery, the watcher that records what a page did
wrong while it loaded, the cache of link targets, the model of what sphinx-copybutton
copies, and what a screenshot shows (read with Pillow).
"""

from __future__ import annotations

import ast
import io
import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "conf.py"

# Generated listings, not pages of the guide: they are still checked as link targets (every
# page links to them), but not crawled. The search page has a test of its own.
NOT_CRAWLED = {"genindex", "search", "py-modindex"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# What the machine's probe starts Chromium with. Without the background-networking flags
# Chromium keeps trying to reach Google's hosts, which the closed network refuses.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A desktop viewport: furo shows the sidebar, the table of contents and the theme button
# of the content area (narrower, it folds them into the header).
VIEWPORT = {"width": 1280, "height": 800}


def expect(*args, **kwargs):
    """Playwright's ``expect``, imported when first called: every pytest-xdist worker
    collects the browser tests, and only the one that runs them needs Playwright (about
    0.4 s of CPU to import)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


def built_pages(site: Path) -> list:
    """Every page of the guide and every notebook page, as paths relative to the site root.

    ``docs/**/*.html`` and ``notebooks/*.html``; folders whose name starts with ``_``
    (``_static``, ``_sources``, ``_images``) hold assets, not pages.
    """
    found = sorted(site.glob("docs/**/*.html")) + sorted(site.glob("notebooks/*.html"))
    pages = []
    for path in found:
        rel = path.relative_to(site)
        if any(part.startswith("_") for part in rel.parts) or rel.stem in NOT_CRAWLED:
            continue
        pages.append(rel.as_posix())
    return pages


def notebook_pages(site: Path) -> list:
    return [page for page in built_pages(site) if page.startswith("notebooks/")]


def report(failures: list, what: str) -> str:
    """The failure message of a check that collects every failure before it asserts."""
    return f"{what} ({len(failures)}):\n  " + "\n  ".join(failures)


def is_loopback(url: str) -> bool:
    """Whether a request for ``url`` stays on this machine."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOOPBACK_HOSTS


class PageWatch:
    """Records what goes wrong while a page is open, and every request that leaves loopback.

    Attach it before ``page.goto``. ``problems()`` lists, one line each: console errors,
    uncaught exceptions, failed requests, responses with status >= 400, and every request
    for another host. Those never reach the network: the ``browser`` fixture sends them to a
    proxy that refuses them (``blocked`` holds how each one failed). The watch only listens
    to the page's events; it does not intercept its requests, which cost Chromium and
    Playwright a round trip for every file of every page.
    """

    def __init__(self, page):
        self.console_errors: list = []
        self.page_errors: list = []
        self.failed: list = []
        self.bad_status: list = []
        self.external: list = []
        self.blocked: dict = {}  # URL of a request for another host -> how it failed
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("request", self._on_request)
        page.on("requestfailed", self._on_failed)
        page.on("response", self._on_response)

    def _on_request(self, request):
        if not is_loopback(request.url):
            self.external.append(request.url)

    def _on_console(self, message):
        if message.type == "error":
            where = message.location.get("url") or "?"
            self.console_errors.append(f"{message.text} (at {where})")

    def _on_failed(self, request):
        if not is_loopback(request.url):  # reported as a request outside loopback
            self.blocked[request.url] = request.failure
            return
        # ERR_ABORTED: the browser gave the request up because the page went away (a test
        # leaving it while Chromium still fetched its icon, which no load state waits for).
        # The site is not at fault; a missing file is a 404, reported as an error response.
        if request.failure == "net::ERR_ABORTED":
            return
        self.failed.append(f"{request.url}: {request.failure}")

    def _on_response(self, response):
        if response.status >= 400:
            self.bad_status.append(f"HTTP {response.status} for {response.url}")

    def problems(self) -> list:
        return (
            [f"console error: {text}" for text in self.console_errors]
            + [f"uncaught exception: {text}" for text in self.page_errors]
            + [f"failed request: {text}" for text in self.failed]
            + [f"error response: {text}" for text in self.bad_status]
            + [f"request outside loopback{self._how(url)}: {url}" for url in self.external]
        )

    def _how(self, url: str) -> str:
        """How the browser refused a request for another host, once it has."""
        return f" ({self.blocked[url]})" if url in self.blocked else ""

    def take_problems(self) -> list:
        """``problems()``, then forget them: the next page the tab loads starts clean."""
        found = self.problems()
        for seen in (self.console_errors, self.page_errors, self.failed, self.bad_status):
            seen.clear()
        self.external.clear()
        self.blocked.clear()
        return found


class _IdParser(HTMLParser):
    """Collects every ``id`` and every ``<a name>`` of an HTML document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is not None and (name == "id" or (name == "name" and tag == "a")):
                self.ids.add(value)


class _IconParser(HTMLParser):
    """Collects the ``href`` of every ``<link rel="icon">`` of an HTML document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "link" and "icon" in (found.get("rel") or "").lower().split():
            self.hrefs.append(found.get("href") or "")


def named_icons(url: str) -> list:
    """The icons the HTML page at ``url`` names, as absolute URLs (fetched, not rendered)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode("utf-8", errors="replace")
    parser = _IconParser()
    parser.feed(text)
    parser.close()
    return [urljoin(url, href) for href in parser.hrefs]


class LinkTargets:
    """HTTP status and anchor ids of the site's URLs, fetched once each.

    Pages the browser rendered are given with ``add_rendered`` (their DOM ids, including any
    added by scripts); other targets (the index pages, assets) are fetched from the server
    and parsed as static HTML.
    """

    def __init__(self):
        self._status: dict = {}
        self._ids: dict = {}

    def add_rendered(self, url: str, ids) -> None:
        self._status[url] = 200
        self._ids[url] = set(ids)

    def _fetch(self, url: str) -> None:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                status = response.status
                body = response.read()
                is_html = response.headers.get_content_type() == "text/html"
        except urllib.error.HTTPError as error:
            error.close()
            self._status[url] = error.code
            self._ids[url] = None
            return
        self._status[url] = status
        if is_html:
            parser = _IdParser()
            parser.feed(body.decode("utf-8", errors="replace"))
            parser.close()
            self._ids[url] = parser.ids
        else:
            self._ids[url] = None

    def check(self, href: str):
        """``None`` when ``href`` (absolute, same origin) resolves, else what is wrong."""
        url, fragment = urldefrag(href)
        if url not in self._status:
            self._fetch(url)
        if self._status[url] != 200:
            return f"HTTP {self._status[url]}"
        if not fragment:
            return None
        anchor = unquote(fragment)
        ids = self._ids[url]
        if ids is None:
            return f"anchor #{anchor} on a document that is not HTML"
        if anchor not in ids:
            return f"no element with id (or name) {anchor!r} on the target page"
        return None


# --------------------------------------------------------------------------- copybutton

# The conf.py settings of sphinx-copybutton that expected_copy models.
_MODELLED = {"copybutton_prompt_text", "copybutton_prompt_is_regexp"}


def copybutton_settings(conf: Path = CONF) -> dict:
    """The ``copybutton_*`` assignments of conf.py (literal values only)."""
    settings = {}
    for node in ast.parse(conf.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.startswith("copybutton_"):
                    settings[target.id] = ast.literal_eval(node.value)
    unknown = set(settings) - _MODELLED
    if unknown:
        raise AssertionError(
            f"conf.py sets {sorted(unknown)}, which tests/browser/_site.py:expected_copy does "
            "not model yet; teach it what they do"
        )
    return settings


def expected_copy(shown: str, settings: dict) -> str:
    """What sphinx-copybutton 0.5 puts on the clipboard for a block showing ``shown``.

    Its defaults (only_copy_prompt_lines, remove_prompts, copy_empty_lines on; no line
    continuation or here-document handling): when any line starts with a prompt, only the
    prompted lines (without the prompt) and the empty lines are copied; otherwise the text
    as shown. One trailing newline is dropped.
    """
    prompt = settings.get("copybutton_prompt_text", "")
    if not settings.get("copybutton_prompt_is_regexp", False):
        prompt = re.escape(prompt)
    text = shown
    if prompt:
        pattern = re.compile(f"^({prompt})(.*)")
        lines = shown.split("\n")
        if any(pattern.match(line) for line in lines):
            kept = []
            for line in lines:
                match = pattern.match(line)
                if match:
                    kept.append(match.group(2))
                elif line.strip() == "":
                    kept.append(line)
            text = "\n".join(kept)
    return text[:-1] if text.endswith("\n") else text


# --------------------------------------------------------------------------- screenshots


def screenshot_size(png: bytes) -> tuple:
    """``(width, height)`` of a PNG screenshot, in pixels (read from its header alone)."""
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def distinct_colours(png: bytes, rows: int, limit: int = 1 << 16) -> int:
    """How many distinct colours the top ``rows`` rows of a PNG hold (at most ``limit``).

    A rendered page has anti-aliased text, so hundreds; a blank one has one.
    """
    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
        top = image.convert("RGBA").crop((0, 0, width, min(rows, height)))
        colours = top.getcolors(maxcolors=limit)  # None: more than limit
        return limit if colours is None else len(colours)
