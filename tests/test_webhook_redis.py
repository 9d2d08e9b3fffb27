"""``RedisReplayGuard`` against a real redis-server: once per event across coroutines and
OS processes, released on failure, expiring when a receiver dies, bounded under load."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import signal
import time

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError

from blaaiz_async.config import ConfigurationError
from blaaiz_async.webhooks import (
    RedisReplayGuard,
    WebhookEvent,
    WebhookReceiver,
    replay_key,
    sign_headers,
)
from tests import _webhook_workers as workers
from tests.redis_support import RedisServer, free_port

SECRET = "whsec_redis_guard_6b1e"


def deliveries(count: int, prefix: str = "evt") -> list[tuple[bytes, dict[str, str]]]:
    out = []
    for i in range(count):
        body = json.dumps({"type": "collection", "event_id": f"{prefix}-{i}"}).encode()
        out.append((body, sign_headers(SECRET, body)))
    return out


async def keys_of(url: str) -> dict[str, tuple[bytes, int]]:
    """Every key with its value and TTL in ms."""
    probe = Redis.from_url(url)
    try:
        found = {}
        async for key in probe.scan_iter(count=1000):
            found[key.decode()] = (await probe.get(key), await probe.pttl(key))
        return found
    finally:
        await probe.aclose()


async def test_the_default_pool_refuses_a_thousand_concurrent_commands(
    redis_server: RedisServer,
) -> None:
    """Why the guard bounds its Redis use: redis-py's pool stops at 100 connections."""
    client = Redis.from_url(redis_server.url)
    try:
        results = await asyncio.gather(
            *(client.blpop([f"nothing:{i}"], timeout=0.2) for i in range(300)),
            return_exceptions=True,
        )
    finally:
        await client.aclose()
    assert any(isinstance(r, MaxConnectionsError) for r in results)


@pytest.mark.parametrize("own_client", [False, True], ids=["from_url", "client"])
async def test_a_thousand_concurrent_deliveries_with_the_default_pool(
    redis_server: RedisServer, own_client: bool
) -> None:
    client = Redis.from_url(redis_server.url) if own_client else None
    guard = RedisReplayGuard(client) if client else RedisReplayGuard.from_url(redis_server.url)
    receiver = WebhookReceiver(SECRET, replay_guard=guard)
    handled: list[str | None] = []

    async def handler(event: WebhookEvent) -> None:
        await asyncio.sleep(0.01)
        handled.append(event.event_id)

    batch = deliveries(500)
    try:
        results = await asyncio.gather(
            *(receiver.handle(body, headers, handler) for body, headers in batch * 2)
        )
    finally:
        await guard.aclose()
        if client is not None:
            await client.aclose()
    assert len(results) == 1000
    assert results.count(True) == 500
    assert sorted(handled) == sorted(f"evt-{i}" for i in range(500))


async def test_keys_are_namespaced_and_hold_no_secret(redis_server: RedisServer) -> None:
    guard = RedisReplayGuard.from_url(redis_server.url, prefix="shop:webhooks", done_ttl=7200)
    receiver = WebhookReceiver(SECRET, replay_guard=guard)
    seen_during: dict[str, tuple[bytes, int]] = {}

    async def handler(event: WebhookEvent) -> None:
        seen_during.update(await keys_of(redis_server.url))

    (body, headers), *_ = deliveries(1)
    no_id = b'{"type": "payout"}'
    try:
        assert await receiver.handle(body, headers, handler)
        assert await receiver.handle(no_id, sign_headers(SECRET, no_id), lambda e: None)
    finally:
        await guard.aclose()
    after = await keys_of(redis_server.url)
    assert set(after) == {"shop:webhooks:id:evt-0"} | {
        k for k in after if k.startswith("shop:webhooks:sig:")
    }
    assert len(after) == 2
    for key, (value, ttl) in after.items():
        assert value == b"done"
        assert 7_100_000 < ttl <= 7_200_000
        assert SECRET not in key and headers["x-blaaiz-signature"] not in key
    during_value, during_ttl = seen_during["shop:webhooks:id:evt-0"]
    assert during_value.startswith(b"claim:")
    assert 0 < during_ttl <= 60_000


async def test_a_failed_handler_releases_and_a_redelivery_is_handled_once(
    redis_server: RedisServer,
) -> None:
    guard = RedisReplayGuard.from_url(redis_server.url)
    receiver = WebhookReceiver(SECRET, replay_guard=guard)
    (body, headers), *_ = deliveries(1)
    ok: list[object] = []

    async def fails(event: WebhookEvent) -> None:
        raise ValueError("boom")

    try:
        with pytest.raises(ValueError, match="boom"):
            await receiver.handle(body, headers, fails)
        assert await keys_of(redis_server.url) == {}
        results = await asyncio.gather(
            *(receiver.handle(body, headers, ok.append) for _ in range(20))
        )
    finally:
        await guard.aclose()
    assert results.count(True) == 1 and len(ok) == 1


async def test_a_stale_owner_cannot_release_or_complete_anothers_claim(
    redis_server: RedisServer,
) -> None:
    guard = RedisReplayGuard.from_url(redis_server.url, claim_ttl=0.2)
    try:
        stale = await guard.claim("k")
        assert stale is not None
        await asyncio.sleep(0.4)  # its holder stalled past the claim TTL
        current = await guard.claim("k")
        assert current is not None
        assert not await guard.extend("k", stale)
        await guard.release("k", stale)
        await guard.complete("k", stale)
        value, _ = (await keys_of(redis_server.url))["blaaiz:webhook:k"]
        assert value == b"claim:" + current.encode()
        assert await guard.extend("k", current)
        await guard.complete("k", current)
        assert (await keys_of(redis_server.url))["blaaiz:webhook:k"][0] == b"done"
        assert await guard.claim("k") is None
    finally:
        await guard.aclose()


async def test_a_long_handler_keeps_its_redis_claim(redis_server: RedisServer) -> None:
    guard = RedisReplayGuard.from_url(redis_server.url, claim_ttl=0.3)
    receiver = WebhookReceiver(SECRET, replay_guard=guard)
    (body, headers), *_ = deliveries(1)
    release = asyncio.Event()

    async def slow(event: WebhookEvent) -> None:
        await release.wait()

    try:
        first = asyncio.create_task(receiver.handle(body, headers, slow))
        await asyncio.sleep(1.0)
        assert not await receiver.handle(body, headers, lambda e: None)
        release.set()
        assert await first
    finally:
        await guard.aclose()


async def test_redis_down_means_the_handler_does_not_run() -> None:
    guard = RedisReplayGuard.from_url(f"redis://127.0.0.1:{free_port()}/0")
    receiver = WebhookReceiver(SECRET, replay_guard=guard)
    (body, headers), *_ = deliveries(1)
    ran: list[object] = []
    with pytest.raises((RedisConnectionError, OSError)):
        await receiver.handle(body, headers, ran.append)
    assert ran == []


def test_a_from_url_guard_works_across_event_loops(redis_server: RedisServer) -> None:
    guard = RedisReplayGuard.from_url(redis_server.url)
    receiver = WebhookReceiver(SECRET, replay_guard=guard)
    (body, headers), *_ = deliveries(1)
    assert asyncio.run(receiver.handle(body, headers, lambda e: None)) is True
    assert asyncio.run(receiver.handle(body, headers, lambda e: None)) is False


def test_configuration_is_checked_and_urls_are_redacted() -> None:
    guard = RedisReplayGuard.from_url("redis://user:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in repr(guard)
    with pytest.raises(ConfigurationError):
        RedisReplayGuard.from_url("http://not-redis")
    with pytest.raises(ConfigurationError):
        RedisReplayGuard()
    with pytest.raises(ConfigurationError):
        RedisReplayGuard.from_url("redis://127.0.0.1:1/0", max_concurrency=0)
    with pytest.raises(ConfigurationError):
        RedisReplayGuard(object())  # type: ignore[arg-type]


def test_the_concurrency_bound_never_exceeds_the_clients_pool() -> None:
    async def sizes() -> list[int]:
        small = Redis(host="127.0.0.1", port=1, max_connections=10)
        default = Redis(host="127.0.0.1", port=1)
        try:
            gates = [RedisReplayGuard(c)._gate(c) for c in (small, default)]
            return [g._value for g in gates]
        finally:
            await small.aclose()
            await default.aclose()

    assert asyncio.run(sizes()) == [10, 64]


# -- real OS processes ------------------------------------------------------------------------


def _run_processes(targets: list[tuple[object, tuple[object, ...]]], timeout: float = 60) -> None:
    spawn = multiprocessing.get_context("spawn")
    procs = [spawn.Process(target=t, args=a) for t, a in targets]  # type: ignore[arg-type]
    for p in procs:
        p.start()
    try:
        for p in procs:
            p.join(timeout)
            assert p.exitcode == 0, f"worker exited with {p.exitcode}"
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()


async def _list(url: str, key: str) -> list[str]:
    probe = Redis.from_url(url)
    try:
        return [v.decode() for v in await probe.lrange(key, 0, -1)]
    finally:
        await probe.aclose()


async def _int(url: str, key: str) -> int:
    probe = Redis.from_url(url)
    try:
        return int(await probe.get(key) or 0)
    finally:
        await probe.aclose()


async def test_two_processes_receiving_the_same_events_at_once_handle_each_once(
    redis_server: RedisServer,
) -> None:
    batch = deliveries(200)
    barrier = multiprocessing.get_context("spawn").Barrier(2)
    args = (redis_server.url, SECRET, batch, "ok", barrier)
    await asyncio.to_thread(_run_processes, [(workers.deliver, args), (workers.deliver, args)])
    handled = await _list(redis_server.url, "test:handled")
    assert sorted(handled) == sorted(f"evt-{i}" for i in range(200))  # each exactly once
    assert await _int(redis_server.url, "test:ran_true") == 200


async def test_events_whose_handler_failed_are_handled_once_on_redelivery(
    redis_server: RedisServer,
) -> None:
    batch = deliveries(50)
    spawn = multiprocessing.get_context("spawn")
    failing = (redis_server.url, SECRET, batch, "fail", spawn.Barrier(1))
    await asyncio.to_thread(_run_processes, [(workers.deliver, failing)])
    assert len(await _list(redis_server.url, "test:failed")) == 50
    assert await _int(redis_server.url, "test:raised") == 50
    barrier = spawn.Barrier(2)
    redelivery = (redis_server.url, SECRET, batch, "ok", barrier)
    await asyncio.to_thread(
        _run_processes, [(workers.deliver, redelivery), (workers.deliver, redelivery)]
    )
    handled = await _list(redis_server.url, "test:handled")
    assert sorted(handled) == sorted(f"evt-{i}" for i in range(50))


async def test_a_receiver_killed_mid_handler_leaves_a_claim_that_expires(
    redis_server: RedisServer,
) -> None:
    (body, headers), *_ = deliveries(1)
    spawn = multiprocessing.get_context("spawn")
    holder = spawn.Process(
        target=workers.claim_and_hang, args=(redis_server.url, SECRET, body, headers)
    )
    holder.start()
    guard = RedisReplayGuard.from_url(redis_server.url, claim_ttl=1.0)
    receiver = WebhookReceiver(SECRET, replay_guard=guard)
    ran: list[object] = []
    try:
        probe = Redis.from_url(redis_server.url)
        try:
            deadline = time.monotonic() + 30
            while not await probe.get("test:holder_ready"):
                assert time.monotonic() < deadline, "the holder never started its handler"
                await asyncio.sleep(0.05)
        finally:
            await probe.aclose()
        assert holder.pid is not None
        holder.kill()  # SIGKILL: no release, no goodbye
        await asyncio.to_thread(holder.join, 10)
        assert holder.exitcode == -signal.SIGKILL
        assert not await receiver.handle(body, headers, ran.append)  # still claimed
        deadline = time.monotonic() + 10
        while not await receiver.handle(body, headers, ran.append):
            assert time.monotonic() < deadline, "the dead receiver's claim never expired"
            await asyncio.sleep(0.1)
    finally:
        if holder.is_alive():
            holder.kill()
        await guard.aclose()
    assert len(ran) == 1


def test_replay_keys_in_redis_are_the_receivers_keys() -> None:
    from blaaiz_async.webhooks import parse_event

    guard = RedisReplayGuard.from_url("redis://127.0.0.1:1/0")
    key = replay_key(parse_event({"event_id": "abc"}), b"")
    assert guard.key(key) == "blaaiz:webhook:id:abc"


async def test_a_holder_whose_claim_lapsed_unclaimed_still_marks_it_done(
    redis_server: RedisServer,
) -> None:
    guard = RedisReplayGuard.from_url(redis_server.url, claim_ttl=0.1)
    try:
        owner = await guard.claim("k")
        assert owner is not None
        await asyncio.sleep(0.3)  # the handler outran its claim; nobody claimed meanwhile
        await guard.complete("k", owner)
        assert (await keys_of(redis_server.url))["blaaiz:webhook:k"][0] == b"done"
        assert await guard.claim("k") is None
    finally:
        await guard.aclose()
