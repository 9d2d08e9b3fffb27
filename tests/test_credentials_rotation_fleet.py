"""A secret rotated under a running fleet: 4 real processes reading ``FileCredentials``,
sharing one token through a ``FileTokenStore`` or a real Redis, against the sandbox over
real sockets. The sandbox rotates as the dashboard does: a new secret, and the old one and
its tokens revoked at once."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blaaiz_async.sandbox import Sandbox
from tests.redis_support import RedisServer, redis_server  # noqa: F401

from . import _rotation_workers as workers

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX processes and file locks")

PROCESSES = 4
COROUTINES = 3
PAUSE = 0.05


class Fleet:
    def __init__(self, sb: Sandbox, tmp: Path, store_kind: str, store_where: str) -> None:
        self.sb, self.run_dir = sb, tmp / "run"
        self.run_dir.mkdir()
        self.credentials = tmp / "credentials.json"
        self.store_kind, self.store_where = store_kind, store_where
        self.procs: list[Any] = []

    async def start(self) -> None:
        spawn = multiprocessing.get_context("spawn")
        for _ in range(PROCESSES):
            proc = spawn.Process(
                target=workers.run,
                args=(self.sb.url, str(self.credentials), self.store_kind, self.store_where,
                      COROUTINES, PAUSE, str(self.run_dir)),
            )  # fmt: skip
            proc.start()
            self.procs.append(proc)
        deadline = time.monotonic() + 60
        while len(list(self.run_dir.glob("*.ready"))) < PROCESSES:
            assert all(p.is_alive() for p in self.procs), "a worker died at start"
            assert time.monotonic() < deadline, "the fleet did not start"
            await asyncio.sleep(0.05)

    async def stop(self) -> list[dict[str, Any]]:
        (self.run_dir / "stop").write_text("1")
        for proc in self.procs:
            await asyncio.to_thread(proc.join, 30)
        results = [json.loads(p.read_text()) for p in sorted(self.run_dir.glob("*.json"))]
        assert len(results) == PROCESSES, "a worker wrote no result"
        return results

    def kill(self) -> None:
        for proc in self.procs:
            if proc.is_alive():
                proc.kill()


async def assert_no_secret_stored(kind: str, where: str, secrets: tuple[str, ...]) -> int:
    """Neither a key nor a value of the shared store holds a secret; returns the entries seen."""
    seen: list[tuple[bytes, bytes]] = []
    if kind == "file":
        for path in Path(where).parent.rglob("*"):
            if path.is_file():
                seen.append((path.name.encode(), path.read_bytes()))
    else:
        import redis.asyncio

        raw = redis.asyncio.Redis.from_url(where)
        try:
            async for key in raw.scan_iter("*"):
                value = await raw.get(key) if await raw.type(key) == b"string" else b""
                seen.append((key, value or b""))
        finally:
            await raw.aclose()
    for key, value in seen:
        for secret in secrets:
            assert secret.encode() not in key and secret.encode() not in value, key
    return len(seen)


def tokens(sb: Sandbox) -> tuple[int, int]:
    """(token requests granted, refused with invalid_client) so far."""
    return sb.count("oauth.token", 200), sb.count("oauth.token", 401)


@pytest.fixture(params=["file", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "file":
        yield "file", str(tmp_path / "tokens" / "blaaiz.json")
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        yield "redis", server.url


async def test_rotated_secret_then_new_file_the_fleet_recovers_without_a_restart_or_stampede(
    tmp_path: Path, store: tuple[str, str]
) -> None:
    async with Sandbox() as sb:
        cid, old_secret = sb.add_client()
        workers.write_credentials(tmp_path / "credentials.json", cid, old_secret)
        fleet = Fleet(sb, tmp_path, *store)
        try:
            await fleet.start()
            assert tokens(sb) == (1, 0)  # one token for the whole fleet

            new_secret = sb.rotate_secret(cid)  # the old secret and its tokens: revoked
            await asyncio.sleep(3.0)  # the fleet fails meanwhile: count its token requests
            granted, refused = tokens(sb)
            assert granted == 1
            failing_window = 3.0
            # The 1 s negative cache: about one request a second per process, not per call.
            assert refused <= PROCESSES * (failing_window + 2), refused

            workers.write_credentials(fleet.credentials, cid, new_secret)
            written = time.time()
            await asyncio.sleep(3.0)
            results = await fleet.stop()
        finally:
            fleet.kill()
        granted_after, refused_after = tokens(sb)

    calls_failed = sum(len(r["failures"]) for r in results)
    print(
        f"\n[{store[0]}] rotate, then file: token requests granted {granted_after} "
        f"(1 before, {granted_after - 1} after), refused {refused_after} "
        f"({refused} in {failing_window:.0f} s of failure, {refused_after - refused} after the "
        f"file was written); calls ok {sum(r['ok'] for r in results)}, failed {calls_failed}"
    )
    # Recovery without a stampede: the first process to re-read fetched one token and the
    # others took it from the shared store.
    assert granted_after - 1 <= 2, granted_after
    assert refused_after - refused <= PROCESSES
    for result in results:
        late = [f for f in result["failures"] if f[0] > written + 2.0]
        assert not late, late  # every process recovered by itself, within the negative cache
        assert result["last_ok"] > written + 1.0
        assert all(f[1] in ("AuthenticationError", "TokenError") for f in result["failures"])
        assert all(new_secret not in f[2] and old_secret not in f[2] for f in result["failures"])
    assert calls_failed > 0  # the fleet did see the rotation
    assert await assert_no_secret_stored(*store, (old_secret, new_secret)) >= 1


async def test_file_updated_before_the_old_secret_is_revoked_no_call_fails(
    tmp_path: Path, store: tuple[str, str]
) -> None:
    async with Sandbox() as sb:
        cid, old_secret = sb.add_client()
        workers.write_credentials(tmp_path / "credentials.json", cid, old_secret)
        fleet = Fleet(sb, tmp_path, *store)
        try:
            await fleet.start()
            assert tokens(sb) == (1, 0)
            new_secret = "sbxsec_rotated_" + os.urandom(8).hex()
            workers.write_credentials(fleet.credentials, cid, new_secret)
            await asyncio.sleep(1.0)  # the fleet keeps its token: nothing asked for the file
            assert tokens(sb) == (1, 0)
            sb.rotate_secret(cid, client_secret=new_secret)
            await asyncio.sleep(3.0)
            results = await fleet.stop()
        finally:
            fleet.kill()
        granted, refused = tokens(sb)

    calls_ok = sum(r["ok"] for r in results)
    calls_failed = sum(len(r["failures"]) for r in results)
    print(
        f"\n[{store[0]}] file, then rotate: token requests granted {granted} "
        f"({granted - 1} after the rotation), refused {refused}; calls ok {calls_ok}, "
        f"failed {calls_failed}"
    )
    assert calls_failed == 0, [r["failures"][:3] for r in results]
    # The 401s of the revoked token sent each process to the endpoint at most once with the
    # old secret; the new token was fetched about once and shared.
    assert granted - 1 <= 2, granted
    assert refused <= PROCESSES, refused
    assert all(r["last_ok"] > 0 for r in results)
    assert await assert_no_secret_stored(*store, (old_secret, new_secret)) >= 1
