"""``spapi-doctor mock``: run the mock Amazon in the foreground and print its environment.

Standard output is shell-sourceable: ``KEY=value`` lines (values quoted for the shell
where needed) and ``#`` comments. The values are the real sample values: they are
public fake constants, and ``source`` needs them whole. The mock runs until SIGINT
(Ctrl-C) or SIGTERM, then stops cleanly and the command returns 0.

``--env-file PATH`` writes the same lines to a file whose first line marks it as the
mock's. The mock replaces only such a file, and only a regular one: before anything is
started, the path is examined without following a link and without blocking (a FIFO
is never opened for reading, a device never read), and at most the marker's length of
its first line is read. A path that cannot name a file of the mock's is a usage error
(exit 2): an empty or too long name, a missing or read-only folder, a folder, a FIFO, a
socket, a device. A file the mock must not replace is refused (exit 1): a symbolic link
(even a dangling one: the mock never writes links), a read-only file, a file without
the marker. Either way the message names the problem, and nothing is changed. The file
is written to a temporary file beside it (mode 0600) and renamed over it, so it is
never half written.

Standard output that cannot be written (closed, a full disk, a reader that went away)
is an I/O error, never a traceback: without ``--env-file`` the environment reached
nobody, so the mock stops and the command returns 4; with it, the file holds the
environment, and the mock says so on standard error and keeps running.

Exit status: 0 once stopped by a signal (or after ``--list``); 1 when the mock cannot
start or must not write the env file (or the accounts file of ``--sellers``); 2 for a
usage error; 4 when it cannot hand over its environment (or print ``--list``).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import stat
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ENV_FILE_MARKER", "MAX_LATENCY_MS", "OptionProblem", "add_arguments", "run"]

ENV_FILE_MARKER = "# Written by spapi-doctor mock (mock Amazon); it may overwrite this file."
# The first line of the accounts file of --sellers (a credentials.yml of the mock's fleet).
ACCOUNTS_FILE_MARKER = (
    "# Written by spapi-doctor mock (a fleet of mock sellers); it may overwrite this file."
)
# Ten minutes: the longest --timeout `spapi-doctor check` accepts. A longer delay only
# makes every client time out; a huge one overflowed the wait inside the mock.
MAX_LATENCY_MS = 600_000
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
# Standard output closed or full: the same status as spapi-doctor's own (see _cli.py).
EXIT_OUTPUT = 4
# What an env file of the mock starts with; nothing more of a file is ever read.
_MARKER_LINE = (ENV_FILE_MARKER + "\n").encode()
# Opening for the marker: never through a link, never waiting on a FIFO's writer, never
# making a terminal the controlling one. (Flags a platform lacks count as 0.)
_OPEN_FOR_MARKER = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def add_arguments(parser) -> None:
    """Add the mock's options to an argparse parser."""
    parser.add_argument(
        "--scenario",
        metavar="NAME",
        default="happy",
        help="the scenario to serve (default: happy; --list shows them all)",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument(
        "--latency-ms",
        metavar="N",
        type=int,
        default=0,
        help=f"delay every answer by N milliseconds (0 to {MAX_LATENCY_MS})",
    )
    parser.add_argument(
        "--env-file",
        metavar="PATH",
        help="also write the environment to PATH (for `source` in another shell); "
        "only a file the mock wrote before is ever replaced",
    )
    fleet = parser.add_argument_group(
        "a fleet of sellers",
        "For spapi-doctor check --all-accounts: N sellers across NA, EU and FE, the main app "
        "authorised on each, K of them with a seller-level fault (revoked, no roles, a token of "
        "another app), written to a credentials.yml.",
    )
    fleet.add_argument("--sellers", metavar="N", type=int, help="how many sellers (1 to 100000)")
    fleet.add_argument(
        "--broken",
        metavar="K",
        type=int,
        default=0,
        help="how many of them have a seller-level fault (default: 0)",
    )
    fleet.add_argument(
        "--accounts-file",
        metavar="PATH",
        help="with --sellers: where to write their credentials.yml (only a file the mock "
        "wrote before is ever replaced)",
    )


def _lines(amazon) -> list:
    scenario = amazon.scenario
    lines = [f"# mock Amazon, scenario {scenario.name}: {scenario.title}"]
    if amazon.aws_unavailable:
        lines.append(f"# AWS part (STS, Secrets Manager) unavailable: {amazon.aws_unavailable}")
    lines += [f"{key}={shlex.quote(value)}" for key, value in amazon.env.items()]
    return lines


# ---------------------------------------------------------------------- --env-file
def _shown(path) -> str:
    """A path as messages show it: escaped when it holds control characters."""
    text = str(path)
    return text if text.isprintable() else repr(text)


@dataclass(frozen=True)
class OptionProblem:
    """What is wrong with an option's value (a --env-file path the mock does not write
    to, a --latency-ms out of bounds), and the exit status that says which kind of
    problem it is (see the module docstring)."""

    text: str
    exit_status: int


def _unusable(text: str) -> OptionProblem:
    return OptionProblem(text, EXIT_USAGE)


def _refused(text: str) -> OptionProblem:
    return OptionProblem(
        # The caller's message names the option (--env-file or --accounts-file).
        f"{text}; it was left untouched. Choose another file, or remove this one yourself",
        EXIT_FAILED,
    )


def _folder_problem(folder: Path) -> OptionProblem | None:
    try:
        status = os.stat(folder)
    except OSError:
        return _unusable(f"the folder {_shown(folder)} does not exist")
    if not stat.S_ISDIR(status.st_mode):
        return _unusable(f"{_shown(folder)} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        return _unusable(f"the folder {_shown(folder)} is not writable")
    return None


def _marker_problem(path: Path, marker_line: bytes = _MARKER_LINE) -> OptionProblem | None:
    """Whether the regular file at ``path`` starts with the mock's marker."""
    try:
        handle = os.open(path, _OPEN_FOR_MARKER)
    except OSError as exc:  # replaced by a link or removed since lstat(), unreadable...
        return _refused(f"{_shown(path)} cannot be read ({exc.strerror})")
    try:
        # Examined again on the open file: it may have been swapped since lstat().
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return _unusable(f"{_shown(path)} is not a regular file")
        head = os.read(handle, len(marker_line))
    except OSError as exc:
        return _refused(f"{_shown(path)} cannot be read ({exc.strerror})")
    finally:
        os.close(handle)
    if head != marker_line:
        return _refused(f"{_shown(path)} exists and was not written by the mock")
    return None


def env_file_problem(path: Path, marker: str = ENV_FILE_MARKER) -> OptionProblem | None:
    """Why the mock must not write its environment to ``path`` (or, with the accounts
    file's ``marker``, its fleet's accounts), or None. Never follows a link, never blocks,
    reads at most the marker's length (see the module docstring)."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return _folder_problem(path.parent)
    except OSError as exc:  # a name too long, a file where a folder should be, a loop...
        return _unusable(f"{_shown(path)} cannot be used ({exc.strerror})")
    mode = status.st_mode
    if stat.S_ISLNK(mode):
        return _refused(
            f"{_shown(path)} is a symbolic link, and the mock writes only a regular file "
            "of its own, never over or through a link"
        )
    if stat.S_ISDIR(mode):
        return _unusable(f"{_shown(path)} is a folder")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
        return _unusable(f"{_shown(path)} is {kind}; the mock writes only a regular file")
    if not mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        return _refused(f"{_shown(path)} is read-only")
    return _marker_problem(path, (marker + "\n").encode()) or _folder_problem(path.parent)


class _EnvFileRefused(Exception):
    """The env file cannot be written; ``problem`` says why."""

    def __init__(self, problem: OptionProblem):
        super().__init__(problem.text)
        self.problem = problem


def _write_env_file(path: Path, lines, marker: str = ENV_FILE_MARKER) -> None:
    """Replace ``path`` atomically with the lines, mode 0600. :class:`_EnvFileRefused`
    if the path became unfit while the mock started; OSError if writing fails."""
    problem = env_file_problem(path, marker)
    if problem:
        raise _EnvFileRefused(problem)
    # Written beside the target (a short name: the target's may be near the limit) and
    # renamed over it, so a failure never leaves half a file. mkstemp makes it 0600.
    handle, temporary = tempfile.mkstemp(prefix=".spapi-mock-env.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join([marker, *lines]) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------- output
def _error(text: str) -> None:
    """A line on standard error, if there is one to write to."""
    stream = sys.stderr
    if stream is None:
        return
    # Nothing is left to tell the user with when standard error fails too.
    with contextlib.suppress(OSError, ValueError):
        stream.write(f"spapi-doctor mock: {text}\n")
        stream.flush()


class _Output:
    """Standard output that records its first failure instead of raising it."""

    def __init__(self) -> None:
        self.failure: OSError | None = None

    def print(self, text: str) -> bool:
        """Write ``text`` and a newline, flushed; False once writing has failed."""
        if self.failure is not None:
            return False
        try:
            stream = sys.stdout
            if stream is None:  # started with standard output closed
                raise OSError("standard output is closed")
            stream.write(text + "\n")
            stream.flush()
        except (OSError, ValueError) as exc:  # ValueError: a closed stream object
            self.failure = exc if isinstance(exc, OSError) else OSError(str(exc))
            _discard_stdout()
            return False
        return True

    @property
    def reason(self) -> str:
        failure = self.failure
        return (failure.strerror or str(failure)) if failure else ""


def _discard_stdout() -> None:
    """Point standard output at the null device, so that what is still buffered does not
    fail again (with "Exception ignored") when the interpreter exits."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)


@contextlib.contextmanager
def _stop_on_signals():
    """An event set by SIGINT or SIGTERM while the block runs (main thread only)."""
    stop = threading.Event()

    def request_stop(signum, frame):
        stop.set()

    previous = {
        signum: signal.signal(signum, request_stop) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _list(output: _Output) -> int:
    from ._scenarios import SCENARIOS

    width = max(len(name) for name in SCENARIOS)
    for name, item in SCENARIOS.items():
        if not output.print(f"{name:<{width}}  {item.title}"):
            break
    if output.failure is None or isinstance(output.failure, BrokenPipeError):
        # A reader that stopped early (`| head`) had what it wanted.
        return EXIT_OK
    _error(f"cannot write the list to standard output ({output.reason}).")
    return EXIT_OUTPUT


def _options_problem(args) -> OptionProblem | None:
    """What is wrong with the options, before anything starts."""
    if not 0 <= args.latency_ms <= MAX_LATENCY_MS:
        return _unusable(f"--latency-ms must be between 0 and {MAX_LATENCY_MS} (ten minutes)")
    if args.env_file is not None:
        if not args.env_file:
            return _unusable("--env-file needs a file name")
        problem = env_file_problem(Path(args.env_file))
        if problem:
            return OptionProblem(
                f"not writing the environment to --env-file: {problem.text}", problem.exit_status
            )
    return _fleet_problem(args)


def _fleet_problem(args) -> OptionProblem | None:
    from ._fleet import MAX_SELLERS

    if args.sellers is None:
        if args.accounts_file is not None or args.broken:
            return _unusable("--accounts-file and --broken go with --sellers N")
        return None
    if not 1 <= args.sellers <= MAX_SELLERS:
        return _unusable(f"--sellers must be between 1 and {MAX_SELLERS}")
    if not 0 <= args.broken <= args.sellers:
        return _unusable(f"--broken must be between 0 and --sellers ({args.sellers})")
    if not args.accounts_file:
        return _unusable("--sellers needs --accounts-file PATH, where their accounts go")
    if args.env_file and Path(args.env_file) == Path(args.accounts_file):
        return _unusable("--accounts-file and --env-file must be two files")
    problem = env_file_problem(Path(args.accounts_file), ACCOUNTS_FILE_MARKER)
    if problem:
        return OptionProblem(
            f"not writing the accounts to --accounts-file: {problem.text}", problem.exit_status
        )
    return None


def run(args) -> int:
    """Run the mock until SIGINT or SIGTERM; returns the exit status. Call it from the
    main thread (it installs signal handlers)."""
    output = _Output()
    if args.list:
        return _list(output)  # the list needs the scenarios only, not the servers
    from . import MockAmazon, MockAmazonError, UnknownScenarioError

    problem = _options_problem(args)
    if problem:
        _error(problem.text + ".")
        return problem.exit_status
    env_file = Path(args.env_file) if args.env_file else None
    try:
        # Every service, STS and Secrets Manager included, whatever the scenario: the user
        # experiments with their own code. Without moto, a scenario that does not need AWS
        # still runs (the output says so); one that needs it stops with the reason.
        amazon = MockAmazon(args.scenario, latency_ms=args.latency_ms, aws=True)
    except UnknownScenarioError as exc:
        _error(exc.args[0])
        return EXIT_USAGE
    with _stop_on_signals() as stop:
        try:
            amazon.start()
        except MockAmazonError as exc:
            _error(str(exc))
            return EXIT_FAILED
        except OSError as exc:  # no free loopback port, no loopback at all...
            _error(f"cannot start the mock: {exc}.")
            return EXIT_FAILED
        if args.sellers is not None:
            status = _write_fleet(amazon, args)
            if status is not None:
                amazon.stop()
                return status
        try:
            status = _hand_over(amazon, env_file, output)
            if status is not None:
                return status
            # A timeout keeps the main thread responsive to signals on every platform.
            while not stop.wait(0.5):
                pass
        finally:
            amazon.stop()
    output.print("# mock Amazon stopped.")
    return EXIT_OK


def _write_fleet(amazon, args) -> int | None:
    """Stand up the fleet and write its accounts file; an exit status when it cannot."""
    from ._fleet import accounts_file_text

    accounts = amazon.stand_up_fleet(args.sellers, args.broken)
    # _write_env_file puts the marker line first itself: the text's lines after it.
    lines = accounts_file_text(accounts, ACCOUNTS_FILE_MARKER).split("\n")[1:-1]
    path = Path(args.accounts_file)
    try:
        _write_env_file(path, lines, ACCOUNTS_FILE_MARKER)
    except _EnvFileRefused as exc:
        _error(f"not writing the accounts to --accounts-file: {exc}.")
        return exc.problem.exit_status
    except OSError as exc:
        _error(f"cannot write {_shown(path)}: {exc.strerror or exc}.")
        return EXIT_FAILED
    broken = sum(account.fault is not None for account in accounts)
    _error(
        f"{len(accounts)} mock sellers ({broken} with a seller-level fault) written to "
        f"{_shown(path)}: spapi-doctor check --all-accounts --accounts-file {_shown(path)}"
    )
    return None


def _hand_over(amazon, env_file: Path | None, output: _Output) -> int | None:
    """Write the environment to the env file and standard output; an exit status when
    the mock must stop instead of running (see the module docstring)."""
    lines = _lines(amazon)
    if env_file is not None:
        try:
            _write_env_file(env_file, lines)
        except _EnvFileRefused as exc:
            _error(f"not writing the environment to --env-file: {exc}.")
            return exc.problem.exit_status
        except OSError as exc:
            _error(f"cannot write {_shown(env_file)}: {exc.strerror or exc}.")
            return EXIT_FAILED
    shown = _shown(env_file) if env_file else "FILE"
    source = shlex.quote(shown) if env_file and shown == str(env_file) else shown
    for line in (
        *lines,
        f"# In another terminal: set -a; source {source}; set +a",
        *(
            ()
            if env_file
            else ("# (save these lines to FILE first, or run again with --env-file FILE)",)
        ),
        "# The mock runs until Ctrl-C.",
    ):
        if not output.print(line):
            break
    if output.failure is None:
        return None
    if env_file is None:
        _error(
            f"cannot write the environment to standard output ({output.reason}); the mock "
            "stopped. Run it with --env-file FILE to have the environment in a file instead."
        )
        return EXIT_OUTPUT
    _error(
        f"cannot write to standard output ({output.reason}); the environment is in "
        f"{_shown(env_file)} only. The mock runs until Ctrl-C."
    )
    return None
