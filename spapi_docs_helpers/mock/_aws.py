"""The AWS part of the mock: STS, IAM and Secrets Manager, answered by moto.

moto runs in this process on its own loopback port, in werkzeug's threaded server (what
``moto.server.ThreadedMotoServer`` runs, built here directly so that stopping closes the
listening socket and every connection, joins the request threads without waiting for a
stuck client, and prints no access log). Clients never
talk to it directly: two small proxies (one for STS, one for Secrets Manager) forward
each request unchanged (SigV4 signatures stay valid: the Host header is kept) and apply
the configured latency and faults there, so moto itself is never made to misbehave.

Start-up resets moto, seeds its random generator (so role IDs and temporary keys repeat
from run to run), loads the world's IAM users, keys, role and policies and the Secrets
Manager secret *through moto's own API* while authentication is off, then switches
authentication on (``POST /moto-api/reset-auth`` with ``0``). From then on every
AccessDenied, InvalidClientTokenId and SignatureDoesNotMatch is moto's own answer.

IAM has no API to import an access key, and the sample scenarios use AWS's documented
example keys (``AKIAIOSFODNN7EXAMPLE``). So each key is created through the API and then
given the sample values in moto's IAM model: the one place this module touches moto's
internals, and it fails loudly (the AWS part is then reported unavailable) if a moto
release changes that model. Any other failure to start or seed moto is reported the same
way (:class:`AwsUnavailable`, with a redacted message), never as a traceback.

What moto does differently from AWS (the scenarios and tests document each):

* **no root user**: moto has no account root identity; keys that are not an IAM user's
  (or an assumed role's) are unknown (InvalidClientTokenId), and GetCallerIdentity never
  returns an ARN ending in ``:root``. So "Roles may not be assumed by root accounts."
  cannot be reproduced, and the root-keys scenario (failure-modes A5) is left out;
* AccessDenied reads "User: <arn> is not authorized to perform: sts:AssumeRole" without
  AWS's " on resource: <arn>" tail;
* trust policies must name the user's ARN (or ``*``): moto does not expand an account
  principal ``arn:aws:iam::<account>:root``;
* Secrets Manager permissions are checked against the resource ``*`` only, and a denial
  comes back as an XML body in this JSON service;
* a secret key in the access-key field (a key ID with ``/``) makes moto misread the
  credential scope and answer an S3-style 403 ``InvalidAccessKeyId`` (boto3 reports it as
  "Unknown"); AWS answers InvalidClientTokenId;
* temporary credentials never expire (no ExpiredToken), and the clock-skew check of
  SigV4 is not made;
* an unsigned request makes moto fail with a 500 HTML page; AWS answers 403
  ``MissingAuthenticationToken``.

moto's state (its backends and its authentication switch) is global to the process, so
only one mock at a time may run the AWS part; stopping resets moto and restores the
authentication switch, so nothing leaks into the next mock or into other moto users.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import threading
import urllib.request
from xml.sax.saxutils import escape

from .._redaction import redact_text
from ._http import (
    HOST,
    JOIN_TIMEOUT_S,
    POLL_INTERVAL_S,
    ConnectionTracking,
    HandlerError,
    Response,
    Service,
    TrackedHandler,
)

__all__ = ["AwsBackend", "AwsProxy", "AwsUnavailable"]

# moto's random generator is seeded with this, so IDs repeat from run to run.
MOTO_SEED = 20231002
FORWARD_TIMEOUT_S = 30
# Any key will do while authentication is off (seeding); this one says what it is for.
_SEEDING_KEY = ("AKIAMOCKSEEDINGONLY0", "mock-seeding-only-not-checked-while-auth-is-off")
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
# The mock's own server writes these.
_NOT_RELAYED = _HOP_BY_HOP | {"server", "date", "content-type"}

_moto_in_use = threading.Lock()


class AwsUnavailable(Exception):
    """The AWS part cannot run; the message says why."""


class AwsProxy(Service):
    """Forwards one AWS service's requests to moto; faults apply here."""

    def __init__(self, service: str, moto_address):
        self.fault_service = service
        self.label = service
        self.status_errors = _STS_ERRORS if service == "sts" else _JSON_ERRORS
        self._moto_address = moto_address

    # ------------------------------------------------------------------ errors
    def error_answer(self, status, described, message, headers) -> Response:
        code, kind, default = described
        # The same ID in the header and in STS's body.
        request_id = self.server.next_request_id()
        headers = (("x-amzn-RequestId", request_id), *headers)
        text = message or default
        if self.fault_service == "sts":
            body = (
                '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
                f"  <Error>\n    <Type>{kind}</Type>\n    <Code>{code}</Code>\n"
                f"    <Message>{escape(text)}</Message>\n  </Error>\n"
                f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
            ).encode()
            return Response(status, body, "text/xml", headers, code)
        body = json.dumps({"__type": code, "message": text}).encode()
        return Response(status, body, "application/x-amz-json-1.1", headers, code)

    # ------------------------------------------------------------------ forwarding
    def handle(self, request) -> Response:
        if request.path.startswith("/moto-api"):
            # moto's control plane stays private: AWS has no such path.
            return self.error(404)
        connection = http.client.HTTPConnection(*self._moto_address, timeout=FORWARD_TIMEOUT_S)
        try:
            connection.putrequest(
                request.method, request.target, skip_host=True, skip_accept_encoding=True
            )
            for name, value in request.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(request.body)))
            # One request per connection: moto's request thread ends with it.
            connection.putheader("Connection", "close")
            connection.endheaders(request.body)
            answer = connection.getresponse()
            body = answer.read()
            headers = tuple(
                (name, value)
                for name, value in answer.getheaders()
                if name.lower() not in _NOT_RELAYED
            )
            return Response(
                answer.status,
                body,
                answer.getheader("Content-Type"),
                headers,
                _error_code(answer.status, body),
            )
        finally:
            connection.close()


# status -> (code, error type, message): AWS's common errors, as STS (Query protocol,
# XML) and Secrets Manager (JSON protocol) name them.
_STS_ERRORS = {
    400: ("MalformedQueryString", "Sender", "The request could not be parsed."),
    404: ("InvalidAction", "Sender", "The action or operation requested is invalid."),
    413: ("RequestEntityTooLarge", "Sender", "The request is too large."),
    429: ("Throttling", "Sender", "Rate exceeded"),
    500: (
        "InternalFailure",
        "Receiver",
        "The request processing has failed because of an unknown error, exception or failure.",
    ),
    503: (
        "ServiceUnavailable",
        "Receiver",
        "The request has failed due to a temporary failure of the server.",
    ),
}
_JSON_ERRORS = {
    400: ("SerializationException", "Sender", "The request could not be parsed."),
    404: ("UnknownOperationException", "Sender", "The operation requested is unknown."),
    413: ("RequestEntityTooLarge", "Sender", "The request is too large."),
    429: ("ThrottlingException", "Sender", "Rate exceeded"),
    500: ("InternalServiceError", "Receiver", "An error occurred on the server side."),
    503: (
        "ServiceUnavailable",
        "Receiver",
        "The request has failed due to a temporary failure of the server.",
    ),
}

_XML_CODE = re.compile(rb"<Code>([^<]{1,100})</Code>")


def _error_code(status, body) -> str | None:
    if status < 400:
        return None
    match = _XML_CODE.search(body)
    if match:
        return match.group(1).decode("utf-8", errors="replace")
    try:
        data = json.loads(body)
    except ValueError:
        return None
    code = data.get("__type") if isinstance(data, dict) else None
    return code.rsplit("#", 1)[-1] if isinstance(code, str) else None


def _botocore_session():
    """A botocore session that reads no AWS configuration of the user's."""
    import botocore.session

    session_vars = {
        "profile": (None, None, None, None),
        "config_file": (None, None, os.devnull, None),
        "credentials_file": (None, None, os.devnull, None),
    }
    return botocore.session.Session(session_vars=session_vars)


_session = None
_session_lock = threading.Lock()


def _shared_session():
    # Created once: botocore caches the loaded service models in it, which makes every
    # later start-up fast.
    global _session
    with _session_lock:
        if _session is None:
            _session = _botocore_session()
        return _session


class AwsBackend:
    """moto, seeded with the world's AWS part, behind the STS and Secrets Manager proxies."""

    def __init__(self, aws_world, journal):
        self.aws = aws_world
        self._journal = journal
        self._moto = None
        self._thread = None
        self._previous_auth_count = None
        self._locked = False

    @property
    def moto_address(self):
        return self._moto.server_address[:2]

    def start(self):
        """Start and seed moto; :class:`AwsUnavailable` says why it cannot run."""
        try:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
            from werkzeug.serving import ThreadedWSGIServer
        except ImportError as exc:
            raise AwsUnavailable(
                f"moto is not installed ({exc.name} is missing); install the 'mock' extra: "
                "pip install 'spapi-docs-helpers[mock]'"
            ) from None
        except Exception as exc:  # a broken installation: reported, never a traceback
            raise AwsUnavailable(f"moto cannot be imported: {_describe(exc)}") from None
        if not _moto_in_use.acquire(blocking=False):
            raise AwsUnavailable(
                "another mock Amazon in this process is running the AWS part (moto's state "
                "is global to the process); stop it first, or start this one with aws=False"
            )
        self._locked = True
        try:
            self._start_moto(
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
                ThreadedWSGIServer,
            )
            self._moto_api("/moto-api/reset")
            self._moto_api(f"/moto-api/seed?a={MOTO_SEED}")
            self._seed()
            answer = self._moto_api("/moto-api/reset-auth", b"0")
            self._previous_auth_count = json.loads(answer)["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]
        except AwsUnavailable:
            self.stop()
            raise
        except Exception as exc:  # whatever moto or botocore raised: the AWS part is out
            self.stop()
            raise AwsUnavailable(f"moto failed to start: {_describe(exc)}") from None

    def _start_moto(self, application, handler_base, create_app, server_base):
        journal = self._journal

        class QuietHandler(TrackedHandler, handler_base):
            # moto's clients are the proxies, which send whole requests and close the
            # connection after the answer; anything slower than this is given up on.
            timeout = FORWARD_TIMEOUT_S

            def log(self, type, message, *args):
                """Silent: no access log on stderr; the proxies keep the mock's journal."""

        class MotoServer(ConnectionTracking, server_base):
            label = "moto"
            connection_thread_name = "mock-amazon moto connection"
            # ConnectionTracking starts and joins the threads (server_close must not wait).
            block_on_close = False

            def __init__(self, *args, **kwargs):
                self.journal = journal
                self.init_tracking()
                super().__init__(*args, **kwargs)

            def log(self, type, message, *args):
                """werkzeug's "Error on request" (moto's app raised): into the journal."""
                if type == "error":
                    text = redact_text(message % args if args else message)
                    journal.error(HandlerError("moto", "-", "-", text.splitlines()[0], text))

        self._moto = MotoServer(HOST, 0, application(create_app), handler=QuietHandler)
        self._thread = threading.Thread(
            target=self._moto.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            name="mock-amazon moto",
            daemon=True,
        )
        self._thread.start()

    def _moto_api(self, path, body=b"") -> bytes:
        host, port = self.moto_address
        # Not form-encoded: moto reads reset-auth's count from the raw body.
        request = urllib.request.Request(
            f"http://{host}:{port}{path}",
            data=body,
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        # No proxy for loopback, whatever HTTP_PROXY says.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=FORWARD_TIMEOUT_S) as answer:
            return answer.read()

    def _seed(self):
        host, port = self.moto_address
        session = _shared_session()
        options = {
            "region_name": self.aws.region,
            "endpoint_url": f"http://{host}:{port}",
            "aws_access_key_id": _SEEDING_KEY[0],
            "aws_secret_access_key": _SEEDING_KEY[1],
        }
        iam = session.create_client("iam", **options)
        secretsmanager = session.create_client("secretsmanager", **options)
        try:
            for user in self.aws.users:
                iam.create_user(UserName=user.name)
                if user.access_key is not None:
                    created = iam.create_access_key(UserName=user.name)["AccessKey"]
                    self._import_access_key(created["AccessKeyId"], *user.access_key)
                for name, document in user.policies:
                    iam.put_user_policy(
                        UserName=user.name, PolicyName=name, PolicyDocument=json.dumps(document)
                    )
            for role in self.aws.roles:
                trust = {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": [self.aws.user_arn(name) for name in role.trusted_users]
                            },
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
                iam.create_role(RoleName=role.name, AssumeRolePolicyDocument=json.dumps(trust))
                for name, document in role.policies:
                    iam.put_role_policy(
                        RoleName=role.name, PolicyName=name, PolicyDocument=json.dumps(document)
                    )
            for secret in self.aws.secrets:
                secretsmanager.create_secret(
                    Name=secret.name, SecretString=json.dumps(secret.value)
                )
        finally:
            iam.close()
            secretsmanager.close()

    def _import_access_key(self, created_id, wanted_id, wanted_secret):
        """Give a key moto created the sample ID and secret (IAM cannot import keys)."""
        try:
            from moto.iam.models import iam_backends

            backend = iam_backends[self.aws.account_id]["aws"]
            key = backend.access_keys.pop(created_id)
            key.access_key_id = wanted_id
            key.secret_access_key = wanted_secret
            backend.access_keys[wanted_id] = key
            # The user's own list must hold the same object, now with the sample values.
            if backend.get_user_from_access_key_id(wanted_id) is None:
                raise KeyError(wanted_id)
        except (ImportError, KeyError, AttributeError, TypeError) as exc:
            raise AwsUnavailable(
                f"cannot give moto's IAM the sample access keys (moto's model changed: "
                f"{type(exc).__name__}); the AWS part needs moto 5"
            ) from None

    def stop(self):
        """Reset moto, restore its authentication switch, stop its server: close its
        connections and join its threads, each wait bounded. Idempotent."""
        if self._moto is not None:
            try:
                if self._previous_auth_count is not None:
                    self._moto_api("/moto-api/reset-auth", self._previous_auth_count.encode())
                self._moto_api("/moto-api/reset")
            except OSError:
                pass  # moto is going away anyway; the next start resets it again
            self._moto.begin_closing()
            if self._thread is not None and self._thread.is_alive():
                self._moto.shutdown()
                self._thread.join(JOIN_TIMEOUT_S)
            self._moto.server_close()
            self._moto.close_connections()
            self._moto = None
        if self._locked:
            self._locked = False
            _moto_in_use.release()


def _describe(exc) -> str:
    return redact_text(f"{type(exc).__name__}: {exc}")
