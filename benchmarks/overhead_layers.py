"""Where the SDK's per-call time goes: the same GET through each layer, CPU per call.

Layers, each adding one part of the SDK on top of the one before: raw aiohttp with
``resp.json()``; raw aiohttp with the SDK's request options (no redirects, a timeout, an
encoded URL, a capped read); ``AiohttpTransport.send``; the engine with the body decoded but
not structured into models; the whole ``client.wallets.list()``. Rounds are interleaved;
medians of this process's CPU time per call (on 2 cores the client is the bottleneck).

    .venv/bin/python benchmarks/overhead_layers.py [--calls 3000] [--concurrency 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp
import attrs
from _sandbox_proc import sandbox_process
from yarl import URL

from blaaiz_async import BlaaizClient
from blaaiz_async.routes import ROUTES
from blaaiz_async.transport import AiohttpTransport, HTTPRequest


async def _cpu_per_call(call: Callable[[], Awaitable[None]], calls: int, concurrency: int) -> float:
    async def worker() -> None:
        for _ in range(calls // concurrency):
            await call()

    started = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - started) / calls


async def measure(
    url: str, cid: str, secret: str, calls: int, concurrency: int, rounds: int
) -> None:
    wallet_url = url + "/api/external/wallet"
    results: dict[str, list[float]] = {}
    async with BlaaizClient(
        client_id=cid, client_secret=secret, base_url=url, rate_limit=None
    ) as client:
        await client.wallets.list()
        assert client.token_provider is not None
        token = (await client.token_provider.get_token()).authorization
        headers = {"Authorization": token, "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=60, connect=10)
        transport = AiohttpTransport()
        raw_route = attrs.evolve(ROUTES["wallets.list"], response=None, normalize=None)
        async with aiohttp.ClientSession() as session:

            async def raw() -> None:
                async with session.get(wallet_url, headers=headers) as resp:
                    await resp.json()

            async def raw_with_options() -> None:
                async with session.request(
                    "GET", URL(wallet_url, encoded=True), headers=headers, timeout=timeout,
                    allow_redirects=False,
                ) as resp:  # fmt: skip
                    json.loads(await resp.read())

            async def transport_only() -> None:
                response = await transport.send(HTTPRequest("GET", wallet_url, headers, None, 60.0))
                json.loads(response.body)

            async def engine_unstructured() -> None:
                await client._pipeline.call(raw_route)

            async def whole() -> None:
                await client.wallets.list()

            layers = {
                "raw aiohttp, resp.json()": raw,
                "+ the SDK's request options": raw_with_options,
                "AiohttpTransport.send": transport_only,
                "engine, no structuring": engine_unstructured,
                "client.wallets.list()": whole,
            }
            for _ in range(rounds):
                for name, call in layers.items():
                    results.setdefault(name, []).append(
                        await _cpu_per_call(call, calls, concurrency)
                    )
        await transport.aclose()
    base = statistics.median(results["raw aiohttp, resp.json()"])
    for name, values in results.items():
        median = statistics.median(values)
        print(f"{name:30} {median * 1e6:6.0f} us CPU/call  ({median / base:.2f}x raw)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with sandbox_process() as env:
        asyncio.run(
            measure(
                env["BLAAIZ_BASE_URL"],
                env["BLAAIZ_CLIENT_ID"],
                env["BLAAIZ_CLIENT_SECRET"],
                args.calls,
                args.concurrency,
                args.rounds,
            )
        )


if __name__ == "__main__":
    main()
