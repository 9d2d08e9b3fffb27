"""asyncio primitives keyed by event loop.

An ``asyncio.Lock`` or ``Future`` belongs to the loop it first ran on; a worker that calls
``asyncio.run`` once per task (Celery, scripts) would trip over one left from the last
loop. Keeping one per running loop, weakly, makes shared objects loop-agnostic.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class LoopLocalLocks:
    """One ``asyncio.Lock`` per (running loop, key)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, asyncio.Lock]
        ] = weakref.WeakKeyDictionary()

    def get(self, key: str = "") -> asyncio.Lock:
        # A lock that was waited on holds its loop, which keeps the weak key alive: drop
        # the locks of loops that have ended, or every asyncio.run would leak one loop.
        for ended in [loop for loop in self._locks if loop.is_closed()]:
            del self._locks[ended]
        per_loop = self._locks.setdefault(asyncio.get_running_loop(), {})
        lock = per_loop.get(key)
        if lock is None:
            lock = per_loop[key] = asyncio.Lock()
        return lock


class SingleFlight(Generic[T]):
    """Coalesce concurrent calls on one loop into one run whose result all callers share.

    The shared run is shielded: a caller that is cancelled stops waiting but does not
    cancel the work the other callers wait for.
    """

    def __init__(self) -> None:
        self._inflight: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[T]] = (
            weakref.WeakKeyDictionary()
        )

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        loop = asyncio.get_running_loop()
        task = self._inflight.get(loop)
        if task is None:
            task = loop.create_task(_as_coroutine(work))
            self._inflight[loop] = task
            task.add_done_callback(lambda t: self._done(loop, t))
        return await asyncio.shield(task)

    def _done(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[T]) -> None:
        if self._inflight.get(loop) is task:
            del self._inflight[loop]
        if not task.cancelled():
            task.exception()  # retrieved: every waiter may have gone


async def _as_coroutine(work: Callable[[], Awaitable[T]]) -> T:
    return await work()
