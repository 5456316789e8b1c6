"""Where the services live: Amazon's and AWS's real endpoints, and the overrides.

The same code talks to Amazon and to the mock: only these URLs differ. The mock prints
the environment variables below; the helper reads them, and botocore reads its own
``AWS_ENDPOINT_URL_<SERVICE>`` variables itself.

Which world a check talks to is decided from the parsed host names, compared exactly:
Amazon's only when every endpoint is one of Amazon's hosts over https; the mock only when
``SPAPI_MOCK_SCENARIO`` is set *and* every endpoint is on this machine (a variable left
over from a mock session says nothing about where the calls go). Wherever an endpoint URL
is shown, its userinfo and query values are masked (:func:`~spapi_docs_helpers._redaction.shown_url`).
"""

from __future__ import annotations

import os

from ._redaction import escape_controls, shown_url

# The offline path must not import typing (start-up cost): the names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
LWA_HOST = "api.amazon.com"

ENV_LWA = "SPAPI_LWA_ENDPOINT"
ENV_REGION = {region: f"SPAPI_ENDPOINT_{region}" for region in ("NA", "EU", "FE")}
ENV_SANDBOX = {region: f"SPAPI_SANDBOX_ENDPOINT_{region}" for region in ("NA", "EU", "FE")}
ENV_STS = "AWS_ENDPOINT_URL_STS"
# botocore's name: AWS_ENDPOINT_URL_ + the service ID ("Secrets Manager") upper-cased, spaces
# as underscores. The spelling without the underscore is read too, as an alias, because
# it is easy to write and botocore would ignore it silently.
ENV_SECRETSMANAGER = "AWS_ENDPOINT_URL_SECRETS_MANAGER"
ENV_SECRETSMANAGER_ALIAS = "AWS_ENDPOINT_URL_SECRETSMANAGER"
# botocore's name for SQS (service ID "SQS"): where secret-status and rotate read the
# application's notification queue (the mock's SQS; AWS's own when unset).
ENV_SQS = "AWS_ENDPOINT_URL_SQS"
# Set by `spapi-doctor mock`, so reports can say which world they ran in.
ENV_MOCK_SCENARIO = "SPAPI_MOCK_SCENARIO"
# Stands in for Amazon's Seller Central and Vendor Central hosts (the consent pages of
# `spapi-doctor authorize`): the Amazon host becomes the first path segment under it.
ENV_SELLERCENTRAL = "SPAPI_SELLERCENTRAL_URL"
# Set by `spapi-doctor mock`: the App ID of its OAuth app and a Redirect URI registered
# for it. No client reads them; they tell a user (or a notebook) what to authorise.
ENV_MOCK_APP_ID = "SPAPI_MOCK_APP_ID"
ENV_MOCK_REDIRECT_URI = "SPAPI_MOCK_REDIRECT_URI"
# Set by `spapi-doctor mock`: the URL of the notification queue its apps registered (the
# --queue-url of secret-status and rotate).
ENV_MOCK_NOTIFICATION_QUEUE = "SPAPI_MOCK_NOTIFICATION_QUEUE_URL"

ENDPOINT_VARIABLES = (
    ENV_LWA,
    *ENV_REGION.values(),
    *ENV_SANDBOX.values(),
    ENV_STS,
    ENV_SECRETSMANAGER,
    ENV_SECRETSMANAGER_ALIAS,
    ENV_SQS,
    ENV_SELLERCENTRAL,
)


class Region:
    __slots__ = ("aws_region", "code", "host", "name", "sandbox_host")

    def __init__(self, code, name, aws_region):
        self.code = code
        self.name = name
        self.aws_region = aws_region
        self.host = f"sellingpartnerapi-{code.lower()}.amazon.com"
        self.sandbox_host = f"sandbox.sellingpartnerapi-{code.lower()}.amazon.com"

    def __repr__(self):
        return f"Region({self.code!r})"


REGIONS = {
    "NA": Region("NA", "North America", "us-east-1"),
    "EU": Region("EU", "Europe", "eu-west-1"),
    "FE": Region("FE", "Far East", "us-west-2"),
}


class Marketplace:
    __slots__ = ("code", "country", "marketplace_id", "region")

    def __init__(self, code, marketplace_id, country, region):
        self.code = code
        self.marketplace_id = marketplace_id
        self.country = country
        self.region = region

    def __repr__(self):
        return f"Marketplace({self.code!r})"


# python-amazon-sp-api's Marketplaces names (UK is its alias of GB), with Amazon's IDs
# (https://developer-docs.amazon.com/sp-api/docs/marketplace-ids).
MARKETPLACES = {
    m.code: m
    for m in (
        Marketplace("CA", "A2EUQ1WTGCTBG2", "Canada", "NA"),
        Marketplace("US", "ATVPDKIKX0DER", "United States", "NA"),
        Marketplace("MX", "A1AM78C64UM0Y8", "Mexico", "NA"),
        Marketplace("BR", "A2Q3Y263D00KWC", "Brazil", "NA"),
        Marketplace("IE", "A28R8C7NBKEWEA", "Ireland", "EU"),
        Marketplace("ES", "A1RKKUPIHCS9HS", "Spain", "EU"),
        Marketplace("GB", "A1F83G8C2ARO7P", "United Kingdom", "EU"),
        Marketplace("UK", "A1F83G8C2ARO7P", "United Kingdom", "EU"),
        Marketplace("FR", "A13V1IB3VIYZZH", "France", "EU"),
        Marketplace("BE", "AMEN7PMS3EDWL", "Belgium", "EU"),
        Marketplace("NL", "A1805IZSGTT6HS", "Netherlands", "EU"),
        Marketplace("DE", "A1PA6795UKMFR9", "Germany", "EU"),
        Marketplace("IT", "APJ6JRA9NG5V4", "Italy", "EU"),
        Marketplace("SE", "A2NODRKZP88ZB9", "Sweden", "EU"),
        Marketplace("ZA", "AE08WJ6YKNBMC", "South Africa", "EU"),
        Marketplace("PL", "A1C3SOZRARQ6R3", "Poland", "EU"),
        Marketplace("EG", "ARBP9OOSHTCHU", "Egypt", "EU"),
        Marketplace("TR", "A33AVAJ2PDY3EV", "Turkey", "EU"),
        Marketplace("SA", "A17E79C6D8DWNP", "Saudi Arabia", "EU"),
        Marketplace("AE", "A2VIGQ35RCS4UG", "United Arab Emirates", "EU"),
        Marketplace("IN", "A21TJRUUN4KGV", "India", "EU"),
        Marketplace("SG", "A19VAU5U5O7RUS", "Singapore", "FE"),
        Marketplace("AU", "A39IBJ37TRP1C6", "Australia", "FE"),
        Marketplace("JP", "A1VC38T7YXB528", "Japan", "FE"),
    )
}


STS_DEFAULT = "https://sts.amazonaws.com (boto3's default)"
WORLD_LABELS = {
    "live": "Amazon (live)",
    "mock": "the mock Amazon, scenario {scenario!r}",
    # Not "not Amazon's": LWA has regional hosts too, which the SP-API libraries never call.
    "custom": "custom endpoints (not the hosts the SP-API libraries call)",
}


def _parts(url):
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port out of range or not a number)
    except (ValueError, TypeError):
        return None
    return parts


def _host(url) -> str:
    parts = _parts(url)
    return (parts.hostname or "") if parts is not None else ""


def is_loopback(url) -> bool:
    """True when ``url``'s host is this machine (localhost, 127.0.0.0/8, ::1)."""
    host = _host(url).rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    from ipaddress import ip_address

    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _is_amazon(url, host) -> bool:
    parts = _parts(url)
    return (
        parts is not None
        and parts.scheme == "https"
        and (parts.hostname or "") == host
        and parts.port in (None, 443)
        and not parts.username
    )


class Endpoints:
    """The URLs one check talks to, and which world they belong to.

    ``invalid`` maps each endpoint variable whose value is no http(s) URL to that value;
    nothing is sent to those.
    """

    __slots__ = ("invalid", "lwa", "sandbox", "scenario", "secretsmanager", "spapi", "sts")

    def __init__(
        self,
        lwa: str,
        spapi: Mapping[str, str],
        *,
        sandbox: bool = False,
        sts: str | None = None,
        secretsmanager: str | None = None,
        scenario: str | None = None,
        invalid: Mapping[str, str] | None = None,
    ) -> None:
        self.lwa = lwa
        self.spapi = dict(spapi)
        self.sandbox = sandbox
        self.sts = sts
        self.secretsmanager = secretsmanager
        self.scenario = scenario
        self.invalid = dict(invalid or {})

    @property
    def world(self) -> str:
        """``live`` (Amazon's hosts), ``mock`` (the mock Amazon) or ``custom``."""
        urls = [self.lwa, *self.spapi.values()]
        if self.scenario is not None and all(is_loopback(url) for url in urls):
            return "mock"
        lwa_live = _is_amazon(self.lwa, LWA_HOST) and _parts(self.lwa).path == "/auth/o2/token"
        if lwa_live and all(
            _is_amazon(url, REGIONS[region].sandbox_host if self.sandbox else REGIONS[region].host)
            for region, url in self.spapi.items()
        ):
            return "live"
        return "custom"

    @property
    def label(self) -> str:
        """The world in words, e.g. ``the mock Amazon, scenario 'happy'``."""
        scenario = self.scenario
        if scenario is not None and len(scenario) > 60:
            scenario = scenario[:60] + "…"
        text = escape_controls(WORLD_LABELS[self.world].format(scenario=scenario))
        return text + (" — sandbox hosts" if self.sandbox else "")

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in the report's ``world`` object (URLs as they may be shown)."""
        return {
            "world": self.world,
            "scenario": self.scenario if self.world == "mock" else None,
            "sandbox": self.sandbox,
            "lwa": shown_url(self.lwa),
            "spapi": {code: shown_url(url) for code, url in self.spapi.items()},
            "sts": shown_url(self.sts) if self.sts else STS_DEFAULT,
        }

    def _rows(self) -> list[tuple[str, str]]:
        return [
            ("LWA", escape_controls(shown_url(self.lwa))),
            *[(f"SP-API {c}", escape_controls(shown_url(u))) for c, u in self.spapi.items()],
            ("STS", escape_controls(shown_url(self.sts)) if self.sts else STS_DEFAULT),
        ]

    def describe(self) -> str:
        """Which world this is and where each service lives, one line each."""
        return "\n".join(
            [f"World: {self.label}", *(f"  {name + ':':<10} {url}" for name, url in self._rows())]
        )

    def __repr__(self) -> str:
        return self.describe()

    def _repr_html_(self) -> str:
        from ._html import endpoints_html

        return endpoints_html(self)


def url_problem(value) -> str | None:
    """Why ``value`` cannot serve as an endpoint URL, or None when it can."""
    if not isinstance(value, str) or not value:
        return "it is empty"
    if not value.isprintable() or any(ch.isspace() for ch in value):
        return "it holds a space or a control character"
    parts = _parts(value)
    if parts is None:
        from urllib.parse import urlsplit

        try:
            port = urlsplit(value).netloc.rpartition(":")[2]
        except ValueError:
            return "it cannot be parsed as a URL"
        if port.isdigit():
            return f"the port {port} is not between 1 and 65535"
        return f"the port {_shown_port(port)} is not a number"
    if parts.scheme not in ("http", "https"):
        return "it does not start with http:// or https://"
    host = parts.hostname
    if not host:
        return "it names no host"
    if parts.port == 0:
        return "the port 0 is not between 1 and 65535"
    if ":" not in host:  # an IPv6 address has no labels to check
        if len(host) > 253:
            return f"the host name is {len(host)} characters long (at most 253)"
        long_label = next((label for label in host.split(".") if len(label) > 63), None)
        if long_label is not None:
            return f"a part of the host name is {len(long_label)} characters long (at most 63)"
        if any(label == "" for label in host.rstrip(".").split(".")):
            return "the host name has an empty part (two dots in a row)"
    return None


def _shown_port(port: str) -> str:
    return repr(port[:20] + ("…" if len(port) > 20 else ""))


def endpoints_from_env(
    environ: Mapping[str, str] | None = None, *, sandbox: bool = False
) -> Endpoints:
    """The endpoints the environment selects (Amazon's own when nothing overrides them)."""
    env = os.environ if environ is None else environ
    table = ENV_SANDBOX if sandbox else ENV_REGION
    invalid = {
        name: env[name]
        for name in (ENV_LWA, *table.values(), ENV_STS)
        if env.get(name) and url_problem(env[name]) is not None
    }
    spapi = {}
    for code, region in REGIONS.items():
        host = region.sandbox_host if sandbox else region.host
        spapi[code] = (env.get(table[code]) or f"https://{host}").rstrip("/")
    return Endpoints(
        env.get(ENV_LWA) or LWA_TOKEN_URL,
        spapi,
        sandbox=sandbox,
        sts=env.get(ENV_STS) or None,
        secretsmanager=env.get(ENV_SECRETSMANAGER) or env.get(ENV_SECRETSMANAGER_ALIAS) or None,
        scenario=env.get(ENV_MOCK_SCENARIO) or None,
        invalid=invalid,
    )


# --------------------------------------------------------------------------- consent pages

# Where a selling partner authorises an app: {host}/apps/authorize/consent. Authorisations
# are regional, so any host of the partner's region will do (DG-2021, "Constructing an
# OAuth authorization URI"). Seller Central: the 2021 developer guide's table
# (sellercentral-europe.amazon.com for UK, DE, FR, IT and ES); the marketplaces launched
# since (BE, EG, SA, ZA, IE) take their own domain, as jlevers/selling-partner-api and
# Apideck's guide list them (Amazon's current table was not read: unverified).
SELLER_CENTRAL_HOSTS = {
    "CA": "sellercentral.amazon.ca",
    "US": "sellercentral.amazon.com",
    "MX": "sellercentral.amazon.com.mx",
    "BR": "sellercentral.amazon.com.br",
    "IE": "sellercentral.amazon.ie",
    "ES": "sellercentral-europe.amazon.com",
    "GB": "sellercentral-europe.amazon.com",
    "UK": "sellercentral-europe.amazon.com",
    "FR": "sellercentral-europe.amazon.com",
    "BE": "sellercentral.amazon.com.be",
    "NL": "sellercentral.amazon.nl",
    "DE": "sellercentral-europe.amazon.com",
    "IT": "sellercentral-europe.amazon.com",
    "SE": "sellercentral.amazon.se",
    "ZA": "sellercentral.amazon.co.za",
    "PL": "sellercentral.amazon.pl",
    "EG": "sellercentral.amazon.eg",
    "TR": "sellercentral.amazon.com.tr",
    "SA": "sellercentral.amazon.sa",
    "AE": "sellercentral.amazon.ae",
    "IN": "sellercentral.amazon.in",
    "SG": "sellercentral.amazon.sg",
    "AU": "sellercentral.amazon.com.au",
    "JP": "sellercentral.amazon.co.jp",
}
# Vendor Central, from the same guide (EG and AE share vendorcentral.amazon.me). No host is
# documented for IE, BE, ZA and SA: None, and `authorize` asks for the address instead.
VENDOR_CENTRAL_HOSTS = {
    "CA": "vendorcentral.amazon.ca",
    "US": "vendorcentral.amazon.com",
    "MX": "vendorcentral.amazon.com.mx",
    "BR": "vendorcentral.amazon.com.br",
    "IE": None,
    "ES": "vendorcentral.amazon.es",
    "GB": "vendorcentral.amazon.co.uk",
    "UK": "vendorcentral.amazon.co.uk",
    "FR": "vendorcentral.amazon.fr",
    "BE": None,
    "NL": "vendorcentral.amazon.nl",
    "DE": "vendorcentral.amazon.de",
    "IT": "vendorcentral.amazon.it",
    "SE": "vendorcentral.amazon.se",
    "ZA": None,
    "PL": "vendorcentral.amazon.pl",
    "EG": "vendorcentral.amazon.me",
    "TR": "vendorcentral.amazon.com.tr",
    "SA": None,
    "AE": "vendorcentral.amazon.me",
    "IN": "vendorcentral.amazon.in",
    "SG": "vendorcentral.amazon.com.sg",
    "AU": "vendorcentral.amazon.com.au",
    "JP": "vendorcentral.amazon.co.jp",
}
# The marketplace whose host stands for a whole region when only the region is given.
REGION_CONSENT_MARKETPLACE = {"NA": "US", "EU": "DE", "FE": "JP"}


def central_url(host: str, environ=None) -> str:
    """The base URL of Seller or Vendor Central ``host``: ``https://{host}``, or under
    ``SPAPI_SELLERCENTRAL_URL`` (``{override}/{host}``) when that is set (the mock)."""
    env = os.environ if environ is None else environ
    override = (env.get(ENV_SELLERCENTRAL) or "").strip()
    if override:
        return f"{override.rstrip('/')}/{host}"
    return f"https://{host}"
