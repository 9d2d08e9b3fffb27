"""The in-process log: a ``SlotLog`` on the monotonic clock, shared by name in a process.

It holds no asyncio primitive (a ``threading.Lock`` guards a few microseconds of pure
work, never an ``await``), so one log serves every event loop and thread of the process:
a worker that calls ``asyncio.run`` per task keeps its budget.
"""

from __future__ import annotations

import threading
import time
import weakref

from .admission import Decision, SlotLog
from .limit import RateLimit


class LocalLog:
    """A ``SlotLog`` behind a thread lock, on ``time.monotonic()`` (immune to clock steps)."""

    def __init__(self) -> None:
        self._log = SlotLog()
        self._guard = threading.Lock()

    def reserve(self, ticket: str, limit: RateLimit, max_wait: float | None) -> Decision:
        with self._guard:
            return self._log.reserve(ticket, time.monotonic(), limit.n, limit.per, max_wait)

    def give_back(self, ticket: str) -> bool:
        with self._guard:
            return self._log.give_back(ticket, time.monotonic())

    def pause_until(self, epoch_seconds: float) -> None:
        # Epoch seconds in, monotonic seconds inside.
        until = time.monotonic() + (epoch_seconds - time.time())
        with self._guard:
            self._log.pause(until)

    def pending(self) -> int:
        """Reservations still ahead (for introspection and tests)."""
        now = time.monotonic()
        with self._guard:
            return sum(1 for t in self._log.times if t > now)


_LOGS: weakref.WeakValueDictionary[str, LocalLog] = weakref.WeakValueDictionary()
_LOGS_GUARD = threading.Lock()


def shared_log(name: str) -> LocalLog:
    """The process-wide log called ``name``, alive while some budget holds it."""
    with _LOGS_GUARD:
        log = _LOGS.get(name)
        if log is None:
            log = _LOGS[name] = LocalLog()
        return log
