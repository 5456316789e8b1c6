"""``credentials.yml``: where python-amazon-sp-api looks for it, and what it finds there.

python-amazon-sp-api reads the file through confuse: the folder is ``PYTHON-SP-APIDIR``
when set, else the platform's config folder (confuse's candidates, emulated here without
importing confuse), and confuse reads the user's ``config.yaml`` in the same folder first.
The YAML is parsed as confuse parses it (SafeLoader; a plain scalar may start with ``%``),
keeping each key's line and the keys given twice, so that findings can point at a line.

Files are read boundedly (:func:`~spapi_docs_helpers._files.read_regular_file`): only a
regular file, at most :data:`MAX_CONFIG_BYTES`; a pipe, a device, a directory or a huge
file is a finding naming the path. Keys and account names are shown through
:func:`~spapi_docs_helpers._near_miss.shown_key` (a secret pasted as a key, or a line of the
file a symlink points at, is masked) and listed only up to a count.
"""

from __future__ import annotations

import os
import sys

from ._catalogue import entry
from ._credentials import FIELD_KEYS
from ._files import FileProblem, read_regular_file
from ._near_miss import MAX_LISTED, shown_key, shown_keys, suggest_key, unknown_keys

SOURCE = "config-file"
CONFIG_DIR_VARIABLE = "PYTHON-SP-APIDIR"
APP_NAME = "python-sp-api"
CONFIG_FILENAME = "credentials.yml"
# confuse also reads the user's config.yaml from the same folder, behind credentials.yml.
CONFUSE_USER_FILENAME = "config.yaml"
# A credentials file holds about 600 bytes per account (the refresh token is most of it), so
# this holds some 400 accounts. Pure-Python YAML (confuse's loader, which the C one cannot
# replace: it accepts plain scalars starting with %) parses a few hundred kilobytes a
# second, so the bound keeps the worst file to about a second, and /dev/zero out.
MAX_CONFIG_BYTES = 256 * 1024
_TOP_LEVEL_KEYS = ("version",)


# --------------------------------------------------------------------------- the folder


def _home(env) -> str:
    return env.get("HOME") or env.get("USERPROFILE") or os.path.expanduser("~")


def _absolute(path: str) -> str:
    try:
        return os.path.abspath(path)
    except OSError:  # the working directory was deleted: a relative path stays relative
        return os.path.normpath(path)


def _expand(path: str, env) -> str:
    if path == "~" or path.startswith(("~/", "~\\")):
        path = _home(env) + path[1:]
    return _absolute(path)


def _platform_config_dirs(env, system) -> list:
    """confuse's candidates (``confuse.util.config_dirs``), highest priority first."""
    xdg = []
    if "XDG_CONFIG_HOME" in env:
        xdg.append(env["XDG_CONFIG_HOME"])
    xdg.extend(env["XDG_CONFIG_DIRS"].split(":") if "XDG_CONFIG_DIRS" in env else ["/etc/xdg"])
    xdg.append("/etc")
    if system == "Darwin":
        paths = ["~/.config", "~/Library/Application Support", *xdg]
    elif system == "Windows":
        paths = ["~\\AppData\\Roaming"]
        if "APPDATA" in env:
            paths.append(env["APPDATA"])
    else:
        paths = ["~/.config", *xdg]
    out = []
    for path in paths:
        expanded = _expand(path, env)
        if expanded not in out:
            out.append(expanded)
    return out


def config_directory(env, system=None):
    """``(directory, problem)``: where python-amazon-sp-api looks for credentials.yml."""
    if system is None:
        # confuse asks platform.system(); sys.platform says the same without the import.
        system = {"darwin": "Darwin", "win32": "Windows"}.get(sys.platform, "Linux")
    if CONFIG_DIR_VARIABLE in env:
        path = _expand(env[CONFIG_DIR_VARIABLE], env)
        if os.path.isfile(path):
            return path, (
                f"{CONFIG_DIR_VARIABLE}={env[CONFIG_DIR_VARIABLE]!r} names a file; "
                "it must name the folder that holds credentials.yml "
                "(python-amazon-sp-api stops with ConfigError)"
            )
        return path, None
    candidates = _platform_config_dirs(env, system)
    for folder in candidates:
        appdir = os.path.join(folder, APP_NAME)
        if os.path.isfile(os.path.join(appdir, CONFUSE_USER_FILENAME)):
            return appdir, None
    return os.path.join(candidates[0], APP_NAME), None


# --------------------------------------------------------------------------- YAML


class _Mapping(dict):
    """A YAML mapping that remembers each key's line and spelling, and the keys given twice.

    ``duplicates`` holds ``(key, line, spelled, first_spelled)``: YAML reads ``yes`` as True
    and ``1`` as 1, which Python takes for the same key, so the spellings are kept to say so.
    """

    __slots__ = ("duplicates", "lines", "spellings")

    def __init__(self):
        super().__init__()
        self.lines = {}
        self.spellings = {}
        self.duplicates = []


def _loader_class():
    import yaml

    class Loader(yaml.SafeLoader):
        """confuse's SafeLoader (plain scalars may start with %), keeping lines."""

        def check_plain(self):
            return super().check_plain() or self.peek() == "%"

        def construct_object(self, node, deep=False):
            try:
                return super().construct_object(node, deep=deep)
            except yaml.YAMLError:
                raise
            except (ValueError, TypeError, OverflowError) as error:
                # int() past Python's 4300-digit limit, a date like 9999-99-99...: name the
                # line and the cause instead of the bare exception type.
                kind = node.tag.rsplit(":", 1)[-1]
                raise yaml.constructor.ConstructorError(
                    None, None, f"the {kind} value cannot be read ({error})", node.start_mark
                ) from None

        def construct_mapping(self, node, deep=False, mapping=None):
            self.flatten_mapping(node)
            mapping = _Mapping() if mapping is None else mapping
            lines, spellings, duplicates = mapping.lines, mapping.spellings, mapping.duplicates
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    hash(key)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        "found an unhashable key",
                        key_node.start_mark,
                    ) from None
                line = key_node.start_mark.line + 1
                spelled = key_node.value if isinstance(key_node.value, str) else str(key)
                if key in mapping:
                    duplicates.append((key, line, spelled, spellings.get(key, spelled)))
                else:
                    spellings[key] = spelled
                mapping[key] = self.construct_object(value_node, deep=deep)
                lines[key] = line
            return mapping

        def construct_yaml_map(self, node):
            data = _Mapping()
            yield data
            self.construct_mapping(node, mapping=data)

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_yaml_map)
    return Loader


def _yaml_load(data: bytes):
    """Parse like confuse does; raises ``ValueError`` with the line and the cause."""
    loader = None
    try:
        # The reader checks the characters of the whole stream as soon as it is made.
        loader = _loader_class()(data)
        return loader.get_single_data()
    except RecursionError:
        line = loader.get_mark().line + 1 if loader is not None else 1
        raise ValueError(
            f"at line {line}: it is nested deeper than the YAML parser can follow"
        ) from None
    except Exception as error:  # yaml.YAMLError and friends: report, never raise
        mark = getattr(error, "problem_mark", None)
        where = f"at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None)
        position = getattr(error, "position", None)
        if problem is None and isinstance(position, int):
            # The reader's own errors (a control character, bytes that are no UTF-8).
            line = data[:position].count(b"\n") + 1 if isinstance(data, bytes) else 1
            where = f"at line {line}"
            character = getattr(error, "character", None)
            problem = f"{getattr(error, 'reason', error)}" + (
                f" (character {character:#x})" if isinstance(character, int) else ""
            )
        problem = problem or f"{type(error).__name__}: {error}"
        raise ValueError(f"{where}: {problem}" if where else str(problem)) from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml_file(path, *, cache=None):
    """``(data, problem_code, message)``; data is None when the file gave nothing.

    ``cache`` (a dict) keeps each path's result: a fleet check parses credentials.yml once
    for all its accounts, and they all see the same snapshot of it. The data is read-only
    to its users."""
    if cache is not None:
        if path not in cache:
            cache[path] = read_yaml_file(path)
        return cache[path]
    try:
        raw = read_regular_file(path, MAX_CONFIG_BYTES)
    except FileProblem as problem:
        if problem.kind == "missing":
            return None, "missing", None
        code = "config-file-too-large" if problem.kind == "too-large" else "config-file-unreadable"
        return None, code, problem.message
    try:
        data = _yaml_load(raw)
    except ValueError as error:
        return None, "config-file-invalid-yaml", f"{path} is not valid YAML {error}"
    return data, None, None


# --------------------------------------------------------------------------- the account


def _unusable(report, findings, code, note, message, *, status="error", **finding_options):
    """End the load of the file: ``report`` gets ``status`` and ``note``, ``findings`` the
    finding of ``code`` saying ``message``."""
    report.status = status
    report.note = note
    findings.append(entry(code).finding(message, source=SOURCE, **finding_options))
    return report


def _capped(findings, code, messages, summary):
    """A finding of ``code`` per message, the first :data:`MAX_LISTED`; then ``summary``
    (of the count left) instead of the rest."""
    for message, options in messages[:MAX_LISTED]:
        findings.append(entry(code).finding(message, source=SOURCE, **options))
    rest = len(messages) - MAX_LISTED
    if rest > 0:
        findings.append(entry(code).finding(summary(rest), source=SOURCE, field=None))


def load_config_file(report, directory, dir_problem, account, findings, *, cache=None):
    """Fill ``report`` (a SourceReport) with what credentials.yml holds for ``account``
    (``cache``: see :func:`read_yaml_file`)."""
    path = os.path.join(directory, CONFIG_FILENAME)
    if dir_problem:
        return _unusable(report, findings, "config-file-unreadable", dir_problem, dir_problem)
    # confuse reads the user's config.yaml in the same folder first, when creating the
    # Configuration: if that file is broken, python-amazon-sp-api never gets as far as
    # credentials.yml (ConfigReadError, swallowed) or stops (TypeError for a non-mapping).
    user_path = os.path.join(directory, CONFUSE_USER_FILENAME)
    user_data = None
    if os.path.isfile(user_path):  # as confuse: anything else is not read at all
        user_data, user_problem, user_message = read_yaml_file(user_path, cache=cache)
        if user_problem not in (None, "missing"):
            return _unusable(
                report,
                findings,
                user_problem,
                user_message,
                f"{user_message}. confuse reads {CONFUSE_USER_FILENAME} before "
                f"{CONFIG_FILENAME}, so python-amazon-sp-api ignores its config file altogether.",
            )
        if user_data is not None and not isinstance(user_data, dict):
            kind = type(user_data).__name__
            return _unusable(
                report,
                findings,
                "source-wrong-shape",
                f"{user_path}: a YAML {kind} at the top, not a mapping",
                f"{user_path} holds a YAML {kind} at the top level, not a mapping "
                "(python-amazon-sp-api stops with TypeError: YAML config must be a mapping).",
            )
    data, problem, message = read_yaml_file(path, cache=cache)
    if problem == "missing":
        report.note = "not found"
        # No credentials.yml: confuse's set_file raises ConfigReadError and
        # python-amazon-sp-api gives up, even when config.yaml holds the account.
        return report
    if problem:
        return _unusable(report, findings, problem, message, message + ".")
    if data is None:
        data = _Mapping()
    if not isinstance(data, dict):
        kind = type(data).__name__
        return _unusable(
            report,
            findings,
            "source-wrong-shape",
            f"a YAML {kind} at the top, not a mapping",
            f"{path} holds a YAML {kind} at the top level, not a mapping of accounts "
            "(python-amazon-sp-api stops with TypeError: YAML config must be a mapping).",
        )
    _capped(
        findings,
        "config-duplicate-key",
        [
            (
                f"{path}: the top-level key {_twice(key, spelled, first)} at line {line}; "
                "only the last one counts.",
                {},
            )
            for key, line, spelled, first in getattr(data, "duplicates", ())
        ],
        lambda rest: f"{path}: {rest} more top-level keys appear twice (not listed one by one).",
    )
    stray = [
        k
        for k in data
        if isinstance(k, str)
        and k not in _TOP_LEVEL_KEYS
        and not isinstance(data[k], dict)
        and suggest_key(k, FIELD_KEYS)
    ]
    if stray:
        findings.append(
            entry("config-keys-at-top-level").finding(
                f"{path}: {shown_keys(stray)} sit at the top level of the file, outside any "
                "account, where python-amazon-sp-api never looks.",
                fix=f"Indent them under `{account}:`.",
                source=SOURCE,
            )
        )
    found_in = path
    if account not in data and isinstance(user_data, dict) and account in user_data:
        # confuse falls back to the user's config.yaml in the same folder.
        found_in = report.location = user_path
        data = user_data
    if account not in data:
        accounts = [k for k in data if k not in _TOP_LEVEL_KEYS]
        close = next((a for a in accounts if str(a).lower() == account.lower()), None)
        hint = (
            f" Did you mean {shown_key(close)}? Account names are case-sensitive."
            if close is not None
            else ""
        )
        listing = shown_keys(accounts) if accounts else "none"
        return _unusable(
            report,
            findings,
            "config-account-missing",
            f"no account {account!r}",
            f"{path} has no account {account!r}; the accounts it has: {listing}.{hint}",
            status="empty",
        )
    account_data = data[account]
    if account_data is None:
        report.status = "empty"
        report.note = f"account {account!r} is empty"
        return report
    if not isinstance(account_data, dict):
        kind = type(account_data).__name__
        return _unusable(
            report,
            findings,
            "source-wrong-shape",
            f"account {account!r} is a {kind}, not a mapping",
            f"{found_in}: the account {account!r} holds a YAML {kind}, not a mapping of "
            "credential keys, so python-amazon-sp-api skips it.",
        )
    lines = getattr(account_data, "lines", {})
    _capped(
        findings,
        "config-duplicate-key",
        [
            (
                f"{found_in}: {_twice(key, spelled, first)} in account {account!r} (at line "
                f"{line}); only the last one counts.",
                {"field": key if key in FIELD_KEYS else None},
            )
            for key, line, spelled, first in getattr(account_data, "duplicates", ())
        ],
        lambda rest: f"{found_in}: {rest} more keys appear twice in account {account!r}.",
    )
    unknown = []
    for key, value in account_data.items():
        if key in FIELD_KEYS:
            report.values[key] = value
            report.origins[key] = f"{account}.{key}" + (
                f" (line {lines[key]})" if key in lines else ""
            )
        else:
            if not isinstance(key, str):
                report.odd_keys.append(key)
            unknown.append((key, lines.get(key)))
    unknown_keys(
        findings, SOURCE, unknown, FIELD_KEYS, where=f"in account {account!r} of {found_in}"
    )
    report.status = "empty" if not report.values else "skipped"
    return report


def _twice(key, spelled, first) -> str:
    """How a repeated key is named: once, or with both spellings when YAML made them equal."""
    if spelled == first:
        return f"{shown_key(spelled)} appears again"
    return (
        f"{shown_key(spelled)} (read as {key!r}) is the same key as {shown_key(first)} to "
        "Python, so it appears again"
    )
