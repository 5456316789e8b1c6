"""From a service's answer to a catalogue entry: the verdict of one call.

LWA errors are keyed on the JSON ``error`` code, never on the HTTP status alone (Amazon's
own Python SDK maps statuses and loses the distinction between invalid_client and
invalid_grant). The asymmetries that tell credentials apart: ``invalid_grant`` clears the
client identifier and secret and blames the refresh token; ``invalid_client`` blames the
client identifier when it is malformed, and otherwise both (the secret most likely: a
well-formed identifier can still be another app's, or mistyped); ``unauthorized_client``
means a token of another app. An answer nothing here explains is reported as what it is,
and blames no credential. Network failures are named by the transport
(:func:`~spapi_docs_helpers._transport.network_failure`); what the environment does to
every call (endpoint URLs, plain HTTP, CA bundles, proxies) is judged here too
(:func:`endpoint_findings`).
"""

from __future__ import annotations

from ._catalogue import entry
from ._redaction import escape_controls, redact_text, shown_url, shown_value
from ._transport import ca_bundle_problem, network_failure, proxy_problem

__all__ = [
    "diagnose_lwa",
    "diagnose_spapi",
    "diagnose_sts",
    "endpoint_findings",
    "transport_finding",
]

SPAPI_DETAILS = {
    "The LWA secret token you provided has expired.": "spapi-secret-expired",
    "The access token you provided is revoked, malformed or invalid.": "spapi-access-token-invalid",
    "Access token is missing in the request header.": "spapi-access-token-missing",
}
SERVICE_NAMES = {"lwa": "Login with Amazon", "spapi": "SP-API", "sts": "AWS STS"}


def _word(text, limit=60) -> str:
    """A short code from a service (``invalid_client``) as is; anything odd quoted and cut."""
    if isinstance(text, str) and len(text) <= limit and text.isprintable():
        return text
    return shown_value(text, limit)


def _phrase(code) -> str:
    """The catalogue title of ``code`` as the tail of a sentence ("the connection was reset")."""
    title = entry(code).title
    return title[:1].lower() + title[1:]


def transport_finding(http, service, secrets=()):
    """The finding for an answer that is no verdict (network, throttling, 5xx, junk, a body
    that could not be read whole), or None."""
    name = SERVICE_NAMES.get(service, service)
    tries = f" after {http.attempts} attempts" if http.attempts > 1 else ""
    if http.failure:
        return entry(http.failure).finding(
            f"{name} at {http.url}: {_phrase(http.failure)}{tries} "
            f"({http.failure_detail or 'no detail'})."
        )
    if http.body_note:
        return unexpected(
            http, service, secrets, why=f"the body could not be read: {http.body_note}"
        )
    if http.status == 429:
        wait = http.header("Retry-After")
        return entry("rate-limited").finding(
            f"{name} at {http.url} answered 429 Too Many Requests{tries}"
            + (f" (Retry-After: {shown_value(wait, 40)})" if wait else "")
            + "."
        )
    if http.status is not None and http.status >= 500:
        if http.content_type == "application/json" and http.json() is not None:
            return entry("service-unavailable").finding(
                f"{name} at {http.url} answered HTTP {http.status}{tries}: "
                f"{http.excerpt(secrets=secrets)!r}."
            )
        return unexpected(http, service, secrets)
    return None


def unexpected(http, service, secrets=(), why=None):
    name = SERVICE_NAMES.get(service, service)
    kind = escape_controls(http.content_type or "no content type")[:80]
    reason = (
        redact_text(why, secrets)
        if why
        else (
            "the body is not JSON"
            if http.json() is None
            else "nothing in the catalogue explains this answer"
        )
    )
    return entry("unexpected-response").finding(
        f"{name} at {http.url} answered HTTP {http.status} ({kind}; {reason}): "
        f"{http.excerpt(secrets=secrets)!r}. This says nothing about your credentials."
    )


def diagnose_lwa(http, *, format_findings=(), grant="refresh_token", secrets=()):
    """None when LWA issued a token; otherwise the finding that explains why not."""
    problem = transport_finding(http, "lwa", secrets)
    if problem is not None:
        return problem
    body = http.json()
    if http.ok:
        token = body.get("access_token") if isinstance(body, dict) else None
        # A token goes into an HTTP header: printable ASCII, or it is no token at all.
        if isinstance(token, str) and token and token.isascii() and token.isprintable():
            return None
        return unexpected(
            http, "lwa", secrets, why="a success status without a usable access token"
        )
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return unexpected(http, "lwa", secrets)
    error = body["error"]
    said = f"LWA answered HTTP {http.status} {_word(error)}"
    description = body.get("error_description")
    if isinstance(description, str) and description:
        said += f" ({escape_controls(redact_text(description, secrets))[:200]!r})"
    bad = {f.field for f in format_findings if f.severity == "error" and f.field}
    if grant == "authorization_code" and error in ("invalid_grant", "unauthorized_client"):
        # The client passed (else invalid_client): the code is refused. Amazon does not say
        # which of its causes applies, and RFC 6749 puts them all under invalid_grant.
        return entry("authorization-code-rejected").finding(
            f"{said}: LWA accepted the client identifier and secret but not the code. It is "
            "more than five minutes old, was already exchanged, or was issued for another app "
            "or another redirect_uri."
        )
    if error == "invalid_client":
        if "lwa_app_id" in bad:
            return entry("lwa-client-id-rejected").finding(
                f"{said}, and lwa_app_id is not a well-formed Client identifier (see its format "
                "finding): LWA does not know this client."
            )
        if "lwa_client_secret" in bad:
            return entry("lwa-client-secret-rejected").finding(
                f"{said}. lwa_client_secret is malformed (see its format finding), which is "
                "reason enough."
            )
        # A well-formed identifier is not proof of the right one: LWA answers invalid_client
        # to another app's identifier, or a mistyped one, as it does to a wrong secret.
        return entry("lwa-client-secret-rejected").finding(
            f"{said}. LWA refuses the client when either value is wrong. The client "
            "identifier is well formed, so the secret is the more likely one (from another "
            "app, rotated more than 7 days ago, or expired), but a well-formed identifier "
            "of another app, or a mistyped one, is refused the same way.",
            details={"fields": ["lwa_client_secret", "lwa_app_id"], "either": True},
        )
    if error == "invalid_grant":
        tail = (
            " The refresh token also fails the format check (see above)."
            if "refresh_token" in bad
            else " LWA accepted the client identifier and secret (it would say invalid_client "
            "otherwise), so the refresh token is the one at fault."
        )
        return entry("lwa-refresh-token-rejected").finding(f"{said}.{tail}")
    if error == "unauthorized_client":
        return entry("lwa-token-from-another-app").finding(
            f"{said}: the refresh token was issued to another app than this client identifier."
        )
    if error == "invalid_request":
        return entry("lwa-invalid-request").finding(f"{said}.")
    if error == "unsupported_grant_type":
        return entry("lwa-unsupported-grant-type").finding(f"{said} for grant_type={grant}.")
    if error == "invalid_scope":
        return entry("lwa-invalid-scope").finding(f"{said}.")
    return unexpected(
        http, "lwa", secrets, why=f"the LWA error {error!r} is not one Amazon documents"
    )


def spapi_denial(http):
    """``(details, code)`` of an SP-API 403 Unauthorized body, or None for another answer."""
    if http.status != 403:
        return None
    body = http.json()
    try:
        first = body["errors"][0]
    except (TypeError, KeyError, IndexError):
        return None
    if not isinstance(first, dict):
        return None
    details = first.get("details", "")
    details = details if isinstance(details, str) else ""
    return details, SPAPI_DETAILS.get(details)


def diagnose_spapi(http, *, secrets=(), refusal_is_access=False):
    """``("ok", None)``, ``("denied", None)`` (a bare 403), or ``("problem", finding)``.

    ``refusal_is_access``: a 400 or 404 with a JSON error body means the call got past
    the authorisation (role probes send made-up parameters); elsewhere it is no success.
    """
    problem = transport_finding(http, "spapi", secrets)
    if problem is not None:
        return "problem", problem
    if http.ok:
        if http.json() is None:
            return "problem", unexpected(
                http, "spapi", secrets, why="a success status whose body is not JSON"
            )
        return "ok", None
    denial = spapi_denial(http)
    if denial is not None:
        details, code = denial
        if code is None and not details:
            return "denied", None
        if code is None:
            return "problem", unexpected(
                http,
                "spapi",
                secrets,
                why=f"a 403 whose details ({shown_value(details, 120)}) are unknown",
            )
        return "problem", entry(code).finding(
            f"SP-API at {http.url} answered 403 Unauthorized: {shown_value(details, 200)}"
        )
    if refusal_is_access and http.status in (400, 404) and http.json() is not None:
        # The authorisation passed; the request itself was refused.
        return "ok", None
    return "problem", unexpected(http, "spapi", secrets)


# --------------------------------------------------------------------------- AWS STS


def diagnose_sts(error, *, operation, credentials, caller_arn=None, secrets=()):
    """The finding for an exception of an STS call (botocore's ClientError or network)."""
    kind = type(error).__name__
    network = network_failure(error)
    if network is None and kind.endswith(("ConnectionError", "ConnectionClosedError")):
        # botocore's own wrapper, whose cause was not recognised: no answer came.
        network = "network-refused"
    if network is not None:
        return entry(network).finding(
            f"AWS STS ({operation}): {_phrase(network)} "
            f"({escape_controls(redact_text(str(error), secrets))[:300]})."
        )
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return entry("unexpected-response").finding(
            f"AWS STS ({operation}) failed with {kind}: "
            f"{escape_controls(redact_text(str(error), secrets))[:300]}."
        )
    details = response.get("Error", {})
    code = details.get("Code", "")
    message = escape_controls(redact_text(str(details.get("Message", "")), secrets))[:300]
    said = f"AWS STS answered {_word(code)} to {operation}: {message!r}"
    # InvalidAccessKeyId is the S3-style name some endpoints (and moto) use for the same.
    if code in ("InvalidClientTokenId", "InvalidAccessKeyId"):
        return entry("sts-access-key-invalid").finding(f"{said}.")
    if code == "SignatureDoesNotMatch":
        return entry("sts-secret-key-wrong").finding(
            f"{said}: AWS knows the access key, but the secret key does not belong to it."
        )
    if code in ("ExpiredToken", "ExpiredTokenException"):
        return entry("sts-token-expired").finding(f"{said}.")
    if code == "AccessDenied":
        if "root account" in message:
            return entry("sts-root-keys").finding(f"{said}.")
        role_arn = credentials.role_arn if isinstance(credentials.role_arn, str) else ""
        if ":user/" in role_arn or (caller_arn and role_arn.strip() == caller_arn):
            return entry("sts-role-arn-is-caller").finding(
                f"{said}. role_arn ({role_arn.strip()}) names a user"
                + (
                    ", the very user calling"
                    if caller_arn and role_arn.strip() == caller_arn
                    else ""
                )
                + ", not a role."
            )
        return entry("sts-assume-role-denied").finding(
            f"{said}. The user {caller_arn or '(unknown)'} may not assume {role_arn.strip()}."
        )
    if code == "ValidationError":
        return entry("role-arn-malformed").finding(f"{said}.", field="role_arn")
    if code in ("Throttling", "ThrottlingException", "RequestLimitExceeded"):
        return entry("rate-limited").finding(f"{said}.")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if isinstance(status, int) and status >= 500:
        return entry("service-unavailable").finding(f"{said} (HTTP {status}).")
    return entry("unexpected-response").finding(f"{said} (HTTP {status}).")


# --------------------------------------------------------------------------- the environment


def endpoint_findings(endpoints, *, sts=False, environ=None) -> list:
    """What the endpoints and the network settings do to every call, before any is made.

    Errors (nothing is sent when there is one): an endpoint variable that is no usable URL,
    a CA bundle variable naming something ssl cannot load, a proxy variable requests cannot
    use. Warnings: an endpoint that would get a secret over plain HTTP on another machine.
    ``sts``: the STS calls will run (their endpoint counts too).
    """
    from ._endpoints import is_loopback, url_problem

    findings = []
    for name, value in endpoints.invalid.items():
        why = url_problem(value) or "it is not an http(s) URL"
        findings.append(
            entry("endpoint-url-invalid").finding(
                f"{name}={shown_value(shown_url(value), 120)}: {why}."
            )
        )
    if findings:
        return findings
    services = [("LWA", endpoints.lwa, "the client secret and the refresh token")]
    services += [
        (f"SP-API {code}", url, "the access token") for code, url in endpoints.spapi.items()
    ]
    if sts and endpoints.sts:
        services.append(("AWS STS", endpoints.sts, "the session token and temporary keys"))
    for label, url, what in services:
        if url.lower().startswith("http://") and not is_loopback(url):
            findings.append(
                entry("endpoint-plain-http").finding(
                    f"{label} at {shown_url(url)} is plain HTTP on another machine: {what} "
                    "would cross the network unencrypted."
                )
            )
    urls = [url for _, url, _ in services]
    if any(url.lower().startswith("https:") for url in urls):
        problem = ca_bundle_problem(environ=environ)
        if problem is not None:
            name, path, why = problem
            findings.append(
                entry("ca-bundle-unusable").finding(
                    f"{name}={shown_value(path, 120)}: {why}. requests uses it for every https "
                    "call, so none could be made."
                )
            )
    seen = set()
    for url in urls:
        problem = proxy_problem(url)
        if problem is not None and problem[0] not in seen:
            seen.add(problem[0])
            name, shown, why = problem
            findings.append(
                entry("proxy-invalid").finding(
                    f"{name}={shown_value(shown, 120)}: {why}; requests would send the calls "
                    f"to {shown_url(url)} through it."
                )
            )
    return findings
