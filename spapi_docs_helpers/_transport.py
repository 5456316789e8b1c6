"""Calling a service over HTTP: timeouts, bounded retries, and naming network failures.

One requests session per check, shared by its threads. 429 and 5xx answers and timeouts
are retried a bounded number of times with exponential backoff, honouring Retry-After
(capped, so a server asking for an hour does not hang the check); 4xx answers are never
retried, because they are verdicts. Every call returns an :class:`HttpResult` — an
answer, or the network failure that stood in its way — and never raises.
"""

from __future__ import annotations

import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ._redaction import redact_text

__all__ = ["HttpResult", "Transport"]

RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 0.2
# Longest Retry-After the check will wait for; longer ones end the retries.
MAX_RETRY_AFTER = 5.0
USER_AGENT = "spapi-doctor/{version} (Language=Python)"


class _BoundedRetry(Retry):
    """urllib3's Retry, with Retry-After capped at ``MAX_RETRY_AFTER`` seconds."""

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        if seconds is None:
            return None
        return min(seconds, MAX_RETRY_AFTER)


_UNPARSED = object()


class HttpResult:
    """One call's outcome: ``status``/``headers``/``body`` or a ``failure`` code.

    ``failure`` is a catalogue code (``network-refused``, ``network-timeout``...) when no
    answer came; ``attempts`` counts the tries, retries included.
    """

    __slots__ = (
        "_json",
        "attempts",
        "body",
        "elapsed_ms",
        "failure",
        "failure_detail",
        "headers",
        "method",
        "status",
        "url",
    )

    def __init__(
        self,
        method,
        url,
        *,
        status=None,
        headers=None,
        body=b"",
        elapsed_ms=0.0,
        attempts=1,
        failure=None,
        failure_detail=None,
    ):
        self.method = method
        self.url = url
        self.status = status
        self.headers = dict(headers or {})
        self.body = body
        self.elapsed_ms = elapsed_ms
        self.attempts = attempts
        self.failure = failure
        self.failure_detail = failure_detail
        self._json = _UNPARSED

    @property
    def ok(self) -> bool:
        return self.failure is None and self.status is not None and 200 <= self.status < 300

    def header(self, name, default=None):
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default

    @property
    def request_id(self):
        return self.header("x-amzn-RequestId")

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        """The body parsed as JSON (once), or None when it is not JSON (HTML, truncated...)."""
        if self._json is _UNPARSED:
            import json

            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                self._json = None
        return self._json

    def excerpt(self, limit=200, secrets=()) -> str:
        """A redacted, one-line beginning of the body, for reports.

        Redacted before it is cut, so that a secret straddling the cut is still recognised.
        """
        text = redact_text(self.body[: limit * 16].decode("utf-8", "replace"), secrets)
        text = " ".join(text.split())
        return text[:limit] + ("…" if len(text) > limit else "")

    def __repr__(self):
        what = self.failure or self.status
        return f"HttpResult({self.method} {self.url} → {what}, {self.elapsed_ms:.0f} ms)"


def _failure_of(error) -> str:
    """The catalogue code of a requests exception: what kind of failure stood in the way."""
    from ._diagnose import network_failure

    if isinstance(error, requests.exceptions.SSLError):
        return "network-tls"
    if isinstance(error, requests.exceptions.Timeout):
        return "network-timeout"
    code = network_failure(error)
    if code is None:
        code = (
            "network-reset"
            if isinstance(error, requests.exceptions.ConnectionError)
            else "unexpected-response"
        )
    return code


class Transport:
    """A requests session with the check's timeouts and retry policy."""

    def __init__(
        self, *, timeout=10.0, retries=DEFAULT_RETRIES, backoff=DEFAULT_BACKOFF, session=None
    ):
        from . import __version__

        self.timeout = timeout
        self.retries = retries
        self.session = session or requests.Session()
        retry = _BoundedRetry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            allowed_methods=None,  # LWA's token POST is safe to repeat
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff,
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT.format(version=__version__)
        # Proxies and CA bundles from the environment stay honoured (trust_env).

    def request(self, method, url, *, data=None, headers=None, params=None) -> HttpResult:
        started = time.perf_counter()
        try:
            response = self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                params=params,
                timeout=(self.timeout, self.timeout),
                allow_redirects=False,
            )
        except (requests.exceptions.RequestException, ValueError) as error:
            # ValueError covers what requests lets through before sending: a header that is
            # not Latin-1 (a token of strange characters), an unusable URL.
            failure = _failure_of(error)
            # Connection failures and timeouts end the call only once the retries are spent;
            # TLS failures and the rest are not retried.
            retried = failure in (
                "network-dns",
                "network-refused",
                "network-reset",
                "network-timeout",
            )
            return HttpResult(
                method,
                url,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                attempts=self.retries + 1 if retried else 1,
                failure=failure,
                failure_detail=redact_text(str(error))[:300],
            )
        body = response.content
        retries = getattr(response.raw, "retries", None)
        attempts = 1 + (len(retries.history) if retries is not None else 0)
        return HttpResult(
            method,
            url,
            status=response.status_code,
            headers=response.headers,
            body=body,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            attempts=attempts,
        )

    def close(self):
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
