"""Notebook kernels reached over Unix sockets (ZeroMQ ``ipc``), never over loopback TCP ports.

Why: jupyter_client chooses a kernel's five TCP ports by binding port 0 and closing the
sockets again; the kernel process binds them itself a second or more later, once Python and
ipykernel have started. A process that binds port 0 on loopback in between may be handed
one of them, and the kernel then dies on ``EADDRINUSE`` before it answers: nbval reports
"Kernel died before replying to kernel_info" for every cell of the notebook (it sends the
kernel's standard error to /dev/null, so the reason is not shown; jupyter_client issue 487).
Under ``make test`` the mocks and test servers of the other xdist workers bind port 0 many
times a second. Reproduced: kernels started as nbval starts them, while two processes
churned through loopback ports, died 8 times in 10, each with ``ZMQError: Address already
in use`` on its standard error; the same kernels over ``ipc`` started every time.

Over ``ipc`` a kernel's sockets are files whose names start with a fresh random prefix in
the temporary folder: nothing is chosen first and bound later, and no other process's choice
can collide with them. jupyter_client removes the files when the kernel shuts down.

The kernels start without ipykernel's debugger. ipykernel imports debugpy (and pydevd,
which it vendors) in every kernel it starts, whether or not a client ever asks to debug:
measured, a fifth of a second of CPU of the kernel's two thirds of a second of start-up, paid
by every notebook nbval runs. No notebook here is debugged: their kernels are driven by
nbval, nbclient and the canary, none of which sends a debug request. So the kernel command
runs ipykernel's own launcher after making ``debugpy`` unimportable (``None`` in
``sys.modules``), which ipykernel takes as debugpy not being installed: the kernel then
answers ``kernel_info`` without the ``debugger`` feature, as it does wherever debugpy is
missing. JupyterLab (``make lab``) starts its kernels itself, with the debugger.
The fixture notebook test-harness-happy.ipynb asks its kernel whether debugpy was loaded.

Every kernel the project starts uses this manager: the nbval harness's (nbval_harness.py),
``make notebooks``'s (regenerate.py) and the canary run's (tests/canary_run.py).
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid

from jupyter_client.manager import KernelManager
from traitlets import default

# ipykernel_launcher run as ``python -m ipykernel_launcher`` runs it, after debugpy is made
# unimportable (see the module docstring). runpy keeps the launcher's own handling of
# sys.path (it takes the working folder out while ipykernel loads; IPython puts it back).
KERNEL_LAUNCHER = (
    "import runpy, sys; sys.modules['debugpy'] = None; "
    "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)"
)


class IpcKernelManager(KernelManager):
    """A :class:`~jupyter_client.manager.KernelManager` whose kernels listen on ipc files."""

    @default("transport")
    def _default_transport(self) -> str:
        # ZeroMQ's ipc transport needs Unix domain sockets, which pyzmq does not offer on
        # Windows: there the kernels keep jupyter_client's TCP default (and its race).
        return "tcp" if sys.platform == "win32" else "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        if self.transport != "ipc":
            return super()._ip_default()
        # An absolute path (the kernel runs in the notebook's folder, its client elsewhere)
        # and a short one: a Unix socket's path must stay under 104 bytes.
        return os.path.join(tempfile.gettempdir(), f"spapi-kernel-{uuid.uuid4().hex[:16]}")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernelspec's command, with ipykernel's launcher started without debugpy.

        A kernelspec that starts something else than ``-m ipykernel_launcher`` is left as it is.
        """
        command = super().format_kernel_cmd(extra_arguments)
        if command[1:3] == ["-m", "ipykernel_launcher"]:
            command[1:3] = ["-c", KERNEL_LAUNCHER]
        return command
