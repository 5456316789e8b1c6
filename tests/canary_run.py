"""The canary run: what only a whole run shows, with credential values never seen anywhere
else, collected into one file for tests/test_canary.py to search.

Run in a child process with SPAPI_MOCK_SAMPLE_SALT set, so that every value of the mock's
world (client identifiers, secrets, refresh tokens, AWS keys) is a fresh canary.

tests/test_check_online.py already searches every rendering of the report for every
scenario and every fault, in-process. This run collects what those tests cannot see: every
log record of the package and its dependencies at DEBUG (botocore, urllib3, moto...), the
CLI's stdout and stderr (on a terminal, of a real process), notebooks executed in a kernel,
and what the notebook step functions raise (exceptions and their tracebacks). So it drives
a representative subset: the happy paths (LWA only, legacy AWS, Secrets Manager), one
failure of each service (LWA, STS, SP-API), every fault kind once, each on one service
in turn, and init and authorize (a partner's authorisation through the mock's consent
page, whose new refresh token and code join the canaries). `--store export` is left out:
printing the secrets is its job. Each scenario's online check runs once, as the CLI's
``check`` (its output and its log records at DEBUG are searched); every rendering of the
library's report, for every scenario, is test_check_online's.

The CLI runs in this process (``_cli.main``, as tests/conftest.py's ``cli`` fixture runs
it), so that its log records at DEBUG are searched too; a child process proves nothing
more about what a command prints, and an exception in one of its threads is written to the
standard error collected here. The installed script runs in a real process where only a
process shows it: on a terminal, where it writes its progress lines and where whatever the
interpreter itself writes, at exit too, ends up (the one that talks to no one runs alongside
the rest). The notebooks share one kernel, started first so that it is ready when their turn
comes: each runs against its own mock, from its own empty home, the kernel's environment
replaced before its first cell. The legacy path's steps (caller_identity, assume_role) run
in the scenarios with an AWS part, and in one without (where they fail for want of keys).

Last, once everything is collected, a 12-character piece of one secret is logged at DEBUG
through a logger the package does not guard, and the log records are written again: the
deliberate-leak test must find the piece there (the search can fail).

Usage: python tests/canary_run.py OUTPUT_DIR
  writes outputs.txt (everything collected), secrets.json (the canaries) and
  leaked-logs.txt (the log records at DEBUG after the deliberate leak)
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from _values import PUBLIC_PREFIXES, SECRET_FIELDS  # this script's folder is on sys.path

# Imported first, while SPAPI_MOCK_SAMPLE_SALT is still in the environment (the clean
# machine the run makes removes it): every sample value, and this run's own, is salted.
from spapi_docs_helpers.mock import _samples as samples
from spapi_docs_helpers.mock._isolation import (
    clean_environ,
    isolated_home,
    mock_environment,
    notebook_scenario,
)

ROOT = Path(__file__).resolve().parents[1]

DOCTOR = str(Path(sys.executable).with_name("spapi-doctor"))
# The happy paths, then one failure of LWA, of STS and of SP-API.
SCENARIOS = (
    "happy",
    "happy-legacy",
    "secrets-manager",
    "revoked-refresh-token",
    "user-arn-as-role-arn",
    "expired-client-secret",
)
# Every fault kind once, each on one service in turn (all three services are hit).
FAULT_SERVICES = ("lwa", "spapi", "sts")
NOTEBOOKS = ("03-legacy-aws.ipynb", "06-all-in-one.ipynb", "08-rotation.ipynb")


class Collector:
    def __init__(self):
        self.chunks = []
        self.secrets = set()

    def add(self, label, text):
        self.chunks.append(f"=== {label}\n{text}\n")

    def add_secrets(self, values):
        self.secrets.update(v for v in values if isinstance(v, str) and len(v) >= 16)


def logs_at_debug():
    """Every record of every logger, formatted, into a buffer (and stderr's copy)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    return buffer


def render(report):
    return "\n".join(
        [
            report.render_text(),
            report.render_text(color=True),
            report.to_json(),
            report._repr_html_(),
            repr(report),
            str(report),
        ]
    )


def exception_text(error):
    return "".join(traceback.format_exception(error)) + repr(error) + str(error)


def run_steps(collect, amazon, home, *, sts=True):
    """The notebook-facing functions, as a notebook would call them, against ``amazon``.

    ``sts``: the legacy path's steps too (``caller_identity``, ``assume_role``). Where the
    scenario has no AWS part they fail the same way each time (no AWS keys): the run calls
    them in one such scenario, not in each.
    """
    import spapi_docs_helpers as spapi

    # The probes take the access token of the exchange step, as the notebooks pass theirs;
    # where the exchange failed there is none, and they are not called (the exchange's
    # exception, collected, is what a second exchange would raise again).
    exchanged = {}
    with isolated_home(home, env=amazon.env):
        for name, call in [
            ("resolve", lambda: spapi.resolve_credentials()),
            ("formats", lambda: spapi.check_formats(amazon.credentials)),
            ("exchange", lambda: spapi.exchange_refresh_token()),
            (
                "grantless",
                lambda: spapi.get_grantless_token("sellingpartnerapi::client_credential:rotation"),
            ),
            ("regions", lambda: spapi.probe_regions(exchanged["token"])),
            ("roles", lambda: spapi.probe_roles(exchanged["token"])),
            ("identity", lambda: spapi.caller_identity()),
            ("assume", lambda: spapi.assume_role()),
        ]:
            if name in ("regions", "roles") and "token" not in exchanged:
                continue
            if name in ("identity", "assume") and not sts:
                continue
            try:
                result = call()
            except Exception as error:  # the point: what an exception shows
                collect.add(f"{amazon.scenario.name} {name} raised", exception_text(error))
                result = getattr(error, "result", None)
            else:
                if name == "exchange":
                    exchanged["token"] = result
            if result is not None:
                # The access tokens LWA issued, and AssumeRole's temporary access key.
                collect.add_secrets(
                    [getattr(result, "access_token", None), getattr(result, "access_key", None)]
                )
                html = getattr(result, "_repr_html_", None)
                collect.add(
                    f"{amazon.scenario.name} {name}", repr(result) + "\n" + (html() if html else "")
                )


def run_cli(collect, amazon, home, *args, env=None, label=None):
    """``spapi-doctor ARGS`` on the clean machine whose home is ``home``, with ``amazon``'s
    environment (None: no mock) and ``env`` on top; its stdout and stderr are collected
    under ``label``. Returns a :class:`subprocess.CompletedProcess`.

    In this process: ``_cli.main`` with ``os.environ`` replaced for the run, standard input
    empty, standard output and error captured, argparse's exits as the status and the
    SIGTERM handler put back (tests/conftest.py's ``cli`` fixture does the same). Its log
    records reach the DEBUG buffer with everyone's. What only a process shows:
    :class:`OnATerminal`.
    """
    wanted = {**(amazon.env if amazon is not None else {}), **(env or {})}
    label = label or f"{amazon.scenario.name} {' '.join(args)}"
    result = cli_in_process(args, home, wanted)
    collect.add(f"cli {label} stdout", result.stdout)
    collect.add(f"cli {label} stderr", result.stderr)
    return result


def cli_in_process(args, home, env):
    """``_cli.main(args)`` on the clean machine of ``home`` with ``env``: what a child
    process would print and its status, as a :class:`subprocess.CompletedProcess`."""
    from spapi_docs_helpers import _cli

    out, err = io.StringIO(), io.StringIO()
    stdin, sys.stdin = sys.stdin, io.StringIO()  # nothing to read, and no terminal
    previous = signal.getsignal(signal.SIGTERM)  # an online check installs its own
    try:
        with (
            isolated_home(home, env=env),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                status = _cli.main(list(args))
            except SystemExit as leaving:  # argparse: usage errors
                status = leaving.code if isinstance(leaving.code, int) else 1
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.stdin = stdin
    return subprocess.CompletedProcess(
        ["spapi-doctor", *args], status, out.getvalue(), err.getvalue()
    )


class OnATerminal:
    """The installed script in a real process, standard error on a terminal: its progress
    lines, and whatever the interpreter itself writes there, at exit too.

    The process starts at once and runs alongside whatever comes next, until
    :meth:`collect` reads it to its end (leaving the block kills it if it was not).
    """

    def __init__(self, environ, *args):
        import pty

        self.main, child = pty.openpty()
        try:
            self.process = subprocess.Popen(
                [DOCTOR, *args],
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=child,
                text=True,
            )
        except BaseException:
            os.close(self.main)
            raise
        finally:
            os.close(child)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.main is not None:
            os.close(self.main)
            self.main = None

    def collect(self, collect, label):
        """Its standard output and its terminal's text, once it has ended, under ``label``."""
        import select

        chunks = []
        while True:
            ready, _, _ = select.select([self.main], [], [], 120)
            if not ready:
                break
            try:
                chunk = os.read(self.main, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        out, _ = self.process.communicate(timeout=120)
        collect.add(f"cli {label} stdout", out)
        collect.add(f"cli {label} stderr (terminal)", b"".join(chunks).decode("utf-8", "replace"))


def run_credential_commands(collect, amazon, home):
    """init and authorize in a real process: storing the scenario's credentials, then a
    partner's authorisation through the mock's consent page, a refused one (its code
    expired), and the library functions' displays. The refresh token LWA issues for the
    code, and the code itself, join the canaries."""
    from datetime import timedelta

    import yaml

    import spapi_docs_helpers as spapi
    from spapi_docs_helpers.mock import consent_as_seller

    run_cli(
        collect,
        amazon,
        home,
        "init",
        "--from-env",
        "--account",
        "canary",
        "--store",
        "file",
        "--yes",
    )
    run_cli(
        collect,
        amazon,
        home,
        "init",
        "--from-env",
        "--account",
        "shop",
        "--store",
        "env-file",
        "--env-file",
        os.path.join(home, "sp-api.env"),
        "--yes",
        "--no-verify",
    )
    consent = [
        "authorize",
        "--app-id",
        amazon.env["SPAPI_MOCK_APP_ID"],
        "--marketplace",
        "US",
        "--redirect-uri",
        amazon.env["SPAPI_MOCK_REDIRECT_URI"],
        "--draft",
        "--print-url",
    ]
    for outcome in ("authorised", "expired"):
        url = run_cli(collect, amazon, home, *consent).stdout.strip()
        redirected = consent_as_seller(url)
        collect.add_secrets(
            [
                dict(p.split("=", 1) for p in redirected.split("?", 1)[1].split("&"))[
                    "spapi_oauth_code"
                ]
            ]
        )
        if outcome == "expired":
            amazon.world.advance(timedelta(minutes=6))
        run_cli(
            collect,
            amazon,
            home,
            "authorize",
            "--redirected-url",
            redirected,
            "--account",
            f"partner-{outcome}",
            "--store",
            "file",
            label=f"{amazon.scenario.name} authorize {outcome}",
        )
    path = os.path.join(home, ".config", "python-sp-api", "credentials.yml")
    with open(path, encoding="utf-8") as handle:
        accounts = yaml.safe_load(handle)
    collect.add_secrets(
        account.get("refresh_token") for account in accounts.values() if isinstance(account, dict)
    )
    with isolated_home(home, env=amazon.env):
        request = spapi.consent_request(amazon.env["SPAPI_MOCK_APP_ID"], region="NA", draft=True)
        authorization = spapi.complete_authorization(consent_as_seller(request.url))
        collect.add_secrets([authorization.refresh_token])
        result = spapi.CredentialsFile().save("partner-python", authorization.credentials)
        for shown in (request, authorization, result):
            collect.add(
                f"{amazon.scenario.name} authorise {type(shown).__name__}",
                repr(shown) + "\n" + str(shown) + "\n" + shown._repr_html_(),
            )
        try:
            spapi.CredentialsFile().save(
                "partner-python",
                spapi.Credentials(
                    refresh_token="Atzr|another-one", lwa_app_id="x", lwa_client_secret="y"
                ),
            )
        except spapi.StoreError as error:
            collect.add(f"{amazon.scenario.name} store refused", exception_text(error))


# Run in the notebooks' kernel before each notebook: its environment becomes the one the
# harness gives that notebook (the mock's, from an empty home), read from a file so that no
# value is in the code the kernel is sent.
SWITCH_ENVIRONMENT = """\
import json as _json, os as _os
with open({path!r}, encoding="utf-8") as _file:
    _os.environ.clear()
    _os.environ.update(_json.load(_file))
del _json, _os, _file
"""


@contextlib.contextmanager
def notebook_kernel(paths):
    """The notebooks' one kernel, started now and shut down at the end of the block; yields
    ``(client, notebooks)`` for :func:`run_notebooks`.

    Started at the beginning of the run, from the clean machine's environment (the one the
    notebooks' own kernels inherit before theirs replaces it), so that its start-up, a few
    seconds in a process of its own, goes on while the scenarios run instead of before the
    notebooks do.
    """
    import nbformat
    from nbclient import NotebookClient

    # The kernel manager of every kernel the project starts: over ipc, no loopback port to
    # lose to another test's server while the kernel starts (notebooks/notebook_kernels.py).
    sys.path.append(str(ROOT / "notebooks"))
    from notebook_kernels import IpcKernelManager

    notebooks = [(path, nbformat.read(path, as_version=4)) for path in paths]
    client = NotebookClient(
        notebooks[0][1],
        timeout=120,
        kernel_name="python3",
        kernel_manager_class=IpcKernelManager,
        resources={"metadata": {"path": str(paths[0].parent)}},
    )
    manager = client.km = client.create_kernel_manager()
    client.start_new_kernel()  # the process only: run_notebooks waits for it to be ready
    try:
        yield client, notebooks
    finally:
        if manager.has_kernel:  # the run stopped before the notebooks' turn
            manager.shutdown_kernel(now=True)


def run_notebooks(collect, kernel):
    """The notebooks executed in one kernel (``kernel``: :func:`notebook_kernel`'s), each
    against a mock of its own scenario.

    nbval and ``make notebooks`` start a kernel per notebook in the mock's environment; here
    one kernel serves them all (a kernel costs a second of CPU to start and to import the
    package again), and its ``os.environ`` is replaced before each notebook by what that
    notebook's own kernel would inherit. The cells' outputs are what is searched: a cell that
    raises where the notebook does not say it may fails the run.
    """
    client, notebooks = kernel
    with client.setup_kernel():  # waits for the kernel; shuts it down at the end
        collect.add("notebook kernel transport", client.km.transport)
        for path, notebook in notebooks:
            with mock_environment(notebook_scenario(notebook)) as amazon:
                collect.add_secrets(v for k, v in amazon.credentials.items() if k in SECRET_FIELDS)
                environment = Path(os.environ["HOME"]) / "kernel-environment.json"
                with open(os.open(environment, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
                    json.dump(dict(os.environ), handle)
                reply = client.wait_for_reply(
                    client.kc.execute(SWITCH_ENVIRONMENT.format(path=str(environment)), silent=True)
                )
                assert reply["content"]["status"] == "ok", reply["content"]
                client.nb = notebook
                client.reset_execution_trackers()
                for index, cell in enumerate(notebook.cells):
                    client.execute_cell(cell, index)
            collect.add(
                f"notebook {path.name}", json.dumps([c.get("outputs", []) for c in notebook.cells])
            )


def run_rotation(collect, home):
    """secret-status, rotate and check --all-accounts in real processes, against the mock's
    SQS: Amazon's notifications (the new secret among them) pass through the queue, the
    commands, the state file and the log records at DEBUG. The new secret joins the
    canaries."""
    from spapi_docs_helpers._queue import NotificationQueue
    from spapi_docs_helpers._rotation import state_path
    from spapi_docs_helpers.mock import MockAmazon

    # Amazon allows one rotation a minute; the run rotates three times in a row.
    with MockAmazon(scenario="secret-expires-in-5-days", rate_limits=False) as amazon:
        collect.add_secrets(v for k, v in amazon.credentials.items() if k in SECRET_FIELDS)
        collect.add_secrets([amazon.env["AWS_SECRET_ACCESS_KEY"]])
        url = amazon.env["SPAPI_MOCK_NOTIFICATION_QUEUE_URL"]
        name = amazon.scenario.name

        def rotate(label, *extra):
            run_cli(
                collect,
                amazon,
                home,
                *("rotate", "--queue-url", url, "--account", "shop-us", "--yes", *extra),
                label=f"{name} {label}",
            )

        run_cli(collect, amazon, home, "secret-status", "--queue-url", url, "--account", "default")
        run_cli(collect, amazon, home, "secret-status", "--queue-url", url, "--format", "json")
        for account in ("shop-us", "shop-ca"):
            run_cli(
                collect,
                amazon,
                home,
                "init",
                "--from-env",
                "--account",
                account,
                "--store",
                "file",
                "--yes",
                "--no-verify",
            )
        rotate("rotate")
        app = next(
            a for a in amazon.world.apps.values() if a.client_id == amazon.credentials["lwa_app_id"]
        )
        collect.add_secrets([app.current_secret.value])
        rotate("rotate again", "--format", "json")
        # What the mock posted: Amazon's payloads, read back by the package's reader.
        amazon.notifications.paused = True
        rotate("rotate unarrived", "--wait", "0")  # it will not come: no need to wait
        for waiting in amazon.notifications.undelivered:
            inner = waiting.body["payload"].get("applicationOAuthClientNewSecret", {})
            collect.add_secrets([inner.get("newClientSecret")])
        amazon.notifications.release()
        collect.add_secrets([s.value for s in app.secrets])
        with isolated_home(home, env=amazon.env):
            scan = NotificationQueue(url).scan()
        collect.add(
            f"{name} notifications",
            "\n".join(repr(n) + json.dumps(n.as_dict()) for n in scan.notifications),
        )
        rotate("rotate recovered")
        run_cli(collect, amazon, home, "check", "--all-accounts", "--format", "json")
        run_cli(collect, amazon, home, "check", "--all-accounts")
        state = state_path({"HOME": home, "XDG_STATE_HOME": os.path.join(home, ".local", "state")})
        if os.path.exists(state):
            with open(state, encoding="utf-8") as handle:
                collect.add(f"{name} state file", handle.read())


def secret_part(value: str) -> str:
    """``value`` without its public marker (``Atzr|``, ``amzn1.oa2-cs.v1.``...)."""
    for prefix in PUBLIC_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def leak_on_purpose(value: str) -> None:
    """Log a 12-character piece of ``value`` at DEBUG, where no masking applies.

    The logger's name looks like one of the guarded ones but is none of them, so the
    package's log masking leaves the record alone: only the search of the log records can
    find the piece.
    """
    piece = secret_part(value)[2:14]
    logging.getLogger("canary.deliberate").debug("deliberate leak of a piece: %s", piece)


def run_hostile_channels(collect, home):
    """Every channel a secret once leaked through, with canary values (see the docstring)."""
    from urllib.parse import quote, quote_plus

    from _hostile import HostileServer

    import spapi_docs_helpers as spapi
    from spapi_docs_helpers import check, check_offline
    from spapi_docs_helpers.mock import MockAmazon

    # Salted like the mock's own values: a fresh canary (the clean machine this runs in
    # no longer has SPAPI_MOCK_SAMPLE_SALT, so reading the variable here found none).
    access_token = samples.access_token("hostile-lwa")
    with (
        MockAmazon(scenario="happy", aws=False) as amazon,
        HostileServer(access_token=access_token) as hostile,
    ):
        creds = amazon.credentials
        secret, token = creds["lwa_client_secret"], creds["refresh_token"]
        collect.add_secrets([*(v for k, v in creds.items() if k in SECRET_FIELDS), access_token])
        base = {**clean_environ(), **amazon.env, "HOME": home}

        def received(text: str) -> bool:
            return any(
                text.encode() in request[3] or text in request[1] for request in hostile.requests
            )

        # A secret as the password and as a query value of an endpoint URL (the mock's LWA
        # answers; the URL shows in the world line, the progress lines and the stages), and
        # of a refused one (in the findings and the step functions' exceptions).
        userinfo = amazon.lwa_url.replace("http://", f"http://user:{quote(secret, safe='')}@")
        endpoints = {
            "answering": (
                f"{userinfo}?client_secret={quote(secret, safe='')}&token={quote(token, safe='')}"
            ),
            "refused": f"http://user:{quote(secret, safe='')}@127.0.0.1:9/t?client_secret={secret}",
        }
        # The refused endpoint's process talks to no one, the mock included: it runs on its
        # terminal alongside what comes next, and is read when its turn comes.
        with OnATerminal({**base, "SPAPI_LWA_ENDPOINT": endpoints["refused"]}, "check") as refused:
            # LWA answers with the form it was sent: URL-encoded in an HTML page, decoded and
            # JSON-escaped in an error description.
            for mode in ("echo", "echo-json"):
                environ = {**base, "SPAPI_LWA_ENDPOINT": hostile.url(mode, "/auth/o2/token")}
                report = check(environ=environ, timeout=5, retries=0)
                collect.add(f"hostile lwa {mode}", render(report))
                run_cli(
                    collect,
                    amazon,
                    home,
                    "check",
                    "--format",
                    "json",
                    env=environ,
                    label=f"hostile lwa {mode}",
                )
            assert received(quote_plus(token)), "the echoing LWA never received the refresh token"
            # SP-API quoting the request headers, the access token among them.
            environ = {
                **base,
                "SPAPI_LWA_ENDPOINT": hostile.url("token", "/auth/o2/token"),
                **{f"SPAPI_ENDPOINT_{r}": hostile.url("echo-headers") for r in ("NA", "EU", "FE")},
            }
            collect.add(
                "hostile spapi echo-headers", render(check(environ=environ, timeout=5, retries=0))
            )
            assert any(access_token in str(request[2]) for request in hostile.requests)
            for label, url in endpoints.items():
                environ = {**base, "SPAPI_LWA_ENDPOINT": url}
                collect.add(
                    f"hostile endpoint userinfo {label}",
                    render(check(environ=environ, timeout=5, retries=0)),
                )
                if label == "refused":
                    refused.collect(collect, f"hostile endpoint userinfo {label}")
                else:  # the mock answers it: alone, as every other command here
                    with OnATerminal(environ, "check") as answering:
                        answering.collect(collect, f"hostile endpoint userinfo {label}")
                with isolated_home(home, env=environ):
                    try:
                        spapi.exchange_refresh_token(endpoint=url, timeout=5)
                    except Exception as error:  # the point: what an exception shows
                        collect.add(
                            f"hostile endpoint userinfo {label} raised", exception_text(error)
                        )
        # A proxy whose URL carries a secret, and names no host.
        environ = {
            **base,
            "HTTP_PROXY": f"http://user:{quote(secret, safe='')}@:3128",
            "NO_PROXY": "",
        }
        run_cli(collect, amazon, home, "check", env=environ, label="hostile proxy")
        with isolated_home(home, env=environ):
            collect.add("hostile proxy", render(check(environ=environ, timeout=5, retries=0)))
    # Secrets pasted as YAML keys and as an account name, and a symlink to a file of secrets.
    with tempfile.TemporaryDirectory() as yaml_home:
        folder = Path(yaml_home) / ".config" / "python-sp-api"
        folder.mkdir(parents=True)
        (folder / "credentials.yml").write_text(
            f"{secret}:\n  x: y\nproduction:\n  lwa_app_id: '{creds['lwa_app_id']}'\n"
            f"  {secret}: pasted\n  '{token}': pasted\n"
        )

        def offline_cli(*args, label):
            # The file is the only source: no mock, no credential in the environment.
            run_cli(collect, None, yaml_home, "check", "--offline", *args, label=label)

        for account in ("default", "production"):
            report = check_offline(account, environ={"HOME": yaml_home})
            collect.add(f"hostile yaml keys {account}", render(report))
            offline_cli("--account", account, label=f"hostile yaml keys {account}")
        shadow = Path(yaml_home) / "shadow"
        shadow.write_text(
            "".join(f"user{n}:{secret}:{token}:19000:0:99999:7:::\n" for n in range(30))
        )
        (folder / "credentials.yml").unlink()
        (folder / "credentials.yml").symlink_to(shadow)
        collect.add("hostile symlink lines", render(check_offline(environ={"HOME": yaml_home})))
        offline_cli("--format", "json", label="hostile symlink lines")


def run_faults(collect, amazon, fault_kinds):
    """Every fault kind once, each on one service in turn, on ``amazon`` (left without)."""
    from spapi_docs_helpers import check

    environ = {**os.environ, **amazon.env}
    for index, kind in enumerate(fault_kinds):
        service = FAULT_SERVICES[index % len(FAULT_SERVICES)]
        amazon.faults.clear()
        amazon.faults.add(service, kind, times=None, retry_after=0)
        report = check(environ=environ, timeout=0.5, retries=0)
        collect.add(f"fault {service} {kind}", render(report))
    amazon.faults.clear()


def main(argv) -> int:
    output = Path(argv[0])
    log_buffer = logs_at_debug()
    collect = Collector()

    from spapi_docs_helpers import check_offline
    from spapi_docs_helpers.mock import FAULT_KINDS, MockAmazon
    from spapi_docs_helpers.mock import SCENARIOS as ALL_SCENARIOS

    assert set(SCENARIOS) <= set(ALL_SCENARIOS), set(SCENARIOS) - set(ALL_SCENARIOS)
    # The whole run on a clean machine: no credential of this one's, an empty home.
    with (
        isolated_home() as home_path,
        notebook_kernel([ROOT / "notebooks" / notebook for notebook in NOTEBOOKS]) as kernel,
    ):
        home = str(home_path)
        for name in SCENARIOS:
            scenario = ALL_SCENARIOS[name]
            with MockAmazon(scenario=name, aws=scenario.needs_aws) as amazon:
                values = [v for k, v in amazon.credentials.items() if k in SECRET_FIELDS]
                collect.add_secrets(values)
                environ = {**os.environ, **amazon.env}
                collect.add(f"{name} offline", render(check_offline(environ=environ)))
                run_steps(collect, amazon, home, sts=scenario.needs_aws or name == "happy")
                run_cli(collect, amazon, home, "check")
                if name == "happy":
                    run_credential_commands(collect, amazon, home)
                if name == "happy-legacy":
                    run_cli(collect, amazon, home, "check", "--format", "json")
                    run_cli(collect, amazon, home, "check", "--offline")
                    # Its mock talks to all three services: the faults need no other.
                    run_faults(collect, amazon, FAULT_KINDS)
        run_notebooks(collect, kernel)
        run_rotation(collect, home)
        run_hostile_channels(collect, home)
    collect.add("log records at DEBUG", log_buffer.getvalue())
    output.mkdir(parents=True, exist_ok=True)
    (output / "outputs.txt").write_text("".join(collect.chunks))
    (output / "secrets.json").write_text(json.dumps(sorted(collect.secrets)))
    # Now the leak, after the outputs above were written: only the log records hold it.
    leak_on_purpose(max(sorted(collect.secrets), key=len))
    (output / "leaked-logs.txt").write_text(log_buffer.getvalue())
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main(sys.argv[1:]))
