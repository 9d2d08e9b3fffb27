"""The ``RateBudget`` protocol, and ``budget_for``: the budget a token store hands out.

A budget is shared by everything that reaches the same state: one process
(``MemoryRateBudget``), one host (``FileRateBudget``), or a fleet (``RedisRateBudget``).
Each token store hands out the budget of its kind through an optional
``rate_budget(key, limit)`` method, so clients on the same store share one budget.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .limit import RateLimit
from .memory import MemoryRateBudget


@runtime_checkable
class RateBudget(Protocol):
    async def acquire(self, *, max_wait: float | None = None) -> None:
        """Wait for this caller's slot: callers are served in arrival order.

        When the slot is further away than ``max_wait`` seconds, nothing is reserved and
        ``RateLimitError`` (status 429, ``retry_after`` = the wait) is raised at once. A
        caller cancelled while it waits gives its slot back.
        """
        ...

    async def pause_until(self, epoch_seconds: float) -> None:
        """Admit nobody sharing this budget before ``epoch_seconds`` (the server said stop:
        ``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset``, or a 429's ``Retry-After``).
        Callers that already hold an earlier slot keep it."""
        ...

    async def aclose(self) -> None:
        """Finish background give-backs; connections passed in stay open."""
        ...


def budget_for(store: object, key: str, limit: RateLimit) -> RateBudget:
    """The budget ``store`` shares for ``key``: its ``rate_budget(key, limit)`` when it has
    one, else a process-wide memory budget for ``key`` (a custom store without the method
    still limits each process)."""
    make = getattr(store, "rate_budget", None)
    if callable(make):
        budget: RateBudget = make(key, limit)
        return budget
    return MemoryRateBudget(limit, key=key)


__all__ = ["RateBudget", "budget_for"]
