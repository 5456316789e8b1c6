"""The mock Amazon: Login with Amazon, the Selling Partner API (production and sandbox
hosts of NA, EU and FE), the consent pages of Seller Central and Vendor Central, AWS STS
and Secrets Manager, on loopback ports.

It answers the way the real services answer (same URLs and methods, same status codes,
same error bodies), so code that passes against it is code that works against Amazon,
pointed at other endpoints. Its world (apps, sellers, refresh tokens, IAM users) is
data, and a named scenario picks the credentials a user has configured::

    from spapi_docs_helpers.mock import MockAmazon

    with MockAmazon("revoked-refresh-token") as amazon:
        amazon.env            # the environment a client needs
        amazon.faults.add("spapi", "throttled", times=2)

Where it differs from Amazon, and why, is documented where it happens: LWA in
``_lwa``, SP-API in ``_spapi``, AWS (moto's gaps) in ``_aws``, the world's rules in
``_world``. The public names are imported lazily, so that importing this package (as
the pytest plugin does in every run) costs nothing.
"""

from __future__ import annotations

import importlib

# The offline start-up never imports typing (5-15 ms): its names are for the type checker
# only, which reads a module-level TYPE_CHECKING as typing's own.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# name -> private module that defines it
_EXPORTS = {
    "FAULT_KINDS": "_faults",
    "MOCK_NOW": "_world",
    "MockAmazon": "_amazon",
    "MockAmazonError": "_amazon",
    "MockConsentError": "_consent",
    "SCENARIOS": "_scenarios",
    "Scenario": "_scenarios",
    "UnknownScenarioError": "_scenarios",
    "Wire": "_scenarios",
    "consent_as_seller": "_consent",
    "scenario": "_scenarios",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
