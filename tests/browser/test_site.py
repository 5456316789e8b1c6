"""Every page of the built site, as a reader's browser shows it, and its search (half of
issue #7).

Headless Chromium loads every page of the site (the session's fresh strict build, the
``site`` fixture) from a loopback server, once each, and checks what a reader would run
into on any page: console errors, failed or external requests, broken images, images
without alt text, links and anchors that lead nowhere, and a missing icon; then searches
the site, and follows the results with the links the pages were checked with. The other
browser checks are in test_site_reader.py (the troubleshooting links the CLI prints, the
site root, the theme switch, the copy buttons) and test_site_screenshots.py (the
screenshots, and that the checks can fail). All of them read the one site build, and
`make test` runs them in one worker, with one browser (tests/conftest.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from _site import VIEWPORT, LinkTargets, PageWatch, built_pages, expect, named_icons, report

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


@dataclass
class _Tab:
    """A tab of the crawl, and the page it shows whose problems are not read yet."""

    page: Any
    watch: PageWatch
    path: str | None = None


# Tabs that take turns loading the pages: one page settles while the next one loads.
_TABS = 2


@pytest.fixture(scope="module")
def crawl(browser, site, site_url) -> dict:
    """Every page of the guide (and every notebook page), each loaded once, in one context.

    A page's problems are read once it has been quiet for 500 ms (Playwright's
    ``networkidle``), before its tab loads another page: so what a script fetches or reports
    after the load event is seen, and on the page it belongs to. Two tabs take turns, so
    that a page settles while the next one loads; a tab for each page did the same for twice
    Chromium's CPU time (a renderer process each).
    """
    pages = built_pages(site)
    assert "docs/index.html" in pages, f"page discovery found no start page in {pages}"
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    context.set_default_timeout(15_000)
    loaded: dict = {}

    def settle(tab: _Tab) -> None:
        if tab.path is not None:
            tab.page.wait_for_load_state("networkidle")
            loaded[tab.path].problems = tab.watch.take_problems()
            tab.path = None

    try:
        tabs = []
        for _ in range(_TABS):
            page = context.new_page()
            tabs.append(_Tab(page, PageWatch(page)))
        for index, path in enumerate(pages):
            tab = tabs[index % _TABS]
            settle(tab)
            url = site_url + path
            response = tab.page.goto(url, wait_until="load")
            data = tab.page.evaluate(_COLLECT)
            loaded[path] = Loaded(
                path=path,
                url=url,
                status=response.status if response else None,
                images=data["images"],
                links=data["links"],
                ids=set(data["ids"]),
            )
            tab.path = path
        for tab in tabs:
            settle(tab)
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
    assert not failures, report(failures, "problems while loading the pages")


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
    assert not failures, report(failures, "image problems")


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
    assert not failures, report(failures, "broken internal links")


def test_every_page_names_an_icon_that_loads(crawl, link_targets, site_url):
    """A page without ``<link rel="icon">`` makes the browser ask for /favicon.ico.

    A reader's browser then logs a console error when the answer is a 404; headless Chromium
    asks too, but only now and then, so the watched loads cannot be relied on to see it. The
    site root's page, which forwards to the start page at once (so the crawl does not load
    it), is read from its HTML.
    """
    root_icon = link_targets.check(site_url + "favicon.ico") is None
    named = {
        item.path: [link["href"] for link in item.links if _is_icon(link)]
        for item in crawl.values()
    }
    named["(the site root)"] = named_icons(site_url)
    failures, without = [], []
    for path, icons in named.items():
        if not icons:
            without.append(path)
        for icon in icons:
            wrong = link_targets.check(icon)
            if wrong:
                failures.append(f"{path}: icon {icon}: {wrong}")
    if without and not root_icon:
        failures.append(
            f"{len(without)} of {len(named)} pages ({', '.join(without[:3])}, ...) have no "
            '<link rel="icon">, and the site root has no favicon.ico: the browser asks for '
            "/favicon.ico, gets a 404 and logs it as a console error"
        )
    assert not failures, report(failures, "problems with the site's icon")


def _is_icon(link: dict) -> bool:
    return link["tag"] == "link" and "icon" in link["rel"]


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
    hrefs = results.evaluate_all("(links) => links.map((link) => link.href)")
    assert hrefs, "searching for 'refresh token' found nothing"
    paths = {urlsplit(href).path for href in hrefs}
    assert paths & {"/docs/configure.html", "/docs/troubleshooting.html"}, (
        f"neither the configure nor the troubleshooting page is among the results: {paths}"
    )
    broken = [f"{href}: {wrong}" for href in hrefs if (wrong := link_targets.check(href))]
    assert not broken, report(broken, "search results that lead nowhere")
    assert not watch.problems(), report(watch.problems(), "problems on the search page")
