"""Every code block the site shows as runnable, run as shown, against the mock Amazon.

A page marks a block it promises will run (MyST: a ``code-block`` with ``:class:
spapi-runnable``) and, right after it, the output a reader sees (``:class: spapi-output``).
Each marked block runs here exactly as the page shows it — ``sh`` blocks in ``sh``, Python
blocks in this environment's Python — with only the credentials a reader would have in the
environment. The code names Amazon's own hosts; ``amazon_hosts`` makes those names reach the
mock over TLS (a certificate authority of the run, name resolution, trust), so nothing in the
code is rewritten. What each block prints must match the output the page shows, must hold no
piece of a secret, and must say what the page's tables say it means.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from amazon_hosts import AmazonHosts

from spapi_docs_helpers.mock import MockAmazon
from spapi_docs_helpers.mock._isolation import clean_environ

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The variables a reader sets (configure.md); the mock's endpoint variables stay out, so a
# block cannot lean on them.
CREDENTIAL_VARIABLES = ("LWA_APP_ID", "LWA_CLIENT_SECRET", "SP_API_REFRESH_TOKEN")
RUNNERS = {"sh": ["sh", "-c"], "python": [sys.executable, "-c"]}
TIMEOUT_S = 120

_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,})\{code-block\}[ \t]+(?P<lang>\S+)[ \t]*\n"
    r"(?P<options>(?:(?P=indent):[\w-]+:[^\n]*\n)*)"
    r"(?P<body>.*?)"
    r"^(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
# A fence of four or more backticks shows Markdown source (the contributing guide's example
# of a runnable block): what it holds is text to read, not a block of the page.
_SOURCE_EXAMPLE = re.compile(r"^(`{4,})[^\n]*\n.*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)


class Block:
    """One ``code-block`` of a page: where, its language, its classes and its text."""

    def __init__(self, page: Path, number: int, match: re.Match):
        self.page = page.relative_to(ROOT).as_posix()
        self.number = number
        self.language = match["lang"]
        classes = re.search(r":class:[ \t]*([^\n]*)", match["options"])
        self.classes = set(classes.group(1).split()) if classes else set()
        indent = match["indent"]
        lines = [line.removeprefix(indent) for line in match["body"].splitlines()]
        self.text = "\n".join(lines).strip("\n") + "\n"
        self.output = None  # the spapi-output block that follows, if any

    @property
    def id(self) -> str:
        return f"{Path(self.page).stem}-{self.number}-{self.language}"


def _blocks() -> list:
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        text = _SOURCE_EXAMPLE.sub("", page.read_text())
        blocks = [Block(page, n, m) for n, m in enumerate(_BLOCK.finditer(text), 1)]
        for block, following in itertools.pairwise(blocks):
            if "spapi-runnable" in block.classes and "spapi-output" in following.classes:
                block.output = following.text
        found += [block for block in blocks if "spapi-runnable" in block.classes]
    return found


RUNNABLE = _blocks()


def _chooses_a_region(block) -> bool:
    return "SP_API_DEFAULT_MARKETPLACE" in block.text or "SPAPI_REGION" in block.text


def _exchange_recipes() -> list:
    return [
        b
        for b in RUNNABLE
        if "auth/o2/token" in b.text and "marketplaceParticipations" not in b.text
    ]


def _first_call_recipes() -> list:
    return [b for b in RUNNABLE if "marketplaceParticipations" in b.text]


@pytest.fixture(scope="module")
def world():
    """``world(scenario)``: a running mock for the scenario, with Amazon's names in front of
    it; started once per scenario for the module."""
    if shutil.which("curl") is None:
        # On CI a missing curl is a failure (.ci/run installs it), elsewhere a skip that says
        # how to get it, as for the browser tests.
        message = "curl is missing: `make curl` installs it (the recipes need it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    running = {}

    def get(scenario: str = "happy"):
        if scenario not in running:
            amazon = MockAmazon(scenario).start()
            hosts = AmazonHosts(environ=amazon.env).__enter__()
            running[scenario] = (amazon, hosts)
        return running[scenario]

    yield get
    for amazon, hosts in running.values():
        hosts.close()
        amazon.stop()


def run(block, world, scenario="happy", extra=None, tmp_path=None):
    """Run ``block`` as the page shows it; (exit status, stdout, stderr, the secrets)."""
    amazon, hosts = world(scenario)
    environ = clean_environ()
    environ.update({name: amazon.env[name] for name in CREDENTIAL_VARIABLES})
    environ.update(hosts.environ())
    environ.update(extra or {})
    if tmp_path is not None:
        environ["HOME"] = str(tmp_path)
    done = subprocess.run(
        [*RUNNERS[block.language], block.text],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    secrets = [amazon.credentials[key] for key in ("refresh_token", "lwa_client_secret")]
    return done.returncode, done.stdout, done.stderr, secrets


# --------------------------------------------------------------------------- what is marked


def test_the_pages_mark_their_runnable_blocks():
    pages = {block.page for block in RUNNABLE}
    assert {"docs/check.md", "docs/configure.md", "docs/first-call.md"} <= pages, pages
    assert {block.language for block in RUNNABLE} <= set(RUNNERS), [
        (b.id, b.language) for b in RUNNABLE
    ]
    # Both checks by hand, each with curl and with plain Python.
    for recipes in (_exchange_recipes(), _first_call_recipes()):
        assert {"sh", "python"} <= {block.language for block in recipes}
        assert all("curl" in b.text for b in recipes if b.language == "sh")
        assert all("import urllib.request" in b.text for b in recipes if b.language == "python")


# --------------------------------------------------------------------------- as shown


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda block: block.id)
def test_the_block_runs_as_shown_and_prints_what_the_page_shows(
    block, world, tmp_path, assert_no_leak
):
    status, out, err, secrets = run(block, world, tmp_path=tmp_path)
    assert status == 0, f"{block.id} exited {status}:\n{out}\n{err}"
    assert out.strip(), f"{block.id} printed nothing"
    assert_no_leak([out, err], *secrets)
    if block.output is not None:
        # curl ends without a newline when the answer has none; a page's block always has one.
        printed, shown = out.rstrip("\n"), block.output.rstrip("\n")
        assert printed == shown, f"{block.id} printed:\n{out}\nthe page shows:\n{block.output}"


@pytest.mark.parametrize(
    "block", [b for b in RUNNABLE if _chooses_a_region(b)], ids=lambda block: block.id
)
def test_the_block_runs_as_shown_for_a_european_account(block, world, tmp_path):
    """No hard-coded region: what the check found (DE, EU) is all the block needs."""
    status, out, err, _ = run(
        block,
        world,
        "happy-eu",
        {"SP_API_DEFAULT_MARKETPLACE": "DE", "SPAPI_REGION": "EU"},
        tmp_path,
    )
    assert status == 0, f"{block.id} exited {status}:\n{out}\n{err}"
    countries = [line.split()[0] for line in out.splitlines()]
    assert countries == ["DE", "FR", "IT", "ES", "GB"], out


# --------------------------------------------------------------------------- what it means


def _table_text(page: str) -> str:
    return (ROOT / page).read_text()


@pytest.mark.parametrize(
    ("scenario", "error"),
    [
        ("revoked-refresh-token", "invalid_grant"),
        ("app-id-as-client-id", "invalid_client"),
        ("wrong-client-secret", "invalid_client"),
        ("token-of-another-app", "unauthorized_client"),
    ],
)
@pytest.mark.parametrize("block", _exchange_recipes(), ids=lambda block: block.id)
def test_the_token_exchange_recipe_shows_lwa_answer_the_page_explains(
    block, world, scenario, error, tmp_path, assert_no_leak
):
    status, out, err, secrets = run(block, world, scenario, tmp_path=tmp_path)
    assert status == 0, err
    assert f'"error":"{error}"' in out.replace(" ", ""), out
    assert "access_token" not in out
    assert f"`{error}`" in _table_text(block.page), f"{block.page} does not explain {error}"
    assert_no_leak([out, err], *secrets)


@pytest.mark.parametrize("block", _first_call_recipes(), ids=lambda block: block.id)
def test_the_first_call_recipe_shows_the_bare_403_of_another_region(block, world, tmp_path):
    """A European token on the North American endpoint (the recipes' REGION=na)."""
    status, out, err, _ = run(block, world, "happy-eu", tmp_path=tmp_path)
    assert status == 0, err
    assert '"code":"Unauthorized"' in out.replace(" ", "") and '"details":""' in out.replace(
        " ", ""
    ), out
    table = _table_text(block.page)
    assert '403 `"code":"Unauthorized"` with `"details":""`' in table


def test_a_name_the_mock_does_not_stand_in_for_is_refused(world, tmp_path):
    """The front answers Amazon's hosts only: any other name reaches nothing."""
    _amazon, hosts = world()
    done = subprocess.run(
        [
            "curl",
            "--silent",
            "--max-time",
            "10",
            "--connect-to",
            f"example.com:443:127.0.0.1:{hosts.port}",
            "https://example.com/",
        ],
        env={**clean_environ(), **hosts.environ()},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode != 0 and not done.stdout
