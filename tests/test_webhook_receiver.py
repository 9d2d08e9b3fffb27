"""``WebhookReceiver`` with ``MemoryReplayGuard``: each event handled once, failures
released for redelivery, claims that expire, keys that never hold a secret."""

from __future__ import annotations

import asyncio
import hashlib
import json

import pytest

from blaaiz_async.config import ConfigurationError
from blaaiz_async.errors import WebhookVerificationError
from blaaiz_async.webhooks import (
    MemoryReplayGuard,
    PayoutEvent,
    ReplayGuard,
    WebhookEvent,
    WebhookReceiver,
    replay_key,
    sign_headers,
)
from blaaiz_async.webhooks.signature import signed_payload

SECRET = "whsec_receiver_51d2"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def delivery(event_id: str | None = "e-1", **fields: object) -> tuple[bytes, dict[str, str]]:
    payload: dict[str, object] = {"type": "payout", "transaction_amount": "10.00", **fields}
    if event_id is not None:
        payload["event_id"] = event_id
    body = json.dumps(payload).encode()
    return body, sign_headers(SECRET, body)


async def test_a_delivery_is_handled_once_however_often_it_arrives() -> None:
    receiver = WebhookReceiver(SECRET)
    seen: list[WebhookEvent] = []

    async def handler(event: WebhookEvent) -> None:
        await asyncio.sleep(0.01)  # concurrent copies arrive while the first is handled
        seen.append(event)

    body, headers = delivery()
    results = await asyncio.gather(*(receiver.handle(body, headers, handler) for _ in range(50)))
    assert results.count(True) == 1
    assert len(seen) == 1 and isinstance(seen[0], PayoutEvent)
    assert await receiver.handle(body, headers, handler) is False  # also after it finished


async def test_a_redelivery_with_a_new_timestamp_is_a_duplicate_by_event_id() -> None:
    receiver = WebhookReceiver(SECRET)
    calls: list[str | None] = []
    body, first = delivery()
    retry = sign_headers(SECRET, body, timestamp=int(first["x-blaaiz-timestamp"]) + 60)
    assert await receiver.handle(body, first, lambda e: calls.append(e.event_id))
    assert not await receiver.handle(body, retry, lambda e: calls.append(e.event_id))
    assert calls == ["e-1"]


async def test_without_an_event_id_an_exact_replay_is_caught_by_the_signed_bytes() -> None:
    receiver = WebhookReceiver(SECRET)
    calls: list[object] = []
    body, headers = delivery(event_id=None)
    assert await receiver.handle(body, headers, calls.append)
    assert not await receiver.handle(body, headers, calls.append)
    assert len(calls) == 1


async def test_a_handler_that_raises_releases_the_claim_and_the_error_propagates() -> None:
    guard = MemoryReplayGuard()
    receiver = WebhookReceiver(SECRET, replay_guard=guard)
    body, headers = delivery()
    attempts: list[str] = []

    async def failing(event: WebhookEvent) -> None:
        attempts.append("failed")
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError, match="database down"):
        await receiver.handle(body, headers, failing)
    assert len(guard) == 0  # nothing left behind: the retry is processed

    async def working(event: WebhookEvent) -> None:
        attempts.append("ok")

    results = await asyncio.gather(*(receiver.handle(body, headers, working) for _ in range(5)))
    assert results.count(True) == 1
    assert attempts == ["failed", "ok"]


async def test_sync_handlers_work_too() -> None:
    receiver = WebhookReceiver(SECRET)
    seen: list[str | None] = []
    body, headers = delivery()
    assert await receiver.handle(body, headers, lambda event: seen.append(event.type))
    assert seen == ["payout"]


async def test_a_cancelled_handler_releases_its_claim() -> None:
    receiver = WebhookReceiver(SECRET)
    body, headers = delivery()
    started = asyncio.Event()

    async def hangs(event: WebhookEvent) -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(receiver.handle(body, headers, hangs))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await receiver.handle(body, headers, lambda e: None)


async def test_a_verification_failure_claims_nothing() -> None:
    guard = MemoryReplayGuard()
    receiver = WebhookReceiver(SECRET, replay_guard=guard)
    body, headers = delivery()
    ran: list[object] = []
    with pytest.raises(WebhookVerificationError) as info:
        await receiver.handle(body + b" ", headers, ran.append)
    assert info.value.reason == "signature_mismatch"
    with pytest.raises(WebhookVerificationError) as info:
        await receiver.handle(b"[]", sign_headers(SECRET, b"[]"), ran.append)
    assert info.value.reason == "invalid_json"
    assert ran == [] and len(guard) == 0


async def test_rotated_secrets_are_accepted_by_the_receiver() -> None:
    receiver = WebhookReceiver(["new-secret", SECRET])
    body, headers = delivery()
    assert await receiver.handle(body, headers, lambda e: None)


async def test_claims_and_done_marks_expire() -> None:
    clock = Clock()
    guard = MemoryReplayGuard(claim_ttl=60, done_ttl=3600, clock=clock)
    owner = await guard.claim("k")
    assert owner is not None
    assert await guard.claim("k") is None
    clock.now += 59.9
    assert await guard.claim("k") is None
    clock.now += 0.2  # the holder died: its claim is gone after claim_ttl
    second = await guard.claim("k")
    assert second is not None
    assert not await guard.extend("k", owner)  # the dead holder cannot touch it
    await guard.release("k", owner)
    assert await guard.claim("k") is None
    await guard.complete("k", second)
    clock.now += 3599
    assert await guard.claim("k") is None
    clock.now += 2
    assert await guard.claim("k") is not None
    assert len(guard) == 1


async def test_a_stale_owner_does_not_mark_anothers_claim_done() -> None:
    clock = Clock()
    guard = MemoryReplayGuard(claim_ttl=10, clock=clock)
    stale = await guard.claim("k")
    clock.now += 11
    current = await guard.claim("k")
    assert stale is not None and current is not None
    await guard.complete("k", stale)
    await guard.release("k", current)  # still the current holder's to release
    assert await guard.claim("k") is not None


async def test_a_long_handler_keeps_its_claim_alive() -> None:
    guard = MemoryReplayGuard(claim_ttl=0.3)
    receiver = WebhookReceiver(SECRET, replay_guard=guard)
    body, headers = delivery()
    release = asyncio.Event()

    async def slow(event: WebhookEvent) -> None:
        await release.wait()

    first = asyncio.create_task(receiver.handle(body, headers, slow))
    await asyncio.sleep(1.0)  # three claim lifetimes
    assert not await receiver.handle(body, headers, lambda e: None)
    release.set()
    assert await first


def test_the_guard_works_across_event_loops() -> None:
    """A worker that calls asyncio.run per task (Celery, scripts) keeps its memory."""
    receiver = WebhookReceiver(SECRET)
    body, headers = delivery()
    assert asyncio.run(receiver.handle(body, headers, lambda e: None)) is True
    assert asyncio.run(receiver.handle(body, headers, lambda e: None)) is False


def test_done_marks_must_outlive_the_two_sided_tolerance_window() -> None:
    with pytest.raises(ConfigurationError, match="done_ttl"):
        WebhookReceiver(SECRET, tolerance=300, replay_guard=MemoryReplayGuard(done_ttl=599))
    WebhookReceiver(SECRET, tolerance=300, replay_guard=MemoryReplayGuard(done_ttl=600))
    with pytest.raises(ConfigurationError):
        WebhookReceiver(SECRET, tolerance=float("inf"))


@pytest.mark.parametrize("ttl", [0, -1, float("nan"), float("inf"), "60", True])
def test_ttls_must_be_positive_seconds(ttl: object) -> None:
    with pytest.raises(ConfigurationError):
        MemoryReplayGuard(claim_ttl=ttl)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        MemoryReplayGuard(done_ttl=ttl)  # type: ignore[arg-type]


def test_replay_keys_name_the_event_or_hash_the_signed_bytes() -> None:
    from blaaiz_async.webhooks import parse_event

    signed = signed_payload("1700000000", b"{}")
    assert replay_key(parse_event({"event_id": "abc-123"}), signed) == "id:abc-123"
    odd = parse_event({"event_id": "has space/and*" + "x" * 200})
    assert replay_key(odd, signed).startswith("idsha:")
    assert replay_key(parse_event({}), signed) == "sig:" + hashlib.sha256(signed).hexdigest()


def test_the_receiver_never_shows_its_secret() -> None:
    receiver = WebhookReceiver(SECRET)
    assert SECRET not in repr(receiver)
    assert isinstance(receiver.replay_guard, ReplayGuard)
