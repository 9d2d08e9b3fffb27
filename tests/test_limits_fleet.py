"""Real OS processes sharing one rate budget: 8 on Redis, 4 on a state file.

Every admission is timestamped with the host's clock (the redis-server runs on this host,
so it is the server's clock too). The budget is small (20 per 2 s) and the callers are
many, so the runs stay short while the budget is always oversubscribed.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from blaaiz_async.limits import FileRateBudget, RateLimit, RedisRateBudget
from blaaiz_async.limits.file import parse_state
from tests import _limits_workers as workers
from tests.redis_support import RedisServer

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="POSIX processes"),
    pytest.mark.timeout(120),
]

N, PER = 20, 2.0
# Admission times are taken when a caller wakes, a few ms after its slot on a busy
# machine; windows are measured this much shorter so that lateness is not read as excess.
# (A lost update between processes would put two slots at the same instant.)
WAKE_TOLERANCE = 0.25  # a busy 2-core machine wakes callers late; a lost update doubles a window


def run_workers(target: Any, args_for: list[tuple[Any, ...]], tmp: Path) -> list[dict[str, Any]]:
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(len(args_for))
    outs = [tmp / f"worker-{i}.json" for i in range(len(args_for))]
    procs = [
        spawn.Process(target=target, args=(*args, str(out), barrier))
        for args, out in zip(args_for, outs, strict=True)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(90)
    for p in procs:
        if p.is_alive():
            p.kill()
    assert [p.exitcode for p in procs] == [0] * len(procs)
    return [json.loads(out.read_text()) for out in outs]


def most_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(ordered):
        while ordered[lo] + window <= t:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def check_crowd(results: list[dict[str, Any]], duration: float) -> list[float]:
    assert [r["errors"] for r in results] == [[]] * len(results)
    assert not any(r["degraded"] for r in results)
    times = sorted(t for r in results for t in r["admitted"])
    assert most_in_any_window(times, PER - WAKE_TOLERANCE) <= N
    # Used >= 90%: each window from the first admission until the end was (nearly) full.
    first, end = times[0], max(times)
    windows = int((end - first) // PER) + 1
    assert len(times) >= 0.9 * N * windows, (len(times), windows)
    assert windows >= int(duration // PER)  # the run really lasted that many windows
    assert sum(r["refused"] for r in results) > 0  # impatient callers were refused locally
    return times


def test_eight_processes_share_one_redis_budget(redis_server: RedisServer, tmp_path: Path) -> None:
    duration = 4.5
    args = [("redis", redis_server.url, "fleet", N, PER, 25, duration)] * 8
    results = run_workers(workers.crowd, args, tmp_path)
    check_crowd(results, duration)

    async def leftovers() -> tuple[int, int]:
        raw = Redis.from_url(redis_server.url)
        try:
            slots = RedisRateBudget(raw, "fleet").keys[0]
            seconds, micros = await raw.time()
            ahead = await raw.zcount(slots, f"({seconds + micros / 1e6}", "+inf")
            return ahead, await raw.zcard(slots)
        finally:
            await raw.aclose()

    ahead, kept = asyncio.run(leftovers())
    assert ahead == 0  # every caller cancelled at the end gave its slot back
    assert kept <= N  # the log holds the last n slots, no more


def test_four_processes_share_one_file_budget(tmp_path: Path) -> None:
    duration = 4.5
    path = tmp_path / "rate.json"
    args = [("file", str(path), "", N, PER, 25, duration)] * 4
    results = run_workers(workers.crowd, args, tmp_path)
    check_crowd(results, duration)
    log = parse_state(path.read_bytes())
    assert log is not None
    assert not [t for t in log.times if t > time.time()]  # nothing left reserved
    assert len(log.times) <= N


@pytest.mark.parametrize("kind", ["redis", "file"])
def test_a_pause_from_one_process_stops_admissions_in_the_others(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    target = (
        request.getfixturevalue("redis_server").url if kind == "redis" else str(tmp_path / "r.json")
    )
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(4)
    outs = [tmp_path / f"steady-{i}.json" for i in range(3)]
    procs = [
        spawn.Process(target=workers.steady, args=(kind, target, "paused", 2.5, str(out), barrier))
        for out in outs
    ]
    for p in procs:
        p.start()

    async def pause_soon() -> tuple[float, float]:
        limit = RateLimit(10_000, per=60.0)
        raw = Redis.from_url(target) if kind == "redis" else None
        budget = RedisRateBudget(raw, "paused", limit) if raw else FileRateBudget(target, limit)
        try:
            await asyncio.sleep(1.0)
            until = time.time() + 1.0
            await budget.pause_until(until)
            return time.time(), until
        finally:
            await budget.aclose()
            if raw is not None:
                await raw.aclose()

    try:
        barrier.wait(60)
        paused_at, until = asyncio.run(pause_soon())
    finally:
        for p in procs:
            p.join(60)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in procs] == [0, 0, 0]
    calls = [tuple(c) for out in outs for c in json.loads(out.read_text())["calls"]]
    before = [c for c in calls if c[1] < paused_at]
    after = [c for c in calls if c[0] > paused_at]
    assert before and after
    # A call that started once the pause was set was admitted no earlier than its end.
    assert min(admitted for _, admitted in after) >= until - 0.002
    assert [c for c in calls if paused_at + WAKE_TOLERANCE < c[1] < until] == []
