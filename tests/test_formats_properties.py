"""Properties of ``check_formats`` and ``mask`` over generated input (hypothesis).

* nothing raises, whatever the type or size of a value, and every finding is a catalogue
  finding with a valid severity, printable as UTF-8;
* no finding shows a 12-character piece of a secret-looking value;
* well-formed credentials, generated from their formats, earn no error;
* ``mask`` never shows a value in full, and always says how long it is.
"""

from __future__ import annotations

import json
import re
import string

from _values import PUBLIC_PREFIXES
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from spapi_docs_helpers import Finding, check_formats, mask
from spapi_docs_helpers._catalogue import CATALOGUE, SEVERITIES
from spapi_docs_helpers._credentials import FIELD_KEYS, FIELDS

CODES = {item.code: item.severity for item in CATALOGUE}
SECRET_KEYS = [spec.key for spec in FIELDS if spec.secret]
VERSIONS = st.sampled_from(["2.1.35", "0.19.4", None])

# Large values are built by repetition, so a megabyte costs hypothesis nothing to draw.
huge_text = st.builds(
    lambda prefix, piece, times, suffix: prefix + piece * times + suffix,
    st.sampled_from(["", *PUBLIC_PREFIXES, " ", '"']),
    st.text(min_size=1, max_size=8),
    st.integers(min_value=1, max_value=1_000_000 // 8),
    st.text(max_size=4),
)
# Lone surrogates reach os.environ from undecodable bytes (surrogateescape).
any_characters = st.characters(codec=None) | st.characters(
    min_codepoint=0xD800, max_codepoint=0xDFFF
)
any_value = st.one_of(
    st.none(),
    st.text(),
    st.text(any_characters, max_size=80),
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(PUBLIC_PREFIXES), st.text()),
    st.binary(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    huge_text,
)
any_credentials = st.fixed_dictionaries({}, optional={key: any_value for key in FIELD_KEYS})

PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def assert_valid(findings):
    assert isinstance(findings, list)
    for finding in findings:
        assert isinstance(finding, Finding)
        assert finding.code in CODES
        assert finding.severity == CODES[finding.code]
        assert finding.severity in SEVERITIES
        assert finding.field is None or finding.field in FIELD_KEYS
        assert isinstance(finding.message, str) and finding.message
        assert isinstance(finding.fix, str) and finding.fix
        # The CLI prints it and writes it as JSON: it must encode.
        json.dumps(finding.as_dict(), ensure_ascii=False).encode("utf-8")


@PROPERTY_SETTINGS
@given(credentials=any_credentials, version=VERSIONS)
def test_check_formats_never_raises_and_returns_catalogue_findings(credentials, version):
    assert_valid(check_formats(credentials, sp_api_version=version))


@PROPERTY_SETTINGS
@given(key=st.sampled_from(FIELD_KEYS), value=huge_text)
def test_huge_values_are_checked_quickly_without_error(key, value):
    assert_valid(check_formats({key: value}, sp_api_version=None))


# --------------------------------------------------------------------------- leaks

# A random alphabet per example: pieces of a value drawn from it are its own, not words of
# a message. ($ % { } would make it a variable reference, whose name is shown on purpose.)
_POOL = sorted(
    set(string.ascii_letters + string.digits + "/+=-_.|:@!#&*()[]<>?,;~^'\"` ")
    | set("éßöа ο\u200b\ufeff\u00a0\t\n")
)


def _drawn(alphabet: str, size: int, max_size: int | None = None):
    """``size`` (to ``max_size``) characters of ``alphabet``: what ``[alphabet]{size,max}``
    matches, drawn as bytes, each naming a character (``st.text`` makes a choice per
    character, three to four times the CPU for values of hundreds of characters;
    ``st.from_regex`` took some 20 ms a set of credentials, and kept the well-formed test to
    50 examples). A byte shrinks to 0, so a failing value shrinks to the alphabet's first
    character."""
    return st.binary(min_size=size, max_size=size if max_size is None else max_size).map(
        lambda raw: "".join([alphabet[byte % len(alphabet)] for byte in raw])
    )


# Made once: a strategy made afresh inside every draw cost hypothesis more than drawing it.
_ALPHABETS = st.lists(st.sampled_from(_POOL), min_size=8, max_size=40, unique=True)
# The body's characters, each byte naming one of the example's alphabet (see _drawn).
_BODY_BYTES = st.binary(min_size=12, max_size=300)
_SECRET_PREFIXES = st.sampled_from(["", "", *PUBLIC_PREFIXES])


@st.composite
def secret_looking(draw):
    alphabet = draw(_ALPHABETS)
    body = "".join([alphabet[byte % len(alphabet)] for byte in draw(_BODY_BYTES)])
    return draw(_SECRET_PREFIXES) + body


_SECRETS = secret_looking()
_SECRET_KEY_SETS = st.lists(st.sampled_from(SECRET_KEYS), min_size=1, max_size=4, unique=True)


@PROPERTY_SETTINGS
@given(data=st.data(), version=VERSIONS)
def test_findings_never_show_a_piece_of_a_secret(data, version, assert_no_leak):
    keys = data.draw(_SECRET_KEY_SETS)
    credentials = {key: data.draw(_SECRETS, label=key) for key in keys}
    findings = check_formats(credentials, sp_api_version=version)
    shown = [[f.message, f.fix, repr(f), f.one_line()] for f in findings]
    assert_no_leak(shown, *credentials.values())


# --------------------------------------------------------------------------- well formed


HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
# The formats of well-formed values, and strategies that draw exactly the strings each
# matches (test_the_well_formed_strategies_draw_their_formats holds them to it).
FORMATS = {
    "lwa_app_id": r"amzn1\.application-oa2-client\.[0-9a-f]{32}",
    "lwa_client_secret": r"amzn1\.oa2-cs\.v1\.[0-9a-f]{64}",
    "refresh_token": r"Atzr\|IwEB[A-Za-z0-9_]{60,600}",
    "aws_access_key": r"AKIA[A-Z0-9]{16}",
    "aws_secret_key": r"[A-Za-z0-9/+]{40}",
    "role_arn": r"arn:aws:iam::[0-9]{12}:role/([A-Za-z0-9_+=,@-]{1,20}/)?[A-Za-z0-9_+=,.@-]{1,64}",
    # Real session tokens run to hundreds of characters (40 would be a secret key's shape).
    "aws_session_token": r"[A-Za-z0-9/+=]{100,1000}",
}
WELL_FORMED = {
    "lwa_app_id": _drawn(HEX, 32).map("amzn1.application-oa2-client.".__add__),
    "lwa_client_secret": _drawn(HEX, 64).map("amzn1.oa2-cs.v1.".__add__),
    "refresh_token": _drawn(ALNUM + "_", 60, 600).map("Atzr|IwEB".__add__),
    "aws_access_key": _drawn(string.ascii_uppercase + string.digits, 16).map("AKIA".__add__),
    "aws_secret_key": _drawn(ALNUM + "/+", 40),
    # A role name of filler alone ('.', 'xxxx', '----') is legal for IAM but is what an
    # example's placeholder looks like, and is reported so (placeholder-value): not drawn.
    "role_arn": st.builds(
        "arn:aws:iam::{}:role/{}{}".format,
        _drawn(string.digits, 12),
        st.just("") | _drawn(ALNUM + "_+=,@-", 1, 20).map(lambda path: path + "/"),
        _drawn(ALNUM + "_+=,.@-", 1, 64).filter(lambda name: not set(name) <= set("xX*.…#_-?")),
    ),
    "aws_session_token": _drawn(ALNUM + "/+=", 100, 1000),
}
well_formed_credentials = st.fixed_dictionaries(
    {
        "lwa_app_id": WELL_FORMED["lwa_app_id"],
        "lwa_client_secret": WELL_FORMED["lwa_client_secret"],
    },
    optional={
        key: strategy
        for key, strategy in WELL_FORMED.items()
        if key not in ("lwa_app_id", "lwa_client_secret")
    },
)


@PROPERTY_SETTINGS
@given(credentials=well_formed_credentials, version=VERSIONS)
def test_well_formed_credentials_earn_no_error(credentials, version):
    findings = check_formats(credentials, sp_api_version=version)
    assert [f.code for f in findings if f.severity == "error"] == []


# A check of the test's own strategies: a few draws of each show a wrong one.
@settings(max_examples=25)
@given(data=st.data())
def test_the_well_formed_strategies_draw_their_formats(data):
    assert set(FORMATS) == set(WELL_FORMED)
    for key, strategy in WELL_FORMED.items():
        value = data.draw(strategy, label=key)
        assert re.fullmatch(FORMATS[key], value), (key, value)


# --------------------------------------------------------------------------- mask


def _shown_part(masked: str, value) -> str:
    length = len(value)
    suffix = f"…({length} chars)"
    assert masked.endswith(suffix), (masked, length)
    return masked[: -len(suffix)]


@settings(max_examples=300, deadline=None)
@given(value=st.text(any_characters) | huge_text | st.sampled_from(PUBLIC_PREFIXES))
@example(value="AKIA")
@example(value="Atzr|")
@example(value="amzn1.oa2-cs.v1.")
@example(value="Atzr|x")
def test_mask_never_shows_the_whole_value_and_always_gives_its_length(value):
    assume(value != "")
    masked = mask(value)
    shown = _shown_part(masked, value)
    # What is shown is the beginning of the value (escaped where a terminal would hide
    # characters), and never all of it.
    from spapi_docs_helpers._redaction import _printable

    revealed = next((n for n in range(len(value)) if _printable(value[:n]) == shown), None)
    assert revealed is not None, (value, masked)
    assert revealed < len(value)
    # Beyond a public marker, at most four characters, and at most a quarter of the rest.
    marker = max(
        (p for p in PUBLIC_PREFIXES if value.startswith(p) and len(value) > len(p)),
        key=len,
        default="",
    )
    assert revealed - len(marker) <= min(4, (len(value) - len(marker)) // 4)


@given(value=st.binary())
def test_mask_of_bytes_gives_the_length_only(value):
    assert mask(value) == f"(bytes, {len(value)} long)"
