"""Showing credentials without leaking them.

A value is shown as its public format marker (``Atzr|``, ``amzn1.oa2-cs.v1.``, ``AKIA``...),
at most four characters after it, and its length: ``Atzr|IwEB…(412 chars)``. That is
enough to tell two values apart and to see what kind of value sits in a field, and
never enough to use one. Free text from the outside world (a response body, an
exception message) goes through :func:`redact_text`, which masks every token- or
key-shaped run and every secret it is told about.
"""

from __future__ import annotations

import re
from _thread import allocate_lock  # threading and logging load only when a check goes online

__all__ = ["mask", "protect_logs", "redact_text"]

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


# Runs that look like a token, a secret or a key, whatever field they came from. (A run
# right after a dot is a URL path, as in amazon.com/sellers/v1/marketplaceParticipations,
# which is 40 such characters too.)
_SECRET_SHAPES = re.compile(
    r"(?P<lead>Atz[ar]\||Atc\||Aztr\||amzn1\.oa2-cs\.v1\.|amzn1\.application-oa2-client\.)"
    r"(?P<body>[A-Za-z0-9_\-+/=.%]{4,})"
    r"|(?<![A-Za-z0-9])(?P<key>(?:AKIA|ASIA)[A-Z0-9]{12,})"
    r"|(?<![A-Za-z0-9/+.])(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
    r"|(?<![0-9a-f])(?P<hex>[0-9a-f]{48,})(?![0-9a-f])"
    # STS session tokens: long base64 runs with nothing else to recognise them by.
    r"|(?<![A-Za-z0-9/+])(?P<long>[A-Za-z0-9/+]{100,}={0,2})"
    # A value named by its key in XML, JSON or a header, whatever its shape (not a closing
    # tag: that would take the text after it for the value).
    r"|(?<!/)(?P<name>(?:SessionToken|SecretAccessKey|AccessKeyId|X-Amz-Security-Token)"
    r"""["']?\s*[>:=]\s*["']?)(?P<value>[^\s"'<>,}]{8,})"""
)


def _mask_match(match) -> str:
    if match.group("name"):
        return match.group("name") + mask(match.group("value"))
    return mask(match.group(0))


def redact_text(text: str, secrets=()) -> str:
    """Mask every known secret and every token- or key-shaped run in ``text``."""
    if not isinstance(text, str):
        text = str(text)
    known = sorted(
        {s for s in secrets if isinstance(s, str) and len(s) >= 4 and s in text},
        key=len,
        reverse=True,
    )
    pattern = _SECRET_SHAPES
    if known:
        # One pass over the text: a masked secret is never masked a second time.
        pattern = re.compile("|".join(map(re.escape, known)) + "|" + _SECRET_SHAPES.pattern)
    return pattern.sub(_mask_match, text)


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
# Replaced, never changed in place: the record factory may be reading it on another thread.
_registered = frozenset()
_install_lock = allocate_lock()
_previous_factory = None


def _redacting_record_factory(*args, **kwargs):
    record = _previous_factory(*args, **kwargs)
    if record.name.startswith(_GUARDED_LOGGERS):
        try:
            message = record.getMessage()
        except Exception:  # a broken format is the logger's problem, not a leak
            return record
        redacted = redact_text(message, _registered)
        if redacted != message:
            record.msg, record.args = redacted, None
    return record


def protect_logs(secrets=()) -> None:
    """Mask credentials in the log records of the libraries a check drives.

    Registers ``secrets`` (every credential in play) and, once per process, wraps the
    logging record factory so that records of botocore, urllib3, requests and this package
    have those values, and anything token- or key-shaped, masked before any handler sees
    them. Records are only built for enabled levels, so this costs nothing unless DEBUG
    logging is on.
    """
    global _previous_factory, _registered
    import logging

    fresh = {s for s in secrets if isinstance(s, str) and len(s) >= 8}
    with _install_lock:
        if not fresh <= _registered:
            _registered = _registered | fresh
        if _previous_factory is None:
            _previous_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_redacting_record_factory)
