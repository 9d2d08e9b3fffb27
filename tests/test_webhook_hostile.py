"""Webhook verification and replay guards under hostile input: odd header bytes, forged
signatures compared in constant time, claims that outlive their holder."""

from __future__ import annotations

import hashlib
import hmac
import json
import types
from typing import Any

import pytest

from blaaiz_async.errors import VerificationReason, WebhookVerificationError
from blaaiz_async.webhooks import (
    MemoryReplayGuard,
    WebhookEvent,
    WebhookReceiver,
    sign_headers,
    signature,
)

SECRET = "whsec_hostile_77a0"
BODY = json.dumps({"type": "payout", "event_id": "evt-h-1", "transaction_amount": "5"}).encode()
NOW = 1_700_000_000


def headers_with(sig: str | bytes, stamp: str | bytes = str(NOW)) -> Any:
    if isinstance(sig, bytes) or isinstance(stamp, bytes):
        as_bytes = [sig if isinstance(sig, bytes) else sig.encode("latin-1"),
                    stamp if isinstance(stamp, bytes) else stamp.encode("latin-1")]  # fmt: skip
        return [(b"x-blaaiz-signature", as_bytes[0]), (b"x-blaaiz-timestamp", as_bytes[1])]
    return {"x-blaaiz-signature": sig, "x-blaaiz-timestamp": stamp}


def reason_of(payload: bytes, headers: Any, secret: Any = SECRET) -> VerificationReason:
    with pytest.raises(WebhookVerificationError) as info:
        signature.verify_signature(payload, headers, secret, now=NOW)
    return info.value.reason


@pytest.mark.parametrize(
    "sig",
    [
        "é" * 64,  # 64 characters, none of them hex, none ASCII
        "\uff41" * 64,  # fullwidth letters: str.isalnum says yes, hex says no
        "\u0660" * 64,  # Arabic-Indic digits: a regex \d would say yes
        "0" * 63 + "\u0660",
        b"\xff" * 64,  # raw ASGI header bytes, read as Latin-1
        "g" * 64,
        "0" * 65,
        "0" * 5000,
        "sha256=" + "0" * 64,
    ],
)
def test_a_signature_that_is_no_hex_digest_is_a_mismatch_not_a_crash(sig: str | bytes) -> None:
    assert reason_of(BODY, headers_with(sig)) is VerificationReason.SIGNATURE_MISMATCH


@pytest.mark.parametrize(
    "stamp",
    ["nan", "inf", "-inf", "1e9", "0x6553f100", "+1700000000", "1700000000.", "1" * 16,
     "\u0661\u0667\u0660\u0660", "1700000000\x00", "1_700_000_000", b"\xb9\xb2"],
)  # fmt: skip
def test_a_timestamp_that_is_no_plain_number_of_seconds_is_invalid(stamp: str | bytes) -> None:
    good = signature.compute_signature(SECRET, NOW, BODY)
    assert reason_of(BODY, headers_with(good, stamp)) is VerificationReason.INVALID_TIMESTAMP


class CompareSpy:
    """Stands in for the ``hmac`` module inside ``signature``: counts the comparisons."""

    def __init__(self) -> None:
        self.compared: list[tuple[int, int]] = []
        self.new = hmac.new

    def compare_digest(self, a: bytes, b: bytes) -> bool:
        self.compared.append((len(a), len(b)))
        return hmac.compare_digest(a, b)


@pytest.mark.parametrize("matching", [0, 2, None], ids=["first", "last", "none"])
def test_every_secret_is_compared_in_constant_time_whichever_matches(
    monkeypatch: pytest.MonkeyPatch, matching: int | None
) -> None:
    secrets = ["whsec_a_1111", "whsec_b_2222", "whsec_c_3333"]
    signer = secrets[matching] if matching is not None else "whsec_other_4444"
    spy = CompareSpy()
    monkeypatch.setattr(
        signature, "hmac", types.SimpleNamespace(new=spy.new, compare_digest=spy.compare_digest)
    )
    headers = sign_headers(signer, BODY, timestamp=NOW)
    if matching is None:
        assert reason_of(BODY, headers, secrets) is VerificationReason.SIGNATURE_MISMATCH
    else:
        signature.verify_signature(BODY, headers, secrets, now=NOW)
    # one comparison per secret, never an early exit, always of two 64-byte digests
    assert spy.compared == [(64, 64)] * 3


def test_the_signed_bytes_are_the_timestamp_a_dot_and_the_body_exactly() -> None:
    stamp = str(NOW)
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + BODY, hashlib.sha256).hexdigest()
    headers = headers_with(expected.upper(), stamp)
    signature.verify_signature(BODY, headers, SECRET, now=NOW)
    assert reason_of(BODY + b" ", headers) is VerificationReason.SIGNATURE_MISMATCH


# -- replay guards: a claim belongs to its holder, and only while it lasts --------------------


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


async def test_a_handled_event_stays_done_after_its_claim_would_have_expired() -> None:
    clock = Clock()
    guard = MemoryReplayGuard(claim_ttl=10, done_ttl=3600, clock=clock)
    receiver = WebhookReceiver(SECRET, tolerance=300, replay_guard=guard)
    seen: list[WebhookEvent] = []
    headers = sign_headers(SECRET, BODY)
    assert await receiver.handle(BODY, headers, seen.append)
    clock.now += 11  # past the claim: only the done mark remains to refuse a copy
    assert not await receiver.handle(BODY, headers, seen.append)
    assert len(seen) == 1


async def test_a_holder_whose_claim_lapsed_unclaimed_still_marks_it_done() -> None:
    clock = Clock()
    guard = MemoryReplayGuard(claim_ttl=10, clock=clock)
    owner = await guard.claim("k")
    assert owner is not None
    clock.now += 15  # the handler ran long; nobody else claimed meanwhile
    await guard.complete("k", owner)
    assert await guard.claim("k") is None  # done: a copy is a duplicate


async def test_a_holder_still_marks_done_after_a_later_claim_also_lapsed() -> None:
    clock = Clock()
    guard = MemoryReplayGuard(claim_ttl=10, clock=clock)
    first = await guard.claim("k")
    clock.now += 11
    second = await guard.claim("k")  # a redelivery, whose receiver then died
    assert first is not None and second is not None
    clock.now += 11
    await guard.complete("k", first)  # the first handler finished: nobody holds it now
    assert await guard.claim("k") is None


async def test_a_lapsed_claim_is_no_longer_its_holders() -> None:
    clock = Clock()
    guard = MemoryReplayGuard(claim_ttl=10, clock=clock)
    owner = await guard.claim("k")
    assert owner is not None
    assert await guard.extend("k", owner)
    clock.now += 10.5
    assert not await guard.extend("k", owner)  # lapsed: extending says so


async def test_release_drops_only_the_callers_own_claim() -> None:
    guard = MemoryReplayGuard(claim_ttl=10, clock=Clock())
    owner = await guard.claim("k")
    assert owner is not None
    await guard.release("k", "someone-else")
    assert await guard.claim("k") is None  # still held
    await guard.release("k", owner)
    assert await guard.claim("k") is not None
