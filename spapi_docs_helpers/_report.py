"""The report of one check, in three renderings: terminal text, JSON and notebook HTML.

The JSON object is the stable, documented interface (``docs/reference/json-report.md``);
the text and the HTML show the same facts. Nothing here ever holds a secret in full:
credentials are shown through :func:`~spapi_docs_helpers._credentials.display`. Nothing
here moves a terminal's cursor either: every text from outside (paths, variables, account
names, a server's words) is written with its control characters escaped, in the text and
in the JSON (which escapes C0 controls itself, and here C1 controls and the invisible
line and direction marks too).
"""

from __future__ import annotations

import os
import re
import sys

from ._catalogue import SUBJECT_VERDICT, SUBJECT_VERDICTS, SUBJECTS
from ._credentials import FIELDS, display
from ._redaction import escape_controls, shown_value

# The offline path must not import typing (start-up cost): the names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any, TextIO

    from ._catalogue import Finding
    from ._credentials import Credentials
    from ._endpoints import Endpoints
    from ._peers import PeerLibrary
    from ._sources import Resolution

SCHEMA_VERSION = 1
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
STAGE_TITLES = {
    "load": "Load",
    "format": "Format",
    "lwa": "LWA token",
    "sts": "AWS STS (legacy)",
    "region": "Region",
    "roles": "Roles",
}


class ShownResult:
    """How the result of a step shows itself: ``summary()``, one line, is its repr, and in a
    notebook a badge, the same line and the finding when there is one.

    Mixed into the online steps' results (``TokenResult``, ``IdentityResult``,
    ``RoleResult``, ``RegionProbe``, ``RoleTable``); those with a table of their own
    override ``_repr_html_``. ``_html_title`` names the step in the notebook.
    """

    __slots__ = ()
    _html_title = "Result"

    @property
    def ok(self) -> bool:
        """True when the step got what it asked for."""
        raise NotImplementedError

    def summary(self) -> str:
        """One line: what the step found."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.summary()})"

    def _repr_html_(self) -> str:
        from ._html import result_html

        finding = getattr(self, "finding", None)
        return result_html(self._html_title, self.ok, self.summary(), finding)


class StageResult:
    """One stage of a check: what it concluded, how long it took, and what it found.

    ``status`` is ``ok``, ``warning``, ``failed`` or ``skipped``; ``data`` holds the
    stage's own results (the region and marketplaces, the role table...).
    """

    __slots__ = ("data", "duration_ms", "name", "status", "summary")

    def __init__(
        self,
        name: str,
        status: str,
        summary: str,
        *,
        duration_ms: float | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.status = status
        self.summary = summary
        self.duration_ms = duration_ms
        self.data = data if data is not None else {}

    @property
    def title(self) -> str:
        """The stage's display name."""
        return STAGE_TITLES.get(self.name, self.name)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in the report's ``stages`` list."""
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "duration_ms": self.duration_ms,
            "data": self.data,
        }

    def __repr__(self) -> str:
        return f"StageResult({self.name!r}, {self.status!r})"


class Report:
    """Everything one check found. ``exit_code`` is 0 without errors, 1 with any."""

    __slots__ = (
        "account",
        "duration_ms",
        "endpoints",
        "findings",
        "mode",
        "peers",
        "resolution",
        "stages",
    )

    def __init__(
        self,
        *,
        account: str,
        mode: str,
        resolution: Resolution | None,
        stages: Iterable[StageResult],
        findings: Iterable[Finding],
        peers: Mapping[str, PeerLibrary | None] | None,
        endpoints: Endpoints | None = None,
        duration_ms: float | None = None,
    ) -> None:
        self.account = account
        self.mode = mode
        self.resolution = resolution
        self.stages = list(stages)
        self.findings = sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
        self.peers = peers
        self.endpoints = endpoints
        self.duration_ms = duration_ms

    # ----------------------------------------------------------------- conclusions
    @property
    def credentials(self) -> Credentials | None:
        """The credentials the check used (None when no source held them)."""
        return self.resolution.credentials if self.resolution is not None else None

    def count(self, severity: str) -> int:
        """How many findings have ``severity`` (error, warning or info)."""
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return self.count("error") == 0

    @property
    def exit_code(self) -> int:
        """The CLI's exit status for this report: 0 without errors, 1 with any."""
        return 0 if self.ok else 1

    def stage(self, name: str) -> StageResult | None:
        """The :class:`StageResult` called ``name`` (``load``, ``lwa``...), or None."""
        return next((s for s in self.stages if s.name == name), None)

    @property
    def blamed(self) -> list[str]:
        """What the errors blame, most certain first, without repeats: credential fields
        (``refresh_token``...), then subjects that are no credential (``app_roles``,
        ``app``, ``endpoint``, ``amazon``: see ``SUBJECTS`` in the catalogue)."""
        fields = [name for names, _either in self._blame_groups() for name in names]
        subjects: list[str] = []
        for finding in self.findings:
            if finding.severity != "error":
                continue
            if not finding.field and finding.subject and finding.subject not in subjects:
                subjects.append(finding.subject)
        return fields + subjects

    def _blame_groups(self) -> list[tuple[list[str], bool]]:
        """The blamed credential fields, finding by finding, without repeats: ``(fields,
        either)``. A swap blames both fields it names; a finding that names alternatives
        (``either``: one of them is wrong) is left out when a finding without alternatives
        blames one of them — that one is the wrong one, and the others are not implicated."""
        errors = [f for f in self.findings if f.severity == "error"]
        certain = {
            name
            for f in errors
            if not (f.details or {}).get("either")
            for name in (f.details or {}).get("fields") or [f.field]
            if name
        }
        groups: list[tuple[list[str], bool]] = []
        seen: set[str] = set()
        for finding in errors:
            details = finding.details or {}
            named = [f for f in details.get("fields") or [finding.field] if f]
            either = bool(details.get("either"))
            if either and certain & set(named):
                continue
            fields = [f for f in named if f not in seen]
            seen.update(fields)
            if fields:
                groups.append((fields, either and len(fields) > 1))
        return groups

    def _blamed_phrase(self) -> tuple[str, bool]:
        """``(words, plural)``: the blamed credentials in words. A finding that names
        alternatives (either value may be the wrong one) joins them with "or"; different
        findings, and a swap, with "and"."""
        words: list[tuple[str, bool]] = []
        for fields, either in self._blame_groups():
            if either:
                words.append((" or ".join(fields), True))
            else:
                words.extend((field, False) for field in fields)
        if len(words) == 1:
            return words[0][0], False
        return " and ".join(f"({text})" if either else text for text, either in words), True

    @property
    def verdict(self) -> str:
        """One sentence: which credential is wrong and why, or that everything works."""
        errors, warnings = self.count("error"), self.count("warning")
        if errors:
            blamed = [name for name in self.blamed if name not in SUBJECTS]
            if blamed:
                first = next(f for f in self.findings if f.severity == "error" and f.field)
                names, plural = self._blamed_phrase()
                verb = "are" if plural else "is"
                return f"{names} {verb} wrong: {first.title}."
            first = next(f for f in self.findings if f.severity == "error")
            if first.subject in SUBJECTS:
                tail = SUBJECT_VERDICTS.get(first.subject, SUBJECT_VERDICT)
                return f"{first.title}. {tail.format(subject=SUBJECTS[first.subject])}"
            if all(f.stage == "transport" for f in self.findings if f.severity == "error"):
                return f"The check could not conclude: {first.title}. No credential is blamed."
            return f"{first.title}. None of the credentials themselves is to blame."
        scope = "offline checks" if self.mode == "offline" else "checks"
        tail = f" ({warnings} warning{'s' * (warnings != 1)})" if warnings else ""
        if self.mode == "offline":
            return f"No problem found by the {scope}{tail}; run without --offline to try them."
        return f"Your credentials work{tail}."

    # ----------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The JSON report (see docs/reference/json-report.md); holds no secret."""
        credentials = {}
        resolution = self.resolution
        creds = resolution.credentials if resolution is not None else None
        for spec in FIELDS:
            value = creds.get(spec.key) if creds is not None else None
            if resolution is None or value is None:
                continue
            credentials[spec.key] = {
                "value": display(spec.key, value),
                "origin": resolution.origin(spec.key),
            }
        return {
            "schema_version": SCHEMA_VERSION,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "verdict": self.verdict,
            "blamed": self.blamed,
            "mode": self.mode,
            "account": self.account,
            "world": self.endpoints.as_dict() if self.endpoints is not None else None,
            "libraries": {
                name: (peer.as_dict() if peer else None)
                for name, peer in (self.peers or {}).items()
            },
            "source": self.resolution.as_dict() if self.resolution is not None else None,
            "credentials": credentials,
            "stages": [stage.as_dict() for stage in self.stages],
            "findings": [finding.as_dict() for finding in self.findings],
            "summary": {s: self.count(s) for s in ("error", "warning", "info")},
            "duration_ms": self.duration_ms,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text."""
        return json_text(self.to_dict(), indent=indent)

    # ----------------------------------------------------------------- text
    def render_text(
        self, *, color: bool = False, timings: bool = True, encoding: str | None = None
    ) -> str:
        """The terminal report; ``color`` adds ANSI colours, ``timings`` the stage times."""
        return _TextRenderer(self, color=color, timings=timings, encoding=encoding).render()

    def __str__(self) -> str:
        return self.render_text(timings=False)

    def __repr__(self) -> str:
        return (
            f"Report(account={self.account!r}, mode={self.mode!r}, errors={self.count('error')}, "
            f"warnings={self.count('warning')})"
        )

    # ----------------------------------------------------------------- notebooks
    def _repr_html_(self) -> str:
        from ._html import report_html

        return report_html(self)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """``data`` as JSON text safe to print: json escapes C0 controls; a terminal also acts
    on C1 controls (\\x9b is CSI) and the invisible marks that reorder or break lines, which
    are escaped here too. Outside strings none can occur. Every JSON report is written so."""
    import json

    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# The mark of each status and severity: in the text report and the CLI's progress lines, and
# on the badges of the notebook rendering (_html); _SYMBOLS_ASCII on a terminal that cannot
# show them.
STATUS_SYMBOLS = {
    "ok": "✓",
    "failed": "✗",
    "warning": "!",
    "skipped": "·",
    "error": "✗",
    "info": "i",
    "bullet": "·",
    "arrow": "→",
}
_SYMBOLS_ASCII = {
    "ok": "OK",
    "failed": "XX",
    "warning": "!!",
    "skipped": "--",
    "error": "XX",
    "info": "ii",
    "bullet": "-",
    "arrow": "->",
}
_COLORS = {
    "ok": "32",
    "failed": "31",
    "error": "31",
    "warning": "33",
    "skipped": "2",
    "info": "36",
    "bold": "1",
    "dim": "2",
}


# How a source's status is marked: the one used, one that failed, one skipped as incomplete;
# the others (ignored, empty, absent...) are shown as skipped.
_SOURCE_MARKS = {"used": "ok", "error": "failed", "skipped": "warning"}


def source_mark(source_status: str) -> str:
    """The status whose mark shows a source's ``status`` (``used`` is ``ok``...)."""
    return _SOURCE_MARKS.get(source_status, "skipped")


def paint(text: str, style: str, color: bool) -> str:
    """``text`` in the colour of ``style`` (a key of ``_COLORS``) when ``color``."""
    if not color or style not in _COLORS:
        return text
    return f"\033[{_COLORS[style]}m{text}\033[0m"


def wants_color(stream: TextIO | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class _TextRenderer:
    def __init__(self, report, *, color, timings, encoding):
        self.report = report
        self.color = color
        self.timings = timings
        encoding = encoding or getattr(sys.stdout, "encoding", None) or "utf-8"
        try:
            "✓✗·→…".encode(encoding)
            self.symbols = STATUS_SYMBOLS
        except (UnicodeEncodeError, LookupError):
            self.symbols = _SYMBOLS_ASCII
        self.lines = []

    def paint(self, text, style) -> str:
        return paint(text, style, self.color)

    def mark(self, status) -> str:
        return self.paint(self.symbols.get(status, "?"), status)

    def add(self, text=""):
        self.lines.append(text)

    def render(self) -> str:
        report = self.report
        mode = "offline" if report.mode == "offline" else "online"
        account = shown_value(report.account, 60)
        self.add(self.paint(f"spapi-doctor · account {account} · {mode} check", "bold"))
        self._libraries()
        if report.endpoints is not None:
            self._world()
        self._credentials()
        self._sources()
        self._stages()
        self._findings()
        self.add()
        errors, warnings, notes = (report.count(s) for s in ("error", "warning", "info"))
        counts = (
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}, "
            f"{notes} note{'s' * (notes != 1)}"
        )
        status = "ok" if report.ok else "failed"
        verdict = escape_controls(report.verdict)
        self.add(f"{self.mark(status)} {self.paint('Verdict:', 'bold')} {verdict} ({counts})")
        # Text output in a file must not end in the middle of a colour sequence or line.
        return "\n".join(self.lines) + "\n"

    def _libraries(self):
        peers = self.report.peers or {}
        shown = [
            f"{name} {escape_controls(peer.version)[:40]}" for name, peer in peers.items() if peer
        ]
        self.add(
            self.paint(
                "Libraries: "
                + (
                    ", ".join(shown)
                    if shown
                    else "neither python-amazon-sp-api nor amzn-sp-api installed"
                ),
                "dim",
            )
        )

    def _world(self):
        endpoints = self.report.endpoints
        lwa = endpoints.as_dict()["lwa"]
        self.add(self.paint(f"World: {endpoints.label} · LWA {escape_controls(lwa)}", "dim"))

    def _credentials(self):
        report = self.report
        resolution = report.resolution
        self.add()
        if resolution is None or resolution.credentials is None:
            self.add(self.paint("Credentials: none found", "bold"))
            return
        self.add(self.paint(f"Credentials (from the {resolution.used.label})", "bold"))
        creds = resolution.credentials
        rows = [
            (
                spec.key,
                display(spec.key, creds.get(spec.key)),
                escape_controls(resolution.used.origins.get(spec.key, "")),
            )
            for spec in FIELDS
            if creds.get(spec.key) is not None
        ]
        width = max(len(r[0]) for r in rows) if rows else 0
        value_width = max(len(r[1]) for r in rows) if rows else 0
        for key, value, origin in rows:
            self.add(f"  {key:<{width}}  {value:<{value_width}}  {self.paint(origin, 'dim')}")

    def _sources(self):
        resolution = self.report.resolution
        if resolution is None:
            return
        self.add()
        self.add(self.paint("Sources (the first complete one wins; nothing is merged)", "bold"))
        width = max(len(s.label) for s in resolution.sources)
        absent = {
            "code": "not given (credentials= in Python)",
            "environment": "no SP-API variables set",
            "secrets-manager": "not used (SP_API_AWS_SECRET_ID is not set)",
            "config-file": "not found",
        }
        for source in resolution.sources:
            status = source_mark(source.status)
            detail = {
                "used": "used",
                "skipped": "skipped: incomplete",
                "ignored": "not used (a source above won)",
                "not-consulted": "not consulted (a source above won)",
                "empty": "nothing for this account",
                "absent": absent[source.name],
                "error": "could not be read",
            }[source.status]
            where = ""
            if source.name in ("config-file", "secrets-manager") and source.location:
                where = f": {escape_controls(source.location)}"
            note = ""
            if source.note and source.status not in ("used", "absent"):
                note = f" ({escape_controls(source.note)})"
            self.add(f"  {self.mark(status)} {source.label:<{width}}  {detail}{where}{note}")

    def _stages(self):
        self.add()
        self.add(self.paint("Stages", "bold"))
        width = max(len(s.title) for s in self.report.stages) if self.report.stages else 0
        for stage in self.report.stages:
            timing = ""
            if self.timings and stage.duration_ms is not None:
                timing = self.paint(f" ({stage.duration_ms:.0f} ms)", "dim")
            summary = escape_controls(stage.summary)
            self.add(f"  {self.mark(stage.status)} {stage.title:<{width}}  {summary}{timing}")
            for line in stage.data.get("lines", ()):
                self.add(f"      {escape_controls(line)}")

    def _findings(self):
        findings = self.report.findings
        if not findings:
            return
        self.add()
        self.add(self.paint("Findings", "bold"))
        for finding in findings:
            blame = f"  [{finding.subject}]" if finding.subject else ""
            label = self.paint(f"{finding.severity:<7}", finding.severity)
            self.add(f"  {self.mark(finding.severity)} {label} {finding.code}{blame}")
            self.add(f"      {escape_controls(finding.message)}")
            causes = (finding.details or {}).get("causes") or ()
            if causes:
                self.add("      Likely causes, most likely first:")
                for number, item in enumerate(causes, 1):
                    self.add(f"        {number}. {item['cause']}: {item['fix']}.")
            self.add(f"      Fix:  {escape_controls(finding.fix)}")
            self.add(self.paint(f"      Docs: {escape_controls(finding.docs)}", "dim"))


class _Only:
    """Stands in for a report where only some of its parts are rendered."""

    __slots__ = ("findings", "stages")

    def __init__(self, findings=(), stages=()):
        self.findings = list(findings)
        self.stages = list(stages)


def render_findings(
    findings: Iterable[Finding], *, color: bool = False, encoding: str | None = None
) -> str:
    """Findings as the check's report shows them (``init`` and ``authorize`` use it)."""
    ordered = sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
    renderer = _TextRenderer(_Only(findings=ordered), color=color, timings=False, encoding=encoding)
    renderer._findings()
    return "\n".join(renderer.lines[1:]) + "\n" if renderer.lines else ""


def render_stages(
    stages: Iterable[StageResult], *, color: bool = False, encoding: str | None = None
) -> str:
    """Stage lines as the check's report shows them, without the heading."""
    renderer = _TextRenderer(_Only(stages=stages), color=color, timings=False, encoding=encoding)
    renderer._stages()
    return "\n".join(renderer.lines[2:]) + "\n"
