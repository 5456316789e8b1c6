"""``spapi-doctor mock``: run the mock Amazon in the foreground and print its environment.

Standard output is shell-sourceable: ``KEY=value`` lines (values quoted for the shell
where needed) and ``#`` comments. The values are the real sample values: they are
public fake constants, and ``source`` needs them whole. ``--env-file`` writes the same
lines to a file whose first line marks it as the mock's, and refuses to overwrite any
file without that mark. The mock runs until SIGINT (Ctrl-C) or SIGTERM, then stops
cleanly and the command returns 0.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import sys
import tempfile
import threading
from pathlib import Path

__all__ = ["ENV_FILE_MARKER", "add_arguments", "run"]

ENV_FILE_MARKER = "# Written by spapi-doctor mock (mock Amazon); it may overwrite this file."
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


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
        help="delay every answer by N milliseconds",
    )
    parser.add_argument(
        "--env-file",
        metavar="PATH",
        help="also write the environment to PATH (for `source` in another shell)",
    )


def _lines(amazon) -> list:
    scenario = amazon.scenario
    lines = [f"# mock Amazon, scenario {scenario.name}: {scenario.title}"]
    if amazon.aws_unavailable:
        lines.append(f"# AWS part (STS, Secrets Manager) unavailable: {amazon.aws_unavailable}")
    lines += [f"{key}={shlex.quote(value)}" for key, value in amazon.env.items()]
    return lines


def _check_env_file(path: Path) -> str | None:
    """Why ``path`` must not be written, or None."""
    if path.is_dir():
        return f"{path} is a directory"
    if not path.exists():
        return None if path.parent.is_dir() else f"the folder {path.parent} does not exist"
    try:
        with path.open(encoding="utf-8", errors="replace") as existing:
            first_line = existing.readline().rstrip("\n")
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror})"
    if first_line != ENV_FILE_MARKER:
        return (
            f"{path} exists and was not written by the mock; it was left untouched. "
            "Choose another --env-file, or remove the file yourself"
        )
    return None


def _write_env_file(path: Path, lines) -> None:
    # Written beside the target and renamed over it, so a failure never leaves half a file.
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join([ENV_FILE_MARKER, *lines]) + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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


def run(args) -> int:
    """Run the mock until SIGINT or SIGTERM; returns the exit status. Call it from the
    main thread (it installs signal handlers)."""
    from . import MockAmazon, MockAmazonError, UnknownScenarioError
    from ._scenarios import SCENARIOS

    if args.list:
        width = max(len(name) for name in SCENARIOS)
        for name, item in SCENARIOS.items():
            print(f"{name:<{width}}  {item.title}")
        return EXIT_OK
    if args.latency_ms < 0:
        print("spapi-doctor mock: --latency-ms must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    env_file = Path(args.env_file) if args.env_file else None
    if env_file is not None:
        problem = _check_env_file(env_file)
        if problem:
            print(f"spapi-doctor mock: not writing the environment: {problem}.", file=sys.stderr)
            return EXIT_FAILED
    try:
        # Every service, STS and Secrets Manager included, whatever the scenario: the user
        # experiments with their own code. Without moto, a scenario that does not need AWS
        # still runs (the output says so); one that needs it stops with the reason.
        amazon = MockAmazon(args.scenario, latency_ms=args.latency_ms, aws=True)
    except UnknownScenarioError as exc:
        print(f"spapi-doctor mock: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    with _stop_on_signals() as stop:
        try:
            amazon.start()
        except MockAmazonError as exc:
            print(f"spapi-doctor mock: {exc}", file=sys.stderr)
            return EXIT_FAILED
        except OSError as exc:  # no free loopback port, no loopback at all...
            print(f"spapi-doctor mock: cannot start the mock: {exc}", file=sys.stderr)
            return EXIT_FAILED
        try:
            lines = _lines(amazon)
            if env_file is not None:
                try:
                    _write_env_file(env_file, lines)
                except OSError as exc:
                    print(
                        f"spapi-doctor mock: cannot write {env_file}: {exc.strerror}",
                        file=sys.stderr,
                    )
                    return EXIT_FAILED
            print("\n".join(lines))
            source = shlex.quote(str(env_file)) if env_file else "FILE"
            print(f"# In another terminal: set -a; source {source}; set +a")
            if env_file is None:
                print("# (save these lines to FILE first, or run again with --env-file FILE)")
            print("# The mock runs until Ctrl-C.", flush=True)
            # A timeout keeps the main thread responsive to signals on every platform.
            while not stop.wait(0.5):
                pass
        finally:
            amazon.stop()
    print("# mock Amazon stopped.", flush=True)
    return EXIT_OK
