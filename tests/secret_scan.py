"""Token- and key-shaped values in files that are published: the notebooks and the pages.

The one list of secret shapes. tests/test_notebooks.py searches the committed notebooks'
outputs with it, and the pre-commit hook ``secret-shapes`` (.pre-commit-config.yaml) runs
this file on every notebook and page a commit touches, so that a value pasted into a
notebook in JupyterLab is stopped before it is committed, not after CI ran.

A match is a run long enough to be a real value, not a masked display
(``Atzr|IwEB…(412 chars)`` is not one). AWS's own documented example keys are public and
may be shown (the guide explains them); nothing else is allowed.

Usage: python tests/secret_scan.py FILE ...   (exit 1 when a file holds a secret shape)

Only the standard library: pre-commit runs it in an environment of its own.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SECRET_SHAPES = re.compile(
    r"Atz[ar]\|[A-Za-z0-9_\-]{12,}|Atc\|[A-Za-z0-9_\-]{12,}"
    r"|amzn1\.oa2-cs\.v1\.[0-9a-f]{12,}|amzn1\.application-oa2-client\.[0-9a-f]{12,}"
    r"|(?:AKIA|ASIA)[A-Z0-9]{16}"
    # An AWS secret access key: 40 characters of base64. Not after a dot: a run that follows
    # a host name's ".com" is a URL's path (com/sellers/v1/marketplaceParticipations).
    r"|(?<![A-Za-z0-9/+.])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"
)
# AWS's documented example key pair (IAM user guide): public, and the guide shows it.
AWS_DOCUMENTED_EXAMPLES = frozenset(
    {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
)
# Files larger than this are not pages or notebooks of this project: refused, not read.
MAX_BYTES = 20 * 1024 * 1024


def find_secrets(text: str) -> list[str]:
    """Every secret-shaped value in ``text``, in order (AWS's documented examples left out)."""
    return [found for found in SECRET_SHAPES.findall(text) if found not in AWS_DOCUMENTED_EXAMPLES]


def shown(value: str) -> str:
    """A found value as the report shows it: its first four characters and its length."""
    return f"{value[:4]}…({len(value)} chars)"


def scan(paths: list[str]) -> list[str]:
    """One line per problem: ``path:line: what``."""
    problems = []
    for name in paths:
        path = Path(name)
        try:
            if path.stat().st_size > MAX_BYTES:
                problems.append(f"{name}: larger than {MAX_BYTES} bytes, not scanned")
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            problems.append(f"{name}: cannot be read ({error.strerror or error})")
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for found in find_secrets(line):
                problems.append(
                    f"{name}:{number}: a token- or key-shaped value, {shown(found)}; "
                    "remove it (notebooks: re-run `make notebooks`, which uses the mock)"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    problems = scan(sys.argv[1:] if argv is None else argv)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
