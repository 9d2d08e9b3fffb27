"""Sandbox set-up for people: credentials fixed so a .env outlives a restart, and a request
log that shows method, path and status and nothing secret."""

from __future__ import annotations

import logging

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.config import ConfigurationError
from blaaiz_async.sandbox import Sandbox


async def test_fixed_credentials_and_a_request_log_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with Sandbox(log_requests=True) as sb:
        cid, secret = sb.add_client("read-only", client_id="acme", client_secret="acme-s3cret")
        assert (cid, secret) == ("acme", "acme-s3cret")
        with caplog.at_level(logging.INFO, logger="blaaiz_async.sandbox.requests"):
            async with BlaaizClient(
                client_id=cid, client_secret=secret, base_url=sb.url, rate_limit=None
            ) as client:
                await client.request("GET", "/api/external/wallet", params={"q": "acme-s3cret"})
    lines = [r.getMessage() for r in caplog.records if r.name == "blaaiz_async.sandbox.requests"]
    assert lines[0].startswith("POST /oauth/token 200")
    assert lines[1].startswith("GET /api/external/wallet 200")
    assert not any("acme-s3cret" in line or "?" in line for line in lines)


@pytest.mark.parametrize("bad", ["", "two words", "tab\there"])
def test_a_fixed_credential_must_survive_the_token_form(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="client_secret"):
        Sandbox().add_client(client_id="acme", client_secret=bad)
