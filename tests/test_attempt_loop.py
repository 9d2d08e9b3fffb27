"""The attempt loop over a ``MockTransport``: what it sends, how often, with which credential,
and what it spends of the retry budget. No sockets: every answer comes from a function."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.auth.token import AccessToken
from blaaiz_async.errors import (
    InsufficientScopeError,
    MalformedResponseError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from blaaiz_async.retry import RetryBudget, RetryPolicy
from blaaiz_async.scopes import ScopeBundle, format_scopes
from blaaiz_async.testing import HTTPRequest, HTTPResponse, MockTransport, TransportError

FAST = RetryPolicy(base_delay=0.001, max_delay=0.002)
WALLETS = json.dumps({"data": [{"id": "w1", "currency": "NGN", "amount": "1"}]}).encode()
PAYOUT = {
    "wallet_id": "w1", "customer_id": "c1", "method": "bank_transfer",
    "from_currency_id": "NGN", "to_currency_id": "NGN", "from_amount": "10",
    "bank_id": "058", "account_number": "0123456789",
}  # fmt: skip
Answer = Callable[[HTTPRequest], HTTPResponse]


def path_of(request: HTTPRequest) -> str:
    return request.url.split("://", 1)[1].split("/", 1)[1].split("?")[0]


FULL = format_scopes(ScopeBundle.FULL_ACCESS.scopes)


def api(routes: dict[str, Answer], scope: str = FULL) -> MockTransport:
    """The token endpoint grants ``scope``; other paths answer by ``routes``."""

    def handle(request: HTTPRequest) -> HTTPResponse:
        path = path_of(request)
        if path == "oauth/token":
            body = {"access_token": "tok-0123456789", "expires_in": 600, "scope": scope}
            return HTTPResponse(200, {}, json.dumps(body).encode())
        return routes[f"{request.method} /{path}"](request)

    return MockTransport(handle)


def client_for(transport: MockTransport, **kw: Any) -> BlaaizClient:
    kw.setdefault("retry", FAST)
    return BlaaizClient(
        client_id="c", client_secret="s", base_url="https://api.test", transport=transport, **kw
    )


def api_calls(transport: MockTransport) -> list[str]:
    return [f"{r.method} /{path_of(r)}" for r in transport.requests if "oauth" not in r.url]


def drop(_: HTTPRequest) -> HTTPResponse:
    raise TransportError("server closed the connection", host="api.test", sent=True)


# -- time and budget ---------------------------------------------------------------------------


async def test_a_wait_past_the_calls_timeout_is_not_taken() -> None:
    transport = api(
        {"GET /api/external/wallet": lambda _: HTTPResponse(429, {"Retry-After": "5"}, b"{}")}
    )
    policy = RetryPolicy(max_retries=1, retry_after_cap=5.0)
    async with client_for(transport, retry=policy) as client:
        with pytest.raises(RateLimitError, match="longer than the call's remaining"):
            await client.with_options(timeout=1.0).wallets.list()
    assert api_calls(transport) == ["GET /api/external/wallet"]


async def test_a_success_earns_retry_budget_back() -> None:
    transport = api({"GET /api/external/wallet": lambda _: HTTPResponse(200, {}, WALLETS)})
    budget = RetryBudget(capacity=10, ratio=0.5)
    budget.tokens = 5.0  # exactly half: retries are off
    async with client_for(transport, retry_budget=budget) as client:
        assert not budget.allows_retry
        await client.wallets.list()
    assert budget.tokens == 5.5 and budget.allows_retry


async def test_retries_stay_off_until_successes_earn_them_back() -> None:
    answers = iter([503, 200, 200, 503, 200])

    def flaky(_: HTTPRequest) -> HTTPResponse:
        status = next(answers)
        return HTTPResponse(status, {}, WALLETS if status == 200 else b"{}")

    transport = api({"GET /api/external/wallet": flaky})
    budget = RetryBudget(capacity=4, ratio=0.5)
    budget.tokens = 2.0
    async with client_for(transport, retry_budget=budget) as client:
        with pytest.raises(ServerError):
            await client.wallets.list()  # budget spent: the 503 is not retried
        await client.wallets.list()
        await client.wallets.list()  # two successes: one retry earned
        await client.wallets.list()  # 503, retried, 200
    assert len(api_calls(transport)) == 5


async def test_a_view_of_a_view_keeps_the_headers_of_both() -> None:
    transport = api({"GET /api/external/wallet": lambda _: HTTPResponse(200, {}, WALLETS)})
    async with client_for(transport) as client:
        traced = client.with_options(headers={"X-Trace": "t1"})
        await traced.with_options(headers={"X-Tenant": "acme"}).wallets.list()
    (sent,) = [r for r in transport.requests if "oauth" not in r.url]
    assert sent.headers["X-Trace"] == "t1" and sent.headers["X-Tenant"] == "acme"
    assert sent.headers["Accept"] == "application/json"


# -- the escape hatch is guarded like the route it reaches ------------------------------------


async def test_the_escape_hatch_never_resends_a_payout_whose_answer_was_lost() -> None:
    transport = api({"POST /api/external/payout": drop})
    async with client_for(transport) as client:
        with pytest.raises(OutcomeUnknownError) as info:
            await client.request("POST", "/api/external/payout", json={
                **PAYOUT, "merchant_reference": "order-77",
            })  # fmt: skip
    assert info.value.merchant_reference == "order-77"
    assert api_calls(transport) == ["POST /api/external/payout"]


async def test_the_escape_hatch_checks_the_scopes_of_the_route_it_reaches() -> None:
    transport = api({}, scope="wallet:read")
    async with client_for(transport) as client:
        with pytest.raises(InsufficientScopeError, match="payout:create"):
            await client.request("POST", "api/external/payout", json=PAYOUT)
    assert api_calls(transport) == []


# -- scopes are checked before any I/O ----------------------------------------------------------


async def test_a_route_outside_the_requested_scopes_is_refused_before_a_token_is_fetched() -> None:
    transport = api({})
    async with client_for(transport, scopes="wallet:read") as client:
        with pytest.raises(InsufficientScopeError):
            await client.payouts.create(**PAYOUT)  # type: ignore[arg-type]
    assert transport.requests == []


async def test_ensure_checks_the_granted_lookup_scope_before_any_payout() -> None:
    # scopes=None asks for whatever the credential grants: the token says what that is.
    transport = api({"POST /api/external/payout": drop}, scope="payout:create")
    async with client_for(transport) as client:
        with pytest.raises(InsufficientScopeError, match="transaction:read"):
            await client.payouts.ensure(**PAYOUT)  # type: ignore[arg-type]
    assert api_calls(transport) == []


# -- the credential of each attempt -------------------------------------------------------------


class Tokens:
    """A token provider that hands out ``tokens`` in turn and records what it is told."""

    def __init__(self, *tokens: AccessToken) -> None:
        self.tokens = list(tokens)
        self.invalidated: list[str] = []

    async def get_token(self) -> AccessToken:
        return self.tokens[0]

    async def invalidate(self, token: AccessToken) -> None:
        self.invalidated.append(token.value)
        self.next()

    def next(self) -> None:
        if len(self.tokens) > 1:
            self.tokens.pop(0)

    async def aclose(self) -> None:
        return None


def token(value: str, *, expires_in: float = 600.0) -> AccessToken:
    now = time.time()
    return AccessToken(
        value=value,
        expires_at=now + expires_in,
        refresh_at=now + expires_in / 2,
        scopes=ScopeBundle.FULL_ACCESS.scopes,
    )


def bearer_of(request: HTTPRequest) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


async def test_each_attempt_carries_the_providers_current_token() -> None:
    provider = Tokens(token("first-token"), token("second-token"))
    transport = MockTransport(lambda _: HTTPResponse(200, {}, WALLETS))
    async with BlaaizClient(
        token_provider=provider, base_url="https://api.test", transport=transport
    ) as client:
        await client.wallets.list()
        provider.next()  # renewed in the provider's own time, no 401 involved
        await client.wallets.list()
    assert [bearer_of(r) for r in transport.requests] == ["first-token", "second-token"]


async def test_a_token_that_expired_in_flight_is_renewed_without_being_reported_rejected() -> None:
    provider = Tokens(token("stale-token", expires_in=-1.0), token("fresh-token"))

    def wallets(request: HTTPRequest) -> HTTPResponse:
        if bearer_of(request) == "stale-token":
            provider.next()  # the provider renews an expired token by itself
            return HTTPResponse(401, {}, b'{"message": "Unauthenticated."}')
        return HTTPResponse(200, {}, WALLETS)

    transport = MockTransport(wallets)
    async with BlaaizClient(
        token_provider=provider, base_url="https://api.test", transport=transport
    ) as client:
        await client.wallets.list()
    assert [bearer_of(r) for r in transport.requests] == ["stale-token", "fresh-token"]
    assert provider.invalidated == []  # an expired token is no rejected one


# -- secrets in what the server answers --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/external/wallet"), ("POST", "/api/external/payout")]
)
async def test_a_2xx_that_echoes_the_bearer_token_is_masked(method: str, path: str) -> None:
    echo = b"upstream said: Authorization: Bearer tok-0123456789"
    transport = api({f"{method} {path}": lambda _: HTTPResponse(200, {}, echo)})
    async with client_for(transport) as client:
        with pytest.raises(MalformedResponseError) as via_route:
            if method == "GET":
                await client.wallets.list()
            else:
                await client.payouts.create(**PAYOUT)  # type: ignore[arg-type]
        with pytest.raises(MalformedResponseError) as via_hatch:
            await client.request(method, path, json=PAYOUT if method == "POST" else None)
    for error in (via_route.value, via_hatch.value):
        for text in (str(error), repr(error.body), repr(vars(error)), repr(error.args)):
            assert "tok-0123456789" not in text


async def test_an_api_key_the_api_echoes_is_masked() -> None:
    key = "legacy-key-9876543210"

    def refuse(request: HTTPRequest) -> HTTPResponse:
        given = request.headers["x-blaaiz-api-key"]
        return HTTPResponse(403, {}, json.dumps({"message": f"key {given} is disabled"}).encode())

    transport = MockTransport(refuse)
    with pytest.warns(DeprecationWarning):
        client = BlaaizClient(api_key=key, base_url="https://api.test", transport=transport)
    async with client:
        with pytest.raises(PermissionDeniedError) as info:
            await client.wallets.list()
    assert key not in str(info.value) and key not in repr(vars(info.value))
    assert "***" in str(info.value)
