"""``RedisRateBudget``: one budget for every process and host that reaches one Redis.

Layout, for a budget key ``K`` (the caller's; never a secret)::

    {prefix}:{K}:rate         sorted set: ticket -> slot time (granted slots)
    {prefix}:{K}:rate-free    sorted set: ticket -> slot time (slots given back)
    {prefix}:{K}:rate-pause   string: epoch seconds before which nobody is admitted

The braces make ``K`` the Cluster hash tag (as for the token keys), so each script
touches one slot and runs on Cluster too. Every key has a TTL: an idle budget vanishes.

One admission is ONE Lua script (``EVALSHA``): it prunes, decides and records the slot
atomically, exactly as ``admission.SlotLog.reserve`` does, and returns how long the caller
waits; the caller then sleeps locally. Times are the server's clock (``TIME``), so hosts
with skewed clocks still share one timeline. Where scripts may not call ``TIME`` (the
command renamed or disabled, or a server that refuses writes after it), the script says
so, the budget logs it once and passes its own clock instead (``time.time()``; keep the
hosts' clocks in sync then).

A value of the wrong type, or a pause that is not a number, is treated as empty and
replaced. A failing Redis (down, timing out, refusing) degrades the budget to this
process alone with one warning, and the budget uses Redis again once it answers.

Load: redis-py's asyncio pool refuses a command beyond ``max_connections`` (100 by
default) with ``MaxConnectionsError``. Each budget therefore runs at most
``max_concurrency`` commands at a time per client and event loop (the limit is shared
by every budget on that client), and callers queue for it, so a thousand concurrent
callers never exhaust the pool. The slot sleep happens outside that queue.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeAlias

try:
    from redis.asyncio import Redis, RedisCluster
    from redis.exceptions import NoScriptError, RedisError, ResponseError
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("RedisRateBudget needs redis-py: pip install 'blaaiz-async[redis]'") from exc

from ..config import ConfigurationError
from ._slots import SharedSlotBudget
from .admission import Decision
from .limit import API_RATE_LIMIT, RateLimit

log = logging.getLogger("blaaiz_async.limits")

RedisClient: TypeAlias = "Redis | RedisCluster"
Connect: TypeAlias = Callable[[], Awaitable[RedisClient]]

DEFAULT_PREFIX = "blaaiz"
DEFAULT_OP_TIMEOUT = 2.0  # bound on one round trip, queueing for the client excluded
DEFAULT_MAX_CONCURRENCY = 16  # commands in flight per client and loop, well under the pool


def budget_keys(prefix: str, key: str) -> tuple[str, str, str]:
    """The slots, free-slots and pause keys of one budget; ``key`` is the hash tag."""
    tag = key.replace("{", "%7B").replace("}", "%7D")
    base = f"{prefix}:{{{tag}}}"
    return f"{base}:rate", f"{base}:rate-free", f"{base}:rate-pause"


# ARGV[1]: '1' to read the server's clock, '0' to use ARGV[2] (the client's epoch seconds).
_PRELUDE = """
local now
if ARGV[1] == '1' then
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.pcall('TIME')
  if type(t) ~= 'table' or t.err or t[2] == nil then return {'noclock'} end
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[2])
end
local function fmt(x) return string.format('%.17g', x) end
local function reset_unless(key, kind)
  local found = redis.call('TYPE', key).ok
  if found ~= kind and found ~= 'none' then redis.call('DEL', key) end
end
local function read_pause(key)
  reset_unless(key, 'string')
  local p = tonumber(redis.call('GET', key) or '')
  if p == nil or p ~= p or p == math.huge or p == -math.huge then return 0 end
  return p
end
"""

# KEYS: slots, free, pause. ARGV[3..6]: n, per, max_wait ('' = none), ticket.
_RESERVE = (
    _PRELUDE
    + """
local slots, free = KEYS[1], KEYS[2]
local n, per = tonumber(ARGV[3]), tonumber(ARGV[4])
reset_unless(slots, 'zset')
reset_unless(free, 'zset')
local start = math.max(now, read_pause(KEYS[3]))
redis.call('ZREMRANGEBYSCORE', slots, '+inf', '+inf')
redis.call('ZREMRANGEBYSCORE', slots, '-inf', fmt(now - per))
local past = redis.call('ZCOUNT', slots, '-inf', fmt(now))
if past > n then redis.call('ZREMRANGEBYRANK', slots, 0, past - n - 1) end
redis.call('ZREMRANGEBYSCORE', free, '-inf', '(' .. fmt(start))
redis.call('ZREMRANGEBYSCORE', free, '+inf', '+inf')
local slot, reused = start, false
local first = redis.call('ZRANGE', free, 0, 0, 'WITHSCORES')
if #first > 0 then
  slot, reused = tonumber(first[2]), first[1]
elseif redis.call('ZCARD', slots) >= n then
  local nth = redis.call('ZREVRANGE', slots, n - 1, n - 1, 'WITHSCORES')
  slot = math.max(start, tonumber(nth[2]) + per)
end
local wait = slot - now
local flag = reused and '1' or '0'
if ARGV[5] ~= '' and wait > tonumber(ARGV[5]) then
  return {'refused', fmt(wait), fmt(slot), flag}
end
if reused then redis.call('ZREM', free, reused) end
redis.call('ZADD', slots, fmt(slot), ARGV[6])
local last = tonumber(redis.call('ZREVRANGE', slots, 0, 0, 'WITHSCORES')[2])
redis.call('PEXPIRE', slots, math.ceil((last - now + per) * 1000) + 1000)
return {'granted', fmt(wait), fmt(slot), flag}
"""
)

# KEYS: slots, free. ARGV[3]: ticket. A slot still ahead moves to the free set.
_GIVE_BACK = (
    _PRELUDE
    + """
reset_unless(KEYS[1], 'zset')
reset_unless(KEYS[2], 'zset')
local score = redis.call('ZSCORE', KEYS[1], ARGV[3])
if not score then return {'absent'} end
score = tonumber(score)
if score <= now then return {'passed'} end
redis.call('ZREM', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], fmt(score), ARGV[3])
local last = tonumber(redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2])
redis.call('PEXPIRE', KEYS[2], math.ceil((last - now) * 1000) + 1000)
return {'freed'}
"""
)

# KEYS: pause. ARGV[3]: epoch seconds. Only ever lengthens the pause.
_PAUSE = (
    _PRELUDE
    + """
local stop = tonumber(ARGV[3])
if stop <= now or stop <= read_pause(KEYS[1]) then return {'kept'} end
redis.call('SET', KEYS[1], fmt(stop), 'PX', math.ceil((stop - now) * 1000) + 1000)
return {'paused'}
"""
)


class _Script:
    """A Lua script run by SHA, sent in full when a node does not have it yet."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    async def __call__(self, client: RedisClient, keys: Sequence[str], args: Sequence[str]) -> Any:
        try:
            return await client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return await client.eval(self.text, len(keys), *keys, *args)


RESERVE, GIVE_BACK, PAUSE = _Script(_RESERVE), _Script(_GIVE_BACK), _Script(_PAUSE)


_GATES: weakref.WeakKeyDictionary[Any, tuple[asyncio.AbstractEventLoop, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def _gate(client: RedisClient, size: int) -> asyncio.Semaphore:
    """The queue for ``client`` on the running loop (semaphores belong to one loop)."""
    loop = asyncio.get_running_loop()
    entry = _GATES.get(client)
    if entry is None or entry[0] is not loop:
        entry = _GATES[client] = (loop, asyncio.Semaphore(size))
    return entry[1]


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _refuses_time(exc: ResponseError) -> bool:
    """The script error of a server that does not let scripts write after ``TIME``."""
    message = str(exc).lower()
    return "non deterministic" in message or "nondeterministic" in message


class RedisRateBudget(SharedSlotBudget):
    """Shares a rate budget through Redis (standalone, Sentinel or Cluster).

    ``redis`` is a ``redis.asyncio`` client, or an async callable that returns the client
    to use on the running loop (how ``RedisTokenStore.rate_budget`` shares its per-loop
    clients). Either way the client stays its owner's: ``aclose`` leaves it open.
    """

    shared_errors = (RedisError, OSError)

    def __init__(
        self,
        redis: RedisClient | Connect,
        key: str,
        limit: RateLimit = API_RATE_LIMIT,
        *,
        prefix: str = DEFAULT_PREFIX,
        op_timeout: float = DEFAULT_OP_TIMEOUT,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    ) -> None:
        if isinstance(redis, Redis | RedisCluster):
            client = redis

            async def connect() -> RedisClient:
                return client

            self._connect: Connect = connect
        elif callable(redis):
            self._connect = redis
        else:
            raise ConfigurationError(
                f"RedisRateBudget needs a redis.asyncio.Redis or RedisCluster, got "
                f"{type(redis).__module__}.{type(redis).__qualname__}; use redis.asyncio "
                "(not the sync redis.Redis), or RedisTokenStore.from_url(url).rate_budget(...)"
            )
        if not isinstance(key, str) or not key:
            raise ConfigurationError("the budget key must be a non-empty string")
        if not prefix or "{" in prefix or "}" in prefix:
            raise ConfigurationError(
                f"prefix must be non-empty and contain no braces (they would break the "
                f"Cluster hash tag), got {prefix!r}"
            )
        if not op_timeout > 0:
            raise ConfigurationError("op_timeout must be a positive number of seconds")
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
            raise ConfigurationError("max_concurrency must be a whole number, at least 1")
        if max_concurrency < 1:
            raise ConfigurationError("max_concurrency must be a whole number, at least 1")
        self.key = key
        self.prefix = prefix
        self.keys = budget_keys(prefix, key)
        self.op_timeout = float(op_timeout)
        self.max_concurrency = max_concurrency
        self.server_clock = True  # False once the server refused TIME in a script
        super().__init__(limit, name=f"redis:{self.keys[0]}")

    def __repr__(self) -> str:
        return f"RedisRateBudget(key={self.key!r}, {self.limit}, prefix={self.prefix!r})"

    async def _reserve_shared(self, ticket: str, max_wait: float | None) -> Decision:
        bound = "" if max_wait is None or math.isinf(max_wait) else repr(max_wait)
        args = [str(self.limit.n), repr(self.limit.per), bound]
        reply = await self._run(RESERVE, self.keys, [*args, ticket])
        status, wait, slot, reused = (_text(part) for part in reply)
        return Decision(
            granted=status == "granted",
            slot=float(slot),
            wait=float(wait),
            reuses_free=reused == "1",
        )

    async def _give_back_shared(self, ticket: str) -> None:
        await self._run(GIVE_BACK, self.keys[:2], [ticket])

    async def _pause_shared(self, epoch_seconds: float) -> None:
        await self._run(PAUSE, self.keys[2:], [repr(epoch_seconds)])

    async def _run(self, script: _Script, keys: Sequence[str], args: Sequence[str]) -> Any:
        client = await self._connect()
        async with _gate(client, self.max_concurrency), asyncio.timeout(self.op_timeout):
            if self.server_clock:
                try:
                    reply = await script(client, keys, ["1", "", *args])
                except ResponseError as exc:
                    if not _refuses_time(exc):
                        raise
                    self._use_client_clock(str(exc))
                else:
                    if _text(reply[0]) != "noclock":
                        return reply
                    self._use_client_clock("TIME is not available to scripts")
            return await script(client, keys, ["0", repr(time.time()), *args])

    def _use_client_clock(self, why: str) -> None:
        if self.server_clock:
            self.server_clock = False
            log.warning(
                "rate budget %s: the server's clock cannot be read in a script (%s); using "
                "this host's clock, so keep the clocks of the hosts sharing it in sync",
                self.name,
                why,
            )


__all__ = ["RedisRateBudget", "budget_keys"]
