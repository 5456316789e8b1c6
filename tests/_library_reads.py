"""What python-amazon-sp-api itself reads for an account: the stores' oracle.

The library's own ``CredentialProvider`` runs with exactly the environment the test gives
(by default this process's, which tests/conftest.py isolates: HOME and the configuration
folders in ``tmp_path``), reading the files the stores wrote. It runs in this process:
the provider keeps no state between calls for the environment and the configuration file
(confuse reads the file again each time), and a child process per read cost half a second
of CPU (an interpreter and the library's import) for the same answer. A read through
Secrets Manager still runs in a child process: the library keeps one process-wide cache
of the secrets it read (aws-secretsmanager-caching), which would outlive the test.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from _python import python_json

from spapi_docs_helpers.mock._isolation import environ_as

LWA_KEYS = ("refresh_token", "lwa_app_id", "lwa_client_secret")

_CHILD = """
import json, sys
from sp_api.base.credential_provider import CredentialProvider, MissingCredentials
try:
    c = CredentialProvider(account=sys.argv[1]).credentials
    print(json.dumps([c.refresh_token, c.lwa_app_id, c.lwa_client_secret]))
except MissingCredentials:
    print(json.dumps(None))
"""


def library_reads(account: str, environ: Mapping[str, str] | None = None) -> dict | None:
    """The three LWA values the library reads for ``account`` with ``environ`` as the whole
    environment (None: this process's), or None when it finds none."""
    env = dict(os.environ if environ is None else environ)
    if env.get("SP_API_AWS_SECRET_ID"):
        found = _in_a_child(account, env)
    else:
        from sp_api.base.credential_provider import CredentialProvider, MissingCredentials

        with environ_as(env):
            try:
                credentials = CredentialProvider(account=account).credentials
            except MissingCredentials:
                found = None
            else:
                found = [getattr(credentials, key) for key in LWA_KEYS]
    return None if found is None else dict(zip(LWA_KEYS, found, strict=True))


def _in_a_child(account: str, env: Mapping[str, str]) -> list | None:
    return python_json(_CHILD, account, env=env)
