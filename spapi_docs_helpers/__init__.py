"""Helpers for the SP-API authorisation guide: where credentials come from, whether each
is well formed, the Login with Amazon, AWS STS and SP-API calls, and a verdict that
names the wrong credential.

The public names are imported lazily, so that ``spapi-doctor check --offline`` starts
without importing requests or boto3.
"""

from __future__ import annotations

# Both are loaded by the offline check anyway (argparse, the CLI): here they cost nothing.
import warnings
from importlib import import_module

# The offline start-up never imports typing (5-15 ms): its names are for the type checker
# only, which reads a module-level TYPE_CHECKING as typing's own.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# name -> private module that defines it
_EXPORTS = {
    "AuthorizeError": "_errors",
    "CATALOGUE": "_catalogue",
    "CatalogueView": "_catalogue",
    "CheckError": "_errors",
    "ConsentRequest": "_authorize",
    "Credentials": "_credentials",
    "CredentialsError": "_errors",
    "CredentialsFile": "_stores",
    "Endpoints": "_endpoints",
    "Entry": "_catalogue",
    "EnvFile": "_stores",
    "ExportLines": "_stores",
    "FIELDS": "_credentials",
    "FieldSpec": "_credentials",
    "FleetReport": "_fleet",
    "Finding": "_catalogue",
    "GRANTLESS_SCOPES": "_lwa",
    "IdentityResult": "_sts",
    "LwaError": "_errors",
    "MARKETPLACES": "_endpoints",
    "REGIONS": "_endpoints",
    "PROBES": "_probes",
    "RegionProbe": "_spapi",
    "Report": "_report",
    "Resolution": "_sources",
    "RotationResult": "_rotation",
    "RoleResult": "_sts",
    "RoleTable": "_spapi",
    "SecretStatus": "_rotation",
    "SecretsManagerSecret": "_stores",
    "SellerAuthorization": "_authorize",
    "SellingPartnerApiError": "_errors",
    "SpapiDocsError": "_errors",
    "StageResult": "_report",
    "StoreError": "_errors",
    "StoreResult": "_stores",
    "StsError": "_errors",
    "TokenResult": "_lwa",
    "TransportError": "_errors",
    "assume_role": "_steps",
    "caller_identity": "_steps",
    "catalogue": "_catalogue",
    "check": "_doctor",
    "check_demo": "_doctor",
    "check_fleet": "_fleet",
    "check_formats": "_formats",
    "check_offline": "_doctor",
    "complete_authorization": "_authorize",
    "consent_request": "_authorize",
    "endpoints_from_env": "_endpoints",
    "exchange_refresh_token": "_steps",
    "get_grantless_token": "_steps",
    "mask": "_redaction",
    "probe_regions": "_steps",
    "probe_roles": "_steps",
    "receive_redirect": "_authorize",
    "redact_text": "_redaction",
    "resolve_credentials": "_sources",
    "role_model": "_roles",
    "rotate_client_secret": "_rotation",
    "secret_status": "_rotation",
}

# Old names, still answered for one release with a DeprecationWarning: old -> (new, the
# release that removes it). Not in __all__: dir() and the docs show the new name only.
_DEPRECATED = {
    "SpApiError": ("SellingPartnerApiError", "0.2.0"),
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        new_name, removed_in = _DEPRECATED[name]
        warnings.warn(
            f"spapi_docs_helpers.{name} is deprecated and goes in {removed_in}: use {new_name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return __getattr__(new_name)
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
