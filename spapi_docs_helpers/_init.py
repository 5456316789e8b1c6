"""``spapi-doctor init``: put your own credentials where your library reads them, right
the first time — and the steps ``authorize`` shares with it (choosing a store, confirming
a replacement, checking what was stored).

The order is the point: each value is checked with the offline rules as soon as it is
given (an App ID pasted as the client identifier is caught before the next question),
then the three together, then Login with Amazon exchanges them and the SP-API probes find
the token's region (the doctor's own check, on these values alone), and only then are
they written. A value that is wrong stops everything before anything is written (exit 1).
What Amazon refuses after LWA accepted the values (a region, a role) is shown but blames
no value, and does not stop the store.

Human messages go to standard error; standard output carries only what a script would
capture (the ``export`` lines). Interactive on a terminal (secrets read without echo);
``--from-env`` for scripts and CI.
"""

from __future__ import annotations

import getpass
import os
import sys
import tempfile

from ._catalogue import entry
from ._config_file import config_directory
from ._credentials import LWA_KEYS, Credentials, display, field_spec
from ._doctor import check
from ._errors import StoreError
from ._formats import check_formats
from ._options import account_name, add_color, add_secret_id, add_timeout
from ._report import render_findings, render_stages, wants_color
from ._sources import (
    CONFIG_FILE,
    SECRET_ID_VARIABLE,
    SECRETS_MANAGER,
    resolve_credentials,
    without_credentials,
)
from ._stores import STORE_KINDS, env_names, lwa_values, open_store

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
ATTEMPTS = 3
MAX_ANSWER = 16 * 1024
PROMPTS = {
    "lwa_app_id": "Client identifier (Develop Apps → LWA credentials → View; "
    "amzn1.application-oa2-client.…)",
    "lwa_client_secret": "Client secret (same place; amzn1.oa2-cs.v1.…)",
    "refresh_token": "Refresh token (Authorize app; Atzr|…)",
}


# --------------------------------------------------------------------------- the terminal


class Terminal:
    """Where the questions go and the answers come from: the real terminal, or a script in
    tests. Messages go to ``err``, data for scripts to ``out``."""

    def __init__(self, *, interactive=None, out=None, err=None):
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        if interactive is None:
            interactive = bool(getattr(sys.stdin, "isatty", lambda: False)())
        self.interactive = interactive

    def say(self, text=""):
        self.err.write(text + "\n")
        self.err.flush()

    def print(self, text):
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def ask(self, prompt, default=None) -> str:
        shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
        self.err.write(shown)
        self.err.flush()
        # Bounded: a pasted address is a few hundred characters.
        answer = sys.stdin.readline(MAX_ANSWER)
        if not answer:
            raise EOFError
        answer = answer.rstrip("\r\n")
        return answer if answer.strip() or default is None else default

    def ask_secret(self, prompt) -> str:
        return getpass.getpass(prompt + ": ", stream=self.err)

    def confirm(self, prompt) -> bool:
        return self.ask(prompt + " [y/N]").strip().lower() in ("y", "yes")


def say_findings(terminal, findings, color):
    """The findings, rendered as the check renders them, on the terminal's message stream."""
    terminal.say(render_findings(findings, color=color).rstrip("\n"))


def usage(args, message):
    """A usage error: argparse's message and exit status 2."""
    args._parser.error(message)


# --------------------------------------------------------------------------- shared options


def add_store_arguments(parser, *, account_help):
    parser.add_argument("--account", type=account_name, metavar="NAME", help=account_help)
    parser.add_argument(
        "--store",
        choices=STORE_KINDS,
        help="where to store the credentials: credentials.yml (file), an AWS Secrets Manager "
        "secret, an env file, or export lines printed on standard output",
    )
    parser.add_argument(
        "--config-file",
        metavar="PATH",
        help="with --store file: the credentials.yml to write (default: where "
        "python-amazon-sp-api reads it, PYTHON-SP-APIDIR honoured)",
    )
    add_secret_id(parser)
    parser.add_argument(
        "--env-file",
        metavar="PATH",
        help="with --store env-file: the file to write (default: sp-api.env)",
    )
    parser.add_argument(
        "--yes", action="store_true", help="ask nothing (replacing an account still needs --force)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an account that holds other values (and write over an env file "
        "spapi-doctor did not write); a backup is kept",
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="skip the online check (LWA, region, roles)"
    )
    add_timeout(parser)
    add_color(parser)


def add_arguments(parser) -> None:
    """The options of ``spapi-doctor init``."""
    parser.add_argument(
        "--from-env",
        action="store_true",
        help="take the values from LWA_APP_ID, LWA_CLIENT_SECRET and SP_API_REFRESH_TOKEN "
        "(each first with the _<account> suffix) instead of asking",
    )
    add_store_arguments(
        parser, account_help="the account name to store them under (default: default)"
    )


def color_wanted(args, stream) -> bool:
    choice = getattr(args, "color", "auto")
    return {"always": True, "never": False}.get(choice, wants_color(stream))


# --------------------------------------------------------------------------- checking values


def format_errors(findings) -> list:
    return [finding for finding in findings if finding.severity == "error"]


def verify_values(credentials: Credentials, *, account="default", timeout=10.0, environ=None):
    """The doctor's check of these values alone, as a code dict, in an environment that
    holds nothing else of the user's (no credential variable, an empty config folder), so
    that no other source colours the verdict."""
    env = os.environ if environ is None else environ
    with tempfile.TemporaryDirectory(prefix="spapi-doctor-verify-") as empty:
        return check(
            account,
            credentials=credentials.to_sp_api_dict(),
            environ=without_credentials(env, empty),
            timeout=timeout,
        )


def values_are_wrong(report) -> bool:
    """Whether the check blames the values themselves: a load or format error, or LWA
    refused them (or could not be asked). What SP-API denies after LWA issued a token is
    never the values' fault."""
    failing = {"load", "format", "lwa"}
    if any(f.severity == "error" and f.stage in failing for f in report.findings):
        return True
    lwa = report.stage("lwa")
    return lwa is None or lwa.status != "ok"


def show_verification(terminal, report, color):
    # The load stage would only say "the code dict": the values were checked on their own.
    stages = [stage for stage in report.stages if stage.name != "load"]
    terminal.say(render_stages(stages, color=color).rstrip("\n"))
    if report.findings:
        say_findings(terminal, report.findings, color)


# --------------------------------------------------------------------------- storing


def open_store_for(args, environ):
    """The store the options name (a usage error for a bad combination)."""
    try:
        store = open_store(
            args.store,
            environ=environ,
            config_path=args.config_file,
            env_file=args.env_file,
            secret_id=args.secret_id,
            force=args.force,
            timeout=args.timeout,
        )
    except ValueError as error:
        usage(args, str(error))
    check_account_fits_store(args)
    return store


def check_account_fits_store(args):
    """A usage error when the env-file and export stores, which put the account name into
    variable names, are given one that cannot be part of a name. Called again once the
    account is known, when it comes after the store (asked, or the redirect's partner)."""
    if args.store in ("env-file", "export") and args.account:
        try:
            env_names(args.account)
        except ValueError as error:
            usage(args, str(error))


def require_store_unless_asked(terminal, args):
    """A usage error when no store is named and none can be asked for."""
    if not terminal.interactive and not args.store:
        usage(args, f"--store is needed when nothing can be asked ({', '.join(STORE_KINDS)})")


def choose_store(terminal, args, environ):
    """Ask where to store (interactive, without --store)."""
    directory, _problem = config_directory(environ)
    options = [
        ("file", f"credentials.yml, where python-amazon-sp-api reads it ({directory})"),
        ("secrets-manager", "an AWS Secrets Manager secret (SP_API_AWS_SECRET_ID)"),
        ("env-file", "an env file (NAME=value lines for `set -a; . FILE`)"),
        ("export", "print export lines here (they show the secrets)"),
    ]
    terminal.say("Where should the credentials go?")
    for number, (_kind, text) in enumerate(options, 1):
        terminal.say(f"  {number}. {text}")
    for _ in range(ATTEMPTS):
        answer = terminal.ask("Choose 1-4", default="1").strip()
        if answer in ("1", "2", "3", "4"):
            args.store = options[int(answer) - 1][0]
            break
        terminal.say("  Please answer 1, 2, 3 or 4.")
    else:
        return None
    if args.store == "secrets-manager" and not args.secret_id:
        args.secret_id = terminal.ask(
            "Secret name", default=environ.get(SECRET_ID_VARIABLE) or None
        ).strip()
    if args.store == "env-file" and not args.env_file:
        args.env_file = terminal.ask("File", default="sp-api.env").strip()
    return open_store_for(args, environ)


def store_values(terminal, args, store, account, credentials, *, replace_note=None):
    """Store; asks before replacing on a terminal (unless --yes). Returns the
    :class:`StoreResult`, or None when the user declined; raises StoreError."""
    updates = {account: lwa_values(credentials)}
    replace = args.force
    if not replace and terminal.interactive and not args.yes:
        changes = store.plan(updates)
        replacing = [change for change in changes if change.replaces]
        if replacing:
            terminal.say(f"{store.location} already has account {account!r} with other values:")
            for change in replacing:
                for line in change.lines():
                    terminal.say(f"  {line}")
            if replace_note:
                terminal.say(replace_note)
            if not terminal.confirm("Replace them?"):
                terminal.say("Nothing was written.")
                return None
            replace = True
    return store.update(updates, replace=replace)


def library_reads(account, result, environ):
    """A warning when python-amazon-sp-api would not read what was just stored, because a
    source above it holds this account (no network, except the Secrets Manager read the
    library would make)."""
    if result.kind not in ("file", "secrets-manager"):
        return None
    if result.kind == "secrets-manager" and not environ.get(SECRET_ID_VARIABLE):
        return None  # the store's note says to set it
    used = resolve_credentials(account, environ=environ).used
    expected = CONFIG_FILE if result.kind == "file" else SECRETS_MANAGER
    same_place = used is not None and (
        result.kind == "secrets-manager"
        or os.path.realpath(used.location or "") == os.path.realpath(result.location)
    )
    if used is not None and used.name == expected and same_place:
        return None
    if used is None:
        where = "no source (run spapi-doctor check --offline --account NAME to see why)"
    else:
        where = f"the {used.label}" + (f" ({used.location})" if used.location else "")
    same = ""
    stored = {key: new for change in result.changes for key, (_old, new) in change.fields.items()}
    if used is not None and all(used.values.get(key) == value for key, value in stored.items()):
        same = " It holds the same values, so nothing breaks now; the stored ones take over once it no longer does."
    return entry("stored-account-shadowed").finding(
        f"For account {account!r} python-amazon-sp-api takes its credentials from {where}, not "
        f"from {result.location}.{same}",
    )


def report_stored(terminal, result):
    if not result.written:
        terminal.say(f"✓ Nothing to write: {result.summary()}")
    else:
        terminal.say(f"✓ Stored: {result.summary()}")
    if result.text is not None:
        terminal.print(result.text)


# --------------------------------------------------------------------------- init


def _from_env(args, environ):
    values = {}
    missing = []
    for key in LWA_KEYS:
        name = field_spec(key).env
        for candidate in (f"{name}_{args.account}", name):
            if candidate in environ:
                values[key] = environ[candidate]
                break
        else:
            missing.append(name)
    if missing:
        usage(args, "--from-env: " + ", ".join(missing) + " not set")
    return Credentials(**values)


def _ask_values(terminal, color):
    values = {}
    for key in ("lwa_app_id", "lwa_client_secret", "refresh_token"):
        for attempt in range(ATTEMPTS):
            value = terminal.ask_secret(PROMPTS[key])
            findings = check_formats(Credentials(**{key: value}))
            errors = format_errors(findings)
            if findings:
                say_findings(terminal, findings, color)
            if not errors:
                terminal.say(f"  ✓ {display(key, value)}")
                values[key] = value
                break
            if attempt + 1 < ATTEMPTS:
                terminal.say("  Please paste it again.")
        else:
            terminal.say(f"{key} was refused {ATTEMPTS} times; nothing was written.")
            return None
    return Credentials(**values)


def run(args, *, terminal=None, environ=None) -> int:
    """``spapi-doctor init``; returns the exit status."""
    env = os.environ if environ is None else environ
    terminal = terminal or Terminal()
    color = color_wanted(args, terminal.err)
    if not args.from_env and not terminal.interactive:
        usage(args, "standard input is not a terminal: pass --from-env (and --store, --yes)")
    require_store_unless_asked(terminal, args)
    store = open_store_for(args, env) if args.store else None
    try:
        if args.from_env:
            args.account = args.account or "default"
            credentials = _from_env(args, env)
        else:
            terminal.say(
                "spapi-doctor init: your app's three LWA credentials, stored where your library "
                "reads them.\nEach value is read without echo and checked as soon as it is given."
            )
            credentials = _ask_values(terminal, color)
            if credentials is None:
                return EXIT_PROBLEM
            if not args.account:
                args.account = terminal.ask("Account name", default="default").strip()
        check_account_fits_store(args)
        errors = format_errors(check_formats(credentials))
        if errors:
            say_findings(terminal, errors, color)
            terminal.say("✗ A value is wrong: nothing was written.")
            return EXIT_PROBLEM
        if not args.no_verify:
            terminal.say("Checking them with Login with Amazon and the SP-API…")
            report = verify_values(
                credentials, account=args.account, timeout=args.timeout, environ=env
            )
            show_verification(terminal, report, color)
            if values_are_wrong(report):
                terminal.say(
                    f"✗ {report.verdict} So nothing was written"
                    + (
                        " (--no-verify stores without this check)."
                        if report.stage("lwa") is not None
                        and report.stage("lwa").status != "failed"
                        else "."
                    )
                )
                return EXIT_PROBLEM
        if store is None:
            store = choose_store(terminal, args, env)
            if store is None:
                terminal.say("No store chosen; nothing was written.")
                return EXIT_PROBLEM
        result = store_values(terminal, args, store, args.account, credentials)
        if result is None:
            return EXIT_PROBLEM
    except StoreError as error:
        say_findings(terminal, error.findings, color)
        return EXIT_PROBLEM
    except (EOFError, KeyboardInterrupt):
        terminal.say("\nStopped; nothing was written.")
        return EXIT_PROBLEM
    report_stored(terminal, result)
    shadowed = library_reads(args.account, result, env)
    if shadowed is not None:
        say_findings(terminal, [shadowed], color)
    return EXIT_OK
