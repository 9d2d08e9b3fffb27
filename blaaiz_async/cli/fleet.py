"""A fleet of worker processes calling the API through one shared token store.

The engine of ``blaaiz-async demo``, also used by the multi-process tests and the
benchmarks (it needs neither click nor rich): P real OS processes (spawned, so nothing is
inherited by fork) each run C coroutines through one ``BlaaizClient``, start together on
a barrier, and report what happened.

::

    report = await run_fleet(
        FleetSpec(url=sb.url, client_id=cid, client_secret=secret,
                  store=functools.partial(FileTokenStore, path), concurrency=100),
        processes=8,
    )
    assert report.failed == 0 and sb.token_requests == 1
    p50, p95, p99 = report.latency_percentiles(50, 95, 99)

A worker that cannot start (its store or client refuses the spec) makes ``run_fleet``
raise ``FleetStartError`` with the worker's reason at once, instead of waiting out
``start_timeout``.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import queue
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import attrs

from ..auth.stores.base import TokenStore


@attrs.frozen(kw_only=True)
class FleetSpec:
    """What each worker process does. ``store`` must be picklable (a class or a
    ``functools.partial``); None means each process has its own ``MemoryTokenStore``."""

    url: str
    client_id: str
    client_secret: str = attrs.field(repr=False)
    scopes: str | None = None
    store: Callable[[], TokenStore] | None = None
    concurrency: int = 10
    calls: int = 1  # per coroutine; ignored when duration is set
    duration: float | None = None  # seconds of calling in a loop
    pause: float = 0.0  # between two calls of one coroutine
    operation: str = "wallets.list"  # or "payouts.create"
    wallet_id: str | None = None
    customer_id: str | None = None
    log_level: str | None = None
    rate_limit: Any = None  # a RateLimit for the clients; None: no client-side limit


# Latencies a worker sends back at most: a uniform sample beyond that keeps the
# percentiles honest while the result stays small enough for a queue.
LATENCY_SAMPLE_SIZE = 10_000


class FleetStartError(RuntimeError):
    """A worker process could not start: the message says which and why."""


@attrs.frozen(kw_only=True)
class WorkerReport:
    pid: int
    ok: int
    failed: int
    errors: dict[str, int]
    token_requests: int
    elapsed: float
    # Failed calls the server answered with an HTTP status: each reached it at least once
    # (so requests - ok - answered_failures counts the resends).
    answered_failures: int = 0
    # Seconds per call (ok or failed), every call or a uniform sample of them.
    latencies: list[float] = attrs.field(factory=list, repr=False)
    calls: int = 0  # calls made, of which ``latencies`` may be a sample


@attrs.frozen(kw_only=True)
class FleetReport:
    workers: list[WorkerReport]
    elapsed: float

    @property
    def ok(self) -> int:
        return sum(w.ok for w in self.workers)

    @property
    def failed(self) -> int:
        return sum(w.failed for w in self.workers)

    @property
    def calls(self) -> int:
        return self.ok + self.failed

    @property
    def errors(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for w in self.workers:
            total.update(w.errors)
        return total

    @property
    def token_requests(self) -> int:
        """Token requests the workers made, by their own count."""
        return sum(w.token_requests for w in self.workers)

    @property
    def answered_failures(self) -> int:
        return sum(w.answered_failures for w in self.workers)

    def latency_percentiles(self, *percents: float) -> tuple[float, ...]:
        """Seconds per call at each percentile (nearest rank) over every worker's calls;
        NaN when no call was made. Workers that sampled are weighted by their call count."""
        weighted: list[tuple[float, float]] = []
        for w in self.workers:
            if w.latencies:
                weight = max(w.calls, len(w.latencies)) / len(w.latencies)
                weighted.extend((seconds, weight) for seconds in w.latencies)
        return tuple(_percentile(weighted, p) for p in percents)


def _percentile(weighted: list[tuple[float, float]], percent: float) -> float:
    if not weighted:
        return math.nan
    ordered = sorted(weighted)
    total = sum(weight for _, weight in ordered)
    rank = max(percent / 100 * total, ordered[0][1])
    seen = 0.0
    for seconds, weight in ordered:
        seen += weight
        if seen >= rank - 1e-9:
            return seconds
    return ordered[-1][0]


async def run_fleet(
    spec: FleetSpec,
    *,
    processes: int,
    start_timeout: float = 60.0,
    on_start: Callable[[list[int]], None] | None = None,
) -> FleetReport:
    """Run ``processes`` workers to completion; waits in a thread so the caller's loop
    (which may be serving the sandbox) keeps running. ``on_start`` gets the worker pids
    once all are ready, just before they are released."""
    return await asyncio.to_thread(_run_fleet_blocking, spec, processes, start_timeout, on_start)


def _run_fleet_blocking(
    spec: FleetSpec,
    processes: int,
    start_timeout: float,
    on_start: Callable[[list[int]], None] | None,
) -> FleetReport:
    ctx = multiprocessing.get_context("spawn")
    ready: Any = ctx.Queue()
    results: Any = ctx.Queue()
    go = ctx.Event()
    procs = [
        ctx.Process(target=_worker, args=(spec, ready, go, results), daemon=True)
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    try:
        try:
            _wait_until_ready(procs, ready, start_timeout)
        except FleetStartError:
            for p in procs:
                p.kill()
            raise
        if on_start is not None:
            on_start([p.pid for p in procs if p.pid is not None])
        started = time.monotonic()
        go.set()
        reports: list[WorkerReport] = []
        while len(reports) < len(procs):
            try:
                reports.append(WorkerReport(**results.get(timeout=1.0)))
            except queue.Empty:
                alive = sum(p.is_alive() for p in procs)
                if alive == 0 and results.empty():
                    break  # killed workers report nothing; count what came back
        elapsed = time.monotonic() - started
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
    return FleetReport(workers=reports, elapsed=elapsed)


def _wait_until_ready(procs: list[Any], ready: Any, start_timeout: float) -> None:
    """Every worker says it is ready; one that says why it cannot start, or dies first,
    fails the whole fleet now rather than after ``start_timeout``."""
    deadline = time.monotonic() + start_timeout
    waiting = len(procs)
    while waiting:
        try:
            item = ready.get(timeout=0.2)
        except queue.Empty:
            for p in procs:
                if p.exitcode is not None:
                    raise FleetStartError(
                        f"worker process {p.pid} exited (code {p.exitcode}) before it was ready"
                    ) from None
            if time.monotonic() > deadline:
                raise FleetStartError(
                    f"{waiting} of {len(procs)} worker processes not ready after {start_timeout:g}s"
                ) from None
            continue
        if isinstance(item, dict):
            raise FleetStartError(f"worker process {item['pid']} cannot start: {item['error']}")
        waiting -= 1


def _worker(spec: FleetSpec, ready: Any, go: Any, results: Any) -> None:
    if spec.log_level:
        import logging

        logging.basicConfig(level=spec.log_level)
    report = asyncio.run(_worker_main(spec, ready, go))
    if report is not None:
        results.put(attrs.asdict(report))


async def _worker_main(spec: FleetSpec, ready: Any, go: Any) -> WorkerReport | None:
    """The worker's calls, or None (and its reason on ``ready``) if it cannot start."""
    from ..auth.provider import ClientCredentialsProvider
    from ..client import BlaaizClient
    from ..errors import APIStatusError, InsufficientScopeError

    try:
        store = spec.store() if spec.store is not None else None
        client = BlaaizClient(
            client_id=spec.client_id,
            client_secret=spec.client_secret,
            base_url=spec.url,
            scopes=spec.scopes,
            token_store=store,
            rate_limit=spec.rate_limit,
        )
    except Exception as exc:
        ready.put({"pid": os.getpid(), "error": f"{type(exc).__name__}: {exc}"})
        return None
    errors: Counter[str] = Counter()
    ok = answered = calls = 0
    latencies: list[float] = []
    sampler = random.Random()
    async with client:
        ready.put(os.getpid())
        await asyncio.to_thread(go.wait)
        started = time.monotonic()
        deadline = started + spec.duration if spec.duration is not None else None

        def record(seconds: float) -> None:
            nonlocal calls
            calls += 1
            if len(latencies) < LATENCY_SAMPLE_SIZE:
                latencies.append(seconds)
            else:  # reservoir sampling: every call equally likely to be kept
                slot = sampler.randrange(calls)
                if slot < LATENCY_SAMPLE_SIZE:
                    latencies[slot] = seconds

        async def one(index: int) -> None:
            nonlocal ok, answered
            n = 0
            while (deadline is None and n < spec.calls) or (
                deadline is not None and time.monotonic() < deadline
            ):
                n += 1
                began = time.monotonic()
                try:
                    await _operation(client, spec, f"{os.getpid()}-{index}-{n}")
                    ok += 1
                except Exception as exc:
                    errors[type(exc).__name__] += 1
                    if isinstance(exc, APIStatusError) and not isinstance(
                        exc, InsufficientScopeError
                    ):
                        answered += 1
                record(time.monotonic() - began)
                if spec.pause:
                    await asyncio.sleep(spec.pause)

        await asyncio.gather(*(one(i) for i in range(spec.concurrency)))
        elapsed = time.monotonic() - started
        provider = client.token_provider
        token_requests = (
            provider.token_requests if isinstance(provider, ClientCredentialsProvider) else 0
        )
    if store is not None:
        await store.aclose()
    return WorkerReport(
        pid=os.getpid(),
        ok=ok,
        failed=sum(errors.values()),
        errors=dict(errors),
        token_requests=token_requests,
        elapsed=elapsed,
        answered_failures=answered,
        latencies=latencies,
        calls=calls,
    )


async def _operation(client: Any, spec: FleetSpec, ref: str) -> None:
    if spec.operation == "wallets.list":
        await client.wallets.list()
    elif spec.operation == "payouts.create":
        await client.payouts.create(
            wallet_id=spec.wallet_id,
            customer_id=spec.customer_id,
            method="bank_transfer",
            from_currency_id="NGN",
            to_currency_id="NGN",
            from_amount=1000,
            bank_id="058",
            account_number="0123456789",
            merchant_reference=f"fleet-{ref}",
        )
    else:
        raise ValueError(f"unknown fleet operation {spec.operation!r}")
