"""Admission as pure functions: which time slot the next caller gets. No I/O, no clock.

The state is a sliding log of granted slots (times, sorted). The next slot is::

    max(now, paused_until, log[-n] + per)      when the log holds n slots or more
    max(now, paused_until)                     otherwise

so a new slot is never within ``per`` of the n-th latest one: no window of ``per``
seconds ever holds more than ``n`` slots, however the arrivals come. (A bucket that
starts full lets ``n`` through at once and ``n`` more as it refills: ``2n`` in the first
window. This does not.) A burst of up to ``n`` gets slots at ``now``; later callers get
slots in the future and sleep until them, in arrival order.

A caller that gives up before its slot gives it back: the slot moves to a list of free
slots, and the next arrival takes the earliest free one that is still ahead before the
log rule is consulted. Every free slot was valid while held and nothing placed since
relies on its absence (the log rule only runs when no free slot is usable, and a free
slot that falls behind can never become usable again), so capacity is not lost and the
invariant holds.

What may be dropped from the log: slots at or before ``now - per`` (no future window can
hold them and a new slot), and past slots beyond the latest ``n`` of them (they can never
be the n-th latest again, since past slots are never given back). The rest, including
every reservation still ahead, must stay. The memory, file and Redis budgets all keep
their state this way; the Redis budget does the same steps in Lua.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import attrs


@attrs.frozen
class Decision:
    """``granted``: a slot was reserved at ``slot``, ``wait`` seconds after ``now``.

    Refused (``granted`` False): nothing was reserved; ``slot`` and ``wait`` say when the
    caller would have been served. ``reuses_free``: the slot is one given back earlier.
    """

    granted: bool
    slot: float
    wait: float
    reuses_free: bool = False


def admit(
    log: Sequence[float],
    now: float,
    n: int,
    per: float,
    paused_until: float = 0.0,
    max_wait: float | None = None,
    free: Sequence[float] = (),
) -> Decision:
    """The next slot for a caller arriving at ``now``.

    ``log``: the granted slots, sorted, with at least every slot after ``now - per`` and
    every reservation ahead. ``free``: given-back slots, sorted. ``max_wait``: refuse
    (reserve nothing) when the slot is further away than this; None waits as long as it
    takes.
    """
    start = max(now, paused_until)
    i = bisect.bisect_left(free, start)
    if i < len(free):
        slot, reuses = free[i], True
    elif len(log) >= n:
        slot, reuses = max(start, log[-n] + per), False
    else:
        slot, reuses = start, False
    wait = slot - now
    granted = max_wait is None or wait <= max_wait
    return Decision(granted=granted, slot=slot, wait=wait, reuses_free=reuses)


def first_kept(log: Sequence[float], now: float, n: int, per: float) -> int:
    """Index of the first slot of ``log`` (sorted) still worth keeping at ``now``."""
    recent = bisect.bisect_right(log, now - per)
    past = bisect.bisect_right(log, now)
    return max(recent, past - n)


def returnable(slot: float, now: float) -> bool:
    """Only a slot still ahead can be given back; one that has come may have been used."""
    return slot > now


@attrs.define
class SlotLog:
    """The state of one budget and the three things that change it, on a given clock.

    ``times`` and ``tickets`` are parallel (sorted by time); a ticket names the caller that
    holds the slot so it can give it back. ``free`` holds given-back slots, sorted.
    """

    times: list[float] = attrs.field(factory=list)
    tickets: list[str] = attrs.field(factory=list)
    free: list[float] = attrs.field(factory=list)
    paused_until: float = 0.0

    def reserve(
        self, ticket: str, now: float, n: int, per: float, max_wait: float | None
    ) -> Decision:
        self.prune(now, n, per)
        decision = admit(self.times, now, n, per, self.paused_until, max_wait, self.free)
        if decision.granted:
            if decision.reuses_free:
                self.free.remove(decision.slot)
            i = bisect.bisect_right(self.times, decision.slot)
            self.times.insert(i, decision.slot)
            self.tickets.insert(i, ticket)
        return decision

    def give_back(self, ticket: str, now: float) -> bool:
        """Free ``ticket``'s slot if it is still ahead; True if it was freed."""
        try:
            i = self.tickets.index(ticket)
        except ValueError:
            return False
        slot = self.times[i]
        if not returnable(slot, now):
            return False
        del self.times[i], self.tickets[i]
        bisect.insort(self.free, slot)
        return True

    def pause(self, until: float) -> None:
        """Admit nothing before ``until``; a shorter pause never shortens a longer one."""
        self.paused_until = max(self.paused_until, until)

    def prune(self, now: float, n: int, per: float) -> None:
        k = first_kept(self.times, now, n, per)
        if k:
            del self.times[:k], self.tickets[:k]
        usable = bisect.bisect_left(self.free, max(now, self.paused_until))
        if usable:
            del self.free[:usable]


__all__ = ["Decision", "SlotLog", "admit", "first_kept", "returnable"]
