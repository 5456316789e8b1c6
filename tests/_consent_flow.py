"""`spapi-doctor authorize --listen` as a user runs it: the installed command in a child
process, for the tests that then play what follows the consent (a tunnel forwarding
Amazon's https redirect to the catcher on loopback, or a real browser).

One place for the command line, for reading the consent URL and the catcher's address off
its output, and for never leaving the child running, so that the unit test and the browser
test drive the same flow.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from spapi_docs_helpers.mock import _consent

DOCTOR = str(Path(sys.executable).with_name("spapi-doctor"))
WAITING = re.compile(r"Waiting for the redirect on (http://127\.0\.0\.1:\d+)/")
# Long enough for a loaded machine; the child is killed on the way out in any case.
LISTEN_SECONDS = 120


@dataclass
class Listening:
    """A running `authorize --listen`: the consent URL it printed, where its catcher
    listens, and the process (for its exit status once finished)."""

    consent_url: str
    catcher: str
    process: subprocess.Popen[str]

    def finish(self) -> tuple[str, str]:
        """Wait for the command to end; its stdout and stderr."""
        return self.process.communicate(timeout=LISTEN_SECONDS)


@contextmanager
def listening_authorize(app_id: str, account: str, *extra: str) -> Iterator[Listening]:
    """Start `spapi-doctor authorize --listen 0` for a draft app in the US marketplace with
    the mock's https Redirect URI, storing into the file under `account`; `extra` options
    are added as given."""
    command = [
        DOCTOR,
        "authorize",
        "--app-id",
        app_id,
        "--marketplace",
        "US",
        "--draft",
        "--redirect-uri",
        _consent.REDIRECT_URI,
        "--listen",
        "0",
        "--listen-timeout",
        str(LISTEN_SECONDS),
        "--account",
        account,
        "--store",
        "file",
        *extra,
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    ) as process:
        try:
            assert process.stdout is not None and process.stderr is not None  # both PIPE
            consent_url = process.stdout.readline().strip()
            catcher = None
            while catcher is None:
                line = process.stderr.readline()
                if not line:
                    raise AssertionError("spapi-doctor authorize ended before it listened")
                found = WAITING.search(line)
                catcher = found.group(1) if found else None
            yield Listening(consent_url, catcher, process)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
