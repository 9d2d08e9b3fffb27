"""What every budget does around its store: reserve a slot, sleep until it, give it back.

One round trip to the store reserves a slot (see ``admission``); the caller then sleeps
locally until it: no polling, and arrival order is service order. A caller cancelled
while sleeping gives its slot back; one cancelled during the round trip gives back
whatever the round trip reserved once it completes, so nothing is left reserved for a
caller that is gone.

``SharedSlotBudget`` adds the degraded mode of the file and Redis budgets: when the
shared store fails, one warning is logged and the process limits itself alone (a
process-wide memory log per shared budget) until the store answers again; it is probed
again at most once a second, by one caller at a time, so a dead store never adds a
timeout to every call.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections.abc import Coroutine
from typing import Any, ClassVar

import attrs

from ..errors import RateLimitError
from ._local import LocalLog, shared_log
from .admission import Decision
from .limit import RateLimit

log = logging.getLogger("blaaiz_async.limits")

RETRY_SHARED_AFTER = 1.0  # seconds on the local log before the shared store is probed again


@attrs.frozen
class Reservation:
    ticket: str
    decision: Decision
    local: bool  # reserved on the process's own log (memory budget, or degraded mode)


def check_max_wait(max_wait: float | None) -> None:
    if max_wait is not None and not max_wait >= 0:  # also rejects NaN
        raise ValueError(f"max_wait must be None or zero or more seconds, got {max_wait!r}")


def check_epoch(epoch_seconds: float) -> float:
    if not math.isfinite(epoch_seconds):
        raise ValueError(f"pause_until needs finite epoch seconds, got {epoch_seconds!r}")
    return float(epoch_seconds)


def refusal(limit: RateLimit, decision: Decision, max_wait: float | None) -> RateLimitError:
    wait = max(decision.wait, 0.0)
    return RateLimitError(
        f"refused locally, nothing was sent: the next slot of the rate budget ({limit}) is "
        f"{wait:.3f}s away, longer than max_wait={max_wait}s",
        status=429,
        retry_after=wait,
    )


class SlotBudget(abc.ABC):
    """``acquire`` for every budget; subclasses say how a slot is reserved and returned."""

    def __init__(self, limit: RateLimit) -> None:
        if not isinstance(limit, RateLimit):
            raise TypeError(f"limit must be a RateLimit, got {type(limit).__name__}")
        self.limit = limit

    async def acquire(self, *, max_wait: float | None = None) -> None:
        check_max_wait(max_wait)
        reservation = await self._reserve_guarded(secrets.token_hex(8), max_wait)
        decision = reservation.decision
        if not decision.granted:
            raise refusal(self.limit, decision, max_wait)
        if decision.wait > 0:
            try:
                await asyncio.sleep(decision.wait)
            except asyncio.CancelledError:
                await self._give_back_guarded(reservation)
                raise

    @abc.abstractmethod
    async def pause_until(self, epoch_seconds: float) -> None: ...

    @abc.abstractmethod
    async def aclose(self) -> None: ...

    @abc.abstractmethod
    async def _reserve_guarded(self, ticket: str, max_wait: float | None) -> Reservation:
        """Reserve (or refuse) in one step that a cancellation cannot leave half done."""

    @abc.abstractmethod
    async def _give_back_guarded(self, reservation: Reservation) -> None:
        """Give a reserved slot back, completing even if the caller is cancelled again."""


class SharedSlotBudget(SlotBudget):
    """A budget whose state lives outside the process, with a per-process fallback."""

    # Failures of the shared store that mean "degrade", not "fail the call".
    shared_errors: ClassVar[tuple[type[BaseException], ...]] = (OSError,)

    def __init__(self, limit: RateLimit, *, name: str) -> None:
        super().__init__(limit)
        self.name = name  # says where the state is, in logs; never a secret
        self._local: LocalLog = shared_log(f"fallback:{name}")
        self._down_until: float | None = None
        self._probing = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def degraded(self) -> bool:
        """True while the shared store is failing and this process limits itself alone."""
        return self._down_until is not None

    # -- what each shared store implements -----------------------------------------------

    @abc.abstractmethod
    async def _reserve_shared(self, ticket: str, max_wait: float | None) -> Decision: ...

    @abc.abstractmethod
    async def _give_back_shared(self, ticket: str) -> None: ...

    @abc.abstractmethod
    async def _pause_shared(self, epoch_seconds: float) -> None: ...

    # -- the protocol -----------------------------------------------------------------------

    async def pause_until(self, epoch_seconds: float) -> None:
        epoch = check_epoch(epoch_seconds)
        self._local.pause_until(epoch)  # honoured here too if the store fails later
        probe = self._may_use_shared()
        if probe is None:
            return
        try:
            await self._pause_shared(epoch)
        except self.shared_errors as exc:
            self._went_down(exc)
        else:
            self._came_up()
        finally:
            if probe:
                self._probing = False

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        mine = [t for t in self._tasks if t.get_loop() is loop]
        if mine:
            await asyncio.gather(*mine, return_exceptions=True)

    # -- reserve and give back, with the fallback -------------------------------------------

    async def _reserve(self, ticket: str, max_wait: float | None) -> Reservation:
        probe = self._may_use_shared()
        if probe is not None:
            try:
                decision = await self._reserve_shared(ticket, max_wait)
            except self.shared_errors as exc:
                self._went_down(exc)
            else:
                self._came_up()
                return Reservation(ticket, decision, local=False)
            finally:
                if probe:
                    self._probing = False
        return Reservation(ticket, self._local.reserve(ticket, self.limit, max_wait), local=True)

    async def _give_back(self, reservation: Reservation) -> None:
        if reservation.local:
            self._local.give_back(reservation.ticket)
            return
        try:
            await self._give_back_shared(reservation.ticket)
        except self.shared_errors as exc:  # the slot just passes unused
            log.debug("rate budget %s: giving a slot back failed: %r", self.name, exc)

    async def _reserve_guarded(self, ticket: str, max_wait: float | None) -> Reservation:
        work = asyncio.ensure_future(self._reserve(ticket, max_wait))
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            await self._finish(self._undo(work))
            raise

    async def _give_back_guarded(self, reservation: Reservation) -> None:
        await self._finish(self._give_back(reservation))

    async def _undo(self, work: asyncio.Future[Reservation]) -> None:
        """After a cancelled round trip completes: give back what it reserved."""
        try:
            reservation = await work
        except Exception as exc:
            log.debug("rate budget %s: an abandoned reservation failed: %r", self.name, exc)
            return
        if reservation.decision.granted:
            await self._give_back(reservation)

    async def _finish(self, cleanup: Coroutine[Any, Any, None]) -> None:
        """Run ``cleanup`` (a coroutine) to the end even if the caller is cancelled again:
        it is tracked until done, and ``aclose`` waits for it."""
        task = asyncio.ensure_future(cleanup)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)

    # -- degraded mode -----------------------------------------------------------------------

    def _may_use_shared(self) -> bool | None:
        """None: use the local log. False: use the store. True: use it, as the one probe."""
        if self._down_until is None:
            return False
        if self._probing or time.monotonic() < self._down_until:
            return None
        self._probing = True
        return True

    def _went_down(self, exc: BaseException) -> None:
        if self._down_until is None:
            log.warning(
                "rate budget %s: the shared store failed (%s: %s); this process limits "
                "itself alone until it answers again",
                self.name,
                type(exc).__name__,
                exc,
            )
        self._down_until = time.monotonic() + RETRY_SHARED_AFTER

    def _came_up(self) -> None:
        if self._down_until is not None:
            self._down_until = None
            log.info("rate budget %s: the shared store answers again; sharing resumed", self.name)
