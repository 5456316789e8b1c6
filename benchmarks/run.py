"""Run every benchmark and print the results as Markdown (`make bench`).

- startup.py: `spapi-doctor check --offline` against a bare interpreter;
- concurrency.py: a full check against the mock with a fixed latency per call, against its
  critical path and against the same calls made in sequence through python-amazon-sp-api;
- mock_load.py: the mock itself under load: a burst of 200 simultaneous connections, and
  requests on a kept-alive connection.
- bounds.py: calls against hostile servers (deadlines, a gzip bomb) and Ctrl-C in a check.
- fleet.py: check --all-accounts on 500 and 5,000 mock sellers (100 ms per call, 32 at a
  time) against the ideal, its peak memory, and how both grow.
"""

from __future__ import annotations

import platform
import sys

# This script's folder is sys.path[0]: its neighbours import as they are.
import bounds
import concurrency
import fleet
import mock_load
import startup


def main() -> int:
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{platform.system()}; medians.\n"
    )
    print("### Start-up of the offline check\n")
    startup.main(["--markdown"])
    print("\n### A full check against the mock (100 ms per call)\n")
    concurrency.main(["--markdown"])
    print("\n### The mock under load\n")
    mock_load.main(["--markdown"])
    print("\n### The bounds: hostile servers and Ctrl-C\n")
    bounds.main(["--markdown"])
    print("\n### Many accounts at once: check --all-accounts (100 ms per call, 32 at a time)\n")
    fleet.main(["--markdown"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
