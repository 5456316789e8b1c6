"""The AWS part of the mock: STS, IAM, Secrets Manager and SQS, answered by moto.

moto runs in this process on its own loopback port, in werkzeug's threaded server (what
``moto.server.ThreadedMotoServer`` runs, built here directly so that stopping closes the
listening socket and every connection, joins the request threads without waiting for a
stuck client, and prints no access log). Clients never
talk to it directly: small proxies (one for STS, one for Secrets Manager, one for SQS) forward
each request unchanged (SigV4 signatures stay valid: the Host header is kept) and apply
the configured latency and faults there, so moto itself is never made to misbehave.

The proxies also answer what AWS's front end answers before any operation runs, so that
a malformed request gets AWS's error and never reaches moto (which fails on some of them
with werkzeug's HTML 500 page, or waits for a body that never comes):

* no ``Authorization`` header (and no pre-signed query): 403 ``MissingAuthenticationToken``;
* a SigV4 header without its ``Credential``, ``SignedHeaders`` or ``Signature`` part, or
  no ``X-Amz-Date``/``Date`` header: 400 ``IncompleteSignature``, its message listing
  what is missing and quoting the header, as AWS's does;
* STS: a query or form body that cannot be parsed (404 ``MalformedQueryString``), no
  ``Action`` (400 ``MissingAction``), an ``Action`` that is not an STS operation in
  botocore's model of the service (400 ``InvalidAction``);
* Secrets Manager and SQS (both speak AWS's JSON protocol): an ``X-Amz-Target`` that is
  not one of the service's operations (400 ``InvalidAction``), a body that is not a JSON
  object (400 ``SerializationException``).

The codes and statuses are those of AWS's "Common Errors" lists (the same in STS's and in
Secrets Manager's API references); the two messages AWS words itself are quoted from its
answers. Every error moto answers is then given its service's shape: STS's
``ErrorResponse`` (``Type``, ``Code``, ``Message``, ``RequestId``; moto nests it in
``Errors`` and has no request ID) as ``text/xml``, and Secrets Manager's and SQS's JSON
(``__type``, ``message``) where moto answers XML; an error without a code (moto's crash
page) becomes the service's ``InternalFailure``/``InternalServiceError`` 500 and is
recorded in the journal's errors (werkzeug's traceback of it follows there).

Start-up resets moto, seeds its random generator (so role IDs and temporary keys repeat
from run to run), loads the world's IAM users, keys, role and policies and the Secrets
Manager secret and the SQS notification queue (with the queue policy of Amazon's set-up
page) into moto's backends, then switches authentication on.
All of it runs in this process, calling what moto's ``/moto-api`` endpoints and its
request handlers call, with the arguments they would pass (the same validation and the
same state, without some thirty HTTP round trips per start-up). From then on every
AccessDenied, InvalidClientTokenId and SignatureDoesNotMatch is moto's own answer.

IAM has no API to import an access key, and the sample scenarios use AWS's documented
example keys (``AKIAIOSFODNN7EXAMPLE``). So each key is created by moto and then given
the sample values in moto's IAM model. Seeding reaches into moto's backends (the only
place this module does), and it fails loudly (the AWS part is then reported unavailable)
if a moto release changes them. Any other failure to start or seed moto is reported the same
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
* Secrets Manager permissions are checked against the resource ``*`` only; a denial is
  answered ``AccessDeniedException`` (400, as Secrets Manager's error list says) with
  moto's message;
* a secret key in the access-key field (a key ID with ``/``) makes moto misread the
  credential scope and answer an S3-style 403 ``InvalidAccessKeyId`` (boto3 reports it as
  "Unknown"); AWS answers InvalidClientTokenId;
* temporary credentials never expire (no ExpiredToken), and the clock-skew check of
  SigV4 is not made;
* a pre-signed request (the signature in the query string) reaches moto, which cannot
  read it: it is answered ``InternalFailure`` (500), where AWS would check it;
* SQS: a queue policy is stored but not evaluated (moto has one account, so Amazon's
  principal 437568002678 is an IAM user of the world's account here, allowed by its own
  policy); the operator's IAM policy is what moto checks. moto's SQS semantics (visibility
  timeouts, receive counts, deletion by receipt handle, long polling) are its own, and
  close to AWS's for a Standard queue. moto checks a batch action's permission under the
  batch's own name (``sqs:ChangeMessageVisibilityBatch``), which no policy of AWS's names:
  while the mock runs, it checks the single action's, as AWS does
  (:func:`_authorise_sqs_batches_as_aws`).

Amazon's posting of notifications (:mod:`._notifications`) goes into moto's SQS directly,
in this process, as moto's own SendMessage handler puts a message there: it is Amazon's
path to the queue, not the user's, so the SQS proxy's latency and faults do not apply to
it, and neither does the operator's IAM (Amazon's principal, account 437568002678, is
allowed by the queue policy, which moto does not evaluate; no IAM user stands for it).

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
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, unescape

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
# How many hosts moto's dispatcher remembers the backend of (see AwsBackend._start_moto).
_REMEMBERED_HOSTS = 64


class AwsUnavailable(Exception):
    """The AWS part cannot run; the message says why."""


class AwsProxy(Service):
    """Forwards one AWS service's requests to moto; faults apply here."""

    def __init__(self, service: str, moto_address):
        self.fault_service = service
        self.label = service
        # STS speaks AWS's Query protocol (XML); Secrets Manager and SQS its JSON protocol.
        self.status_errors = _STS_ERRORS if service == "sts" else _JSON_ERRORS
        self._moto_address = moto_address
        self._model = None

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

    def _refuse(self, refusal: tuple, message: str | None = None) -> Response:
        """The answer for one of the front end's refusals (``_MISSING_AUTHENTICATION``...)."""
        status, code, kind, default = refusal
        return self.error_answer(status, (code, kind, default), message, ())

    # ------------------------------------------------------------------ checks
    @property
    def model(self):
        """botocore's model of the service (its operations, its JSON target prefix)."""
        if self._model is None:
            self._model = _shared_session().get_service_model(self.fault_service)
        return self._model

    def front_end_refusal(self, request) -> Response | None:
        """AWS's answer to a request it refuses before any operation runs, or None
        (the order of the checks is the module docstring's)."""
        authorization = request.header("Authorization")
        if authorization is None:
            query = parse_qs(urlsplit(request.target).query)
            if not _PRESIGNED_QUERY & set(query):
                return self._refuse(_MISSING_AUTHENTICATION)
        else:
            problems = _signature_problems(authorization, request.headers)
            if problems:
                return self._refuse(_INCOMPLETE_SIGNATURE, problems)
        if self.fault_service == "sts":
            return self._query_refusal(request)
        return self._json_refusal(request)

    def _query_refusal(self, request) -> Response | None:
        try:
            parameters = _query_parameters(request)
        except ValueError:  # UnicodeDecodeError included
            return self._refuse(_MALFORMED_QUERY_STRING)
        actions = parameters.get("Action")
        if not actions or not actions[0]:
            return self._refuse(_MISSING_ACTION)
        if actions[0] not in self.model.operation_names:
            return self._refuse(_INVALID_ACTION)
        return None

    def _json_refusal(self, request) -> Response | None:
        prefix, _, operation = (request.header("X-Amz-Target") or "").partition(".")
        expected = self.model.metadata.get("targetPrefix")
        if prefix != expected or operation not in self.model.operation_names:
            return self._refuse(_INVALID_ACTION)
        try:
            document = json.loads(request.body)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            document = None
        if not isinstance(document, dict):
            return self.error(400, "The request body is not a JSON object.")
        return None

    # ------------------------------------------------------------------ forwarding
    def handle(self, request) -> Response:
        if request.path.startswith("/moto-api"):
            # moto's control plane stays private: AWS has no such path.
            return self.error(404)
        refusal = self.front_end_refusal(request)
        if refusal is not None:
            return refusal
        answer = self._forward(request)
        if answer.status >= 400:
            return self._in_service_shape(request, answer)
        if self.fault_service == "sts":
            # STS's answers are text/xml; moto labels some of them text/html.
            answer.content_type = "text/xml"
        return answer

    def _in_service_shape(self, request, answer: Response) -> Response:
        """moto's error answer in the service's own shape (see the module docstring)."""
        if self.fault_service != "sts" and _json_object(answer.body):
            return answer
        code = _xml_text("Code", answer.body)
        if code is None:
            # moto's crash page. Recorded here, before the client has the answer: werkzeug
            # logs the traceback (into the journal too) only after sending the page.
            self.server.journal.error(
                HandlerError(
                    self.label,
                    request.method,
                    redact_text(request.path),
                    f"moto answered {answer.status} without an error code (it failed)",
                    "",
                )
            )
            return self.error(500)
        status = answer.status
        kind = _xml_text("Type", answer.body) or ("Receiver" if status >= 500 else "Sender")
        message = _xml_text("Message", answer.body) or ""
        if self.fault_service != "sts" and code == "AccessDenied":
            # The JSON services' name and status for a denial (their Common Errors).
            code, status = "AccessDeniedException", 400
        return self.error_answer(status, (code, kind, message), None, ())

    def _forward(self, request) -> Response:
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
# XML) and Secrets Manager (JSON protocol) name them. For STS, the code of each status
# is one AWS's Common Errors list gives that status.
_STS_ERRORS = {
    400: (
        "InvalidQueryParameter",
        "Sender",
        "The AWS query string is malformed or does not adhere to AWS standards.",
    ),
    404: ("MalformedQueryString", "Sender", "The query string contains a syntax error."),
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

# (status, code, error type, message) of the front end's refusals (module docstring).
_MISSING_AUTHENTICATION = (
    403,
    "MissingAuthenticationToken",
    "Sender",
    # AWS's own words (STS's answer to an unsigned request).
    "Request is missing Authentication Token",
)
# The message lists what is missing (_signature_problems).
_INCOMPLETE_SIGNATURE = (
    400,
    "IncompleteSignature",
    "Sender",
    "The request signature does not conform to AWS standards.",
)
_MALFORMED_QUERY_STRING = (
    404,
    "MalformedQueryString",
    "Sender",
    "The query string contains a syntax error.",
)
_MISSING_ACTION = (
    400,
    "MissingAction",
    "Sender",
    "The request is missing an action or a required parameter.",
)
_INVALID_ACTION = (
    400,
    "InvalidAction",
    "Sender",
    "The action or operation requested is invalid. Verify that the action is typed correctly.",
)
# A request signed in its query string (a pre-signed URL) has these parameters.
_PRESIGNED_QUERY = frozenset({"X-Amz-Signature", "X-Amz-Credential"})
# The parts of a SigV4 Authorization header, in the order AWS's message names them.
_SIGNATURE_PARTS = ("Credential", "Signature", "SignedHeaders")
_FORM = "application/x-www-form-urlencoded"


def _signature_problems(authorization: str, headers) -> str | None:
    """What AWS's IncompleteSignature message says of this Authorization header (None:
    nothing is missing). Its wording: "Authorization header requires 'Credential'
    parameter. [...] Authorization=<the header>"."""
    _, _, parameters = authorization.strip().partition(" ")
    present = {
        name.strip() for name, sign, _ in (p.partition("=") for p in parameters.split(",")) if sign
    }
    problems = [
        f"Authorization header requires '{part}' parameter."
        for part in _SIGNATURE_PARTS
        if part not in present
    ]
    if not (headers.get("X-Amz-Date") or headers.get("Date")):
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if not problems:
        return None
    return " ".join([*problems, f"Authorization={authorization}"])


def _query_parameters(request) -> dict:
    """The Query protocol's parameters: the query string's and a form body's. ValueError
    when either is not UTF-8, raw or percent-encoded: the one syntax error certain to be
    one for AWS too (a field without "=" is read as an empty value)."""
    texts = [urlsplit(request.target).query]
    if _FORM in (request.header("Content-Type") or "").lower():
        texts.append(request.body.decode("utf-8"))
    parameters: dict = {}
    for text in texts:
        if text:
            for name, values in parse_qs(text, keep_blank_values=True, errors="strict").items():
                parameters.setdefault(name, []).extend(values)
    return parameters


def _json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body), dict)
    except (ValueError, RecursionError):
        return False


def _xml_text(element: str, body: bytes) -> str | None:
    """The text of the first ``<element>`` of moto's XML answer, unescaped."""
    match = re.search(rb"<%s>([^<]{1,2000})</%s>" % (element.encode(), element.encode()), body)
    if match is None:
        return None
    text = match.group(1).decode("utf-8", errors="replace")
    return unescape(text, {"&quot;": '"', "&apos;": "'"})


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
            _reset_moto()
            _seed_moto_random(MOTO_SEED)
            self._seed()
            _authorise_sqs_batches_as_aws(True)
            self._previous_auth_count = _set_moto_auth_count(0)
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

        class Dispatcher(application):
            """moto's dispatcher, which finds a request's backend by listing moto's package
            folder (some 170 entries, a ``stat`` each) on every request, twice: the answer
            for a host never changes, so it is remembered (for the few hosts of the mock's
            three services and regions; a client naming many more is not remembered)."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.backends_of_hosts = {}

            def get_backend_for_host(self, host):
                known = self.backends_of_hosts
                if host in known:
                    return known[host]
                backend = super().get_backend_for_host(host)
                if len(known) < _REMEMBERED_HOSTS:
                    known[host] = backend
                return backend

        self._moto = MotoServer(HOST, 0, Dispatcher(create_app), handler=QuietHandler)
        self._thread = threading.Thread(
            target=self._moto.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            name="mock-amazon moto",
            daemon=True,
        )
        self._thread.start()

    def queue_path(self, name: str) -> str:
        """The path of a queue's URL (``/<account>/<name>``), the same on every host."""
        return f"/{self.aws.account_id}/{name}"

    def send_notification(self, queue: str, body: str) -> None:
        """Amazon posting one notification to ``queue`` (a name): into moto's SQS, with
        what moto's SendMessage handler passes for a message without attributes."""
        from moto.backends import get_backend

        sqs = get_backend("sqs")[self.aws.account_id][self.aws.region]
        sqs.send_message(
            queue,
            body,
            message_attributes={},
            delay_seconds=None,
            deduplication_id=None,
            group_id=None,
            system_attributes=None,
        )

    def _seed(self):
        """Load the world's IAM users, keys, role and policies, the secrets and the queues
        into moto's backends, in this process, with the arguments moto's own request
        handlers would pass them (its IAM, Secrets Manager and SQS ``responses`` modules):
        the same validation (policy documents, duplicate names) and the same state as
        seeding through the API, without some 25 signed HTTP round trips per start-up."""
        try:
            from moto.backends import get_backend

            account, region = self.aws.account_id, self.aws.region
            iam = get_backend("iam")[account]["aws"]
            secretsmanager = get_backend("secretsmanager")[account][region]
            sqs = get_backend("sqs")[account][region]
        except (ImportError, KeyError, AttributeError, TypeError) as exc:
            raise AwsUnavailable(
                f"cannot reach moto's backends (moto's API changed: {type(exc).__name__}); "
                "the AWS part needs moto 5"
            ) from None
        for user in self.aws.users:
            iam.create_user(region, user_name=user.name, path=None, tags=[])
            if user.access_key is not None:
                created = iam.create_access_key(user.name)
                self._import_access_key(iam, created.access_key_id, *user.access_key)
            for name, document in user.policies:
                iam.put_user_policy(user.name, name, json.dumps(document))
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
            # Path, PermissionsBoundary, Description, Tags, MaxSessionDuration: unset.
            iam.create_role(role.name, json.dumps(trust), None, None, None, [], 3600)
            for name, document in role.policies:
                iam.put_role_policy(role.name, name, json.dumps(document))
        for secret in self.aws.secrets:
            secretsmanager.create_secret(
                name=secret.name,
                secret_string=json.dumps(secret.value),
                secret_binary=None,
                description="",
                tags=[],
                kms_key_id=None,
                client_request_token=None,
                replica_regions=[],
                force_overwrite=False,
            )
        for name, attributes in self.aws.queues:
            sqs.create_queue(name, {}, **dict(attributes))

    @staticmethod
    def _import_access_key(backend, created_id, wanted_id, wanted_secret):
        """Give a key moto created the sample ID and secret (IAM cannot import keys)."""
        try:
            key = backend.access_keys.pop(created_id)
            key.access_key_id = wanted_id
            key.secret_access_key = wanted_secret
            backend.access_keys[wanted_id] = key
            # The user's own list must hold the same object, now with the sample values.
            if backend.get_user_from_access_key_id(wanted_id) is None:
                raise KeyError(wanted_id)
        except (KeyError, AttributeError, TypeError) as exc:
            raise AwsUnavailable(
                f"cannot give moto's IAM the sample access keys (moto's model changed: "
                f"{type(exc).__name__}); the AWS part needs moto 5"
            ) from None

    def stop(self):
        """Reset moto, restore its authentication switch, stop its server: close its
        connections and join its threads, each wait bounded. Idempotent."""
        if self._moto is not None:
            if self._previous_auth_count is not None:
                _set_moto_auth_count(self._previous_auth_count)
            _authorise_sqs_batches_as_aws(False)
            _reset_moto()
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


# moto's three switches, set in this process as its /moto-api/reset, /moto-api/seed and
# /moto-api/reset-auth handlers set them (and as its own set_initial_no_auth_action_count
# decorator does outside server mode): the same state without an HTTP round trip each.
def _reset_moto() -> None:
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def _seed_moto_random(seed: int) -> None:
    from moto.moto_api._internal import mock_random

    mock_random.seed(seed)


def _set_moto_auth_count(count: float) -> float:
    """Authentication starts after ``count`` more requests (0: now; inf: never); returns
    the count it replaces."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    previous = settings.INITIAL_NO_AUTH_ACTION_COUNT
    settings.INITIAL_NO_AUTH_ACTION_COUNT = float(count)
    ActionAuthenticatorMixin.request_count = 0
    return previous


# AWS authorises an SQS batch action as the single action it batches ("the permission for
# ChangeMessageVisibilityBatch is sqs:ChangeMessageVisibility", SQS's API permissions
# reference); moto as an action of its own name, which no policy of AWS's names.
_SQS_BATCH_PERMISSIONS = {
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
    "DeleteMessageBatch": "DeleteMessage",
    "SendMessageBatch": "SendMessage",
}


def _authorise_sqs_batches_as_aws(on: bool) -> None:
    """While the mock's AWS part runs (``on``), moto's SQS checks a batch action's
    permission under the single action's name, as AWS does; off: moto's own rule again.
    The signature check and everything else of moto's authorisation is unchanged."""
    from moto.sqs.responses import SQSResponse

    name = "_authenticate_and_authorize_action"
    if name in SQSResponse.__dict__:  # this module's, from an earlier start
        delattr(SQSResponse, name)
    if not on:
        return
    inherited = getattr(SQSResponse, name)

    def authorise(self, iam_request_cls, resource="*"):
        single = _SQS_BATCH_PERMISSIONS.get(self._get_action())
        if single is None:
            return inherited(self, iam_request_cls, resource)

        class AsTheSingleAction(iam_request_cls):
            def __init__(self, *args, action, **kwargs):
                super().__init__(*args, action=single, **kwargs)

        return inherited(self, AsTheSingleAction, resource)

    setattr(SQSResponse, name, authorise)


def _describe(exc) -> str:
    return redact_text(f"{type(exc).__name__}: {exc}")
