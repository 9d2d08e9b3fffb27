"""``MemoryRateBudget``: the budget of one process, across its threads and event loops."""

from __future__ import annotations

from ._local import LocalLog, shared_log
from ._slots import Reservation, SlotBudget, check_epoch
from .limit import API_RATE_LIMIT, RateLimit


class MemoryRateBudget(SlotBudget):
    """Limits the callers of one process.

    With ``key``, every ``MemoryRateBudget`` of the process with that key shares one log
    (so two clients of one account share the budget even on separate ``MemoryTokenStore``
    objects); without, the budget is this object's alone. Each budget admits by its own
    ``limit`` against the shared log. Nothing here is bound to an event loop: a worker
    that calls ``asyncio.run`` per task keeps one budget across its loops.
    """

    def __init__(self, limit: RateLimit = API_RATE_LIMIT, *, key: str | None = None) -> None:
        super().__init__(limit)
        self.key = key
        self._log: LocalLog = shared_log(f"memory:{key}") if key is not None else LocalLog()

    def __repr__(self) -> str:
        return f"MemoryRateBudget({self.limit}, key={self.key!r})"

    @property
    def pending(self) -> int:
        """Callers holding a slot that has not come yet."""
        return self._log.pending()

    async def pause_until(self, epoch_seconds: float) -> None:
        self._log.pause_until(check_epoch(epoch_seconds))

    async def aclose(self) -> None:
        return None

    # Reserving and giving back are synchronous: no await, so no cancellation mid-way.

    async def _reserve_guarded(self, ticket: str, max_wait: float | None) -> Reservation:
        return Reservation(ticket, self._log.reserve(ticket, self.limit, max_wait), local=True)

    async def _give_back_guarded(self, reservation: Reservation) -> None:
        self._log.give_back(reservation.ticket)


__all__ = ["MemoryRateBudget"]
