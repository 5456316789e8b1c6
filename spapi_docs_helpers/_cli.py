"""``spapi-doctor``: argument parsing only; the work is done by the package.

Exit status: 0 no error found, 1 at least one error found, 2 usage error,
3 the doctor itself failed (a bug: the message says what to report).
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("the timeout must be between 0 and 600 seconds")
    return value


def _account(text):
    if not text or not text.strip():
        raise argparse.ArgumentTypeError("the account name must not be empty")
    return text


class _HelpFormatter(argparse.HelpFormatter):
    """argparse builds a formatter at every add_argument, to validate metavars; measuring
    the terminal there imports shutil on every start. The width comes from COLUMNS, as
    shutil would take it, else a readable 100."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        import os

        columns = os.environ.get("COLUMNS", "")
        width = width or (int(columns) - 2 if columns.isdigit() and int(columns) > 20 else 100)
        super().__init__(prog, indent_increment, max_help_position, width)


def build_parser(*, with_mock_options=True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spapi-doctor",
        formatter_class=_HelpFormatter,
        description="Tell which SP-API credential is wrong, why, and how to fix it.",
        epilog="Without a command, `check` runs. Docs: https://spapi-docs.readthedocs.io/",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # An explicit prog spares argparse a HelpFormatter (and its shutil import) at start-up.
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", prog="spapi-doctor")

    check = commands.add_parser(
        "check",
        formatter_class=_HelpFormatter,
        help="check your credentials (the default command)",
        description="Load your credentials the way python-amazon-sp-api does, check each one's "
        "format, then (unless --offline) exchange the refresh token with Login with "
        "Amazon, probe the SP-API regions and roles, and name the wrong credential.",
    )
    check.add_argument(
        "--offline",
        action="store_true",
        help="only load the credentials and check their format (no network)",
    )
    check.add_argument(
        "--account",
        default="default",
        type=_account,
        metavar="NAME",
        help="the account name, as in credentials.yml or the _<account> suffix of "
        "environment variables (default: %(default)s)",
    )
    check.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for a terminal, json for CI (default: %(default)s)",
    )
    check.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=10.0,
        metavar="S",
        help="connect and read timeout of each call, in seconds (default: 10)",
    )
    check.add_argument(
        "--sandbox",
        action="store_true",
        help="probe the SP-API sandbox hosts instead of production",
    )
    check.add_argument(
        "--grantless",
        metavar="SCOPE",
        help="also get a grantless token for SCOPE, e.g. sellingpartnerapi::notifications",
    )
    check.add_argument(
        "--legacy", action="store_true", help="run the AWS STS checks even when no AWS field is set"
    )
    check.add_argument(
        "--demo", action="store_true", help="run the whole check against the embedded mock Amazon"
    )
    check.add_argument(
        "--scenario",
        default=None,
        metavar="NAME",
        help="with --demo: the mock scenario to run (default: happy)",
    )
    check.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text output (auto: only on a terminal, unless NO_COLOR)",
    )

    mock = commands.add_parser(
        "mock",
        formatter_class=_HelpFormatter,
        help="run the mock Amazon on loopback",
        description="Start mock LWA, SP-API (NA, EU, FE and sandbox) and AWS STS/Secrets Manager "
        "servers on 127.0.0.1, print the environment that points a client at them, "
        "and run until interrupted.",
    )
    if with_mock_options:
        # Only when `mock` is asked for (or for --help): `check` need not import the mock.
        from .mock._cli import add_arguments

        add_arguments(mock)
    _add_credential_commands(commands, with_options=with_mock_options)
    return parser


# The commands that get and store credentials, and `explain`: their options and their work
# live in their own modules; `run` receives the parsed arguments (and `_parser`, the
# subcommand's parser, for its usage errors).
_CREDENTIAL_COMMANDS = {
    "init": (
        "_init",
        "store your own credentials where your library reads them",
        "Ask for (or take from the environment) the client identifier, client secret and "
        "refresh token, check each one, exchange them with Login with Amazon, then store "
        "them: credentials.yml, AWS Secrets Manager, an env file or export lines. Exit 0 "
        "stored, 1 a value is wrong (nothing written), 2 usage error.",
    ),
    "authorize": (
        "_authorize",
        "authorise your app for another selling partner (the OAuth website flow)",
        "Build the consent URL, receive the redirect (--listen PORT behind an https tunnel, "
        "or --redirected-url), exchange the code for the partner's refresh token, store it "
        "and check it.",
    ),
    "explain": (
        "_explain",
        "the cause and fix of a finding's code or a consent-page code (MD1000…)",
        "Print the catalogue entry of CODE: what you see, why, the fix and the sources.",
    ),
}


def _add_credential_commands(commands, *, with_options):
    from importlib import import_module

    for name, (module, summary, description) in _CREDENTIAL_COMMANDS.items():
        command = commands.add_parser(
            name, formatter_class=_HelpFormatter, help=summary, description=description
        )
        command.set_defaults(_parser=command, _module=module)
        if with_options:
            import_module(f".{module}", __package__).add_arguments(command)


def _emit(report, args) -> int:
    from ._report import wants_color

    # A terminal that cannot show "…" or "✓" gets a replacement character, not a crash.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
    if args.format == "json":
        sys.stdout.write(report.to_json() + "\n")
    else:
        color = {"always": True, "never": False}.get(args.color)
        if color is None:
            color = wants_color(sys.stdout)
        sys.stdout.write(report.render_text(color=color))
    sys.stdout.flush()
    return report.exit_code


class _TerminalProgress:
    """Shows each stage on stderr while it runs, then clears the lines for the report.

    Called from the check's worker threads too (STS and grantless run beside LWA).
    """

    def __init__(self, stream):
        from threading import Lock

        self.stream = stream
        self.lines = 0
        self.lock = Lock()

    def __call__(self, event, name, payload):
        from ._report import STAGE_TITLES

        title = STAGE_TITLES.get(name, name)
        if event == "start":
            line = f"  … {title}: {payload}\n"
        else:
            mark = {"ok": "✓", "failed": "✗", "warning": "!", "skipped": "·"}.get(
                payload.status, "?"
            )
            timing = f" ({payload.duration_ms:.0f} ms)" if payload.duration_ms else ""
            line = f"  {mark} {title}: {payload.summary}{timing}\n"
        with self.lock:
            self.stream.write(line)
            self.lines += 1
            self.stream.flush()

    def clear(self):
        with self.lock:
            if self.lines:
                # Move up over the progress lines and erase them: the report repeats them.
                self.stream.write(f"\033[{self.lines}F\033[J")
                self.stream.flush()
                self.lines = 0


DEMO_NOTE = (
    "spapi-doctor: no SP-API credentials anywhere (code, environment, Secrets Manager, "
    "credentials.yml), so this is a demo against the embedded mock Amazon.\n"
    "              Set LWA_APP_ID, LWA_CLIENT_SECRET and SP_API_REFRESH_TOKEN (or "
    "credentials.yml) to check your own.\n"
)


def _run_check(args) -> int:
    if args.scenario and not args.demo:
        raise _UsageError("--scenario selects a mock scenario: use it with --demo")
    if args.offline:
        if args.demo:
            raise _UsageError("--demo runs the online checks against the mock; drop --offline")
        from ._doctor import check_offline

        return _emit(check_offline(args.account), args)
    from ._doctor import check, check_demo, nothing_configured

    scenario = args.scenario or "happy"
    if args.demo:
        from .mock import SCENARIOS

        if scenario not in SCENARIOS:
            raise _UsageError(
                f"unknown scenario {scenario!r}; the scenarios: " + ", ".join(SCENARIOS)
            )
    progress = None
    if args.format == "text" and sys.stderr.isatty():
        progress = _TerminalProgress(sys.stderr)
    report = None
    if not args.demo:
        report = check(
            args.account,
            timeout=args.timeout,
            sandbox=args.sandbox,
            grantless=args.grantless,
            legacy=args.legacy,
            progress=progress,
        )
        # With nothing configured the check stopped after loading, having called nothing:
        # the newcomer gets the demo instead of a bare "no credentials".
        if args.account == "default" and nothing_configured(report.resolution):
            sys.stderr.write(DEMO_NOTE)
            report = None
    if report is None:
        report = check_demo(scenario, timeout=args.timeout, progress=progress)
    if progress is not None:
        progress.clear()
    return _emit(report, args)


def _run_mock(args) -> int:
    from .mock._cli import run

    return run(args)


class _UsageError(Exception):
    pass


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "check")
    parser = build_parser(with_mock_options=argv[0] not in ("check",))
    args = parser.parse_args(argv)
    try:
        if args.command == "mock":
            return _run_mock(args)
        if args.command in _CREDENTIAL_COMMANDS:
            from importlib import import_module

            return import_module(f".{args._module}", __package__).run(args)
        return _run_check(args)
    except _UsageError as error:
        parser.error(str(error))
    except KeyboardInterrupt:
        sys.stderr.write("spapi-doctor: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # the last line of defence: no traceback, no secret
        from ._redaction import redact_text

        sys.stderr.write(
            "spapi-doctor: internal error "
            f"({type(error).__name__}: {redact_text(str(error))[:500]}). This is a bug in "
            "spapi-doctor, not a problem with your credentials; please report it with this line.\n"
        )
        return EXIT_INTERNAL
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
