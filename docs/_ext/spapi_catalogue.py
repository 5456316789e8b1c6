"""Pages generated from the package's own data, so that the docs and the code cannot disagree.

Ten directives, each reading a table of ``spapi_docs_helpers``:

``spapi-catalogue``
    The failure catalogue (``_catalogue.CATALOGUE``): one section per entry. Option
    ``:met: users`` renders what users meet (every entry whose ``prevalence`` is not
    ``doctor-only``), grouped by how often, most frequent first; ``:met: doctor`` renders the
    doctor's own findings, grouped by stage. Within a group, entries keep catalogue order.
    Each section's HTML id is exactly the entry's code, because ``spapi-doctor`` prints links
    of the form ``…/<page>#<code>`` (``_catalogue.docs_page`` names the page, and the build
    fails when the directive sits on another one); each code is also a label, so any page
    can write ``{ref}`<code>```.

``spapi-catalogue-index``
    One row per catalogue code, in catalogue order: severity, stage, the credential it
    blames, how often users meet it, and a link to its section (wherever it is).

``spapi-field-map``
    The field map (``_credentials.FIELDS``): Amazon's label for each credential, where it is
    shown, and what it is called in code, in the environment, in ``credentials.yml``, in an
    AWS Secrets Manager secret and in amzn-sp-api. Option ``:fields: current|legacy|all``.
    Each row has the id and label ``field-<key>``, which the catalogue links to.

``spapi-regions`` and ``spapi-marketplaces``
    The SP-API regions with their endpoints, sandbox endpoints and AWS regions, and the
    marketplaces with their IDs (``_endpoints.REGIONS`` and ``_endpoints.MARKETPLACES``): the
    tables the checker itself probes.

``spapi-probes`` and ``spapi-role-mappings``
    The operations the check calls, with what it sends and where each helps find the
    token's region (``_probes``); and Amazon's role model as the package holds it, operation by
    operation (``_roles.role_model()``), the table the doctor and the mock both read.

``spapi-install``
    The commands that install ``spapi-doctor`` and the project's page, from the
    ``spapi_distribution`` and ``spapi_project_url`` settings of conf.py.

``spapi-mock-scenarios``
    The mock Amazon's scenarios (``spapi_docs_helpers.mock.SCENARIOS``). When the mock cannot
    be imported, the directive renders a note saying so instead of the table (and logs an
    info line, not a warning): the site must build without the mock.

Whatever the data says that the page cannot show — a stage with no group, a scenario that
expects a code the catalogue lacks — is a build warning, which ``-W`` turns into a failure.
"""

from __future__ import annotations

import importlib
import re
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

__version__ = "1"

# --------------------------------------------------------------------------- shared helpers

_CODE_SPAN = re.compile(r"`([^`]+)`")

_SEVERITY_COLOUR = {"error": "danger", "warning": "warning", "info": "info"}


def _inline(text: str) -> list:
    """Plain text, with `backtick spans` (as the catalogue writes them) as inline code."""
    out = []
    position = 0
    for match in _CODE_SPAN.finditer(text):
        if match.start() > position:
            out.append(nodes.Text(text[position : match.start()]))
        out.append(nodes.literal(match.group(1), match.group(1)))
        position = match.end()
    if position < len(text):
        out.append(nodes.Text(text[position:]))
    return out


def _code(text: str) -> nodes.literal:
    """Inline code that may break after ``_`` or ``.`` in a narrow table column, and nowhere
    else (an HTML ``<wbr>``: copying the text copies no extra character)."""
    literal = nodes.literal(text, "")
    for index, part in enumerate(re.split(r"(?<=[_.])", text)):
        if index:
            literal += nodes.raw("", "<wbr>", format="html")
        literal += nodes.Text(part)
    return literal


def _p(text) -> nodes.paragraph:
    """Plain text, no markup: a table cell's paragraph."""
    return nodes.paragraph("", text)


def _code_cell(text) -> nodes.paragraph:
    """A table cell's paragraph of inline code (:func:`_code`, which may break in a narrow
    column)."""
    return nodes.paragraph("", "", _code(text))


def _paragraph(text: str, **attributes) -> nodes.paragraph:
    paragraph = nodes.paragraph("", "", **attributes)
    paragraph.extend(_inline(text))
    return paragraph


def _badge(text: str, colour: str) -> nodes.inline:
    """A sphinx-design badge (its CSS is on every page)."""
    return nodes.inline(text, text, classes=["sd-badge", f"sd-bg-{colour}", f"sd-bg-text-{colour}"])


def _field(name: str, *body) -> nodes.field:
    field = nodes.field()
    field += nodes.field_name(name, name)
    field_body = nodes.field_body()
    field_body.extend(body)
    field += field_body
    return field


class _Directive(SphinxDirective):
    def _ref(self, label: str, content: nodes.Node) -> addnodes.pending_xref:
        """A ``{ref}`` to ``label`` with ``content`` as its text (resolved, or a warning)."""
        xref = addnodes.pending_xref(
            "",
            refdomain="std",
            reftype="ref",
            reftarget=label,
            refexplicit=True,
            refwarn=True,
            refdoc=self.env.docname,
        )
        xref += content
        return xref

    def _target(self, node: nodes.Element, name: str) -> None:
        """Give ``node`` the id ``name`` and make ``name`` a label (a duplicate fails the build)."""
        node["ids"].append(name)
        node["names"].append(name)
        self.state.document.note_explicit_target(node, node)

    def _depend_on(self, module) -> None:
        """Re-read the page when the module that holds the data changes."""
        for path in (getattr(module, "__file__", None), __file__):
            if path:
                self.env.note_dependency(path)

    def _table(self, classes, header, rows, widths):
        table = nodes.table(classes=classes)
        group = nodes.tgroup(cols=len(header))
        table += group
        for width in widths:
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        head_row = nodes.row()
        head += head_row
        for title in header:
            head_row += nodes.entry("", nodes.paragraph(title, title))
        body = nodes.tbody()
        group += body
        body.extend(rows)
        return table


def _row(*cells) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        if isinstance(cell, (list, tuple)):
            entry.extend(cell)
        else:
            entry += cell
        row += entry
    return row


# --------------------------------------------------------------------------- the catalogue


class _Group:
    """A section of catalogue entries: those of some ``stages``, or of some ``prevalences``."""

    __slots__ = ("id", "intro", "prevalences", "stages", "title")

    def __init__(self, id, title, intro, *, stages=(), prevalences=()):
        self.id = id
        self.title = title
        self.stages = stages
        self.prevalences = prevalences
        self.intro = intro

    def holds(self, entry) -> bool:
        if self.prevalences:
            return entry.prevalence in self.prevalences
        return entry.stage in self.stages


# What users meet (the troubleshooting page), most frequent first.
USER_GROUPS = (
    _Group(
        "met-often",
        "The most common problems",
        "The failures users of python-amazon-sp-api and amzn-sp-api report again and again.",
        prevalences=("common",),
    ),
    _Group(
        "met-sometimes",
        "Problems some users meet",
        "Failures that several users have reported.",
        prevalences=("occasional",),
    ),
    _Group(
        "met-rarely",
        "Rare problems",
        "Failures reported once, or known only from a library's code or Amazon's documents.",
        prevalences=("rare",),
    ),
)

# The doctor's own findings (the findings reference), in the order a check runs.
GROUPS = (
    _Group(
        "where-credentials-come-from",
        "Where credentials come from",
        "Which source python-amazon-sp-api reads the credentials from, and what it silently "
        "ignores. Found offline (`spapi-doctor check --offline`).",
        stages=("load",),
    ),
    _Group(
        "the-shape-of-each-value",
        "The shape of each value",
        "Whether each value looks like the credential it is meant to be. Found offline, "
        "before anything is sent to Amazon.",
        stages=("format",),
    ),
    _Group(
        "login-with-amazon",
        "Login with Amazon",
        "What Login with Amazon answered when the refresh token was exchanged for an access token.",
        stages=("lwa",),
    ),
    _Group(
        "aws-sts-legacy",
        "AWS STS — legacy",
        "Only for set-ups that still sign SP-API calls with AWS keys, which Amazon has not "
        "needed since 2023-10-02.",
        stages=("sts",),
    ),
    _Group(
        "the-sp-api-calls",
        "The SP-API calls",
        "What the Selling Partner API said to the access token: which region takes it, and "
        "which roles it carries.",
        stages=("region", "roles"),
    ),
    _Group(
        "authorising-and-storing",
        "Authorising an app and storing the credentials",
        "What `spapi-doctor authorize` and `spapi-doctor init` report: the consent page's "
        "error codes (MD…), the redirect that brings the code back, the code's exchange, and "
        "writing the credentials where the library reads them.",
        stages=("consent", "store"),
    ),
    _Group(
        "secret-expiry-and-rotation",
        "Client-secret expiry and rotation",
        "What `spapi-doctor secret-status` and `spapi-doctor rotate` report about the "
        "notification queue and the rotation, and what `check` says of a secret whose expiry "
        "Amazon's notifications dated.",
        stages=("rotation",),
    ),
    _Group(
        "answers-that-explain-nothing",
        "Answers that explain nothing",
        "The network, a proxy or a failing service got in the way. These blame no credential.",
        stages=("transport",),
    ),
)

_STAGE_TITLE = {stage: group.title for group in GROUPS for stage in group.stages}
_PREVALENCE_TITLE = {
    "common": "common",
    "occasional": "occasional",
    "rare": "rare",
    "doctor-only": "found by spapi-doctor",
}
# Which entries each value of the directive's ``:met:`` option renders, and how grouped.
_AUDIENCES = {
    "users": (USER_GROUPS, lambda entry: entry.prevalence != "doctor-only"),
    "doctor": (GROUPS, lambda entry: entry.prevalence == "doctor-only"),
}


class CatalogueDirective(_Directive):
    """The catalogue entries users meet, or the doctor's own: a section each, id = code."""

    has_content = False
    option_spec: ClassVar[dict] = {
        "met": lambda argument: directives.choice(argument, tuple(_AUDIENCES)),
    }

    def run(self):
        from spapi_docs_helpers import _catalogue

        self._depend_on(_catalogue)
        groups, shown = _AUDIENCES[self.options.get("met", "users")]
        chosen = [entry for entry in _catalogue.CATALOGUE if shown(entry)]
        self._check_page(_catalogue, chosen)
        orphans = [e.code for e in chosen if not any(group.holds(e) for group in groups)]
        if orphans:
            logger.warning(
                "catalogue entries %s fall in no group of this page: add their stage or "
                "prevalence to the groups in docs/_ext/spapi_catalogue.py",
                ", ".join(orphans),
                location=self.get_location(),
            )
        missing = [stage for stage in _catalogue.STAGES if stage not in _STAGE_TITLE]
        if missing:
            logger.warning(
                "catalogue stage(s) %s have no title: add them to GROUPS in "
                "docs/_ext/spapi_catalogue.py",
                ", ".join(missing),
                location=self.get_location(),
            )
        out = []
        for group in groups:
            entries = [entry for entry in chosen if group.holds(entry)]
            if not entries:
                continue
            # Catalogue text is shown as written: no curly quotes, no "--" turned into a dash.
            section = nodes.section(classes=["spapi-stage"], support_smartquotes=False)
            self._target(section, group.id)
            section += nodes.title(group.title, group.title)
            section += _paragraph(group.intro)
            for entry in entries:
                section += self._entry(entry)
            out.append(section)
        return out

    def _check_page(self, catalogue, entries):
        """The doctor links each code to ``docs_page(code)``: this page must be that page."""
        here = f"{self.env.docname}.html"
        for entry in entries:
            wanted = f"docs/{catalogue.docs_page(entry.code)}"
            if wanted != here:
                logger.warning(
                    "%s is rendered on %s, but spapi-doctor links it to %s",
                    entry.code,
                    here,
                    wanted,
                    location=self.get_location(),
                )

    def _entry(self, entry) -> nodes.section:
        section = nodes.section(classes=["spapi-entry", f"spapi-severity-{entry.severity}"])
        self._target(section, entry.code)
        title = nodes.title()
        title.extend(_inline(entry.title))
        section += title

        meta = nodes.paragraph(classes=["spapi-entry-meta"])
        meta += _badge(entry.severity, _SEVERITY_COLOUR[entry.severity])
        meta += nodes.Text(" ")
        meta += nodes.literal(entry.code, entry.code, classes=["spapi-code"])
        meta += nodes.Text(" · blames ")
        if entry.field:
            meta += self._ref(f"field-{entry.field}", nodes.literal(entry.field, entry.field))
        else:
            meta += nodes.emphasis("none", "none")
        meta += nodes.Text(f" · stage: {_STAGE_TITLE.get(entry.stage, entry.stage)}")
        meta += nodes.Text(f" · met: {_PREVALENCE_TITLE[entry.prevalence]}")
        section += meta

        fields = nodes.field_list(classes=["spapi-entry-fields"])
        if entry.texts:
            seen = [nodes.literal_block(text, text, language="text") for text in entry.texts]
        else:
            seen = [
                nodes.paragraph(
                    "",
                    "",
                    nodes.Text("No error text of its own: "),
                    nodes.literal("spapi-doctor", "spapi-doctor"),
                    nodes.Text(" reports it as "),
                    nodes.literal(entry.code, entry.code),
                    nodes.Text("."),
                )
            ]
        fields += _field("What you see", *seen)
        fields += _field("Why", _paragraph(entry.cause))
        fields += _field("Fix", _paragraph(entry.fix))
        if entry.sources:
            links = nodes.bullet_list()
            for label, url in entry.sources:
                item = nodes.list_item()
                item += nodes.paragraph("", "", nodes.reference(label, label, refuri=url))
                links += item
            fields += _field("Sources", links)
        section += fields
        return section


class CatalogueIndexDirective(_Directive):
    """Every catalogue code in one table, each linked to its section."""

    has_content = False

    def run(self):
        from spapi_docs_helpers import _catalogue

        self._depend_on(_catalogue)
        rows = []
        for entry in _catalogue.CATALOGUE:
            rows.append(
                _row(
                    nodes.paragraph("", "", self._ref(entry.code, _code(entry.code))),
                    nodes.paragraph(
                        "", "", _badge(entry.severity, _SEVERITY_COLOUR[entry.severity])
                    ),
                    nodes.paragraph("", _STAGE_TITLE.get(entry.stage, entry.stage)),
                    _code_cell(entry.field) if entry.field else _p("—"),
                    nodes.paragraph("", _PREVALENCE_TITLE[entry.prevalence]),
                    _paragraph(entry.title),
                )
            )
        header = ("Code", "Severity", "Stage", "Blames", "Met", "What it is")
        return [self._table(["spapi-catalogue-index"], header, rows, (24, 10, 14, 12, 10, 30))]


# --------------------------------------------------------------------------- the field map

FIELD_MAP_HEADER = (
    "Amazon's label",
    "Where it is shown",
    # python-amazon-sp-api's dict key is also the credentials.yml key (the FIELDS model has
    # one ``key`` for both), so one column shows both.
    "Key in the code dict and in credentials.yml",
    "Environment variable",
    "Secrets Manager JSON key",
    "amzn-sp-api: SPAPIConfig argument",
)
_SDK_ARGUMENT = re.compile(r"SPAPIConfig\((\w+)=\.\.\.\)")


class FieldMapDirective(_Directive):
    """The credentials under every name they have, from ``_credentials.FIELDS``."""

    has_content = False
    option_spec: ClassVar[dict] = {
        "fields": lambda argument: directives.choice(argument, ("all", "current", "legacy")),
    }

    def run(self):
        from spapi_docs_helpers import _credentials

        self._depend_on(_credentials)
        which = self.options.get("fields", "all")
        rows = []
        for spec in _credentials.FIELDS:
            if (which == "current" and spec.legacy) or (which == "legacy" and not spec.legacy):
                continue
            key = _code_cell(spec.key)
            if spec.legacy:
                key += nodes.Text(" ")
                key += _badge("legacy", "secondary")
            if spec.sdk_argument:
                match = _SDK_ARGUMENT.fullmatch(spec.sdk_argument)
                sdk = _code(f"{match.group(1)}=" if match else spec.sdk_argument)
            else:
                sdk = nodes.Text("— (not taken)")
            row = _row(
                nodes.paragraph("", "", nodes.strong(spec.amazon_label, spec.amazon_label)),
                _paragraph(spec.where),
                key,
                _code_cell(spec.env),
                _code_cell(spec.secret_json_key),
                nodes.paragraph("", "", sdk),
            )
            self._target(row, f"field-{spec.key}")
            rows.append(row)
        return [self._table(["spapi-field-map"], FIELD_MAP_HEADER, rows, (14, 26, 16, 16, 16, 12))]


# --------------------------------------------------------------------------- regions, marketplaces


def _marketplace_groups(marketplaces):
    """Marketplaces merged by ID (python-amazon-sp-api's UK is an alias of GB), in order."""
    groups = {}
    for marketplace in marketplaces.values():
        groups.setdefault(marketplace.marketplace_id, []).append(marketplace)
    return list(groups.values())


class RegionsDirective(_Directive):
    """NA, EU and FE: endpoint, sandbox endpoint, AWS region and marketplaces."""

    has_content = False

    def run(self):
        from spapi_docs_helpers import _endpoints

        self._depend_on(_endpoints)
        rows = []
        for code, region in _endpoints.REGIONS.items():
            names = ", ".join(
                "/".join(m.code for m in group)
                for group in _marketplace_groups(_endpoints.MARKETPLACES)
                if group[0].region == code
            )
            rows.append(
                _row(
                    nodes.paragraph(
                        "", "", nodes.strong(code, code), nodes.Text(f" ({region.name})")
                    ),
                    nodes.paragraph(
                        "", "", nodes.literal(f"https://{region.host}", f"https://{region.host}")
                    ),
                    nodes.paragraph(
                        "",
                        "",
                        nodes.literal(
                            f"https://{region.sandbox_host}", f"https://{region.sandbox_host}"
                        ),
                    ),
                    nodes.paragraph("", "", nodes.literal(region.aws_region, region.aws_region)),
                    nodes.paragraph("", names),
                )
            )
        header = (
            "Region",
            "Endpoint",
            "Sandbox endpoint",
            "AWS region (SigV4 only)",
            "Marketplaces",
        )
        return [self._table(["spapi-regions"], header, rows, (14, 24, 26, 12, 24))]


class MarketplacesDirective(_Directive):
    """Every marketplace python-amazon-sp-api names, with Amazon's marketplace ID."""

    has_content = False

    def run(self):
        from spapi_docs_helpers import _endpoints

        self._depend_on(_endpoints)
        rows = []
        for group in _marketplace_groups(_endpoints.MARKETPLACES):
            first = group[0]
            names = [nodes.literal(m.code, m.code) for m in group]
            name_cell = nodes.paragraph()
            for index, literal in enumerate(names):
                if index:
                    name_cell += nodes.Text(", ")
                name_cell += literal
            rows.append(
                _row(
                    name_cell,
                    nodes.paragraph("", first.country),
                    nodes.paragraph(
                        "", "", nodes.literal(first.marketplace_id, first.marketplace_id)
                    ),
                    nodes.paragraph("", first.region),
                )
            )
        header = ("Marketplaces.<name>", "Country", "Marketplace ID", "Region")
        return [self._table(["spapi-marketplaces"], header, rows, (20, 30, 30, 20))]


class ProbesDirective(_Directive):
    """The operations the check calls, what it sends, and in which regions it asks each to
    find the token's region (``_probes``)."""

    has_content = False

    def run(self):
        from spapi_docs_helpers import _probes
        from spapi_docs_helpers._roles import REGION_CODES

        self._depend_on(_probes)
        rows = []
        for item in _probes.probes():
            sent = ", ".join(f"{k}={v}" for k, v in item.params.items())
            if item.body is not None:
                sent = (sent + "; " if sent else "") + f"body {item.body}"
            finding = [c for c in REGION_CODES if item in _probes.region_probes(c)]
            rows.append(
                _row(
                    [_code_cell(item.operation), _p(item.api)],
                    _code_cell(f"{item.method} {item.path}" + (f"?{sent}" if item.params else "")),
                    _p(item.expect),
                    _p(", ".join(finding) or "—"),
                )
            )
        header = ("Operation", "Call", "When the token may call it", "Finds the region in")
        return [self._table(["spapi-probes"], header, rows, (24, 32, 30, 14))]


class RoleMappingsDirective(_Directive):
    """Amazon's role model as the package holds it: which roles grant each operation, where
    (``_roles.role_model()``, from ``data/role-mappings.json``)."""

    has_content = False

    def run(self):
        from spapi_docs_helpers import _roles

        self._depend_on(_roles)
        model = _roles.role_model()
        rows = []
        for op in model.operations:
            if op.grantless:
                roles = [_p("none (grantless)")]
            else:
                roles = [
                    _p(
                        role
                        + (
                            f" ({', '.join(op.role_regions[role])} only)"
                            if role in op.role_regions
                            else ""
                        )
                    )
                    for role in op.roles
                ] or [_p("not stated")]
            regions = ", ".join(op.regions) if op.regions is not None else "not stated"
            who = " and ".join(sorted(op.audience)) + "s" if op.audience else "—"
            rows.append(
                _row(
                    [_code_cell(op.name), _p(op.api)],
                    roles,
                    _p(regions),
                    _p(who),
                    _p(op.confidence),
                )
            )
        header = ("Operation", "Any one of these roles", "Regions", "For", "Row")
        table = self._table(["spapi-role-mappings"], header, rows, (28, 40, 12, 12, 8))
        note = _p(
            f"Amazon's pages as read on {model.retrieved}. A row is high when it comes from a "
            "roles table on an Amazon page, medium when pieced together from role pages or "
            "tutorials, low when inferred from sibling operations."
        )
        return [note, table]


# --------------------------------------------------------------------------- the mock scenarios


class MockScenariosDirective(_Directive):
    """The mock's scenarios, or a note when the mock cannot be imported."""

    has_content = False

    def run(self):
        module_name = self.config.spapi_mock_module
        try:
            module = importlib.import_module(module_name)
            scenarios = module.SCENARIOS
        except Exception as error:  # the mock is optional for the build, whatever its failure
            reason = f"{type(error).__name__}: {error}"
            logger.info(
                "spapi-mock-scenarios: %s.SCENARIOS not available (%s); rendering a "
                "note instead of the table",
                module_name,
                reason,
                location=self.get_location(),
            )
            return [self._unavailable(module_name, reason)]
        self._depend_on(module)
        values = scenarios.values() if hasattr(scenarios, "values") else scenarios
        rows = [self._row(scenario) for scenario in values]
        header = ("Scenario", "Path", "What happens", "Failure mode", "Expected findings")
        return [self._table(["spapi-scenarios"], header, rows, (16, 10, 40, 12, 22))]

    def _unavailable(self, module_name, reason):
        note = nodes.note()
        note += nodes.paragraph(
            "",
            "",
            nodes.Text("The scenario table is generated from "),
            nodes.literal(f"{module_name}.SCENARIOS", f"{module_name}.SCENARIOS"),
            nodes.Text(" when the site is built. This build could not load it ("),
            nodes.literal(reason, reason),
            nodes.Text("), so the table is missing from this copy of the page."),
        )
        return note

    def _row(self, scenario):
        name = getattr(scenario, "name", None)
        missing = [
            attribute
            for attribute in ("name", "title", "story", "path", "failure_mode", "expect")
            if not hasattr(scenario, attribute)
        ]
        if missing:
            logger.warning(
                "mock scenario %r lacks %s", name, ", ".join(missing), location=self.get_location()
            )
        what = [nodes.paragraph("", "", nodes.strong(str(scenario.title), str(scenario.title)))]
        if getattr(scenario, "story", None):
            what.append(_paragraph(str(scenario.story)))
        expected = nodes.bullet_list(classes=["simple"])
        for code, field in getattr(scenario, "expect", ()) or ():
            item = nodes.list_item()
            paragraph = nodes.paragraph()
            paragraph += self._ref(code, nodes.literal(code, code))
            if field:
                paragraph += nodes.Text(" [")
                paragraph += nodes.literal(field, field)
                paragraph += nodes.Text("]")
            item += paragraph
            expected += item
        if not len(expected):
            expected = nodes.paragraph("", "nothing to fix")
        failure_mode = getattr(scenario, "failure_mode", None)
        row = _row(
            _code_cell(str(name)),
            nodes.paragraph("", str(getattr(scenario, "path", ""))),
            what,
            nodes.paragraph("", str(failure_mode) if failure_mode else "—"),
            expected,
        )
        self._target(row, f"scenario-{name}")
        return row


# --------------------------------------------------------------------------- install


class InstallDirective(_Directive):
    """How to install spapi-doctor: the commands, and the project page, from conf.py."""

    has_content = False

    def run(self):
        distribution = self.config.spapi_distribution
        url = self.config.spapi_project_url
        if not (distribution and url):
            logger.warning(
                "spapi-install needs spapi_distribution and spapi_project_url in conf.py",
                location=self.get_location(),
            )
            return []
        commands = (
            f"pipx install {distribution}             # the spapi-doctor command, in its own environment\n"
            f"python -m pip install {distribution}    # or into the environment of your project"
        )
        block = nodes.literal_block(commands, commands, language="sh", classes=["spapi-install"])
        page = nodes.paragraph(
            "",
            "",
            nodes.Text("The project's page: "),
            nodes.reference(url, url, refuri=url),
            nodes.Text(". Check what you installed with "),
            nodes.literal("spapi-doctor --version", "spapi-doctor --version"),
            nodes.Text(": it names its version and the docs of that version."),
        )
        return [block, page]


# --------------------------------------------------------------------------- setup


def setup(app):
    # Which module holds SCENARIOS (a build can point it at a stand-in with -D).
    app.add_config_value("spapi_mock_module", "spapi_docs_helpers.mock", "env")
    # Where readers get the tool (conf.py reads both from pyproject.toml).
    app.add_config_value("spapi_distribution", "", "env")
    app.add_config_value("spapi_project_url", "", "env")
    app.add_directive("spapi-install", InstallDirective)
    app.add_directive("spapi-catalogue", CatalogueDirective)
    app.add_directive("spapi-catalogue-index", CatalogueIndexDirective)
    app.add_directive("spapi-field-map", FieldMapDirective)
    app.add_directive("spapi-regions", RegionsDirective)
    app.add_directive("spapi-marketplaces", MarketplacesDirective)
    app.add_directive("spapi-probes", ProbesDirective)
    app.add_directive("spapi-role-mappings", RoleMappingsDirective)
    app.add_directive("spapi-mock-scenarios", MockScenariosDirective)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
