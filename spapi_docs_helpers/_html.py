"""The notebook rendering of reports and step results (``_repr_html_``).

Plain HTML with inline styles that read well in JupyterLab's light and dark themes and
in the rendered docs; every value passes through ``html.escape``.
"""

from __future__ import annotations

from html import escape

from ._credentials import FIELDS, display
from ._report import STATUS_SYMBOLS, source_mark

# The colour of each status's mark (the marks themselves are the text report's).
_BADGE_COLOURS = {
    "ok": "#1a7f37",
    "failed": "#cf222e",
    "error": "#cf222e",
    "warning": "#9a6700",
    "info": "#0969da",
    "skipped": "#6e7781",
}


def badge(status) -> str:
    symbol = STATUS_SYMBOLS[status] if status in _BADGE_COLOURS else "?"
    colour = _BADGE_COLOURS.get(status, "#6e7781")
    return f'<span style="color:{colour};font-weight:bold">{symbol}</span>'


def table_html(header, rows) -> str:
    head = "".join(f'<th style="text-align:left">{escape(str(h))}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="text-align:left">{cell}</td>' for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def credentials_table(resolution) -> str:
    """Each credential of the source that won: masked value and where it came from."""
    creds = resolution.credentials
    rows = [
        (
            f"<code>{escape(spec.key)}</code>",
            f"<code>{escape(display(spec.key, creds.get(spec.key)))}</code>",
            escape(resolution.used.origins.get(spec.key, "")),
        )
        for spec in FIELDS
        if creds.get(spec.key) is not None
    ]
    return table_html(("field", "value (masked)", "origin"), rows)


def report_html(report) -> str:
    parts = ['<div class="spapi-doctor-report">']
    status = "ok" if report.ok else "failed"
    parts.append(f"<p>{badge(status)} <strong>{escape(report.verdict)}</strong></p>")
    if report.endpoints is not None:
        parts.append(f"<p>World: {escape(report.endpoints.label)}</p>")
    resolution = report.resolution
    if resolution is not None and resolution.credentials is not None:
        parts.append(
            f"<p>Credentials from the <strong>{escape(resolution.used.label)}</strong>:</p>"
        )
        parts.append(credentials_table(resolution))
    if report.stages:
        rows = [(badge(s.status), escape(s.title), escape(s.summary)) for s in report.stages]
        parts.append(table_html(("", "stage", "result"), rows))
    if report.findings:
        rows = []
        for f in report.findings:
            rows.append(
                (
                    badge(f.severity),
                    f'<a href="{escape(f.docs)}"><code>{escape(f.code)}</code></a>'
                    + (f"<br><code>{escape(f.field)}</code>" if f.field else ""),
                    f"{escape(f.message)}<br><em>Fix:</em> {escape(f.fix)}",
                )
            )
        parts.append(table_html(("", "finding", "what and fix"), rows))
    parts.append("</div>")
    return "".join(parts)


def result_html(title, ok, summary, finding=None) -> str:
    """A step result: a badge, the summary, and the verdict when the step failed."""
    parts = [
        f"<p>{badge('ok' if ok else 'failed')} <strong>{escape(title)}</strong>: "
        f"{escape(summary)}</p>"
    ]
    if finding is not None:
        blame = f" — blames <code>{escape(finding.field)}</code>" if finding.field else ""
        parts.append(
            f'<p><a href="{escape(finding.docs)}"><code>{escape(finding.code)}</code></a>{blame}'
            f"<br>{escape(finding.message)}<br><em>Fix:</em> {escape(finding.fix)}</p>"
        )
    return "".join(parts)


def region_html(probe) -> str:
    parts = [
        result_html(
            "Region", probe.ok, probe.summary(), probe.findings[0] if probe.findings else None
        )
    ]
    if probe.marketplaces:
        rows = [
            (
                escape(m["id"] or ""),
                escape(m["name"] or ""),
                escape(m["country_code"] or ""),
                badge("ok" if m["participating"] else "skipped"),
            )
            for m in probe.marketplaces
        ]
        parts.append(table_html(("marketplace id", "name", "country", "participating"), rows))
    return "".join(parts)


def roles_html(table) -> str:
    status = {"granted": "ok", "denied": "failed", "unknown": "warning"}
    rows = [
        (
            badge(status[r["access"]]),
            f"<code>{escape(r['operation'])}</code>",
            escape(r["api"]),
            escape(r["access"]),
            escape(", ".join(r["roles"]) or "—"),
            escape(r["confidence"]),
        )
        for r in table.rows
    ]
    notes = [f"<li>{escape(statement)}</li>" for statement in table.proofs()]
    return (
        f"<p><strong>Operations in {escape(table.region)}</strong>: {escape(table.summary())}</p>"
        + table_html(("", "operation", "API", "access", "roles that grant it", "row"), rows)
        + (f"<p>What the answers prove:</p><ul>{''.join(notes)}</ul>" if notes else "")
    )


def resolution_html(resolution) -> str:
    """Where each credential came from, and what every source held (masked)."""
    rows = []
    for source in resolution.sources:
        fields = ", ".join(f"<code>{escape(k)}</code>" for k in source.values) or "—"
        where = escape(source.location or "") if source.name != "environment" else ""
        rows.append(
            (
                badge(source_mark(source.status)),
                escape(source.label),
                escape(source.status),
                fields,
                where,
            )
        )
    parts = [
        f"<p>Account <code>{escape(resolution.account)}</code>: "
        + (
            f"credentials from the <strong>{escape(resolution.used.label)}</strong> "
            "(the first complete source wins; nothing is merged).</p>"
            if resolution.ok
            else "<strong>no source holds lwa_app_id and lwa_client_secret.</strong></p>"
        )
    ]
    parts.append(table_html(("", "source", "status", "fields", "where"), rows))
    if resolution.ok:
        parts.append(credentials_table(resolution))
    return "".join(parts)


def endpoints_html(endpoints) -> str:
    """Which world the endpoints are, and each endpoint (masked as it may be shown)."""
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td><code>{escape(url)}</code></td></tr>"
        for name, url in endpoints._rows()
    )
    return (
        f"<p><strong>World: {escape(endpoints.label)}</strong></p>"
        f"<table><tbody>{rows}</tbody></table>"
    )


def catalogue_html(entries) -> str:
    """Catalogue entries as a table: code (linked), blamed credential, title, fix."""
    rows = [
        (
            badge(e.severity),
            f'<a href="{escape(e.docs)}"><code>{escape(e.code)}</code></a>',
            f"<code>{escape(e.field or e.subject)}</code>" if e.field or e.subject else "—",
            escape(e.title),
            escape(e.fix),
        )
        for e in entries
    ]
    return table_html(("", "code", "blames", "what", "fix"), rows)
