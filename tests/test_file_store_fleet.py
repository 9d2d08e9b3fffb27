"""FileTokenStore end to end: real worker processes, the real client, the local sandbox."""

from __future__ import annotations

import asyncio
import functools
import json
import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from blaaiz_async.auth import ClientCredentialsProvider, FileTokenStore
from blaaiz_async.cli.fleet import FleetSpec, run_fleet
from blaaiz_async.client import BlaaizClient
from blaaiz_async.sandbox import Sandbox

from . import _file_store_workers as workers

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def _files_under(directory: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in directory.rglob("*") if p.is_file()]


async def test_eight_processes_of_a_hundred_coroutines_from_cold_make_one_token_request(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens" / "blaaiz.json"
    async with Sandbox() as sb:
        cid, secret = sb.add_client()
        spec = FleetSpec(
            url=sb.url,
            client_id=cid,
            client_secret=secret,
            store=functools.partial(FileTokenStore, path),
            concurrency=100,
        )
        report = await run_fleet(spec, processes=8)
        assert len(report.workers) == 8
        assert report.failed == 0, report.errors
        assert report.ok == 800
        assert sb.token_requests == 1
        assert report.token_requests == 1

    # Neither key nor value in the token file (nor any file beside it) holds the secret.
    data = json.loads(path.read_text())
    assert len(data) == 1
    ((key, entry),) = data.items()
    assert secret not in key and secret not in json.dumps(entry)
    for name, content in _files_under(path.parent):
        assert secret not in name and secret.encode() not in content


async def test_a_holder_killed_mid_refresh_blocks_nobody_and_no_call_fails(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    ready = tmp_path / "holder-ready"
    spawn = multiprocessing.get_context("spawn")
    async with Sandbox() as sb:
        cid, secret = sb.add_client()
        async with BlaaizClient(client_id=cid, client_secret=secret, base_url=sb.url) as probe:
            provider = probe.token_provider
            assert isinstance(provider, ClientCredentialsProvider)
            key = provider.cache_key
        # A process that took the refresh lock for these credentials and then hangs.
        holder = spawn.Process(target=workers.hold_forever, args=(str(path), key, str(ready)))
        holder.start()
        try:
            deadline = time.monotonic() + 30
            while not ready.exists():
                assert holder.is_alive() and time.monotonic() < deadline
                await asyncio.sleep(0.02)
            pid = holder.pid
            assert pid is not None

            def kill_soon(_pids: list[int]) -> None:
                # Let the workers pile up on the lock, then SIGKILL its holder.
                threading.Timer(0.5, os.kill, args=(pid, signal.SIGKILL)).start()

            spec = FleetSpec(
                url=sb.url,
                client_id=cid,
                client_secret=secret,
                store=functools.partial(FileTokenStore, path, lock_timeout=10.0),
                concurrency=50,
            )
            report = await run_fleet(spec, processes=4, on_start=kill_soon)
        finally:
            if holder.is_alive():
                holder.kill()
            holder.join(10)
        assert holder.exitcode == -signal.SIGKILL
        assert report.failed == 0, report.errors
        assert report.ok == 200
        assert sb.token_requests == 1
        # They waited for the death, not for the lock timeout.
        assert 0.4 <= report.elapsed < 5.0
