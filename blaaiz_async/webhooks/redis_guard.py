"""``RedisReplayGuard``: every receiver process and host sharing one Redis handles each
webhook event once. Needs the ``redis`` extra.

One key per event, ``{prefix}:{replay key}`` (an event id or a hash, never a secret)::

    claim:<owner>   SET NX PX claim_ttl   a receiver is running the handler
    done            SET PX done_ttl       handled; later copies are duplicates

Claims carry a fresh random owner per delivery, so extend, release and complete are Lua
compare-and-set scripts: a receiver whose claim expired can never touch the next one's.
Every script touches one key, so the guard works unchanged on Redis Cluster.

Load: redis-py's asyncio pool holds at most 100 connections by default and raises
``MaxConnectionsError`` past that, while a busy receiver may have hundreds of deliveries
in flight. Each event loop therefore admits at most ``max_concurrency`` Redis commands at
once (bounded further by the client's own pool size); the rest wait their turn, which
is short: the handler runs without holding a connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias, TypeVar

try:
    from redis.asyncio import Redis, RedisCluster
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("RedisReplayGuard needs redis-py: pip install 'blaaiz-async[redis]'") from exc

from ..auth.stores.redis import (  # _RELEASE: drop a key while its value is ours
    _RELEASE,
    LoopClients,
    _Script,
    client_factory,
)
from ..config import ConfigurationError
from .receiver import DEFAULT_CLAIM_TTL, DEFAULT_DONE_TTL, check_ttls

T = TypeVar("T")
RedisClient: TypeAlias = "Redis | RedisCluster"

DEFAULT_PREFIX = "blaaiz:webhook"
DEFAULT_MAX_CONCURRENCY = 64  # below redis-py's default pool of 100, with room to spare
DEFAULT_OP_TIMEOUT = 2.0
DEFAULT_SOCKET_TIMEOUT = 1.0
_CLAIM = "claim:"
_DONE = "done"

# Push the claim's expiry out, only while it is still ours.
_EXTEND = _Script(
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
)

# Mark done if the claim is ours, or expired with nobody else claiming since; 0 when
# another receiver holds it now (it will mark it done itself).
_COMPLETE = _Script(
    """
local value = redis.call('GET', KEYS[1])
if value == ARGV[1] or value == false then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
if value == ARGV[2] then
  return 1
end
return 0
"""
)


def _pool_size(client: object) -> int | None:
    pool = getattr(client, "connection_pool", None)
    size = getattr(pool, "max_connections", None)
    if size is None:
        size = getattr(client, "max_connections", None)  # RedisCluster: per node
    return size if isinstance(size, int) and size > 0 else None


class RedisReplayGuard:
    """Shares claims and done marks through Redis (standalone, Sentinel, Cluster).

    Pass a ``redis.asyncio.Redis``/``RedisCluster`` (it stays yours), or build one per
    event loop with ``RedisReplayGuard.from_url(url)``.
    """

    def __init__(
        self,
        client: RedisClient | None = None,
        *,
        prefix: str = DEFAULT_PREFIX,
        claim_ttl: float = DEFAULT_CLAIM_TTL,
        done_ttl: float = DEFAULT_DONE_TTL,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        op_timeout: float = DEFAULT_OP_TIMEOUT,
        _factory: Callable[[], RedisClient] | None = None,
        _url: str | None = None,
    ) -> None:
        self._redis = LoopClients("RedisReplayGuard", client, _factory, _url)
        if not prefix:
            raise ConfigurationError("prefix must not be empty")
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
            raise ConfigurationError("max_concurrency must be a positive integer")
        if max_concurrency < 1:
            raise ConfigurationError("max_concurrency must be a positive integer")
        if not op_timeout > 0:
            raise ConfigurationError("op_timeout must be a positive number of seconds")
        self.claim_ttl, self.done_ttl = check_ttls(claim_ttl, done_ttl)
        self.prefix = prefix
        self.op_timeout = float(op_timeout)
        self.max_concurrency = max_concurrency  # and never more than the client's pool
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        cluster: bool = False,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
        socket_connect_timeout: float = DEFAULT_SOCKET_TIMEOUT,
        client_options: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> RedisReplayGuard:
        """A guard that owns its connections, one client per event loop: ``redis://``,
        ``rediss://``, ``redis://user:password@host`` (ACL), or a Cluster seed node with
        ``cluster=True``. ``client_options`` go to redis-py, ``options`` to the guard."""
        factory = client_factory(
            url,
            cluster=cluster,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_connect_timeout,
            client_options=client_options,
        )
        return cls(_factory=factory, _url=url, **options)

    def __repr__(self) -> str:
        return (
            f"RedisReplayGuard({self._redis.describe()}, prefix={self.prefix!r}, "
            f"claim_ttl={self.claim_ttl:g}, "
            f"done_ttl={self.done_ttl:g})"
        )

    def key(self, replay_key: str) -> str:
        return f"{self.prefix}:{replay_key}"

    # -- the ReplayGuard protocol -------------------------------------------------------------

    async def claim(self, key: str) -> str | None:
        owner = secrets.token_hex(16)
        value = _CLAIM + owner
        name = self.key(key)
        ttl = self._ms(self.claim_ttl)
        try:
            taken = await self._call(lambda c: c.set(name, value, nx=True, px=ttl))
        except BaseException:
            # No reply in time, or cancelled: the SET may have landed. Give it back, or the
            # event would wait out the claim TTL before a redelivery could be handled.
            with contextlib.suppress(Exception):
                await self._call(lambda c: _RELEASE(c, [name], [value]))
            raise
        return owner if taken else None

    async def extend(self, key: str, owner: str) -> bool:
        name, ttl = self.key(key), str(self._ms(self.claim_ttl))
        return bool(await self._call(lambda c: _EXTEND(c, [name], [_CLAIM + owner, ttl])))

    async def release(self, key: str, owner: str) -> None:
        name = self.key(key)
        await self._call(lambda c: _RELEASE(c, [name], [_CLAIM + owner]))

    async def complete(self, key: str, owner: str) -> None:
        name, ttl = self.key(key), str(self._ms(self.done_ttl))
        await self._call(lambda c: _COMPLETE(c, [name], [_CLAIM + owner, _DONE, ttl]))

    async def aclose(self) -> None:
        """Close the clients this guard opened (a client passed in stays open)."""
        await self._redis.aclose()

    # -- plumbing -----------------------------------------------------------------------------

    @staticmethod
    def _ms(seconds: float) -> int:
        return max(1, int(seconds * 1000))

    def _gate(self, client: RedisClient) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            # A semaphore that was waited on holds its loop, keeping the weak key alive:
            # drop those of ended loops, or every asyncio.run would leak one.
            for ended in [lp for lp in list(self._gates) if lp.is_closed()]:
                del self._gates[ended]
            pool = _pool_size(client)
            size = min(self.max_concurrency, pool) if pool else self.max_concurrency
            gate = self._gates[loop] = asyncio.Semaphore(size)
        return gate

    async def _call(self, op: Callable[[RedisClient], Awaitable[T]]) -> T:
        client = await self._client()
        async with self._gate(client):
            async with asyncio.timeout(self.op_timeout):
                return await op(client)

    async def _client(self) -> RedisClient:
        return await self._redis.get()
