"""The command-line options several ``spapi-doctor`` commands share, written once.

``check``, ``init``, ``secret-status`` and ``rotate`` each take a timeout, a colour choice,
an output format or an account name. A value means the same to every command, so its type
(what is accepted, and the usage error that names the fix) and its help live here; each
command adds the options it takes. Only :mod:`argparse` is imported: the offline check's
start-up must not pay for anything else.
"""

from __future__ import annotations

import argparse

# The offline path must not import typing (start-up cost): the names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# No account or scenario name comes near this; a longer one is a mistake, not a name.
MAX_NAME_LENGTH = 256
# A connect or read that has not answered in ten minutes will not answer.
MAX_TIMEOUT_S = 600.0


# --concurrency of check --all-accounts: accounts at a time (the fleet reads these too).
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256


def number_in(
    what: str,
    low: float,
    high: float,
    *,
    whole: bool = False,
    unit: str = "",
    above_low: bool = False,
) -> Callable[[str], float]:
    """The type of an option that takes a number of ``what`` between ``low`` and ``high``
    (more than ``low`` when ``above_low``); ``whole``: an integer. ``unit`` follows the
    bounds in the usage error ("the wait must be between 0 and 900 s")."""
    kind = "a whole number" if whole else f"a number of {unit.strip() or 'units'}"
    unit = f" {unit.strip()}" if unit.strip() else ""

    def parse(text: str) -> float:
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {kind}") from None
        # A failed comparison also refuses NaN, which no comparison lets through.
        if not ((low < value if above_low else low <= value) and value <= high):
            raise argparse.ArgumentTypeError(
                f"the {what} must be between {low:g} and {high:g}{unit}"
            )
        return value

    return parse


# The --timeout value: seconds, more than 0 and at most MAX_TIMEOUT_S.
timeout_seconds = number_in("timeout", 0, MAX_TIMEOUT_S, unit="seconds", above_low=True)
concurrency = number_in("concurrency", 1, MAX_CONCURRENCY, whole=True)
port = number_in("port", 0, 65535, whole=True)


def name_of(what: str, *, hint: str = "") -> Callable[[str], str]:
    """The type of an option naming ``what`` (an account, a scenario): not empty, no spaces
    around it (python-amazon-sp-api and the environment suffixes would not find it), at
    most :data:`MAX_NAME_LENGTH` characters. ``hint`` ends the usage error for an empty one."""

    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"the {what} name must not be empty{hint}")
        if len(text) > MAX_NAME_LENGTH:
            raise argparse.ArgumentTypeError(
                f"the {what} name is {len(text)} characters long; at most {MAX_NAME_LENGTH}"
            )
        if text != text.strip():
            raise argparse.ArgumentTypeError(
                f"the {what} name {text!r} has spaces around it: write it without spaces"
            )
        return text

    return parse


account_name = name_of("account")


def add_timeout(parser: Any) -> None:
    parser.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=10.0,
        metavar="S",
        help="the timeout of each connect and read, in seconds (default: 10); each call "
        "ends within three times as long, retries included",
    )


def add_color(parser: Any) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text output (auto: only on a terminal, unless NO_COLOR)",
    )


def add_format(parser: Any, *, json_for: str) -> None:
    """``--format text|json``; ``json_for`` says who reads the JSON (CI, monitoring...)."""
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help=f"text for a terminal, json for {json_for} (default: %(default)s)",
    )


def add_secret_id(parser: Any) -> None:
    parser.add_argument(
        "--secret-id",
        metavar="NAME",
        help="with --store secrets-manager: the secret (default: SP_API_AWS_SECRET_ID)",
    )
