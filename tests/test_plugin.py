"""The pytest plugin users get: fixtures served by the installed ``pytest11`` entry point."""

from __future__ import annotations

from blaaiz_async import BlaaizClient
from blaaiz_async.sandbox import Sandbox


async def test_plugin_fixtures(blaaiz_sandbox: Sandbox, blaaiz_client: BlaaizClient) -> None:
    assert blaaiz_client.base_url == blaaiz_sandbox.url
    wallets = await blaaiz_client.wallets.list()
    assert {w.currency for w in wallets} >= {"NGN", "USD"}
    assert blaaiz_sandbox.token_requests == 1
