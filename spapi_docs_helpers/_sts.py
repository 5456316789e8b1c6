"""AWS STS for the legacy path: whose keys these are, and may they assume the role.

Only for stacks that still sign SP-API calls (python-amazon-sp-api before 1.0, and
others): since 2023-10-02 SP-API ignores the signature. GetCallerIdentity first — it needs
no permission, so it tells an unknown key (InvalidClientTokenId), a wrong secret
(SignatureDoesNotMatch) and root keys apart — then AssumeRole on the role ARN with a valid
session name, as python-amazon-sp-api did. Each ``request_*`` function makes one call and
returns a typed result carrying the verdict of :mod:`._diagnose`; none raises. The notebook
steps that load the credentials and raise the verdict are in :mod:`._steps`. botocore is
imported only here and where an AWS service is called (:func:`._transport.aws_client`,
the Secrets Manager source), never on the offline path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._diagnose import caller_finding, diagnose_sts, sts_client_finding
from ._redaction import mask, protect_logs
from ._report import ShownResult
from ._transport import Transport, botocore_session, send_botocore_through

if TYPE_CHECKING:
    from ._catalogue import Finding
    from ._credentials import Credentials

SESSION_NAME = "spapi-doctor"
GLOBAL_STS_REGION = "us-east-1"


def sts_client_or_finding(credentials: Credentials, **options: Any) -> tuple[Any, Finding | None]:
    """:func:`sts_client`, or the finding that says why none can be made (an endpoint that
    is no URL, a key botocore refuses before sending anything)."""
    try:
        return sts_client(credentials, **options), None
    except Exception as error:  # botocore validates early; that is a verdict too
        return None, sts_client_finding(error, secrets=_secrets(credentials))


def sts_client(
    credentials: Credentials,
    *,
    endpoint_url: str | None = None,
    timeout: float = 10.0,
    retries: int = 2,
) -> Any:
    """A botocore STS client (what boto3.client gives) for ``credentials`` whose calls go through the check's transport:
    ``timeout`` per connect and read, a deadline of ``timeout × (retries + 1)`` per call,
    bounded bodies, and the transport's retries (botocore's own are turned off)."""
    from botocore.config import Config

    protect_logs(_secrets(credentials))
    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    # A session per client (nothing of one check's reaches another), on the process's one
    # botocore data loader: the service models are parsed once (about 150 ms of CPU each).
    client = botocore_session().create_client(
        "sts",
        # Sent exactly as stored: a stray space must fail here as it fails in use.
        aws_access_key_id=credentials.aws_access_key,
        aws_secret_access_key=credentials.aws_secret_key,
        aws_session_token=credentials.aws_session_token or None,
        region_name=GLOBAL_STS_REGION,
        endpoint_url=endpoint_url,
        config=config,
    )
    # The client keeps the transport (and its connection pool) for as long as it lives.
    send_botocore_through(client, Transport(timeout=timeout, retries=retries))
    return client


@dataclass(slots=True, kw_only=True, repr=False, eq=False)
class IdentityResult(ShownResult):
    """What GetCallerIdentity said: whose keys these are (``arn``), or the finding."""

    _html_title = "GetCallerIdentity"

    arn: str | None = None
    account: str | None = None
    user_id: str | None = None
    finding: Finding | None = None

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.finding is None

    @property
    def is_root(self) -> bool:
        """True when the keys belong to the account's root user."""
        return bool(self.arn) and str(self.arn).endswith(":root")

    def summary(self) -> str:
        """One line: the caller's ARN, or the finding's code."""
        if self.arn:
            return f"the keys belong to {self.arn}"
        return f"failed: {self.finding.code if self.finding else 'no caller named'}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in the STS stage's data."""
        return {"arn": self.arn, "account": self.account, "ok": self.ok}


@dataclass(slots=True, kw_only=True, repr=False, eq=False)
class RoleResult(ShownResult):
    """What AssumeRole said: the assumed-role ARN and a temporary key (shown masked), or the
    finding."""

    _html_title = "AssumeRole"

    role_arn: str
    assumed_role_arn: str | None = None
    expiration: str | None = None
    access_key: str | None = None
    finding: Finding | None = None

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.finding is None

    def summary(self) -> str:
        """One line: the assumed role, or the finding's code."""
        if self.finding is None:
            return (
                f"assumed {self.role_arn} as {self.assumed_role_arn}; temporary key "
                f"{mask(self.access_key)}"
            )
        return f"failed: {self.finding.code}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in the STS stage's data."""
        return {"role_arn": self.role_arn, "assumed_role_arn": self.assumed_role_arn, "ok": self.ok}


def _secrets(credentials: Credentials) -> list[str]:
    return [
        v
        for v in (
            credentials.aws_secret_key,
            credentials.aws_session_token,
            credentials.aws_access_key,
        )
        if isinstance(v, str)
    ]


def request_caller_identity(client: Any, credentials: Credentials) -> IdentityResult:
    """GetCallerIdentity; never raises."""
    try:
        answer = client.get_caller_identity()
    except Exception as error:  # botocore's errors are verdicts here
        return IdentityResult(
            finding=diagnose_sts(
                error,
                operation="GetCallerIdentity",
                credentials=credentials,
                secrets=_secrets(credentials),
            )
        )
    result = IdentityResult(
        arn=answer.get("Arn"), account=answer.get("Account"), user_id=answer.get("UserId")
    )
    result.finding = caller_finding(result)
    return result


def request_assume_role(
    client: Any, credentials: Credentials, caller_arn: str | None = None
) -> RoleResult:
    """AssumeRole on ``credentials.role_arn``; never raises."""
    # Sent exactly as stored, like the keys: a stray space fails here as it fails in use.
    role_arn = credentials.role_arn if isinstance(credentials.role_arn, str) else ""
    try:
        answer = client.assume_role(
            RoleArn=role_arn, RoleSessionName=SESSION_NAME, DurationSeconds=900
        )
    except Exception as error:  # botocore's errors are verdicts here
        return RoleResult(
            role_arn=role_arn,
            finding=diagnose_sts(
                error,
                operation="AssumeRole",
                credentials=credentials,
                caller_arn=caller_arn,
                secrets=_secrets(credentials),
            ),
        )
    user = answer.get("AssumedRoleUser", {})
    keys = answer.get("Credentials", {})
    expiration = keys.get("Expiration")
    return RoleResult(
        role_arn=role_arn,
        assumed_role_arn=user.get("Arn"),
        expiration=expiration.isoformat() if hasattr(expiration, "isoformat") else expiration,
        access_key=keys.get("AccessKeyId"),
    )
