"""nbval runs the notebooks here against the mock Amazon: see nbval_harness.py."""

# pytest finds hooks by name in this module; the harness's __all__ names them, once for
# both folders that use it.
from nbval_harness import *  # noqa: F403
