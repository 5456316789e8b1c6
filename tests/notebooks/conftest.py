"""The nbval fixtures here run under the notebooks' own harness (a mock per notebook).

They are collected only when SPAPI_NBVAL_FIXTURES=1 (tests/test_notebooks.py runs them in
a child pytest): some of their cells must fail, which is their point.
"""

# notebooks/ is on the import path: `pythonpath` in pyproject.toml.
from nbval_harness import (
    pytest_configure,
    pytest_runtest_setup,
    pytest_runtest_teardown,
    pytest_sessionfinish,
)

__all__ = [
    "pytest_configure",
    "pytest_runtest_setup",
    "pytest_runtest_teardown",
    "pytest_sessionfinish",
]
