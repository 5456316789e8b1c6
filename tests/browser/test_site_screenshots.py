"""The main pages render to something other than a blank screen, and the browser checks
of the other ``test_site*.py`` files can fail: a blank render is seen as blank, the page
watch sees what it is there to catch (and the browser blocks requests for other hosts),
and the link check sees a missing page and a missing anchor (part of issue #7).
"""

from __future__ import annotations

import pytest
from _site import (
    ROOT,
    VIEWPORT,
    LinkTargets,
    PageWatch,
    distinct_colours,
    notebook_pages,
    report,
    screenshot_size,
)

pytestmark = pytest.mark.browser


# --------------------------------------------------------------------------- screenshots

# A rendered page has anti-aliased text, so hundreds of colours; a blank one has one
# (tests/browser/test_screenshots.py checks the counting on images made there).
MIN_COLOURS = 16
# How many screens of a page its kept screenshot shows: the start and the notebook page whole.
ARTIFACT_SCREENS = 4


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
      scrollWidth: document.documentElement.scrollWidth,
    })""")
    assert shown["text"] > 0 and shown["width"] > 0, f"{path} shows nothing: {shown}"
    assert shown["scrollWidth"] == VIEWPORT["width"], (
        f"{path} is {shown['scrollWidth']} px wide in a {VIEWPORT['width']} px window: "
        "something overflows sideways"
    )
    # The page from its top, kept for a reader of the CI artifacts, as a JPEG (Chromium
    # encodes a long page's PNG in several times the time); its colours are not counted
    # (below). At most ARTIFACT_SCREENS screens: the troubleshooting page is some 36 of
    # them, whose rendering cost more CPU than the rest of the test.
    target = screenshots / f"{name}.jpg"
    height = min(shown["height"], ARTIFACT_SCREENS * VIEWPORT["height"])
    clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}
    whole = page.screenshot(full_page=True, clip=clip, path=str(target), type="jpeg")
    size = screenshot_size(whole)  # read from the header
    assert size == (VIEWPORT["width"], height), (
        f"{target}: {size[0]}x{size[1]} px, but the page's first {height} px were asked for"
    )
    # The first screen, as a reader sees it on arrival, on a PNG: lossless, so a blank
    # screen is one colour (JPEG's artefacts would add some).
    colours = distinct_colours(page.screenshot(), rows=VIEWPORT["height"])
    assert colours >= MIN_COLOURS, (
        f"{target}: its first screen has {colours} colours; it looks blank"
    )
    assert not watch.problems(), report(watch.problems(), "problems on the page")


def test_a_blank_render_is_seen_as_blank(new_context):
    """The check above can fail: a blank page's screenshot has a single colour."""
    page = new_context().new_page()
    page.set_content("<html><body style='margin:0;background:#fff'></body></html>")
    png = page.screenshot(full_page=True)
    assert distinct_colours(png, rows=VIEWPORT["height"]) == 1


# --------------------------------------------------------------------------- the checks can fail


def test_the_page_watch_reports_what_it_is_there_to_catch(new_context, site_url):
    """Console errors, exceptions, 404s and requests for another host are all seen, and the
    browser refuses the latter itself (the ``browser`` fixture's proxy): they fail at once,
    without a connection attempt, whatever the host."""
    page = new_context().new_page()
    watch = PageWatch(page)
    page.goto("docs/index.html")
    # A name under .invalid (RFC 2606) never resolves, and 192.0.2.1 (TEST-NET-1, RFC 5737)
    # is never routed: without the proxy they would fail otherwise (or hang), not with its
    # error.
    outside = ["https://example.invalid/logo.png", "https://192.0.2.1/logo.png"]
    page.set_content(
        f"""<img alt="missing" src="{site_url}no-such-image.png">
        <img alt="elsewhere" src="{outside[0]}"><img alt="far" src="{outside[1]}">
        <script>console.error("deliberate console error");</script>
        <script>throw new Error("deliberate exception");</script>"""
    )
    page.wait_for_load_state("load")
    problems = "\n".join(watch.problems())
    assert "console error: deliberate console error" in problems
    assert "uncaught exception: " in problems and "deliberate exception" in problems
    assert f"error response: HTTP 404 for {site_url}no-such-image.png" in problems
    refused = "net::ERR_PROXY_CONNECTION_FAILED"
    for url in outside:
        assert f"request outside loopback ({refused}): {url}" in problems
    assert watch.blocked == dict.fromkeys(outside, refused)


def test_link_targets_report_a_missing_page_and_a_missing_anchor(site_url):
    targets = LinkTargets()
    assert targets.check(site_url + "docs/index.html") is None
    assert targets.check(site_url + "docs/no-such-page.html") == "HTTP 404"
    wrong = targets.check(site_url + "docs/index.html#no-such-anchor")
    assert wrong == "no element with id (or name) 'no-such-anchor' on the target page"
