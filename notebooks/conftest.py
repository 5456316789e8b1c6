"""nbval runs the notebooks here against the mock Amazon: see nbval_harness.py."""

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
