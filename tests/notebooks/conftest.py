"""The nbval fixtures here run under the notebooks' own harness (a mock per notebook).

They are collected only when SPAPI_NBVAL_FIXTURES=1 (tests/test_notebooks.py runs them in
a child pytest): half of them must fail, which is their point.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notebooks"))

from nbval_harness import (
    pytest_runtest_setup,
    pytest_runtest_teardown,
    pytest_sessionfinish,
)

__all__ = ["pytest_runtest_setup", "pytest_runtest_teardown", "pytest_sessionfinish"]
