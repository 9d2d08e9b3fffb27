"""Receiving each delivery once: verify, parse, claim, handle, mark done.

A sender retries until it gets a 2xx, and an attacker may replay a captured delivery
within the tolerance window, so the same event can arrive many times, on several
processes at once. ``WebhookReceiver.handle`` runs the handler for the first copy only:

1. verify the signature and the timestamp (``WebhookVerificationError`` otherwise);
2. parse the body into a typed event;
3. claim the event's key in a ``ReplayGuard`` (by ``event_id``, else by a SHA-256 of the
   signed bytes). A key already claimed or done means a duplicate: ``handle`` returns
   False without running the handler;
4. run the handler. While it runs the claim is kept alive; if the process dies the claim
   expires after ``claim_ttl`` and a redelivery is processed then;
5. on success mark the key done for ``done_ttl`` (which outlives the tolerance window, so
   no replay of a signed delivery can get through); on an exception release the claim,
   so the sender's retry is processed, and let the exception propagate.

A guard that fails (Redis down) raises from ``handle`` before the handler runs: answer
5xx and the sender tries again later, rather than process without protection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import heapq
import inspect
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ..config import ConfigurationError
from .events import WebhookEvent, decode_body, parse_event
from .signature import DEFAULT_TOLERANCE, Headers, Secrets, check_tolerance, normalise_secrets
from .signature import verify as verify_delivery

log = logging.getLogger("blaaiz_async.webhooks")

Handler = Callable[[WebhookEvent], object]  # an async def, or a plain function

DEFAULT_CLAIM_TTL = 60.0  # a receiver that died holding a claim blocks redelivery this long
DEFAULT_DONE_TTL = 24 * 3600.0  # covers the tolerance window and a day of sender retries
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@runtime_checkable
class ReplayGuard(Protocol):
    """Where receivers record which events are being handled, and which are done."""

    claim_ttl: float
    done_ttl: float

    async def claim(self, key: str) -> str | None:
        """Take ``key`` for ``claim_ttl``: an owner token, or None when it is claimed by
        another receiver or already done."""
        ...

    async def extend(self, key: str, owner: str) -> bool:
        """Keep a claim alive for another ``claim_ttl``; False if it is no longer ours."""
        ...

    async def release(self, key: str, owner: str) -> None:
        """Drop our claim (the handler failed), so a redelivery is processed."""
        ...

    async def complete(self, key: str, owner: str) -> None:
        """Mark ``key`` done for ``done_ttl``: later copies are duplicates."""
        ...


def replay_key(event: WebhookEvent, signed: bytes) -> str:
    """The event's dedup key: its ``event_id`` (hashed when long or odd), else a SHA-256
    of the signed bytes, so an exact replay is caught even without an id."""
    if event.event_id is not None:
        if _SAFE_ID.fullmatch(event.event_id):
            return f"id:{event.event_id}"
        return "idsha:" + hashlib.sha256(event.event_id.encode("utf-8", "replace")).hexdigest()
    return "sig:" + hashlib.sha256(signed).hexdigest()


def check_ttls(claim_ttl: float, done_ttl: float) -> tuple[float, float]:
    for name, value in (("claim_ttl", claim_ttl), ("done_ttl", done_ttl)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e9:
            raise ConfigurationError(f"{name} must be a positive number of seconds")
    return float(claim_ttl), float(done_ttl)


class MemoryReplayGuard:
    """Claims and done marks in this process's memory: enough for one worker process.
    Entries expire (claims after ``claim_ttl``, done marks after ``done_ttl``); several
    processes need ``RedisReplayGuard``."""

    _DONE = ""

    def __init__(
        self,
        *,
        claim_ttl: float = DEFAULT_CLAIM_TTL,
        done_ttl: float = DEFAULT_DONE_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.claim_ttl, self.done_ttl = check_ttls(claim_ttl, done_ttl)
        self._clock = clock
        self._entries: dict[str, tuple[str, float]] = {}  # key -> (owner or _DONE, expiry)
        self._expiries: list[tuple[float, str]] = []  # a heap; stale items are skipped
        self._lock = threading.Lock()  # loops of several threads may share one guard

    def __repr__(self) -> str:
        return f"MemoryReplayGuard(entries={len(self)}, claim_ttl={self.claim_ttl:g})"

    def __len__(self) -> int:
        with self._lock:
            self._prune(self._clock())
            return len(self._entries)

    async def claim(self, key: str) -> str | None:
        with self._lock:
            now = self._clock()
            self._prune(now)
            if key in self._entries:
                return None
            owner = secrets.token_hex(16)
            self._put(key, owner, now + self.claim_ttl)
            return owner

    async def extend(self, key: str, owner: str) -> bool:
        with self._lock:
            if not self._owned(key, owner):
                return False
            self._put(key, owner, self._clock() + self.claim_ttl)
            return True

    async def release(self, key: str, owner: str) -> None:
        with self._lock:
            if self._owned(key, owner):
                del self._entries[key]

    async def complete(self, key: str, owner: str) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] == owner or entry[1] <= self._clock():
                self._put(key, self._DONE, self._clock() + self.done_ttl)

    def _owned(self, key: str, owner: str) -> bool:
        entry = self._entries.get(key)
        return entry is not None and entry[0] == owner and entry[1] > self._clock()

    def _put(self, key: str, value: str, expires_at: float) -> None:
        self._entries[key] = (value, expires_at)
        heapq.heappush(self._expiries, (expires_at, key))

    def _prune(self, now: float) -> None:
        while self._expiries and self._expiries[0][0] <= now:
            expires_at, key = heapq.heappop(self._expiries)
            entry = self._entries.get(key)
            if entry is not None and entry[1] == expires_at:
                del self._entries[key]


class WebhookReceiver:
    """Verifies deliveries and runs a handler once per event (see the module docstring).

    ``secret``: a str or bytes, or a list of them while rotating. ``replay_guard``:
    ``MemoryReplayGuard()`` by default (one process); give every process of a fleet the
    same ``RedisReplayGuard``.
    """

    def __init__(
        self,
        secret: Secrets,
        *,
        tolerance: float = DEFAULT_TOLERANCE,
        replay_guard: ReplayGuard | None = None,
    ) -> None:
        self._secrets = normalise_secrets(secret)
        self.tolerance = check_tolerance(tolerance)
        self.replay_guard: ReplayGuard = (
            replay_guard if replay_guard is not None else MemoryReplayGuard()
        )
        # Two-sided tolerance: a delivery signed at t verifies until t + tolerance, which
        # may be 2 * tolerance after it was first handled; its done mark must outlive that.
        if not self.replay_guard.done_ttl >= 2 * self.tolerance:
            raise ConfigurationError(
                f"the replay guard forgets handled events after {self.replay_guard.done_ttl:g}s "
                f"but a delivery stays valid for up to {2 * self.tolerance:g}s (twice the "
                "tolerance): raise done_ttl or lower tolerance, or replays get through"
            )

    def __repr__(self) -> str:
        return (
            f"WebhookReceiver(secrets={len(self._secrets)}, tolerance={self.tolerance:g}, "
            f"replay_guard={self.replay_guard!r})"
        )

    def verify(self, payload: bytes | str, headers: Headers) -> WebhookEvent:
        """Verify and parse without claiming anything (nothing is recorded)."""
        body, _ = verify_delivery(payload, headers, self._secrets, tolerance=self.tolerance)
        return parse_event(decode_body(body))

    async def handle(
        self,
        payload: bytes | str,
        headers: Headers,
        handler: Handler,
    ) -> bool:
        """Run ``handler(event)`` unless this event was handled, or is being handled,
        already: True if it ran, False for a duplicate. A handler that raises releases the
        claim and the exception propagates. A sync handler runs on the event loop: keep it
        short, or make it ``async``."""
        body, signed = verify_delivery(payload, headers, self._secrets, tolerance=self.tolerance)
        event = parse_event(decode_body(body))
        key = replay_key(event, signed)
        guard = self.replay_guard
        owner = await guard.claim(key)
        if owner is None:
            log.debug("webhook %s (%s) is a duplicate; not handled again", key, event.type)
            return False
        keeper = asyncio.get_running_loop().create_task(self._keep_claim(key, owner))
        try:
            result = handler(event)
            if inspect.isawaitable(result):
                await result
        except BaseException:
            keeper.cancel()
            with contextlib.suppress(Exception):  # never mask the handler's own error
                await asyncio.shield(guard.release(key, owner))
            raise
        keeper.cancel()
        try:
            await asyncio.shield(guard.complete(key, owner))
        except Exception as exc:
            # The handler ran: answering an error would make the sender deliver again.
            log.warning(
                "webhook %s was handled but could not be marked done (%s); a redelivery "
                "after the claim expires (%gs) would be handled again",
                key,
                type(exc).__name__,
                guard.claim_ttl,
            )
        return True

    async def _keep_claim(self, key: str, owner: str) -> None:
        """Extend the claim every third of its TTL while the handler runs."""
        guard = self.replay_guard
        while True:
            await asyncio.sleep(guard.claim_ttl / 3)
            try:
                if not await guard.extend(key, owner):
                    log.warning(
                        "the claim on webhook %s expired while its handler ran (longer than "
                        "claim_ttl=%gs); another receiver may handle it too",
                        key,
                        guard.claim_ttl,
                    )
                    return
            except Exception as exc:
                log.debug("extending the claim on %s failed: %s", key, type(exc).__name__)
