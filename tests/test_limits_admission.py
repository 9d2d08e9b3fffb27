"""The admission rule as data: decision tables and a brute-force window check. No I/O."""

from __future__ import annotations

import math
import random

import pytest

from blaaiz_async import ConfigurationError, RateLimit
from blaaiz_async.limits.admission import Decision, SlotLog, admit, first_kept, returnable


def most_in_any_window(slots: list[float], per: float) -> int:
    """The largest number of ``slots`` inside one half-open window ``[t, t + per)``."""
    ordered = sorted(slots)
    best, lo = 0, 0
    for hi, t in enumerate(ordered):
        while ordered[lo] + per <= t:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


# (log, now, n, per, paused_until, max_wait, free) -> (granted, slot, reuses_free)
ADMIT_TABLE = [
    pytest.param([], 100.0, 3, 10.0, 0.0, None, [], (True, 100.0, False), id="empty: now"),
    pytest.param([95.0, 99.0], 100.0, 3, 10.0, 0.0, None, [], (True, 100.0, False), id="room"),
    pytest.param(
        [95.0, 97.0, 99.0], 100.0, 3, 10.0, 0.0, None, [], (True, 105.0, False), id="full: nth+per"
    ),
    pytest.param(
        [91.0, 95.0, 97.0, 99.0, 104.0],
        100.0,
        3,
        10.0,
        0.0,
        None,
        [],
        (True, 107.0, False),
        id="the n-th latest, reservations included",
    ),
    pytest.param(
        [80.0, 85.0, 89.0], 100.0, 3, 10.0, 0.0, None, [], (True, 100.0, False), id="window passed"
    ),
    pytest.param([], 100.0, 3, 10.0, 130.0, None, [], (True, 130.0, False), id="paused"),
    pytest.param([], 100.0, 3, 10.0, 50.0, None, [], (True, 100.0, False), id="pause over"),
    pytest.param(
        [95.0, 97.0, 99.0],
        100.0,
        3,
        10.0,
        120.0,
        None,
        [],
        (True, 120.0, False),
        id="pause beyond the window",
    ),
    pytest.param(
        [95.0, 97.0, 99.0], 100.0, 3, 10.0, 0.0, 4.0, [], (False, 105.0, False), id="too far"
    ),
    pytest.param(
        [95.0, 97.0, 99.0], 100.0, 3, 10.0, 0.0, 5.0, [], (True, 105.0, False), id="just in reach"
    ),
    pytest.param([], 100.0, 3, 10.0, 0.0, 0.0, [], (True, 100.0, False), id="max_wait 0, room"),
    pytest.param(
        [95.0, 97.0, 99.0, 108.0],
        100.0,
        3,
        10.0,
        0.0,
        None,
        [103.0, 106.0],
        (True, 103.0, True),
        id="earliest free slot first",
    ),
    pytest.param(
        [95.0, 97.0, 99.0],
        100.0,
        3,
        10.0,
        0.0,
        None,
        [98.0],
        (True, 105.0, False),
        id="a free slot behind is no use",
    ),
    pytest.param(
        [90.0, 99.0],
        100.0,
        1,
        10.0,
        0.0,
        2.0,
        [104.0],
        (False, 104.0, True),
        id="a free slot too far refuses",
    ),
]


@pytest.mark.parametrize(
    ("log", "now", "n", "per", "paused", "max_wait", "free", "expected"), ADMIT_TABLE
)
def test_admit_decision_table(
    log: list[float],
    now: float,
    n: int,
    per: float,
    paused: float,
    max_wait: float | None,
    free: list[float],
    expected: tuple[bool, float, bool],
) -> None:
    decision = admit(log, now, n, per, paused, max_wait, free)
    granted, slot, reuses = expected
    assert decision == Decision(granted=granted, slot=slot, wait=slot - now, reuses_free=reuses)


# (log, now, n, per) -> index of the first slot kept
PRUNE_TABLE = [
    pytest.param([], 100.0, 3, 10.0, 0, id="empty"),
    pytest.param([85.0, 90.0, 95.0], 100.0, 3, 10.0, 2, id="at now-per and before: gone"),
    pytest.param([91.0, 92.0, 93.0, 94.0, 95.0], 100.0, 3, 10.0, 2, id="past: latest n kept"),
    pytest.param(
        [91.0, 92.0, 93.0, 94.0, 101.0, 102.0], 100.0, 3, 10.0, 1, id="reservations all kept"
    ),
    pytest.param([101.0, 150.0], 100.0, 1, 10.0, 0, id="only ahead"),
]


@pytest.mark.parametrize(("log", "now", "n", "per", "expected"), PRUNE_TABLE)
def test_first_kept_table(log: list[float], now: float, n: int, per: float, expected: int) -> None:
    assert first_kept(log, now, n, per) == expected


def test_a_slot_can_be_given_back_only_while_it_is_ahead() -> None:
    assert returnable(100.5, 100.0)
    assert not returnable(100.0, 100.0)
    assert not returnable(99.0, 100.0)


def test_a_full_start_admits_n_per_window_not_two_n() -> None:
    log, n, per = SlotLog(), 5, 10.0
    slots = [log.reserve(f"t{i}", 0.0, n, per, None).slot for i in range(4 * n)]
    assert slots == [0.0] * n + [10.0] * n + [20.0] * n + [30.0] * n
    assert most_in_any_window(slots, per) == n


def test_a_refusal_reserves_nothing() -> None:
    log = SlotLog()
    for i in range(3):
        log.reserve(f"a{i}", 0.0, 3, 10.0, None)
    for i in range(50):
        refused = log.reserve(f"r{i}", 1.0, 3, 10.0, 0.5)
        assert not refused.granted and refused.wait == 9.0
    assert log.reserve("b", 1.0, 3, 10.0, None).slot == 10.0
    assert log.tickets == ["a0", "a1", "a2", "b"]


def test_a_slot_given_back_in_the_middle_of_the_queue_goes_to_the_next_arrival() -> None:
    log = SlotLog()
    assert log.reserve("now", 0.0, 1, 10.0, None).slot == 0.0
    assert log.reserve("A", 0.0, 1, 10.0, None).slot == 10.0
    assert log.reserve("B", 0.0, 1, 10.0, None).slot == 20.0
    assert log.give_back("A", 1.0)
    taken = log.reserve("C", 2.0, 1, 10.0, None)
    assert taken == Decision(granted=True, slot=10.0, wait=8.0, reuses_free=True)
    assert log.free == []
    assert log.reserve("D", 2.0, 1, 10.0, None).slot == 30.0


def test_a_slot_that_has_come_is_not_given_back() -> None:
    log = SlotLog()
    log.reserve("a", 0.0, 1, 10.0, None)
    assert not log.give_back("a", 0.0)
    assert not log.give_back("unknown", 0.0)
    assert log.tickets == ["a"] and log.free == []


def test_a_pause_only_lengthens() -> None:
    log = SlotLog()
    log.pause(50.0)
    log.pause(20.0)
    assert log.paused_until == 50.0
    assert log.reserve("a", 10.0, 3, 10.0, None).slot == 50.0


@pytest.mark.parametrize("seed", range(40))
def test_random_arrivals_cancellations_and_pauses_never_overfill_a_window(seed: int) -> None:
    """Brute force: whatever arrives, leaves or pauses, no window of ``per`` holds more than
    ``n`` slots that were granted and not given back; continuous demand uses the budget."""
    rng = random.Random(seed)
    n = rng.randint(1, 6)
    per = rng.choice([0.5, 1.0, 2.5, 10.0])
    log, now = SlotLog(), rng.uniform(0, 1000)
    held: dict[str, float] = {}  # ticket -> slot still counted
    for i in range(rng.randint(50, 400)):
        now += rng.expovariate(n * 2 / per)  # about twice the budget
        action = rng.random()
        if action < 0.15 and held:
            ticket = rng.choice(sorted(held))
            if log.give_back(ticket, now):
                assert held.pop(ticket) > now
        elif action < 0.18:
            log.pause(now + rng.uniform(0, per * 2))
        else:
            max_wait = rng.choice([None, None, 0.0, per / 2, per * 3])
            decision = log.reserve(f"t{i}", now, n, per, max_wait)
            assert decision.slot >= max(now, log.paused_until)
            if decision.granted:
                held[f"t{i}"] = decision.slot
            else:
                assert max_wait is not None and decision.wait > max_wait
        assert most_in_any_window(list(held.values()), per) <= n, (seed, i)
    # Every slot the log still tracks is one the simulation counts, in order.
    assert set(log.tickets) <= set(held)
    assert log.times == sorted(log.times)


@pytest.mark.parametrize("seed", range(10))
def test_demand_that_never_stops_gets_exactly_n_per_window(seed: int) -> None:
    rng = random.Random(1000 + seed)
    n, per = rng.randint(1, 8), rng.choice([1.0, 3.0])
    log, now, slots = SlotLog(), 0.0, []
    while now < 20 * per:
        now += rng.uniform(0, per / (4 * n))
        slots.append(log.reserve(f"t{len(slots)}", now, n, per, None).slot)
    first = slots[0]
    served = [s for s in slots if s < first + 10 * per]
    assert most_in_any_window(slots, per) == n
    assert len(served) == 10 * n  # every window full: nothing wasted


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        ((0,), "at least 1"),
        ((-5,), "at least 1"),
        ((2.5,), "whole number"),
        ((True,), "whole number"),
        (("100",), "whole number"),
        ((10, 0), "positive"),
        ((10, -1.0), "positive"),
        ((10, math.inf), "finite"),
        ((10, math.nan), "finite"),
        ((10, "60"), "seconds"),
    ],
)
def test_rate_limit_rejects_bad_values_with_the_fix(args: tuple[object, ...], fix: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        RateLimit(*args)  # type: ignore[arg-type]
    assert fix in str(info.value)
    assert "RateLimit(100, per=60.0)" in str(info.value)


def test_rate_limit_is_a_frozen_value() -> None:
    limit = RateLimit(100)
    assert limit == RateLimit(100, per=60) and limit.per == 60.0 and isinstance(limit.per, float)
    assert hash(limit) == hash(RateLimit(100, per=60.0))
    assert str(RateLimit(20, per=2)) == "20 per 2s"
    with pytest.raises(AttributeError):
        limit.n = 5  # type: ignore[misc]
