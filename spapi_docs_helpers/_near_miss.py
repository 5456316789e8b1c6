"""What a name or a key was probably meant to be: near misses of the credentials' names.

A variable named ``LWA_CLIENT_ID`` or a key ``client_secret`` holds a credential no library
reads; the sources report them with the name that was meant. The rules: exact names in
another case, the names boto3 and older libraries read, names one or two letters away
(:func:`edit_distance`), and names whose words point at one credential, in a credential
context. A key nobody reads is reported by :func:`unknown_key`, which summarises instead
of listing when there are many (a file of a hundred thousand keys gives a dozen findings,
not a hundred thousand).
"""

from __future__ import annotations

import re

from ._catalogue import entry
from ._credentials import ENV_NAMES, FIELD_KEYS, SECRET_JSON_KEYS, field_spec
from ._redaction import mask, redact_text


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance; with ``limit``, anything beyond it comes back as ``limit + 1``
    (cheaply, when the lengths alone say so). Near misses of names and prefixes use it."""
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


_NAME_TOKENS = re.compile(r"[A-Z0-9]+")
_CONTEXT_TOKENS = frozenset(
    {"SP", "SPAPI", "API", "LWA", "AMAZON", "AMZ", "AMZN", "SELLING", "PARTNER", "SELLER", "MWS"}
)
_CREDENTIAL_WORDS = (
    "LWA",
    "SP",
    "API",
    "APP",
    "CLIENT",
    "SECRET",
    "REFRESH",
    "TOKEN",
    "KEY",
    "ROLE",
    "ARN",
    "ACCESS",
    "AMAZON",
    "AMZ",
    "SELL",
)
_AWS_STANDARD = {
    "AWS_ACCESS_KEY_ID": "aws_access_key",
    "AWS_SECRET_ACCESS_KEY": "aws_secret_key",
    "AWS_SESSION_TOKEN": "aws_session_token",
    "AWS_ROLE_ARN": "role_arn",
}


def _concept(tokens) -> str | None:
    """The credential a variable name's words point at, if any."""
    words = set(tokens)
    if "REFRESH" in words:
        return "refresh_token"
    if "SECRET" in words:
        if words & {"ACCESS", "AWS"} or ("KEY" in words and not words & {"CLIENT", "LWA"}):
            return "aws_secret_key"
        return "lwa_client_secret"
    if "ROLE" in words and ("ARN" in words or "AWS" in words):
        return "role_arn"
    if "ACCESS" in words and "KEY" in words:
        return "aws_access_key"
    if "SESSION" in words and "TOKEN" in words:
        return "aws_session_token"
    if ("ID" in words or "IDENTIFIER" in words) and words & {"CLIENT", "APP", "APPLICATION"}:
        return "lwa_app_id"
    return None


def near_miss_target(name: str, account: str):
    """``(field key, reason)`` when ``name`` looks meant for a credential, else None."""
    upper = name.upper()
    normalised = "_".join(_NAME_TOKENS.findall(upper))
    for env_name, key in ENV_NAMES.items():
        if normalised in (env_name, f"{env_name}_{account.upper()}"):
            return (
                key,
                f"environment variable names are case-sensitive; the library reads {env_name}",
            )
    if normalised in _AWS_STANDARD:
        key = _AWS_STANDARD[normalised]
        return key, (
            f"boto3 reads {normalised}, but python-amazon-sp-api read "
            f"{field_spec(key).env} (releases before 1.0)"
        )
    # Most variables (PATH, HOME, LANG...) share no word with a credential: skip them cheaply.
    if not any(word in normalised for word in _CREDENTIAL_WORDS):
        return None
    for env_name, key in ENV_NAMES.items():
        if len(normalised) >= 8 and edit_distance(normalised, env_name, 2) <= 2:
            return key, f"it is one or two letters away from {env_name}"
    tokens = normalised.split("_")
    concept = _concept(tokens)
    if concept is None:
        return None
    bare = normalised in ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN", "ROLE_ARN", "APP_ID")
    if bare or set(tokens) & _CONTEXT_TOKENS:
        return concept, (
            f"python-amazon-sp-api reads the {concept} from {field_spec(concept).env} only"
        )
    return None


_KEY_SYNONYMS = {
    "client_id": "lwa_app_id",
    "lwa_client_id": "lwa_app_id",
    "app_id": "lwa_app_id",
    "client_identifier": "lwa_app_id",
    "lwa_client_identifier": "lwa_app_id",
    "lwa_id": "lwa_app_id",
    "clientid": "lwa_app_id",
    "client_secret": "lwa_client_secret",
    "lwa_secret": "lwa_client_secret",
    "secret": "lwa_client_secret",
    "clientsecret": "lwa_client_secret",
    "token": "refresh_token",
    "refreshtoken": "refresh_token",
    "sp_api_refresh_token": "refresh_token",
    "lwa_refresh_token": "refresh_token",
    "access_key": "aws_access_key",
    "aws_access_key_id": "aws_access_key",
    "secret_key": "aws_secret_key",
    "aws_secret_access_key": "aws_secret_key",
    "role": "role_arn",
    "arn": "role_arn",
    "iam_role_arn": "role_arn",
    "aws_role_arn": "role_arn",
    "session_token": "aws_session_token",
}


def suggest_key(key, known) -> str | None:
    """The known key an unknown one was probably meant to be."""
    text = str(key)
    lowered = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if known is FIELD_KEYS:
        candidate = _KEY_SYNONYMS.get(lowered, lowered)
        if candidate in FIELD_KEYS:
            return candidate
        spelled = [k for k in FIELD_KEYS if edit_distance(lowered, k, 2) <= 2]
        return spelled[0] if spelled else None
    # Secrets Manager: upper-case environment-style names.
    upper = lowered.upper()
    if upper in known:
        return upper
    field_key = _KEY_SYNONYMS.get(lowered, lowered)
    for json_key, key_name in known.items():
        if key_name == field_key:
            return json_key
    spelled = [k for k in known if edit_distance(upper, k, 2) <= 2]
    return spelled[0] if spelled else None


# At most this many keys (or variables) nobody reads get a finding each, per source; the
# rest are counted in one more finding, so that the report stays readable and bounded.
MAX_LISTED = 10

# What an account name or a key looks like; anything else read from a file is shown masked,
# since it may be a secret pasted in the wrong place, or a line of another file.
_NAME_LIKE = re.compile(r"[\w .\-]{1,40}")


def shown_key(key) -> str:
    """A key or account name read from a source, as it may be shown.

    Quoted when it looks like a name; masked (its first characters and its length) when it
    is long, of a secret's shape, or holds what no name holds: a secret pasted as a YAML
    key, or a line of whatever file a symlink points at, is never printed whole.
    """
    text = str(key)
    if _NAME_LIKE.fullmatch(text) and redact_text(text) == text:
        return repr(text)
    return mask(text)


def shown_keys(keys, limit=MAX_LISTED) -> str:
    """The first ``limit`` of ``keys`` (see :func:`shown_key`), and how many more there are."""
    keys = list(keys)
    listed = ", ".join(shown_key(key) for key in keys[:limit])
    more = len(keys) - limit
    return listed + (f" and {more} more" if more > 0 else "")


def unknown_key(findings, source, key, known, *, where, line=None):
    """A finding for one key no library reads, with the key it was probably meant to be."""
    suggestion = suggest_key(key, known)
    at = f" (line {line})" if line else ""
    shown = shown_key(key)
    if suggestion:
        message = (
            f"{shown} {where}{at} is not a key any library reads; did you mean {suggestion!r}?"
        )
        fix = f"Rename {shown} to {suggestion!r}."
        field = suggestion if suggestion in FIELD_KEYS else SECRET_JSON_KEYS.get(suggestion)
    else:
        expected = ", ".join(known)
        message = f"{shown} {where}{at} is not a key any library reads (expected: {expected})."
        fix = None
        field = None
    findings.append(
        entry("unknown-credential-key").finding(message, field=field, fix=fix, source=source)
    )


def unknown_keys(findings, source, keys, known, *, where):
    """Findings for the keys no library reads: ``keys`` holds ``(key, line or None)`` pairs.

    The first :data:`MAX_LISTED` get a finding each; the rest one finding that counts them.
    """
    for key, line in keys[:MAX_LISTED]:
        unknown_key(findings, source, key, known, where=where, line=line)
    rest = keys[MAX_LISTED:]
    if rest:
        findings.append(
            entry("unknown-credential-key").finding(
                f"{len(rest)} more keys {where} are not keys any library reads either (not "
                f"listed one by one; the next: {shown_keys([k for k, _ in rest[:3]])}…).",
                field=None,
                source=source,
            )
        )
