"""Per-call cost of the SDK against raw aiohttp, side by side in one run.

Both sides call GET /api/external/wallet on the same sandbox (its own process) with the same
concurrency; raw aiohttp reuses one pre-fetched bearer token and skips parsing into models.
A third side does raw aiohttp plus the same Decimal decoding and model structuring the SDK
does, which isolates the pipeline's own cost (auth, guard, retry bookkeeping). Prints
calls/s for each and the time ratios (1.00 = no overhead).

    .venv/bin/python benchmarks/overhead.py [--calls 3000] [--concurrency 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp
from _sandbox_proc import sandbox_process

from blaaiz_async import BlaaizClient
from blaaiz_async.models import Wallet, converter
from blaaiz_async.models.converter import loads


async def raw(
    url: str, cid: str, secret: str, calls: int, concurrency: int, models: bool = False
) -> float:
    async with aiohttp.ClientSession() as session:
        form = {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
        async with session.post(url + "/oauth/token", data=form) as resp:
            token = (await resp.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        return await _timed(
            lambda: _raw_call(session, url + "/api/external/wallet", headers, models),
            calls,
            concurrency,
        )


async def _raw_call(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], models: bool
) -> None:
    async with session.get(url, headers=headers) as resp:
        raw = await resp.read()
    if models:  # the same decoding and structuring the SDK does, without its pipeline
        converter.structure(loads(raw)["data"], list[Wallet])
    else:
        json.loads(raw)


async def sdk(url: str, cid: str, secret: str, calls: int, concurrency: int) -> float:
    async with BlaaizClient(client_id=cid, client_secret=secret, base_url=url) as client:
        await client.wallets.list()  # token fetched outside the timing, as for raw
        return await _timed(client.wallets.list, calls, concurrency)


async def _timed(call, calls: int, concurrency: int) -> float:  # type: ignore[no-untyped-def]
    per_worker = calls // concurrency

    async def worker() -> None:
        for _ in range(per_worker):
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with sandbox_process() as env:
        url, cid, secret = (
            env["BLAAIZ_BASE_URL"],
            env["BLAAIZ_CLIENT_ID"],
            env["BLAAIZ_CLIENT_SECRET"],
        )
        raw_t, model_t, sdk_t = [], [], []
        n, c = args.calls, args.concurrency
        for _ in range(args.rounds):  # interleaved, so drift hits all sides alike
            raw_t.append(asyncio.run(raw(url, cid, secret, n, c)))
            model_t.append(asyncio.run(raw(url, cid, secret, n, c, models=True)))
            sdk_t.append(asyncio.run(sdk(url, cid, secret, n, c)))
    best_raw, best_model, best_sdk = min(raw_t), min(model_t), min(sdk_t)
    print(f"calls per round: {n}, concurrency {c}, best of {args.rounds}")
    print(f"raw aiohttp, json.loads     : {n / best_raw:8.0f} calls/s")
    print(f"raw aiohttp + models        : {n / best_model:8.0f} calls/s")
    print(f"blaaiz-async                : {n / best_sdk:8.0f} calls/s")
    print(f"time ratio sdk/raw          : {best_sdk / best_raw:.2f}")
    print(f"time ratio sdk/(raw+models) : {best_sdk / best_model:.2f}  (the pipeline itself)")


if __name__ == "__main__":
    main()
