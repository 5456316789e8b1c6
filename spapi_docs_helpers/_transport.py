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


class HttpResult:
    """One call's outcome: ``status``/``headers``/``body`` or a ``failure`` code.

    ``failure`` is a catalogue code (``network-refused``, ``network-timeout``...) when no
    answer came; ``attempts`` counts the tries, retries included.
    """

    __slots__ = (
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
        return self.header("x-amzn-RequestId") or self.header("x-amzn-requestid")

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        """The body parsed as JSON, or None when it is not JSON (HTML, truncated...)."""
        import json

        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def excerpt(self, limit=200, secrets=()) -> str:
        """A redacted, one-line beginning of the body, for reports."""
        text = self.body[: limit * 4].decode("utf-8", "replace")
        text = " ".join(text.split())
        text = redact_text(text, secrets)
        return text[:limit] + ("…" if len(text) > limit else "")

    def __repr__(self):
        what = self.failure or self.status
        return f"HttpResult({self.method} {self.url} → {what}, {self.elapsed_ms:.0f} ms)"


def _failure_of(error) -> tuple:
    """The catalogue code of a requests exception: what kind of network failure it was."""
    chain = []
    seen = set()
    stack = [error]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        chain.append(item)
        stack.extend(
            [
                getattr(item, "reason", None),
                item.__cause__,
                item.__context__,
                *[a for a in getattr(item, "args", ()) if isinstance(a, BaseException)],
            ]
        )
    names = {type(item).__name__ for item in chain}
    text = " ".join(str(item) for item in chain).lower()
    if isinstance(error, requests.exceptions.SSLError) or "SSLError" in names:
        return "network-tls"
    if (
        names & {"NameResolutionError", "gaierror"}
        or "name or service not known" in text
        or "nodename nor servname" in text
        or "failed to resolve" in text
    ):
        return "network-dns"
    if isinstance(error, requests.exceptions.Timeout) or names & {
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "TimeoutError",
        "timeout",
    }:
        return "network-timeout"
    if "ConnectionRefusedError" in names or "connection refused" in text:
        return "network-refused"
    if names & {
        "ConnectionResetError",
        "RemoteDisconnected",
        "BrokenPipeError",
        "IncompleteRead",
        "ProtocolError",
        "ChunkedEncodingError",
    }:
        return "network-reset"
    return (
        "network-reset"
        if isinstance(error, requests.exceptions.ConnectionError)
        else "unexpected-response"
    )


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
        except requests.exceptions.RequestException as error:
            # A network failure ends the call only once the retries are spent.
            return HttpResult(
                method,
                url,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                attempts=self.retries + 1,
                failure=_failure_of(error),
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
