"""Amazon's role model: which roles grant which SP-API operation, in which region.

Every SP-API operation is gated by roles: "for a given operation … any one of the listed
roles grants access", a role may count only in some regions ("(FE only)"), an operation may
exist in one region only, and vendors can hold five of the roles only. The facts live in one
file, ``data/role-mappings.json`` (see ``data/README.md`` for where it comes from and how
sure each row is), and this module is the only reader: the doctor chooses its probes and
states what the answers prove from it, the mock Amazon gates every operation it serves by
it, and the site renders its role table from it.

The model is the best current reading of Amazon's pages, not the truth: rows carry a
``confidence`` (high, medium, low). Code that draws conclusions from a denial must weigh
that; an authorised answer proves what it proves whatever the row says.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

REGION_CODES = ("NA", "EU", "FE")
ACCOUNT_TYPES = ("seller", "vendor")
CONFIDENCES = ("high", "medium", "low")
DATA_FILE = "role-mappings.json"
# The JSON's "seller_vendor" values, as the account types each admits.
_AUDIENCES = {
    "sellers": frozenset({"seller"}),
    "vendors": frozenset({"vendor"}),
    "sellers and vendors": frozenset({"seller", "vendor"}),
    None: frozenset(),  # grantless operations: no selling partner at all
}


@dataclass(frozen=True)
class Role:
    """A role as Amazon's pages describe it."""

    name: str
    # None when no source says whether the role is restricted (gives access to PII).
    restricted: bool | None
    # Whether vendors can hold it (sellers can hold every role).
    vendors: bool
    note: str | None = None

    def holdable_by(self, account_type: str) -> bool:
        """Whether an app of ``account_type`` (seller or vendor) can hold this role."""
        return account_type == "seller" or self.vendors


@dataclass(frozen=True)
class Operation:
    """One SP-API operation and the roles that grant it."""

    api: str
    name: str
    method: str
    path: str
    # The regions the operation exists in; None when no source says.
    regions: tuple[str, ...] | None
    # Any one of these grants the operation (where role_regions does not limit it).
    roles: tuple[str, ...]
    # role -> the regions where that role counts; a role not listed counts in every region.
    role_regions: Mapping[str, tuple[str, ...]]
    grantless: bool
    read_only: bool
    # Who the operation serves: "seller", "vendor" (a frozenset; empty for grantless ones).
    audience: frozenset[str]
    confidence: str
    basis: str
    region_notes: str
    source: tuple[str, ...]

    @property
    def key(self) -> str:
        """``API name:operation`` — operation names repeat across API versions."""
        return f"{self.api}:{self.name}"

    def exists_in(self, region: str) -> bool | None:
        """True or False from the model; None when the model does not list regions."""
        if self.regions is None:
            return None
        return region in self.regions

    def roles_in(self, region: str) -> frozenset[str]:
        """The roles that grant this operation in ``region``."""
        return frozenset(
            role for role in self.roles if region in self.role_regions.get(role, REGION_CODES)
        )

    def granted(self, roles: Iterable[str], region: str, account_type: str = "seller") -> bool:
        """Whether an app holding ``roles`` may call this operation in ``region``.

        Where the model does not list the operation's regions, it is taken to exist in
        every region (an unstated region list is a gap in the extract, not a limit).
        """
        if self.grantless or account_type not in self.audience:
            return False
        if self.exists_in(region) is False:
            return False
        return bool(self.roles_in(region) & frozenset(roles))


class RoleModel:
    """The whole model: roles, operations, notes and sources."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.retrieved = data["retrieved"]
        self.sources = tuple(data["source"])
        self.notes = tuple(data["notes"])
        self.roles = MappingProxyType(
            {
                name: Role(name, spec["restricted"], spec["vendors"], spec.get("note"))
                for name, spec in data["roles"].items()
            }
        )
        self.operations = tuple(_operation(row, self.roles) for row in data["operations"])
        self._by_key = {op.key: op for op in self.operations}
        if len(self._by_key) != len(self.operations):
            raise ValueError(f"{DATA_FILE}: an operation is listed twice")

    def operation(self, name: str, api: str | None = None) -> Operation:
        """The operation called ``name`` (of ``api`` when the name is ambiguous)."""
        found = [op for op in self.operations if op.name == name and api in (None, op.api)]
        if len(found) != 1:
            apis = ", ".join(op.api for op in self.operations if op.name == name) or "none"
            raise KeyError(f"{name!r} names {len(found)} operations (APIs: {apis}); pass api=")
        return found[0]

    def holdable(self, account_type: str) -> frozenset[str]:
        """The roles an app of ``account_type`` (seller or vendor) can hold."""
        if account_type not in ACCOUNT_TYPES:
            raise ValueError(f"account_type must be one of {ACCOUNT_TYPES}, not {account_type!r}")
        return frozenset(
            name for name, role in self.roles.items() if role.holdable_by(account_type)
        )

    def granting(
        self, roles: Iterable[str], region: str, account_type: str = "seller"
    ) -> tuple[Operation, ...]:
        """The operations an app holding ``roles`` may call in ``region``."""
        return tuple(op for op in self.operations if op.granted(roles, region, account_type))


def _operation(row: dict[str, Any], roles: Mapping[str, Role]) -> Operation:
    where = f"{DATA_FILE}: {row.get('operation')!r}"
    unknown = [role for role in row["roles"] if role not in roles]
    if unknown:
        raise ValueError(f"{where}: unknown roles {unknown}")
    if row["confidence"] not in CONFIDENCES:
        raise ValueError(f"{where}: confidence {row['confidence']!r}")
    regions = row.get("regions")
    if regions is not None and not set(regions) <= set(REGION_CODES):
        raise ValueError(f"{where}: regions {regions}")
    role_regions = row.get("role_regions") or {}
    for role, limited in role_regions.items():
        if role not in row["roles"] or not set(limited) <= set(REGION_CODES):
            raise ValueError(f"{where}: role_regions {role!r}: {limited}")
    audience = row.get("seller_vendor")
    if audience not in _AUDIENCES:
        raise ValueError(f"{where}: seller_vendor {audience!r}")
    return Operation(
        api=row["api"],
        name=row["operation"],
        method=row["method"].upper(),
        path=row["path"],
        regions=tuple(regions) if regions is not None else None,
        roles=tuple(row["roles"]),
        role_regions=MappingProxyType({k: tuple(v) for k, v in role_regions.items()}),
        grantless=bool(row.get("grantless")),
        read_only=bool(row.get("read_only")),
        audience=_AUDIENCES[audience],
        confidence=row["confidence"],
        basis=row.get("basis", ""),
        region_notes=row.get("region_notes", ""),
        source=tuple(row.get("source") or ()),
    )


@lru_cache(maxsize=1)
def role_model() -> RoleModel:
    """The role model of the installed package (read once)."""
    # One part per joinpath: Python 3.10's Traversable takes one.
    text = resources.files(__package__).joinpath("data").joinpath(DATA_FILE).read_text("utf-8")
    return RoleModel(json.loads(text))
