"""What a well-formed credential is: one rule set per field, and the rules all fields share.

Every value goes through the same pipeline: is it text at all, is it empty, too long,
does it carry whitespace, quotes, invisible or non-ASCII characters, a URL-encoding, an
unexpanded variable or a placeholder; then what *kind* of value it is (a client
identifier, an App ID, a refresh or access token, an AWS key, an ARN...) and whether that
kind belongs in this field. Problems are reported, never repaired: the stored value is
what has to be fixed. Shape analysis continues on a cleaned copy so that a quoted App ID
earns both findings.
"""

from __future__ import annotations

import re

from ._catalogue import entry
from ._credentials import AWS_KEYS, FIELDS, Credentials
from ._near_miss import edit_distance
from ._peers import signs_with_aws
from ._peers import sp_api_version as installed_sp_api_version

# The offline path must not import typing (start-up cost): the names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import EllipsisType
    from typing import Any

    from ._catalogue import Finding

CLIENT_ID_PREFIX = "amzn1.application-oa2-client."
CLIENT_SECRET_PREFIX = "amzn1.oa2-cs.v1."
APP_ID_PREFIXES = ("amzn1.sp.solution.", "amzn1.sellerapps.app.")
REFRESH_PREFIX = "Atzr|"
ACCESS_PREFIX = "Atza|"
CLIENT_ID_HEX = 32
# Observed, not published: every client secret seen so far (Amazon's samples, users' reports)
# has 64 hexadecimal characters after its prefix, but Amazon documents no length. Another
# length is therefore a warning (perhaps cut short when copied), never an error: LWA decides.
CLIENT_SECRET_HEX = 64
REFRESH_TOKEN_MAX_BYTES = 2048
REFRESH_TOKEN_SHORT = 64
# Beyond these lengths a value is certainly not the credential alone.
MAX_LENGTH = {
    "refresh_token": REFRESH_TOKEN_MAX_BYTES,
    "lwa_app_id": 256,
    "lwa_client_secret": 256,
    "aws_access_key": 128,
    "aws_secret_key": 256,
    "role_arn": 2048,
    "aws_session_token": 8192,
}
# Only this much of an oversized value is examined (a 1 MB paste must stay cheap).
ANALYSIS_WINDOW = 4096

AWS_EXAMPLE_KEYS = {
    "AKIAIOSFODNN7EXAMPLE": "aws_access_key",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": "aws_secret_key",
}

_HEX = re.compile(r"[0-9a-f]+")
_ASCII_WHITESPACE = " \t\r\n\f\v"
_QUOTES = "\"'`“”„‟‘’‚‛«»‹›＂＇"
# A space or an ASCII quote: with isascii() and isprintable(), what a clean value lacks.
_SPACE_OR_QUOTE = re.compile("[ \"'`]")
_AWS_ACCESS_KEY = re.compile(r"(AKIA|ASIA)[A-Z0-9]{16}")
_AWS_UNIQUE_ID = re.compile(r"(AIDA|AROA|AGPA|ANPA|ANVA|APKA|ABIA|ACCA|AIPA|ASCA)[A-Z0-9]{12,}")
_AWS_SECRET_KEY = re.compile(r"[A-Za-z0-9/+]{40}")
_ARN = re.compile(
    r"arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):"
    r"(?P<account>[^:]*):(?P<resource>.*)"
)
_ROLE_NAME = re.compile(r"role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}")
_AUTH_CODE = re.compile(r"AN[A-Za-z0-9]{14,30}")
_VARIABLE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|%[A-Za-z_][A-Za-z0-9_]*%|\{\{.*\}\}")
_EMBEDDED_VARIABLE = re.compile(r"\$\{(?:[A-Za-z_][A-Za-z0-9_]*\})?")
_PLACEHOLDER_WORDS = re.compile(
    r"your[_ \-]?(?:own[_ \-]?)?(?:lwa|app|client|refresh|access|secret|aws|role|token|key|id)"
    r"|change[_ \-]?me|placeholder|replace[_ \-]?(?:me|this)|insert[_ \-]?here|put[_ \-]?here"
    r"|redacted|\btodo\b|\bfixme\b|\bdummy\b|\bnone\b|\bnull\b|\bundefined\b",
    re.IGNORECASE,
)
_FILLER = re.compile(r"[xX*.…#_\-?]{4,}")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")

# What each kind of value is called, and the field it belongs in (if it is a credential).
KIND_LABEL = {
    "refresh_token": "a refresh token (Atzr|…)",
    "access_token": "an access token (Atza|…)",
    "client_id": "an LWA client identifier (amzn1.application-oa2-client.…)",
    "client_secret": "an LWA client secret (amzn1.oa2-cs.v1.…)",
    "legacy_client_secret": "an older LWA client secret (64 hexadecimal characters)",
    "app_id": "an App ID (amzn1.sp.solution.… / amzn1.sellerapps.app.…)",
    "aws_access_key": "an AWS access key ID (AKIA…/ASIA…)",
    "aws_secret_key": "an AWS secret access key (40 characters)",
    "role_arn": "an IAM role ARN",
    "user_arn": "an IAM user ARN",
}
KIND_FIELD = {
    "refresh_token": "refresh_token",
    "client_id": "lwa_app_id",
    "client_secret": "lwa_client_secret",
    "legacy_client_secret": "lwa_client_secret",
    "aws_access_key": "aws_access_key",
    "aws_secret_key": "aws_secret_key",
    "role_arn": "role_arn",
}


def identify(value: str) -> str | None:
    """The kind of credential ``value`` looks like (see ``KIND_LABEL``), or None."""
    if value.startswith(REFRESH_PREFIX):
        return "refresh_token"
    if value.startswith(ACCESS_PREFIX):
        return "access_token"
    if value.startswith(CLIENT_ID_PREFIX):
        tail = value[len(CLIENT_ID_PREFIX) :]
        full = len(tail) == CLIENT_ID_HEX and _HEX.fullmatch(tail)
        return "client_id" if full else "client_id_partial"
    if value.startswith(CLIENT_SECRET_PREFIX):
        return "client_secret"
    if value.startswith(APP_ID_PREFIXES):
        return "app_id"
    if len(value) == CLIENT_SECRET_HEX and _HEX.fullmatch(value):
        return "legacy_client_secret"
    if len(value) == CLIENT_ID_HEX and _HEX.fullmatch(value):
        return "client_id_tail"
    if "oa2-client." in value and value.startswith(
        ("application-", "oa2-client.", "amzn1", "mzn1", "zn1", "n1.", "1.", ".")
    ):
        return "client_id_prefix_cut"
    if _AWS_ACCESS_KEY.fullmatch(value):
        return "aws_access_key"
    if _AWS_UNIQUE_ID.fullmatch(value):
        return "aws_unique_id"
    if value.startswith("arn:"):
        match = _ARN.fullmatch(value)
        if match and match["service"] == "sts" and match["resource"].startswith("assumed-role/"):
            return "assumed_role_arn"
        if match and match["resource"].startswith("user/"):
            return "user_arn"
        if match and match["resource"].startswith("role/"):
            return "role_arn"
        return "arn"
    if _AWS_SECRET_KEY.fullmatch(value):
        return "aws_secret_key"
    if "spapi_oauth_code=" in value:
        return "authorization_code"
    if _AUTH_CODE.fullmatch(value):
        return "authorization_code"
    head = value[:5]
    if (
        "|" in value[:7]
        and edit_distance(head, REFRESH_PREFIX) <= 2
        and edit_distance(head, ACCESS_PREFIX) > 1
    ):
        return "refresh_token_typo"
    if head.lower() in ("atzr|", "aztr|", "atrz|") or value[:4] in ("Atzr", "Aztr", "Atrz"):
        return "refresh_token_typo"
    return None


# --------------------------------------------------------------------------- shared rules


def _positions(positions) -> str:
    shown = ", ".join(str(p + 1) for p in positions[:3])
    more = f" and {len(positions) - 3} more" if len(positions) > 3 else ""
    return f"position{'s' if len(positions) > 1 else ''} {shown}{more}"


def _describe_char(char: str) -> str:
    import unicodedata  # only when a non-ASCII character is there to name

    name = unicodedata.name(char, None) or f"control character 0x{ord(char):02x}"
    folded = unicodedata.normalize("NFKC", char)
    like = _LOOKALIKES.get(char) or (
        folded
        if folded != char and folded.isascii() and folded.isprintable() and folded.strip()
        else None
    )
    return f"U+{ord(char):04X} {name}" + (f" (looks like {like!r})" if like else "")


# Letters that look Latin but are not, the ones copy-paste and keyboards really produce.
_LOOKALIKES = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "ԁ": "d",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "І": "I",
    "Ј": "J",
    "Ѕ": "S",
    "ο": "o",
    "α": "a",
    "ν": "v",
    "Ο": "O",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
    "ǀ": "|",
    "│": "|",
    "∣": "|",
    "¦": "|",
    "–": "-",
    "—": "-",
    "−": "-",
    "‐": "-",
    "‑": "-",
}


def _hygiene(key, value, findings, source):
    """Whitespace, quotes, invisible and non-ASCII characters; returns a cleaned copy."""
    window = value[:ANALYSIS_WINDOW]
    # A clean value (printable ASCII, no space, no quote) has nothing below to find and is
    # its own cleaned copy: the checks that loop over every character are skipped (a fleet
    # check runs them for every account). The other whitespace is not printable.
    if window.isascii() and window.isprintable() and not _SPACE_OR_QUOTE.search(window):
        return window
    stripped = window.strip(_ASCII_WHITESPACE)
    if stripped != window:
        lead = len(window) - len(window.lstrip(_ASCII_WHITESPACE))
        trail = len(window) - len(window.rstrip(_ASCII_WHITESPACE))
        what = []
        if lead:
            what.append(f"{lead} leading")
        if trail:
            what.append(f"{trail} trailing")
        kinds = {"\n": "line break", "\r": "carriage return", "\t": "tab"}
        seen = sorted(
            {kinds.get(ch, "space") for ch in window[:lead] + window[len(window) - trail :]}
        )
        findings.append(
            entry("whitespace-around").finding(
                f"{key} has {' and '.join(what)} whitespace character(s) ({', '.join(seen)}).",
                field=key,
                source=source,
            )
        )
    offset = len(window) - len(window.lstrip(_ASCII_WHITESPACE))
    inside = [offset + i for i, ch in enumerate(stripped) if ch in _ASCII_WHITESPACE]
    if inside:
        line_break = any(stripped[i - offset] in "\r\n" for i in inside)
        findings.append(
            entry("whitespace-inside").finding(
                f"{key} has {'a line break' if line_break else 'whitespace'} inside it, at "
                f"{_positions(inside)}: it was copied in pieces.",
                field=key,
                source=source,
            )
        )
    quotes = [i for i, ch in enumerate(window) if ch in _QUOTES]
    if quotes:
        found = "".join(sorted({window[i] for i in quotes}))
        findings.append(
            entry("quote-characters").finding(
                f"{key} contains the quote character(s) {found} at {_positions(quotes)}; they "
                "become part of the value.",
                field=key,
                source=source,
            )
        )
    if not window.isascii() or any(
        not ch.isprintable() for ch in window if ch not in _ASCII_WHITESPACE
    ):
        _unusual_characters(key, window, findings, source)
    cleaned = "".join(
        ch
        for ch in window
        if ch not in _QUOTES and ch not in _ASCII_WHITESPACE and ch.isprintable()
    )
    if not cleaned.isascii():
        cleaned = "".join(_LOOKALIKES.get(ch, ch) for ch in cleaned)
        cleaned = "".join(ch for ch in cleaned if ch.isascii())
    return cleaned


def _unusual_characters(key, window, findings, source):
    import unicodedata

    invisible, foreign = [], []
    for index, char in enumerate(window):
        if char in _ASCII_WHITESPACE or char in _QUOTES:
            continue
        if char.isascii() and char.isprintable():
            continue
        category = unicodedata.category(char)
        if category in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Co", "Cn") or char == "\u00ad":
            invisible.append(index)
        else:
            foreign.append(index)
    if invisible:
        names = sorted({_describe_char(window[i]) for i in invisible})
        findings.append(
            entry("invisible-character").finding(
                f"{key} contains {len(invisible)} invisible character(s) at "
                f"{_positions(invisible)}: {'; '.join(names[:3])}.",
                field=key,
                source=source,
            )
        )
    if foreign:
        names = sorted({_describe_char(window[i]) for i in foreign})
        findings.append(
            entry("non-ascii-character").finding(
                f"{key} contains {len(foreign)} non-ASCII character(s) at {_positions(foreign)}: "
                f"{'; '.join(names[:3])}.",
                field=key,
                source=source,
            )
        )


def _looks_placeholder(value: str, key: str | None = None) -> bool:
    if key == "role_arn":
        # Role names such as 'dummy', 'none' or 'a...b' are legal: in a well-formed role
        # ARN only a name that is all filler ('...', 'xxxx') is a placeholder.
        match = _ARN.fullmatch(value)
        if (
            match
            and match["service"] == "iam"
            and re.fullmatch(r"\d{12}", match["account"])
            and _ROLE_NAME.fullmatch(match["resource"])
        ):
            name = match["resource"].rsplit("/", 1)[1]
            return _FILLER.fullmatch(name) is not None or set(name) <= set(".…")
    if "<" in value or ">" in value or "..." in value or "…" in value:
        return True
    if _PLACEHOLDER_WORDS.search(value):
        return True
    body = value
    for prefix in (
        CLIENT_ID_PREFIX,
        CLIENT_SECRET_PREFIX,
        REFRESH_PREFIX,
        ACCESS_PREFIX,
        *APP_ID_PREFIXES,
    ):
        if body.startswith(prefix):
            body = body[len(prefix) :]
            break
    return bool(body) and _FILLER.fullmatch(body) is not None


# --------------------------------------------------------------------------- per field


def _wrong_field(key, kind, findings, source):
    owner = KIND_FIELD[kind]
    findings.append(
        entry("value-in-wrong-field").finding(
            f"{key} holds {KIND_LABEL[kind]}, which belongs in {owner}.",
            field=key,
            fix=f"Move the value to {owner}, and put the right value in {key}.",
            source=source,
        )
    )


def _check_lwa_app_id(value, kind, add, credentials):
    if kind == "client_id":
        return
    if kind == "app_id":
        prefix = next(p for p in APP_ID_PREFIXES if value.startswith(p))
        add(
            "app-id-in-client-id-field",
            f"lwa_app_id holds the App ID ({prefix}…), which "
            "names your app in Seller Central. LWA needs the Client identifier "
            "(amzn1.application-oa2-client.…) shown under LWA credentials → View.",
        )
    elif kind == "client_id_tail":
        add(
            "client-id-prefix-missing",
            "lwa_app_id is 32 hexadecimal characters without the amzn1.application-oa2-client. "
            "prefix that is part of the identifier.",
        )
    elif kind == "client_id_prefix_cut":
        add(
            "client-id-prefix-missing",
            "lwa_app_id starts with part of the amzn1.application-oa2-client. prefix only; the "
            "beginning was lost when it was copied.",
        )
    elif kind == "client_id_partial":
        tail = value[len(CLIENT_ID_PREFIX) :]
        if tail and _HEX.fullmatch(tail) and len(tail) < CLIENT_ID_HEX:
            add(
                "client-id-truncated",
                f"lwa_app_id ends after {len(tail)} of the {CLIENT_ID_HEX} hexadecimal "
                "characters that follow amzn1.application-oa2-client.",
            )
        else:
            add(
                "client-id-malformed",
                f"lwa_app_id has {len(tail)} characters after amzn1.application-oa2-client.; "
                f"an identifier has exactly {CLIENT_ID_HEX} lowercase hexadecimal ones.",
            )
    else:
        add("client-id-malformed", "lwa_app_id does not start with amzn1.application-oa2-client.")


def _check_lwa_client_secret(value, kind, add, credentials):
    if kind == "client_secret":
        body = value[len(CLIENT_SECRET_PREFIX) :]
        if _HEX.fullmatch(body or "-") and len(body) == CLIENT_SECRET_HEX:
            return
        if _HEX.fullmatch(body or "-"):
            shorter = len(body) < CLIENT_SECRET_HEX
            add(
                "client-secret-length-unusual",
                f"lwa_client_secret has {len(body)} hexadecimal characters after "
                f"amzn1.oa2-cs.v1.; every secret seen so far has {CLIENT_SECRET_HEX}"
                + (", so its end may have been lost when it was copied." if shorter else "."),
            )
        else:
            add(
                "client-secret-malformed",
                f"lwa_client_secret has {len(body)} characters after amzn1.oa2-cs.v1.; a secret "
                f"has lowercase hexadecimal ones there ({CLIENT_SECRET_HEX} in every secret seen "
                "so far).",
            )
    elif kind == "legacy_client_secret":
        add(
            "client-secret-legacy-format",
            "lwa_client_secret is 64 bare hexadecimal characters: a secret issued before "
            "180-day rotation (current secrets start with amzn1.oa2-cs.v1.).",
        )
    elif kind == "app_id":
        add(
            "value-in-wrong-field",
            "lwa_client_secret holds an App ID (amzn1.sp.solution.…), which is no credential; "
            "it needs the Client secret from LWA credentials → View.",
            fix="Put the Client secret from LWA credentials → View in lwa_client_secret.",
        )
    else:
        add(
            "client-secret-malformed",
            "lwa_client_secret neither starts with amzn1.oa2-cs.v1. nor is 64 hexadecimal "
            "characters.",
        )


def _check_refresh_token(value, kind, add, credentials):
    if kind == "refresh_token":
        if len(value) < REFRESH_TOKEN_SHORT:
            add("refresh-token-short", f"refresh_token is only {len(value)} characters long.")
    elif kind == "access_token":
        add(
            "access-token-in-refresh-token-field",
            "refresh_token holds an access token (it starts with Atza|, not Atzr|).",
        )
    elif kind == "refresh_token_typo":
        head = value[:5].encode("unicode_escape").decode("ascii")
        add("refresh-token-prefix-typo", f"refresh_token starts with {head!r} instead of 'Atzr|'.")
    elif kind == "authorization_code":
        add(
            "authorization-code-in-refresh-token-field",
            "refresh_token holds an OAuth authorization code (spapi_oauth_code), not a refresh "
            "token.",
        )
    else:
        add("refresh-token-malformed", "refresh_token does not start with Atzr|.")


def _check_aws_access_key(value, kind, add, credentials):
    if kind == "aws_access_key":
        if value.startswith("ASIA"):
            if credentials.aws_session_token:
                add(
                    "aws-temporary-key",
                    "aws_access_key is a temporary ASIA… key; it stops working when its "
                    "session expires.",
                )
            else:
                add(
                    "aws-temporary-key-without-session-token",
                    "aws_access_key is a temporary ASIA… key, but no session token "
                    "(SP_API_SESSION_TOKEN / aws_session_token) comes with it.",
                )
        return
    if kind == "aws_unique_id":
        add(
            "aws-access-key-malformed",
            f"aws_access_key starts with {value[:4]}: that is the unique ID of an IAM "
            f"{'role' if value.startswith('AROA') else 'identity'}, not an access key.",
        )
    elif _AWS_ACCESS_KEY.fullmatch(value.upper()):
        add(
            "aws-access-key-malformed",
            "aws_access_key has lower-case letters; access key IDs are all upper case.",
        )
    else:
        add(
            "aws-access-key-malformed",
            f"aws_access_key is {len(value)} characters and does not start with AKIA or ASIA; "
            "an access key ID is AKIA or ASIA and 16 capitals or digits.",
        )


def _check_aws_secret_key(value, kind, add, credentials):
    if kind == "aws_secret_key":
        return
    bad = sorted({ch for ch in value if not (ch.isascii() and (ch.isalnum() or ch in "/+"))})
    detail = f" and contains {''.join(bad)!r}" if bad else ""
    add(
        "aws-secret-key-malformed",
        f"aws_secret_key is {len(value)} characters{detail}; a secret access key is 40 "
        "letters, digits, / and +.",
    )


def _check_role_arn(value, kind, add, credentials):
    match = _ARN.fullmatch(value)
    if kind == "assumed_role_arn" and match:
        role = match["resource"].split("/")[1]
        suggestion = f"arn:{match['partition']}:iam::{match['account']}:role/{role}"
        add(
            "role-arn-is-assumed-role-arn",
            f"role_arn is an STS session ARN ({value}); the role's ARN is {suggestion}.",
            fix=f"Set role_arn to {suggestion}.",
        )
        return
    if match is None:
        add("role-arn-malformed", "role_arn does not start with arn:aws:iam:: .")
        return
    if match["partition"] not in ("aws", "aws-cn", "aws-us-gov") or match["service"] != "iam":
        add(
            "role-arn-malformed",
            f"role_arn names the {match['service'] or '(empty)'} service in the "
            f"{match['partition'] or '(empty)'} partition; a role ARN starts arn:aws:iam:: .",
        )
        return
    if match["region"]:
        add(
            "role-arn-malformed",
            f"role_arn has a region ({match['region']}); IAM ARNs have none "
            "(arn:aws:iam::<account>:role/<name>).",
        )
        return
    if not re.fullmatch(r"\d{12}", match["account"]):
        add(
            "role-arn-account-id-malformed",
            f"The account ID in role_arn, {match['account']!r}, is "
            f"{len(match['account'])} characters; it must be 12 digits.",
        )
        return
    resource = match["resource"]
    if resource.startswith("user/"):
        add(
            "role-arn-is-user-arn",
            f"role_arn is the ARN of the IAM user {resource[5:]!r}, not of a role.",
        )
    elif resource == "root":
        add("role-arn-malformed", "role_arn names the account's root user, not a role.")
    elif not _ROLE_NAME.fullmatch(resource):
        add(
            "role-arn-malformed",
            f"role_arn names {resource.split('/')[0]!r}; a role ARN ends in role/<name>.",
        )


# --------------------------------------------------------------------------- the pipeline


def _check_one(key, value, credentials, source, findings):
    """Findings for one field; returns the kind identified (for swap detection)."""

    def add(code, message, *, fix=None):
        findings.append(entry(code).finding(message, field=key, fix=fix, source=source))

    if isinstance(value, bytes) or not isinstance(value, str):
        name = type(value).__name__
        what = (
            "bytes" if isinstance(value, bytes) else f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
        )
        add("value-not-text", f"{key} is {what}, not text.")
        return None
    if not value.strip():
        add("value-empty", f"{key} is {'empty' if not value else 'only whitespace'}.")
        return None
    limit = MAX_LENGTH[key]
    size = len(value.encode("utf-8", "surrogatepass")) if key == "refresh_token" else len(value)
    if size > limit:
        unit = "bytes" if key == "refresh_token" else "characters"
        add("value-too-long", f"{key} is {size} {unit} long; the longest valid one is {limit}.")
        return None
    # A placeholder or a variable reference is the whole story: its spaces don't matter.
    probe = value.strip(_ASCII_WHITESPACE).strip(_QUOTES)
    whole = _VARIABLE.fullmatch(probe) is not None
    if whole or "${" in probe:
        # Name the reference only: the rest of a partly expanded value may be a secret.
        embedded = None if whole else _EMBEDDED_VARIABLE.search(probe)
        # "${" is in the text, which the pattern always matches: embedded is never None.
        reference = embedded.group(0) if embedded is not None else probe
        name = reference.strip("${}% ")[:40] or "(no name)"
        add(
            "unexpanded-variable",
            f"{key} {'is' if whole else 'contains'} the literal text {reference[:60]!r}: a "
            f"reference to the variable {name} that was never expanded.",
        )
        return None
    if _looks_placeholder(probe[:ANALYSIS_WINDOW], key):
        add(
            "placeholder-value",
            f"{key} looks like a placeholder from an example, not a real value.",
        )
        return None
    cleaned = _hygiene(key, value, findings, source)
    if _PERCENT_ESCAPE.search(cleaned):
        from urllib.parse import unquote  # only when a %XX escape is there

        decoded = unquote(cleaned)
        escapes = sorted(set(_PERCENT_ESCAPE.findall(cleaned)))
        add(
            "url-encoded",
            f"{key} contains the URL escape(s) {', '.join(escapes[:4])}; decoded, the value "
            "differs.",
        )
        cleaned = decoded
    if cleaned in AWS_EXAMPLE_KEYS:
        add(
            "aws-example-key",
            f"{key} is AWS's documented example {'access' if cleaned.startswith('AKIA') else 'secret'} "
            "key, which only a mock accepts.",
        )
        # ...and it must still sit in its own field: go on with the shape checks.
    kind = identify(cleaned)
    owner = KIND_FIELD.get(kind) if kind is not None else None
    if owner is not None and owner != key:
        _wrong_field(key, kind, findings, source)
        return kind
    if kind == "user_arn" and key != "role_arn":
        _wrong_field_label(key, kind, add)
        return kind
    check = _CHECKS.get(key)
    if check is not None:
        check(cleaned, kind, add, credentials)
    return kind


def _wrong_field_label(key, kind, add):
    add("value-in-wrong-field", f"{key} holds {KIND_LABEL[kind]}, which is no SP-API credential.")


_CHECKS = {
    "refresh_token": _check_refresh_token,
    "lwa_app_id": _check_lwa_app_id,
    "lwa_client_secret": _check_lwa_client_secret,
    "aws_access_key": _check_aws_access_key,
    "aws_secret_key": _check_aws_secret_key,
    "role_arn": _check_role_arn,
    # aws_session_token has no documented shape: only its company is checked (_legacy).
}


def _swaps(kinds, findings, source):
    """Replace two wrong-field findings by one fields-swapped finding where two values cross."""
    done: set[str] = set()
    for key, kind in kinds.items():
        other = KIND_FIELD.get(kind)
        if other is None or other == key or key in done:
            continue
        if KIND_FIELD.get(kinds.get(other)) == key:
            done.update((key, other))
            findings[:] = [
                f
                for f in findings
                if not (f.code == "value-in-wrong-field" and f.field in (key, other))
            ]
            findings.append(
                entry("fields-swapped").finding(
                    f"{key} holds {KIND_LABEL[kind]} and {other} holds {KIND_LABEL[kinds[other]]}: "
                    "the two are swapped.",
                    field=key,
                    fix=f"Swap the values of {key} and {other}.",
                    source=source,
                    details={"fields": [key, other]},
                )
            )


def _legacy(credentials, sp_api_version, findings, source):
    present = [k for k in AWS_KEYS if credentials.get(k) is not None]
    if not present:
        return
    keys = (
        credentials.get("aws_access_key") is not None,
        credentials.get("aws_secret_key") is not None,
    )
    # Incomplete AWS fields matter only where something still signs with them.
    signs = signs_with_aws(sp_api_version)
    if signs and (keys[0] != keys[1] or not any(keys)):
        have = ", ".join(present)
        findings.append(
            entry("aws-fields-incomplete").finding(
                f"Of the AWS fields only {have} {'is' if len(present) == 1 else 'are'} set; the "
                "legacy path needs aws_access_key and aws_secret_key together.",
                source=source,
            )
        )
    if (
        credentials.get("aws_session_token")
        and isinstance(credentials.aws_access_key, str)
        and credentials.aws_access_key.strip().startswith("AKIA")
    ):
        findings.append(
            entry("session-token-with-long-term-key").finding(
                "A session token is set next to a long-term AKIA… access key.", source=source
            )
        )
    if signs:
        findings.append(
            entry("aws-fields-used-by-legacy-library").finding(
                f"python-amazon-sp-api {sp_api_version} is installed: it still assumes the role and "
                "signs every call with these AWS keys.",
                source=source,
            )
        )
    elif sp_api_version:
        findings.append(
            entry("aws-fields-ignored").finding(
                f"python-amazon-sp-api {sp_api_version} is installed: it ignores "
                f"{', '.join(present)}; SP-API has not needed them since 2023-10-02.",
                source=source,
            )
        )
    else:
        findings.append(
            entry("aws-fields-ignored").finding(
                f"{', '.join(present)} {'is' if len(present) == 1 else 'are'} set. SP-API has not "
                "needed AWS keys since 2023-10-02 and python-amazon-sp-api ignores them from 1.0 on "
                "(it is not installed here).",
                source=source,
            )
        )


def check_formats(
    credentials: Credentials | Mapping[str, Any],
    *,
    sp_api_version: str | EllipsisType | None = ...,
    source: str | None = None,
) -> list[Finding]:
    """Every format finding for ``credentials`` (a :class:`Credentials` or a mapping).

    ``sp_api_version`` is the installed python-amazon-sp-api version (detected when not
    given; None means not installed). Never raises on bad values: they are findings.
    """
    if not isinstance(credentials, Credentials):
        credentials = Credentials.from_mapping(credentials)
    if sp_api_version is ...:
        sp_api_version = installed_sp_api_version()
    findings: list[Finding] = []
    kinds = {}
    for spec in FIELDS:
        value = credentials.get(spec.key)
        if value is None:
            continue
        kinds[spec.key] = _check_one(spec.key, value, credentials, source, findings)
    _swaps(kinds, findings, source)
    _legacy(credentials, sp_api_version, findings, source)
    return findings
