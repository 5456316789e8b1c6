"""The nbval fixtures here run under the notebooks' own harness (a mock per notebook).

Some of their cells must fail, which is their point, so every other run leaves them out
(tests/conftest.py ignores this folder unless SPAPI_NBVAL_FIXTURES=1). tests/test_notebooks.py
runs them in a pytest session of their own, in its process, with ``--confcutdir`` here: this
conftest is the only one read. By hand: ``SPAPI_NBVAL_FIXTURES=1 pytest --nbval
--nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg tests/notebooks``.
"""

# notebooks/ is on the import path: `pythonpath` in pyproject.toml.
# pytest finds hooks by name in this module; the harness's __all__ names them, once for
# both folders that use it.
from nbval_harness import *  # noqa: F403
