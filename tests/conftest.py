"""Every test here runs on a machine that holds no credentials.

python-amazon-sp-api and this package read the environment, ``~/.config/python-sp-api``
(through confuse, which also honours ``XDG_CONFIG_HOME`` and, on Windows, ``APPDATA``) and
the working directory (the near-miss file search). The autouse fixture below points all of
those at a fresh temporary directory and removes every variable a credential or endpoint
could come from, so that nothing on the developer's machine or the CI runner leaks into a
test, and no test writes outside ``tmp_path``.

It also provides ``assert_no_leak``: the one check, used throughout, that a text (a
message, a fix, a repr, a whole CLI output) holds no secret or any 12-character piece of
one. Tests in ``tests/mock/`` have their own conftest.
"""

from __future__ import annotations

import os

import pytest

# The nbval fixture notebooks in notebooks/ fail on purpose; only test_notebooks.py runs
# them, in a child pytest that sets SPAPI_NBVAL_FIXTURES=1.
collect_ignore_glob = [] if os.environ.get("SPAPI_NBVAL_FIXTURES") else ["notebooks/*"]

# Variable families a credential, an endpoint, the docs URL or an AWS setting comes from.
_REMOVED_PREFIXES = ("SP_API_", "LWA_", "SPAPI_", "AWS_")
# confuse's override of the config folder (the hyphens are part of the name) and the
# colour switch the CLI honours.
_REMOVED_NAMES = ("PYTHON-SP-APIDIR", "NO_COLOR")


@pytest.fixture(autouse=True)
def isolated_machine(tmp_path, monkeypatch):
    """HOME, the config folders and the working directory in ``tmp_path``; no credentials.

    Returns the fake home directory.
    """
    for name in list(os.environ):
        # Lower-case variants too (lwa_app_id is a near miss the sources report).
        if name.upper().startswith(_REMOVED_PREFIXES) or name in _REMOVED_NAMES:
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    # confuse's lower-priority candidates default to /etc/xdg: keep them in the sandbox too.
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg"))
    monkeypatch.setenv("APPDATA", str(home / "AppData" / "Roaming"))
    monkeypatch.chdir(tmp_path)
    return home


# The markers that say what a value is; they are public, the same for everyone, and the
# masked display form shows them.
PUBLIC_PREFIXES = (
    "amzn1.application-oa2-client.",
    "amzn1.sellerapps.app.",
    "amzn1.sp.solution.",
    "amzn1.oa2-cs.v1.",
    "Atzr|",
    "Atza|",
    "Aztr|",
    "AKIA",
    "ASIA",
)
PIECE = 12


def secret_pieces(secret: str, size: int = PIECE) -> set:
    """Every ``size``-character piece of ``secret`` after its public marker.

    Pieces of a marker itself (a cut-off ``application-oa2-client.``) are public too.
    """
    body = secret
    for prefix in PUBLIC_PREFIXES:
        if body.startswith(prefix):
            body = body[len(prefix) :]
            break
    if len(body) < size:
        pieces = {body} if len(body) >= 4 else set()
    else:
        pieces = {body[i : i + size] for i in range(len(body) - size + 1)}
    return {piece for piece in pieces if not any(piece in prefix for prefix in PUBLIC_PREFIXES)}


def _texts(obj):
    """The texts a finding, a report dict or any nesting of them shows."""
    if obj is None:
        return
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield str(key)
            yield from _texts(value)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for item in obj:
            yield from _texts(item)
    elif hasattr(obj, "as_dict"):
        yield repr(obj)
        yield from _texts(obj.as_dict())
    else:
        yield repr(obj)


def _assert_no_leak(shown, *secrets):
    """Fail when ``shown`` (texts, findings, dicts...) holds any 12-character piece of a secret.

    A secret shorter than 12 characters (after its public marker) must not appear at all.
    """
    texts = list(_texts(shown))
    for secret in secrets:
        if not isinstance(secret, str):
            continue
        for piece in secret_pieces(secret):
            for text in texts:
                assert piece not in text, (
                    f"a piece of a secret ({piece[:4]}…) is shown in: {text[:300]!r}"
                )


@pytest.fixture(scope="session")
def assert_no_leak():
    """``assert_no_leak(shown, *secrets)``; see :func:`_assert_no_leak`."""
    return _assert_no_leak
