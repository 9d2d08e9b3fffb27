"""``FileRateBudget``: one budget for the processes of one host, through a small file.

The state is a JSON object in ``path``::

    {"v": 1, "paused_until": <epoch s>, "slots": [[<epoch s>, "<ticket>"], ...], "free": [...]}

Every change is a read-modify-write under an OS file lock (``<path>.lock``, ``flock``
through ``filelock``, the soft fallback off: the kernel drops the lock of a process that
dies) and is written to a temporary file that is ``os.replace``-d over ``path``, so a
reader never sees half a file. It is not fsynced: the state only matters for the next
``per`` seconds, and a file lost or truncated by a crash of the machine reads as empty.
A missing, truncated or otherwise unreadable file is an empty budget and is rewritten by
the next admission; it is never an error for the caller.

Times are the host's wall clock (``time.time()``), the one clock all its processes
share. The file work runs in a worker thread (``asyncio.to_thread``): a lock wait would
otherwise stall the event loop. If the file cannot be used at all (permissions, disk
full, a lock held past ``lock_timeout``), the budget degrades to this process alone with
one warning and tries the file again a second later.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeGuard, TypeVar

import filelock
import orjson

from .._files import PRIVATE_MODE, write_atomically
from ._slots import SharedSlotBudget
from .admission import Decision, SlotLog
from .limit import API_RATE_LIMIT, RateLimit

T = TypeVar("T")

_VERSION = 1
_MAX_FILE_BYTES = 8 << 20  # a very long queue is a few hundred kB; more is not ours
_DIR_MODE = 0o700
_LOCK_POLL_INTERVAL = 0.002  # the lock is held for a read and a small write


def _lock_options() -> dict[str, Any]:
    # Recent filelock releases fall back to a marker-file ("soft") lock on filesystems
    # without flock; such a lock outlives a killed holder. Opt out where the option exists.
    params = inspect.signature(filelock.FileLock.__init__).parameters
    return {"fallback_to_soft": False} if "fallback_to_soft" in params else {}


_LOCK_OPTIONS = _lock_options()


class FileRateBudget(SharedSlotBudget):
    """Shares a rate budget between the processes of one host through ``path``."""

    shared_errors = (OSError, filelock.Timeout)

    def __init__(
        self,
        path: str | os.PathLike[str],
        limit: RateLimit = API_RATE_LIMIT,
        *,
        lock_timeout: float = 10.0,
    ) -> None:
        if not lock_timeout >= 0:  # also rejects NaN
            raise ValueError("lock_timeout must be zero or more seconds")
        self.path = Path(os.fspath(path)).expanduser().absolute()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = float(lock_timeout)
        super().__init__(limit, name=f"file:{self.path}")

    def __repr__(self) -> str:
        return f"FileRateBudget({str(self.path)!r}, {self.limit})"

    # -- the shared store, in a worker thread -------------------------------------------------

    async def _reserve_shared(self, ticket: str, max_wait: float | None) -> Decision:
        return await asyncio.to_thread(self._reserve_sync, ticket, max_wait)

    async def _give_back_shared(self, ticket: str) -> None:
        await asyncio.to_thread(self._update, lambda log, now: log.give_back(ticket, now))

    async def _pause_shared(self, epoch_seconds: float) -> None:
        await asyncio.to_thread(self._update, lambda log, now: log.pause(epoch_seconds))

    def _reserve_sync(self, ticket: str, max_wait: float | None) -> Decision:
        n, per = self.limit.n, self.limit.per
        return self._update(lambda log, now: log.reserve(ticket, now, n, per, max_wait))

    def _update(self, change: Callable[[SlotLog, float], T]) -> T:
        """Apply ``change(log, now)`` under the lock; write the file if anything changed."""
        self.path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        lock = filelock.FileLock(
            self.lock_path,
            timeout=self.lock_timeout,
            mode=PRIVATE_MODE,
            poll_interval=_LOCK_POLL_INTERVAL,
            thread_local=False,
            **_LOCK_OPTIONS,
        )
        with lock:
            raw = self._read()
            log = parse_state(raw) or SlotLog()
            result = change(log, time.time())  # read the clock inside the lock
            after = dump_state(log)
            if after != raw:  # changed, or the file was missing or unreadable
                self._write(after)
        return result

    def _read(self) -> bytes | None:
        try:
            with open(self.path, "rb") as f:
                return f.read(_MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            return None

    def _write(self, payload: bytes) -> None:
        write_atomically(self.path, payload, durable=False)


def dump_state(log: SlotLog) -> bytes:
    return orjson.dumps(
        {
            "v": _VERSION,
            "paused_until": log.paused_until,
            "slots": [[t, k] for t, k in zip(log.times, log.tickets, strict=True)],
            "free": log.free,
        }
    )


def parse_state(raw: bytes | None) -> SlotLog | None:
    """The log in ``raw``; None for anything that is not a state this module wrote."""
    if raw is None or len(raw) > _MAX_FILE_BYTES:
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("v") != _VERSION:
        return None
    paused, slots, free = data.get("paused_until"), data.get("slots"), data.get("free")
    if not _is_time(paused) or not isinstance(slots, list) or not isinstance(free, list):
        return None
    pairs: list[tuple[float, str]] = []
    for entry in slots:
        if not (isinstance(entry, list) and len(entry) == 2):
            return None
        when, ticket = entry
        if not _is_time(when) or not isinstance(ticket, str):
            return None
        pairs.append((float(when), ticket))
    if not all(_is_time(t) for t in free):
        return None
    pairs.sort()
    return SlotLog(
        times=[t for t, _ in pairs],
        tickets=[k for _, k in pairs],
        free=sorted(float(t) for t in free),
        paused_until=float(paused),
    )


def _is_time(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


__all__ = ["FileRateBudget"]
