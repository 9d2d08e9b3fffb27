"""The engine's seams: a mock transport drives whole calls with no socket, a user's own
aiohttp session carries every request, ``with_options`` makes a light view."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import (
    APIConnectionError,
    InsufficientScopeError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
)
from blaaiz_async.retry import RetryBudget, RetryPolicy
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.testing import HTTPRequest, HTTPResponse, MockTransport, TransportError

WALLETS = {"data": [{"id": "w1", "currency": "NGN", "amount": "1000.50"}]}
FAST = RetryPolicy(base_delay=0.001, max_delay=0.002)


def api(routes: dict[str, Callable[[HTTPRequest], HTTPResponse]], scope: str) -> MockTransport:
    """A fake API: the token endpoint grants ``scope``; other paths by ``routes``."""

    def handle(request: HTTPRequest) -> HTTPResponse:
        path = request.url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
        if path == "oauth/token":
            body = {"access_token": "tok", "expires_in": 600, "scope": scope}
            return HTTPResponse(200, {}, json.dumps(body).encode())
        return routes[f"{request.method} /{path}"](request)

    return MockTransport(handle)


def client_for(transport: MockTransport, **kw: Any) -> BlaaizClient:
    return BlaaizClient(
        client_id="c", client_secret="s", base_url="https://api.test", transport=transport,
        retry=FAST, rate_limit=None, **kw,
    )  # fmt: skip


async def test_a_mock_transport_drives_guard_auth_retry_and_errors() -> None:
    answers = iter(
        [HTTPResponse(503, {}, b"{}"), HTTPResponse(200, {}, json.dumps(WALLETS).encode())]
    )
    transport = api(
        {
            "GET /api/external/wallet": lambda _: next(answers),
            "GET /api/external/wallet/missing": lambda _: HTTPResponse(
                404, {}, b'{"message": "Wallet not found"}'
            ),
        },
        scope="wallet:read",
    )
    async with client_for(transport) as client:
        (wallet,) = await client.wallets.list()  # 503, retried, then 200
        with pytest.raises(NotFoundError, match="Wallet not found"):
            await client.wallets.get("missing")
        with pytest.raises(InsufficientScopeError):  # granted wallet:read only
            await client.payouts.create(
                wallet_id="w1", customer_id="c1", method="bank_transfer",
                from_currency_id="NGN", to_currency_id="NGN", from_amount="10",
                bank_id="058", account_number="0123456789",
            )  # fmt: skip
    assert str(wallet.amount) == "1000.50"
    sent = [r.url.split("test", 1)[1] for r in transport.requests]
    assert sent == ["/oauth/token", "/api/external/wallet", "/api/external/wallet",
                    "/api/external/wallet/missing"]  # fmt: skip
    assert transport.requests[1].headers["Authorization"] == "Bearer tok"


async def test_a_payout_whose_connection_drops_is_an_unknown_outcome() -> None:
    def drop(_: HTTPRequest) -> HTTPResponse:
        raise TransportError("server closed the connection", host="api.test", sent=True)

    transport = api({"POST /api/external/payout": drop}, scope="payout:create")
    async with client_for(transport) as client:
        with pytest.raises(OutcomeUnknownError) as info:
            await client.payouts.create(
                wallet_id="w1", customer_id="c1", method="bank_transfer",
                from_currency_id="NGN", to_currency_id="NGN", from_amount="10",
                bank_id="058", account_number="0123456789", merchant_reference="order-7",
            )  # fmt: skip
    assert info.value.merchant_reference == "order-7"
    assert [r.method for r in transport.requests] == ["POST", "POST"]  # token, one payout


async def test_with_options_changes_one_view_only() -> None:
    calls: list[HTTPRequest] = []

    def failing(request: HTTPRequest) -> HTTPResponse:
        calls.append(request)
        return HTTPResponse(503, {}, b"{}")

    transport = api({"GET /api/external/wallet": failing}, scope="wallet:read")
    async with client_for(transport) as client:
        view = client.with_options(max_retries=0, headers={"X-Trace": "t1"}, timeout=5)
        with pytest.raises(ServerError):
            await view.wallets.list()
        assert len(calls) == 1 and calls[0].headers["X-Trace"] == "t1"
        assert calls[0].timeout == 5
        await view.aclose()  # a view owns nothing
        with pytest.raises(ServerError):
            await client.wallets.list()
        assert len(calls) == 4 and "X-Trace" not in calls[1].headers
        assert view.wallets is not client.wallets


async def test_connection_errors_name_the_host_and_cause() -> None:
    with pytest.warns(DeprecationWarning):
        client = BlaaizClient(
            api_key="key-123", base_url="http://127.0.0.1:9", retry=RetryPolicy(max_retries=0)
        )
    async with client:
        with pytest.raises(APIConnectionError) as info:
            await client.wallets.list()
    assert "connection refused" in str(info.value) and "127.0.0.1:9" in str(info.value)
    assert "key-123" not in repr(vars(info.value))


async def test_a_users_session_carries_every_request_and_stays_open(sandbox: Sandbox) -> None:
    started: list[str] = []

    async def on_start(
        _: Any, __: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        started.append(params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    client_id, secret = sandbox.add_client()
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        async with BlaaizClient(
            client_id=client_id, client_secret=secret, base_url=sandbox.url, http_session=session
        ) as client:
            await client.wallets.list()
        assert not session.closed
    assert started == ["/oauth/token", "/api/external/wallet"]


async def test_a_failing_api_gets_a_share_more_traffic_not_every_retry() -> None:
    def down(_: HTTPRequest) -> HTTPResponse:
        return HTTPResponse(503, {}, b'{"message": "down"}')

    transport = api({"GET /api/external/wallet": down}, scope="wallet:read")
    budget = RetryBudget(capacity=20, ratio=0.1)
    async with client_for(transport, retry_budget=budget) as client:
        for _ in range(100):
            with pytest.raises(ServerError):
                await client.wallets.list()
    calls = len(transport.requests) - 1  # the token request
    assert calls <= 100 + 10  # without the budget: 300 (each call and its two retries)


async def test_a_429_storm_does_not_spend_the_retry_budget() -> None:
    answers = iter(
        [HTTPResponse(429, {"Retry-After": "0"}, b"{}")] * 30
        + [HTTPResponse(200, {}, json.dumps(WALLETS).encode())]
    )
    transport = api({"GET /api/external/wallet": lambda _: next(answers)}, scope="wallet:read")
    budget = RetryBudget(capacity=4, ratio=0.1)
    async with client_for(transport, retry_budget=budget) as client:
        assert await client.wallets.list()  # 30 429s waited out
    assert budget.tokens == 4  # none spent: 5xx retries stay available after a 429 storm
