"""Calling a service over HTTP: deadlines, bounded bodies and retries, and naming failures.

Every call has a **deadline**: ``timeout × (retries + 1)`` seconds for everything it does
(connecting, every read, every retry and the waits between them), however slowly the
server sends. Each socket the call uses is registered with the call's
:class:`~spapi_docs_helpers._deadline.Deadline`, which shuts it down when the time is up,
so a server that drips a byte a second or sends ``100 Continue`` forever ends in
``network-timeout`` on time; a Ctrl-C (which cancels the deadline of the work around the
call) ends it at once. Each single connect and read is also bounded by ``timeout``.

Bodies are read in pieces and **capped** (:data:`MAX_BODY_BYTES`, on the wire and after
decompression, which is done here, piece by piece, so a gzip bomb stops at the cap); no
genuine answer of LWA, SP-API, STS or Secrets Manager to the doctor's calls comes near it.

429 and 5xx answers and network failures are retried a bounded number of times with
exponential backoff (a 429 from its first retry on), honouring Retry-After (capped, so a
server asking for an hour does not hang the check); 4xx answers are never retried,
because they are verdicts. Every call returns an :class:`HttpResult` (an answer, or the
failure that stood in its way, as a catalogue code) and never raises. AWS's clients
(botocore) send through the same transport (:func:`send_botocore_through`), so STS and
Secrets Manager get the same bounds.

The names of network failures are made here too (:func:`network_failure`), for requests'
and botocore's exceptions alike: the transport is where a socket error is understood.
"""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import stat
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import requests
from requests.adapters import HTTPAdapter
from requests.utils import (
    prepend_scheme_if_needed,
    select_proxy,
    urldefragauth,
)
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    InvalidHeader,
    LocationParseError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    ResponseError,
    SSLError,
)
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util import Timeout as Urllib3Timeout
from urllib3.util import parse_url

from . import __version__
from ._deadline import Deadline, current
from ._redaction import escape_controls, protect_logs, redact_text, shown_url

RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 0.2
# Longest Retry-After the check waits for; a longer one is cut to this.
MAX_RETRY_AFTER = 5.0
# The most of a body the check reads (on the wire, and once decompressed). A report shows
# at most a few hundred characters of it; a participations payload is a few kilobytes.
MAX_BODY_BYTES = 1024 * 1024
# A CA bundle is a few hundred kilobytes; ssl reads it whole, so a bound keeps a device or a
# huge file from being read.
MAX_CA_BUNDLE_BYTES = 16 * 1024 * 1024
_CHUNK = 64 * 1024
USER_AGENT = "spapi-doctor/{version} (Language=Python)"
# The encodings this transport decodes itself, piecewise and bounded; a server that sends
# another one anyway gets its body reported as undecodable.
ACCEPT_ENCODING = "gzip, deflate"
# requests reads the first of these that is set (with trust_env); botocore reads its own.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
AWS_CA_BUNDLE_VARIABLE = "AWS_CA_BUNDLE"
# The failures a retry may cure; TLS failures, bad settings and the rest are not retried.
RETRIED_FAILURES = ("network-dns", "network-refused", "network-reset", "network-timeout")


def call_deadline(timeout: float, retries: int) -> float:
    """The seconds one call may take in all: one ``timeout`` per attempt."""
    return timeout * (retries + 1)


# --------------------------------------------------------------------------- naming failures


def _exception_chain(error: BaseException) -> list[BaseException]:
    """The error and every exception it was caused by or wraps (requests, urllib3 and
    botocore nest them in ``reason``, ``args``, ``kwargs["error"]``, causes and contexts)."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    stack: list[object] = [error]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        chain.append(item)
        kwargs = getattr(item, "kwargs", None)
        stack.extend(
            [
                getattr(item, "reason", None),
                item.__cause__,
                item.__context__,
                kwargs.get("error") if isinstance(kwargs, dict) else None,
                *item.args,
            ]
        )
    return chain


def network_failure(error: BaseException) -> str | None:
    """The catalogue code of a network failure (DNS, TLS, refused, reset, timeout, a bad
    setting), from the exceptions involved; None when it is none of those. Used for
    requests' and botocore's errors alike."""
    chain = _exception_chain(error)
    for item in chain:
        # Raised by send_botocore_through for a failure this transport already named.
        code = getattr(item, "transport_failure", None)
        if isinstance(code, str):
            return code
    names = {type(item).__name__ for item in chain}
    text = " ".join(str(item) for item in chain).lower()
    if "could not find a suitable tls ca certificate bundle" in text:
        return "ca-bundle-unusable"
    if names & {"InvalidProxyURL", "ProxySchemeUnknown"} or "socks support" in text:
        return "proxy-invalid"
    if names & {"SSLError", "SSLCertVerificationError", "SSLZeroReturnError"}:
        return "network-tls"
    if names & {"NameResolutionError", "gaierror"} or any(
        words in text
        for words in (
            "name or service not known",
            "nodename nor servname",
            "failed to resolve",
            "temporary failure in name resolution",
        )
    ):
        return "network-dns"
    if names & {
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "TimeoutError",
        "timeout",
        "ReadTimeout",
        "ConnectTimeout",
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
        "ConnectionClosedError",
    }:
        return "network-reset"
    if names & {"InvalidURL", "InvalidSchema", "MissingSchema", "LocationParseError"}:
        return "endpoint-url-invalid"
    return None


def _failure_of(error: BaseException) -> str:
    """The catalogue code of an exception raised while calling: what stood in the way."""
    if isinstance(error, requests.exceptions.SSLError):
        return "network-tls"
    if isinstance(error, requests.exceptions.Timeout):
        return "network-timeout"
    code = network_failure(error)
    if code is None:
        code = (
            "network-reset"
            if isinstance(error, (requests.exceptions.ConnectionError, Urllib3Error, OSError))
            else "unexpected-response"
        )
    return code


# --------------------------------------------------------------------------- the environment


def _file_problem(path: str, *, limit: int, directory_ok: bool) -> str | None:
    """Why ``path`` cannot serve as a certificate file (None when it can). Never opens it."""
    try:
        info = os.stat(path)
    except OSError as error:
        return f"it cannot be used ({error.strerror or error})"
    if stat.S_ISDIR(info.st_mode):
        return None if directory_ok else "it is a directory"
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file (a pipe, a device or a socket)"
    if info.st_size > limit:
        return f"it is {info.st_size} bytes long, more than a certificate bundle's {limit}"
    if not os.access(path, os.R_OK):
        return "it cannot be read (permission denied)"
    return None


def ca_bundle_problem(
    *, aws: bool = False, environ: Mapping[str, str] | None = None
) -> tuple[str, str, str] | None:
    """``(variable, path, why)`` when the CA bundle a variable names is unusable, else None.

    ``aws``: the variable botocore reads (``AWS_CA_BUNDLE``); otherwise the first of
    ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` that is set, as requests takes it. ssl
    would fail on a missing file and block on a pipe; a directory of certificates is fine.
    """
    env = os.environ if environ is None else environ
    names = (AWS_CA_BUNDLE_VARIABLE,) if aws else CA_BUNDLE_VARIABLES
    for name in names:
        path = env.get(name)
        if path:
            why = _file_problem(path, limit=MAX_CA_BUNDLE_BYTES, directory_ok=True)
            return (name, path, why) if why else None
    return None


_PROXY_SCHEMES = ("http", "https", "socks4", "socks4a", "socks5", "socks5h")
# (scheme, host:port, no_proxy, the proxy variables and their values) -> requests' answer
_ENVIRON_PROXIES: dict[Any, dict[str, str]] = {}
_MAX_ENVIRON_PROXIES = 256


def environ_proxies(url: str, no_proxy: str | None = None) -> dict[str, str]:
    """The proxies the environment names for ``url``, as requests'
    ``get_environ_proxies(url, no_proxy)`` gives them, kept per host and per value of the
    proxy variables (a fresh dict each time).

    requests scans the whole environment several times per call (a check asks a dozen
    times; a tenth of its CPU in an environment of some eighty variables). Its answer
    depends on the URL's scheme and ``host:port``, on ``no_proxy`` and on the variables
    urllib reads: those whose name ends in ``_proxy`` (in any case) and ``REQUEST_METHOD``;
    they make the key, so a change of any of them is seen at once. That holds where the
    environment is urllib's only source of proxies (``getproxies`` is
    ``getproxies_environment``); on macOS and Windows, whose system settings count too,
    every call asks requests."""
    if urllib.request.getproxies is not urllib.request.getproxies_environment:
        answer: dict[str, str] = requests.utils.get_environ_proxies(url, no_proxy=no_proxy)
        return answer
    names = sorted(
        name for name in os.environ if name[-6:].lower() == "_proxy" or name == "REQUEST_METHOD"
    )
    if not names and not no_proxy:
        # No proxy variable and no exceptions to apply: requests' answer for any URL (a
        # check against a new mock, on new ports, would otherwise ask it for every host).
        return {}
    parts = urlsplit(url)
    variables = tuple((name, os.environ.get(name)) for name in names)
    key = (parts.scheme, parts.netloc, no_proxy, variables)
    found = _ENVIRON_PROXIES.get(key)
    if found is None:
        found = requests.utils.get_environ_proxies(url, no_proxy=no_proxy)
        if len(_ENVIRON_PROXIES) >= _MAX_ENVIRON_PROXIES:
            _ENVIRON_PROXIES.clear()
        _ENVIRON_PROXIES[key] = found
    return dict(found)


def proxy_problem(url: str) -> tuple[str, str, str] | None:
    """``(variable, shown proxy, why)`` when the proxy requests would use for ``url`` is
    unusable (it takes it from HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY), else None.
    (:func:`environ_proxies` keeps its reading per host: the call that follows reads the
    same answer without scanning the environment again.)"""
    try:
        proxy = select_proxy(url, environ_proxies(url))
    except ValueError:
        return None  # the URL itself is the problem; it is reported as such
    if not proxy:
        return None
    name = next(
        (
            variable
            for variable, value in os.environ.items()
            if value == proxy and variable.lower().endswith("_proxy")
        ),
        "the proxy variable",
    )
    shown = shown_url(proxy)
    try:
        # types-requests leaves this helper unannotated; it returns the URL as a str.
        with_scheme: str = prepend_scheme_if_needed(proxy, "http")  # type: ignore[no-untyped-call]
        parsed = parse_url(with_scheme)
    except (LocationParseError, ValueError) as error:
        return name, shown, f"it is no URL ({redact_text(str(error))[:120]})"
    if not parsed.host:
        return name, shown, "it names no host"
    scheme = (parsed.scheme or "http").lower()
    if scheme not in _PROXY_SCHEMES:
        return name, shown, f"requests does not know the proxy scheme {scheme!r}"
    if scheme.startswith("socks"):
        try:
            # PySocks, what requests needs for a SOCKS proxy; it ships no type information.
            import socks  # type: ignore[import-untyped]  # noqa: F401
        except ImportError:
            return name, shown, "a SOCKS proxy needs PySocks (pip install requests[socks])"
    return None


# --------------------------------------------------------------------------- one result


_UNPARSED = object()


@dataclass(slots=True, repr=False, eq=False)
class HttpResult:
    """One call's outcome: ``status``/``headers``/``body`` or a ``failure`` code.

    ``failure`` is a catalogue code (``network-refused``, ``network-timeout``...) when no
    usable answer came; ``attempts`` counts the tries, retries included, and ``waits`` the
    seconds waited before each retry. ``url`` is the URL as it may be shown (its userinfo
    and query values masked). ``body_note`` says why the body is not the whole answer
    (longer than the cap, an encoding that could not be decoded), or is None.
    """

    method: str
    url: str
    _: KW_ONLY
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed_ms: float = 0.0
    attempts: int = 1
    failure: str | None = None
    failure_detail: str | None = None
    body_note: str | None = None
    waits: list[float] = field(default_factory=list)
    # The exception behind ``failure``, for the classifiers; never shown.
    error: BaseException | None = None
    _json: Any = field(default=_UNPARSED, init=False)

    def __post_init__(self) -> None:
        self.url = shown_url(self.url)
        self.headers = dict(self.headers or {})
        self.waits = list(self.waits)

    @property
    def ok(self) -> bool:
        return self.failure is None and self.status is not None and 200 <= self.status < 300

    def header(self, name: str, default: str | None = None) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default

    @property
    def request_id(self) -> str | None:
        return self.header("x-amzn-RequestId")

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON (once), or None when it is not JSON (HTML, truncated...)."""
        if self._json is _UNPARSED:
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                self._json = None
        return self._json

    def excerpt(self, limit: int = 200, secrets: Iterable[str] = ()) -> str:
        """A redacted, escaped, one-line beginning of the body, for reports.

        Redacted before it is cut, so that a secret straddling the cut is still recognised.
        """
        text = redact_text(self.body[: limit * 16].decode("utf-8", "replace"), secrets)
        text = escape_controls(" ".join(text.split()))
        return text[:limit] + ("…" if len(text) > limit else "")

    def __repr__(self) -> str:
        what = self.failure or self.status
        return f"HttpResult({self.method} {self.url} → {what}, {self.elapsed_ms:.0f} ms)"


# --------------------------------------------------------------------------- bounded bodies


class _Inflater:
    """Decompresses a gzip or deflate body piece by piece, never past ``limit`` bytes."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.raw_deflate_tried = False
        self._first = b""
        if encoding in ("gzip", "x-gzip"):
            self._engine = zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:  # deflate: zlib-wrapped as the standard says, raw deflate as servers often send
            self._engine = zlib.decompressobj()

    def feed(self, data: bytes, room: int) -> tuple[bytes, bool]:
        """``(decoded bytes, overflowed)``: at most ``room`` bytes; raises zlib.error."""
        try:
            out = self._engine.decompress(data, room)
        except zlib.error:
            if self.encoding != "deflate" or self.raw_deflate_tried:
                raise
            self.raw_deflate_tried = True
            self._engine = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._engine.decompress(self._first + data, room)
        if not self.raw_deflate_tried and len(self._first) < 64:
            self._first += data[:64]
        return out, bool(self._engine.unconsumed_tail)


def _read_body(
    response: requests.Response | _DirectResponse, deadline: Deadline
) -> tuple[bytes, str | None]:
    """``(body, note)``: the body, decoded, read piece by piece and capped; ``note`` says
    why it is not the whole answer (None when it is). Raises what the socket raises."""
    encoding = (response.headers.get("Content-Encoding") or "").strip().lower()
    inflater = _Inflater(encoding) if encoding in ("gzip", "x-gzip", "deflate") else None
    known = not encoding or encoding == "identity" or inflater is not None
    pieces: list[bytes] = []
    size, wire = 0, 0
    while True:
        chunk = response.raw.read(_CHUNK, decode_content=False)
        if deadline.ended:
            raise TimeoutError("the answer did not arrive before the call's deadline")
        if not chunk:
            break
        wire += len(chunk)
        if inflater is not None:
            try:
                chunk, overflowed = inflater.feed(chunk, MAX_BODY_BYTES - size + 1)
            except zlib.error:
                return b"".join(pieces), f"its {encoding} encoding is corrupt"
        else:
            overflowed = False
        pieces.append(chunk)
        size += len(chunk)
        if overflowed or size > MAX_BODY_BYTES or wire > MAX_BODY_BYTES:
            body = b"".join(pieces)[:MAX_BODY_BYTES]
            return body, f"it is longer than {MAX_BODY_BYTES} bytes; the rest was not read"
        if getattr(response.raw, "length_remaining", None) == 0:
            # Every byte its Content-Length announced is read (http.client has ended the
            # answer, so the connection may be reused): no read is left to say so.
            break
    body = b"".join(pieces)
    if not known:
        return body, f"it is encoded as {encoding!r}, which the check does not decode"
    return body, None


# --------------------------------------------------------------------------- direct sending


# What urllib.parse.quote_plus leaves as it is (its always-safe characters, and the space it
# turns into "+"); every other byte becomes %XX.
_FORM_ESCAPED = re.compile(rb"[^A-Za-z0-9_.~ -]")


def _form_escape(found: re.Match[bytes]) -> bytes:
    return b"%%%02X" % found[0][0]


def form_body(form: Mapping[str, str]) -> bytes:
    """A form as requests encodes it (``urlencode`` of its UTF-8 pairs, ``quote_plus``
    each), to the byte; escaping only the bytes that need it, not every byte of a value
    that has one (a refresh token's "|" sent its 400 bytes one by one through
    ``quote_plus``: the largest part of preparing an LWA call)."""
    return b"&".join(
        _FORM_ESCAPED.sub(_form_escape, key.encode()).replace(b" ", b"+")
        + b"="
        + _FORM_ESCAPED.sub(_form_escape, value.encode()).replace(b" ", b"+")
        for key, value in form.items()
    )


def _path_url(url: str) -> str:
    """The path and query of ``url`` as requests' ``PreparedRequest.path_url`` gives them."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _as_requests_error(error: Exception) -> Exception:
    """The exception requests' ``HTTPAdapter.send`` raises for what urllib3 raised while
    sending (the same class, around the same urllib3 exception), so a call sent directly
    fails exactly as one sent through requests; any other exception is itself."""
    exceptions = requests.exceptions
    if isinstance(error, (ProtocolError, OSError)):
        return exceptions.ConnectionError(error)
    if isinstance(error, MaxRetryError):
        reason = error.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return exceptions.ConnectTimeout(error)
        if isinstance(reason, ResponseError):
            return exceptions.RetryError(error)
        if isinstance(reason, ProxyError):
            return exceptions.ProxyError(error)
        if isinstance(reason, SSLError):
            return exceptions.SSLError(error)
        return exceptions.ConnectionError(error)
    if isinstance(error, ClosedPoolError):
        return exceptions.ConnectionError(error)
    if isinstance(error, ProxyError):
        return exceptions.ProxyError(error)
    if isinstance(error, SSLError):
        return exceptions.SSLError(error)
    if isinstance(error, ReadTimeoutError):
        return exceptions.ReadTimeout(error)
    if isinstance(error, InvalidHeader):
        return exceptions.InvalidHeader(error)
    return error


class _DirectResponse:
    """What the transport reads of an answer sent directly: urllib3's response, with the
    names requests' Response gives it (``status_code``, ``headers``, ``raw``, ``close``)."""

    __slots__ = ("headers", "raw", "status_code")

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.status_code: int = raw.status
        # urllib3's HTTPHeaderDict: case-insensitive, repeated headers joined by ", ".
        self.headers = raw.headers

    def close(self) -> None:
        """Drop the connection (unread bytes may follow), as requests' Response.close."""
        self.raw.close()
        self.raw.release_conn()


# --------------------------------------------------------------------------- sockets


class _WatchedConnection(HTTPConnection):
    """urllib3's connection, with its socket registered with the current call's deadline."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        deadline = current()
        if deadline is not None:
            deadline.watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        # A connection reused from the pool already has its socket: watch it for this call.
        deadline = current()
        if deadline is not None and self.sock is not None:
            deadline.watch(self.sock)
        return super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter, whose pools (direct and through a proxy) watch their sockets."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools have their own classes
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


class _SettledAdapter(_WatchedAdapter):
    """The adapter of a transport whose environment is settled (a fleet's): which pool serves
    a host (with its TLS settings and its proxy) and whether the request line names the
    whole URL (through a plain-HTTP proxy) or its path are worked out once per host, proxies
    and TLS settings, not on every call; and the answer's cookies are not collected into a
    jar nothing reads. The rest of ``send`` is requests' own: the TLS settings applied to
    the pool, the request sent, its failures named as requests names them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._settle_lock = threading.Lock()
        # (scheme, host:port, proxies, verify, cert) -> the pool that serves them
        self._pools: dict[tuple[Any, ...], Any] = {}
        # (scheme, host:port, proxies) -> whether the request line names the whole URL
        self._whole_url: dict[tuple[Any, ...], bool] = {}

    @staticmethod
    def _key(url: str, proxies: Mapping[str, str] | None, *more: Any) -> Any:
        """What requests' answer depends on, or None when it cannot be a key."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, tuple((proxies or {}).items()), *more)
        try:
            hash(key)
        except TypeError:  # an unhashable setting: worked out every time, as requests does
            return None
        return key

    def get_connection_with_tls_context(
        self, request: Any, verify: Any, proxies: Any = None, cert: Any = None
    ) -> Any:
        return self._pool_for(str(request.url), verify, proxies, cert, request)

    def _pool_for(self, url: str, verify: Any, proxies: Any, cert: Any, request: Any = None) -> Any:
        """The pool that serves ``url`` with these settings: requests' answer, kept."""
        key = self._key(url, proxies, verify, cert)
        if key is not None:
            with self._settle_lock:
                pool = self._pools.get(key)
            # A pool closed meanwhile is not used again: the pool manager's own is fetched.
            if pool is not None and pool.pool is not None:
                return pool
        if request is None:
            request = requests.PreparedRequest()
            request.url = url
        pool = super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        if key is not None:
            with self._settle_lock:
                self._pools[key] = pool
        return pool

    def request_url(self, request: Any, proxies: Any) -> str:
        return self._target(str(request.url), proxies, request)

    def _target(self, url: str, proxies: Any, request: Any = None) -> str:
        """What the request line names: the whole URL (through a plain-HTTP proxy) or its
        path; requests' answer, its rule kept per host and proxies."""
        key = self._key(url, proxies)
        with self._settle_lock:
            whole = self._whole_url.get(key) if key is not None else None
        if whole is None:
            if request is None:
                request = requests.PreparedRequest()
                request.url = url
            target = super().request_url(request, proxies)
            if key is not None:
                with self._settle_lock:
                    self._whole_url[key] = target != request.path_url
            return str(target)
        if whole:
            return str(urldefragauth(url))
        return _path_url(url)

    def send_direct(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        *,
        timeout: float,
        verify: Any,
        proxies: Mapping[str, str],
    ) -> _DirectResponse:
        """Send a request prepared by :meth:`SettledSession.send_direct` as ``send`` sends a
        prepared one (the same pool and TLS settings, the same request line, urllib3 called
        with the same arguments, its failures raised as requests' exceptions), and answer
        with the urllib3 response itself, not requests' Response around it."""
        try:
            pool = self._pool_for(url, verify, proxies, None)
        except LocationValueError as error:
            raise requests.exceptions.InvalidURL(error) from error
        # requests' own TLS settings of the pool, as send applies them on every call (it
        # ships this method unannotated).
        self.cert_verify(pool, url, verify, None)  # type: ignore[no-untyped-call]
        target = self._target(url, proxies)
        try:
            answer = pool.urlopen(
                method=method,
                url=target,
                body=body,
                headers=headers,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=self.max_retries,
                timeout=Urllib3Timeout(connect=timeout, read=timeout),
                chunked=False,
            )
        except Exception as error:
            raise _as_requests_error(error) from error
        return _DirectResponse(answer)

    def close(self) -> None:
        """requests' close, and the kept pools closed too (urllib3 leaves a pool it drops
        open until it is collected): no connection outlives the transport."""
        with self._settle_lock:
            pools = list(self._pools.values())
            self._pools.clear()
            self._whole_url.clear()
        super().close()
        for pool in pools:
            pool.close()

    def build_response(self, req: Any, resp: Any) -> requests.Response:
        """requests' response, without collecting its cookies (nothing here reads them)."""
        response = requests.Response()
        response.status_code = resp.status
        response.headers = requests.structures.CaseInsensitiveDict(resp.headers)
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = str(req.url)
        response.request = req
        response.connection = self
        return response


class _KeptAnswers:
    """Answers worked out once per key, by the first thread that asks for it; a thread
    asking meanwhile waits for that answer. (A fleet's first calls come from every worker at
    once: each worked the same answers out, scanning the environment, while the others did.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[Any, Any] = {}

    def get(self, key: Any, work: Callable[[], Any]) -> Any:
        try:
            return self._answers[key]  # one dict lookup: atomic, no lock needed to read
        except KeyError:
            pass
        with self._lock:  # held while working: the answers are few and quick to work out
            if key not in self._answers:
                self._answers[key] = work()
            return self._answers[key]


# --------------------------------------------------------------------------- the sessions


class _Session(requests.Session):
    """requests' session, without the one read it makes that no cap bounds.

    Not following a redirect, ``Session.send`` still works out ``Response.next`` (the
    request the redirect points to), and that reads the redirect's whole body, decompressed,
    to release its connection: a 302 carrying a gzip bomb took gigabytes before the
    transport's capped read began. The transport never follows a redirect and never reads
    ``Response.next``; every body it keeps is read within its cap.
    """

    def resolve_redirects(self, resp: Any, req: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("yield_requests"):
            return iter(())  # no Response.next: nothing is read here
        return super().resolve_redirects(resp, req, *args, **kwargs)


# --------------------------------------------------------------------------- a settled session

# Prepared URLs kept by a SettledSession: a fleet calls a handful of URLs thousands of times.
_MAX_PREPARED_URLS = 1024
# Header pairs a SettledSession keeps as checked (an access token's header is one per
# account, sent with each of its calls).
_MAX_VALID_HEADERS = 4096


class SettledSession(_Session):
    """A requests session for many calls to the same few hosts in one run whose environment
    does not change (a fleet's): what requests works out afresh on every call from things
    that stay the same is worked out once, and the calls skip the machinery the transport
    never uses.

    Once per host (scheme and ``host:port``): the proxies the environment names
    (``get_environ_proxies`` scans the whole environment, several times per call: a third
    of a fleet's CPU once; :func:`environ_proxies` keeps its answers too), the host's
    ``~/.netrc`` entry (looked up, files and all, on every call otherwise) and the CA
    bundle the environment names. Once per URL and query:
    the prepared URL. Per call, requests' own code still prepares what changes (the headers,
    each checked as requests checks them; the body; the authorisation from ``~/.netrc`` or
    the URL's userinfo) and its adapter sends it (proxies, TLS settings and the failures
    named as requests names them).

    What the transport's calls never use is skipped: cookies (the session keeps none: none
    are stored, none are sent), hooks, and the redirect machinery (the transport never
    follows a redirect; see :class:`_Session`). A call that asks
    for any of these, or a session given auth, proxies, parameters or a certificate of its
    own, goes through requests' general path (``Session.request``, unchanged).
    """

    def __init__(self) -> None:
        super().__init__()
        self._settle_lock = threading.Lock()
        # What the environment says, once: ("proxies", scheme, host:port, no_proxy) -> the
        # proxies it names for that host; ("netrc", scheme, host:port) -> the host's
        # ~/.netrc entry as requests' auth, or None; ("CA bundle",) -> the bundle it names.
        self._kept = _KeptAnswers()
        # (url, query parameters) -> the URL as requests prepares it
        self._urls: dict[tuple[str, Any], str] = {}
        # Headers (name, value) requests' check has let through: the session's and most of
        # a call's are the same on every call, and the check is the same for the same
        # pair. A set's add, test and clear are each atomic; a pair tested while another
        # thread clears the set is checked again, no more.
        self._valid_headers: set[tuple[str, str]] = set()

    # ------------------------------------------------------------ read once per run or host

    def _netrc_auth(self, url: str) -> Any:
        """The ``~/.netrc`` entry of ``url``'s host as requests' auth (None: no entry)."""
        parts = urlsplit(url)
        return self._kept.get(
            ("netrc", parts.scheme, parts.netloc), lambda: requests.utils.get_netrc_auth(url)
        )

    def _proxies_of(self, url: str, no_proxy: Any) -> dict[str, str]:
        """The proxies the environment names for ``url``'s host (do not change the dict)."""
        parts = urlsplit(url)
        found: dict[str, str] = self._kept.get(
            ("proxies", parts.scheme, parts.netloc, no_proxy),
            lambda: environ_proxies(url, no_proxy=no_proxy),
        )
        return found

    def _environ_ca_bundle(self) -> str | None:
        """The CA bundle the environment names, as requests reads it (trust_env)."""
        found: str | None = self._kept.get(
            ("CA bundle",),
            lambda: os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE"),
        )
        return found or None

    def _prepared_url(self, url: str, params: Mapping[str, str] | None) -> str:
        """``url`` with ``params`` as requests prepares them (IDNA, quoting), once per pair."""
        try:
            key = (url, tuple(params.items()) if params else None)
            hash(key)
        except TypeError:  # a parameter of a list or a dict: prepared every time
            key = None
        if key is not None:
            with self._settle_lock:
                known = self._urls.get(key)
            if known is not None:
                return known
        scratch = requests.PreparedRequest()
        scratch.prepare_url(url, params or {})
        prepared = str(scratch.url)
        if key is not None:
            with self._settle_lock:
                if len(self._urls) < _MAX_PREPARED_URLS:
                    self._urls[key] = prepared
        return prepared

    # ------------------------------------------------------------ the call

    def request(  # type: ignore[override]  # requests' signature, narrowed to what a call passes
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        cookies: Any = None,
        files: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = True,
        proxies: Any = None,
        hooks: Any = None,
        stream: bool | None = None,
        verify: Any = None,
        cert: Any = None,
        json: Any = None,
    ) -> requests.Response:
        general = (
            allow_redirects
            or stream is not True
            or not self.trust_env
            or not isinstance(url, str)
            or any(value is not None for value in (cookies, files, auth, proxies, hooks, cert))
            or json is not None
            or self._has_settings_of_its_own()
        )
        if general:
            return super().request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                cookies=cookies,
                files=files,
                auth=auth,
                timeout=timeout,
                allow_redirects=allow_redirects,
                proxies=proxies,
                hooks=hooks,
                stream=stream,
                verify=verify,
                cert=cert,
                json=json,
            )
        # requests' Session.prepare_request and PreparedRequest.prepare, step by step,
        # without what never changes here (the session's settings merged afresh) or is
        # never used (cookies, hooks).
        prepared = requests.PreparedRequest()
        prepared.prepare_method(method)
        prepared.url = self._prepared_url(url, params)
        merged = requests.structures.CaseInsensitiveDict(self.headers)
        if headers:
            merged.update(headers)
        for name in [name for name, value in merged.items() if value is None]:
            del merged[name]
        prepared.prepare_headers(merged)
        prepared.prepare_body(data or {}, None, None)
        # The host's ~/.netrc entry, else (None) the URL's userinfo, as requests does.
        prepared.prepare_auth(self._netrc_auth(url), url)
        return self.get_adapter(url=str(prepared.url)).send(
            prepared,
            stream=True,
            timeout=timeout,
            verify=self._verify_of(verify),
            cert=None,
            proxies=dict(self._proxies_of(str(prepared.url), None)),
        )

    def _has_settings_of_its_own(self) -> bool:
        """The session has auth, proxies, parameters, a certificate, cookies or hooks of its
        own: then a call takes requests' general way, which merges them."""
        return bool(
            self.auth
            or self.proxies
            or self.params
            or self.cert
            or len(self.cookies)
            or any(self.hooks.values())
        )

    def _verify_of(self, verify: str | bool | None) -> str | bool:
        """What a call's ``verify`` means, as requests' merge gives it: the CA bundle the
        environment names (read once) where the call asks for verification or says
        nothing, else the session's own; True where nothing says otherwise (the adapter
        reads None as True too)."""
        if verify is True or verify is None:
            verify = self._environ_ca_bundle() or verify
        if verify is None:
            verify = self.verify
        return True if verify is None else verify

    # ------------------------------------------------------------ the transport's call

    def send_direct(
        self,
        method: str,
        url: str,
        *,
        data: Mapping[str, Any] | bytes | None,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        timeout: float,
        verify: str | bool | None,
    ) -> _DirectResponse | None:
        """The transport's usual call, prepared as requests prepares it and sent through the
        settled adapter without requests' Request, PreparedRequest and Response objects
        around it (their building was a fifth of a fleet's CPU); None when the call is not
        such a one (then :meth:`request` sends it).

        The usual call: a session with none of auth, proxies, parameters, certificate,
        cookies or hooks of its own (as the settled path of :meth:`request` requires); a
        URL with no userinfo to a host ~/.netrc has no entry for (no authorisation to add);
        a body of bytes, a form of text values, or none; headers of text. What it sends
        is what requests would send (tests/test_settled_session.py compares them): the
        session's headers merged with the call's (a None removes one), each checked as
        requests checks it; a form encoded as requests encodes it, with its Content-Type
        unless the call names one; Content-Length as requests sets it.
        """
        if not self.trust_env or self._has_settings_of_its_own() or not isinstance(url, str):
            return None
        text_form = isinstance(data, dict) and all(
            isinstance(key, str) and isinstance(value, str) for key, value in data.items()
        )
        if not (data is None or isinstance(data, bytes) or text_form):
            return None
        adapter = self.get_adapter(url=url)
        if not isinstance(adapter, _SettledAdapter):
            return None
        method = method.upper()
        prepared_url = self._prepared_url(url, params)
        if "@" in urlsplit(prepared_url).netloc or self._netrc_auth(url) is not None:
            return None  # an authorisation to add: requests' way (request())
        # The session's headers, then the call's (case-insensitive, a None removes one).
        merged: dict[str, tuple[str, str | None]] = {}
        for name, value in [*self.headers.items(), *(headers or {}).items()]:
            if not isinstance(name, str) or not isinstance(value, (str, type(None))):
                return None  # a header of bytes: requests' way
            merged[name.lower()] = (name, value)
        body: bytes | None = None
        form = False
        if data:
            if isinstance(data, bytes):
                body = data
            else:
                body = form_body(data)
                form = True
        # Content-Length, then a form's Content-Type unless the call names one: requests'
        # order, each replacing a header of the same name in any case.
        if body:
            merged["content-length"] = ("Content-Length", str(len(body)))
        elif method not in ("GET", "HEAD") and merged.get("content-length", ("", None))[1] is None:
            merged["content-length"] = ("Content-Length", "0")
        if form and merged.get("content-type", ("", None))[1] is None:
            merged["content-type"] = ("Content-Type", "application/x-www-form-urlencoded")
        sent: dict[str, str] = {}
        valid = self._valid_headers
        for header, content in merged.values():
            if content is not None:
                pair = (header, content)
                if pair not in valid:
                    requests.utils.check_header_validity(pair)  # raises for a bad one
                    if len(valid) >= _MAX_VALID_HEADERS:
                        valid.clear()
                    valid.add(pair)
                sent[header] = content
        return adapter.send_direct(
            method,
            prepared_url,
            body,
            sent,
            timeout=timeout,
            verify=self._verify_of(verify),
            proxies=dict(self._proxies_of(prepared_url, None)),
        )


# --------------------------------------------------------------------------- the transport


class Transport:
    """A requests session with the check's timeouts, deadlines, caps and retry policy.

    ``timeout`` bounds each connect and each read; ``deadline`` (default ``timeout ×
    (retries + 1)``) bounds each call as a whole. Calls made inside a
    :class:`~spapi_docs_helpers._deadline.Deadline` block (or a
    :class:`~spapi_docs_helpers._deadline.Concurrently` call) end when it ends, too.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        session: requests.Session | None = None,
        deadline: float | None = None,
        max_retry_after: float = MAX_RETRY_AFTER,
        pool_size: int = 16,
        settled_environment: bool = False,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.deadline = call_deadline(timeout, retries) if deadline is None else deadline
        self.max_retry_after = max_retry_after
        # ``settled_environment``: the CA bundle the environment names is checked once, and
        # the proxy variables once per host, not on every call (a transport shared by a
        # fleet's thousands of calls to the same hosts, or made for one check's calls, in
        # a run whose environment does not change meanwhile). Their answers are kept here;
        # None: checked on every call. Its adapter (_SettledAdapter) keeps each host's pool
        # and request-line rule too.
        self._checked = _KeptAnswers() if settled_environment else None
        # A settled transport's own session reads what the run does not change once
        # (SettledSession); a given session is used as it is.
        self.session = session or (SettledSession() if settled_environment else _Session())
        # No retries below this one: the loop in request() does them, within the deadline.
        # ``pool_size``: connections kept per host; a transport shared by many checks at
        # once (a fleet's) needs one per call in flight, or the extra ones are dropped.
        adapter_class = _SettledAdapter if settled_environment else _WatchedAdapter
        adapter = adapter_class(max_retries=0, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT.format(version=__version__)
        self.session.headers["Accept-Encoding"] = ACCEPT_ENCODING
        # Proxies and CA bundles from the environment stay honoured (trust_env).

    def request(
        self,
        method: str,
        url: str,
        *,
        data: Mapping[str, Any] | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        verify: str | bool | None = None,
    ) -> HttpResult:
        """One call, retried as the policy says; never raises (but Ctrl-C goes through)."""
        started = time.perf_counter()
        waits: list[float] = []
        attempts = 0
        with Deadline(self.deadline) as deadline:
            while True:
                attempts += 1
                result = self._attempt(method, url, data, headers, params, verify, deadline)
                wait = self._retry_wait(result, attempts)
                left = deadline.remaining()
                # A wait that would outlast the deadline is not begun: this answer stands.
                if wait is None or (left is not None and wait >= left):
                    break
                if not deadline.sleep(wait):
                    break
                waits.append(wait)
        result.attempts = attempts
        result.waits = waits
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result

    def _retry_wait(self, result: HttpResult, attempts: int) -> float | None:
        """Seconds to wait before the next attempt, or None when this result stands."""
        if attempts > self.retries:
            return None
        if result.failure is not None:
            if result.failure not in RETRIED_FAILURES:
                return None
        elif result.status not in RETRY_STATUSES:
            return None
        # A dropped connection or a 5xx is often gone at once, so the first retry is
        # immediate. A 429 is not: Amazon's quotas are token buckets (SP-API's usage
        # plans), and an empty bucket met again at once refuses again, so a 429 is
        # always waited for. SP-API's 429 carries no Retry-After (the headers of one are
        # quoted in amzn/selling-partner-api-docs#86).
        waited_for = attempts > 1 or result.status == 429
        wait = self.backoff * 2 ** (attempts - 1) if waited_for else 0.0
        retry_after = result.header("Retry-After")
        if retry_after is not None:
            try:
                asked = float(retry_after)
            except ValueError:
                asked = None  # an HTTP date or junk: the backoff stands
            if asked is not None and asked == asked:  # not NaN
                wait = min(max(asked, 0.0), self.max_retry_after)
        return wait

    def _verify_problem(self, url: str, verify: str | bool | None) -> str | None:
        if not url.lower().startswith("https:"):
            return None
        if isinstance(verify, str):
            why = _file_problem(verify, limit=MAX_CA_BUNDLE_BYTES, directory_ok=True)
            if why is None:
                return None
            named = os.environ.get(AWS_CA_BUNDLE_VARIABLE) == verify
            return f"{AWS_CA_BUNDLE_VARIABLE}={verify}: {why}" if named else f"{verify}: {why}"
        if verify is None and self.session.trust_env:
            # The key is no URL, so no host's proxy answer can stand in for it.
            problem = self._once("CA bundle", ca_bundle_problem)
            if problem is not None:
                name, path, why = problem
                return f"{name}={path}: {why}"
        return None

    def _once(
        self, key: str, check: Callable[[], tuple[str, str, str] | None]
    ) -> tuple[str, str, str] | None:
        """``check()``, or with a settled environment its answer kept under ``key``."""
        if self._checked is None:
            return check()
        answer: tuple[str, str, str] | None = self._checked.get(key, check)
        return answer

    def _attempt(
        self,
        method: str,
        url: str,
        data: Mapping[str, Any] | bytes | None,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        verify: str | bool | None,
        deadline: Deadline,
    ) -> HttpResult:
        left = deadline.remaining()
        if left is not None and left <= 0:
            return HttpResult(
                method,
                url,
                failure="network-timeout",
                failure_detail=f"no answer within the call's deadline of {self.deadline:g} s",
            )
        problem = self._verify_problem(url, verify)
        if problem is not None:
            return HttpResult(
                method, url, failure="ca-bundle-unusable", failure_detail=escape_controls(problem)
            )
        # The proxy requests picks depends on the scheme and the host: "scheme://host[:port]".
        origin = "/".join(url.split("/", 3)[:3])
        proxy = self._once(origin, lambda: proxy_problem(url)) if self.session.trust_env else None
        if proxy is not None:
            name, shown, why = proxy
            return HttpResult(
                method,
                url,
                failure="proxy-invalid",
                failure_detail=escape_controls(f"{name}={shown}: {why}"),
            )
        per_read = deadline.bound(self.timeout)
        response: requests.Response | _DirectResponse | None = None
        try:
            if isinstance(self.session, SettledSession):
                response = self.session.send_direct(
                    method,
                    url,
                    data=data,
                    headers=headers,
                    params=params,
                    timeout=per_read,
                    verify=verify,
                )
            if response is None:
                response = self.session.request(
                    method,
                    url,
                    data=data,
                    headers=headers,
                    params=params,
                    timeout=(per_read, per_read),
                    allow_redirects=False,
                    stream=True,
                    # None: the session's own, with the CA bundle of the environment.
                    verify=verify,
                )
            body, note = _read_body(response, deadline)
        except (requests.exceptions.RequestException, Urllib3Error, OSError, ValueError) as error:
            # ValueError covers what requests lets through before sending: a header that is
            # not Latin-1 (a token of strange characters), an unusable URL. OSError: a socket
            # shut down by the deadline, a CA bundle requests cannot find.
            if response is not None:
                response.close()
            if deadline.ended:
                failure = "network-timeout"
                detail = f"no complete answer within the call's deadline of {self.deadline:g} s"
            else:
                failure = _failure_of(error)
                detail = escape_controls(redact_text(str(error))[:300])
            return HttpResult(
                method,
                url,
                status=response.status_code if response is not None else None,
                headers=dict(response.headers) if response is not None else {},
                failure=failure,
                failure_detail=detail,
                error=error,
            )
        if note is None:
            response.raw.release_conn()  # read to the end: the connection may be reused
        else:
            response.close()  # unread bytes may follow: the connection is dropped
        return HttpResult(
            method,
            url,
            status=response.status_code,
            headers=dict(response.headers),
            body=body,
            body_note=note,
        )

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- botocore


class _RawBody:
    """What botocore's AWSResponse reads its content from."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


_BOTOCORE_ERRORS = {
    "network-timeout": "ReadTimeoutError",
    "network-refused": "EndpointConnectionError",
    "network-dns": "EndpointConnectionError",
    "network-reset": "ConnectionClosedError",
    "network-tls": "SSLError",
}


def _reads_as(body: bytes, written_in: str) -> bool:
    """Whether ``body`` is empty or a whole document of its format ("JSON" or "XML")."""
    if not body.strip():
        return True
    try:
        if written_in == "JSON":
            json.loads(body)
        else:
            # What botocore parses the answer with (no external entities are fetched).
            ElementTree.fromstring(body)
    except (ValueError, RecursionError, ElementTree.ParseError):
        return False
    return True


def _botocore_error(http: HttpResult) -> Exception:
    """The botocore exception a failed call stands for, carrying the transport's verdict."""
    from botocore import exceptions

    detail = http.failure_detail or http.failure
    name = _BOTOCORE_ERRORS.get(http.failure or "")
    error: Exception
    if name is None:
        # No botocore class stands for it (a bad setting, a 5xx page, a body too long):
        # botocore's generic one, with the transport's words instead of "unhandled".
        error = exceptions.HTTPClientError(endpoint_url=http.url, error=detail)
        Exception.__init__(error, f"{http.url}: {detail}")
    else:
        error = getattr(exceptions, name)(endpoint_url=http.url, error=detail)
    # Read back by network_failure (getattr): botocore's classes have no such attribute.
    setattr(error, "transport_failure", http.failure)  # noqa: B010
    return error


def _aws_verify() -> str | bool:
    """The CA bundle botocore would use: AWS_CA_BUNDLE, else its own default."""
    from botocore.httpsession import get_cert_path

    return os.environ.get(AWS_CA_BUNDLE_VARIABLE) or get_cert_path(True)


# botocore's data loader (service models, endpoint rules, partitions) shared by every
# session aws_client makes: a new session per client (its profile, region and credentials
# are the caller's, and must not be kept from one call to the next) would otherwise parse
# the same JSON models again each time, some 50-150 ms of CPU per client. The loader holds
# only botocore's own data files; its cache is per loader. Keyed by botocore's data path
# (AWS_DATA_PATH and the config's data_path), so a session told to read other files gets a
# loader of its own.
_LOADERS: dict[Any, Any] = {}
_LOADERS_LOCK = threading.Lock()


def _new_lock_after_fork() -> None:
    # A child made by fork has only the forking thread: a lock another thread held at the
    # fork (while it loaded botocore's models) would stay held in the child for ever.
    global _LOADERS_LOCK
    _LOADERS_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_new_lock_after_fork)


# botocore's built-in event handlers, registered once into an emitter that every new session
# gets a copy of. A session registers some 200 module-level functions at its start (about
# 18 ms of CPU, more than the rest of a session and a client together); a copy of the
# registered emitter is what botocore itself gives each client it makes, and no session's or
# client's own registrations reach the template or another copy. The list is botocore's
# `BUILTIN_HANDLERS`, which other libraries extend after botocore is imported (moto appends
# the stub that answers for AWS in a user's tests): the template is made again whenever the
# list differs from the one it was made from, as botocore reads the list at each session.
# (Two threads that find it stale at once may each make one; both are the same handlers.)
_HANDLERS_TEMPLATE: tuple[tuple[Any, ...], Any] | None = None


def _builtin_handlers() -> Any:
    global _HANDLERS_TEMPLATE
    from botocore.handlers import BUILTIN_HANDLERS
    from botocore.hooks import HierarchicalEmitter
    from botocore.session import Session

    listed = tuple(BUILTIN_HANDLERS)
    made = _HANDLERS_TEMPLATE
    if made is not None and made[0] == listed:
        return made[1]
    emitter = HierarchicalEmitter()
    Session(event_hooks=emitter)  # registers the built-in handlers into `emitter`
    _HANDLERS_TEMPLATE = (listed, emitter)
    return emitter


def botocore_session() -> Any:
    """A new botocore session: its own configuration, credentials and components, with the
    process's shared data loader and a copy of the built-in event handlers."""
    import botocore.session

    core = botocore.session.Session(
        event_hooks=copy.copy(_builtin_handlers()), include_builtin_handlers=False
    )
    search = core.get_config_variable("data_path")
    with _LOADERS_LOCK:
        loader = _LOADERS.get(search)
        if loader is None:
            loader = _LOADERS[search] = core.get_component("data_loader")
    core.register_component("data_loader", loader)
    return core


def aws_client(
    service: str,
    env: Mapping[str, str],
    *,
    timeout: float,
    retries: int = DEFAULT_RETRIES,
    endpoint_url: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    longest_wait: float = 0.0,
) -> tuple[Any, Transport]:
    """A botocore client of ``service`` (what boto3.client gives) whose every call goes
    through a :class:`Transport` (``timeout`` per read, a deadline per call, capped bodies),
    and that transport.

    The keys come from ``env`` (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
    ``AWS_SESSION_TOKEN``); ``region`` and ``profile`` are the caller's choice, each read
    from ``env`` as the library it mirrors reads them; what is None falls back to botocore's
    own chain (boto3's). botocore makes one attempt: the transport retries, within the
    deadline.
    ``longest_wait``: seconds a call may rightly wait for its answer beyond ``timeout``
    (an SQS long poll). Raises what botocore raises for a profile or region it cannot use.
    """
    # Only here: the offline check must not pay for botocore otherwise.
    from botocore.config import Config

    key, secret, token = (
        env.get(name)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    )
    # botocore logs its requests at DEBUG, signed with these keys.
    protect_logs((secret, token))
    # What boto3.session.Session(...) does with these arguments, on a botocore session that
    # shares the process's data loader (boto3's session adds only its resource models).
    session = botocore_session()
    if profile is not None:
        session.set_config_variable("profile", profile)
    if region is not None:
        session.set_config_variable("region", region)
    if key or secret or token:
        session.set_credentials(key, secret, token)
    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout + longest_wait,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    client = session.create_client(service, endpoint_url=endpoint_url, config=config)
    transport = Transport(timeout=timeout + longest_wait, retries=retries)
    send_botocore_through(client, transport)
    return client, transport


def send_botocore_through(client: Any, transport: Transport) -> None:
    """Send every HTTP request of the botocore ``client`` through ``transport``.

    botocore's ``before-send`` event lets a handler answer a request itself. Here it does
    so with ``transport``, so STS and Secrets Manager calls have the same deadline, caps
    and retries as every other call, and a failure is raised as the botocore exception
    that stands for it (with the transport's catalogue code in ``transport_failure``).
    A 2xx answer that is not a whole document of the service's format (JSON or XML) is
    ``unexpected-response`` too, and its body is quoted nowhere.
    The client should be made with ``total_max_attempts=1``: the transport retries.
    """
    from botocore.awsrequest import AWSResponse

    verify = _aws_verify()
    # What the service's errors are written in: a 5xx in anything else (a proxy's page, a
    # load balancer's JSON) is no answer of the service, and botocore could not parse it.
    protocol = client.meta.service_model.protocol
    opening = b"<" if protocol in ("query", "rest-xml", "ec2") else b"{"
    # What every answer of the service is written in: AWS's JSON protocol (Secrets Manager,
    # SQS) answers with a JSON object or nothing, the query protocols (STS) with an XML
    # document. A 2xx body that is not one is no answer, and is not handed to botocore.
    # botocore reads a JSON body it cannot parse as {"message": body}, so a body cut short
    # on the way would pass for an answer without its fields (no SecretString, no Messages:
    # the secret would be blamed, or the queue read as empty); and its error for broken XML
    # quotes the body, which for AssumeRole holds the temporary keys. Only the protocols
    # named here: under the REST ones an operation may answer with a payload of its own
    # (S3's GetObject), and botocore knows others (CBOR) whose bodies are neither.
    written_in = {"json": "JSON", "query": "XML", "ec2": "XML"}.get(protocol)

    def send(request: Any, **_: Any) -> Any:
        body = request.body
        if hasattr(body, "read"):
            body = body.read(MAX_BODY_BYTES)
        http = transport.request(
            request.method,
            request.url,
            data=body,
            headers=dict(request.headers.items()),
            verify=verify,
        )
        if http.failure is None and http.body_note is not None:
            http.failure = "unexpected-response"
            http.failure_detail = (
                f"HTTP {http.status}: the body could not be read: {http.body_note}"
            )
        elif (
            http.failure is None
            and (http.status or 0) >= 500
            and not http.body.lstrip().startswith(opening)
        ):
            http.failure = "service-unavailable"
            http.failure_detail = (
                f"HTTP {http.status} after {http.attempts} attempt(s), "
                f"{escape_controls(http.content_type or 'no content type')[:60]}: "
                f"{http.excerpt(limit=120)!r}"
            )
        elif (
            http.failure is None
            and written_in is not None
            and 200 <= (http.status or 0) < 300
            and not _reads_as(http.body, written_in)
        ):
            # No excerpt: the body may hold what was asked for (a secret's value, keys).
            http.failure = "unexpected-response"
            http.failure_detail = (
                f"HTTP {http.status}: the body ({len(http.body)} bytes) is not {written_in}, "
                "as every answer of the service is (cut short on the way?)"
            )
        if http.failure is not None:
            raise _botocore_error(http) from http.error
        return AWSResponse(request.url, http.status, http.headers, _RawBody(http.body))

    client.meta.events.register("before-send", send)
