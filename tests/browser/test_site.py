"""The built site, as a reader's browser shows it (half of issue #7).

Headless Chromium loads every page of the site (the session's fresh strict build, the
``site`` fixture) from a loopback server and checks what a reader would run into: console
errors, failed or external requests, broken images, images without alt text, links and
anchors that lead nowhere (including the troubleshooting links that ``spapi-doctor``
prints), the search, the light/dark switch, the copy buttons, and that the main pages
render to something other than a blank screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from _site import (
    ROOT,
    VIEWPORT,
    LinkTargets,
    PageWatch,
    built_pages,
    copybutton_settings,
    distinct_colours,
    expected_copy,
    notebook_pages,
    screenshot_size,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from spapi_docs_helpers._catalogue import CATALOGUE, DOCS_BASE_URL, docs_url

pytestmark = pytest.mark.browser

# What a page holds once loaded: its images (waited for), its links (resolved against the
# page) and its element ids (anchors, as rendered).
_COLLECT = r"""async () => {
  const images = [];
  for (const img of Array.from(document.images)) {
    if (!img.complete) {
      img.scrollIntoView();  // in case it is lazy
      try { await img.decode(); } catch (error) { /* reported as naturalWidth 0 */ }
    }
    images.push({src: img.currentSrc || img.src, alt: img.getAttribute("alt"),
                 width: img.naturalWidth, html: img.outerHTML.slice(0, 160)});
  }
  window.scrollTo(0, 0);
  const links = Array.from(document.querySelectorAll("a[href], area[href], link[href]"),
    (el) => ({href: new URL(el.getAttribute("href"), document.baseURI).href,
              rel: (el.getAttribute("rel") || "").toLowerCase().split(/\s+/),
              tag: el.tagName.toLowerCase(), html: el.outerHTML.slice(0, 160)}));
  const ids = Array.from(document.querySelectorAll("[id]"), (el) => el.id).concat(
    Array.from(document.querySelectorAll("a[name]"), (el) => el.getAttribute("name")));
  return {images, links, ids};
}"""


@dataclass
class Loaded:
    """One crawled page: what went wrong while it loaded, and what it holds."""

    path: str
    url: str
    status: int | None
    problems: list = field(default_factory=list)
    images: list = field(default_factory=list)
    links: list = field(default_factory=list)
    ids: set = field(default_factory=set)


def _report(failures: list, what: str) -> str:
    return f"{what} ({len(failures)}):\n  " + "\n  ".join(failures)


@pytest.fixture(scope="module")
def crawl(browser, site, site_url) -> dict:
    """Every page of the guide (and every notebook page), loaded once in a fresh context."""
    pages = built_pages(site)
    assert "docs/index.html" in pages, f"page discovery found no start page in {pages}"
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    context.set_default_timeout(15_000)
    loaded, watches = {}, {}
    try:
        for path in pages:
            page = context.new_page()
            watches[path] = (page, PageWatch(page))
            url = site_url + path
            response = page.goto(url, wait_until="load")
            data = page.evaluate(_COLLECT)
            loaded[path] = Loaded(
                path=path,
                url=url,
                status=response.status if response else None,
                images=data["images"],
                links=data["links"],
                ids=set(data["ids"]),
            )
        # The pages stay open until all are loaded, so that what a script fetches or
        # reports after the load event is still seen; the last page is given the same.
        page.wait_for_load_state("networkidle")
        for path, (_page, watch) in watches.items():
            loaded[path].problems = watch.problems()
    finally:
        context.close()
    return loaded


@pytest.fixture(scope="module")
def link_targets(crawl) -> LinkTargets:
    targets = LinkTargets()
    for item in crawl.values():
        targets.add_rendered(item.url, item.ids)
    return targets


def _same_origin(href: str, site_url: str) -> bool:
    target, site = urlsplit(href), urlsplit(site_url)
    return (target.scheme, target.netloc) == (site.scheme, site.netloc)


# --------------------------------------------------------------------------- every page


def test_every_page_loads_without_errors_or_outside_requests(crawl):
    failures = []
    for item in crawl.values():
        if item.status != 200:
            failures.append(f"{item.path}: HTTP {item.status}")
        failures += [f"{item.path}: {problem}" for problem in item.problems]
    assert not failures, _report(failures, "problems while loading the pages")


def test_every_image_has_loaded_and_has_alt_text(crawl):
    failures = []
    count = 0
    for item in crawl.values():
        for image in item.images:
            count += 1
            if not image["width"]:
                failures.append(f"{item.path}: image did not load: {image['src']}")
            if not (image["alt"] or "").strip():
                failures.append(f"{item.path}: image without alt text: {image['html']}")
    # The guide has figures (docs/figures); finding none means the check saw nothing.
    assert count, "no <img> on any page: the image check saw nothing"
    assert not failures, _report(failures, "image problems")


def test_every_internal_link_and_anchor_resolves(crawl, link_targets, site_url):
    failures = []
    checked = 0
    for item in crawl.values():
        for link in item.links:
            if not _same_origin(link["href"], site_url):
                continue
            checked += 1
            wrong = link_targets.check(link["href"])
            if wrong:
                failures.append(f"{item.path}: {link['html']} -> {link['href']}: {wrong}")
    assert checked, "no internal link on any page: the link check saw nothing"
    assert not failures, _report(failures, "broken internal links")


# True once the section is shown (a box, not visibility: hidden) and has stopped moving with
# its top in the upper quarter of the window (or, for the last sections, the page is
# scrolled to its end with the section in view).
_SCROLLED_TO = """(id) => {
  const section = document.getElementById(id);
  const box = section.getBoundingClientRect();
  const still = window.__spapiLastTop === box.top;
  window.__spapiLastTop = box.top;
  const shown = box.height > 0 && getComputedStyle(section).visibility === "visible";
  const atEnd = window.scrollY >= document.documentElement.scrollHeight - innerHeight - 1;
  return shown && still && box.top >= 0
    && (box.top < innerHeight / 4 || (atEnd && box.top < innerHeight));
}"""
_WHERE = """(id) => `section top at ${document.getElementById(id).getBoundingClientRect().top}px,
  scrollY ${window.scrollY}, window ${innerHeight}px high`"""


def test_every_page_names_an_icon_that_loads(crawl, link_targets, site_url):
    """A page without ``<link rel="icon">`` makes the browser ask for /favicon.ico.

    The watched loads above cannot see that request: while Playwright intercepts requests,
    Chromium does not fetch the icon. A reader's browser does, and logs a console error when
    the answer is a 404.
    """
    root_icon = link_targets.check(site_url + "favicon.ico") is None
    failures, without = [], []
    for item in crawl.values():
        icons = [link for link in item.links if link["tag"] == "link" and "icon" in link["rel"]]
        if not icons:
            without.append(item.path)
        for icon in icons:
            wrong = link_targets.check(icon["href"])
            if wrong:
                failures.append(f"{item.path}: {icon['html']}: {wrong}")
    if without and not root_icon:
        failures.append(
            f"{len(without)} of {len(crawl)} pages ({', '.join(without[:3])}, ...) have no "
            '<link rel="icon">, and the site root has no favicon.ico: the browser asks for '
            "/favicon.ico, gets a 404 and logs it as a console error"
        )
    assert not failures, _report(failures, "problems with the site's icon")


# Every catalogue code's section on its page, in one pass: how many elements carry the id,
# and whether the first is rendered (a box, not visibility: hidden, not inside a closed
# <details> or an unselected tab); in document order.
_SECTIONS = """(codes) => codes.map((code) => {
  const found = document.querySelectorAll(`[id="${CSS.escape(code)}"]`);
  const section = found[0];
  const box = section ? section.getBoundingClientRect() : null;
  const shown = !!section && box.height > 0 && getComputedStyle(section).visibility === "visible";
  const top = section ? box.top + window.scrollY : null;
  return {code, count: found.length, shown, top};
})"""


def _landing_sample(sections: list) -> list:
    """The codes whose links are followed in the browser: the first, the middle and the last
    section of the page in document order (the last one lands with the page scrolled to its
    end, not at the top of the window)."""
    ordered = [item["code"] for item in sorted(sections, key=lambda item: item["top"])]
    picked = [ordered[0], ordered[len(ordered) // 2], ordered[-1]]
    return list(dict.fromkeys(picked))


def test_the_troubleshooting_links_the_cli_prints_open_at_their_section(new_context, site_url):
    """``docs_url(code)`` of every catalogue code, mapped onto the local site.

    The codes live on two pages (what users meet, and the doctor's own findings). Every
    code's link must name exactly one element of its page, and that section must be shown:
    checked for each code, in one pass over each page. That a fragment link then scrolls
    its section into view is the browser's doing, the same for every shown section of a
    page: it is followed for three sections of each page (the first, the middle and the
    last, which can only land with the page at its end) instead of all 135, which took
    most of a minute of Chromium's time on each run."""
    page = new_context().new_page()
    watch = PageWatch(page)
    failures = []
    by_page: dict = {}
    for entry in CATALOGUE:
        printed = docs_url(entry.code)
        assert printed.startswith(DOCS_BASE_URL), printed
        path, _, fragment = ("docs/" + printed[len(DOCS_BASE_URL) :]).partition("#")
        assert fragment == entry.code, printed
        by_page.setdefault(path, []).append(entry.code)
    assert sum(map(len, by_page.values())) == len(CATALOGUE)
    for path, codes in sorted(by_page.items()):
        page.goto(site_url + path)
        # Every request of the page done (its icon among them) before it is left or scrolled:
        # a navigation away would abort what is still loading, and the watch reports that.
        page.wait_for_load_state("networkidle")
        sections = page.evaluate(_SECTIONS, codes)
        for item in sections:
            printed = docs_url(item["code"])
            if item["count"] != 1:
                failures.append(f"{printed}: {item['count']} elements with id {item['code']!r}")
            elif not item["shown"]:
                failures.append(f"{printed}: the section is not shown on its page")
        landed = [item for item in sections if item["count"] == 1 and item["shown"]]
        if not landed:
            continue
        # Down the page, in document order: fragment navigations within the loaded page.
        for index, code in enumerate(_landing_sample(landed)):
            if index:
                # furo scrolls smoothly (html { scroll-behavior: smooth }), and Chromium drops
                # the scroll of a fragment navigation that starts while another one is still
                # animating. The first link of a page is followed with the animation; for the
                # others it is turned off (again after a fresh load of the retry below), which
                # changes how the page gets there, not where.
                page.add_style_tag(content="html { scroll-behavior: auto !important; }")
            page.goto(f"{site_url}{path}#{code}")
            try:
                page.wait_for_function(_SCROLLED_TO, arg=code, polling="raf", timeout=5_000)
            except PlaywrightTimeoutError:
                # Chromium now and then leaves a fragment navigation within a long page where
                # it was (seen after the page's very end, going back up). A reader's click
                # loads the page afresh: the link must land then.
                page.goto("about:blank")
                page.goto(f"{site_url}{path}#{code}")
                page.wait_for_load_state("networkidle")
                try:
                    page.wait_for_function(_SCROLLED_TO, arg=code, polling="raf", timeout=5_000)
                except PlaywrightTimeoutError:
                    where = page.evaluate(_WHERE, code)
                    failures.append(
                        f"{docs_url(code)}: the section is not scrolled into view ({where})"
                    )
    assert not failures, _report(failures, "troubleshooting links that do not land")
    assert not watch.problems(), _report(watch.problems(), "problems on the catalogue pages")


def test_the_site_root_forwards_to_the_start_page(new_context, site_url):
    page = new_context().new_page()
    watch = PageWatch(page)
    page.goto(site_url)
    page.wait_for_url(site_url + "docs/index.html")
    expect(page.locator("h1").first).to_be_visible()
    assert not watch.problems(), _report(watch.problems(), "problems on the way")


# --------------------------------------------------------------------------- search


def _search_page(site) -> str:
    found = sorted(
        (
            path.relative_to(site).as_posix()
            for path in site.rglob("search.html")
            if not path.relative_to(site).parts[0].startswith("_")
        ),
        key=lambda rel: (rel.count("/"), rel),
    )
    assert found, f"no search.html in {site}"
    return found[0]


def test_search_finds_the_refresh_token_pages(new_context, site, site_url, link_targets):
    page = new_context().new_page()
    watch = PageWatch(page)
    page.goto(f"{site_url}{_search_page(site)}?q=refresh+token")
    # searchtools.js retitles the results "Search Results" once it has shown them all.
    expect(page.locator("#search-results h2")).to_have_text(
        re.compile("^Search Results"), timeout=15_000
    )
    results = page.locator("#search-results ul.search > li > a")
    hrefs = [page.evaluate("(a) => a.href", handle) for handle in results.element_handles()]
    assert hrefs, "searching for 'refresh token' found nothing"
    paths = {urlsplit(href).path for href in hrefs}
    assert paths & {"/docs/configure.html", "/docs/troubleshooting.html"}, (
        f"neither the configure nor the troubleshooting page is among the results: {paths}"
    )
    broken = [f"{href}: {wrong}" for href in hrefs if (wrong := link_targets.check(href))]
    assert not broken, _report(broken, "search results that lead nowhere")
    assert not watch.problems(), _report(watch.problems(), "problems on the search page")


# --------------------------------------------------------------------------- theme switch


def _background(page) -> tuple:
    colour = page.evaluate("getComputedStyle(document.body).backgroundColor")
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, [\d.]+)?\)", colour)
    assert match, f"unexpected background colour {colour!r}"
    return tuple(int(value) for value in match.groups())


def _shade(rgb: tuple) -> str:
    red, green, blue = rgb
    return "light" if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 127 else "dark"


# furo.js (cycleThemeOnce): the theme is kept in localStorage ("auto" when unset) and each
# click moves it on; the first click always goes to the opposite of the system preference.
# With a light preference: auto -> dark -> light -> auto; with a dark one: auto -> light ->
# dark -> auto. Before the first click, an inline script of furo's page template has set
# <body data-theme> from localStorage, "auto" in a fresh profile.
THEME_CYCLES = {
    "light": [("auto", "light"), ("dark", "dark"), ("light", "light"), ("auto", "light")],
    "dark": [("auto", "dark"), ("light", "light"), ("dark", "dark"), ("auto", "dark")],
}


@pytest.mark.parametrize("preference", sorted(THEME_CYCLES))
def test_the_theme_switch_cycles_light_and_dark(new_context, preference):
    page = new_context(color_scheme=preference).new_page()
    watch = PageWatch(page)
    page.goto("docs/index.html")
    toggle = page.locator(".theme-toggle").filter(visible=True)
    expect(toggle).to_have_count(1)
    seen = []
    for step in range(len(THEME_CYCLES[preference])):
        if step:
            toggle.click()
        seen.append((page.locator("body").get_attribute("data-theme"), _shade(_background(page))))
    assert seen == THEME_CYCLES[preference], (
        f"with a {preference} system preference, (data-theme, background) went {seen}"
    )
    assert not watch.problems(), _report(watch.problems(), "problems on the page")


# --------------------------------------------------------------------------- copy buttons


# The pages whose commands and settings a reader copies.
COPY_PAGES = ["docs/check.html", "docs/configure.html"]


@pytest.mark.parametrize("path", COPY_PAGES)
def test_copy_buttons_copy_what_the_block_shows(new_context, site_url, path):
    settings = copybutton_settings()
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    page = context.new_page()
    watch = PageWatch(page)
    page.goto(path)
    blocks = page.locator("div.highlight")
    count = blocks.count()
    assert count, f"{path} has no code block"
    # copybutton.js adds its buttons once clipboard.min.js has loaded.
    expect(page.locator("div.highlight button.copybtn")).to_have_count(count)
    failures = []
    for index in range(count):
        block = blocks.nth(index)
        shown = block.locator("pre").inner_text()
        button = block.locator("button.copybtn")
        # A block in a sphinx-design tab that is not selected is hidden: select its tab.
        panel = block.evaluate("(el) => el.closest('.sd-tab-content')?.id ?? null")
        if panel and not block.is_visible():
            page.locator(f'label[aria-controls="{panel}"]').click()
        page.evaluate("navigator.clipboard.writeText('')")
        button.click()  # moves the mouse over the block first, which shows the button
        # The success feedback: the "success" class and the "Copied!" tooltip.
        expect(button).to_have_class(re.compile(r"\bsuccess\b"))
        expect(button).to_have_attribute("data-tooltip", "Copied!")
        copied = page.evaluate("navigator.clipboard.readText()")
        wanted = expected_copy(shown, settings)
        if copied != wanted:
            failures.append(f"block {index}: copied {copied!r}, expected {wanted!r}")
    assert not failures, _report(failures, f"copy buttons on {path} that copy the wrong text")
    assert not watch.problems(), _report(watch.problems(), "problems on the page")


# --------------------------------------------------------------------------- screenshots

# A rendered page has anti-aliased text, so hundreds of colours; a blank one has one
# (tests/browser/test_screenshots.py checks the counting on images made there).
MIN_COLOURS = 16


def _screenshot_page(name: str, site) -> str:
    if name == "start":
        return "docs/index.html"
    if name == "troubleshooting":
        return "docs/troubleshooting.html"
    notebooks = notebook_pages(site)
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert sources, "no notebooks/*.ipynb: the notebook screenshot has nothing to show"
    assert notebooks, f"{len(sources)} notebooks/*.ipynb but no notebooks/*.html in {site}"
    return notebooks[0]


@pytest.mark.parametrize("name", ["start", "notebook", "troubleshooting"])
def test_screenshot_of_the_page_is_not_blank(new_context, site, screenshots, name):
    path = _screenshot_page(name, site)
    page = new_context().new_page()
    watch = PageWatch(page)
    page.goto(path)
    page.evaluate("document.fonts.ready")
    shown = page.evaluate("""() => ({
      text: document.body.innerText.trim().length,
      width: document.body.getBoundingClientRect().width,
      height: document.documentElement.scrollHeight,
    })""")
    assert shown["text"] > 0 and shown["width"] > 0, f"{path} shows nothing: {shown}"
    target = screenshots / f"{name}.png"
    png = page.screenshot(full_page=True, path=str(target))
    width, height = screenshot_size(png)  # read from the header: the page can be very long
    assert (width, height) == (VIEWPORT["width"], shown["height"]), (
        f"{target}: {width}x{height} px, but the page is {VIEWPORT['width']} px wide "
        f"and {shown['height']} px high"
    )
    # The first screen, as a reader sees it on arrival (decoding the whole long page would
    # cost seconds for the same rows).
    colours = distinct_colours(page.screenshot(), rows=VIEWPORT["height"])
    assert colours >= MIN_COLOURS, (
        f"{target}: its first screen has {colours} colours; it looks blank"
    )
    assert not watch.problems(), _report(watch.problems(), "problems on the page")


def test_a_blank_render_is_seen_as_blank(new_context):
    """The check above can fail: a blank page's screenshot has a single colour."""
    page = new_context().new_page()
    page.set_content("<html><body style='margin:0;background:#fff'></body></html>")
    png = page.screenshot(full_page=True)
    assert distinct_colours(png, rows=VIEWPORT["height"]) == 1


# --------------------------------------------------------------------------- the checks can fail


def test_the_page_watch_reports_what_it_is_there_to_catch(new_context, site_url):
    """Console errors, exceptions, 404s and requests for another host are all seen."""
    page = new_context().new_page()
    watch = PageWatch(page)
    page.goto("docs/index.html")
    # A host under .invalid (RFC 2606) never resolves; the watch aborts the request anyway.
    page.set_content(
        f"""<img alt="missing" src="{site_url}no-such-image.png">
        <img alt="elsewhere" src="https://example.invalid/logo.png">
        <script>console.error("deliberate console error");</script>
        <script>throw new Error("deliberate exception");</script>"""
    )
    page.wait_for_load_state("load")
    problems = "\n".join(watch.problems())
    assert "console error: deliberate console error" in problems
    assert "uncaught exception: " in problems and "deliberate exception" in problems
    assert f"error response: HTTP 404 for {site_url}no-such-image.png" in problems
    assert "request outside loopback (aborted): https://example.invalid/logo.png" in problems


def test_link_targets_report_a_missing_page_and_a_missing_anchor(site_url):
    targets = LinkTargets()
    assert targets.check(site_url + "docs/index.html") is None
    assert targets.check(site_url + "docs/no-such-page.html") == "HTTP 404"
    wrong = targets.check(site_url + "docs/index.html#no-such-anchor")
    assert wrong == "no element with id (or name) 'no-such-anchor' on the target page"
