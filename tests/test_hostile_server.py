"""A hostile API server over a real loopback socket: every answer ends in a typed error.

Each test runs a tiny aiohttp server that answers the token request normally and one API
route the way a broken or hostile server would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import TOO_DEEP, MalformedResponseError, ServerError
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.sandbox import Sandbox
from tests.test_hostile_token_endpoint import serve

DEEP = b"[" * 100_000 + b"]" * 100_000
NO_RETRY = RetryPolicy(max_retries=0)


def api(
    path: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.Application:
    async def token(_: web.Request) -> web.Response:
        return web.json_response({"access_token": "tok-abc123", "expires_in": 600})

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    app.router.add_route("*", path, handler)
    return app


async def test_a_success_answer_nested_100_000_levels_is_malformed() -> None:
    async def wallets(_: web.Request) -> web.Response:
        return web.Response(body=DEEP, content_type="application/json")

    async with serve(api("/api/external/wallet", wallets)) as url:
        async with BlaaizClient(client_id="c", client_secret="s", base_url=url) as client:
            with pytest.raises(MalformedResponseError) as info:
                await client.wallets.list()
    assert info.value.status == 200 and "not JSON" in str(info.value)


async def test_an_error_answer_nested_100_000_levels_keeps_its_status_type() -> None:
    async def wallets(_: web.Request) -> web.Response:
        return web.Response(status=503, body=DEEP, content_type="application/json")

    async with serve(api("/api/external/wallet", wallets)) as url:
        async with BlaaizClient(
            client_id="c", client_secret="s", base_url=url, retry=NO_RETRY
        ) as client:
            with pytest.raises(ServerError) as info:
                await client.wallets.list()
    assert info.value.status == 503 and info.value.body == TOO_DEEP


async def test_the_sandbox_answers_a_request_body_nested_100_000_levels_with_400(
    sandbox: Sandbox,
) -> None:
    client_id, secret = sandbox.add_client()
    async with aiohttp.ClientSession() as session:
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        async with session.post(sandbox.url + "/oauth/token", data=form) as resp:
            token = (await resp.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with session.post(
            sandbox.url + "/api/external/payout", data=DEEP, headers=headers
        ) as resp:
            assert resp.status == 400
            assert "Malformed JSON" in (await resp.json())["message"]
        async with session.get(sandbox.url + "/api/external/wallet", headers=headers) as resp:
            assert resp.status == 200  # still serving
