"""Where credentials are written: ``credentials.yml``, AWS Secrets Manager, an env file, or
``export`` lines.

``spapi-doctor init`` and ``spapi-doctor authorize`` write through these stores, and
``rotate`` will update every account of one client identifier through them. Each store
answers the same three questions: which accounts it holds (:meth:`accounts`, with
:meth:`accounts_with_client_id` on top), what an update would change (:meth:`plan`), and
the update itself (:meth:`update`), which takes several accounts at once and writes them
in one step.

The rules every store keeps:

* nothing the user had is lost silently: an account that holds other values is replaced
  only with ``replace=True`` (the CLI's ``--force``, or a confirmation that showed the old
  and the new values masked); every other account, key, comment and line is kept;
* files are written atomically: a temporary file in the same folder, flushed and fsynced,
  then renamed over the old one, so a crash at any moment leaves the old file or the new
  one, never half of either. The previous file is kept as ``<name>.bak``; both are mode
  0600, since they hold secrets;
* what python-amazon-sp-api will read is checked before the rename: the new
  ``credentials.yml`` is parsed as the library parses it (PyYAML, through confuse) and
  must give exactly the values meant, and every other account exactly what it gave before;
* reads are bounded in size, calls in time; failures are :class:`StoreError` findings, and
  no message holds a secret (values are shown masked).

``credentials.yml`` is edited with ruamel.yaml's round-trip mode, which keeps comments,
order and quoting. Secrets Manager holds one account per secret (python-amazon-sp-api
reads one secret, whatever the account), under the JSON keys the library reads. An env
file is a shell file (``set -a; . FILE; set +a``) that spapi-doctor marks as its own on
its first line and never writes over a file without that mark unless told to. The
``export`` store writes nothing: it is the one channel that prints secrets, on purpose,
because the user asked for the lines.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import tempfile
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from ._catalogue import entry
from ._config_file import CONFIG_FILENAME, _yaml_load, config_directory
from ._credentials import (
    LWA_KEYS,
    SECRET_JSON_KEYS,
    Credentials,
    display,
    environment_accounts,
    field_spec,
)
from ._endpoints import endpoints_from_env
from ._errors import StoreError
from ._files import FileProblem, read_regular_file
from ._redaction import redact_text
from ._sources import SECRET_ID_VARIABLE

STORE_KINDS = ("file", "secrets-manager", "env-file", "export")
STORE_LABELS = {
    "file": "credentials.yml",
    "secrets-manager": "AWS Secrets Manager",
    "env-file": "env file",
    "export": "export lines",
}
# A credentials file or env file larger than this is no hand-written file: refused.
MAX_FILE_BYTES = 1 << 20
BACKUP_SUFFIX = ".bak"
FILE_MODE = 0o600
FOLDER_MODE = 0o700
DEFAULT_ENV_FILE = "sp-api.env"
ENV_FILE_MARKER = (
    "# Written by spapi-doctor (SP-API credentials); it may rewrite this file. "
    "Load it with: set -a; . ./FILE; set +a"
)
_ENV_ACCOUNT = re.compile(r"[A-Za-z0-9_]+")


def _store_error(code, message, *, fix=None):
    return StoreError(entry(code).finding(message, fix=fix))


# --------------------------------------------------------------------------- changes


class Change:
    """What an update does to one account: ``status`` is ``new`` (the account is added),
    ``same`` (it already holds these values), ``update`` (only empty or missing fields are
    filled) or ``replace`` (a value differs: needs ``replace=True``). ``fields`` maps each
    field to its ``(old, new)`` values (real values: shown only through :meth:`lines`)."""

    __slots__ = ("account", "fields", "status")

    def __init__(self, account: str, status: str, fields: dict[str, tuple[Any, Any]]) -> None:
        self.account = account
        self.status = status
        self.fields = fields

    @property
    def replaces(self) -> bool:
        return self.status == "replace"

    def lines(self) -> list[str]:
        """One line per field, old and new values masked."""
        out = []
        for key, (old, new) in self.fields.items():
            if old == new:
                out.append(f"{key}: {display(key, new)} (unchanged)")
            elif old is None:
                out.append(f"{key}: {display(key, new)} (new)")
            else:
                out.append(f"{key}: {display(key, old)} → {display(key, new)}")
        return out

    def __repr__(self):
        return f"Change({self.account!r}, {self.status!r})"


def _plan(existing: dict, updates) -> list:
    """The changes ``updates`` ({account: {field: value}}) make to ``existing`` accounts
    ({account: {field: value}}, or a non-mapping value for an account of another shape)."""
    changes = []
    for account, values in updates.items():
        current = existing.get(account, _ABSENT)
        if current is _ABSENT:
            changes.append(Change(account, "new", {k: (None, v) for k, v in values.items()}))
            continue
        if not isinstance(current, dict):
            # An account that is not a mapping (a string, a list): replaced whole.
            fields = {k: (None, v) for k, v in values.items()}
            changes.append(Change(account, "replace" if current is not None else "update", fields))
            continue
        fields = {k: (current.get(k), v) for k, v in values.items()}
        if all(old == new for old, new in fields.values()):
            status = "same"
        elif any(old not in (None, "", new) for old, new in fields.values()):
            status = "replace"
        else:
            status = "update"
        changes.append(Change(account, status, fields))
    return changes


_ABSENT = object()


def _refuse_replacements(changes, location):
    replacing = [change for change in changes if change.replaces]
    if not replacing:
        return
    shown = "; ".join(
        f"account {change.account!r}: " + ", ".join(change.lines()) for change in replacing
    )
    raise _store_error(
        "store-account-exists",
        f"{location} already holds other values ({shown}). Nothing was written.",
    )


def _validate_updates(updates) -> dict:
    if not hasattr(updates, "items"):
        raise TypeError("updates must map account names to {field: value} mappings")
    out = {}
    for account, values in updates.items():
        if not isinstance(account, str) or not account.strip():
            raise ValueError("an account name must be a non-empty string")
        clean = {}
        for key, value in dict(values).items():
            if key not in LWA_KEYS:
                raise ValueError(f"{key!r} is not one of the fields a store writes: {LWA_KEYS}")
            if not isinstance(value, str) or not value:
                raise ValueError(f"{key} of account {account!r} must be a non-empty string")
            clean[key] = value
        if not clean:
            raise ValueError(f"nothing to write for account {account!r}")
        out[account] = clean
    return out


def lwa_values(credentials) -> dict:
    """The three LWA fields of ``credentials`` (a :class:`Credentials` or a mapping) that
    hold a value, in the order stores write them."""
    if not isinstance(credentials, Credentials):
        credentials = Credentials.from_mapping(credentials)
    return {key: credentials.get(key) for key in LWA_KEYS if credentials.get(key)}


class StoreResult:
    """What one update did: the store, where, the changes, the backup kept, notes."""

    __slots__ = ("backup", "changes", "kind", "location", "notes", "text")

    def __init__(
        self,
        kind: str,
        location: str,
        changes: Iterable[Change],
        *,
        backup: str | None = None,
        notes: Iterable[str] = (),
        text: str | None = None,
    ) -> None:
        self.kind = kind
        self.location = location
        self.changes = list(changes)
        self.backup = backup
        self.notes = list(notes)
        # The export store only: the lines to print (they hold the secrets).
        self.text = text

    @property
    def written(self) -> bool:
        """False when every account already held these values (nothing was written)."""
        return any(change.status != "same" for change in self.changes)

    def summary(self) -> str:
        """One line per account and per note; values masked."""
        lines = []
        for change in self.changes:
            verb = {
                "new": "added",
                "same": "already there, unchanged",
                "update": "completed",
                "replace": "replaced",
            }[change.status]
            lines.append(f"account {change.account!r} {verb} in {self.location}")
            lines.extend(f"  {line}" for line in change.lines())
        if self.backup:
            lines.append(f"previous file kept as {self.backup}")
        lines.extend(self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        accounts = ", ".join(f"{c.account!r}: {c.status}" for c in self.changes)
        return f"StoreResult({self.kind}, {self.location}, {accounts})"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return "<pre>" + escape(self.summary()) + "</pre>"


class _Store:
    kind = ""

    @property
    def location(self) -> str:
        raise NotImplementedError

    def accounts(self) -> dict[str, Any]:
        """Every account the store holds: {account: {field: value}} (real values)."""
        raise NotImplementedError

    def accounts_with_client_id(
        self, client_id: str, accounts: Mapping[str, Any] | None = None
    ) -> list[str]:
        """The accounts whose lwa_app_id is ``client_id`` (what a rotation must update),
        among ``accounts`` (what :meth:`accounts` just returned; default: read them now).
        Spaces around either do not make another app: such an account is updated too (its
        stray spaces are a format finding of their own)."""
        wanted = client_id.strip()
        held = self.accounts() if accounts is None else accounts
        return [
            name
            for name, values in held.items()
            if isinstance(values, dict) and str(values.get("lwa_app_id") or "").strip() == wanted
        ]

    def plan(self, updates: Mapping[str, Mapping[str, Any]]) -> list[Change]:
        """What ``updates`` would do to each account (``Change`` objects: ``account``,
        ``status`` new/same/update/replace, ``lines()`` masked); writes nothing."""
        return _plan(self._existing(), _validate_updates(updates))

    def _existing(self) -> dict[str, Any]:
        return self.accounts()

    def save(
        self, account: str, credentials: Credentials | Mapping[str, Any], *, replace: bool = False
    ) -> StoreResult:
        """Store the LWA fields of ``credentials`` under ``account``."""
        return self.update({account: lwa_values(credentials)}, replace=replace)

    def update(
        self, updates: Mapping[str, Mapping[str, Any]], *, replace: bool = False
    ) -> StoreResult:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"


# --------------------------------------------------------------------------- atomic files


def _read_bounded(path) -> bytes | None:
    """The file's bytes, None when it does not exist; refuses what is no regular file (a
    FIFO would block a plain open) and what is larger than a hand-written file."""
    try:
        return read_regular_file(path, MAX_FILE_BYTES)
    except FileProblem as problem:
        if problem.kind == "missing":
            return None
        raise _store_error(
            "store-write-failed",
            f"{problem.message}; nothing was written.",
        ) from None


# The last step before the new file takes the old one's place; tests replace it to crash
# there.
_rename = os.replace


def _fsync_folder(folder):
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # no directory handles (Windows): the rename is all there is
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the data itself was synced
    finally:
        os.close(descriptor)


def _write_temporary(folder, name, data: bytes) -> str:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes the file 0600 on POSIX; said again for umasks and platforms.
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, FILE_MODE)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _remove_quietly(temporary)
        raise
    return temporary


def _remove_quietly(path):
    # OSError: already gone, or never created.
    with contextlib.suppress(OSError):
        os.unlink(path)


def atomic_write(path, data: bytes, *, expected: bytes | None) -> str | None:
    """Replace ``path`` with ``data`` atomically (mode 0600); returns the backup's path.

    ``expected`` is what the file held when it was read (None: it did not exist); if it
    holds something else now, nothing is written. A symbolic link is followed, so the file
    it points at is replaced and the link stays. The previous content is kept as
    ``<path>.bak`` (0600, written the same way).
    """
    real = os.path.realpath(path)
    folder, name = os.path.split(real)
    try:
        os.makedirs(folder, mode=FOLDER_MODE, exist_ok=True)
        temporary = _write_temporary(folder, name, data)
    except OSError as error:
        raise _store_error(
            "store-write-failed",
            f"{path} cannot be written ({error.strerror}); nothing was written.",
        ) from None
    backup = None
    try:
        if _read_bounded(real) != expected:
            raise _store_error(
                "store-write-failed",
                f"{path} changed while spapi-doctor was writing it (another program?); "
                "nothing was written. Run the command again.",
            )
        if expected is not None:
            backup = real + BACKUP_SUFFIX
            saved = _write_temporary(folder, name + BACKUP_SUFFIX, expected)
            try:
                os.replace(saved, backup)
            except BaseException:
                _remove_quietly(saved)
                raise
        _rename(temporary, real)
    except OSError as error:
        _remove_quietly(temporary)
        raise _store_error(
            "store-write-failed",
            f"{path} cannot be written ({error.strerror or error}); the previous file is intact.",
        ) from None
    except BaseException:
        _remove_quietly(temporary)
        raise
    _fsync_folder(folder)
    return backup


def _loose_mode_note(path) -> list:
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError:
        return []
    if mode & 0o077:
        return [f"{path} was readable by others (mode {mode:04o}); it is now 0600"]
    return []


# --------------------------------------------------------------------------- credentials.yml


def _yaml_key_is_plain(name: str) -> bool:
    """Whether PyYAML (YAML 1.1, as confuse reads) takes ``name`` written plain as the
    same string: ``yes``, ``1.0`` or ``~`` would come back as a bool, number or None."""
    import yaml

    try:
        loaded = yaml.safe_load(f"{name}: x")
    except yaml.YAMLError:
        return False
    return isinstance(loaded, dict) and list(loaded) == [name]


def _load_guessing_indent(yaml: Any, text: str) -> tuple[Any, int | None]:
    """``(document, indentation of its mappings or None)``: ``text`` loaded by ``yaml``,
    and ruamel.yaml's guess of the indentation, in one load (the guess loads the document
    anyway). Raises what ``yaml.load`` raises."""
    from ruamel.yaml.util import load_yaml_guess_indent

    try:
        document, indent, _sequence_indent = load_yaml_guess_indent(text, yaml=yaml)
    except Exception:  # the guess's line scan fails on some valid YAML (a bare "-" line)
        return yaml.load(text), None
    return document, indent if isinstance(indent, int) and 1 < indent <= 8 else None


class CredentialsFile(_Store):
    """python-amazon-sp-api's ``credentials.yml``: one account per top-level key.

    The path is where the library reads it (``PYTHON-SP-APIDIR``, else the platform's
    config folder), unless ``path`` says otherwise.
    """

    kind = "file"

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._problem = None
        if path is None:
            env = os.environ if environ is None else environ
            directory, self._problem = config_directory(env)
            path = os.path.join(directory, CONFIG_FILENAME)
        self.path = os.fspath(path)

    @property
    def location(self) -> str:
        return self.path

    def _check_folder(self):
        if self._problem:
            raise _store_error("store-write-failed", self._problem + "; nothing was written.")

    def _parse(self, raw):
        """``(data, problem finding)``: what the library reads from ``raw`` (PyYAML)."""
        try:
            data = _yaml_load(raw)
        except Exception as error:  # yaml.YAMLError and friends: a finding, never a traceback
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(error, "problem", None) or type(error).__name__
            return None, entry("config-file-invalid-yaml").finding(
                f"{self.path} is not valid YAML{where}: {problem}. Nothing was written: fix the "
                "file first, so that none of what it holds is lost."
            )
        if data is None:
            return {}, None
        if not isinstance(data, dict):
            return None, entry("source-wrong-shape").finding(
                f"{self.path} holds a YAML {type(data).__name__} at the top level, not a mapping "
                "of accounts. Nothing was written."
            )
        duplicates = list(getattr(data, "duplicates", ()))
        for value in data.values():
            duplicates.extend(getattr(value, "duplicates", ()))
        if duplicates:
            key, line = duplicates[0][:2]
            return None, entry("config-duplicate-key").finding(
                f"{self.path}: the key {str(key)!r} appears twice (again at line {line}). Nothing "
                "was written: keep one of the two first."
            )
        return data, None

    def _load(self):
        """``(raw bytes or None, parsed mapping)``; a broken file is refused, never edited."""
        self._check_folder()
        raw = _read_bounded(self.path)
        if raw is None:
            return None, {}
        data, problem = self._parse(raw)
        if problem is not None:
            raise StoreError(problem)
        return raw, data

    def accounts(self) -> dict[str, Any]:
        _raw, data = self._load()
        return {
            key: dict(value) if isinstance(value, dict) else value
            for key, value in data.items()
            if isinstance(key, str) and key != "version"
        }

    def update(
        self, updates: Mapping[str, Mapping[str, Any]], *, replace: bool = False
    ) -> StoreResult:
        """Write the accounts of ``updates`` ({account: {field: value}}) in one step."""
        updates = _validate_updates(updates)
        raw, before = self._load()
        existing = {k: (dict(v) if isinstance(v, dict) else v) for k, v in before.items()}
        changes = _plan(existing, updates)
        if not replace:
            _refuse_replacements(changes, self.path)
        if not any(change.status != "same" for change in changes):
            return StoreResult(self.kind, self.path, changes)
        text = self._edited(raw, updates)
        data = text.encode("utf-8")
        self._verify(data, before, updates, new_file=raw is None)
        notes = _loose_mode_note(self.path) if raw is not None else []
        backup = atomic_write(self.path, data, expected=raw)
        return StoreResult(self.kind, self.path, changes, backup=backup, notes=notes)

    def _edited(self, raw, updates) -> str:
        """The new text: ruamel.yaml's round trip of ``raw`` with ``updates`` applied."""
        from ruamel.yaml import YAML
        from ruamel.yaml.comments import CommentedMap
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        # Long tokens stay on one line.
        yaml.width = 4096
        if raw is None:
            document = CommentedMap()
            document["version"] = SingleQuotedScalarString("1.0")
        else:
            text = raw.decode("utf-8")
            try:
                document, indent = _load_guessing_indent(yaml, text)
            except Exception as error:  # ruamel's messages quote values: never shown
                mark = getattr(error, "problem_mark", None)
                where = f" at line {mark.line + 1}" if mark else ""
                raise _store_error(
                    "config-file-invalid-yaml",
                    f"{self.path} cannot be edited without losing some of it ({type(error).__name__}"
                    f"{where}); nothing was written.",
                ) from None
            # The user's indentation and document start marker are kept too (both are
            # the dump's settings only).
            if indent:
                yaml.indent(mapping=indent, sequence=indent + 2, offset=indent)
            yaml.explicit_start = text.lstrip().startswith("---")
        prefix = ""
        if raw is not None and document is None:
            # A file of comments only: ruamel.yaml has no node to hang them on, so the text
            # is kept as it is and the accounts follow it.
            prefix = raw.decode("utf-8")
            if prefix and not prefix.endswith("\n"):
                prefix += "\n"
            document = CommentedMap()
        for account, values in updates.items():
            key = account if _yaml_key_is_plain(account) else DoubleQuotedScalarString(account)
            current = document.get(account)
            if not isinstance(current, dict):
                current = CommentedMap()
                document[key] = current
            for field, value in values.items():
                current[field] = DoubleQuotedScalarString(value)
        out = io.StringIO()
        yaml.dump(document, out)
        return prefix + out.getvalue()

    def _verify(self, data: bytes, before: dict, updates, *, new_file: bool):
        """The new file, read as python-amazon-sp-api reads it, gives exactly the values
        meant, and every other account what it gave before."""
        after, problem = self._parse(data)
        broken = problem is not None or after is None
        if not broken:
            for key in set(before) | set(after):
                if new_file and key == "version":
                    broken = after[key] != "1.0"
                elif key in updates:
                    account = after.get(key)
                    broken = not isinstance(account, dict) or any(
                        account.get(field) != value for field, value in updates[key].items()
                    )
                else:
                    broken = before.get(key, _ABSENT) != after.get(key, _ABSENT)
                if broken:
                    break
        if broken:
            raise _store_error(
                "store-write-failed",
                f"Editing {self.path} would change what python-amazon-sp-api reads from it "
                "beyond the accounts meant; nothing was written. Please report this.",
            )


# --------------------------------------------------------------------------- env files


def env_names(account: str) -> dict:
    """{field: variable name} of ``account``: plain names for ``default`` (the library's
    fallback for every account), ``<NAME>_<account>`` otherwise (read first)."""
    if not _ENV_ACCOUNT.fullmatch(account or ""):
        raise ValueError(
            f"the account name {account!r} cannot be part of an environment variable name: "
            "use letters, digits and _ only"
        )
    suffix = "" if account == "default" else f"_{account}"
    return {key: field_spec(key).env + suffix for key in LWA_KEYS}


_ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def _shell_value(text: str):
    try:
        parts = shlex.split(text, comments=False, posix=True)
    except ValueError:
        return None
    return parts[0] if len(parts) == 1 else ("" if not parts else None)


class EnvFile(_Store):
    """A shell file of ``NAME=value`` lines (``set -a; . FILE; set +a`` loads it).

    spapi-doctor writes only files whose first line is its marker, unless ``take_over``
    is True (the CLI's ``--force``); then the other lines of the file are kept, below the
    marker, and the file as it was is kept as ``<file>.bak``.
    """

    kind = "env-file"

    def __init__(
        self, path: str | os.PathLike[str] = DEFAULT_ENV_FILE, *, take_over: bool = False
    ) -> None:
        self.path = os.fspath(path)
        self.take_over = take_over

    @property
    def location(self) -> str:
        return self.path

    @staticmethod
    def _ours(text: str) -> bool:
        return text.split("\n", 1)[0].startswith(ENV_FILE_MARKER.split(" Load it")[0])

    def _read(self):
        raw = _read_bounded(self.path)
        if raw is None:
            return None, ""
        try:
            return raw, raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _store_error(
                "store-file-not-ours", f"{self.path} is not a text file; it was left untouched."
            ) from None

    def _variables(self, text) -> dict:
        values = {}
        for line in text.splitlines():
            match = _ASSIGNMENT.match(line.strip())
            if match:
                value = _shell_value(match.group(2))
                if value is not None:
                    values[match.group(1)] = value
        return values

    def accounts(self) -> dict[str, Any]:
        _raw, text = self._read()
        return self._accounts_in(text)

    def _accounts_in(self, text) -> dict[str, Any]:
        return environment_accounts(self._variables(text))

    def _check_ours(self, raw, text):
        if raw is not None and not self._ours(text) and not self.take_over:
            raise _store_error(
                "store-file-not-ours",
                f"{self.path} exists and was not written by spapi-doctor; it was left untouched.",
            )

    def plan(self, updates: Mapping[str, Mapping[str, Any]]) -> list[Change]:
        # A file that will be refused is refused now, before anything depends on the plan.
        raw, text = self._read()
        self._check_ours(raw, text)
        return super().plan(updates)

    def update(
        self, updates: Mapping[str, Mapping[str, Any]], *, replace: bool = False
    ) -> StoreResult:
        updates = _validate_updates(updates)
        names = {account: env_names(account) for account in updates}
        raw, text = self._read()
        self._check_ours(raw, text)
        changes = _plan(self._accounts_in(text), updates)
        if not replace:
            _refuse_replacements(changes, self.path)
        if raw is not None and self._ours(text) and not any(c.status != "same" for c in changes):
            return StoreResult(self.kind, self.path, changes)
        wanted = {
            names[account][key]: value
            for account, values in updates.items()
            for key, value in values.items()
        }
        lines = text.splitlines()
        if lines and self._ours(text):
            lines = lines[1:]
        out = [ENV_FILE_MARKER.replace("FILE", os.path.basename(self.path))]
        for line in lines:
            match = _ASSIGNMENT.match(line.strip())
            if match and match.group(1) in wanted:
                name = match.group(1)
                out.append(f"{name}={shlex.quote(wanted.pop(name))}")
            else:
                out.append(line)
        out.extend(f"{name}={shlex.quote(value)}" for name, value in wanted.items())
        data = ("\n".join(out) + "\n").encode("utf-8")
        notes = _loose_mode_note(self.path) if raw is not None else []
        backup = atomic_write(self.path, data, expected=raw)
        notes.append(f"load it with: set -a; . {shlex.quote(self.path)}; set +a")
        return StoreResult(self.kind, self.path, changes, backup=backup, notes=notes)


# --------------------------------------------------------------------------- export lines


class ExportLines(_Store):
    """Prints ``export NAME=value`` lines: the one store that shows the secrets, because
    the user asked for them. It holds nothing, so nothing is ever replaced."""

    kind = "export"

    @property
    def location(self) -> str:
        return "standard output"

    def accounts(self) -> dict[str, Any]:
        return {}

    def update(
        self, updates: Mapping[str, Mapping[str, Any]], *, replace: bool = False
    ) -> StoreResult:
        updates = _validate_updates(updates)
        lines: list[str] = []
        for account, values in updates.items():
            names = env_names(account)
            lines.extend(f"export {names[k]}={shlex.quote(v)}" for k, v in values.items())
        changes = _plan({}, updates)
        return StoreResult(self.kind, self.location, changes, text="\n".join(lines) + "\n")


# --------------------------------------------------------------------------- Secrets Manager


def _aws_error_code(error) -> str | None:
    """The AWS error code of a botocore ClientError (None for any other error)."""
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


class SecretsManagerSecret(_Store):
    """One AWS Secrets Manager secret, as python-amazon-sp-api reads it: a JSON object with
    ``SP_API_REFRESH_TOKEN``, ``LWA_APP_ID`` and ``LWA_CLIENT_SECRET``. The library reads
    one secret (``SP_API_AWS_SECRET_ID``) whatever the account, so a secret holds one
    account; its other JSON keys are kept. ``client`` replaces the boto3 client (the
    endpoint, region and keys otherwise come from ``environ`` and boto3's own chain)."""

    kind = "secrets-manager"

    def __init__(
        self,
        secret_id: str,
        *,
        environ: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        client: Any = None,
    ) -> None:
        if not isinstance(secret_id, str) or not secret_id.strip():
            raise ValueError("the secret id must be a non-empty string")
        self.secret_id = secret_id
        self._environ = os.environ if environ is None else environ
        self._timeout = timeout
        self._client = client

    @property
    def location(self) -> str:
        return f"secret {self.secret_id}"

    def _service(self):
        if self._client is None:
            from ._transport import aws_client

            env = self._environ
            # Every call bounded as the check's are (a deadline, capped bodies); the keys,
            # the endpoint and the region as the check reads them.
            self._client, _transport = aws_client(
                "secretsmanager",
                env,
                timeout=self._timeout,
                endpoint_url=endpoints_from_env(env).secretsmanager,
                region=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or None,
            )
        return self._client

    def _failure(self, action, error):
        what = _aws_error_code(error) or type(error).__name__
        return _store_error(
            "secrets-manager-write-failed",
            f"{action} the secret {self.secret_id!r} failed with {what}: "
            f"{redact_text(str(error))[:300]}. Nothing was written.",
        )

    def _current(self):
        """``(exists, JSON object)`` of the secret now."""
        try:
            answer = self._service().get_secret_value(SecretId=self.secret_id)
        except Exception as error:  # botocore's errors, network included: a finding
            if _aws_error_code(error) == "ResourceNotFoundException":
                return False, {}
            raise self._failure("Reading", error) from None
        text = answer.get("SecretString")
        try:
            data = json.loads(text) if text else {}
        except (TypeError, ValueError):
            data = None
        if not isinstance(data, dict):
            raise _store_error(
                "secrets-manager-invalid",
                f"The secret {self.secret_id!r} does not hold a JSON object; it was left "
                "untouched, so that none of what it holds is lost.",
            )
        return True, data

    def _account_of(self, data) -> dict:
        return {
            SECRET_JSON_KEYS[name]: value
            for name, value in data.items()
            if name in SECRET_JSON_KEYS and SECRET_JSON_KEYS[name] in LWA_KEYS
        }

    def accounts(self) -> dict[str, Any]:
        exists, data = self._current()
        return {self.secret_id: self._account_of(data)} if exists else {}

    def update(
        self, updates: Mapping[str, Mapping[str, Any]], *, replace: bool = False
    ) -> StoreResult:
        updates = _validate_updates(updates)
        if len(updates) != 1:
            raise ValueError("a Secrets Manager secret holds one account")
        [(account, values)] = updates.items()
        exists, data = self._current()
        changes = _plan({account: self._account_of(data)} if exists else {}, updates)
        if not replace:
            _refuse_replacements(changes, self.location)
        notes = [
            f"python-amazon-sp-api reads it when SP_API_AWS_SECRET_ID={self.secret_id} is set "
            "(for every account)"
        ]
        if exists and not any(c.status != "same" for c in changes):
            return StoreResult(self.kind, self.location, changes, notes=notes)
        merged = dict(data)
        merged.update({field_spec(k).secret_json_key: v for k, v in values.items()})
        secret_string = json.dumps(merged)
        try:
            if exists:
                self._service().put_secret_value(
                    SecretId=self.secret_id, SecretString=secret_string
                )
            else:
                self._service().create_secret(Name=self.secret_id, SecretString=secret_string)
        except Exception as error:  # botocore's errors, network included: a finding
            raise self._failure("Updating" if exists else "Creating", error) from None
        # Read back what the library will read.
        _exists, stored = self._current()
        if stored != merged:
            raise _store_error(
                "secrets-manager-write-failed",
                f"The secret {self.secret_id!r} does not read back as written (another writer?).",
            )
        return StoreResult(self.kind, self.location, changes, notes=notes)


# --------------------------------------------------------------------------- choosing one


def open_store(
    kind: str,
    *,
    environ=None,
    config_path=None,
    env_file=None,
    secret_id=None,
    force=False,
    timeout=10.0,
):
    """The store of ``kind`` (file, secrets-manager, env-file, export), as the CLI
    options describe it. ``secret_id`` defaults to ``SP_API_AWS_SECRET_ID``."""
    env = os.environ if environ is None else environ
    if kind == "file":
        return CredentialsFile(config_path, environ=env)
    if kind == "env-file":
        return EnvFile(env_file or DEFAULT_ENV_FILE, take_over=force)
    if kind == "export":
        return ExportLines()
    if kind == "secrets-manager":
        secret_id = secret_id or env.get(SECRET_ID_VARIABLE)
        if not secret_id:
            raise ValueError(
                f"--store secrets-manager needs --secret-id NAME (or {SECRET_ID_VARIABLE} set)"
            )
        return SecretsManagerSecret(secret_id, environ=env, timeout=timeout)
    raise ValueError(f"unknown store {kind!r}; the stores: {', '.join(STORE_KINDS)}")
