"""The account's rate budget on the request path: what the server says, what the fleet does."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any

import pytest

from blaaiz_async import BlaaizClient, RateLimit
from blaaiz_async.auth import FileTokenStore, RedisTokenStore
from blaaiz_async.cli.fleet import FleetSpec, run_fleet
from blaaiz_async.core import MAX_SERVER_PAUSE, server_pause
from blaaiz_async.errors import OutcomeUnknownError, RateLimitError
from blaaiz_async.models.converter import loads
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.routes import ROUTES
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.testing import HTTPRequest, MockTransport
from blaaiz_async.transport import HTTPResponse
from tests.redis_support import RedisServer
from tests.test_client_sandbox import payout_args

NOW = 1_000_000.0


@pytest.mark.parametrize(
    ("status", "headers", "until"),
    [
        (200, {"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": str(NOW + 30)}, None),
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(NOW + 30)}, NOW + 30),
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(NOW - 5)}, None),
        (200, {"X-RateLimit-Remaining": "0"}, None),
        (429, {"Retry-After": "7"}, NOW + 7),
        (429, {"X-RateLimit-Reset": str(NOW + 12)}, NOW + 12),
        (429, {}, NOW + 1),
        # a hostile or broken header cannot stop the fleet for long
        (429, {"Retry-After": "99999999"}, NOW + MAX_SERVER_PAUSE),
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1e30"}, NOW + MAX_SERVER_PAUSE),
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "nan"}, None),
    ],
)
def test_when_the_server_asks_the_account_to_pause(
    status: int, headers: dict[str, str], until: float | None
) -> None:
    assert server_pause(HTTPResponse(status, headers), NOW) == until


def test_endpoint_limits_come_from_the_route_table() -> None:
    assert ROUTES["compliance.get_document"].limits == (RateLimit(30, 60.0), RateLimit(600, 3600.0))
    assert ROUTES["signa_id.create_release_request"].limits == (RateLimit(30, 60.0),)
    assert ROUTES["signa_id.exchange_release_code"].limits == (RateLimit(30, 60.0),)
    assert ROUTES["wallets.list"].limits == ()


async def test_the_default_client_keeps_the_documented_limit(sandbox: Sandbox) -> None:
    client_id, secret = sandbox.add_client()
    async with BlaaizClient(client_id=client_id, client_secret=secret, base_url=sandbox.url) as c:
        assert c._pipeline.gate is not None
        budget = c._pipeline.gate.account_budget
        assert budget.limit == RateLimit(100, per=60.0)  # type: ignore[attr-defined]
        for _ in range(100):
            await c.wallets.list()
        # the 101st would wait for the first slot to leave the window: refused, nothing sent
        with pytest.raises(RateLimitError, match="refused locally"):
            await c.with_options(timeout=5).wallets.list()
    assert sandbox.count("wallets.list") == 100


async def test_a_429_pauses_the_budget_and_the_call_is_resent(sandbox: Sandbox) -> None:
    client_id, secret = sandbox.add_client()
    sandbox.fail_next("payouts.create", status=429, headers={"Retry-After": "1"})
    async with BlaaizClient(
        client_id=client_id, client_secret=secret, base_url=sandbox.url,
        retry=RetryPolicy(max_retries=2), rate_limit=RateLimit(50, per=10.0),
    ) as c:  # fmt: skip
        started = asyncio.get_running_loop().time()
        tx = await c.payouts.create(**payout_args(sandbox))  # type: ignore[arg-type]
        waited = asyncio.get_running_loop().time() - started
        started = asyncio.get_running_loop().time()
        await c.wallets.list()  # after the pause ended: no wait
        after = asyncio.get_running_loop().time() - started
    assert tx.id and sandbox.count("payouts.create") == 2
    assert waited >= 0.9 and after < 0.5


async def test_a_payout_processed_then_dropped_is_an_unknown_outcome_counted_once(
    sandbox: Sandbox,
) -> None:
    client_id, secret = sandbox.add_client()
    sandbox.drop_after_processing("payouts.create")
    async with BlaaizClient(client_id=client_id, client_secret=secret, base_url=sandbox.url) as c:
        with pytest.raises(OutcomeUnknownError) as info:
            await c.payouts.create(**payout_args(sandbox, merchant_reference="lost-1"))  # type: ignore[arg-type]
        assert info.value.merchant_reference == "lost-1" and info.value.retryable is False
        found = await c.transactions.get("lost-1")
    assert found.merchant_reference == "lost-1"
    assert sandbox.count("payouts.create") == 1


async def test_a_get_answered_503_then_200_succeeds(sandbox: Sandbox) -> None:
    client_id, secret = sandbox.add_client()
    sandbox.fail_next("wallets.list", status=503)
    async with BlaaizClient(
        client_id=client_id, client_secret=secret, base_url=sandbox.url,
        retry=RetryPolicy(base_delay=0.01, max_delay=0.02),
    ) as c:  # fmt: skip
        assert await c.wallets.list()
    assert sandbox.count("wallets.list") == 2


async def test_a_thousand_coroutines_through_the_redis_budget(redis_server: RedisServer) -> None:
    async with Sandbox() as sb:
        client_id, secret = sb.add_client()
        store = RedisTokenStore.from_url(redis_server.url)
        async with BlaaizClient(
            client_id=client_id, client_secret=secret, base_url=sb.url, token_store=store,
            rate_limit=RateLimit(5000, per=60.0),
        ) as c:  # fmt: skip
            results = await asyncio.gather(
                *(c.wallets.list() for _ in range(1000)), return_exceptions=True
            )
        await store.aclose()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []


def _store(kind: str, tmp_path: Path, redis_server: RedisServer) -> Any:
    if kind == "file":
        return functools.partial(FileTokenStore, tmp_path / "token.json")
    return functools.partial(RedisTokenStore.from_url, redis_server.url)


@pytest.mark.parametrize("kind", ["file", "redis"])
async def test_a_fleet_far_over_the_budget_gets_no_429_and_uses_it(
    kind: str, tmp_path: Path, redis_server: RedisServer
) -> None:
    n, per, seconds = 20, 2.0, 4.0
    async with Sandbox(rate_limit=n, rate_window=per) as sb:
        cid, secret = sb.add_client()
        spec = FleetSpec(
            url=sb.url, client_id=cid, client_secret=secret,
            store=_store(kind, tmp_path, redis_server), concurrency=10, duration=seconds,
            rate_limit=RateLimit(n, per=per),
        )  # fmt: skip
        report = await run_fleet(spec, processes=4)
        served = sb.count("wallets.list", 200)
        throttled = sb.count("wallets.list", 429)
    # 40 callers asking non-stop: the budget allows n per `per` seconds, and the fleet uses
    # it: a burst of n at once, then n per window for as long as the callers kept coming
    allowed = n * (1 + report.elapsed // per)
    print(f"{kind}: served {served} of {allowed:.0f} in {report.elapsed:.1f}s, 429s {throttled}")
    assert throttled == 0
    assert served >= 0.9 * allowed
    assert report.errors.keys() <= {"RateLimitError"}  # refused locally at the end, if any


async def test_a_fleet_configured_over_the_real_limit_recovers_from_the_headers(
    redis_server: RedisServer,
) -> None:
    n, per = 10, 2.0
    async with Sandbox(rate_limit=n, rate_window=per) as sb:
        cid, secret = sb.add_client()
        spec = FleetSpec(
            url=sb.url, client_id=cid, client_secret=secret,
            store=functools.partial(RedisTokenStore.from_url, redis_server.url),
            concurrency=5, duration=6.0, pause=0.05, rate_limit=RateLimit(2 * n, per=per),
        )  # fmt: skip
        report = await run_fleet(spec, processes=3)
        served = sb.count("wallets.list", 200)
        throttled = sb.count("wallets.list", 429)
    print(f"served {served}, throttled {throttled}")
    assert report.failed == 0, report.errors
    assert served > 0 and throttled <= 0.25 * served


async def test_a_payout_that_timed_out_went_through_and_is_found(sandbox: Sandbox) -> None:
    # Like the real API, the sandbox finishes a request whose client went away.
    client_id, secret = sandbox.add_client()
    sandbox.set_latency(0.6, "payouts.create")
    async with BlaaizClient(
        client_id=client_id, client_secret=secret, base_url=sandbox.url, rate_limit=None
    ) as c:
        with pytest.raises(OutcomeUnknownError, match="timed out") as info:
            await c.with_options(timeout=0.3).payouts.create(**payout_args(sandbox))  # type: ignore[arg-type]
        reference = info.value.merchant_reference
        assert reference is not None  # generated, since the caller gave none
        await asyncio.sleep(0.6)
        found = await c.transactions.get(reference)
    assert found.merchant_reference == reference
    assert sandbox.count("payouts.create") == 1


async def test_a_collection_carries_a_generated_reference() -> None:
    sent: list[Any] = []

    def answer(request: HTTPRequest) -> HTTPResponse:
        if request.url.endswith("/oauth/token"):
            return HTTPResponse(200, {}, b'{"access_token": "t", "expires_in": 600}')
        sent.append(loads(request.body))  # type: ignore[arg-type]
        return HTTPResponse(200, {}, b'{"message": "ok", "transaction_id": "c1", "url": "u"}')

    async with BlaaizClient(
        client_id="c", client_secret="s", base_url="https://api.test",
        transport=MockTransport(answer), rate_limit=None,
    ) as c:  # fmt: skip
        await c.collections.create(method="open_banking", amount="100", wallet_id="w")
        await c.collections.create(
            method="open_banking", amount="100", wallet_id="w", merchant_reference="mine"
        )
    assert str(sent[0]["merchant_reference"]).startswith("blaaiz-")
    assert sent[1]["merchant_reference"] == "mine"
