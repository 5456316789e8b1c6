"""The documentation site: it builds strictly, and it says what the code does.

The site is built once per test session, with the same strict command as everywhere else
(``sphinx-build -n -W --keep-going``), into a temporary folder (the ``site`` fixture of
conftest.py, which the browser tests share); every test then reads the HTML. The tests fail when the docs and the code drift apart: a catalogue code without its
section (or a section without its code), a credential missing from the field map, an option
of ``spapi-doctor check`` missing from the CLI reference, a public name missing from the API
page, a field of the JSON report missing from its reference. They also hold the site to its
promises: every page of the table of contents is built, every figure has alt text, and
nothing is loaded from another host. The last tests cover a build extension of docs/_ext
whose check runs inside the build (spapi_navigation: that the check can fail).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# Which page shows which figure (docs/figures/README.md has their callouts and alt texts).
FIGURES = {
    "auth-flow.svg": "docs/index.html",
    "app-overview.svg": "docs/register-app.html",
    "create-app.svg": "docs/register-app.html",
    "lwa-credentials.svg": "docs/register-app.html",
    "authorise-app.svg": "docs/authorise.html",
    "developer-profile.svg": "docs/developer-registration.html",
}
# Sources under docs/ that are not pages (conf.py's exclude_patterns).
NOT_PAGES = ("_ext", "_static", "_extra", "figures")


# --------------------------------------------------------------------------- pages as HTML


class Page(HTMLParser):
    """One HTML page: its elements (tag, attributes, enclosing classes) and its text."""

    VOID = frozenset(
        {
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        }
    )

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.elements = []  # (tag, attrs, classes of the enclosing elements)
        self.text_parts = []
        # (tag, the classes of the element and of those enclosing it): an element's
        # enclosing classes are its parent's entry, not a union over the stack for each.
        self._stack = []
        self.feed(path.read_text(encoding="utf-8"))
        self.text = " ".join("".join(self.text_parts).split())

    def _enclosing(self) -> frozenset:
        return self._stack[-1][1] if self._stack else frozenset()

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        enclosing = self._enclosing()
        self.elements.append((tag, attributes, enclosing))
        if tag not in self.VOID:
            own = attributes.get("class", "").split()
            self._stack.append((tag, enclosing.union(own) if own else enclosing))

    def handle_startendtag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes, self._enclosing()))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        self.text_parts.append(data)

    def find(self, tag=None, *, cls=None, inside=None):
        """Attributes of the elements with ``tag``, class ``cls``, inside class ``inside``."""
        return [
            attrs
            for name, attrs, enclosing in self.elements
            if (tag is None or name == tag)
            and (cls is None or cls in attrs.get("class", "").split())
            and (inside is None or inside in enclosing)
        ]

    @property
    def ids(self) -> list:
        return [attrs["id"] for _name, attrs, _enclosing in self.elements if "id" in attrs]


@pytest.fixture(scope="session")
def page(site):
    cache = {}

    def load(relative: str) -> Page:
        if relative not in cache:
            path = site / relative
            assert path.is_file(), f"{relative} was not built"
            cache[relative] = Page(path)
        return cache[relative]

    return load


# --------------------------------------------------------------------------- the catalogue


def _catalogue():
    from spapi_docs_helpers._catalogue import CATALOGUE

    return CATALOGUE


# The two pages the catalogue is rendered on: what users meet, and the doctor's own findings.
USERS_PAGE = "docs/troubleshooting.html"
DOCTOR_PAGE = "docs/reference/findings.html"


def _entry_sections(page, relative):
    return [attrs["id"] for attrs in page(relative).find("section", cls="spapi-entry")]


def test_every_entry_says_who_meets_it_and_what_they_see():
    from spapi_docs_helpers._catalogue import PREVALENCES

    for entry in _catalogue():
        assert entry.prevalence in PREVALENCES, entry.code
        if entry.prevalence != "doctor-only":
            # Users meet it without the doctor: the page must quote what they see, so that
            # a search for the error text finds the section.
            assert entry.texts, (
                f"{entry.code} is met by users ({entry.prevalence}) but quotes no error text; "
                "add the text they see, or make it doctor-only"
            )


def test_each_code_is_an_anchor_of_exactly_the_page_the_cli_links_to(page):
    from spapi_docs_helpers._catalogue import docs_page

    for entry in _catalogue():
        wanted = f"docs/{docs_page(entry.code)}"
        for relative in (USERS_PAGE, DOCTOR_PAGE):
            count = page(relative).ids.count(entry.code)
            expected = 1 if relative == wanted else 0
            assert count == expected, (
                f'{relative} has {count} elements with id="{entry.code}"; the CLI links '
                f"{entry.code} to {wanted}"
            )


def test_the_troubleshooting_page_shows_what_users_meet_most_frequent_first(page):
    from spapi_docs_helpers._catalogue import PREVALENCES

    met = [entry for entry in _catalogue() if entry.prevalence != "doctor-only"]
    # Stable sort: catalogue order within each prevalence.
    wanted = [e.code for e in sorted(met, key=lambda e: PREVALENCES.index(e.prevalence))]
    assert _entry_sections(page, USERS_PAGE) == wanted


def test_the_findings_reference_shows_the_doctors_own_findings_by_stage(page):
    from spapi_docs_helpers._catalogue import STAGES

    own = [entry for entry in _catalogue() if entry.prevalence == "doctor-only"]
    shown = _entry_sections(page, DOCTOR_PAGE)
    assert sorted(shown) == sorted(e.code for e in own)
    by_code = {entry.code: entry for entry in own}
    # Stage by stage, in the order a check runs (the region probes and the role probes share
    # a section: "The SP-API calls"); catalogue order within a stage.
    rank = {stage: index for index, stage in enumerate(STAGES)}
    rank["roles"] = rank["region"]
    ranks = [rank[by_code[code].stage] for code in shown]
    assert ranks == sorted(ranks), [by_code[code].stage for code in shown]
    for stage in STAGES:
        assert [c for c in shown if by_code[c].stage == stage] == [
            e.code for e in own if e.stage == stage
        ], f"stage {stage!r} is out of catalogue order"


def test_the_findings_reference_indexes_every_code_with_a_working_link(page):
    index = page(DOCTOR_PAGE)
    linked = [
        attrs.get("href", "")
        for attrs in index.find("a", inside="spapi-catalogue-index")
        if attrs.get("href")
    ]
    targets = {href.rsplit("#", 1)[-1] for href in linked}
    assert targets == {entry.code for entry in _catalogue()}


def _site_path(url: str) -> str:
    """The path inside the built site of a docs URL the CLI prints."""
    from spapi_docs_helpers._catalogue import DOCS_BASE_URL

    assert url.startswith(DOCS_BASE_URL), url
    return "docs/" + url[len(DOCS_BASE_URL) :].split("#", 1)[0]


def test_the_links_the_cli_prints_lead_to_a_built_page(site):
    from spapi_docs_helpers._catalogue import docs_url

    for entry in _catalogue():
        url = docs_url(entry.code)
        path = _site_path(url)
        assert (site / path).is_file(), f"{url} points at {path}, which the site lacks"


# --------------------------------------------------------------------------- pages


def _source_pages() -> list:
    pages = []
    for path in sorted(DOCS.rglob("*.md")):
        relative = path.relative_to(ROOT)
        if relative.parts[1] in NOT_PAGES:
            continue
        pages.append(relative.with_suffix(".html").as_posix())
    pages.extend(
        path.relative_to(ROOT).with_suffix(".html").as_posix()
        for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
    )
    return pages


def test_every_page_in_the_toctree_is_built(site, page):
    index = page("docs/index.html")
    linked = set()
    for attrs in index.find("a", inside="sidebar-tree"):
        href = attrs.get("href", "")
        if not href or urlsplit(href).scheme:
            continue
        target = urlsplit(urljoin("docs/index.html", href)).path
        assert (site / target).is_file(), f"the navigation links to {target}, which was not built"
        linked.add(target)
    for built in _source_pages():
        if built == "docs/index.html":
            continue
        assert (site / built).is_file(), f"{built} was not built"
        assert built in linked, f"{built} is not in the navigation (add it to a toctree)"


def test_the_site_root_forwards_to_the_start_page(site):
    forward = (site / "index.html").read_text(encoding="utf-8")
    assert "url=docs/index.html" in forward


@pytest.mark.parametrize("figure", sorted(FIGURES))
def test_each_figure_is_shown_with_alt_text(page, figure):
    images = [
        attrs
        for attrs in page(FIGURES[figure]).find("img")
        if attrs.get("src", "").endswith("/" + figure)
    ]
    assert images, f"{figure} is not on {FIGURES[figure]}"
    for attrs in images:
        assert attrs.get("alt", "").strip(), f"{figure} has no alt text on {FIGURES[figure]}"


def test_figure_captions_say_they_are_schematic(page):
    for relative in sorted(set(FIGURES.values())):
        shown = page(relative)
        captions = len(shown.find("figcaption"))
        assert captions and shown.text.count("Schematic, not a screenshot") >= captions, relative


def _external(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def test_nothing_is_loaded_from_another_host(site, page):
    offenders = []
    pages = sorted(site.rglob("*.html"))
    loads = 0  # elements that load something: each page has its scripts and stylesheets
    for path in pages:
        shown = page(path.relative_to(site).as_posix())  # parsed once for every test here
        for tag, attrs, _enclosing in shown.elements:
            relation = set(attrs.get("rel", "").lower().split())
            if tag in (
                "script",
                "img",
                "iframe",
                "audio",
                "video",
                "source",
                "embed",
            ) and attrs.get("src"):
                loads += 1
                if _external(attrs["src"]):
                    offenders.append((path.relative_to(site), tag, attrs["src"]))
            if (
                tag == "link"
                and relation
                & {"stylesheet", "preload", "modulepreload", "icon", "prefetch", "manifest"}
                and attrs.get("href")
            ):
                loads += 1
                if _external(attrs["href"]):
                    offenders.append((path.relative_to(site), tag, attrs["href"]))
    # The check saw the pages and what they load: an empty build or a parse that found no
    # elements would otherwise pass.
    assert pages and loads >= 2 * len(pages), f"{loads} loading elements on {len(pages)} pages"
    assert not offenders, f"loaded from another host: {offenders}"


def test_search_works_offline(site):
    assert (site / "searchindex.js").is_file()
    assert (site / "search.html").is_file()


# --------------------------------------------------------------------------- generated tables


def test_field_map_has_every_credential(page):
    from spapi_docs_helpers._credentials import FIELDS

    configure = page("docs/configure.html")
    rows = {
        attrs["id"] for attrs in configure.find("tr", inside="spapi-field-map") if "id" in attrs
    }
    for spec in FIELDS:
        assert f"field-{spec.key}" in rows, f"the field map lacks {spec.key}"
        assert spec.env in configure.text and spec.amazon_label in configure.text


def test_every_mock_scenario_is_listed(page):
    from spapi_docs_helpers.mock import SCENARIOS

    mock = page("docs/reference/mock.html")
    ids = set(mock.ids)
    for name in SCENARIOS:
        assert f"scenario-{name}" in ids, f"the scenario {name!r} is not in the table"


# --------------------------------------------------------------------------- reference pages


def _check_options() -> set:
    from spapi_docs_helpers._cli import build_parser

    parser = build_parser(command="check")
    commands = next(
        action
        for action in parser._actions
        if hasattr(action, "choices") and isinstance(action.choices, dict)
    )
    check = commands.choices["check"]
    return {option for action in check._actions for option in action.option_strings}


def test_cli_reference_documents_every_option_of_check(page):
    cli = page("docs/reference/cli.html")
    documented = {
        identifier.removeprefix("cmdoption-spapi-doctor-check-")
        for identifier in cli.ids
        if identifier.startswith("cmdoption-spapi-doctor-check-")
    }
    options = _check_options()
    missing = sorted(option for option in options if option.lstrip("-") not in documented)
    assert not missing, f"options of `spapi-doctor check` missing from the CLI reference: {missing}"
    stale = sorted(name for name in documented if not ({f"--{name}", f"-{name}"} & options))
    assert not stale, f"the CLI reference documents options `check` does not have: {stale}"


def test_python_api_page_documents_every_public_name(page):
    import spapi_docs_helpers

    ids = set(page("docs/reference/python-api.html").ids)
    missing = [
        name for name in spapi_docs_helpers.__all__ if f"spapi_docs_helpers.{name}" not in ids
    ]
    assert not missing, f"public names missing from the Python API page: {missing}"


def test_json_report_reference_documents_every_field(site):
    from spapi_docs_helpers import check_offline
    from spapi_docs_helpers._catalogue import entry

    html = (site / "docs/reference/json-report.html").read_text(encoding="utf-8")
    documented = set(
        re.findall(r'<dt[^>]*>\s*<code[^>]*><span class="pre">(\w+)</span></code>', html)
    )
    report = check_offline(credentials={"lwa_app_id": "amzn1.sp.solution.x"})
    fields = set(report.to_dict())
    fields |= set(report.stages[0].as_dict())
    fields |= set(entry("value-empty").finding("example").as_dict())
    missing = sorted(fields - documented)
    assert not missing, f"JSON report fields missing from the reference: {missing}"


# A URL of this site as the doctor prints it: the docs version, then the path in the site.
SITE_URL = re.compile(r"https://spapi-docs\.readthedocs\.io/en/([^/\s]+)/([\w./-]*)")


def test_every_url_of_this_site_written_in_the_sources_exists(site):
    """Example outputs in the pages and the README quote docs URLs: they must not rot."""
    sources = [*DOCS.rglob("*.md"), ROOT / "README.md", *(ROOT / "notebooks").glob("*.ipynb")]
    seen = 0
    for source in sources:
        for _version, path in SITE_URL.findall(source.read_text()):
            seen += 1
            target = site / (path or "index.html")
            assert target.is_file(), (
                f"{source.relative_to(ROOT)} links {path}, which the site lacks"
            )
    assert seen, "no URL of the site found: the pattern is wrong"


def test_the_pages_quote_the_docs_version_the_doctor_links_to():
    """The example outputs show the links of this version (the notebooks' outputs are
    written by `make notebooks`, and nbval compares them with the version masked)."""
    from spapi_docs_helpers._catalogue import DOCS_VERSION

    versions = {
        (source.relative_to(ROOT).as_posix(), version)
        for source in [*DOCS.rglob("*.md"), ROOT / "README.md"]
        for version, _path in SITE_URL.findall(source.read_text())
    }
    assert versions, "no URL of the site in the pages: the pattern is wrong"
    assert {version for _source, version in versions} == {DOCS_VERSION}, sorted(versions)


def test_the_install_section_names_the_distribution_and_project_page_of_pyproject(page):
    """The install commands and the project's page come from one setting (conf.py reads
    pyproject.toml); no page writes them by hand."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the same parser, from the docs extra
        import tomli as tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    start = page("docs/start-here.html")
    assert f"pipx install {project['name']}" in start.text
    assert f"python -m pip install {project['name']}" in start.text
    links = {attrs.get("href") for attrs in start.find("a")}
    assert project["urls"]["Homepage"] in links
    for source in DOCS.rglob("*.md"):
        assert project["urls"]["Homepage"] not in source.read_text(), (
            f"{source.relative_to(ROOT)} writes the project URL by hand: use spapi-install"
        )


def test_the_guide_runs_in_order_with_legacy_aws_as_an_appendix(page):
    """register -> authorise -> configure -> check -> first call; the legacy path last."""
    index = page("docs/index.html")
    order = [
        urlsplit(urljoin("docs/index.html", attrs["href"])).path
        for attrs in index.find("a", inside="sidebar-tree")
        if attrs.get("href") and not urlsplit(attrs["href"]).scheme
    ]
    guide = [
        "docs/developer-registration.html",
        "docs/register-app.html",
        "docs/authorise.html",
        "docs/configure.html",
        "docs/check.html",
        "docs/first-call.html",
    ]
    positions = [order.index(path) for path in guide]
    assert positions == sorted(positions), order
    assert order.index("docs/aws-legacy.html") > order.index("docs/troubleshooting.html")


def test_generated_tables_keep_their_break_points_and_no_paragraph_nests(site):
    """The extension's code cells: inline code that may break after ``_`` or ``.`` (an
    HTML ``<wbr>``) in the field map's narrow columns, each cell one paragraph. A helper
    that shadowed the one adding the break points once gave ``<p><p>`` and no ``<wbr>``."""
    configure = (site / "docs" / "configure.html").read_text(encoding="utf-8")
    start = configure.index("spapi-field-map")
    field_map = configure[start : configure.index("</table>", start)]
    assert "<wbr>" in field_map
    nested = [
        str(path.relative_to(site))
        for path in sorted(site.rglob("*.html"))
        if "<p><p>" in path.read_text(encoding="utf-8")
    ]
    assert nested == []


# --------------------------------------------------------------------------- build extensions


def _navigation_extension():
    """docs/_ext/spapi_navigation.py, imported as the build imports it (conf.py's path)."""
    import importlib.util

    path = DOCS / "_ext" / "spapi_navigation.py"
    spec = importlib.util.spec_from_file_location("spapi_navigation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page_toc(title: str, *sections: str):
    """A page's table of contents as Sphinx collects it: its title, then its sections."""
    from docutils import nodes
    from sphinx import addnodes

    def entry(text, *below):
        reference = nodes.reference("", text, internal=True, refuri=title, anchorname="")
        item = nodes.list_item("", addnodes.compact_paragraph("", "", reference))
        if below:
            item += nodes.bullet_list("", *below)
        return item

    return nodes.bullet_list("", entry(title, *(entry(section) for section in sections)))


class _Environment:
    """What ``TitlesOnly`` reads of Sphinx's build environment."""

    def __init__(self, **tocs):
        self.tocs = tocs
        self.metadata = {docname: {} for docname in tocs}


def test_the_navigation_shortcut_falls_back_and_warns_when_sphinx_cuts_differently(caplog):
    """The build checks its first sidebar against Sphinx's own resolution; here a "Sphinx"
    that shows every section (it does not cut the tables of contents at all) is told apart,
    and the sidebars are then resolved its way. The real build's check passes (the strict
    build would fail on the warning), which is what proves the shortcut right."""
    navigation = _navigation_extension()
    env = _Environment(guide=_page_toc("guide", "Install", "Configure"))

    def uncut_sidebar(**options):  # what this "Sphinx" resolves: the tables as they are
        return "".join(toc.astext() for toc in env.tocs.values())

    cut = navigation.TitlesOnly(env)
    options = {"titles_only": True}
    with caplog.at_level("WARNING"):
        first = cut.resolve(env, uncut_sidebar, "guide", options)
    assert "Install" in first and "Configure" in first  # Sphinx's answer, not the shortcut's
    assert "differs from Sphinx's own" in caplog.text
    assert cut.tocs is None
    assert cut.resolve(env, uncut_sidebar, "guide", options) == first
    assert env.tocs["guide"].astext() == first  # the tables of contents are left as they were


def test_the_navigation_shortcut_keeps_titles_and_nested_tables_of_contents():
    from sphinx import addnodes

    navigation = _navigation_extension()
    page = _page_toc("guide", "Install")
    nested = addnodes.toctree(entries=[(None, "reference/cli")])
    page[0][1][0] += nested  # a toctree inside the "Install" section
    plain = _page_toc("faq")  # a title, nothing to cut
    env = _Environment(guide=page, faq=plain)
    cut = navigation.TitlesOnly(env)
    assert cut.tocs["faq"].pformat() == plain.pformat()
    guide = cut.tocs["guide"]
    assert guide.astext().strip() == "guide"
    assert [node["entries"] for node in guide.findall(addnodes.toctree)] == [
        [(None, "reference/cli")]
    ]
    assert "Install" in page.astext(), "the page's own table of contents was changed"
