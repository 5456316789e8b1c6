"""The exceptions the public API raises.

Every exception carries the finding it stands for, so a caller (or a notebook cell
tagged ``raises-exception``) sees the same verdict the report gives: which credential,
why, and the fix. No message ever holds a secret in full.

* SpapiDocsError
  + CredentialsError (also a ValueError): no usable credentials, or a malformed one
  + CheckError: an online step failed
    - LwaError: Login with Amazon refused the token exchange
    - StsError: AWS STS refused GetCallerIdentity or AssumeRole (legacy path)
    - SellingPartnerApiError: the Selling Partner API refused a call (``SpApiError``, its
      old name, is a deprecated alias until 0.2.0)
    - TransportError: no usable answer at all (network failure, timeout, a proxy's
      HTML page, truncated JSON); blames no credential
  + AuthorizeError: the consent flow cannot go on (an App ID or Redirect URI Amazon would
    refuse, a redirect whose state or code is wrong); the code exchange itself fails
    with LwaError or TransportError
  + StoreError: the credentials could not be stored; nothing was written
"""

from __future__ import annotations

# The offline path must not import typing (start-up cost): the names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, NoReturn

    from ._catalogue import Finding


class SpapiDocsError(Exception):
    """Base class: ``finding`` is the verdict, ``str()`` its readable form."""

    def __init__(self, finding: Finding, *, findings: Iterable[Finding] | None = None) -> None:
        self.finding = finding
        self.findings = list(findings) if findings is not None else [finding]
        super().__init__(finding.one_line())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.finding.code!r})"


class CredentialsError(SpapiDocsError, ValueError):
    """No usable credentials were found, or one of them is malformed."""


class CheckError(SpapiDocsError):
    """An online step failed; ``result`` holds what the step saw (status, timings)."""

    def __init__(
        self, finding: Finding, *, result: Any = None, findings: Iterable[Finding] | None = None
    ) -> None:
        self.result = result
        super().__init__(finding, findings=findings)


class LwaError(CheckError):
    """Login with Amazon refused the token exchange."""


class StsError(CheckError):
    """AWS STS refused GetCallerIdentity or AssumeRole."""


class SellingPartnerApiError(CheckError):
    """The Selling Partner API refused a call."""


class TransportError(CheckError):
    """No usable answer came back: network failure, timeout or an unexpected body."""


class AuthorizeError(SpapiDocsError):
    """The consent flow cannot go on: the finding says what to change."""


class StoreError(SpapiDocsError):
    """The credentials could not be stored; nothing was written."""


def raise_verdict(
    finding: Finding,
    error_class: type[CheckError],
    *,
    result: Any = None,
    findings: Iterable[Finding] | None = None,
) -> NoReturn:
    """Raise ``error_class`` for ``finding`` — or :class:`TransportError` when the finding
    is about the transport (no usable answer), which blames no credential."""
    error = TransportError if finding.stage == "transport" else error_class
    raise error(finding, result=result, findings=findings)
