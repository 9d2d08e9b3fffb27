"""Module-level worker functions for ``multiprocessing`` (spawn) in the webhook tests.

Each worker is a real OS process with its own ``WebhookReceiver``, its own
``RedisReplayGuard`` and its own event loop; they report through Redis itself (lists and
counters), so the parent needs no pipes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

from blaaiz_async.webhooks import RedisReplayGuard, WebhookEvent, WebhookReceiver


def deliver(
    url: str,
    secret: str,
    deliveries: list[tuple[bytes, dict[str, str]]],
    mode: str,
    barrier: Any,
    claim_ttl: float = 60.0,
) -> None:
    """Handle every delivery concurrently, all processes starting together at ``barrier``.

    ``mode`` "ok": the handler records the event id under ``test:handled``; "fail": it
    records under ``test:failed`` and raises. ``test:ran_true`` counts True results.
    """
    asyncio.run(_deliver(url, secret, deliveries, mode, barrier, claim_ttl))


async def _deliver(
    url: str,
    secret: str,
    deliveries: list[tuple[bytes, dict[str, str]]],
    mode: str,
    barrier: Any,
    claim_ttl: float,
) -> None:
    guard = RedisReplayGuard.from_url(url, claim_ttl=claim_ttl)
    receiver = WebhookReceiver(secret, replay_guard=guard)
    # The test's own bookkeeping must not exhaust a pool either: a blocking one waits.
    probe = Redis(connection_pool=BlockingConnectionPool.from_url(url, max_connections=20))

    async def handler(event: WebhookEvent) -> None:
        await asyncio.sleep(0.02)  # the other process's copy arrives meanwhile
        if mode == "fail":
            await probe.rpush("test:failed", event.event_id or "")
            raise RuntimeError("handler failed")
        await probe.rpush("test:handled", event.event_id or "")

    async def one(body: bytes, headers: dict[str, str]) -> None:
        try:
            if await receiver.handle(body, headers, handler):
                await probe.incr("test:ran_true")
        except RuntimeError:
            await probe.incr("test:raised")

    try:
        await probe.ping()
        await guard.claim("warm-up")  # connections open before the start line
        await asyncio.to_thread(barrier.wait)
        await asyncio.gather(*(one(body, headers) for body, headers in deliveries))
    finally:
        await probe.aclose()
        await guard.aclose()


def claim_and_hang(url: str, secret: str, body: bytes, headers: dict[str, str]) -> None:
    """Start handling, say so under ``test:holder_ready``, then hang until SIGKILLed."""
    asyncio.run(_claim_and_hang(url, secret, body, headers))


async def _claim_and_hang(url: str, secret: str, body: bytes, headers: dict[str, str]) -> None:
    guard = RedisReplayGuard.from_url(url, claim_ttl=1.0)
    receiver = WebhookReceiver(secret, replay_guard=guard)
    probe = Redis.from_url(url)

    async def hang(event: WebhookEvent) -> None:
        await probe.set("test:holder_ready", "1")
        await asyncio.sleep(3600)

    await receiver.handle(body, headers, hang)
