"""Each token store hands out the budget of its kind; a store without one gets memory."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from redis.asyncio import Redis

from blaaiz_async.auth import FileTokenStore, MemoryTokenStore, RedisTokenStore
from blaaiz_async.errors import RateLimitError
from blaaiz_async.limits import (
    FileRateBudget,
    MemoryRateBudget,
    RateBudget,
    RateLimit,
    RedisRateBudget,
    budget_for,
)
from tests.redis_support import RedisServer

LIMIT = RateLimit(1, per=30.0)
KEY = "api-dev.blaaiz.com|client-1"


async def refused(budget: RateBudget) -> None:
    with pytest.raises(RateLimitError):
        await budget.acquire(max_wait=0)


async def test_clients_on_separate_memory_stores_of_one_process_share_the_budget() -> None:
    first = budget_for(MemoryTokenStore(), KEY + "|mem", LIMIT)
    second = budget_for(MemoryTokenStore(), KEY + "|mem", LIMIT)
    assert isinstance(first, MemoryRateBudget)
    await first.acquire(max_wait=0)
    await refused(second)
    await budget_for(MemoryTokenStore(), KEY + "|mem-other", LIMIT).acquire(max_wait=0)


async def test_a_custom_store_without_rate_budget_gets_a_memory_budget_per_key() -> None:
    class Custom:  # a TokenStore need not know about budgets
        pass

    first = budget_for(Custom(), KEY + "|custom", LIMIT)
    assert isinstance(first, MemoryRateBudget)
    await first.acquire(max_wait=0)
    await refused(budget_for(Custom(), KEY + "|custom", LIMIT))
    await refused(budget_for(MemoryTokenStore(), KEY + "|custom", LIMIT))  # the same process log


async def test_file_stores_on_one_path_share_a_state_file_beside_the_token_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens" / "blaaiz.json"
    first = budget_for(FileTokenStore(path), KEY, LIMIT)
    assert isinstance(first, FileRateBudget)
    assert first.path.parent == path.parent
    assert first.path.name.startswith("blaaiz.json.") and first.path.name.endswith(".rate.json")
    assert "client-1" not in first.path.name  # the key is hashed into the name
    assert FileTokenStore(path).rate_budget(KEY + "x", LIMIT).path != first.path
    await first.acquire(max_wait=0)
    await refused(budget_for(FileTokenStore(path), KEY, LIMIT))
    await refused(FileTokenStore(path).rate_budget(KEY, LIMIT))


async def test_redis_stores_share_the_budget_with_hash_tagged_keys_like_the_tokens(
    redis_server: RedisServer,
) -> None:
    client = Redis.from_url(redis_server.url)
    own = RedisTokenStore.from_url(redis_server.url, prefix="app")
    try:
        given = budget_for(RedisTokenStore(client, prefix="app"), KEY, LIMIT)
        assert isinstance(given, RedisRateBudget)
        assert given.keys[0] == f"app:{{{KEY}}}:rate"
        await given.acquire(max_wait=0)
        await refused(own.rate_budget(KEY, LIMIT))  # the store's own per-loop client
        assert [k async for k in client.scan_iter("app:*")] == [given.keys[0].encode()]
    finally:
        await own.aclose()
        await client.aclose()


def test_a_redis_store_budget_follows_the_store_across_event_loops(
    redis_server: RedisServer,
) -> None:
    store = RedisTokenStore.from_url(redis_server.url)
    budget = store.rate_budget(KEY, RateLimit(2, per=30.0))

    async def once(expect_refusal: bool) -> None:
        try:
            if expect_refusal:
                await refused(budget)
            else:
                await budget.acquire(max_wait=0)
        finally:
            await store.aclose()

    asyncio.run(once(False))
    asyncio.run(once(False))
    asyncio.run(once(True))
