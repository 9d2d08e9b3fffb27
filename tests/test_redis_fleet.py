"""RedisTokenStore end to end: real worker processes, the real client, the local sandbox,
and a real redis-server that the tests kill and restart."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import signal
import threading
import time

import pytest
from redis.asyncio import Redis

from blaaiz_async.auth import ClientCredentialsProvider, RedisTokenStore
from blaaiz_async.cli.fleet import FleetSpec, run_fleet
from blaaiz_async.client import BlaaizClient
from blaaiz_async.sandbox import Sandbox
from tests import _redis_store_workers as workers
from tests.redis_support import RedisServer, command

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="POSIX signals"),
    pytest.mark.timeout(90),
]


async def cache_key(sb: Sandbox, cid: str, secret: str) -> str:
    async with BlaaizClient(client_id=cid, client_secret=secret, base_url=sb.url) as probe:
        provider = probe.token_provider
        assert isinstance(provider, ClientCredentialsProvider)
        return provider.cache_key


async def test_eight_processes_of_a_hundred_coroutines_from_cold_make_one_token_request(
    redis_server: RedisServer,
) -> None:
    async with Sandbox() as sb:
        cid, secret = sb.add_client()
        spec = FleetSpec(
            url=sb.url,
            client_id=cid,
            client_secret=secret,
            store=functools.partial(RedisTokenStore.from_url, redis_server.url),
            concurrency=100,
        )
        report = await run_fleet(spec, processes=8)
        assert len(report.workers) == 8
        assert report.failed == 0, report.errors
        assert report.ok == 800
        assert sb.token_requests == 1
        assert report.token_requests == 1
        key = await cache_key(sb, cid, secret)

    # Neither key nor value in Redis holds the secret; the key carries the hash tag.
    raw = Redis.from_url(redis_server.url)
    try:
        keys = [k async for k in raw.scan_iter("*")]
        assert keys == [f"blaaiz:{{{key}}}:token".encode()]
        value = await raw.get(keys[0])
        assert value is not None
        assert secret.encode() not in keys[0] and secret.encode() not in value
    finally:
        await raw.aclose()


async def test_redis_killed_for_three_seconds_mid_run_fails_no_call(
    redis_server: RedisServer,
) -> None:
    # Tokens live 2 s (refreshed after 1.5 s), so every process refreshes while Redis is
    # down (per-process fetch, one warning) and again after it is back (shared again).
    async with Sandbox(token_ttl=2.0) as sb:
        cid, secret = sb.add_client()
        outage: dict[str, float] = {}

        def kill_and_restart() -> None:
            time.sleep(1.0)
            redis_server.kill()
            outage["down"] = time.monotonic()
            time.sleep(3.0)
            redis_server.restart()
            outage["up"] = time.monotonic()

        def on_start(_pids: list[int]) -> None:
            threading.Thread(target=kill_and_restart, daemon=True).start()

        spec = FleetSpec(
            url=sb.url,
            client_id=cid,
            client_secret=secret,
            store=functools.partial(RedisTokenStore.from_url, redis_server.url),
            concurrency=20,
            duration=7.0,
            pause=0.05,
        )
        report = await run_fleet(spec, processes=4, on_start=on_start)
        assert "up" in outage and outage["up"] - outage["down"] >= 3.0
        assert len(report.workers) == 4
        assert report.failed == 0, report.errors
        assert report.ok > 1000
        # Each process fetched for itself while Redis was down (its token expired then).
        assert sb.token_requests >= 1 + 4
    # Back to the shared store by itself: the restarted (empty) server saw the workers' SETs.
    stats = command(redis_server.port, "INFO", "commandstats").decode()
    assert "cmdstat_set:calls=" in stats, stats


async def test_a_process_killed_holding_the_refresh_lock_delays_nobody_past_the_lock_ttl(
    redis_server: RedisServer,
) -> None:
    lock_ttl = 2.0
    spawn = multiprocessing.get_context("spawn")
    raw = Redis.from_url(redis_server.url)
    async with Sandbox() as sb:
        cid, secret = sb.add_client()
        key = await cache_key(sb, cid, secret)
        holder = spawn.Process(
            target=workers.hold_lock_while_alive, args=(redis_server.url, key, lock_ttl)
        )
        holder.start()
        try:
            deadline = time.monotonic() + 30
            while await raw.get("test:holder_ready") is None:
                assert holder.is_alive() and time.monotonic() < deadline
                await asyncio.sleep(0.02)
            assert await raw.get("test:holder_ready") == b"1"
            pid = holder.pid
            assert pid is not None

            def kill_soon(_pids: list[int]) -> None:
                # Let the workers pile up on the lock, then SIGKILL its holder.
                threading.Timer(0.5, os.kill, args=(pid, signal.SIGKILL)).start()

            spec = FleetSpec(
                url=sb.url,
                client_id=cid,
                client_secret=secret,
                store=functools.partial(
                    RedisTokenStore.from_url, redis_server.url, lock_ttl=lock_ttl
                ),
                concurrency=50,
            )
            report = await run_fleet(spec, processes=4, on_start=kill_soon)
        finally:
            if holder.is_alive():
                holder.kill()
            holder.join(10)
            await raw.aclose()
        assert holder.exitcode == -signal.SIGKILL
        assert report.failed == 0, report.errors
        assert report.ok == 200
        assert sb.token_requests == 1  # they waited for the lock, then shared one token
        # They waited for the holder's death plus at most one lock TTL.
        assert 0.4 <= report.elapsed < 0.5 + lock_ttl + 1.5
