"""``RedisTokenStore``: one token shared by every process and host that reaches one Redis.

Works with a ``redis.asyncio.Redis`` (standalone, ``rediss://`` TLS, ACL users, or a
Sentinel ``master_for(...)`` client) and with a ``redis.asyncio.RedisCluster``. Needs the
``redis`` extra; ``encryption_key=`` also needs the ``crypto`` extra (``cryptography``).

Layout, for a provider key ``K`` (``host|client_id|scopehash``, never the secret)::

    {prefix}:{K}:token   "v1:<fp>:<body>"   SET ... PX <until the token's refresh time>
    {prefix}:{K}:lock    <owner token>      SET ... NX PX <lock_ttl>

The braces make ``K`` the Cluster hash tag: both keys of one credential live in one slot,
so every Lua script here touches a single slot and runs on Cluster too.

``body`` is ``AccessToken.to_json()`` (the token, its times and granted scopes), or its
Fernet ciphertext when an ``encryption_key`` is given. ``fp`` is a keyed fingerprint of
the token value (HMAC-SHA256, 128 bits; keyed by the encryption key when there is one, so
it tells a Redis reader nothing). It exists for ``discard``: Lua cannot decrypt, but it can
compare a prefix, so compare-and-delete stays one atomic script whether or not the body is
encrypted. A value that does not parse, decrypt, or match its fingerprint is a miss, and
the next ``save`` overwrites it (``SET`` replaces a key of any type).

The refresh lock is a fresh random owner per acquisition (never redis-py's ``Lock``, whose
token is thread-local by default and so shared by every task on a thread), taken with
``SET NX PX`` and released by a compare-and-delete script, so a holder whose lock expired
can never release the next holder's. Waiters poll with a short jittered backoff (20 ms
doubling to 200 ms): a handful of cheap commands per waiter per refresh, which works
unchanged on Sentinel, Cluster and ACL users without pub/sub rights. A wait longer than
``lock_wait`` yields False, and the provider fetches on its own (last writer wins).

Every Redis call is bounded by ``op_timeout`` and raises on failure; the provider turns
that into one warning and a per-process token, and uses the store again on its next
refresh, so a Redis outage never fails an API call.

redis.asyncio connections belong to the event loop that opened them. A store built by
``from_url`` therefore keeps one client per running loop (weakly keyed) and closes each
one when its loop shuts down (``asyncio.run`` finalises async generators; a tiny one owns
each client), so a worker calling ``asyncio.run`` per task keeps working. A client you pass
in is yours: it is used as is, on the loop you use it on, and ``aclose`` leaves it open.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import re
import secrets
import threading
import time
import urllib.parse
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

try:
    from redis.asyncio import Redis, RedisCluster
    from redis.asyncio.connection import parse_url
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import NoScriptError, ResponseError
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("RedisTokenStore needs redis-py: pip install 'blaaiz-async[redis]'") from exc

from ...config import ConfigurationError
from ...limits.limit import RateLimit
from ...limits.redis import RedisRateBudget
from ..token import AccessToken

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

log = logging.getLogger("blaaiz_async.auth")
T = TypeVar("T")
RedisClient: TypeAlias = "Redis | RedisCluster"

DEFAULT_PREFIX = "blaaiz"
# The refresh lock is a lease its live holder renews every third of it, so a holder that
# dies (or hangs) blocks the others for at most this long, while a slow fetch keeps it.
DEFAULT_LOCK_TTL = 3.0
# A waiter waits this long for a live holder (whose token fetch has a 30 s deadline) before
# fetching on its own; a dead holder's lease lapses long before.
DEFAULT_LOCK_WAIT = 35.0
DEFAULT_OP_TIMEOUT = 2.0  # bound on one Redis round trip, whatever the client's settings
DEFAULT_TTL_MARGIN = 1.0  # the value expires at least this long before the token does
DEFAULT_SOCKET_TIMEOUT = 1.0  # for clients built by from_url
LOCK_POLL_FIRST = 0.02
LOCK_POLL_MAX = 0.2

_VALUE_VERSION = b"v1:"
_FP_HEX = 32
_FP_CONTEXT = b"blaaiz-async token fingerprint v1"


class _Script:
    """A Lua script run by SHA, loaded on demand (per node, on Cluster)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    async def __call__(self, client: RedisClient, keys: list[str], args: list[str]) -> int:
        try:
            result = await client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            result = await client.eval(self.text, len(keys), *keys, *args)
        return int(result)


# Delete the lock only if this acquisition still owns it.
_RELEASE = _Script(
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
)

# Extend the lease only if this acquisition still owns it.
_RENEW = _Script(
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
)

# Delete the token only if it is still the one with this fingerprint prefix ("v1:<fp>:").
_DISCARD = _Script(
    """
if redis.call('TYPE', KEYS[1]).ok ~= 'string' then
  return 0
end
local value = redis.call('GET', KEYS[1])
if string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
)


# -- pure helpers: key names, TTLs, value format, backoff, redaction ------------------------


def redis_keys(prefix: str, key: str) -> tuple[str, str]:
    """The token and lock keys of one provider key; ``key`` becomes the Cluster hash tag."""
    tag = key.replace("{", "%7B").replace("}", "%7D")
    return f"{prefix}:{{{tag}}}:token", f"{prefix}:{{{tag}}}:lock"


def value_ttl_ms(token: AccessToken, now: float, margin: float) -> int:
    """Milliseconds the shared value lives: until the token's refresh time, and at least
    ``margin`` before it expires. Zero or less: nothing worth sharing (readers would treat
    it as stale anyway)."""
    until = min(token.refresh_at, token.expires_at - margin)
    return int((until - now) * 1000)


def pack_value(fingerprint: str, body: bytes) -> bytes:
    return _VALUE_VERSION + fingerprint.encode() + b":" + body


def discard_prefix(fingerprint: str) -> str:
    return (_VALUE_VERSION + fingerprint.encode() + b":").decode()


def unpack_value(raw: bytes) -> tuple[str, bytes] | None:
    """``(fingerprint, body)``, or None when ``raw`` is not in our format."""
    if not raw.startswith(_VALUE_VERSION):
        return None
    rest = raw[len(_VALUE_VERSION) :]
    fp, sep, body = rest[:_FP_HEX], rest[_FP_HEX : _FP_HEX + 1], rest[_FP_HEX + 1 :]
    if sep != b":" or len(fp) != _FP_HEX or not body:
        return None
    try:
        return fp.decode("ascii"), body
    except UnicodeDecodeError:
        return None


def lock_poll_delays(first: float = LOCK_POLL_FIRST, cap: float = LOCK_POLL_MAX) -> Iterator[float]:
    """Base delays between lock attempts: ``first`` doubling up to ``cap``, forever."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


def jitter(delay: float) -> float:
    """Spread waiters out so they do not poll in step."""
    return delay * random.uniform(0.5, 1.0)


def redact_url(url: str) -> str:
    """``url`` with any password (userinfo or ``?password=``) replaced by ``***``.

    A password holding an unencoded ``/``, ``?`` or ``#`` ends the parser's host part early,
    so the userinfo is found in the text instead: everything up to the last ``@``."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, after = rest.rpartition("@")
    if sep and at and any(c in userinfo for c in "/?#"):
        return redact_url(f"{scheme}://***@{after}")
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:***@{hostport}" if has_password else f"{user}@{hostport}"
    query = parts.query
    if query:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        query = urllib.parse.urlencode(
            [(k, "***" if "pass" in k.lower() else v) for k, v in pairs], safe="*"
        )
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _unquoting(url: str, problem: str) -> str:
    """``problem`` (a parser's complaint about ``url``), unless it may quote a piece of the
    URL's user name or password: a password with an unencoded ``/`` makes the parser take
    part of it for the port ("could not be cast to integer value as '<password>'")."""
    userinfo = url.partition("://")[2].rpartition("@")[0]
    if any(part and part in problem for part in re.split(r"[:/?#]", userinfo)):
        return (
            "it cannot be parsed; percent-encode any / ? # @ or : in the user name or "
            "password (urllib.parse.quote(password, safe=''))"
        )
    return problem


def _url_problem(url: str) -> str | None:
    """What redis-py would not refuse but cannot mean what was written: ``redis:/host``
    (no ``//``: every part is dropped and localhost:6379 is used), a ``redis://`` URL
    without a host, or a database path that is not a number."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        if not url.lower().startswith(parts.scheme + "://") or not parts.hostname:
            return "it names no host; use redis://host:6379/0"
        db = parts.path.strip("/")
        if db and not db.isdigit():
            return f"the database must be a number (redis://host:6379/0), got {db[:20]!r}"
    elif parts.scheme == "unix" and not parts.path:
        return "it names no socket path; use unix:///path/to/redis.sock"
    return None


# -- per-loop clients -----------------------------------------------------------------------


def client_factory(
    url: str,
    *,
    cluster: bool,
    socket_timeout: float,
    socket_connect_timeout: float,
    client_options: Mapping[str, Any] | None,
) -> Callable[[], RedisClient]:
    """A maker of clients for ``url`` (checked now: a malformed URL fails here, not on
    first use). Socket timeouts are short so an unreachable Redis fails fast; one
    immediate retry covers a connection Redis dropped (a restart)."""
    kwargs: dict[str, Any] = {
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": socket_connect_timeout,
        "retry": Retry(NoBackoff(), 1),
    }
    kwargs.update(client_options or {})
    try:
        parse_url(url)
        problem = _url_problem(url)
    except ValueError as exc:
        problem = str(exc)
    if problem is not None:
        raise ConfigurationError(
            f"invalid Redis URL {redact_url(url)!r}: {_unquoting(url, problem)}"
        )

    def factory() -> RedisClient:
        if cluster:
            return RedisCluster.from_url(url, **kwargs)
        return Redis.from_url(url, **kwargs)

    return factory


class _LoopClient:
    __slots__ = ("client", "closer")

    def __init__(self, client: RedisClient, closer: AsyncGenerator[None, None]) -> None:
        self.client = client
        self.closer = closer


_Clients: TypeAlias = "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClient]"


class LoopClients:
    """The Redis client for the running event loop: the one passed in (it stays the
    caller's), or one per loop from ``factory`` (redis-py's pools belong to one loop),
    closed by that loop's shutdown or by ``aclose``. ``owner`` names the user's class in
    the messages."""

    def __init__(
        self,
        owner: str,
        client: RedisClient | None,
        factory: Callable[[], RedisClient] | None,
        url: str | None,
    ) -> None:
        if client is None and factory is None:
            raise ConfigurationError(
                f"{owner} needs a redis.asyncio client, or use {owner}.from_url(url)"
            )
        if client is not None and not isinstance(client, Redis | RedisCluster):
            raise ConfigurationError(
                f"{owner} needs a redis.asyncio.Redis or RedisCluster, got "
                f"{type(client).__module__}.{type(client).__qualname__}; "
                f"use redis.asyncio (not the sync redis.Redis) or {owner}.from_url(url)"
            )
        self.user_client = client
        self._factory = factory
        self._url = url
        self._clients: _Clients = weakref.WeakKeyDictionary()
        self._guard = threading.Lock()  # loops of several threads may share the owner

    def describe(self) -> str:
        """For the owner's repr: the URL without its password, or the client's kind."""
        if self._url is not None:
            return f"url={redact_url(self._url)!r}"
        return f"client={type(self.user_client).__name__}"

    async def get(self) -> RedisClient:
        if self.user_client is not None:
            return self.user_client
        assert self._factory is not None
        loop = asyncio.get_running_loop()
        entry = self._clients.get(loop)
        if entry is not None:
            return entry.client
        with self._guard:
            for stale in [lp for lp in list(self._clients) if lp.is_closed()]:
                del self._clients[stale]  # its loop closed without async-generator shutdown
            client = self._factory()
            closer = _close_with_loop(client, self._clients, self._guard)
            self._clients[loop] = _LoopClient(client, closer)
        await closer.asend(None)  # first run on this loop: the loop now finalises it
        return client

    async def aclose(self) -> None:
        """Close the clients made here (a client passed in stays open)."""
        with self._guard:
            entries = list(self._clients.items())
            self._clients.clear()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - aclose is always awaited on a loop
            return
        for loop, entry in entries:
            if loop is running:
                await entry.closer.aclose()
            # A client of another loop is closed by that loop's shutdown (or dropped with it).


async def _close_with_loop(
    client: RedisClient, clients: _Clients, guard: threading.Lock
) -> AsyncGenerator[None, None]:
    """Suspended for the life of the loop; the loop's async-generator shutdown
    (``asyncio.run`` does it) or ``LoopClients.aclose`` resumes it to close ``client``."""
    try:
        yield
    finally:
        with guard, contextlib.suppress(RuntimeError):
            entry = clients.get(asyncio.get_running_loop())
            if entry is not None and entry.client is client:
                del clients[asyncio.get_running_loop()]
        try:
            await client.aclose()
        except Exception as exc:  # closing a half-dead connection must not fail shutdown
            log.debug("closing a Redis client failed: %s", type(exc).__name__)


# -- encryption -------------------------------------------------------------------------------


def _fernet(key: str | bytes) -> Fernet:
    try:
        from cryptography.fernet import Fernet
    except ImportError as exc:
        raise ImportError(
            "encryption_key= needs the cryptography package: pip install 'blaaiz-async[crypto]'"
        ) from exc
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise ConfigurationError(
            "encryption_key must be a Fernet key (32 url-safe base64-encoded bytes); "
            "make one with cryptography.fernet.Fernet.generate_key()"
        ) from None


# -- the store ---------------------------------------------------------------------------------


class RedisTokenStore:
    """Shares a token through Redis; locks refresh with ``SET NX PX`` and an owner token.

    Pass a ``redis.asyncio.Redis``/``RedisCluster`` (it stays yours), or build one with
    ``RedisTokenStore.from_url("rediss://user:pass@host:6380/0")``.
    """

    def __init__(
        self,
        client: RedisClient | None = None,
        *,
        prefix: str = DEFAULT_PREFIX,
        lock_ttl: float = DEFAULT_LOCK_TTL,
        lock_wait: float | None = None,
        op_timeout: float = DEFAULT_OP_TIMEOUT,
        ttl_margin: float = DEFAULT_TTL_MARGIN,
        encryption_key: str | bytes | None = None,
        _factory: Callable[[], RedisClient] | None = None,
        _url: str | None = None,
    ) -> None:
        self._redis = LoopClients("RedisTokenStore", client, _factory, _url)
        if not prefix or "{" in prefix or "}" in prefix:
            raise ConfigurationError(
                f"prefix must be non-empty and contain no braces (they would break the "
                f"Cluster hash tag), got {prefix!r}"
            )
        if lock_wait is None:
            lock_wait = max(DEFAULT_LOCK_WAIT, lock_ttl * 1.5)
        for name, value in (("lock_ttl", lock_ttl), ("op_timeout", op_timeout)):
            if not value > 0:
                raise ConfigurationError(f"{name} must be a positive number of seconds")
        for name, value in (("lock_wait", lock_wait), ("ttl_margin", ttl_margin)):
            if not value >= 0:
                raise ConfigurationError(f"{name} must be zero or more seconds")
        self.prefix = prefix
        self.lock_ttl = float(lock_ttl)
        self.lock_wait = float(lock_wait)
        self.op_timeout = float(op_timeout)
        self.ttl_margin = float(ttl_margin)
        self._cipher = _fernet(encryption_key) if encryption_key is not None else None
        fp_secret = (
            encryption_key.encode() if isinstance(encryption_key, str) else encryption_key or b""
        )
        self._fp_key = hashlib.sha256(_FP_CONTEXT + b"\0" + fp_secret).digest()

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
    ) -> RedisTokenStore:
        """A store that owns its connections: ``redis://``, ``rediss://`` (TLS),
        ``redis://user:password@host`` (ACL), or a Cluster seed node with ``cluster=True``.

        Socket timeouts are short so an unreachable Redis fails fast and the provider falls
        back to a per-process token; one immediate retry covers a connection Redis dropped
        (a restart). ``client_options`` go to redis-py; ``options`` to the store.
        """
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
            f"RedisTokenStore({self._redis.describe()}, prefix={self.prefix!r}, "
            f"encrypted={self._cipher is not None})"
        )

    # -- the TokenStore protocol ---------------------------------------------------------------

    async def load(self, key: str) -> AccessToken | None:
        token_key, _ = redis_keys(self.prefix, key)
        try:
            raw = await self._call(lambda c: c.get(token_key))
        except ResponseError as exc:
            if str(exc).startswith("WRONGTYPE"):
                log.debug("%s holds a non-string value; treating it as a miss", token_key)
                return None
            raise
        except UnicodeDecodeError:  # a client with decode_responses=True met binary garbage
            log.debug("%s holds an undecodable value; treating it as a miss", token_key)
            return None
        if raw is None:
            return None
        token = self._decode(raw.encode() if isinstance(raw, str) else raw)
        if token is None:
            log.debug("%s holds an unreadable value; treating it as a miss", token_key)
            return None
        return None if token.is_expired() else token

    async def save(self, key: str, token: AccessToken) -> None:
        token_key, _ = redis_keys(self.prefix, key)
        ttl_ms = value_ttl_ms(token, time.time(), self.ttl_margin)
        if ttl_ms <= 0:
            log.debug("token %s is already due for refresh; not sharing it", token.fingerprint)
            return
        value = self._encode(token)
        await self._call(lambda c: c.set(token_key, value, px=ttl_ms))

    async def discard(self, key: str, token: AccessToken) -> bool:
        token_key, _ = redis_keys(self.prefix, key)
        prefix = discard_prefix(self._fingerprint(token))
        return bool(await self._call(lambda c: _DISCARD(c, [token_key], [prefix])))

    @contextlib.asynccontextmanager
    async def refresh_lock(self, key: str) -> AsyncIterator[bool]:
        _, lock_key = redis_keys(self.prefix, key)
        owner = secrets.token_hex(16)  # this acquisition's own: never shared between tasks
        held = await self._acquire(lock_key, owner)
        lease = (
            asyncio.get_running_loop().create_task(self._renew(lock_key, owner)) if held else None
        )
        try:
            yield held
        except BaseException:
            if held:
                await _stop(lease)
                with contextlib.suppress(Exception):  # do not mask the caller's error
                    await self._release(lock_key, owner)
            raise
        if held:
            await _stop(lease)
            await self._release(lock_key, owner)

    async def aclose(self) -> None:
        """Close the clients this store opened (a client passed in stays open)."""
        await self._redis.aclose()

    # -- the shared rate budget ------------------------------------------------------------------

    def rate_budget(self, key: str, limit: RateLimit) -> RedisRateBudget:
        """The fleet-wide budget of ``key``, on this store's clients and prefix; its keys are
        ``{prefix}:{key}:rate*``, hash-tagged like the token keys."""
        return RedisRateBudget(
            self._client, key, limit, prefix=self.prefix, op_timeout=self.op_timeout
        )

    # -- locking ---------------------------------------------------------------------------------

    async def _acquire(self, lock_key: str, owner: str) -> bool:
        ttl_ms = max(1, int(self.lock_ttl * 1000))
        deadline = time.monotonic() + self.lock_wait
        for delay in lock_poll_delays():
            try:
                acquired = await self._call(lambda c: c.set(lock_key, owner, nx=True, px=ttl_ms))
            except BaseException:
                # Cancelled, or no reply in time: the SET may still have landed. Give it back
                # if so, or every other process would wait out the whole lock TTL.
                with contextlib.suppress(Exception):
                    await self._call(lambda c: _RELEASE(c, [lock_key], [owner]))
                raise
            if acquired:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await asyncio.sleep(min(jitter(delay), remaining))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _renew(self, lock_key: str, owner: str) -> None:
        """Keep the lease while this holder lives; stop once it is lost or Redis fails."""
        ttl_ms = str(max(1, int(self.lock_ttl * 1000)))
        while True:
            await asyncio.sleep(self.lock_ttl / 3)
            try:
                kept = await self._call(lambda c: _RENEW(c, [lock_key], [owner, ttl_ms]))
            except Exception:
                return  # the lease lapses by itself; the fetch goes on regardless
            if not kept:
                return

    async def _release(self, lock_key: str, owner: str) -> None:
        if not await self._call(lambda c: _RELEASE(c, [lock_key], [owner])):
            log.info(
                "refresh lock %s expired before its holder released it (lock_ttl=%.1fs "
                "is shorter than that token fetch); another process may have fetched too",
                lock_key,
                self.lock_ttl,
            )

    # -- values ----------------------------------------------------------------------------------

    def _fingerprint(self, token: AccessToken) -> str:
        digest = hmac.new(self._fp_key, token.value.encode(), hashlib.sha256).hexdigest()
        return digest[:_FP_HEX]

    def _encode(self, token: AccessToken) -> bytes:
        body = token.to_json().encode()
        if self._cipher is not None:
            body = self._cipher.encrypt(body)
        return pack_value(self._fingerprint(token), body)

    def _decode(self, raw: bytes) -> AccessToken | None:
        unpacked = unpack_value(raw)
        if unpacked is None:
            return None
        fingerprint, body = unpacked
        if self._cipher is not None:
            from cryptography.fernet import InvalidToken

            try:
                body = self._cipher.decrypt(body)
            except InvalidToken:
                return None
        try:
            token = AccessToken.from_json(body)
        except ValueError:
            return None
        if not hmac.compare_digest(self._fingerprint(token), fingerprint):
            return None  # written with another key, or tampered with
        return token

    # -- clients ---------------------------------------------------------------------------------

    async def _call(self, op: Callable[[RedisClient], Awaitable[T]]) -> T:
        client = await self._client()
        async with asyncio.timeout(self.op_timeout):
            return await op(client)

    async def _client(self) -> RedisClient:
        return await self._redis.get()


async def _stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
