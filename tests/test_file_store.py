"""FileTokenStore with real files, real OS locks and real processes (spawned; no mocks)."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import stat
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp.web
import pytest

from blaaiz_async.auth import AccessToken, ClientCredentialsProvider, FileTokenStore
from blaaiz_async.auth.stores.base import TokenStore
from blaaiz_async.scopes import Scope

from . import _file_store_workers as workers

SPAWN = multiprocessing.get_context("spawn")
KEY = "api.example.test:443|client%40id|0123456789abcdef"
SECRET = "s3cr3t-client-secret-DO-NOT-PERSIST-8f1c2a"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and signals")


def make_token(value: str = "tok-1", lifetime: float = 3600.0) -> AccessToken:
    now = time.time()
    return AccessToken(
        value=value,
        expires_at=now + lifetime,
        refresh_at=now + lifetime * 0.75,
        scopes=frozenset({Scope.WALLET_READ}),
    )


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# Small blocking file helpers: tests touch the files directly to set up and inspect.
def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def plant(path: Path, content: bytes | str, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    if mode is not None:
        path.chmod(mode)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "tokens.json"


@pytest.fixture
def store(store_path: Path) -> FileTokenStore:
    return FileTokenStore(store_path, lock_timeout=5.0)


def join_all(processes: list[Any], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
    alive = [p for p in processes if p.is_alive()]
    for p in alive:
        p.kill()
        p.join()
    assert not alive, f"{len(alive)} worker(s) hung"
    assert [p.exitcode for p in processes] == [0] * len(processes)


# -- the basics ----------------------------------------------------------------------------


async def test_is_a_token_store_and_round_trips(store: FileTokenStore, store_path: Path) -> None:
    assert isinstance(store, TokenStore)
    assert await store.load(KEY) is None  # no file, no directory yet
    token = make_token()
    await store.save(KEY, token)
    assert await store.load(KEY) == token
    assert await store.load(KEY + "-other") is None
    # A second store on the same path (another process, in effect) sees it too.
    assert await FileTokenStore(store_path).load(KEY) == token
    # The file is one JSON object keyed by the opaque key, the entry is the token's JSON.
    data = read_json(store_path)
    assert data == {KEY: json.loads(token.to_json())}
    assert repr(store) == f"FileTokenStore(path={str(store_path)!r})"
    await store.aclose()


async def test_keys_with_awkward_characters_stay_out_of_file_names(
    store: FileTokenStore, store_path: Path
) -> None:
    keys = ["a|b|c", "100%|x:y", "k" * 5000, "sp ace/../slash\\back", "ünï|cödé"]
    for i, key in enumerate(keys):
        await store.save(key, make_token(f"v{i}"))
        async with store.refresh_lock(key) as held:
            assert held
    for i, key in enumerate(keys):
        loaded = await store.load(key)
        assert loaded is not None and loaded.value == f"v{i}"
    names = [p.name for p in store_path.parent.iterdir()]
    assert all(len(n) < 80 for n in names), names
    assert not any("|" in n or "%" in n or "/" in n or "ünï" in n for n in names)


async def test_saving_replaces_and_keeps_other_keys(store: FileTokenStore) -> None:
    await store.save("one", make_token("a"))
    await store.save("two", make_token("b"))
    await store.save("one", make_token("c"))
    one, two = await store.load("one"), await store.load("two")
    assert one is not None and one.value == "c"
    assert two is not None and two.value == "b"


async def test_expired_entries_are_misses_and_are_pruned(
    store: FileTokenStore, store_path: Path
) -> None:
    await store.save("old", make_token("stale", lifetime=-1))
    assert await store.load("old") is None
    await store.save("new", make_token("fresh"))
    assert set(read_json(store_path)) == {"new"}


def test_rejects_a_bad_lock_timeout(tmp_path: Path) -> None:
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError):
            FileTokenStore(tmp_path / "t.json", lock_timeout=bad)


# -- corrupt files are misses -------------------------------------------------------------


def _valid_bytes() -> bytes:
    return json.dumps({KEY: json.loads(make_token("good").to_json())}).encode()


CORRUPT = {
    "empty": b"",
    "truncated": _valid_bytes()[:-7],
    "cut-mid-entry": _valid_bytes()[:40],
    "binary-garbage": b"\x00\xff\xfe garbage \x80\x81",
    "not-an-object": b"[1, 2, 3]",
    "a-string": b'"tokens"',
    "entry-not-a-token": json.dumps({KEY: 42}).encode(),
    "entry-wrong-version": json.dumps({KEY: {"v": 2, "access_token": "x"}}).encode(),
    "entry-missing-fields": json.dumps({KEY: {"v": 1, "access_token": "x"}}).encode(),
    "entry-bad-times": b'{"%s": {"v": 1, "access_token": "x", "expires_at": NaN, '
    b'"refresh_at": 1, "scopes": []}}' % KEY.encode(),
    "entry-as-garbage-string": json.dumps({KEY: "{not json"}).encode(),
    "deeply-nested": b"[" * 100_000 + b"]" * 100_000,
    "oversized": b'{"pad": "' + b"x" * (2 << 20) + b'"}',
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
async def test_a_corrupt_file_is_a_miss_and_the_next_save_overwrites_it(
    store: FileTokenStore, store_path: Path, content: bytes
) -> None:
    plant(store_path, content)
    assert await store.load(KEY) is None
    assert await store.discard(KEY, make_token("good")) is False
    token = make_token("after")
    await store.save(KEY, token)
    assert await store.load(KEY) == token
    assert read_json(store_path) == {KEY: json.loads(token.to_json())}


async def test_a_stored_string_entry_is_read_too(store: FileTokenStore, store_path: Path) -> None:
    token = make_token("as-string")
    plant(store_path, json.dumps({KEY: token.to_json()}))
    assert await store.load(KEY) == token


async def test_readers_never_see_a_half_written_file(store: FileTokenStore) -> None:
    await store.save(KEY, make_token("v0"))
    stop = threading.Event()
    seen: list[str | None] = []

    def reader() -> None:
        # Plain threads reading through the sync path, as fast as they can.
        while not stop.is_set():
            token = store._load_sync(KEY)
            seen.append(None if token is None else token.value)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(1, 150):
            await store.save(KEY, make_token(f"v{i}"))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert seen and None not in seen


# -- permissions ----------------------------------------------------------------------------


async def test_files_are_private_even_with_a_permissive_umask(
    store: FileTokenStore, store_path: Path
) -> None:
    old = os.umask(0)
    try:
        await store.save(KEY, make_token())
        async with store.refresh_lock(KEY) as held:
            assert held
    finally:
        os.umask(old)
    assert mode_of(store_path) == 0o600
    assert mode_of(store.write_lock_path) == 0o600
    assert mode_of(store.refresh_lock_path(KEY)) == 0o600
    assert mode_of(store_path.parent) == 0o700
    assert not [p for p in store_path.parent.iterdir() if p.name.endswith(".tmp")]


async def test_a_world_readable_file_becomes_private_on_save(
    store: FileTokenStore, store_path: Path
) -> None:
    plant(store_path, "{}", mode=0o644)
    await store.save(KEY, make_token())
    assert mode_of(store_path) == 0o600


# -- compare-and-delete ---------------------------------------------------------------------


async def test_discard_deletes_only_the_same_token(store: FileTokenStore) -> None:
    current = make_token("current")
    await store.save(KEY, current)
    await store.save("other", make_token("other"))
    assert await store.discard(KEY, make_token("stale")) is False
    assert await store.load(KEY) == current
    assert await store.discard(KEY, current) is True
    assert await store.load(KEY) is None
    assert await store.discard(KEY, current) is False
    assert await store.discard("missing", current) is False
    other = await store.load("other")
    assert other is not None and other.value == "other"


# -- the refresh lock ------------------------------------------------------------------------


async def test_refresh_lock_excludes_coroutines_of_one_process(store_path: Path) -> None:
    stores = [FileTokenStore(store_path), FileTokenStore(store_path)]
    inside = 0
    peak = 0
    entries = 0

    async def worker(i: int) -> None:
        nonlocal inside, peak, entries
        async with stores[i % 2].refresh_lock(KEY) as held:
            assert held
            inside += 1
            peak = max(peak, inside)
            entries += 1
            await asyncio.sleep(0.003)
            inside -= 1

    await asyncio.gather(*(worker(i) for i in range(12)))
    assert (peak, entries) == (1, 12)


async def test_save_and_discard_work_while_holding_the_refresh_lock(
    store: FileTokenStore,
) -> None:
    token = make_token()
    async with store.refresh_lock(KEY) as held:
        assert held
        await asyncio.wait_for(store.save(KEY, token), 5)
        assert await asyncio.wait_for(store.discard(KEY, token), 5) is True


async def test_refresh_lock_excludes_real_processes(tmp_path: Path, store_path: Path) -> None:
    log = tmp_path / "lock.log"
    n, rounds = 4, 5
    barrier = SPAWN.Barrier(n)
    procs = [
        SPAWN.Process(
            target=workers.hold_and_log,
            args=(str(store_path), KEY, str(log), rounds, 0.01, barrier),
        )
        for _ in range(n)
    ]
    for p in procs:
        p.start()
    await asyncio.to_thread(join_all, procs, 60)

    lines = log.read_text().splitlines()
    assert len(lines) == 2 * n * rounds
    # Appends are atomic and ordered: under mutual exclusion the log strictly alternates
    # "enter P" / "exit P" for the same process, and every entry held the lock.
    for enter, leave in zip(lines[::2], lines[1::2], strict=True):
        e_word, e_pid, e_held = enter.split()
        x_word, x_pid = leave.split()
        assert (e_word, x_word, e_held) == ("enter", "exit", "1"), lines
        assert e_pid == x_pid, lines
    assert len({line.split()[1] for line in lines}) == n


async def test_a_killed_holder_releases_the_lock_and_waiting_times_out_meanwhile(
    tmp_path: Path, store_path: Path
) -> None:
    ready = tmp_path / "ready"
    child = SPAWN.Process(target=workers.hold_forever, args=(str(store_path), KEY, str(ready)))
    child.start()
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.is_alive() and time.monotonic() < deadline, "holder did not start"
            await asyncio.sleep(0.02)
        assert ready.read_text() == "1"

        # A live holder: the wait is bounded by lock_timeout and yields False, no exception.
        impatient = FileTokenStore(store_path, lock_timeout=0.3)
        started = time.monotonic()
        async with impatient.refresh_lock(KEY) as held:
            waited = time.monotonic() - started
            assert held is False
        assert 0.25 <= waited < 3.0

        # SIGKILL: no cleanup runs in the child, the kernel drops its flock.
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        await asyncio.to_thread(child.join, 10)
        assert child.exitcode == -signal.SIGKILL

        patient = FileTokenStore(store_path, lock_timeout=5.0)
        started = time.monotonic()
        async with patient.refresh_lock(KEY) as held:
            assert held is True
        assert time.monotonic() - started < 2.0
    finally:
        if child.is_alive():
            child.kill()
            child.join()


async def test_concurrent_writers_in_several_processes_lose_no_update(
    store_path: Path,
) -> None:
    n, count = 4, 20
    barrier = SPAWN.Barrier(n)
    procs = [
        SPAWN.Process(target=workers.save_many, args=(str(store_path), f"p{i}", count, barrier))
        for i in range(n)
    ]
    for p in procs:
        p.start()
    await asyncio.to_thread(join_all, procs, 60)
    data = read_json(store_path)
    assert len(data) == n * count
    store = FileTokenStore(store_path)
    for i in range(n):
        for j in range(count):
            token = await store.load(f"p{i}|{j}")
            assert token is not None and token.value == f"p{i}-{j}"
    assert not [p for p in store_path.parent.iterdir() if p.name.endswith(".tmp")]


# -- event loops ------------------------------------------------------------------------------


def test_one_store_serves_successive_event_loops(store_path: Path) -> None:
    store = FileTokenStore(store_path, lock_timeout=2.0)

    async def round_trip(value: str) -> str | None:
        async with store.refresh_lock(KEY) as held:
            assert held
            await store.save(KEY, make_token(value))
        token = await store.load(KEY)
        assert token is not None
        assert await store.discard(KEY, make_token("not-it")) is False
        return token.value

    assert asyncio.run(round_trip("first")) == "first"
    assert asyncio.run(round_trip("second")) == "second"
    assert asyncio.run(round_trip("third")) == "third"


# -- through the provider: many processes, one token, no secret on disk ----------------------


class TokenServer:
    """A real HTTP token endpoint that counts requests (answers slowly to widen races)."""

    def __init__(self) -> None:
        self.requests = 0
        self.secrets_seen: set[str] = set()
        self.url = ""

    async def handle(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        form = await request.post()
        self.requests += 1
        self.secrets_seen.add(str(form.get("client_secret")))
        await asyncio.sleep(0.1)
        return aiohttp.web.json_response(
            {
                "access_token": f"access-{self.requests}-{os.urandom(8).hex()}",
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": form.get("scope"),
            }
        )


@pytest.fixture
async def token_server() -> AsyncIterator[TokenServer]:
    server = TokenServer()
    app = aiohttp.web.Application()
    app.router.add_post("/oauth/token", server.handle)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


def _all_bytes_under(directory: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in directory.rglob("*") if p.is_file()]


async def test_eight_processes_of_a_hundred_coroutines_make_one_token_request(
    tmp_path: Path, store_path: Path, token_server: TokenServer
) -> None:
    n, coroutines = 8, 100
    barrier = SPAWN.Barrier(n)
    outs = [tmp_path / f"out-{i}.json" for i in range(n)]
    procs = [
        SPAWN.Process(
            target=workers.provider_fleet,
            args=(token_server.url, str(store_path), SECRET, coroutines, str(out), barrier),
        )
        for out in outs
    ]
    for p in procs:
        p.start()
    await asyncio.to_thread(join_all, procs, 90)

    results = [json.loads(out.read_text()) for out in outs]
    assert [r["errors"] for r in results] == [[]] * n
    assert token_server.requests == 1
    assert sum(r["requests"] for r in results) == 1
    assert len({v for r in results for v in r["values"]}) == 1
    assert token_server.secrets_seen == {SECRET}  # the secret went to the server only

    # Neither key nor value in the token file, nor any other file the store wrote,
    # contains the client secret.
    data = read_json(store_path)
    assert len(data) == 1
    for key, entry in data.items():
        assert SECRET not in key
        assert SECRET not in json.dumps(entry)
    for name, content in _all_bytes_under(store_path.parent):
        assert SECRET not in name
        assert SECRET.encode() not in content
    assert mode_of(store_path) == 0o600


async def test_the_provider_in_process_shares_through_the_file_and_never_stores_the_secret(
    store_path: Path, token_server: TokenServer
) -> None:
    def provider() -> ClientCredentialsProvider:
        return ClientCredentialsProvider(
            client_id="one-client",
            client_secret=SECRET,
            base_url=token_server.url,
            scopes=workers.SCOPES,
            store=FileTokenStore(store_path),
        )

    first, second = provider(), provider()
    a = await first.get_token()
    b = await second.get_token()  # a fresh process copy: adopted from the file
    assert a.value == b.value and token_server.requests == 1
    assert SECRET not in repr(first) and SECRET not in repr(first.store)

    # A 401 in one worker: compare-and-delete drops it, the next call fetches a new one.
    await second.invalidate(b)
    assert await first.store.load(first.cache_key) is None
    c = await second.get_token()
    assert c.value != a.value and token_server.requests == 2
    await first.invalidate(a)  # stale: must not discard the fresh token
    stored = await first.store.load(first.cache_key)
    assert stored is not None and stored.value == c.value

    for name, content in _all_bytes_under(store_path.parent):
        assert SECRET not in name and SECRET.encode() not in content
    await first.aclose()
    await second.aclose()


def _entry(value: str = "tok-1", expires_at: object = None, refresh_at: object = None) -> Any:
    now = time.time()
    return {
        "v": 1,
        "access_token": value,
        "expires_at": now + 3600 if expires_at is None else expires_at,
        "refresh_at": now + 2700 if refresh_at is None else refresh_at,
        "scopes": ["wallet:read"],
    }


async def test_a_stored_token_with_cr_lf_is_a_miss_and_a_fresh_fetch_replaces_it(
    store_path: Path,
) -> None:
    from blaaiz_async import BlaaizClient, ScopeBundle
    from blaaiz_async.auth import token_cache_key
    from blaaiz_async.sandbox import Sandbox

    async with Sandbox() as sb:
        cid, secret = sb.add_client()
        async with BlaaizClient(
            client_id=cid, client_secret=secret, base_url=sb.url, scopes=None,
            token_store=FileTokenStore(store_path),
        ) as client:  # fmt: skip
            key = token_cache_key(sb.url, cid, ScopeBundle.FULL_ACCESS.scopes)
            plant(store_path, json.dumps({key: _entry("tok\r\nX-Injected: 1")}))
            assert await FileTokenStore(store_path).load(key) is None
            await client.wallets.list()  # a raw ValueError from aiohttp before
        assert sb.token_requests == 1
    stored = read_json(store_path)[key]
    assert "\r" not in stored["access_token"] and stored["access_token"] in sb.state.tokens


@pytest.mark.parametrize(
    "times",
    [
        {"expires_at": 10**400},
        {"refresh_at": 10**400},
        {"expires_at": -(10**400)},
        {"expires_at": 2**40 + 1},
    ],
    ids=["huge-expiry", "huge-refresh", "huge-negative", "year-36000"],
)
async def test_an_entry_with_an_absurd_time_is_a_miss_and_every_save_still_works(
    store: FileTokenStore, store_path: Path, times: dict[str, int]
) -> None:
    other = "other|key|0"
    plant(store_path, json.dumps({other: _entry(**times)}))
    assert await store.load(other) is None
    token = make_token("after")
    await store.save(KEY, token)  # OverflowError here, and on every later save, before
    assert await store.load(KEY) == token
    assert await store.discard(KEY, make_token("someone-else")) is False
    assert read_json(store_path) == {KEY: json.loads(token.to_json())}  # the bad one dropped


# -- what another user could have planted ------------------------------------------------------


def _file_mode(path: Path, mode: int) -> None:
    path.chmod(mode)


def _as_root() -> bool:
    return os.geteuid() == 0


def _symlink_to_planted(store_path: Path) -> None:
    target = store_path.parent / "planted.json"
    plant(target, json.dumps({KEY: json.loads(make_token("planted").to_json())}), mode=0o600)
    store_path.symlink_to(target)


def _dangling_symlink(store_path: Path) -> None:
    store_path.symlink_to(store_path.parent / "nowhere.json")


def _fifo(store_path: Path) -> None:
    os.mkfifo(store_path, 0o600)


def _file_with_mode(mode: int) -> Any:
    def setup(store_path: Path) -> None:
        plant(store_path, json.dumps({KEY: json.loads(make_token("planted").to_json())}), mode)

    return setup


def _file_of_another_user(store_path: Path) -> None:
    _file_with_mode(0o600)(store_path)
    os.chown(store_path, 54321, -1)


def _folder_with_mode(mode: int) -> Any:
    def setup(store_path: Path) -> None:
        store_path.parent.chmod(mode)

    return setup


def _folder_of_another_user(store_path: Path) -> None:
    os.chown(store_path.parent, 54321, -1)


UNSAFE = {
    "symlink-to-a-planted-token": (_symlink_to_planted, "symbolic link"),
    "dangling-symlink": (_dangling_symlink, "symbolic link"),
    "fifo": (_fifo, "not a regular file"),
    "file-group-writable": (_file_with_mode(0o620), "writable by group or others"),
    "file-world-writable": (_file_with_mode(0o606), "writable by group or others"),
    "file-of-another-user": (_file_of_another_user, "belongs to uid 54321"),
    "folder-world-writable": (_folder_with_mode(0o777), "writable by group or others"),
    "folder-group-writable": (_folder_with_mode(0o770), "writable by group or others"),
    "folder-of-another-user": (_folder_of_another_user, "belongs to uid 54321"),
}


@pytest.mark.parametrize(("setup", "problem"), UNSAFE.values(), ids=UNSAFE.keys())
async def test_a_token_file_or_folder_others_control_is_refused(
    store: FileTokenStore, store_path: Path, setup: Any, problem: str
) -> None:
    from blaaiz_async.errors import TokenStoreError

    if "another_user" in setup.__name__ and not _as_root():
        pytest.skip("chown to another uid needs root")
    store_path.parent.mkdir(mode=0o700)
    setup(store_path)
    for op in (
        lambda: store.load(KEY),
        lambda: store.save(KEY, make_token("mine")),
        lambda: store.discard(KEY, make_token("planted")),
    ):
        with pytest.raises(TokenStoreError, match=problem):
            await asyncio.wait_for(op(), 5)
    with pytest.raises(TokenStoreError, match=problem):
        async with store.refresh_lock(KEY):
            pass
    store_path.parent.chmod(0o700)  # let tmp_path clean up


@pytest.mark.parametrize("folder_mode", [0o700, 0o755, 0o1777])
async def test_a_private_file_in_a_folder_others_cannot_swap_it_in_is_used(
    store: FileTokenStore, store_path: Path, folder_mode: int
) -> None:
    store_path.parent.mkdir(mode=0o700)
    store_path.parent.chmod(folder_mode)  # 1777: sticky, like /tmp
    token = make_token("mine")
    await store.save(KEY, token)
    assert await store.load(KEY) == token
    _file_mode(store_path, 0o644)  # readable by others: a loss of secrecy, not of integrity
    assert await store.load(KEY) == token


async def test_a_symlinked_token_file_degrades_to_a_private_token_with_one_warning(
    store_path: Path, token_server: TokenServer, caplog: pytest.LogCaptureFixture
) -> None:
    store_path.parent.mkdir(mode=0o700)
    _symlink_to_planted(store_path)
    provider = ClientCredentialsProvider(
        client_id="one-client", client_secret=SECRET, base_url=token_server.url,
        scopes=workers.SCOPES, store=FileTokenStore(store_path),
    )  # fmt: skip
    with caplog.at_level("WARNING", logger="blaaiz_async.auth"):
        token = await provider.get_token()
        await provider.invalidate(token)
        again = await provider.get_token()
    assert "planted" not in (token.value, again.value)  # before: the planted token, adopted
    assert token_server.requests == 2
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "symbolic link" in warnings[0].getMessage()
    planted = read_json(store_path.parent / "planted.json")
    assert planted[KEY]["access_token"] == "planted"  # never written through the link
    await provider.aclose()
