"""Faults and latency on demand, per service, for testing what a client does when the
network or the service misbehaves.

A fault replaces the service's answer to the next N matching requests (or to every
request, ``times=None``). The kinds are what real clients meet in the wild:

* ``server-error``: 500 with the service's own error body;
* ``unavailable``: 503 with the service's own error body;
* ``throttled``: 429 with ``Retry-After`` and the service's throttling body;
* ``connection-reset``: the connection is reset (TCP RST) after the request was read;
* ``no-response``: the request is read and no answer ever comes; the socket is held until
  the mock stops (stopping does not wait for it);
* ``proxy-html``: a 502 ``text/html`` "Bad Gateway" page, as a proxy in between sends it;
* ``truncated-json``: the normal answer cut in the middle; Content-Length matches what is
  sent. An answer without a body (rotateApplicationClientSecret's 204) is sent whole.

Services: ``lwa``, ``spapi`` (all six SP-API hosts, production and sandbox), ``sts``,
``secretsmanager`` and ``sqs`` (applied by the mock's proxy in front of moto, so moto itself
is never told to misbehave), and ``consent`` (the Seller Central and Vendor Central consent
pages).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["FAULT_KINDS", "SERVICES", "Fault", "Faults"]

SERVICES = ("lwa", "spapi", "sts", "secretsmanager", "consent", "sqs")
FAULT_KINDS = (
    "server-error",
    "unavailable",
    "throttled",
    "connection-reset",
    "no-response",
    "proxy-html",
    "truncated-json",
)


# Compared by identity: two faults added with the same arguments are still two faults, and
# remove() takes out the one it is given.
@dataclass(eq=False)
class Fault:
    """One fault: ``remaining`` answers left (None: every request, until removed)."""

    service: str
    kind: str
    remaining: int | None
    path_prefix: str | None = None
    retry_after: int = 1

    def matches(self, service: str, path: str) -> bool:
        return self.service == service and (
            self.path_prefix is None or path.startswith(self.path_prefix)
        )


class Faults:
    """The faults and latencies of one running mock (``MockAmazon.faults``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._latency_ms = dict.fromkeys(SERVICES, 0)

    @staticmethod
    def _check_service(service: str) -> None:
        if service not in SERVICES:
            raise ValueError(
                f"unknown service {service!r}; the services are: {', '.join(SERVICES)}"
            )

    def add(
        self,
        service: str,
        kind: str,
        *,
        times: int | None = 1,
        path: str | None = None,
        retry_after: int = 1,
    ) -> Fault:
        """Make ``service`` answer its next ``times`` requests (every one, with
        ``times=None``) whose path starts with ``path`` with fault ``kind``."""
        self._check_service(service)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; the kinds are: {', '.join(FAULT_KINDS)}")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ValueError("times must be a positive whole number, or None for always")
        if not isinstance(retry_after, int) or retry_after < 0:
            raise ValueError("retry_after must be a whole number of seconds, 0 or more")
        fault = Fault(service, kind, times, path, retry_after)
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def clear(self, service: str | None = None) -> None:
        """Remove every fault (of ``service``), and reset its latency to 0."""
        if service is not None:
            self._check_service(service)
        with self._lock:
            self._faults = [f for f in self._faults if service is not None and f.service != service]
            for name in self._latency_ms:
                if service is None or name == service:
                    self._latency_ms[name] = 0

    def set_latency(self, service: str, milliseconds: int) -> None:
        """Delay every answer of ``service`` by ``milliseconds``."""
        self._check_service(service)
        if not isinstance(milliseconds, int) or milliseconds < 0:
            raise ValueError("latency must be a whole number of milliseconds, 0 or more")
        with self._lock:
            self._latency_ms[service] = milliseconds

    def latency_ms(self, service: str) -> int:
        with self._lock:
            return self._latency_ms[service]

    @property
    def pending(self) -> list[Fault]:
        """The faults still to fire (a copy)."""
        with self._lock:
            return list(self._faults)

    def take(self, service: str, path: str) -> Fault | None:
        """The fault for this request, if any (counting it down). Called by the servers."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(service, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return fault
            return None
