"""What a reader does with the built site: follow a troubleshooting link that
``spapi-doctor`` printed, open the site's root, switch between light and dark, and copy a
command with its copy button (part of issue #7; test_site.py loads every page and searches,
test_site_screenshots.py renders the main pages).

Every troubleshooting link the CLI prints (``docs_url(code)`` of every catalogue code,
mapped onto the local site) must name exactly one shown section of its page, and opening
one must scroll that section into view.
"""

from __future__ import annotations

import re

import pytest
from _site import PageWatch, copybutton_settings, expect, expected_copy, report

from spapi_docs_helpers._catalogue import CATALOGUE, DOCS_BASE_URL, docs_url

pytestmark = pytest.mark.browser


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
    # Here, not at the top: only the worker that runs the browser tests needs Playwright.
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

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
    assert not failures, report(failures, "troubleshooting links that do not land")
    assert not watch.problems(), report(watch.problems(), "problems on the catalogue pages")


def test_the_site_root_forwards_to_the_start_page(new_context, site_url):
    page = new_context().new_page()
    watch = PageWatch(page)
    page.goto(site_url)
    page.wait_for_url(site_url + "docs/index.html")
    expect(page.locator("h1").first).to_be_visible()
    assert not watch.problems(), report(watch.problems(), "problems on the way")


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
    assert not watch.problems(), report(watch.problems(), "problems on the page")


# --------------------------------------------------------------------------- copy buttons


# The pages whose commands and settings a reader copies.
COPY_PAGES = ["docs/check.html", "docs/configure.html"]

# Every code block's copy button, pressed in the page, one block after the other: what the
# block shows (its <pre>'s innerText, what a reader sees) and what its button put on the
# clipboard. A block in a sphinx-design tab that is not selected is hidden: its tab is
# selected first, as a reader would. One call for the whole page: pressing each button
# through Playwright (hover, the checks that it can be clicked, the feedback) costs about
# 0.2 s of CPU per block, and the content is what differs from block to block.
_COPY_EVERY_BLOCK = """async () => {
  const copied = [];
  for (const block of document.querySelectorAll("div.highlight")) {
    const panel = block.closest(".sd-tab-content");
    if (panel && block.offsetParent === null) {
      document.querySelector(`label[aria-controls="${panel.id}"]`).click();
    }
    await navigator.clipboard.writeText("");
    block.querySelector("button.copybtn").click();
    copied.push({shown: block.querySelector("pre").innerText,
                 copied: await navigator.clipboard.readText()});
  }
  return copied;
}"""


def _pressed_by_a_reader(blocks) -> list:
    """The blocks whose button is pressed as a reader does (the mouse over the block, then a
    click): the first and the last of the page, and the first in a tab not shown at first."""
    hidden = blocks.evaluate_all("(all) => all.map((el) => el.offsetParent === null)")
    return sorted({0, len(hidden) - 1, *[index for index, no in enumerate(hidden) if no][:1]})


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
    for index in _pressed_by_a_reader(blocks):
        block = blocks.nth(index)
        button = block.locator("button.copybtn")
        panel = block.evaluate("(el) => el.closest('.sd-tab-content')?.id ?? null")
        if panel and not block.is_visible():
            page.locator(f'label[aria-controls="{panel}"]').click()
        shown = block.locator("pre").inner_text()
        page.evaluate("navigator.clipboard.writeText('')")
        button.click()  # moves the mouse over the block first, which shows the button
        # The success feedback: the "success" class and the "Copied!" tooltip.
        expect(button).to_have_class(re.compile(r"\bsuccess\b"))
        expect(button).to_have_attribute("data-tooltip", "Copied!")
        copied = page.evaluate("navigator.clipboard.readText()")
        wanted = expected_copy(shown, settings)
        if copied != wanted:
            failures.append(f"block {index}, clicked: copied {copied!r}, expected {wanted!r}")
    every = page.evaluate(_COPY_EVERY_BLOCK)
    assert len(every) == count
    for index, block in enumerate(every):
        wanted = expected_copy(block["shown"], settings)
        if block["copied"] != wanted:
            failures.append(f"block {index}: copied {block['copied']!r}, expected {wanted!r}")
    assert not failures, report(failures, f"copy buttons on {path} that copy the wrong text")
    assert not watch.problems(), report(watch.problems(), "problems on the page")
