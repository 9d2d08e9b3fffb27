"""Token sharing across processes, per store, side by side in one run.

For each store (memory, file, redis): P worker processes x C coroutines start cold against
one sandbox whose tokens live ``--ttl`` seconds, and call for ``--duration`` seconds. Prints
- token requests per refresh window (ideal: 1 for shared stores, P for memory),
- Redis commands per 1,000 API calls (from ``INFO commandstats``),
- the hot path's token cost: one ``get_token()`` with a fresh local copy, against a whole call.

    .venv/bin/python benchmarks/token_sharing.py [--processes 8] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import math
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.redis_support

from blaaiz_async import BlaaizClient
from blaaiz_async.auth import FileTokenStore, MemoryTokenStore, RedisTokenStore, TokenStore
from blaaiz_async.cli.fleet import FleetSpec, run_fleet
from blaaiz_async.config import refresh_skew
from blaaiz_async.sandbox import Sandbox
from tests.redis_support import RedisServer, commands_executed


async def fleet_run(
    name: str, store: Callable[[], TokenStore], args: argparse.Namespace, redis: RedisServer
) -> dict[str, float]:
    async with Sandbox(token_ttl=args.ttl) as sb:
        cid, secret = sb.add_client()
        spec = FleetSpec(
            url=sb.url,
            client_id=cid,
            client_secret=secret,
            store=store,
            concurrency=args.concurrency,
            duration=args.duration,
            pause=args.pause,
        )
        before = commands_executed(redis.port)
        report = await run_fleet(spec, processes=args.processes)
        used = commands_executed(redis.port) - before
        interval = args.ttl - refresh_skew(args.ttl)
        windows = 1 + math.floor(report.elapsed / interval)
        return {
            "calls": report.calls,
            "failed": report.failed,
            "token_requests": sb.token_requests,
            "per_window": sb.token_requests / windows,
            "windows": windows,
            "redis_per_1000": 1000 * used / max(report.calls, 1),
        }


async def hot_path_cost(n: int = 200_000) -> tuple[float, float]:
    """ns per get_token() with a fresh local copy, and ns per whole wallets.list call."""
    async with Sandbox() as sb:
        cid, secret = sb.add_client()
        async with BlaaizClient(
            client_id=cid, client_secret=secret, base_url=sb.url, rate_limit=None
        ) as client:
            provider = client.token_provider
            assert provider is not None
            await provider.get_token()
            started = time.perf_counter()
            for _ in range(n):
                await provider.get_token()
            token_ns = (time.perf_counter() - started) / n * 1e9
            calls = 2000
            started = time.perf_counter()
            for _ in range(calls):
                await client.wallets.list()
            call_ns = (time.perf_counter() - started) / calls * 1e9
    return token_ns, call_ns


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--ttl", type=float, default=8.0, help="sandbox token lifetime, s")
    parser.add_argument("--duration", type=float, default=20.0, help="calling time, s")
    parser.add_argument("--pause", type=float, default=0.02, help="between calls, s")
    args = parser.parse_args()
    redis = RedisServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            stores: dict[str, Callable[[], TokenStore]] = {
                "memory": MemoryTokenStore,
                "file": functools.partial(FileTokenStore, Path(tmp) / "token.json"),
                "redis": functools.partial(RedisTokenStore.from_url, redis.url),
            }
            results = {
                name: asyncio.run(fleet_run(name, store, args, redis))
                for name, store in stores.items()
            }
        token_ns, call_ns = asyncio.run(hot_path_cost())
    finally:
        redis.cleanup()
    print(
        f"{args.processes} processes x {args.concurrency} coroutines, token ttl {args.ttl:g}s, "
        f"{args.duration:g}s of calls each"
    )
    print(f"{'store':8} {'calls':>7} {'failed':>6} {'tokens':>6} {'tokens/window':>13} "
          f"{'redis cmds/1000 calls':>21}")  # fmt: skip
    for name, r in results.items():
        print(
            f"{name:8} {r['calls']:7.0f} {r['failed']:6.0f} {r['token_requests']:6.0f} "
            f"{r['per_window']:13.2f} {r['redis_per_1000']:21.2f}"
        )
    mem, red = results["memory"]["per_window"], results["redis"]["per_window"]
    print(f"token requests per window, memory/redis: {mem / max(red, 1e-9):.1f}x")
    print(
        f"hot path: get_token() {token_ns:.0f} ns vs one API call {call_ns / 1000:.0f} us "
        f"({100 * token_ns / call_ns:.3f}% of a call)"
    )


if __name__ == "__main__":
    main()
