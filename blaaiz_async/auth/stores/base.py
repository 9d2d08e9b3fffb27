"""The ``TokenStore`` protocol: where the built-in OAuth provider shares its token.

A store is a small key-value cache plus a refresh lock. The provider keeps its own
per-process copy and only comes here when that copy is near expiry or was rejected, so
a store is touched about once per token lifetime per process, not once per request.

To write your own (Memcached, a secrets manager, a database), implement these five
methods. ``key`` is an opaque string the provider derives from the base URL, client id
and scope set; it never contains a secret. Stores may raise on infrastructure failure:
the provider then logs one warning, fetches a token for its process alone, and tries the
store again on the next refresh.

Optional sixth method, ``rate_budget(key: str, limit: RateLimit) -> RateBudget``: the rate
budget this store shares for ``key`` (the built-in stores return a memory, file or Redis
budget, so every client on one store shares one budget). A store without it gets a
process-wide memory budget: ``blaaiz_async.limits.budget_for(store, key, limit)`` does that
fallback. It is not part of this protocol, so existing stores keep conforming.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol, runtime_checkable

from ..token import AccessToken


@runtime_checkable
class TokenStore(Protocol):
    """Where the OAuth provider shares its token: five methods (the module docstring says
    how they are used). ``MemoryTokenStore``, ``FileTokenStore`` and ``RedisTokenStore``
    implement it."""

    async def load(self, key: str) -> AccessToken | None:
        """The shared token, or ``None`` when absent, expired or unreadable (corrupt = miss)."""
        ...

    async def save(self, key: str, token: AccessToken) -> None:
        """Publish a freshly fetched token; the last writer wins."""
        ...

    async def discard(self, key: str, token: AccessToken) -> bool:
        """Delete the shared token only if it is still ``token``; True if it was deleted.

        Must be atomic (compare-and-delete), so a late 401 in one worker never discards
        a fresh token another worker has just stored.
        """
        ...

    def refresh_lock(self, key: str) -> AbstractAsyncContextManager[bool]:
        """Hold the cross-process refresh lock for ``key`` while fetching a token.

        Yields True when the lock is held. When the wait for the lock outlasts the store's
        bound, yields False instead of raising: the caller then fetches on its own (for
        client credentials last-writer-wins is correct; the lock only prevents a stampede).
        A holder that dies must not block others beyond the lock's TTL.
        """
        ...

    async def aclose(self) -> None:
        """Release connections the store opened itself."""
        ...
