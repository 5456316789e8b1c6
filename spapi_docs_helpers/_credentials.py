"""The credentials model: six fields (three LWA, three legacy AWS) and a session token.

``FIELDS`` is the one table that maps each credential to Amazon's label for it, the
environment variable, the ``credentials.yml`` key, the AWS Secrets Manager JSON key and
amzn-sp-api's argument. The docs' field map and the sources read it; ``ENV_NAMES`` and
``SECRET_JSON_KEYS`` are its two lookups by name.
"""

from __future__ import annotations

from ._redaction import mask

# The offline path must not import typing (start-up cost): the names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


class FieldSpec:
    """What one credential is called everywhere it appears."""

    __slots__ = (
        "amazon_label",
        "env",
        "key",
        "legacy",
        "sdk_argument",
        "secret",
        "secret_json_key",
        "where",
    )

    def __init__(
        self,
        key: str,
        *,
        amazon_label: str,
        where: str,
        env: str,
        secret_json_key: str,
        sdk_argument: str | None,
        secret: bool,
        legacy: bool,
    ) -> None:
        self.key = key
        self.amazon_label = amazon_label
        self.where = where
        self.env = env
        self.secret_json_key = secret_json_key
        self.sdk_argument = sdk_argument
        self.secret = secret
        self.legacy = legacy

    def __repr__(self) -> str:
        return f"FieldSpec({self.key!r})"


FIELDS = (
    FieldSpec(
        "refresh_token",
        amazon_label="Refresh Token",
        where="Seller Central: Develop Apps → Edit App ▸ Authorize → Authorize app (shown once)",
        env="SP_API_REFRESH_TOKEN",
        secret_json_key="SP_API_REFRESH_TOKEN",
        sdk_argument="SPAPIConfig(refresh_token=...)",
        secret=True,
        legacy=False,
    ),
    FieldSpec(
        "lwa_app_id",
        amazon_label="Client identifier",
        where="Seller Central: Develop Apps → LWA credentials → View",
        env="LWA_APP_ID",
        secret_json_key="LWA_APP_ID",
        sdk_argument="SPAPIConfig(client_id=...)",
        secret=True,
        legacy=False,
    ),
    FieldSpec(
        "lwa_client_secret",
        amazon_label="Client secret",
        where="Seller Central: Develop Apps → LWA credentials → View",
        env="LWA_CLIENT_SECRET",
        secret_json_key="LWA_CLIENT_SECRET",
        sdk_argument="SPAPIConfig(client_secret=...)",
        secret=True,
        legacy=False,
    ),
    FieldSpec(
        "aws_access_key",
        amazon_label="Access key ID",
        where="AWS IAM console: Users → your user → Security credentials → Access keys",
        env="SP_API_ACCESS_KEY",
        secret_json_key="SP_API_ACCESS_KEY",
        sdk_argument=None,
        secret=True,
        legacy=True,
    ),
    FieldSpec(
        "aws_secret_key",
        amazon_label="Secret access key",
        where="AWS IAM console: shown once, when the access key is created",
        env="SP_API_SECRET_KEY",
        secret_json_key="SP_API_SECRET_KEY",
        sdk_argument=None,
        secret=True,
        legacy=True,
    ),
    FieldSpec(
        "role_arn",
        amazon_label="ARN (of the IAM role)",
        where="AWS IAM console: Roles → your role → Summary → ARN",
        env="SP_API_ROLE_ARN",
        secret_json_key="SP_API_ROLE_ARN",
        sdk_argument=None,
        secret=False,
        legacy=True,
    ),
    FieldSpec(
        "aws_session_token",
        amazon_label="Session token",
        where="Only with temporary (ASIA…) keys: returned by STS together with them",
        # Not read by any python-amazon-sp-api release (which is why pasted ASIA keys
        # failed there); this project reads it so that temporary keys can be checked.
        env="SP_API_SESSION_TOKEN",
        secret_json_key="SP_API_SESSION_TOKEN",
        sdk_argument=None,
        secret=True,
        legacy=True,
    ),
)

_BY_KEY = {spec.key: spec for spec in FIELDS}
FIELD_KEYS = tuple(_BY_KEY)
# Environment variable -> field key, and Secrets Manager JSON key -> field key.
ENV_NAMES = {spec.env: spec.key for spec in FIELDS}
SECRET_JSON_KEYS = {spec.secret_json_key: spec.key for spec in FIELDS}
LWA_KEYS = ("refresh_token", "lwa_app_id", "lwa_client_secret")
AWS_KEYS = ("aws_access_key", "aws_secret_key", "role_arn", "aws_session_token")
# What python-amazon-sp-api insists on before it accepts a source.
REQUIRED_KEYS = ("lwa_app_id", "lwa_client_secret")


def field_spec(key: str) -> FieldSpec:
    """The :class:`FieldSpec` of credential ``key`` (``KeyError`` for an unknown key)."""
    return _BY_KEY[key]


def environment_accounts(variables: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """``{account: {LWA key: value}}`` of the LWA variables among ``variables`` (an
    environment, or an env file's assignments): the plain names (``LWA_APP_ID``...) are
    ``default``'s, ``<NAME>_<account>`` the other accounts' (``LWA_APP_ID_`` names none).
    Accounts come in the order they are first met."""
    found: dict[str, dict[str, str]] = {}
    for key in LWA_KEYS:
        base = _BY_KEY[key].env
        for name, value in variables.items():
            if name == base:
                found.setdefault("default", {})[key] = value
            elif name.startswith(base + "_") and len(name) > len(base) + 1:
                found.setdefault(name[len(base) + 1 :], {})[key] = value
    return found


class Credentials:
    """One set of SP-API credentials. Printing it never shows a secret.

    Values are kept exactly as found (whitespace, quotes and all; a number or a list when a
    file held one): the format rules report such problems instead of silently repairing
    them, so that the stored value gets fixed.
    """

    __slots__ = FIELD_KEYS

    def __init__(
        self,
        refresh_token: Any = None,
        lwa_app_id: Any = None,
        lwa_client_secret: Any = None,
        aws_access_key: Any = None,
        aws_secret_key: Any = None,
        role_arn: Any = None,
        aws_session_token: Any = None,
    ) -> None:
        self.refresh_token = refresh_token
        self.lwa_app_id = lwa_app_id
        self.lwa_client_secret = lwa_client_secret
        self.aws_access_key = aws_access_key
        self.aws_secret_key = aws_secret_key
        self.role_arn = role_arn
        self.aws_session_token = aws_session_token

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> Credentials:
        """Take the known keys of ``mapping``; other keys are left to the source checks."""
        return cls(**{key: mapping.get(key) for key in FIELD_KEYS})

    def get(self, key: str) -> Any:
        """The value of field ``key`` (None when absent)."""
        return getattr(self, key)

    def present(self) -> tuple[str, ...]:
        """The keys that hold a value (empty strings count: they are a finding)."""
        return tuple(key for key in FIELD_KEYS if getattr(self, key) is not None)

    @property
    def has_legacy_aws(self) -> bool:
        return any(getattr(self, key) is not None for key in AWS_KEYS)

    def to_sp_api_dict(self) -> dict[str, Any]:
        """The ``credentials=`` dict python-amazon-sp-api takes (values unmasked)."""
        return {key: getattr(self, key) for key in LWA_KEYS if getattr(self, key) is not None}

    def masked(self) -> dict[str, str]:
        """Every present field in its masked display form (role ARNs are not secret)."""
        return {key: display(key, getattr(self, key)) for key in self.present()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in FIELD_KEYS)

    # Compared by content, so not hashable (mypy expects a method here).
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={display(key, getattr(self, key))!r}" for key in self.present())
        return f"Credentials({shown})"

    __str__ = __repr__


def display(key: str, value: object) -> str:
    """How field ``key`` is shown: masked, except a well-formed ARN (not a secret)."""
    if (
        key == "role_arn"
        and isinstance(value, str)
        and value.isascii()
        and value.isprintable()
        and value.startswith("arn:")
        and len(value) <= 2048
    ):
        return value
    return mask(value)
