"""Per-call cost of the SDK against raw aiohttp, side by side in one run.

Both sides call GET /api/external/wallet on the same sandbox (its own process), 3000 GETs at
concurrency 100 by default. Raw aiohttp uses aiohttp's defaults and ``resp.json()`` with a
pre-fetched bearer token; the SDK side is ``client.wallets.list()`` (Decimal amounts, typed
models, scope guard, retries, token handling). Rounds are interleaved so drift hits both
sides alike; the medians and the spread of the per-round ratios are printed (on a noisy
machine, the median of the per-round ratios moves less between runs than the rest).

    .venv/bin/python benchmarks/overhead.py [--calls 3000] [--concurrency 100] [--rounds 5]
    .venv/bin/python benchmarks/overhead.py --profile   # cProfile of the SDK side, top 25
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp
from _sandbox_proc import sandbox_process

from blaaiz_async import BlaaizClient


async def raw(url: str, cid: str, secret: str, calls: int, concurrency: int) -> float:
    async with aiohttp.ClientSession() as session:
        form = {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
        async with session.post(url + "/oauth/token", data=form) as resp:
            token = (await resp.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

        async def call() -> None:
            async with session.get(url + "/api/external/wallet", headers=headers) as resp:
                await resp.json()

        await call()
        return await _timed(call, calls, concurrency)


async def sdk(url: str, cid: str, secret: str, calls: int, concurrency: int) -> float:
    async with BlaaizClient(
        client_id=cid, client_secret=secret, base_url=url, rate_limit=None
    ) as client:
        await client.wallets.list()  # token fetched outside the timing, as for raw

        async def call() -> None:
            await client.wallets.list()

        return await _timed(call, calls, concurrency)


async def _timed(call: Callable[[], Awaitable[None]], calls: int, concurrency: int) -> float:
    per_worker = calls // concurrency

    async def worker() -> None:
        for _ in range(per_worker):
            await call()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    CPU.append((time.process_time() - cpu) / (per_worker * concurrency))
    return time.perf_counter() - started


CPU: list[float] = []  # this process's CPU seconds per call, per round (raw, sdk, raw, ...)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    n, c = args.calls, args.concurrency
    with sandbox_process() as env:
        creds = env["BLAAIZ_BASE_URL"], env["BLAAIZ_CLIENT_ID"], env["BLAAIZ_CLIENT_SECRET"]
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(asyncio.run, sdk(*creds, n, c))
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return
        raw_t: list[float] = []
        sdk_t: list[float] = []
        for _ in range(args.rounds):
            raw_t.append(asyncio.run(raw(*creds, n, c)))
            sdk_t.append(asyncio.run(sdk(*creds, n, c)))
    ratios = [s / r for s, r in zip(sdk_t, raw_t, strict=True)]
    raw_cpu, sdk_cpu = statistics.median(CPU[0::2]), statistics.median(CPU[1::2])
    print(f"{n} GETs per round at concurrency {c}, {args.rounds} interleaved rounds, medians")
    print(f"raw aiohttp, resp.json() : {n / statistics.median(raw_t):8.0f} calls/s")
    print(f"blaaiz-async             : {n / statistics.median(sdk_t):8.0f} calls/s")
    print(
        f"time ratio sdk/raw       : {statistics.median(sdk_t) / statistics.median(raw_t):.3f}"
        f"  (per-round ratios {min(ratios):.3f} .. {max(ratios):.3f},"
        f" their median {statistics.median(ratios):.3f})"
    )
    print(
        f"client CPU per call      : raw {raw_cpu * 1e6:.0f} us, sdk {sdk_cpu * 1e6:.0f} us"
        f" (ratio {sdk_cpu / raw_cpu:.3f})"
    )


if __name__ == "__main__":
    main()
