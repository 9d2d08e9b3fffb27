"""A fleet far over the account's rate limit, side by side in one run.

Against a sandbox that enforces a fixed window of ``n`` requests per ``per`` seconds, P worker
processes (C coroutines each, calling ``wallets.list()`` non-stop for D seconds) try three ways:

- shared: every process on one ``RedisTokenStore``, so one rate budget for the fleet;
- naive: each process its own local budget of ``n / P`` (what a fleet does without sharing);
- none: no client-side limit (``rate_limit=None``): the server's 429s do the limiting.

Each runs twice: every process busy, and only a quarter of them busy (uneven load, where a
fixed share per process wastes what the idle ones do not use). Printed per run: the 429s the
sandbox answered, the share of the budget used (requests served / what the server allows in
the elapsed time), the calls' latency p50/p99 (the rate-limit wait is most of it) and Redis
round trips (script calls) per call.

    .venv/bin/python benchmarks/rate_limit.py [--processes 8] [--concurrency 10] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.redis_support

from blaaiz_async import BlaaizClient, RateLimit
from blaaiz_async.auth import MemoryTokenStore, RedisTokenStore, TokenStore
from blaaiz_async.sandbox import Sandbox
from tests.redis_support import RedisServer, command


def round_trips(port: int) -> int:
    """Script calls the server ran (EVALSHA/EVAL): one per admission. The commands a
    script runs inside count in INFO too, but they cost no round trip."""
    total = 0
    for line in command(port, "INFO", "commandstats").decode().splitlines():
        if line.startswith(("cmdstat_evalsha:", "cmdstat_eval:")):
            fields = dict(part.split("=") for part in line.split(":", 1)[1].split(","))
            total += int(fields["calls"])
    return total


def _worker(args: tuple[str, str, str, str, str | None, int, float, int, float], out: Any) -> None:
    out.put(asyncio.run(_calls(*args)))


async def _calls(
    mode: str,
    url: str,
    cid: str,
    secret: str,
    redis_url: str | None,
    concurrency: int,
    seconds: float,
    n: int,
    per: float,
) -> list[float]:
    store: TokenStore = (
        RedisTokenStore.from_url(redis_url)
        if mode == "shared" and redis_url
        else MemoryTokenStore()
    )
    limit = {"shared": RateLimit(n, per=per), "naive": RateLimit(n, per=per), "none": None}[mode]
    if mode == "naive":
        processes = int(cid.split("|")[1])
        limit = RateLimit(max(n // processes, 1), per=per)
    latencies: list[float] = []
    async with BlaaizClient(
        client_id=cid.split("|")[0], client_secret=secret, base_url=url, token_store=store,
        rate_limit=limit, timeout=seconds * 4,
    ) as client:  # fmt: skip
        await client.token_provider.get_token()  # type: ignore[union-attr]
        deadline = time.monotonic() + seconds

        async def one() -> None:
            while time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    await client.wallets.list()
                except Exception:  # counted by the sandbox; latency only for successes
                    continue
                latencies.append(time.monotonic() - started)

        await asyncio.gather(*(one() for _ in range(concurrency)))
    await store.aclose()
    return latencies


async def _run(
    mode: str, busy: int, processes: int, args: argparse.Namespace, redis: RedisServer
) -> dict[str, float]:
    n, per = args.limit, args.window
    async with Sandbox(rate_limit=n, rate_window=per) as sb:
        cid, secret = sb.add_client()
        before = round_trips(redis.port)
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        work = (mode, sb.url, f"{cid}|{processes}", secret, redis.url, args.concurrency,
                args.seconds, n, per)  # fmt: skip
        procs = [ctx.Process(target=_worker, args=(work, out)) for _ in range(busy)]
        started = time.monotonic()
        for p in procs:
            p.start()
        results: list[list[float]] = []
        while len(results) < busy:
            results.append(await asyncio.to_thread(out.get))
        elapsed = time.monotonic() - started
        for p in procs:
            p.join()
        served = sb.count("wallets.list", 200)
        throttled = sb.count("wallets.list", 429)
        commands = round_trips(redis.port) - before
    latencies = sorted(x for r in results for x in r)
    windows = args.seconds / per
    allowed = n * windows  # the steady rate; a burst at an edge can add one window more (capped)
    return {
        "429s": throttled,
        "share": min(served / allowed, 1.0),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "redis/call": commands / max(served + throttled, 1) if mode == "shared" else 0.0,
        "elapsed": elapsed,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--limit", type=int, default=50, help="the sandbox's n per window")
    parser.add_argument("--window", type=float, default=5.0)
    args = parser.parse_args()
    demand = args.processes * args.concurrency
    print(
        f"sandbox limit {args.limit} per {args.window:g}s; {args.processes} processes x "
        f"{args.concurrency} coroutines calling non-stop for {args.seconds:g}s "
        f"({demand} callers, far over the budget)"
    )
    redis = RedisServer().start()
    try:
        await _compare(args, redis)
    finally:
        redis.stop()


async def _compare(args: argparse.Namespace, redis: RedisServer) -> None:
    for busy in (args.processes, max(args.processes // 4, 1)):
        print(f"\n{busy} of {args.processes} processes busy")
        header = ("mode", "429s", "budget used", "p50 s", "p99 s", "redis/call")
        print("{:8} {:>6} {:>12} {:>7} {:>7} {:>11}".format(*header))
        for mode in ("shared", "naive", "none"):
            r = await _run(mode, busy, args.processes, args, redis)
            print(
                f"{mode:8} {r['429s']:6.0f} {r['share']:12.0%} {r['p50']:7.2f} "
                f"{r['p99']:7.2f} {r['redis/call']:11.2f}"
            )


if __name__ == "__main__":
    asyncio.run(main())
