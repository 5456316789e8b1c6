"""rotate reads the store once before it changes anything: the account to rotate and every
other account of its app come from the same read (a file read, or one call to Secrets
Manager), so that they cannot disagree and Secrets Manager is not asked twice."""

from __future__ import annotations

import pytest

from spapi_docs_helpers._rotation import rotate_client_secret
from spapi_docs_helpers._stores import CredentialsFile

LWA_KEYS = ("lwa_app_id", "lwa_client_secret", "refresh_token")


class CountedFile(CredentialsFile):
    """credentials.yml, counting the reads of its accounts."""

    reads = 0

    def accounts(self):
        self.reads += 1
        return super().accounts()


@pytest.mark.mock_scenario("secret-expires-in-5-days")
def test_a_dry_run_reads_the_store_once(mock_amazon_env):
    credentials = {k: mock_amazon_env.credentials[k] for k in LWA_KEYS}
    CredentialsFile().update({"shop-us": credentials, "shop-ca": credentials})
    store = CountedFile()
    result = rotate_client_secret(
        mock_amazon_env.env["SPAPI_MOCK_NOTIFICATION_QUEUE_URL"],
        account="shop-us",
        store=store,
        dry_run=True,
    )
    assert result.outcome == "dry-run", result.findings
    assert result.accounts == ["shop-us", "shop-ca"]
    assert store.reads == 1
