"""A Python child that answers in JSON, for what only a fresh interpreter shows: what an
import loads, what a library reads from a clean start."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from typing import Any


def python_json(
    code: str, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> Any:
    """``python -c code args...`` (with ``env``, else this process's environment, and
    ``stdin``), which must end with status 0; what it printed, read as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=None if env is None else dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
