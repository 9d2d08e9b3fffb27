"""``RateGate``: the budgets one call passes through, and what the server says about them.

A call of a route spends one slot of the account's budget and one of each limit the route
declares (the Signa document read: 30/min and 600/h). The server's own view wins: a 429 or
``X-RateLimit-Remaining: 0`` pauses the account's budget for every process sharing it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from ..core import server_limit, server_pause
from ..routes import Route
from ..transport import HTTPResponse
from .budget import RateBudget, budget_for
from .limit import RateLimit

log = logging.getLogger("blaaiz_async.limits")


class RateGate:
    def __init__(self, store: object, account: str, limit: RateLimit) -> None:
        self._store = store
        self.limit = limit
        # The account's identity, hashed: budget keys and state files never hold an id
        # that could be a secret (an API key).
        self._account = hashlib.sha256(account.encode()).hexdigest()[:24]
        self.account_budget = budget_for(store, self._account, limit)
        self._by_route: dict[str, tuple[RateBudget, ...]] = {}

    def __repr__(self) -> str:
        return f"RateGate({self.account_budget!r})"

    def budgets(self, route: Route[Any]) -> tuple[RateBudget, ...]:
        """The route's own budgets first (the tighter ones), then the account's."""
        budgets = self._by_route.get(route.name)
        if budgets is None:
            own = tuple(
                budget_for(self._store, f"{self._account}|{route.name}|{lim.n}/{lim.per:g}", lim)
                for lim in route.limits
            )
            budgets = self._by_route[route.name] = own
        return (*budgets, self.account_budget)

    async def admit(self, route: Route[Any], *, max_wait: float | None) -> float:
        """Wait for a slot in every budget of ``route``; returns the seconds waited. A slot
        further away than ``max_wait`` raises ``RateLimitError`` at once."""
        started = time.monotonic()
        for budget in self.budgets(route):
            left = None if max_wait is None else max(max_wait - (time.monotonic() - started), 0.0)
            await budget.acquire(max_wait=left)
        return time.monotonic() - started

    async def observe(self, route: Route[Any], response: HTTPResponse) -> None:
        """Follow what the server says of the account's limit.

        A 429 or ``X-RateLimit-Remaining: 0`` pauses the account (a 429 of a route with its
        own limits pauses those too) until the server's reset. A server that counts fewer
        than the configured ``n`` (``X-RateLimit-Limit``) is believed: this process admits
        by that ``n`` from now on, on the same shared log, so the fleet stops overshooting.
        """
        learned = server_limit(response)
        if learned is not None and learned < self.limit.n and not route.limits:
            log.warning(
                "the server allows %d requests per window, fewer than the configured %d: using %d",
                learned,
                self.limit.n,
                learned,
            )
            self.limit = RateLimit(learned, per=self.limit.per)
            self.account_budget = budget_for(self._store, self._account, self.limit)
        until = server_pause(response, time.time())
        if until is None:
            return
        await self.account_budget.pause_until(until)
        if response.status == 429:
            for budget in self._by_route.get(route.name, ()):
                await budget.pause_until(until)

    async def aclose(self) -> None:
        every = [self.account_budget, *(b for bs in self._by_route.values() for b in bs)]
        # (budgets replaced by a learned limit share their state with the current one)
        for budget in {id(b): b for b in every}.values():
            await budget.aclose()
