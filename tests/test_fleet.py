"""Fleets of real worker processes against the sandbox: what every store must hold."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

from blaaiz_async.auth import FileTokenStore, MemoryTokenStore
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.sandbox.fleet import FleetSpec, run_fleet


async def test_memory_stores_make_at_most_one_request_per_process() -> None:
    async with Sandbox() as sb:
        sb.set_latency(0.05, "oauth.token")
        cid, secret = sb.add_client()
        spec = FleetSpec(
            url=sb.url, client_id=cid, client_secret=secret, store=MemoryTokenStore, concurrency=100
        )
        report = await run_fleet(spec, processes=8)
        assert report.failed == 0 and report.ok == 800
        assert 1 <= sb.token_requests <= 8
        assert all(w.token_requests == 1 for w in report.workers)


async def test_revocation_during_a_run_costs_the_fleet_one_token_request(tmp_path: Path) -> None:
    async with Sandbox() as sb:
        cid, secret = sb.add_client()
        spec = FleetSpec(
            url=sb.url,
            client_id=cid,
            client_secret=secret,
            store=functools.partial(FileTokenStore, tmp_path / "token.json"),
            concurrency=20,
            duration=3.0,
            pause=0.01,
        )

        async def revoke_mid_run() -> None:
            while sb.count("wallets.list", 200) < 200:  # the fleet is calling
                await asyncio.sleep(0.05)
            assert sb.token_requests == 1
            sb.revoke_all_tokens()

        report, _ = await asyncio.gather(run_fleet(spec, processes=4), revoke_mid_run())
        assert report.failed == 0, report.errors
        assert sb.count("wallets.list", 401) > 0  # the revocation was felt
        assert sb.token_requests == 2  # one for the start, ONE for the whole fleet after it
