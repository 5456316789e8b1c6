"""Showing credentials without leaking them.

A value is shown as its public format marker (``Atzr|``, ``amzn1.oa2-cs.v1.``, ``AKIA``...),
at most four characters after it, and its length: ``Atzr|IwEB…(412 chars)``. That is
enough to tell two values apart and to see what kind of value sits in a field, and
never enough to use one. Free text from the outside world (a response body, an
exception message) goes through :func:`redact_text`, which masks every token- or
key-shaped run and every secret it is told about, in every form the secret travels in:
raw, URL-encoded (a form body echoed by a proxy's error page) and JSON-escaped; and the
userinfo and query values of every URL in it. Whatever reaches a terminal goes through
:func:`escape_controls`, so that a path, a variable or a server's text cannot move the
cursor, retitle the window or forge a line; :func:`shown_value` cuts long values.
"""

from __future__ import annotations

import os
import re
from _thread import allocate_lock  # threading and logging load only when a check goes online

# The offline path must not import typing (start-up cost): the names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from logging import LogRecord
    from typing import Any

# Public format markers: they say what a value is and are the same for everyone.
PUBLIC_PREFIXES = (
    "amzn1.application-oa2-client.",
    "amzn1.sellerapps.app.",
    "amzn1.sp.solution.",
    "amzn1.oa2-cs.v1.",
    "Atzr|",
    "Atza|",
    "Atc|",  # LWA's grantless (client_credentials) access tokens
    "Aztr|",
    "AKIA",
    "ASIA",
)

_SHOWN_BODY = 4


def _printable(text: str) -> str:
    """Escape what a terminal would hide or mangle, so a stray character is visible."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isascii() and ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


def mask(value: object) -> str:
    """A display form of a credential that never holds the value in full."""
    if value is None:
        return "(not set)"
    if isinstance(value, bytes):
        return f"(bytes, {len(value)} long)"
    if not isinstance(value, str):
        return f"({type(value).__name__} value, not text)"
    if value == "":
        return "(empty)"
    prefix = ""
    for candidate in PUBLIC_PREFIXES:
        # A value that is nothing but a marker is shown like any other short value.
        if value.startswith(candidate) and len(value) > len(candidate):
            prefix = candidate
            break
    body = value[len(prefix) :]
    # Short values show proportionally less, so nothing short is shown whole.
    shown = min(_SHOWN_BODY, len(body) // 4)
    return f"{_printable(prefix + body[:shown])}…({len(value)} chars)"


# The leads of LWA's tokens and secrets. The pipe may come URL-encoded (%7C), from a form
# body a proxy's error page echoes.
_TOKEN_LEADS = (
    r"(?:Atz[ar]|Atc|Aztr)(?:\||%7[Cc])|amzn1\.oa2-cs\.v1\.|amzn1\.application-oa2-client\."
)
# The names AWS gives its keys in XML, JSON and headers.
_KEY_NAMES = r"SessionToken|SecretAccessKey|AccessKeyId|X-Amz-Security-Token"
# Runs that look like a token, a secret or a key, whatever field they came from. (A run
# right after a dot is a URL path, as in amazon.com/sellers/v1/marketplaceParticipations,
# which is 40 such characters too.)
_SECRET_SHAPES = re.compile(
    rf"(?P<lead>{_TOKEN_LEADS})"
    r"(?P<body>[A-Za-z0-9_\-+/=.%\\]{4,})"
    r"|(?<![A-Za-z0-9])(?P<key>(?:AKIA|ASIA)[A-Z0-9]{12,})"
    r"|(?<![A-Za-z0-9/+.])(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
    r"|(?<![0-9a-f])(?P<hex>[0-9a-f]{48,})(?![0-9a-f])"
    # STS session tokens: long base64 runs with nothing else to recognise them by.
    r"|(?<![A-Za-z0-9/+])(?P<long>[A-Za-z0-9/+]{100,}={0,2})"
    # A value named by its key in XML, JSON or a header, whatever its shape (not a closing
    # tag: that would take the text after it for the value).
    rf"|(?<!/)(?P<name>(?:{_KEY_NAMES})"
    r"""["']?\s*[>:=]\s*["']?)(?P<value>[^\s"'<>,}]{8,})"""
)
# What every match of _SECRET_SHAPES holds: a token's lead, a key's marker or a key's name,
# or a run of 40 base64 characters (a secret key; a 48-digit hex run and a 100-character
# one hold such a run). Four times quicker to search, it tells most texts (log records, a
# report's lines) that they hold nothing to mask. Keep the two together.
_MAYBE_SECRET_SHAPED = re.compile(rf"[A-Za-z0-9/+]{{40}}|{_TOKEN_LEADS}|AKIA|ASIA|{_KEY_NAMES}")


def _mask_match(match: re.Match[str]) -> str:
    if match.group("name"):
        return match.group("name") + mask(match.group("value"))
    return mask(match.group(0))


def _json_escaped(value: str, *, ascii_only: bool, slash: bool) -> str:
    out = []
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "/" and slash:
            out.append("\\/")
        elif code < 0x20 or (ascii_only and code > 0x7F):
            if code > 0xFFFF:  # a surrogate pair, as JSON writes it
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


# What URL-encoding (quote, quote_plus) and JSON escaping leave as it is: ASCII letters,
# digits and "_.-~".
_KEPT_AS_IS = re.compile(r"[A-Za-z0-9_.~-]+")


def _anchor_of(secret: str) -> str:
    """The longest run of ``secret`` that URL-encoding and JSON escaping leave as it is."""
    return max(_KEPT_AS_IS.findall(secret), key=len, default="")


_FORMS: dict[str, tuple[str, frozenset[str]]] = {}


def _forms(secret: str) -> tuple[str, frozenset[str]]:
    """The forms ``secret`` travels in (raw, URL-encoded and JSON-escaped), and its anchor:
    the longest run of it that every one of those forms holds unchanged.

    A token's ``|``, ``/`` and ``+`` change when a form body or a query string carries it
    (``%7C``, ``%2F``, ``+`` for a space...), and JSON may escape ``/`` and non-ASCII; a
    page that echoes the request shows one of these, never the raw value. Letters, digits
    and ``_.-~`` stay as they are in every form, so a text without the anchor holds no form:
    one search tells it, instead of one per form. (A secret without such characters has the
    empty anchor, which every text holds: its forms are always searched.)
    """
    known = _FORMS.get(secret)
    if known is None:
        from urllib.parse import quote, quote_plus  # only once a secret is known

        forms = {secret}
        encodings: tuple[str, ...]
        try:
            encodings = (
                quote(secret, safe=""),
                quote(secret),
                quote_plus(secret),
                quote_plus(secret, safe="/"),
            )
        except UnicodeError:  # a lone surrogate (bytes that were no UTF-8): sent as is, if at all
            encodings = ()
        for encoded in encodings:
            forms.add(encoded)
            # Percent-escapes in lower case are the same bytes to a server (only an escape's
            # own two digits change: the anchor's characters are never escaped).
            forms.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), encoded))
        for ascii_only in (False, True):
            for slash in (False, True):
                forms.add(_json_escaped(secret, ascii_only=ascii_only, slash=slash))
        known = (_anchor_of(secret), frozenset(form for form in forms if len(form) >= 4))
        if len(_FORMS) < 4096:  # a cache, not a leak of memory
            _FORMS[secret] = known
    return known


# A URL in free text: its userinfo and query values are masked, whatever they hold.
_URL = re.compile(r"\b(?:https?|socks5h?|socks4a?)://[^\s\"'<>`]+", re.IGNORECASE)


def shown_url(url: str) -> str:
    """``url`` with the password of its userinfo and the values of its query masked.

    ``http://user:pw@host/p?client_secret=x&a=1`` is shown as
    ``http://user:***@host/p?client_secret=***&a=***``: an endpoint URL may carry a
    credential there, and nothing in those places is needed to tell two endpoints apart.
    """
    if not isinstance(url, str):
        return mask(url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority_end = len(rest)
    for stop in "/?#":
        index = rest.find(stop)
        if index != -1:
            authority_end = min(authority_end, index)
    authority, tail = rest[:authority_end], rest[authority_end:]
    if "@" in authority:
        userinfo, _, host = authority.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        authority = f"{user}{colon}***@{host}" if colon else f"{user}@{host}"
    if "?" in tail:
        path, _, query = tail.partition("?")
        query, hash_sign, fragment = query.partition("#")
        masked = "&".join(
            f"{name}{'=***' if eq else ''}"
            for name, eq, _value in (pair.partition("=") for pair in query.split("&"))
        )
        tail = f"{path}?{masked}{hash_sign}{'***' if fragment else ''}"
    return f"{scheme}://{authority}{tail}"


def redact_text(text: str, secrets: Iterable[object] = ()) -> str:
    """Mask every known secret (in each of its forms), every token- or key-shaped run, and
    the userinfo and query values of every URL in ``text``."""
    if not isinstance(text, str):
        text = str(text)
    if "://" in text:
        text = _URL.sub(lambda match: shown_url(match.group()), text)
    candidates = {s for s in secrets if isinstance(s, str) and len(s) >= 4}
    known: set[str] = set()
    for secret in candidates:
        anchor, forms = _forms(secret)
        if anchor in text:  # else no form of it is there
            known.update(form for form in forms if form in text)
    pattern = _SECRET_SHAPES
    if known:
        # One pass over the text: a masked secret is never masked a second time. The
        # longest form first, so that no shorter one cuts a longer one in two.
        ordered = sorted(known, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, ordered)) + "|" + _SECRET_SHAPES.pattern)
    elif not _MAYBE_SECRET_SHAPED.search(text):
        return text
    return pattern.sub(_mask_match, text)


# What a terminal acts on instead of showing: C0 and C1 controls (escape sequences, bell,
# carriage return, line feed), DEL, and the invisible characters that reorder or break lines
# (bidirectional overrides and isolates, the Unicode line and paragraph separators).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_NAMED_CONTROLS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_control(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED_CONTROLS:
        return _NAMED_CONTROLS[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\n``).

    For terminal output: a path, a variable, an argument or a server's text can then
    neither run an escape sequence nor start a line that looks like the report's own.
    """
    if not isinstance(text, str):
        text = str(text)
    if text.isprintable():
        return text
    return _CONTROLS.sub(_escape_control, text)


def shown_value(value: object, limit: int = 80) -> str:
    """A value from the outside world, quoted and escaped like ``repr``, cut after ``limit``
    characters with its length: ``'AAAA…'(1048576 chars)``. Not for credentials (use
    :func:`mask`)."""
    if not isinstance(value, str):
        return repr(value)[:limit]
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}…({len(value)} chars)"


# --------------------------------------------------------------------------- log records

# Loggers whose DEBUG records can carry credentials: botocore logs signed headers (the
# access key ID, the session token) and whole response bodies (AssumeRole's temporary
# keys, GetSecretValue's secret string); urllib3 and requests log URLs; moto (the mock's
# AWS, in-process in the demo and the tests) logs every request's headers.
_GUARDED_LOGGERS = (
    "botocore",
    "boto3",
    "s3transfer",
    "urllib3",
    "requests",
    "moto",
    "werkzeug",
    "spapi_docs_helpers",
)
# Every registered secret with its anchor (see _forms), in the order of registration. Grows
# in place, under the lock: a fleet registers a few secrets per account, and a copy per new
# secret made thousands of accounts quadratic. A record reads it without the lock and
# without a copy (a list that only grows can be read while another thread appends): it
# sees every secret registered before it was made. Only records of an enabled level are
# built, so nothing is read unless DEBUG is on.
_registered: set[str] = set()
_anchored: list[tuple[str, str]] = []
_install_lock = allocate_lock()
_previous_factory: Callable[..., LogRecord] | None = None


def _new_lock_after_fork() -> None:
    # A child made by fork has only the forking thread: a lock another thread held at the
    # fork would stay held, and the child's first check would wait on it for ever. The
    # registered secrets stay registered (the child may log them too).
    global _install_lock
    _install_lock = allocate_lock()


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_new_lock_after_fork)


def _redacting_record_factory(*args: Any, **kwargs: Any) -> LogRecord:
    factory = _previous_factory
    assert factory is not None  # installed only once the previous factory is kept
    record = factory(*args, **kwargs)
    if record.name.startswith(_GUARDED_LOGGERS):
        try:
            message = record.getMessage()
        except Exception:  # a broken format is the logger's problem, not a leak
            return record
        # One substring search per secret picks the few whose forms can be in the message
        # (most records hold none); redact_text then masks exactly what it would with all.
        # (Its masking of URLs, done first, only puts "***" where text was: no anchor that
        # was not in the message can appear.)
        present = [secret for anchor, secret in _anchored if anchor in message]
        redacted = redact_text(message, present)
        if redacted != message:
            record.msg, record.args = redacted, None
    return record


def protect_logs(secrets: Iterable[object] = ()) -> None:
    """Mask credentials in the log records of the libraries a check drives.

    Registers ``secrets`` (every credential in play) and, once per process, wraps the
    logging record factory so that records of botocore, urllib3, requests and this package
    have those values, and anything token- or key-shaped, masked before any handler sees
    them. Records are only built for enabled levels, so this costs nothing unless DEBUG
    logging is on.
    """
    global _previous_factory
    import logging

    fresh = {s for s in secrets if isinstance(s, str) and len(s) >= 8}
    with _install_lock:
        for secret in fresh - _registered:
            _registered.add(secret)
            _anchored.append((_anchor_of(secret), secret))
        if _previous_factory is None:
            _previous_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_redacting_record_factory)
