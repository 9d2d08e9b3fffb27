"""RedisRateBudget against real redis-server processes: layout, load, clock, faults, Cluster."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis, RedisCluster
from redis.crc import key_slot

from blaaiz_async.errors import RateLimitError
from blaaiz_async.limits import RateLimit, RedisRateBudget
from blaaiz_async.limits._slots import RETRY_SHARED_AFTER
from blaaiz_async.limits.redis import budget_keys
from tests.redis_support import RedisCluster3, RedisServer, command, running_server

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def raw(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


def calls(port: int, name: str) -> int:
    """How many times the server ran command ``name`` (INFO commandstats)."""
    for line in command(port, "INFO", "commandstats").decode().splitlines():
        if line.startswith(f"cmdstat_{name}:"):
            fields = dict(part.split("=") for part in line.split(":", 1)[1].split(","))
            return int(fields["calls"])
    return 0


def limits_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "blaaiz_async.limits" and r.levelno >= logging.WARNING
    ]


async def refused_wait(budget: RedisRateBudget) -> float:
    with pytest.raises(RateLimitError) as info:
        await budget.acquire(max_wait=0)
    assert info.value.retry_after is not None
    return info.value.retry_after


def test_keys_share_one_hash_tag_and_escape_braces() -> None:
    keys = budget_keys("blaaiz", "acct|a1b2")
    assert keys == (
        "blaaiz:{acct|a1b2}:rate",
        "blaaiz:{acct|a1b2}:rate-free",
        "blaaiz:{acct|a1b2}:rate-pause",
    )
    assert len({key_slot(k.encode()) for k in keys}) == 1
    tricky = budget_keys("p", "a}b{c")
    assert all(k.startswith("p:{a%7Db%7Bc}:") for k in tricky)
    assert len({key_slot(k.encode()) for k in tricky}) == 1


@pytest.mark.parametrize(
    ("kwargs", "fix"),
    [
        ({"key": ""}, "non-empty"),
        ({"prefix": "a{b"}, "braces"),
        ({"op_timeout": 0}, "op_timeout"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": True}, "max_concurrency"),
    ],
)
async def test_bad_configuration_is_refused(
    raw: Redis, kwargs: dict[str, object], fix: str
) -> None:
    from blaaiz_async.config import ConfigurationError

    options: dict[str, object] = {"key": "acct"} | kwargs
    key = options.pop("key")
    with pytest.raises(ConfigurationError, match=fix):
        RedisRateBudget(raw, key, RateLimit(1), **options)  # type: ignore[arg-type]


def test_a_sync_client_is_refused_with_the_fix() -> None:
    from redis import Redis as SyncRedis

    from blaaiz_async.config import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"redis\.asyncio"):
        RedisRateBudget(SyncRedis(), "acct")  # type: ignore[arg-type]


async def test_keys_hold_slots_on_the_server_clock_and_expire(
    redis_server: RedisServer, raw: Redis
) -> None:
    budget = RedisRateBudget(raw, "acct", RateLimit(1, per=5.0))
    await budget.acquire()
    waiter = asyncio.ensure_future(budget.acquire())
    while await raw.zcard(budget.keys[0]) < 2:
        await asyncio.sleep(0.005)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await budget.pause_until(time.time() + 3)
    slots, free, pause = budget.keys
    assert sorted(await raw.keys("*")) == sorted(k.encode() for k in budget.keys)
    seconds, micros = await raw.time()
    server_now = seconds + micros / 1e6
    [(_, granted)] = await raw.zrange(slots, 0, -1, withscores=True)
    [(_, freed)] = await raw.zrange(free, 0, -1, withscores=True)
    assert server_now - 1 < granted <= server_now and freed == pytest.approx(granted + 5.0)
    assert 0 < await raw.pttl(slots) <= 11000  # the last slot reserved, one window, a margin
    assert 0 < await raw.pttl(free) <= 6000
    assert 0 < await raw.pttl(pause) <= 4000
    assert budget.server_clock


async def test_one_script_call_per_admission(redis_server: RedisServer, raw: Redis) -> None:
    budget = RedisRateBudget(raw, "acct", RateLimit(5, per=60.0))
    await budget.acquire()  # loads the script (NOSCRIPT, then EVAL) once
    before = calls(redis_server.port, "evalsha") + calls(redis_server.port, "eval")
    for _ in range(4):
        await budget.acquire()
    for _ in range(3):
        await refused_wait(budget)
    after = calls(redis_server.port, "evalsha") + calls(redis_server.port, "eval")
    assert after - before == 7


async def test_a_thousand_concurrent_callers_on_the_default_pool(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = Redis.from_url(redis_server.url)  # the pool at its default size
    assert client.connection_pool.max_connections == 100
    budget = RedisRateBudget(client, "acct-load", RateLimit(600, per=60.0))
    try:
        with caplog.at_level(logging.WARNING, logger="blaaiz_async.limits"):
            results = await asyncio.gather(
                *(budget.acquire(max_wait=0) for _ in range(1000)), return_exceptions=True
            )
        others = [r for r in results if r is not None and not isinstance(r, RateLimitError)]
        assert others == []
        assert results.count(None) == 600  # every grant and refusal decided by Redis
        assert not budget.degraded and limits_warnings(caplog) == []
        assert await client.zcard(budget.keys[0]) == 600
        assert calls(redis_server.port, "evalsha") == 1000
    finally:
        await budget.aclose()
        await client.aclose()


async def test_without_the_bound_a_thousand_callers_overflow_the_default_pool(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    # The load above is real: unbounded, the same callers exhaust redis-py's pool.
    client = Redis.from_url(redis_server.url)
    budget = RedisRateBudget(
        client, "acct-overflow", RateLimit(600, per=60.0), max_concurrency=1000
    )
    try:
        with caplog.at_level(logging.WARNING, logger="blaaiz_async.limits"):
            await asyncio.gather(
                *(budget.acquire(max_wait=0) for _ in range(1000)), return_exceptions=True
            )
        assert any("MaxConnectionsError" in w for w in limits_warnings(caplog))
    finally:
        await budget.aclose()
        await client.aclose()


async def test_corrupt_values_are_treated_as_empty(raw: Redis) -> None:
    budget = RedisRateBudget(raw, "acct", RateLimit(2, per=30.0))
    slots, free, pause = budget.keys
    await raw.set(slots, "garbage")
    await raw.rpush(free, "not", "a", "zset")
    await raw.set(pause, "soon")
    await budget.acquire(max_wait=0)
    await budget.acquire(max_wait=0)
    assert 29 < await refused_wait(budget) <= 30
    assert await raw.type(slots) == b"zset" and await raw.exists(free) == 0  # replaced
    await raw.set(pause, "inf")
    await raw.zadd(slots, {"forever": float("inf")})
    await refused_wait(budget)  # the two real slots still count; inf is dropped
    assert await raw.zscore(slots, "forever") is None


async def test_a_client_that_decodes_responses_works_too(redis_server: RedisServer) -> None:
    client = Redis.from_url(redis_server.url, decode_responses=True)
    try:
        budget = RedisRateBudget(client, "acct", RateLimit(1, per=30.0))
        await budget.acquire(max_wait=0)
        assert 29 < await refused_wait(budget) <= 30
    finally:
        await client.aclose()


@pytest.fixture
def no_time_server() -> Iterator[RedisServer]:
    """A server whose scripts cannot call TIME (the command is renamed away)."""
    yield from running_server(extra_args=("--rename-command", "TIME", ""))


async def test_a_server_whose_scripts_cannot_read_time_gets_the_client_clock(
    no_time_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = Redis.from_url(no_time_server.url)
    try:
        budget = RedisRateBudget(client, "acct", RateLimit(2, per=30.0))
        with caplog.at_level(logging.WARNING, logger="blaaiz_async.limits"):
            await budget.acquire(max_wait=0)
            await budget.acquire(max_wait=0)
            assert 29 < await refused_wait(budget) <= 30
            await budget.pause_until(time.time() + 60)
            assert 59 < await refused_wait(budget) <= 60
        assert not budget.server_clock and not budget.degraded
        assert len(limits_warnings(caplog)) == 1 and "clock" in limits_warnings(caplog)[0]
        [(_, slot), _] = await client.zrange(budget.keys[0], 0, -1, withscores=True)
        assert abs(slot - time.time()) < 5  # the host's epoch seconds
    finally:
        await client.aclose()


async def test_a_dead_redis_degrades_to_this_process_and_recovers(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = Redis.from_url(redis_server.url, socket_timeout=0.5, socket_connect_timeout=0.5)
    budget = RedisRateBudget(client, "acct-dies", RateLimit(2, per=30.0), op_timeout=1.0)
    try:
        with caplog.at_level(logging.INFO, logger="blaaiz_async.limits"):
            await budget.acquire(max_wait=0)
            redis_server.kill()
            await budget.acquire(max_wait=0)  # no error: this process limits itself
            assert budget.degraded
            await budget.acquire(max_wait=0)
            await refused_wait(budget)  # the local log has its own n
            await budget.pause_until(time.time() + 0.5)  # honoured locally while degraded
            redis_server.restart()  # same port, empty
            await asyncio.sleep(RETRY_SHARED_AFTER + 0.1)
            await budget.acquire(max_wait=0)
            assert not budget.degraded
            assert await client.zcard(budget.keys[0]) == 1  # shared again
        assert len(limits_warnings(caplog)) == 1
        assert "limits itself alone" in limits_warnings(caplog)[0]
        assert any("sharing resumed" in r.getMessage() for r in caplog.records)
    finally:
        await budget.aclose()
        await client.aclose()


async def test_a_pause_is_kept_locally_while_redis_is_down(redis_server: RedisServer) -> None:
    client = Redis.from_url(redis_server.url, socket_timeout=0.5, socket_connect_timeout=0.5)
    budget = RedisRateBudget(client, "acct-down-pause", RateLimit(100, per=30.0))
    try:
        redis_server.kill()
        await budget.pause_until(time.time() + 20)
        assert 19 < await refused_wait(budget) <= 20
    finally:
        await client.aclose()


@pytest.fixture(scope="module")
def cluster_ports(redis_cluster: RedisCluster3) -> Iterator[list[int]]:
    yield redis_cluster.ports


async def test_cluster(cluster_ports: list[int]) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster_ports[0])
    try:
        keys = [f"acct-{i}" for i in range(9)]
        for key in keys:
            budget = RedisRateBudget(client, key, RateLimit(1, per=30.0))
            await budget.acquire(max_wait=0)
            waiter = asyncio.ensure_future(budget.acquire())
            while await client.zcard(budget.keys[0]) < 2:
                await asyncio.sleep(0.005)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            await budget.pause_until(time.time() + 1)
            await budget.aclose()
            assert not budget.degraded
            assert await client.zcard(budget.keys[0]) == 1
            assert await client.zcard(budget.keys[1]) == 1
        nodes = {client.get_node_from_key(budget_keys("blaaiz", k)[0]).port for k in keys}
        assert len(nodes) == 3  # the scripts ran on every node
    finally:
        await client.aclose()
