"""The provider against a hung token store and a jumping wall clock.

The breaker's decisions are a table on a fake clock; the wiring runs against a real
redis-server that is SIGSTOPped (hung, not dead: connections open, nothing answers).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from redis.asyncio import Redis

from blaaiz_async.auth import ClientCredentialsProvider
from blaaiz_async.auth import provider as provider_module
from blaaiz_async.auth.provider import StoreBreaker
from blaaiz_async.auth.stores.redis import RedisTokenStore, redis_keys
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.scopes import Scope
from tests.redis_support import RedisServer

T = TypeVar("T")
SCOPES = frozenset({Scope.WALLET_READ})

pytestmark = pytest.mark.timeout(60)


# -- the breaker, as a table --------------------------------------------------------------------

# Each step: (seconds since start, event, what allow() answers after it). Events: "ask"
# (allow(), then report nothing), "hang"/"fast"/"ok" (allow() was True, the call hung,
# failed fast or succeeded), "cancel" (the probe was cancelled).
BREAKER_CASES = {
    "closed-asks-always": [(0, "ask", True), (1, "fast", True), (2, "ok", True)],
    "a-hang-opens-it-for-5s": [(0, "hang", False), (4.9, "ask", False), (5.0, "ask", True)],
    "half-open-lets-one-probe": [(0, "hang", False), (5, "probe", False)],
    "a-failed-probe-doubles-the-skip": [
        (0, "hang", False),
        (5, "probe", False),
        (5, "hang", False),
        (14.9, "ask", False),
        (15, "ask", True),
    ],
    "the-skip-is-capped-at-30s": [
        (0, "hang", False),
        (5, "probe", False),
        (5, "hang", False),
        (15, "probe", False),
        (15, "hang", False),
        (35, "probe", False),
        (35, "hang", False),
        (64.9, "ask", False),
        (65, "ask", True),
    ],
    "a-good-probe-closes-it-and-resets-the-skip": [
        (0, "hang", False),
        (5, "probe", False),
        (5, "ok", True),
        (6, "hang", False),
        (11, "ask", True),
    ],
    "a-cancelled-probe-lets-the-next-probe": [
        (0, "hang", False),
        (5, "probe", False),
        (5, "cancel", True),
    ],
    "failing-fast-never-opens-it": [(0, "fast", True), (0, "fast", True)],
}


@pytest.mark.parametrize("steps", BREAKER_CASES.values(), ids=BREAKER_CASES.keys())
def test_store_breaker_decisions(steps: list[tuple[float, str, bool]]) -> None:
    now = [0.0]
    breaker = StoreBreaker(first=5.0, cap=30.0, clock=lambda: now[0])
    for at, event, expect in steps:
        now[0] = at
        if event == "probe":
            assert breaker.allow() is True  # this caller probes ...
        elif event == "hang":
            breaker.failed(hung=True)
        elif event == "fast":
            breaker.failed(hung=False)
        elif event == "ok":
            breaker.succeeded()
        elif event == "cancel":
            breaker.abandoned()
        assert breaker.allow() is expect, (at, event)  # ... and the others skip
        if expect and event != "ask":
            breaker.abandoned()  # that allow() was only a look


# -- a hung Redis ----------------------------------------------------------------------------


class CountingRedisStore(RedisTokenStore):
    """A real RedisTokenStore that counts the Redis round trips it starts."""

    calls = 0

    async def _call(self, op: Callable[[Any], Awaitable[T]]) -> T:
        self.calls += 1
        return await super()._call(op)


async def _timed(work: Awaitable[T]) -> tuple[T, float]:
    started = time.monotonic()
    result = await work
    return result, time.monotonic() - started


async def test_a_hung_redis_costs_one_timeout_and_then_is_not_asked(
    redis_server: RedisServer,
) -> None:
    async with Sandbox() as sb:
        cid, secret = sb.add_client()
        store = CountingRedisStore.from_url(redis_server.url)
        provider = ClientCredentialsProvider(
            client_id=cid, client_secret=secret, base_url=sb.url, scopes=SCOPES, store=store
        )
        assert redis_server.proc is not None
        redis_server.proc.send_signal(signal.SIGSTOP)
        try:
            # Before: load, lock SET, release after it, load, save: ~10 s, every time.
            first, elapsed = await _timed(provider.get_token())
            assert elapsed < 3.5
            calls = store.calls
            for _ in range(3):  # a 401 each: discard, then a new token (~12 s each before)
                await provider.invalidate(first)
                first, elapsed = await _timed(provider.get_token())
                assert elapsed < 1.0
            assert store.calls == calls  # the hung store was not asked again
            assert sb.token_requests == 4
        finally:
            redis_server.proc.send_signal(signal.SIGCONT)
        await provider.aclose()
        await store.aclose()


async def test_after_the_skip_one_probe_finds_redis_back_and_sharing_resumes(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_module, "STORE_SKIP_FIRST", 0.5)
    async with Sandbox() as sb:
        cid, secret = sb.add_client()
        store = CountingRedisStore.from_url(redis_server.url)
        provider = ClientCredentialsProvider(
            client_id=cid, client_secret=secret, base_url=sb.url, scopes=SCOPES, store=store
        )
        assert redis_server.proc is not None
        redis_server.proc.send_signal(signal.SIGSTOP)
        try:
            token = await provider.get_token()
        finally:
            redis_server.proc.send_signal(signal.SIGCONT)
        await asyncio.sleep(0.6)  # the skip is over: the next call probes
        await provider.invalidate(token)
        fresh = await provider.get_token()
        raw = Redis.from_url(redis_server.url)
        try:
            stored = await raw.get(redis_keys("blaaiz", provider.cache_key)[0])
        finally:
            await raw.aclose()
        assert stored is not None and (await store.load(provider.cache_key)) == fresh
        await provider.aclose()
        await store.aclose()


# -- a wall clock that jumps back ------------------------------------------------------------------


async def test_a_backward_clock_jump_does_not_pause_background_refresh(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid, secret = sandbox.add_client()
    provider = ClientCredentialsProvider(
        client_id=cid, client_secret=secret, base_url=sandbox.url, scopes=SCOPES
    )
    token = await provider.get_token()
    sandbox.fail_next("oauth.token", status=400, times=100)  # every refresh fails
    monkeypatch.setattr(provider_module, "_BACKGROUND_RETRY_DELAY", 0.05)
    real = time.time
    in_window = token.refresh_at - real() + 10  # past refresh_at, well before expiry

    async def refreshes(count: int) -> None:
        while sandbox.token_requests < count:
            await asyncio.sleep(0.01)

    monkeypatch.setattr(time, "time", lambda: real() + in_window)
    assert await provider.get_token() is token  # served, and refreshed in the background
    await asyncio.wait_for(refreshes(2), 5)
    monkeypatch.setattr(time, "time", lambda: real() + in_window - 5)  # the clock steps back
    await asyncio.sleep(0.1)  # longer than the retry delay
    assert await provider.get_token() is token
    await asyncio.wait_for(refreshes(3), 5)  # before: no try until the clock caught up
    await provider.aclose()
