"""The nbval harness: each notebook runs against the mock Amazon, with no code in it.

Used by notebooks/conftest.py, and by tests/notebooks/conftest.py for the fixtures
that prove the harness can fail.

Before a notebook's kernel starts (it starts when the notebook's first cell is set up),
a mock Amazon is started for the scenario in the notebook's metadata
(``metadata.spapi.mock_scenario``) and os.environ is pointed at it, from an empty HOME —
exactly what ``make notebooks`` does when it writes the outputs (regenerate.py): both take
the mock's environment from ``spapi_docs_helpers.mock._isolation``. The kernel inherits that
environment; the mock stops after the notebook's last cell.

pytest finds this module through ``pythonpath`` in pyproject.toml (``notebooks/``). Under
pytest-xdist (``make test``), ``--dist loadfile`` keeps each notebook's cells in one worker,
in order: they share its kernel and its mock.

nbval's kernels are started by :class:`notebook_kernels.IpcKernelManager`: over ipc files, not
loopback TCP ports that another worker's server can take while the kernel starts (the reason,
measured, is in notebook_kernels.py). nbval has no option for its kernel manager and reads
no Jupyter configuration file (it builds ``KernelManager(...)`` with neither config nor
parent), so the class is set where nbval looks it up, ``nbval.kernel.KernelManager``, by
``pytest_configure`` of the conftest.py that registers the harness, before any cell.
The fixture notebook test-harness-happy.ipynb asks its kernel for its transport: if this
stopped taking effect, tests/test_notebooks.py would fail.
"""

from __future__ import annotations

import os

import pytest

from spapi_docs_helpers.mock._isolation import mock_environment, notebook_scenario

# The hooks a conftest.py registers by ``from nbval_harness import *`` (notebooks/ and the
# fixture notebooks of tests/notebooks/): one list, so that a hook added here reaches both.
__all__ = [
    "pytest_configure",
    "pytest_runtest_setup",
    "pytest_runtest_teardown",
    "pytest_sessionfinish",
]


def pytest_configure(config):
    """When nbval runs notebooks (``--nbval`` or ``--nbval-lax``), its kernels are
    :class:`_NbvalKernelManager`'s. Only then: nbval's kernel module imports jupyter_client,
    a third of a second for every pytest process that loads this conftest (``make check``,
    every xdist worker) and starts no kernel."""
    if config.getoption("nbval", False) or config.getoption("nbval_lax", False):
        import nbval.kernel

        nbval.kernel.KernelManager = _nbval_kernel_manager()


def _nbval_kernel_manager():
    """nbval's kernel manager: over ipc, and the kernel's standard error kept.

    nbval sends the kernel's standard error to /dev/null, where the reason a kernel dies
    (its traceback) is lost. Inherited instead, it lands in pytest's capture of the cell
    being set up, which pytest shows with that cell's failure.
    """
    from notebook_kernels import IpcKernelManager

    class _NbvalKernelManager(IpcKernelManager):
        def start_kernel(self, **kwargs):
            stderr = kwargs.get("stderr")
            if getattr(stderr, "name", None) == os.devnull:
                del kwargs["stderr"]
                stderr.close()
            return super().start_kernel(**kwargs)

    return _NbvalKernelManager


class _MockPerNotebook:
    def __init__(self):
        self.parent = None
        self.context = None

    def enter(self, notebook_item):
        parent = notebook_item.parent
        if parent is self.parent:
            return
        self.leave()
        self.context = mock_environment(notebook_scenario(parent.nb))
        self.context.__enter__()
        self.parent = parent

    def leave(self):
        if self.context is not None:
            self.context.__exit__(None, None, None)
        self.context = None
        self.parent = None


_mock = _MockPerNotebook()


def _is_notebook_cell(item) -> bool:
    return hasattr(item.parent, "nb") and item.nodeid.split("::")[0].endswith(".ipynb")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if _is_notebook_cell(item):
        _mock.enter(item)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    if _is_notebook_cell(item) and (nextitem is None or nextitem.parent is not item.parent):
        _mock.leave()


def pytest_sessionfinish(session):
    _mock.leave()
