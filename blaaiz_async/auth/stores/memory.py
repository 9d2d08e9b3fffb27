"""The default store: one process, any number of clients and event loops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ...limits.limit import RateLimit
from ...limits.memory import MemoryRateBudget
from .._loop_local import LoopLocalLocks
from ..token import AccessToken


class MemoryTokenStore:
    """Shares a token between the clients of one process; locks with asyncio."""

    def __init__(self) -> None:
        self._tokens: dict[str, AccessToken] = {}
        self._locks = LoopLocalLocks()

    def __repr__(self) -> str:
        return f"MemoryTokenStore(keys={len(self._tokens)})"

    async def load(self, key: str) -> AccessToken | None:
        token = self._tokens.get(key)
        if token is not None and token.is_expired():
            return None
        return token

    async def save(self, key: str, token: AccessToken) -> None:
        self._tokens[key] = token

    async def discard(self, key: str, token: AccessToken) -> bool:
        current = self._tokens.get(key)
        if current is not None and current.value == token.value:
            del self._tokens[key]
            return True
        return False

    @asynccontextmanager
    async def refresh_lock(self, key: str) -> AsyncIterator[bool]:
        async with self._locks.get(key):
            yield True

    async def aclose(self) -> None:
        return None

    def rate_budget(self, key: str, limit: RateLimit) -> MemoryRateBudget:
        """The process-wide budget of ``key``: clients of one process share it even on
        separate ``MemoryTokenStore`` objects (the API limits the account, not the store)."""
        return MemoryRateBudget(limit, key=key)
