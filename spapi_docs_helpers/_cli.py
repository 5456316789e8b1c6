"""``spapi-doctor``: the command line. Argument parsing and the exit status; the progress
lines on a terminal; and the one policy that is the command's own (nothing configured →
the demo). The work is done by the package.

Exit status: 0 no error found, 1 at least one error found, 2 usage error, 3 the doctor
itself failed (a bug: the message says what to report), 4 the report could not be written
(standard output closed or full), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). A
reader that stops early (``check | head``) does not change the status: it stays the
check's. Everything written to the terminal has its control characters escaped.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from contextlib import suppress
from importlib import import_module

from . import __version__
from ._catalogue import docs_home
from ._doctor import check, check_demo, check_offline, nothing_configured
from ._options import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    account_name,
    add_color,
    add_format,
    add_timeout,
    concurrency,
    name_of,
)
from ._redaction import escape_controls, redact_text, shown_value
from ._report import STAGE_TITLES, STATUS_SYMBOLS, wants_color

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, EXIT_INTERNAL, EXIT_OUTPUT = 0, 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


def _scope(text):
    if not text or not text.strip():
        raise argparse.ArgumentTypeError("the scope must not be empty")
    return text


def _columns(environ) -> int:
    """The help's width: COLUMNS as shutil would take it (a plain decimal number), else 100."""
    columns = environ.get("COLUMNS", "")
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if columns.isascii() and columns.isdecimal() and len(columns) <= 4:
        width = int(columns)
        if width > 20:
            return width - 2
    return 100


class _VersionAction(argparse.Action):
    """Prints the version line as it is: argparse's own action wraps it at the help's width,
    which would cut the docs address in two on a narrow terminal."""

    def __init__(self, option_strings, version, dest=argparse.SUPPRESS, help=None):
        super().__init__(
            option_strings,
            dest=dest,
            default=argparse.SUPPRESS,
            nargs=0,
            help=help or "show the version and the address of its docs, then exit",
        )
        self.version = version

    def __call__(self, parser, namespace, values, option_string=None):
        parser._print_message(self.version + "\n", sys.stdout)
        parser.exit()


class _HelpFormatter(argparse.HelpFormatter):
    """argparse builds a formatter at every add_argument, to validate metavars; measuring
    the terminal there imports shutil on every start. The width comes from COLUMNS, as
    shutil would take it, else a readable 100."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        super().__init__(prog, indent_increment, max_help_position, width or _columns(os.environ))


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose error messages (which quote the arguments) are escaped."""

    def error(self, message):
        text = escape_controls(redact_text(message))
        if len(text) > 500:
            text = text[:500] + "…"
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {text}\n")


def build_parser(*, command=None) -> argparse.ArgumentParser:
    """The whole command line. ``check``'s options are always there; the other commands'
    options (each in its own module, some of them heavy to import) are those of every
    command, or, when ``command`` is given, of that command alone (a start-up imports the
    one module it runs, not five)."""

    def wants_options(name):
        return command in (None, name)

    parser = _Parser(
        prog="spapi-doctor",
        formatter_class=_HelpFormatter,
        description="Tell which SP-API credential is wrong, why, and how to fix it.",
        epilog=f"Without a command, `check` runs. Docs: {docs_home()}",
    )

    # The version and the docs of that version, the ones every Docs: link points into.
    parser.add_argument(
        "--version",
        action=_VersionAction,
        version=f"spapi-doctor {__version__} (docs: {docs_home()})",
    )
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
        default=None,
        type=account_name,
        metavar="NAME",
        help="the account name, as in credentials.yml or the _<account> suffix of "
        "environment variables (default: default)",
    )
    add_format(check, json_for="CI")
    add_timeout(check)
    check.add_argument(
        "--sandbox",
        action="store_true",
        help="probe the SP-API sandbox hosts instead of production",
    )
    check.add_argument(
        "--grantless",
        metavar="SCOPE",
        type=_scope,
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
        type=name_of("scenario", hint=" (see mock --list)"),
        metavar="NAME",
        help="with --demo: the mock scenario to run (default: happy)",
    )
    add_color(check)
    fleet = check.add_argument_group(
        "many accounts at once",
        "Check every account (credentials.yml, the _<account> suffixes of the variables, or "
        "--accounts-file) through load, format, LWA and region; group the causes into "
        "app-level (one fix for all) and seller-level. Exit 1 if any account fails.",
    )
    fleet.add_argument(
        "--all-accounts", action="store_true", help="check every account that can be found"
    )
    fleet.add_argument(
        "--accounts-file",
        metavar="PATH",
        help="with --all-accounts: a YAML mapping of accounts like credentials.yml (checked on "
        "its values), or a list of account names (one per line, loaded as the library loads "
        "them)",
    )
    fleet.add_argument(
        "--concurrency",
        type=concurrency,
        default=None,  # None: not given, so that a given one without --all-accounts is refused
        metavar="N",
        help="with --all-accounts: accounts checked at the same time "
        f"(1-{MAX_CONCURRENCY}, default: {DEFAULT_CONCURRENCY})",
    )
    fleet.add_argument(
        "--roles",
        action="store_true",
        help="with --all-accounts: probe every role too (about 10 more calls per account)",
    )

    mock = commands.add_parser(
        "mock",
        formatter_class=_HelpFormatter,
        help="run the mock Amazon on loopback",
        description="Start mock LWA, SP-API (NA, EU, FE and sandbox) and AWS STS/Secrets Manager "
        "servers on 127.0.0.1, print the environment that points a client at them, "
        "and run until interrupted.",
    )
    if wants_options("mock"):
        # Only when `mock` is asked for: `check` need not import the mock.
        from .mock._cli import add_arguments

        add_arguments(mock)
    _add_credential_commands(commands, wants_options)
    return parser


class _OutputError(Exception):
    """The report could not be written: standard output is closed, full or failing."""


def _write_report(text):
    stdout = sys.stdout
    if stdout is None:
        raise _OutputError("standard output is closed")
    try:
        stdout.write(text)
        stdout.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as error:  # ENOSPC (/dev/full), EIO, a closed file
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise _OutputError(f"standard output failed ({reason})") from None


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
    "secret-status": (
        "_rotation",
        "when your client secret expires, from Amazon's notifications on your SQS queue",
        "Read the app's notification queue (every message is left on it), report the expiry "
        "of each client's secret, and keep it for `check`, which then warns 30 days ahead. "
        "Exit 0 read, 1 the queue could not be read or the secret has expired, 2 usage error.",
    ),
    "rotate": (
        "_rotation",
        "rotate your client secret and update every stored account that uses it",
        "Rotate the app's client secret (rotateApplicationClientSecret), wait for the new one "
        "on the queue, try it with Login with Amazon, then store it in every account of the "
        "store that uses the client identifier. A run that stopped half-way is finished by the "
        "next one. Exit 0 done, 1 not rotated or not stored (the findings say why), 2 usage.",
    ),
}


def _add_credential_commands(commands, wants_options):
    for name, (module, summary, description) in _CREDENTIAL_COMMANDS.items():
        command = commands.add_parser(
            name, formatter_class=_HelpFormatter, help=summary, description=description
        )
        command.set_defaults(_parser=command, _module=module, _command=name)
        if wants_options(name):
            import_module(f".{module}", __package__).add_arguments(command)


def _emit(report, args) -> int:
    # A terminal that cannot show "…" or "✓" gets a replacement character, not a crash.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
    if args.format == "json":
        text = report.to_json() + "\n"
    else:
        color = {"always": True, "never": False}.get(args.color)
        if color is None:
            color = wants_color(sys.stdout) if sys.stdout is not None else False
        text = report.render_text(color=color)
    try:
        _write_report(text)
    except BrokenPipeError:
        # The reader stopped early (| head): the check's verdict stands, and nothing more
        # is written, at exit either.
        _silence_stdout()
    return report.exit_code


def _silence_stdout():
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        sys.stdout = None


def _say(text):
    """Write a line for the user to standard error, escaped; never raises."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(escape_controls(text) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass  # nowhere left to say it; the exit status still says it


class _StderrLines:
    """What the progress displays share: lines on a terminal's standard error, written
    from the check's worker threads too, and a write that fails is dropped."""

    def __init__(self, stream):
        from threading import Lock

        self.stream = stream
        self.lock = Lock()

    def _write(self, text) -> bool:
        """Write and flush ``text`` (the caller holds the lock); False when it failed."""
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            return False  # a progress line is a courtesy; the report still comes
        return True

    @classmethod
    def for_args(cls, args):
        """One on standard error when the text report goes to a terminal, else None."""
        if args.format == "text" and sys.stderr is not None and sys.stderr.isatty():
            return cls(sys.stderr)
        return None


class _TerminalProgress(_StderrLines):
    """Shows each stage on stderr while it runs, then clears the lines for the report.

    Called from the check's worker threads too (STS and grantless run beside LWA).
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.lines = 0

    def __call__(self, event, name, payload):
        title = STAGE_TITLES.get(name, name)
        if event == "start":
            line = f"  … {title}: {payload}"
        else:
            mark = STATUS_SYMBOLS.get(payload.status, "?")
            timing = f" ({payload.duration_ms:.0f} ms)" if payload.duration_ms else ""
            line = f"  {mark} {title}: {payload.summary}{timing}"
        # The text names endpoints and scopes from the environment and the arguments.
        line = escape_controls(redact_text(line))[:300] + "\n"
        with self.lock:
            if self._write(line):
                self.lines += 1

    def clear(self):
        with self.lock:
            if self.lines:
                # Move up over the progress lines and erase them: the report repeats them.
                self._write(f"\033[{self.lines}F\033[J")
                self.lines = 0


DEMO_NOTE = (
    "spapi-doctor: no SP-API credentials anywhere (code, environment, Secrets Manager, "
    "credentials.yml), so this is a demo against the embedded mock Amazon.\n"
    "              Set LWA_APP_ID, LWA_CLIENT_SECRET and SP_API_REFRESH_TOKEN (or "
    "credentials.yml) to check your own.\n"
)


# Options that only the online check against your own credentials reads.
_ONLINE_OPTIONS = (("sandbox", "--sandbox"), ("grantless", "--grantless"), ("legacy", "--legacy"))


# Options that only --all-accounts reads, and those a fleet check does not take.
_FLEET_ONLY = (
    ("accounts_file", "--accounts-file"),
    ("concurrency", "--concurrency"),
    ("roles", "--roles"),
)
_NOT_FOR_FLEET = (
    ("account", "--account"),
    ("offline", "--offline"),
    ("demo", "--demo"),
    ("sandbox", "--sandbox"),
    ("grantless", "--grantless"),
    ("legacy", "--legacy"),
)


def _named(flags, singular="is", plural="are"):
    """``--a is`` or ``--a, --b are``: the options a usage error names, with their verb."""
    return f"{', '.join(flags)} {singular if len(flags) == 1 else plural}"


def _check_usage(args):
    """Refuse option combinations that would be silently ignored."""
    if args.all_accounts:
        given = [flag for name, flag in _NOT_FOR_FLEET if getattr(args, name)]
        if given:
            raise _UsageError(
                f"{_named(given)} not for --all-accounts, which checks every account "
                "through LWA and region"
            )
        return
    # Given at all (an empty --accounts-file too): None and False are the defaults.
    given = [flag for name, flag in _FLEET_ONLY if getattr(args, name) not in (None, False)]
    if given:
        raise _UsageError(f"{_named(given)} for --all-accounts")
    if args.scenario is not None and not args.demo:
        raise _UsageError("--scenario selects a mock scenario: use it with --demo")
    given = [flag for name, flag in _ONLINE_OPTIONS if getattr(args, name)]
    if args.offline:
        if args.demo:
            raise _UsageError("--demo runs the online checks against the mock; drop --offline")
        if given:
            raise _UsageError(f"{_named(given)} for the online check; drop --offline, or drop them")
    if args.demo:
        if args.account is not None:
            given.insert(0, "--account")
        if given:
            raise _UsageError(
                "--demo checks the mock's own sample credentials; "
                f"{_named(given, 'has', 'have')} nothing to act on there"
            )


def _run_check(args) -> int:
    _check_usage(args)
    if args.all_accounts:
        return _run_fleet(args)
    account = args.account if args.account is not None else "default"
    if args.offline:
        return _emit(check_offline(account, timeout=args.timeout), args)

    scenario = args.scenario or "happy"
    if args.demo:
        from .mock import SCENARIOS

        if scenario not in SCENARIOS:
            raise _UsageError(
                f"unknown scenario {shown_value(scenario, 60)}; the scenarios: "
                + ", ".join(SCENARIOS)
            )
    _terminate_like_interrupt()
    progress = _TerminalProgress.for_args(args)
    report = None
    if not args.demo:
        report = check(
            account,
            timeout=args.timeout,
            sandbox=args.sandbox,
            grantless=args.grantless,
            legacy=args.legacy,
            progress=progress,
        )
        # With nothing configured the check stopped after loading, having called nothing:
        # the newcomer gets the demo instead of a bare "no credentials".
        if account == "default" and nothing_configured(report.resolution):
            _say(DEMO_NOTE.rstrip("\n"))
            report = None
    if report is None:
        report = check_demo(scenario, timeout=args.timeout, progress=progress)
    if progress is not None:
        progress.clear()
    return _emit(report, args)


class _FleetProgress(_StderrLines):
    """One line on a terminal's stderr, rewritten as accounts finish (from worker threads)."""

    shown = False

    def __call__(self, done, total, failed):
        line = f"\r  checked {done} of {total} accounts" + (
            f" · {failed} failing" if failed else ""
        )
        with self.lock:
            if self._write(line + "\033[K"):
                self.shown = True

    def clear(self):
        with self.lock:
            if self.shown:
                self._write("\r\033[K")


def _run_fleet(args) -> int:
    from ._fleet import FleetProblem, check_fleet

    _terminate_like_interrupt()
    progress = _FleetProgress.for_args(args)
    try:
        report = check_fleet(
            accounts_file=args.accounts_file,
            concurrency=args.concurrency or DEFAULT_CONCURRENCY,
            timeout=args.timeout,
            roles=args.roles,
            progress=progress,
        )
    except FleetProblem as problem:
        raise _UsageError(str(problem)) from None
    finally:
        if progress is not None:
            progress.clear()
    return _emit(report, args)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``with`` block cleans up."""


def _terminate_like_interrupt():
    """On SIGTERM, unwind like Ctrl-C (the demo's temporary folder and mock go away)."""
    import signal

    def terminated(signum, frame):
        raise _Terminated

    # Not the main thread (an embedding program), or no SIGTERM on this platform: leave it.
    with suppress(ValueError, OSError, AttributeError):
        signal.signal(signal.SIGTERM, terminated)


def _run_mock(args) -> int:
    from .mock._cli import run

    if sys.stdout is None:  # the mock's whole output is the environment it prints there
        raise _OutputError("standard output is closed")
    return run(args)


class _UsageError(Exception):
    pass


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "check")
    # Only the options of the command asked for (none for --help, --version): each command's
    # module is imported by its own runs alone.
    parser = build_parser(command=argv[0])
    args = parser.parse_args(argv)
    try:
        if args.command == "mock":
            return _run_mock(args)
        if args.command in _CREDENTIAL_COMMANDS:
            return import_module(f".{args._module}", __package__).run(args)
        return _run_check(args)
    except _UsageError as error:
        parser.error(str(error))
    except KeyboardInterrupt:
        _say("spapi-doctor: interrupted")
        return EXIT_INTERRUPTED
    except _Terminated:
        _say("spapi-doctor: terminated")
        return EXIT_TERMINATED
    except _OutputError as error:
        if args.command == "mock":
            _say(f"spapi-doctor: the mock's environment could not be written: {error}.")
        else:
            _say(
                f"spapi-doctor: the report could not be written: {error}. The check itself "
                "ran; write to a file or a terminal instead."
            )
        _silence_stdout()
        return EXIT_OUTPUT
    except BrokenPipeError:
        # Only the mock writes outside _emit; its reader went away, which ends it normally.
        _silence_stdout()
        return EXIT_OK
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EIO):
            return _internal_error(error)
        # The mock's output, on a full disk or a terminal that went away.
        _say(f"spapi-doctor: the output could not be written ({error.strerror}).")
        _silence_stdout()
        return EXIT_OUTPUT
    except Exception as error:  # the last line of defence: no traceback, no secret
        return _internal_error(error)
    return EXIT_OK


def _internal_error(error) -> int:
    _say(
        "spapi-doctor: internal error "
        f"({type(error).__name__}: {redact_text(str(error))[:500]}). This is a bug in "
        "spapi-doctor, not a problem with your credentials; please report it with this line."
    )
    return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
