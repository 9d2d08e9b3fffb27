"""Module-level worker functions for ``multiprocessing`` (spawn) in the Redis store tests.

Each worker is a real OS process with its own ``RedisTokenStore`` and its own event loop;
they report through Redis itself (counters and lists), so the parent needs no pipes.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from blaaiz_async.auth.stores.redis import RedisTokenStore, redis_keys


def lock_rounds(url: str, key: str, rounds: int, hold: float) -> None:
    """Take the refresh lock ``rounds`` times; inside, check nobody else is inside."""
    asyncio.run(_lock_rounds(url, key, rounds, hold))


async def _lock_rounds(url: str, key: str, rounds: int, hold: float) -> None:
    store = RedisTokenStore.from_url(url, lock_ttl=5.0, lock_wait=30.0)
    probe = Redis.from_url(url)
    _, lock_key = redis_keys(store.prefix, key)
    try:
        for _ in range(rounds):
            async with store.refresh_lock(key) as held:
                if not held:
                    await probe.incr("test:not_held")
                    continue
                if await probe.incr("test:inside") != 1:
                    await probe.incr("test:overlaps")
                await probe.rpush("test:owners", await probe.get(lock_key) or b"<none>")
                await asyncio.sleep(hold)
                await probe.decr("test:inside")
    finally:
        await probe.aclose()
        await store.aclose()


def hold_lock_forever(url: str, key: str, lock_ttl: float) -> None:
    """Take the lock, say so under ``test:holder_ready``, then hang until SIGKILLed."""
    asyncio.run(_hold_lock_forever(url, key, lock_ttl))


async def _hold_lock_forever(url: str, key: str, lock_ttl: float) -> None:
    store = RedisTokenStore.from_url(url, lock_ttl=lock_ttl)
    probe = Redis.from_url(url)
    async with store.refresh_lock(key) as held:
        await probe.set("test:holder_ready", "1" if held else "0")
        await asyncio.sleep(3600)


def hold_lock_while_alive(url: str, key: str, lock_ttl: float) -> None:
    """Take the lock and keep it while this process lives (a holder whose token fetch
    is still running), then hang until SIGKILLed: the lock outlives it by <= lock_ttl."""
    asyncio.run(_hold_lock_while_alive(url, key, lock_ttl))


async def _hold_lock_while_alive(url: str, key: str, lock_ttl: float) -> None:
    store = RedisTokenStore.from_url(url, lock_ttl=lock_ttl)
    probe = Redis.from_url(url)
    _, lock_key = redis_keys(store.prefix, key)
    async with store.refresh_lock(key) as held:
        await probe.set("test:holder_ready", "1" if held else "0")
        while True:
            await probe.pexpire(lock_key, int(lock_ttl * 1000))
            await asyncio.sleep(lock_ttl / 4)
