"""Child-process entry points for tests/test_limits_fleet.py.

Each worker is a real OS process (spawn start method) with its own budget object and
event loop; it writes what it saw as JSON to ``out_path``. Times are the host's wall
clock, which is also the clock of the redis-server the tests start on this host.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from blaaiz_async.errors import RateLimitError
from blaaiz_async.limits import FileRateBudget, RateBudget, RateLimit, RedisRateBudget


def _budget(kind: str, target: str, key: str, n: int, per: float) -> tuple[RateBudget, Any]:
    limit = RateLimit(n, per=per)
    if kind == "redis":
        client = Redis.from_url(target)  # the pool at its default size
        return RedisRateBudget(client, key, limit), client
    return FileRateBudget(target, limit), None


def crowd(
    kind: str,
    target: str,
    key: str,
    n: int,
    per: float,
    coroutines: int,
    duration: float,
    out_path: str,
    barrier: Any,
) -> None:
    """``coroutines`` callers acquire in a loop, far over the budget, for ``duration``
    seconds; half wait as long as it takes, half refuse anything beyond 50 ms and retry.
    At the end every caller still waiting is cancelled (and gives its slot back)."""
    barrier.wait()
    result = asyncio.run(_crowd(kind, target, key, n, per, coroutines, duration))
    Path(out_path).write_text(json.dumps(result))


async def _crowd(
    kind: str, target: str, key: str, n: int, per: float, coroutines: int, duration: float
) -> dict[str, Any]:
    budget, client = _budget(kind, target, key, n, per)
    admitted: list[float] = []
    refused = 0
    errors: list[str] = []

    async def caller(patient: bool) -> None:
        nonlocal refused
        while True:
            try:
                await budget.acquire(max_wait=None if patient else 0.05)
            except RateLimitError:
                refused += 1
                await asyncio.sleep(0.05)
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                errors.append(repr(exc))
                return
            admitted.append(time.time())

    tasks = [asyncio.ensure_future(caller(i % 2 == 0)) for i in range(coroutines)]
    await asyncio.sleep(duration)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    degraded = bool(getattr(budget, "degraded", False))
    await budget.aclose()
    if client is not None:
        await client.aclose()
    return {"admitted": admitted, "refused": refused, "errors": errors, "degraded": degraded}


def steady(
    kind: str,
    target: str,
    key: str,
    duration: float,
    out_path: str,
    barrier: Any,
) -> None:
    """Acquire from a budget with room to spare, about every 20 ms, for ``duration``
    seconds, recording when each call started and when it was admitted."""
    barrier.wait()
    result = asyncio.run(_steady(kind, target, key, duration))
    Path(out_path).write_text(json.dumps(result))


async def _steady(kind: str, target: str, key: str, duration: float) -> dict[str, Any]:
    budget, client = _budget(kind, target, key, 10_000, 60.0)
    calls: list[tuple[float, float]] = []
    stop = time.time() + duration
    while time.time() < stop:
        started = time.time()
        await budget.acquire()
        calls.append((started, time.time()))
        await asyncio.sleep(0.02)
    await budget.aclose()
    if client is not None:
        await client.aclose()
    return {"calls": calls}
