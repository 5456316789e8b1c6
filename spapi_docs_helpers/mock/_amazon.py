"""``MockAmazon``: every service of the mock, started together on loopback ports.

One world (see :mod:`._world`), one scenario (see :mod:`._scenarios`), and these servers,
each on its own free port of 127.0.0.1:

* Login with Amazon (``lwa_url`` is the full token URL);
* SP-API for NA, EU and FE, and the three sandbox hosts;
* the consent pages of Seller Central and Vendor Central (``consent_url``; one server for
  every host, see :mod:`._consent`), whose authorization codes LWA redeems;
* STS, Secrets Manager and SQS (proxies in front of moto), when the scenario talks to AWS
  (or ``aws=True`` asks for them); ``aws_unavailable`` says why they are not running. A
  scenario that needs them does not start without them (:class:`MockAmazonError`): its
  environment would send a client to the real AWS.

Amazon's application notifications (the client secret's expiry warnings, the new secret
after a rotation) go to the SQS queue the app registered (:mod:`._notifications`):
``notifications`` is the outbox, which delivers them once SQS runs, and holds them while
``notifications.paused``. A scenario's pre-loaded notifications are posted at start.

``env`` holds exactly what a client needs: the endpoint variables of
:mod:`spapi_docs_helpers._endpoints`, ``SPAPI_MOCK_SCENARIO``, the scenario's credentials
under their standard names (unless they live in Secrets Manager), and the scenario's
extra variables. Nothing is printed; ``requests`` and ``errors`` are the journal.
:meth:`MockAmazon.new_authorisation` adds an app and its authorisation to the running
world, for tests that try many role sets against one mock.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from .._credentials import field_spec
from .._endpoints import (
    ENV_LWA,
    ENV_MOCK_APP_ID,
    ENV_MOCK_NOTIFICATION_QUEUE,
    ENV_MOCK_REDIRECT_URI,
    ENV_MOCK_SCENARIO,
    ENV_REGION,
    ENV_SANDBOX,
    ENV_SECRETSMANAGER,
    ENV_SELLERCENTRAL,
    ENV_SQS,
    ENV_STS,
    REGIONS,
)
from .._redaction import protect_logs
from ._aws import AwsBackend, AwsProxy, AwsUnavailable
from ._consent import REDIRECT_URI, AuthorizationCodes, ConsentPages
from ._faults import SERVICES, Faults
from ._http import Journal, MockServer
from ._lwa import TOKEN_PATH, LoginWithAmazon
from ._notifications import Outbox
from ._scenarios import Scenario, scenario
from ._spapi import SellingPartnerApi
from ._world import APP_MAIN, MOCK_NOW, NOTIFICATION_QUEUE, default_world

__all__ = ["MockAmazon", "MockAmazonError"]

REGION_CODES = tuple(REGIONS)


def _world_secrets(world, configured) -> list:
    """Every secret value of the world (and the scenario's configured values)."""
    values = [v for k, v in configured.items() if k != "role_arn" and isinstance(v, str)]
    for app in world.apps.values():
        values.append(app.client_id)
        values.extend(secret.value for secret in app.secrets)
    values.extend(auth.refresh_token for auth in world.authorizations.values())
    for user in world.aws.users:
        if user.access_key:
            values.extend(user.access_key)
    return values


class MockAmazonError(RuntimeError):
    """The mock cannot start as asked; the message says why and what to do."""


class MockAmazon:
    """The mock Amazon, as a context manager::

        with MockAmazon("revoked-refresh-token") as amazon:
            requests.post(amazon.lwa_url, data=...)

    ``scenario``: a name of ``SCENARIOS`` or a :class:`Scenario`. ``latency_ms``: added to
    every answer of every service (``faults.set_latency`` sets it per service).
    ``aws``: start STS and Secrets Manager (they need moto): None (the default) when the
    scenario talks to AWS, True always, False never (refused for a scenario that needs
    them). ``now``: the world's fixed time (default :data:`MOCK_NOW`). ``rate_limits``:
    enforce SP-API's usage plans.
    """

    def __init__(
        self,
        scenario: str | Scenario = "happy",
        *,
        latency_ms: int = 0,
        aws: bool | None = None,
        now=None,
        rate_limits: bool = True,
    ):
        self.scenario = _resolve(scenario)
        if aws is False and self.scenario.needs_aws:
            raise MockAmazonError(
                f"scenario {self.scenario.name!r} talks to AWS (STS or Secrets Manager), so it "
                "needs the AWS part of the mock: leave aws unset, or pass aws=True"
            )
        self.world = default_world(now or MOCK_NOW)
        # Notifications are dated in wall-clock time (see World.clock_offset).
        self.world.clock_offset = datetime.now(timezone.utc) - self.world.now
        # The consent pages issue them, LWA redeems them.
        self.codes = AuthorizationCodes(self.world)
        self.faults = Faults()
        for service in SERVICES:
            self.faults.set_latency(service, latency_ms)
        self.credentials = self.scenario.configured_credentials()
        self.env = {}
        self.lwa_url = None
        self.consent_url = None
        self.spapi_urls = {}
        self.sandbox_urls = {}
        self.sts_url = None
        self.secretsmanager_url = None
        self.sqs_url = None
        # Amazon's notifications to the apps' queues (delivered once SQS runs).
        self.notifications = Outbox()
        self._aws_requested = self.scenario.needs_aws if aws is None else aws
        if self._aws_requested:
            self.aws_unavailable = None
        elif aws is None:
            self.aws_unavailable = "not needed by this scenario (aws=True starts it anyway)"
        else:
            self.aws_unavailable = "not requested (aws=False)"
        self._rate_limits = rate_limits
        self._journal = Journal()
        self._stop_event = threading.Event()
        self._servers = []
        self._aws_backend = None
        self._state = "new"
        self._state_lock = threading.Lock()

    # ------------------------------------------------------------------ the journal
    @property
    def requests(self) -> list:
        """Every request answered so far (service, method, path, status; no secrets)."""
        return self._journal.requests

    @property
    def errors(self) -> list:
        """Unexpected exceptions inside the mock (each was answered with a 500)."""
        return self._journal.errors

    # ------------------------------------------------------------------ life cycle
    def __enter__(self) -> MockAmazon:
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self) -> MockAmazon:
        with self._state_lock:
            if self._state == "running":
                return self
            if self._state == "stopped":
                raise MockAmazonError("a stopped MockAmazon cannot start again; create a new one")
            self._state = "running"
        try:
            self._start_servers()
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, service):
        server = MockServer(
            service, faults=self.faults, journal=self._journal, stop_event=self._stop_event
        )
        self._servers.append(server)
        server.start()
        return server.url

    def _start_servers(self):
        world = self.world
        # The mock handles every credential of its world; with DEBUG logging on, boto3's
        # records of seeding moto would show them. Mask them like the checker's own.
        protect_logs(_world_secrets(world, self.credentials))
        self.lwa_url = self._serve(LoginWithAmazon(world, self.codes)) + TOKEN_PATH
        self.consent_url = self._serve(ConsentPages(world, self.codes))
        # The production hosts first, then the sandbox ones.
        for sandbox, urls in ((False, self.spapi_urls), (True, self.sandbox_urls)):
            for region in REGION_CODES:
                urls[region] = self._serve(
                    SellingPartnerApi(
                        world,
                        region,
                        sandbox=sandbox,
                        rate_limits=self._rate_limits,
                        notifications=self.notifications,
                    )
                )
        if self._aws_requested:
            self._start_aws()
        if self.sts_url is None and self.scenario.needs_aws:
            raise MockAmazonError(
                f"scenario {self.scenario.name!r} needs the AWS part of the mock, which is "
                f"unavailable: {self.aws_unavailable}"
            )
        self.env = self._environment()

    def _start_aws(self):
        backend = AwsBackend(self.world.aws, self._journal)
        try:
            backend.start()
        except AwsUnavailable as exc:
            self.aws_unavailable = str(exc)
            return
        self._aws_backend = backend
        self.sts_url = self._serve(AwsProxy("sts", backend.moto_address))
        self.secretsmanager_url = self._serve(AwsProxy("secretsmanager", backend.moto_address))
        self.sqs_url = self._serve(AwsProxy("sqs", backend.moto_address))
        # The scenario's notifications were sent before the user looked: queued first.
        for app_key in self.scenario.notifications:
            app = self.world.apps[app_key]
            for body in self.world.expiry_notifications(app):
                self.notifications.post(app.notification_queue, body)
        self.notifications.attach(backend.send_notification)

    @property
    def notification_queue_url(self) -> str | None:
        """The URL of the cast's notification queue (through the SQS proxy), or None when
        the AWS part is not running."""
        if self.sqs_url is None or self._aws_backend is None:
            return None
        return self.sqs_url + self._aws_backend.queue_path(NOTIFICATION_QUEUE)

    def _environment(self) -> dict:
        env = {ENV_LWA: self.lwa_url}
        for region in REGION_CODES:
            env[ENV_REGION[region]] = self.spapi_urls[region]
        for region in REGION_CODES:
            env[ENV_SANDBOX[region]] = self.sandbox_urls[region]
        if self.sts_url is not None:
            env[ENV_STS] = self.sts_url
            env[ENV_SECRETSMANAGER] = self.secretsmanager_url
            env[ENV_SQS] = self.sqs_url
            env[ENV_MOCK_NOTIFICATION_QUEUE] = self.notification_queue_url
        env[ENV_MOCK_SCENARIO] = self.scenario.name
        env[ENV_SELLERCENTRAL] = self.consent_url
        env[ENV_MOCK_APP_ID] = self.world.apps[APP_MAIN].app_id
        env[ENV_MOCK_REDIRECT_URI] = REDIRECT_URI
        if self.scenario.credential_source == "environment":
            for key, value in self.credentials.items():
                env[field_spec(key).env] = value
        env.update(self.scenario.extra_env)
        return env

    def stop(self) -> None:
        """Stop every server and moto; close every port and join every thread. Idempotent."""
        with self._state_lock:
            if self._state == "stopped":
                return
            self._state = "stopped"
        self._stop_event.set()
        # Every server is told first, then each is waited for: their connections' threads
        # (and the AWS proxies' calls to moto) end meanwhile, not one server after another.
        stopping = [server for server in self._servers if server.begin_stop()]
        for server in stopping:
            server.finish_stop()
        if self._aws_backend is not None:
            self._aws_backend.stop()

    def new_authorisation(
        self, roles, region: str, *, account_type: str = "seller", sandbox_only: bool = False
    ) -> dict:
        """The LWA credentials of a new authorisation: an app holding ``roles`` (names of
        Amazon's role model; one app per distinct role set), authorised on the cast's
        ``account_type`` account ("seller" or "vendor") in ``region`` (NA, EU or FE);
        ``sandbox_only`` registers the app for the sandbox only. The values are derived
        from the arguments (the same arguments give the same values) and obviously fake.
        Thread-safe; usable before and while the mock runs. A bad argument raises
        ValueError naming it."""
        authorization = self.world.new_authorisation(
            roles, region, account_type=account_type, sandbox_only=sandbox_only
        )
        app = self.world.apps[authorization.app]
        credentials = {
            "lwa_app_id": app.client_id,
            "lwa_client_secret": app.current_secret.value,
            "refresh_token": authorization.refresh_token,
        }
        # Masked in log records like the cast's own credentials (see _start_servers).
        protect_logs(credentials.values())
        return credentials

    def stand_up_fleet(self, sellers: int, broken: int = 0) -> list:
        """Add ``sellers`` sellers across the regions, the main app authorised on each,
        ``broken`` of them with a seller-level fault; their accounts (names, regions,
        faults, credentials: see :mod:`._fleet`). Usable before and while the mock runs."""
        from ._fleet import fleet

        accounts = fleet(self.world, sellers, broken)
        protect_logs(a.credentials["refresh_token"] for a in accounts)
        return accounts

    @property
    def running(self) -> bool:
        return self._state == "running"

    def __repr__(self):
        return f"MockAmazon({self.scenario.name!r}, {self._state})"


def _resolve(value) -> Scenario:
    if isinstance(value, Scenario):
        return value
    return scenario(value)
