"""The nbval fixtures here run under the notebooks' own harness (a mock per notebook).

They are collected only when SPAPI_NBVAL_FIXTURES=1 (tests/test_notebooks.py runs them in
a child pytest): some of their cells must fail, which is their point.
"""

# notebooks/ is on the import path: `pythonpath` in pyproject.toml.
# pytest finds hooks by name in this module; the harness's __all__ names them, once for
# both folders that use it.
from nbval_harness import *  # noqa: F403
