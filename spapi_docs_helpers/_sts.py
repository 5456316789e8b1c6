"""AWS STS for the legacy path: whose keys these are, and may they assume the role.

Only for stacks that still sign SP-API calls (python-amazon-sp-api before 1.0, and
others): since 2023-10-02 SP-API ignores the signature. GetCallerIdentity first — it needs
no permission, so it tells an unknown key (InvalidClientTokenId), a wrong secret
(SignatureDoesNotMatch) and root keys apart — then AssumeRole on the role ARN with a valid
session name, as python-amazon-sp-api did. boto3 is imported only here and where the
credentials come from AWS Secrets Manager (_sources), never on the offline path.
"""

from __future__ import annotations

import threading

from ._catalogue import entry
from ._diagnose import diagnose_sts
from ._redaction import mask

__all__ = ["IdentityResult", "RoleResult", "assume_role", "caller_identity"]

SESSION_NAME = "spapi-doctor"
GLOBAL_STS_REGION = "us-east-1"


def sts_client_or_finding(credentials, **options):
    """:func:`sts_client`, or the finding that says why none can be made (an endpoint that
    is no URL, a key botocore refuses before sending anything)."""
    from ._catalogue import entry
    from ._redaction import redact_text

    try:
        return sts_client(credentials, **options), None
    except Exception as error:  # botocore validates early; that is a verdict too
        return None, entry("endpoint-url-invalid").finding(
            f"No STS client could be made: {type(error).__name__}: "
            f"{redact_text(str(error), _secrets(credentials))[:200]}."
        )


# One boto3 session for every STS client of the process: a session loads botocore's service
# models once (about 150 ms of CPU a time), and each client carries its own credentials, so
# nothing of one check reaches another. Sessions are not thread-safe: clients are made one
# at a time.
_SESSION = None
_SESSION_LOCK = threading.Lock()


def _session(boto3):
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session()
    return _SESSION


def sts_client(credentials, *, endpoint_url=None, timeout=10.0, retries=2):
    """A boto3 STS client for ``credentials`` whose calls go through the check's transport:
    ``timeout`` per connect and read, a deadline of ``timeout × (retries + 1)`` per call,
    bounded bodies, and the transport's retries (botocore's own are turned off)."""
    import boto3
    from botocore.config import Config

    from ._redaction import protect_logs
    from ._transport import Transport, send_botocore_through

    protect_logs(_secrets(credentials))
    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    with _SESSION_LOCK:
        client = _session(boto3).client(
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


class IdentityResult:
    """What GetCallerIdentity said: whose keys these are (``arn``), or the finding."""

    __slots__ = ("account", "arn", "finding", "user_id")

    def __init__(self, *, arn=None, account=None, user_id=None, finding=None):
        self.arn = arn
        self.account = account
        self.user_id = user_id
        self.finding = finding

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.finding is None

    @property
    def is_root(self) -> bool:
        """True when the keys belong to the account's root user."""
        return bool(self.arn) and self.arn.endswith(":root")

    def summary(self) -> str:
        """One line: the caller's ARN, or the finding's code."""
        return f"the keys belong to {self.arn}" if self.arn else f"failed: {self.finding.code}"

    def as_dict(self) -> dict:
        """The JSON form used in the STS stage's data."""
        return {"arn": self.arn, "account": self.account, "ok": self.ok}

    def __repr__(self):
        return f"IdentityResult({self.summary()})"

    def _repr_html_(self):
        from ._html import result_html

        return result_html("GetCallerIdentity", self.ok, self.summary(), self.finding)


class RoleResult:
    """What AssumeRole said: the assumed-role ARN and a masked temporary key, or the finding."""

    __slots__ = ("_access_key", "assumed_role_arn", "expiration", "finding", "role_arn")

    def __init__(
        self, *, role_arn, assumed_role_arn=None, expiration=None, access_key=None, finding=None
    ):
        self.role_arn = role_arn
        self.assumed_role_arn = assumed_role_arn
        self.expiration = expiration
        self._access_key = access_key
        self.finding = finding

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.finding is None

    def summary(self) -> str:
        """One line: the assumed role, or the finding's code."""
        if self.ok:
            return (
                f"assumed {self.role_arn} as {self.assumed_role_arn}; temporary key "
                f"{mask(self._access_key)}"
            )
        return f"failed: {self.finding.code}"

    def as_dict(self) -> dict:
        """The JSON form used in the STS stage's data."""
        return {"role_arn": self.role_arn, "assumed_role_arn": self.assumed_role_arn, "ok": self.ok}

    def __repr__(self):
        return f"RoleResult({self.summary()})"

    def _repr_html_(self):
        from ._html import result_html

        return result_html("AssumeRole", self.ok, self.summary(), self.finding)


def _secrets(credentials):
    return [
        v
        for v in (
            credentials.aws_secret_key,
            credentials.aws_session_token,
            credentials.aws_access_key,
        )
        if isinstance(v, str)
    ]


def identify(client, credentials) -> IdentityResult:
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
    if result.is_root:
        result.finding = entry("sts-root-keys").finding(
            f"GetCallerIdentity says the keys belong to {result.arn}, the root user of account "
            f"{result.account}."
        )
    return result


def assume(client, credentials, caller_arn=None) -> RoleResult:
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


def _client_for(credentials, account, endpoint_url, timeout):
    from ._endpoints import endpoints_from_env
    from ._errors import StsError, raise_verdict
    from ._sources import credentials_for

    creds = credentials_for(credentials, account)
    client, finding = sts_client_or_finding(
        creds, endpoint_url=endpoint_url or endpoints_from_env().sts, timeout=timeout
    )
    if finding is not None:
        raise_verdict(finding, StsError)
    return creds, client


def caller_identity(
    credentials=None, *, account="default", endpoint_url=None, timeout=10.0
) -> IdentityResult:
    """Whose AWS keys these are (GetCallerIdentity). Raises :class:`StsError` on failure."""
    from ._errors import StsError, raise_verdict

    creds, client = _client_for(credentials, account, endpoint_url, timeout)
    result = identify(client, creds)
    if result.finding is not None:
        raise_verdict(result.finding, StsError, result=result)
    return result


def assume_role(
    credentials=None, *, account="default", endpoint_url=None, timeout=10.0
) -> RoleResult:
    """Assume ``role_arn`` with the user's keys (AssumeRole). Raises :class:`StsError`,
    with GetCallerIdentity's verdict when the keys themselves are the problem."""
    from ._errors import StsError, raise_verdict

    creds, client = _client_for(credentials, account, endpoint_url, timeout)
    identity = identify(client, creds)
    if identity.finding is not None:
        raise_verdict(identity.finding, StsError, result=identity)
    result = assume(client, creds, caller_arn=identity.arn)
    if result.finding is not None:
        raise_verdict(result.finding, StsError, result=result)
    return result
