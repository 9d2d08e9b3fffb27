"""Item 21: an answer over ``max_response_bytes`` is refused unread, as the route's error.

A tiny aiohttp server on 127.0.0.1 answers 40 MB, streamed without Content-Length or
declared with it; the client stops at its cap, and tells how much of the body it read by
how much the server managed to write before the connection went away.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import MalformedResponseError
from blaaiz_async.transport import ResponseTooLargeError

CHUNK = b"x" * 65536
TOTAL = 40 * 1024 * 1024
CAP = 1024 * 1024


@contextlib.asynccontextmanager
async def huge_api(
    *, declared: bool, status: int = 200
) -> AsyncIterator[tuple[str, dict[str, int]]]:
    sent = {"bytes": 0}

    async def token(_: web.Request) -> web.Response:
        return web.json_response(
            {"access_token": "tok-21", "expires_in": 600, "scope": "wallet:read payout:create"}
        )

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
        if declared:
            response.content_length = TOTAL
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            while sent["bytes"] < TOTAL:
                await response.write(CHUNK)
                sent["bytes"] += len(CHUNK)
        return response

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    app.router.add_get("/api/external/wallet", huge)
    app.router.add_post("/api/external/payout", huge)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", sent
    finally:
        await runner.cleanup()


def client(url: str, **kw: Any) -> BlaaizClient:
    return BlaaizClient(
        client_id="c", client_secret="s", base_url=url, rate_limit=None,
        max_response_bytes=CAP, **kw,
    )  # fmt: skip


@pytest.mark.parametrize("declared", [False, True])
async def test_a_40_mb_answer_is_refused_with_the_limit_and_not_read_whole(
    declared: bool,
) -> None:
    async with huge_api(declared=declared) as (url, sent), client(url) as c:
        with pytest.raises(ResponseTooLargeError) as info:
            await c.wallets.list()
    error = info.value
    assert isinstance(error, MalformedResponseError)
    assert f"max_response_bytes={CAP}" in error.message
    assert error.route == "wallets.list"
    assert "may have acted" not in error.message  # a read: nothing to look up
    assert sent["bytes"] < TOTAL  # the client stopped reading; the server could not finish


@pytest.mark.parametrize("declared", [False, True])
@pytest.mark.parametrize("status", [200, 500])
async def test_a_40_mb_answer_to_a_payout_says_it_may_have_executed(
    declared: bool, status: int
) -> None:
    async with huge_api(declared=declared, status=status) as (url, sent), client(url) as c:
        with pytest.raises(ResponseTooLargeError) as info:
            await c.payouts.create(
                wallet_id="w1", customer_id="c1", method="bank_transfer",
                from_currency_id="NGN", to_currency_id="NGN", from_amount="10",
                bank_id="058", account_number="0123456789", merchant_reference="order-21",
            )  # fmt: skip
    error = info.value
    assert f"max_response_bytes={CAP}" in error.message
    assert "the server may have acted on the request" in error.message
    assert "merchant_reference 'order-21'" in error.message
    assert error.merchant_reference == "order-21" and error.route == "payouts.create"
    assert sent["bytes"] < TOTAL


async def test_the_default_cap_is_the_transport_default() -> None:
    from blaaiz_async.transport import DEFAULT_MAX_RESPONSE_BYTES, AiohttpTransport

    c = BlaaizClient(client_id="c", client_secret="s", base_url="http://127.0.0.1:9")
    api, token = c._transports
    assert isinstance(api, AiohttpTransport) and isinstance(token, AiohttpTransport)
    assert api.max_response_bytes == token.max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES
    await c.aclose()
