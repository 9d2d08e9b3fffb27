"""RedisTokenStore against real redis-server processes (no mocks).

Servers come from tests/redis_support.py: each test gets its own on a free loopback
port; fault tests SIGKILL and restart it; the Cluster test uses a real 3-node cluster.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import secrets
import signal
import time
import warnings
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web
from redis.asyncio import Redis, RedisCluster
from redis.asyncio.sentinel import Sentinel
from redis.crc import key_slot
from redis.exceptions import AuthenticationError, RedisError, ResponseError

from blaaiz_async.auth import AccessToken, ClientCredentialsProvider, token_cache_key
from blaaiz_async.auth.stores.base import TokenStore
from blaaiz_async.auth.stores.redis import (
    DEFAULT_LOCK_TTL,
    RedisTokenStore,
    lock_poll_delays,
    pack_value,
    redact_url,
    redis_keys,
    value_ttl_ms,
)
from blaaiz_async.config import ConfigurationError
from blaaiz_async.scopes import Scope
from tests import _redis_store_workers as workers
from tests.redis_support import (
    RedisCluster3,
    RedisSentinel,
    RedisServer,
    command,
    running_server,
)

pytestmark = pytest.mark.timeout(60)

KEY = token_cache_key("https://api-dev.blaaiz.com", "client-1", frozenset({Scope.WALLET_READ}))
SCOPES = frozenset({Scope.WALLET_READ, Scope.PAYOUT_CREATE})


def make_token(lifetime: float = 3600.0, value: str | None = None) -> AccessToken:
    now = time.time()
    return AccessToken(
        value=value or "tok-" + secrets.token_urlsafe(24),
        expires_at=now + lifetime,
        refresh_at=now + lifetime * 0.75,
        scopes=SCOPES,
    )


def same(a: AccessToken | None, b: AccessToken) -> bool:
    return a is not None and (a.value, a.expires_at, a.refresh_at, a.scopes) == (
        b.value,
        b.expires_at,
        b.refresh_at,
        b.scopes,
    )


@pytest.fixture
async def store(redis_server: RedisServer) -> AsyncIterator[RedisTokenStore]:
    s = RedisTokenStore.from_url(redis_server.url)
    yield s
    await s.aclose()


@pytest.fixture
async def raw(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


# -- pure helpers ------------------------------------------------------------------------------


def test_keys_share_the_hash_tag() -> None:
    token_key, lock_key = redis_keys("blaaiz", KEY)
    assert token_key == f"blaaiz:{{{KEY}}}:token"
    assert lock_key == f"blaaiz:{{{KEY}}}:lock"
    assert key_slot(token_key.encode()) == key_slot(lock_key.encode()) == key_slot(KEY.encode())
    # A key with braces of its own cannot break out of the tag.
    assert redis_keys("p", "a}b{c")[0] == "p:{a%7Db%7Bc}:token"


def test_value_ttl_ends_before_the_token() -> None:
    token = make_token(lifetime=100.0)
    now = time.time()
    ttl = value_ttl_ms(token, now, margin=1.0)
    assert 0 < ttl <= (token.refresh_at - now) * 1000 < (token.expires_at - now) * 1000


def test_lock_poll_backoff_is_bounded() -> None:
    delays = lock_poll_delays()
    first = [next(delays) for _ in range(8)]
    assert first[0] == 0.02 and max(first) == 0.2 and first == sorted(first)


def test_redact_url() -> None:
    shown = redact_url("rediss://alice:hunter2@redis.example:6380/0?password=pw2&db=1")
    assert "hunter2" not in shown and "pw2" not in shown
    assert shown.startswith("rediss://alice:***@redis.example:6380/0")
    store = RedisTokenStore.from_url("redis://alice:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in repr(store) and "***" in repr(store)


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="Fernet key"):
        RedisTokenStore.from_url("redis://127.0.0.1:1", encryption_key="not-a-key")
    with pytest.raises(ConfigurationError, match="braces"):
        RedisTokenStore.from_url("redis://127.0.0.1:1", prefix="a{b}")
    with pytest.raises(ConfigurationError, match=r"redis\.asyncio"):
        RedisTokenStore(object())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="invalid Redis URL"):
        RedisTokenStore.from_url("http://user:hunter2@host")


# -- values ----------------------------------------------------------------------------------


async def test_round_trip(store: RedisTokenStore) -> None:
    assert isinstance(store, TokenStore)
    token = make_token()
    assert await store.load(KEY) is None
    await store.save(KEY, token)
    assert same(await store.load(KEY), token)
    assert await store.load(KEY + "-other") is None


async def test_redis_ttl_ends_before_the_token(store: RedisTokenStore, raw: Redis) -> None:
    token = make_token(lifetime=120.0)
    await store.save(KEY, token)
    token_key, _ = redis_keys("blaaiz", KEY)
    pttl = await raw.pttl(token_key)
    assert 0 < pttl <= (token.refresh_at - time.time()) * 1000 + 50
    assert pttl < (token.expires_at - time.time()) * 1000
    # A token already due for refresh is not worth sharing.
    await raw.delete(token_key)
    stale = AccessToken(
        value="old", expires_at=time.time() + 5, refresh_at=time.time() - 1, scopes=SCOPES
    )
    await store.save(KEY, stale)
    assert await raw.exists(token_key) == 0


async def test_garbage_is_a_miss_then_overwritten(store: RedisTokenStore, raw: Redis) -> None:
    token_key, _ = redis_keys("blaaiz", KEY)
    other = make_token()
    forged = b"v1:" + b"0" * 32 + b":" + other.to_json().encode()  # fingerprint mismatch
    for garbage in (b"garbage", b"\xff\xfe", b"v1:" + b"a" * 32 + b":{not json", b"", forged):
        await raw.set(token_key, garbage)
        assert await store.load(KEY) is None, garbage
        token = make_token()
        await store.save(KEY, token)
        assert same(await store.load(KEY), token)
    await raw.delete(token_key)
    await raw.hset(token_key, "x", "y")  # a value of the wrong type
    assert await store.load(KEY) is None
    assert await store.discard(KEY, other) is False
    token = make_token()
    await store.save(KEY, token)
    assert same(await store.load(KEY), token)


async def test_discard_is_compare_and_delete(store: RedisTokenStore) -> None:
    stale, fresh = make_token(), make_token()
    await store.save(KEY, fresh)
    assert await store.discard(KEY, stale) is False  # a late 401 on an old token
    assert same(await store.load(KEY), fresh)
    assert await store.discard(KEY, fresh) is True
    assert await store.load(KEY) is None
    assert await store.discard(KEY, fresh) is False


# -- the provider end to end: one request, no secret in Redis -----------------------------------


async def token_endpoint() -> tuple[web.AppRunner, str, list[str]]:
    """A real HTTP token endpoint on a free port; records the secrets it was sent."""
    seen: list[str] = []

    async def issue(request: web.Request) -> web.Response:
        form = await request.post()
        seen.append(str(form["client_secret"]))
        await asyncio.sleep(0.05)
        return web.json_response(
            {"access_token": "at-" + secrets.token_urlsafe(16), "expires_in": 3600}
        )

    app = web.Application()
    app.router.add_post("/oauth/token", issue)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}", seen


async def test_provider_shares_one_token_and_redis_never_holds_the_secret(
    redis_server: RedisServer, raw: Redis
) -> None:
    runner, base_url, seen = await token_endpoint()
    secret = "client-secret-" + secrets.token_hex(16)
    stores = [RedisTokenStore.from_url(redis_server.url, encryption_key=None) for _ in range(4)]
    providers = [
        ClientCredentialsProvider(
            client_id="client-1",
            client_secret=secret,
            base_url=base_url,
            scopes=SCOPES,
            store=s,
        )
        for s in stores
    ]
    try:
        tokens = await asyncio.gather(*(p.get_token() for p in providers for _ in range(50)))
        assert len(seen) == 1 and seen[0] == secret  # four "processes" x 50 calls: one request
        assert len({t.value for t in tokens}) == 1
        keys = [k async for k in raw.scan_iter("*")]
        assert keys, "nothing was stored"
        for k in keys:
            assert secret.encode() not in k
            assert f"{{{providers[0].cache_key}}}".encode() in k
            value = await raw.get(k)
            assert value is None or secret.encode() not in value
        for obj in (*stores, *providers):
            assert secret not in repr(obj)
    finally:
        for p in providers:
            await p.aclose()
        for s in stores:
            await s.aclose()
        await runner.cleanup()


# -- encryption at rest ------------------------------------------------------------------------


async def test_encrypted_value_is_useless_without_the_key(
    redis_server: RedisServer, raw: Redis
) -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key()
    enc = RedisTokenStore.from_url(redis_server.url, encryption_key=key)
    other_key = RedisTokenStore.from_url(redis_server.url, encryption_key=Fernet.generate_key())
    plain = RedisTokenStore.from_url(redis_server.url)
    try:
        assert "encrypted=True" in repr(enc) and key.decode() not in repr(enc)
        token = make_token()
        await enc.save(KEY, token)
        stored = await raw.get(redis_keys("blaaiz", KEY)[0])
        assert stored is not None
        assert token.value.encode() not in stored and b"access_token" not in stored
        assert await plain.load(KEY) is None
        assert await other_key.load(KEY) is None
        assert same(await enc.load(KEY), token)
        # Compare-and-delete works on ciphertext (by keyed fingerprint).
        assert await enc.discard(KEY, make_token()) is False
        assert await other_key.discard(KEY, token) is False  # its fingerprint differs
        assert await enc.discard(KEY, token) is True
        # A plaintext value is a miss for an encrypting store, and gets overwritten.
        await plain.save(KEY, token)
        assert await enc.load(KEY) is None
        await enc.save(KEY, token)
        assert same(await enc.load(KEY), token)
    finally:
        for s in (enc, other_key, plain):
            await s.aclose()


# -- the refresh lock --------------------------------------------------------------------------


async def test_two_tasks_on_one_thread_cannot_release_each_others_lock(
    redis_server: RedisServer, raw: Redis
) -> None:
    # One store object, one thread, one loop: each acquisition still has its own owner.
    store = RedisTokenStore.from_url(redis_server.url, lock_ttl=0.3, lock_wait=3.0)
    _, lock_key = redis_keys("blaaiz", KEY)
    probe = Redis.from_url(redis_server.url)
    owners: dict[str, bytes | None] = {}
    a_released, b_acquired = asyncio.Event(), asyncio.Event()

    async def a() -> None:
        async with store.refresh_lock(KEY) as held:
            assert held
            owners["a"] = await raw.get(lock_key)
            # A's lease is lost (as if A had hung past it): B takes the lock while A still
            # "holds" it, and A's renewals must not take it back.
            await probe.delete(lock_key)
            await asyncio.wait_for(b_acquired.wait(), 3.0)
        a_released.set()

    async def b() -> None:
        await asyncio.sleep(0.05)
        async with store.refresh_lock(KEY) as held:
            assert held
            owners["b"] = await raw.get(lock_key)
            b_acquired.set()
            await asyncio.wait_for(a_released.wait(), 3.0)  # never hang the suite
            # A's release ran while B held the lock: it must not have deleted B's.
            owners["after_a"] = await raw.get(lock_key)
        owners["after_b"] = await raw.get(lock_key)

    try:
        await asyncio.gather(a(), b())
    finally:
        await store.aclose()
        await probe.aclose()
    assert owners["a"] and owners["b"] and owners["a"] != owners["b"]
    assert owners["after_a"] == owners["b"]
    assert owners["after_b"] is None


async def test_lock_wait_is_bounded_and_yields_false(redis_server: RedisServer, raw: Redis) -> None:
    holder = RedisTokenStore.from_url(redis_server.url, lock_ttl=10.0)
    waiter = RedisTokenStore.from_url(redis_server.url, lock_wait=0.3)
    _, lock_key = redis_keys("blaaiz", KEY)
    try:
        async with holder.refresh_lock(KEY) as held:
            assert held
            owner = await raw.get(lock_key)
            start = time.monotonic()
            async with waiter.refresh_lock(KEY) as waited:
                assert waited is False
            assert 0.3 <= time.monotonic() - start < 1.5
            assert await raw.get(lock_key) == owner  # the loser released nothing
        assert await raw.get(lock_key) is None
    finally:
        await holder.aclose()
        await waiter.aclose()


def test_lock_excludes_across_processes(redis_server: RedisServer) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=workers.lock_rounds, args=(redis_server.url, KEY, 5, 0.02))
        for _ in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(45)
        assert p.exitcode == 0
    owners = command_list(redis_server.port, "test:owners")
    assert command(redis_server.port, "GET", "test:overlaps") == b"$-1"
    assert command(redis_server.port, "GET", "test:not_held") == b"$-1"
    assert len(owners) == 20
    assert len(set(owners)) == 20  # every acquisition had its own owner token


def command_list(port: int, key: str) -> list[bytes]:
    async def read() -> list[bytes]:
        client = Redis(host="127.0.0.1", port=port)
        try:
            return list(await client.lrange(key, 0, -1))
        finally:
            await client.aclose()

    return asyncio.run(read())


@pytest.mark.parametrize("lock_ttl", [1.5, DEFAULT_LOCK_TTL])
async def test_lock_of_a_sigkilled_holder_expires(
    redis_server: RedisServer, raw: Redis, lock_ttl: float
) -> None:
    # The holder renews its lease while it lives (it holds the lock far past lock_ttl);
    # once it is killed, a waiter gets the lock within one lease: seconds, not a long TTL.
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=workers.hold_lock_forever, args=(redis_server.url, KEY, lock_ttl))
    proc.start()
    waiter = RedisTokenStore.from_url(redis_server.url, lock_wait=3 * lock_ttl + 5.0)
    try:
        deadline = time.monotonic() + 30
        while await raw.get("test:holder_ready") is None:
            assert proc.is_alive() and time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert await raw.get("test:holder_ready") == b"1"
        _, lock_key = redis_keys("blaaiz", KEY)
        await asyncio.sleep(2 * lock_ttl)  # past the lease: only renewal keeps it
        assert await raw.get(lock_key) is not None
        os.kill(proc.pid or 0, signal.SIGKILL)
        killed_at = time.monotonic()
        async with waiter.refresh_lock(KEY) as held:
            waited = time.monotonic() - killed_at
            assert held
        assert waited <= lock_ttl + 1.0
        assert waited < 5.0  # a dead holder costs seconds
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(10)
        await waiter.aclose()


# -- faults: Redis dies, hangs, comes back ---------------------------------------------------------


async def test_sigkilled_redis_fails_fast_and_recovers(redis_server: RedisServer) -> None:
    store = RedisTokenStore.from_url(redis_server.url)
    try:
        token = make_token()
        await store.save(KEY, token)
        assert same(await store.load(KEY), token)
        redis_server.kill()

        async def lock() -> None:
            async with store.refresh_lock(KEY):
                pass

        for op in (
            lambda: store.load(KEY),
            lambda: store.save(KEY, token),
            lambda: store.discard(KEY, token),
            lock,
        ):
            start = time.monotonic()
            with pytest.raises((RedisError, TimeoutError)):
                await op()
            assert time.monotonic() - start < 1.5
        redis_server.restart()  # same port, empty (no persistence)
        assert await store.load(KEY) is None
        await store.save(KEY, token)
        assert same(await store.load(KEY), token)
        async with store.refresh_lock(KEY) as held:
            assert held
    finally:
        await store.aclose()


async def test_a_hung_redis_times_out_instead_of_hanging(redis_server: RedisServer) -> None:
    # A user's client with no socket timeout at all: op_timeout still bounds every call.
    client = Redis(host="127.0.0.1", port=redis_server.port)
    store = RedisTokenStore(client, op_timeout=0.5)
    assert redis_server.proc is not None
    try:
        await store.save(KEY, make_token())
        redis_server.proc.send_signal(signal.SIGSTOP)
        try:
            start = time.monotonic()
            with pytest.raises(TimeoutError):
                await store.load(KEY)
            assert time.monotonic() - start < 1.5
        finally:
            redis_server.proc.send_signal(signal.SIGCONT)
        assert await store.load(KEY) is not None
    finally:
        await store.aclose()
        assert await client.ping()  # a client passed in is not closed by the store
        await client.aclose()


def test_from_url_store_survives_successive_event_loops(redis_server: RedisServer) -> None:
    store = RedisTokenStore.from_url(redis_server.url)
    token = make_token()

    async def first() -> None:
        await store.save(KEY, token)
        async with store.refresh_lock(KEY) as held:
            assert held

    async def second() -> AccessToken | None:
        async with store.refresh_lock(KEY) as held:
            assert held
        return await store.load(KEY)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        asyncio.run(first())
        assert same(asyncio.run(second()), token)
        asyncio.run(store.aclose())
        gc.collect()
    unclosed = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not unclosed, [str(w.message) for w in unclosed]


# -- deployments: ACL users, TLS, Cluster -------------------------------------------------------


async def test_acl_credentials_in_the_url(redis_server: RedisServer) -> None:
    reply = command(redis_server.port, "ACL", "SETUSER", "alice", "on", ">pw-alice", "~*", "+@all")
    assert reply == b"+OK"
    good = RedisTokenStore.from_url(f"redis://alice:pw-alice@127.0.0.1:{redis_server.port}/0")
    bad = RedisTokenStore.from_url(f"redis://alice:wrong@127.0.0.1:{redis_server.port}/0")
    try:
        token = make_token()
        await good.save(KEY, token)
        assert same(await good.load(KEY), token)
        with pytest.raises((AuthenticationError, ResponseError)):
            await bad.load(KEY)
        assert "pw-alice" not in repr(good)
    finally:
        await good.aclose()
        await bad.aclose()


@pytest.fixture
def tls_server() -> Iterator[RedisServer]:
    """TLS only, self-signed cert; the rediss:// URL makes the client verify it."""
    yield from running_server(tls=True)


async def test_rediss_tls(tls_server: RedisServer) -> None:
    store = RedisTokenStore.from_url(tls_server.url)
    try:
        assert tls_server.url.startswith("rediss://")
        token = make_token()
        await store.save(KEY, token)
        assert same(await store.load(KEY), token)
        async with store.refresh_lock(KEY) as held:
            assert held
        assert await store.discard(KEY, token) is True
    finally:
        await store.aclose()


@pytest.fixture
def sentinel(redis_server: RedisServer) -> Iterator[RedisSentinel]:
    """A real Sentinel monitoring this test's ``redis_server`` as ``mymaster``."""
    node = RedisSentinel(redis_server)
    try:
        node.start()
        yield node
    finally:
        node.cleanup()


async def test_sentinel_managed_client(sentinel: RedisSentinel) -> None:
    manager = Sentinel([("127.0.0.1", sentinel.port)], socket_timeout=1.0)
    client = manager.master_for(RedisSentinel.MASTER_NAME, socket_timeout=1.0)
    store = RedisTokenStore(client)
    try:
        token = make_token()
        await store.save(KEY, token)
        assert same(await store.load(KEY), token)
        async with store.refresh_lock(KEY) as held:
            assert held
        assert await store.discard(KEY, token) is True
        # It really went to the master Sentinel named.
        assert await client.connection_pool.get_master_address() == (
            "127.0.0.1",
            sentinel.master.port,
        )
    finally:
        await store.aclose()
        await client.aclose()
        for s in manager.sentinels:
            await s.aclose()


@pytest.fixture
def cluster_ports(redis_cluster: RedisCluster3) -> Iterator[list[int]]:
    yield redis_cluster.ports


async def test_cluster(cluster_ports: list[int]) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster_ports[0])
    own = RedisTokenStore.from_url(
        f"redis://127.0.0.1:{cluster_ports[1]}", cluster=True, lock_wait=0.2
    )
    store = RedisTokenStore(client)
    try:
        keys = [f"{KEY}-{i}" for i in range(12)]  # spread over the three nodes' slots
        slots = {key_slot(redis_keys("blaaiz", k)[0].encode()) for k in keys}
        assert len(slots) == 12
        for i, k in enumerate(keys):
            token_key, lock_key = redis_keys("blaaiz", k)
            assert key_slot(token_key.encode()) == key_slot(lock_key.encode())
            token, fresh = make_token(), make_token()
            await store.save(k, token)
            assert same(await own.load(k), token)
            assert await own.discard(k, fresh) is False
            assert await store.discard(k, token) is True
            assert await own.load(k) is None
            async with store.refresh_lock(k) as held:
                assert held
                if i < 3:
                    async with own.refresh_lock(k) as other:
                        assert other is False  # fallback after lock_wait, not an error
            async with own.refresh_lock(k) as held:
                assert held
        nodes = {client.get_node_from_key(redis_keys("blaaiz", k)[0]).port for k in keys}
        assert len(nodes) == 3  # the scripts ran on every node
    finally:
        await own.aclose()
        await store.aclose()
        await client.aclose()


# -- entries that parse but must not be used -------------------------------------------------------


def _forge(store: RedisTokenStore, **fields: object) -> bytes:
    """A value in the store's format, with a valid fingerprint, holding ``fields``."""
    import hmac
    import json

    now = time.time()
    entry: dict[str, object] = {"v": 1, "access_token": "tok-ok", "scopes": ["wallet:read"]}
    entry.update({"expires_at": now + 3600, "refresh_at": now + 2700}, **fields)
    value = str(entry["access_token"])
    fp = hmac.new(store._fp_key, value.encode(), "sha256").hexdigest()[:32]
    return pack_value(fp, json.dumps(entry).encode())


@pytest.mark.parametrize(
    "fields",
    [
        {"access_token": "tok\r\nX-Injected: 1"},
        {"access_token": "two words"},
        {"expires_at": 10**400},
        {"refresh_at": -(10**400)},
        {"expires_at": 2**40 + 1},
    ],
    ids=["cr-lf", "space", "huge-expiry", "huge-negative-refresh", "year-36000"],
)
async def test_a_shared_token_that_is_no_bearer_token_or_has_absurd_times_is_a_miss(
    store: RedisTokenStore, raw: Redis, fields: dict[str, object]
) -> None:
    token_key, _ = redis_keys("blaaiz", KEY)
    await raw.set(token_key, _forge(store))  # the forgery itself is good: only fields differ
    loaded = await store.load(KEY)
    assert loaded is not None and loaded.value == "tok-ok"
    await raw.set(token_key, _forge(store, **fields))
    assert await store.load(KEY) is None  # OverflowError or a CR/LF token before
    token = make_token()
    await store.save(KEY, token)
    assert same(await store.load(KEY), token)
