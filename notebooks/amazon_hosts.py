"""Amazon's own host names, answered by the mock Amazon on loopback, over TLS.

The guide shows code as a reader runs it: ``curl https://api.amazon.com/auth/o2/token``,
``Sellers().get_marketplace_participation()``. python-amazon-sp-api has no setting for its
hosts, and the recipes name Amazon's URLs on purpose. To run that code unchanged against the
mock, this module changes what a machine consults, never the code:

* a certificate authority made for the run, and one certificate for every Amazon host the
  mock stands in for (Login with Amazon, the SP-API regions and their sandboxes);
* a TLS front on 127.0.0.1 that presents that certificate and forwards each connection to
  the mock's service named by the server name the client asked for (SNI);
* name resolution: ``socket.getaddrinfo`` sends those names (port 443) to the front, and
  curl gets the same through ``--connect-to`` lines in a curlrc;
* trust: the authority is the bundle certifi names (requests, httpx, urllib3), the
  ``SSL_CERT_FILE`` that OpenSSL reads (the standard library) and curl's ``cacert``.

:class:`AmazonHosts` runs the front; :meth:`AmazonHosts.environ` is the environment that
routes a child process (Python through a ``sitecustomize`` module, curl through its curlrc);
:meth:`AmazonHosts.install` routes this process (a notebook's kernel). Names it does not know
resolve as usual, so nothing else reaches the mock, and no other host is faked.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import socket
import ssl
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

from spapi_docs_helpers._endpoints import ENV_LWA, ENV_REGION, ENV_SANDBOX, LWA_HOST, REGIONS

__all__ = ["AMAZON_HOSTS", "AmazonHosts", "install_for_mock"]

# Amazon's host -> the mock's environment variable that holds the URL standing in for it
# (the package's one table of both).
AMAZON_HOSTS = {
    LWA_HOST: ENV_LWA,
    **{region.host: ENV_REGION[code] for code, region in REGIONS.items()},
    **{region.sandbox_host: ENV_SANDBOX[code] for code, region in REGIONS.items()},
}
# The variable a child's sitecustomize reads: {"port": front port, "hosts": [...]}.
ROUTES_VARIABLE = "SPAPI_TEST_AMAZON_HOSTS"
# Every read and write of a forwarded connection is bounded.
TIMEOUT_S = 30

SITECUSTOMIZE = '''"""Route Amazon's host names to the mock's TLS front (written by amazon_hosts.py)."""
import json
import os

_routes = json.loads(os.environ.get("{variable}") or "null")
if _routes:
    import amazon_hosts

    amazon_hosts._route(_routes["port"], _routes["hosts"], os.environ.get("SSL_CERT_FILE"))
'''


def _targets_from(environ) -> dict:
    """Amazon host -> (host, port) of the mock's service, from the mock's environment."""
    targets = {}
    for amazon_host, variable in AMAZON_HOSTS.items():
        url = environ.get(variable)
        if url:
            parts = urlsplit(url)
            if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
                raise ValueError(f"{variable}={url!r} is not the mock's loopback URL")
            targets[amazon_host] = (parts.hostname, parts.port)
    if not targets:
        raise ValueError("no mock endpoint in the environment (start the mock first)")
    return targets


def _certificates(hosts, folder: Path) -> tuple:
    """A CA and a server certificate for ``hosts``, valid for a day; (ca.pem, server.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    valid = {"not_valid_before": now - datetime.timedelta(hours=1)}
    valid["not_valid_after"] = now + datetime.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "spapi-docs test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid["not_valid_before"])
        .not_valid_after(valid["not_valid_after"])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "api.amazon.com")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid["not_valid_before"])
        .not_valid_after(valid["not_valid_after"])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    server_file = folder / "server.pem"
    server_file.write_bytes(
        server.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, server_file


def _pump(source, target) -> None:
    """Copy bytes from ``source`` to ``target`` until either side closes or times out."""
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class AmazonHosts:
    """The TLS front for Amazon's hosts, in front of a running mock (a context manager).

    ``targets``: Amazon host -> (host, port) of the mock's service; default: read from the
    mock's environment variables in ``environ`` (default ``os.environ``).
    """

    def __init__(self, targets: dict | None = None, *, environ=None):
        self.targets = dict(targets or _targets_from(os.environ if environ is None else environ))
        self._folder = tempfile.TemporaryDirectory(prefix="spapi-amazon-hosts-")
        self.folder = Path(self._folder.name)
        self.ca_file, server_file = _certificates(sorted(self.targets), self.folder)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(server_file)
        self._context.sni_callback = self._remember_server_name
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="amazon-hosts", daemon=True)
        self._write_child_files()

    # ------------------------------------------------------------------ life cycle
    def __enter__(self) -> AmazonHosts:
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._listener.close()
        self._folder.cleanup()

    # ------------------------------------------------------------------ what clients consult
    def environ(self) -> dict:
        """The variables that route a child process: Python (through the sitecustomize in
        ``PYTHONPATH``), curl (its curlrc in ``CURL_HOME``) and OpenSSL's trust."""
        routes = {"port": self.port, "hosts": sorted(self.targets)}
        python_path = os.pathsep.join([str(self.folder), str(Path(__file__).parent)])
        return {
            ROUTES_VARIABLE: json.dumps(routes),
            "PYTHONPATH": python_path,
            "SSL_CERT_FILE": str(self.ca_file),
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
            "CURL_HOME": str(self.folder),
        }

    def install(self) -> None:
        """Route this process: Amazon's names resolve to the front, which it trusts."""
        os.environ["SSL_CERT_FILE"] = str(self.ca_file)
        os.environ["REQUESTS_CA_BUNDLE"] = str(self.ca_file)
        _route(self.port, sorted(self.targets), str(self.ca_file))

    def _write_child_files(self) -> None:
        (self.folder / "sitecustomize.py").write_text(
            SITECUSTOMIZE.format(variable=ROUTES_VARIABLE), encoding="utf-8"
        )
        lines = [f"cacert = {self.ca_file}"]
        lines += [f"connect-to = {host}:443:127.0.0.1:{self.port}" for host in sorted(self.targets)]
        (self.folder / ".curlrc").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # ------------------------------------------------------------------ the front
    @staticmethod
    def _remember_server_name(tls, server_name, _context):
        tls.spapi_server_name = server_name

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client) -> None:
        client.settimeout(TIMEOUT_S)
        try:
            tls = self._context.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError):
            client.close()
            return
        target = self.targets.get(getattr(tls, "spapi_server_name", None))
        if target is None:  # a name the mock does not stand in for: refuse, reach nothing
            tls.close()
            return
        try:
            upstream = socket.create_connection(target, timeout=TIMEOUT_S)
        except OSError:
            tls.close()
            return
        back = threading.Thread(target=_pump, args=(upstream, tls), daemon=True)
        back.start()
        _pump(tls, upstream)
        back.join(timeout=TIMEOUT_S)
        tls.close()
        upstream.close()


_real_getaddrinfo = socket.getaddrinfo


def _route(port: int, hosts, ca_file) -> None:
    """Send ``hosts`` (port 443) to 127.0.0.1:``port``, and trust ``ca_file`` for them."""
    names = frozenset(hosts)

    def getaddrinfo(host, service, *args, **kwargs):
        if host in names and str(service) in ("443", "https"):
            return _real_getaddrinfo("127.0.0.1", port, *args, **kwargs)
        return _real_getaddrinfo(host, service, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    if ca_file:
        try:
            import certifi
        except ImportError:  # no certifi: the clients use OpenSSL's SSL_CERT_FILE
            return
        certifi.where = lambda: ca_file


def install_for_mock() -> AmazonHosts | None:
    """In a notebook's kernel: when the environment points at the mock, start the front and
    route this process to it; against Amazon, do nothing. Returns the front, or None."""
    if not os.environ.get("SPAPI_LWA_ENDPOINT"):
        return None
    hosts = AmazonHosts()
    hosts.__enter__()
    hosts.install()
    return hosts
