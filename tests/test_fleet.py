"""Fleets of real worker processes against the sandbox: what every store must hold."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from blaaiz_async.auth import FileTokenStore, MemoryTokenStore, RedisTokenStore, TokenStore
from blaaiz_async.cli.fleet import FleetSpec, run_fleet
from blaaiz_async.sandbox import Sandbox
from tests.redis_support import RedisServer, commands_executed


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


@pytest.fixture(params=["file", "redis"])
def shared_store(
    request: pytest.FixtureRequest, tmp_path: Path, redis_server: RedisServer
) -> Callable[[], TokenStore]:
    if request.param == "file":
        return functools.partial(FileTokenStore, tmp_path / "token.json")
    return functools.partial(RedisTokenStore.from_url, redis_server.url)


async def test_revocation_during_a_run_costs_the_fleet_one_token_request(
    shared_store: Callable[[], TokenStore],
) -> None:
    async with Sandbox() as sb:
        cid, secret = sb.add_client()
        spec = FleetSpec(
            url=sb.url,
            client_id=cid,
            client_secret=secret,
            store=shared_store,
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


async def test_redis_steady_state_costs_under_one_command_per_hundred_calls(
    redis_server: RedisServer,
) -> None:
    # Tokens live 4 s, refreshed 1 s early: the measured window (1 s .. 7 s) spans two
    # fleet-wide refreshes, each a handful of commands per process.
    async with Sandbox(token_ttl=4.0) as sb:
        cid, secret = sb.add_client()
        spec = FleetSpec(
            url=sb.url,
            client_id=cid,
            client_secret=secret,
            store=functools.partial(RedisTokenStore.from_url, redis_server.url),
            concurrency=20,
            duration=7.5,
            pause=0.002,
        )

        async def measure() -> tuple[int, int]:
            while sb.token_requests == 0:
                await asyncio.sleep(0.01)
            await asyncio.sleep(1.0)  # past the cold start
            calls, commands = sb.count("wallets.list"), commands_executed(redis_server.port)
            await asyncio.sleep(6.0)
            return (
                sb.count("wallets.list") - calls,
                commands_executed(redis_server.port) - commands,
            )

        report, (calls, commands) = await asyncio.gather(run_fleet(spec, processes=4), measure())
        assert report.failed == 0, report.errors
        print(f"steady state: {commands} Redis commands for {calls} API calls (4 processes)")
        assert sb.token_requests >= 3  # the window did include refreshes
        assert calls > 2000
        assert commands * 100 < calls, f"{commands} Redis commands for {calls} API calls"


async def test_a_wrong_secret_does_not_stampede_the_token_endpoint() -> None:
    # 4 processes x 40 looping coroutines with a rejected secret sent ~1,400 token requests
    # in 12 s; each process now asks about once a second while it keeps failing.
    async with Sandbox() as sb:
        cid, _ = sb.add_client()
        spec = FleetSpec(
            url=sb.url, client_id=cid, client_secret="wrong", concurrency=40, duration=3.0,
            pause=0.005,
        )  # fmt: skip
        report = await run_fleet(spec, processes=4)
    assert report.ok == 0 and set(report.errors) == {"TokenError"}
    assert report.failed > 1000  # every call failed fast, none waited for the endpoint
    assert sb.token_requests <= 4 * 5, sb.token_requests
