"""What the peer libraries installed next to us are, found without importing them.

python-amazon-sp-api (``sp_api``) and Amazon's own SDK (``amzn-sp-api``, import name
``spapi``) consume the same credentials in different ways; which one is installed, and
which version, changes what the report says (python-amazon-sp-api ignores the AWS fields
from 1.0 on). Importing them would cost a quarter of a second, so the version is read from
the installed files instead.
"""

from __future__ import annotations

import os
import re
import sys

_VERSION_ASSIGNMENT = re.compile(r"""__version__\s*=\s*['"]([^'"]+)['"]""")


class PeerLibrary:
    __slots__ = ("distribution", "import_name", "version")

    def __init__(self, distribution, import_name, version):
        self.distribution = distribution
        self.import_name = import_name
        self.version = version

    @property
    def major(self) -> int | None:
        match = re.match(r"(\d+)", self.version or "")
        return int(match.group(1)) if match else None

    def as_dict(self) -> dict:
        return {
            "distribution": self.distribution,
            "import": self.import_name,
            "version": self.version,
        }

    def __repr__(self):
        return f"PeerLibrary({self.distribution!r}, {self.version!r})"


def _package_dir(import_name: str) -> str | None:
    """The folder import would load ``import_name`` from (regular packages on sys.path).

    A plain walk of sys.path: importlib.util.find_spec would say the same for installed
    distributions, at the price of importing importlib.util.
    """
    for entry in sys.path:
        folder = os.path.join(entry or os.getcwd(), import_name)
        if os.path.isfile(os.path.join(folder, "__init__.py")):
            return folder
    return None


def _version_from_files(package_dir: str, candidates) -> str | None:
    for name in candidates:
        try:
            with open(os.path.join(package_dir, name), encoding="utf-8") as handle:
                match = _VERSION_ASSIGNMENT.search(handle.read())
        except OSError:
            continue
        if match:
            return match.group(1)
    return None


def _dist_info_version(package_dir: str, distribution: str) -> str | None:
    """The version in the ``*.dist-info`` folder beside the package (wheel installs)."""
    site = os.path.dirname(package_dir)
    prefix = distribution.replace("-", "_").lower() + "-"
    try:
        names = os.listdir(site)
    except OSError:
        return None
    for name in names:
        lowered = name.lower()
        if lowered.startswith(prefix) and lowered.endswith(".dist-info"):
            return name[len(prefix) : -len(".dist-info")]
    return None


def signs_with_aws(sp_api_version: str | None) -> bool:
    """True for python-amazon-sp-api releases before 1.0, which still assume the IAM role
    and sign every call with the AWS keys (1.0 dropped that, 2023-10-15)."""
    major = re.match(r"(\d+)", sp_api_version or "")
    return major is not None and int(major.group(1)) == 0


def sp_api_version() -> str | None:
    """The installed python-amazon-sp-api version, or None when it is not installed."""
    package_dir = _package_dir("sp_api")
    if package_dir is None:
        return None
    return _version_from_files(
        package_dir, ("__version__.py", "__init__.py")
    ) or _dist_info_version(package_dir, "python-amazon-sp-api")


def amzn_sp_api_version() -> str | None:
    """The installed amzn-sp-api version, or None when it is not installed."""
    package_dir = _package_dir("spapi")
    if package_dir is None:
        return None
    return _dist_info_version(package_dir, "amzn-sp-api") or _version_from_files(
        package_dir, ("__init__.py",)
    )


def installed_peers() -> dict:
    """``{"python-amazon-sp-api": PeerLibrary | None, "amzn-sp-api": PeerLibrary | None}``."""
    sw = sp_api_version()
    amzn = amzn_sp_api_version()
    return {
        "python-amazon-sp-api": PeerLibrary("python-amazon-sp-api", "sp_api", sw) if sw else None,
        "amzn-sp-api": PeerLibrary("amzn-sp-api", "spapi", amzn) if amzn else None,
    }
