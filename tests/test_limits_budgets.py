"""The three rate budgets in one process: memory, a real state file, a real redis-server.

The same behaviour is asked of each kind (parametrized): a burst of ``n``, a local
refusal that uses no capacity, cancellation that gives the slot back, pauses, successive
event loops. Each kind's own failure modes (corrupt state, a dead store) follow.
"""

from __future__ import annotations

import asyncio
import logging
import math
import stat
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import attrs
import pytest
from redis.asyncio import Redis

from blaaiz_async.errors import APIStatusError, RateLimitError
from blaaiz_async.limits import (
    FileRateBudget,
    MemoryRateBudget,
    RateBudget,
    RateLimit,
    RedisRateBudget,
)
from blaaiz_async.limits.admission import SlotLog
from blaaiz_async.limits.file import parse_state

pytestmark = pytest.mark.timeout(60)

KINDS = ["memory", "file", "redis"]


@attrs.define
class Kind:
    """How to build a budget of one kind, and how to look at its shared state."""

    name: str
    tmp: Path
    redis_url: str | None
    raw: Redis | None = None
    made: list[RateBudget] = attrs.field(factory=list)

    def budget(self, limit: RateLimit, key: str = "acct") -> RateBudget:
        b: RateBudget
        if self.name == "memory":
            b = MemoryRateBudget(limit, key=f"{self.tmp}/{key}")  # a key of this test alone
        elif self.name == "file":
            b = FileRateBudget(self.tmp / f"{key}.rate.json", limit)
        else:
            assert self.redis_url is not None
            self.raw = self.raw or Redis.from_url(self.redis_url)
            b = RedisRateBudget(self.raw, key, limit)
        self.made.append(b)
        return b

    async def ahead(self, budget: RateBudget) -> int:
        """Reservations whose slot has not come yet."""
        now = time.time()
        if isinstance(budget, MemoryRateBudget):
            return budget.pending
        if isinstance(budget, FileRateBudget):
            log = parse_state(budget.path.read_bytes())
            assert log is not None
            return sum(1 for t in log.times if t > now)
        assert isinstance(budget, RedisRateBudget) and self.raw is not None
        return int(await self.raw.zcount(budget.keys[0], f"({now}", "+inf"))

    async def freed(self, budget: RateBudget) -> int:
        """Slots given back and not taken again."""
        if isinstance(budget, FileRateBudget):
            log = parse_state(budget.path.read_bytes())
            assert log is not None
            return len(log.free)
        assert isinstance(budget, RedisRateBudget) and self.raw is not None
        return int(await self.raw.zcard(budget.keys[1]))


@pytest.fixture(params=KINDS)
async def kind(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Kind]:
    url = None
    if request.param == "redis":
        url = request.getfixturevalue("redis_server").url
    k = Kind(request.param, tmp_path, url)
    yield k
    for b in k.made:
        await b.aclose()
    if k.raw is not None:
        await k.raw.aclose()


async def refusal(budget: RateBudget) -> RateLimitError:
    with pytest.raises(RateLimitError) as info:
        await budget.acquire(max_wait=0)
    return info.value


async def until(predicate: Callable[[], Awaitable[object]]) -> None:
    async with asyncio.timeout(5.0):
        while not await predicate():
            await asyncio.sleep(0.005)


# -- the same behaviour from every kind ---------------------------------------------------------


async def test_every_kind_is_a_rate_budget(kind: Kind) -> None:
    assert isinstance(kind.budget(RateLimit(1)), RateBudget)


async def test_a_burst_of_n_then_a_local_refusal_that_says_so(kind: Kind) -> None:
    budget = kind.budget(RateLimit(3, per=30.0))
    for _ in range(3):
        await budget.acquire(max_wait=0)
    error = await refusal(budget)
    assert isinstance(error, APIStatusError) and error.status == 429
    assert error.retry_after is not None and 29.0 < error.retry_after <= 30.0
    assert "refused locally" in str(error) and "3 per 30s" in str(error)
    assert error.route is None  # nothing was sent


async def test_refusals_use_no_capacity(kind: Kind) -> None:
    budget = kind.budget(RateLimit(2, per=0.6))
    await budget.acquire()
    await budget.acquire()
    for _ in range(30):
        await refusal(budget)
    # Had any refusal reserved a slot, the next one would be a window or more further off.
    await budget.acquire(max_wait=0.9)
    assert await kind.ahead(budget) == 0


async def test_a_caller_cancelled_while_waiting_gives_its_slot_back(kind: Kind) -> None:
    budget = kind.budget(RateLimit(1, per=30.0))
    await budget.acquire()
    waiter = asyncio.ensure_future(budget.acquire())
    await until(lambda: kind.ahead(budget))  # it holds the slot 30 s ahead and sleeps
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert asyncio.all_tasks() == {asyncio.current_task()}  # the give-back is done
    assert await kind.ahead(budget) == 0
    error = await refusal(budget)  # the next caller would get the freed slot, not one after it
    assert error.retry_after is not None and error.retry_after <= 30.0


async def test_a_second_cancellation_does_not_stop_the_give_back(kind: Kind) -> None:
    budget = kind.budget(RateLimit(1, per=30.0))
    await budget.acquire()
    waiter = asyncio.ensure_future(budget.acquire())
    await until(lambda: kind.ahead(budget))
    waiter.cancel()
    await asyncio.sleep(0)  # now giving the slot back
    waiter.cancel()  # e.g. a timeout firing on top of the first cancellation
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await budget.aclose()
    assert await kind.ahead(budget) == 0


async def test_a_slot_freed_in_the_middle_of_the_queue_goes_to_the_next_caller(
    kind: Kind,
) -> None:
    budget = kind.budget(RateLimit(1, per=20.0))
    await budget.acquire()
    first = asyncio.ensure_future(budget.acquire())
    await until(lambda: kind.ahead(budget))
    second = asyncio.ensure_future(budget.acquire())
    await until(async_eq(lambda: kind.ahead(budget), 2))
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    error = await refusal(budget)
    assert error.retry_after is not None and error.retry_after <= 20.0  # not 60: 20 is free
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    assert await kind.ahead(budget) == 0


def async_eq(probe: Callable[[], Awaitable[int]], expected: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await probe() == expected

    return check


@pytest.mark.parametrize("kind", ["file", "redis"], indirect=True)
async def test_a_caller_cancelled_during_the_round_trip_leaves_nothing_reserved(
    kind: Kind,
) -> None:
    budget = kind.budget(RateLimit(1, per=30.0))
    await budget.acquire()
    caller = asyncio.ensure_future(budget.acquire())
    await asyncio.sleep(0)  # the caller has sent its reservation and waits for the answer
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await budget.aclose()  # waits for the background give-back, if any is still running
    assert asyncio.all_tasks() == {asyncio.current_task()}  # nothing left running
    assert await kind.ahead(budget) == 0
    assert await kind.freed(budget) == 1  # it did reserve, and gave the slot back
    error = await refusal(budget)
    assert error.retry_after is not None and error.retry_after <= 30.0


async def test_pause_until_stops_admissions_and_only_lengthens(kind: Kind) -> None:
    budget = kind.budget(RateLimit(100, per=60.0))
    await budget.pause_until(time.time() - 5)  # already over: nothing changes
    await budget.acquire(max_wait=0)
    await budget.pause_until(time.time() + 30)
    await budget.pause_until(time.time() + 2)  # a shorter pause does not shorten it
    error = await refusal(budget)
    assert error.retry_after is not None and 29.0 < error.retry_after <= 30.0
    with pytest.raises(ValueError, match="finite"):
        await budget.pause_until(math.nan)


async def test_a_short_pause_is_waited_out(kind: Kind) -> None:
    budget = kind.budget(RateLimit(100, per=60.0))
    end = time.time() + 0.3
    await budget.pause_until(end)
    await budget.acquire(max_wait=1.0)
    assert time.time() >= end - 0.002  # not a speed bound: it did not go before the pause


@pytest.mark.parametrize("bad", [-1.0, math.nan])
async def test_a_bad_max_wait_is_refused(kind: Kind, bad: float) -> None:
    with pytest.raises(ValueError, match="max_wait"):
        await kind.budget(RateLimit(1)).acquire(max_wait=bad)


async def test_hundreds_of_concurrent_callers_get_exactly_the_burst(kind: Kind) -> None:
    budget = kind.budget(RateLimit(120, per=60.0))
    results = await asyncio.gather(
        *(budget.acquire(max_wait=0) for _ in range(400)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, RateLimitError)]
    assert len(refused) == 280 and results.count(None) == 120


# -- memory --------------------------------------------------------------------------------------


def test_a_memory_budget_keeps_its_slots_across_successive_event_loops() -> None:
    budget = MemoryRateBudget(RateLimit(2, per=30.0))

    async def fill() -> None:
        await budget.acquire(max_wait=0)
        await budget.acquire(max_wait=0)

    async def one_more() -> float | None:
        with pytest.raises(RateLimitError) as info:
            await budget.acquire(max_wait=0)
        return info.value.retry_after

    asyncio.run(fill())
    retry_after = asyncio.run(one_more())
    assert retry_after is not None and 29.0 < retry_after <= 30.0


async def test_memory_budgets_with_one_key_share_it_and_others_do_not() -> None:
    limit = RateLimit(1, per=30.0)
    first, same = (
        MemoryRateBudget(limit, key="acct-shared"),
        MemoryRateBudget(limit, key="acct-shared"),
    )
    await first.acquire(max_wait=0)
    await refusal(same)
    await MemoryRateBudget(limit, key="acct-other").acquire(max_wait=0)
    await MemoryRateBudget(limit).acquire(max_wait=0)  # no key: its own


# -- file ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"v":1,"paused_until":0,"slo',
        b"[]",
        b'{"v":2,"paused_until":0,"slots":[],"free":[]}',
        b'{"v":1,"paused_until":"soon","slots":[],"free":[]}',
        b'{"v":1,"paused_until":0,"slots":[[1.0]],"free":[]}',
        b'{"v":1,"paused_until":0,"slots":[["x","t"]],"free":[]}',
        b'{"v":1,"paused_until":0,"slots":[],"free":[null]}',
        b"\xff\xfe\x00garbage",
    ],
)
async def test_a_corrupt_state_file_is_an_empty_budget_and_is_rewritten(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "rate.json"
    path.write_bytes(content)
    budget = FileRateBudget(path, RateLimit(2, per=30.0))
    await budget.acquire(max_wait=0)
    await budget.acquire(max_wait=0)
    await refusal(budget)
    log = parse_state(path.read_bytes())
    assert log is not None and len(log.times) == 2


async def test_the_state_file_is_private_and_holds_only_times_and_tickets(tmp_path: Path) -> None:
    path = tmp_path / "state" / "rate.json"
    budget = FileRateBudget(path, RateLimit(5, per=30.0))
    await budget.acquire()
    await budget.pause_until(time.time() + 1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == ["rate.json", "rate.json.lock"]


async def test_an_unusable_state_file_degrades_to_this_process_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    budget = FileRateBudget(blocker / "rate.json", RateLimit(2, per=30.0))
    with caplog.at_level(logging.WARNING, logger="blaaiz_async.limits"):
        await budget.acquire(max_wait=0)
        await budget.acquire(max_wait=0)
        await refusal(budget)  # still limited: by this process alone
    assert budget.degraded
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "limits itself alone" in warnings[0].getMessage()


def test_a_file_budget_keeps_working_across_successive_event_loops(tmp_path: Path) -> None:
    budget = FileRateBudget(tmp_path / "rate.json", RateLimit(1, per=30.0))
    asyncio.run(budget.acquire(max_wait=0))

    async def refused() -> None:
        await refusal(budget)

    asyncio.run(refused())


def test_the_file_work_runs_off_the_event_loop(tmp_path: Path) -> None:
    budget = FileRateBudget(tmp_path / "rate.json", RateLimit(5, per=30.0))
    threads: list[int] = []
    real_update = budget._update

    def observed(change: Callable[[SlotLog, float], object]) -> object:
        threads.append(threading.get_ident())
        return real_update(change)

    budget._update = observed  # type: ignore[method-assign]
    asyncio.run(budget.acquire())
    assert threads and threading.get_ident() not in threads


def test_lock_timeout_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lock_timeout"):
        FileRateBudget(tmp_path / "x", RateLimit(1), lock_timeout=math.nan)
