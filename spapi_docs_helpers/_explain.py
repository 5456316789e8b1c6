"""``spapi-doctor explain CODE``: the cause and the fix of one catalogue code, in a terminal.

Every finding the doctor reports has a code, and so has each error of Amazon's consent page
(``MD1000``…, shown to the user in Seller Central, never to a program): this prints the
catalogue's entry for it, as the troubleshooting page does. Codes are matched without
regard to case; an unknown code gets the closest ones. Reads the catalogue only: no
network, no heavy import.
"""

from __future__ import annotations

import sys
import textwrap

from ._catalogue import CATALOGUE, entry
from ._formats import edit_distance

EXIT_OK, EXIT_USAGE = 0, 2


def add_arguments(parser) -> None:
    """The options of ``spapi-doctor explain``."""
    parser.add_argument(
        "code",
        nargs="?",
        metavar="CODE",
        help="a finding's code (lwa-client-secret-rejected…) or a consent-page code (MD1000…)",
    )
    parser.add_argument("--list", action="store_true", help="list every code and exit")


def lookup(code: str):
    """``(entry, suggestions)``: the entry of ``code`` (case-insensitive), or None and the
    closest codes."""
    wanted = code.strip().lower().replace("_", "-")
    try:
        return entry(wanted), []
    except KeyError:
        pass
    distances = ((edit_distance(wanted, item.code, 4), item.code) for item in CATALOGUE)
    close = sorted(
        (distance, name) for distance, name in distances if distance <= 4 or wanted in name
    )
    return None, [name for _distance, name in close[:5]]


def explain_text(item) -> str:
    """The entry as terminal text: title, code, blame, what you see, why, fix, sources."""

    def wrap(text, indent="  "):
        # Never inside a name: python-amazon-sp-api, SP_API_AWS_SECRET_ID, URLs.
        return textwrap.fill(
            text,
            96,
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        )

    lines = [
        f"{item.code}: {item.title}",
        f"  {item.severity} · blames {item.field or 'no credential'} · stage {item.stage}",
        "",
    ]
    if item.texts:
        lines.append("What you see")
        lines.extend(f"  {text}" for text in item.texts)
        lines.append("")
    lines += ["Why", wrap(item.cause), "", "Fix", wrap(item.fix), ""]
    if item.sources:
        lines.append("Sources")
        lines.extend(f"  {title}: {url}" for title, url in item.sources)
        lines.append("")
    lines.append(f"Docs: {item.docs}")
    return "\n".join(lines) + "\n"


def run(args) -> int:
    if args.list:
        width = max(len(item.code) for item in CATALOGUE)
        for item in CATALOGUE:
            sys.stdout.write(f"{item.code:<{width}}  {item.title}\n")
        return EXIT_OK
    if not args.code:
        args._parser.error("give a CODE (spapi-doctor explain --list shows them all)")
    item, suggestions = lookup(args.code)
    if item is None:
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        args._parser.error(
            f"no code {args.code.strip()[:60]!r} in the catalogue.{hint} "
            "(spapi-doctor explain --list shows them all)"
        )
    sys.stdout.write(explain_text(item))
    return EXIT_OK
