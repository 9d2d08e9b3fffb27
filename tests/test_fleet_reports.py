"""What a fleet reports: latency percentiles over every worker's calls, and a worker that
cannot start failing the fleet at once instead of after the start timeout."""

from __future__ import annotations

import functools
import math

import pytest

from blaaiz_async.auth import RedisTokenStore
from blaaiz_async.cli.fleet import (
    FleetReport,
    FleetSpec,
    FleetStartError,
    WorkerReport,
    run_fleet,
)


def worker(latencies: list[float], calls: int = 0) -> WorkerReport:
    return WorkerReport(
        pid=1, ok=len(latencies), failed=0, errors={}, token_requests=0, elapsed=1.0,
        latencies=latencies, calls=calls or len(latencies),
    )  # fmt: skip


def test_latency_percentiles_are_nearest_rank_over_every_worker() -> None:
    report = FleetReport(
        workers=[
            worker([i / 100 for i in range(1, 51)]),
            worker([i / 100 for i in range(51, 101)]),
        ],
        elapsed=1.0,
    )
    assert report.latency_percentiles(50, 95, 99, 100) == (0.5, 0.95, 0.99, 1.0)
    assert all(math.isnan(p) for p in FleetReport(workers=[], elapsed=0).latency_percentiles(50))


def test_a_sampled_worker_weighs_as_many_calls_as_it_made() -> None:
    # One worker made 900 calls of 1 s and sent back 9 of them; the other made 100 of 0 s.
    report = FleetReport(workers=[worker([1.0] * 9, calls=900), worker([0.0] * 100)], elapsed=1)
    assert report.latency_percentiles(50) == (1.0,)
    assert report.latency_percentiles(10) == (0.0,)


async def test_a_worker_that_cannot_start_fails_the_fleet_at_once() -> None:
    spec = FleetSpec(
        url="http://127.0.0.1:9",
        client_id="cid",
        client_secret="secret",
        store=functools.partial(RedisTokenStore.from_url, "not-a-url"),
    )
    with pytest.raises(FleetStartError, match="cannot start: ConfigurationError: invalid Redis"):
        await run_fleet(spec, processes=2, start_timeout=60.0)
