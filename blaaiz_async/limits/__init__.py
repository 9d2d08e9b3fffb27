"""The shared rate budget: never more than ``n`` requests in any window of ``per`` seconds.

::

    RateLimit(n, per=60.0)           the limit, a value
    RateBudget                       the protocol: acquire(max_wait=), pause_until(), aclose()
    MemoryRateBudget(limit, key=)    one process
    FileRateBudget(path, limit)      the processes of one host
    RedisRateBudget(redis, key, limit)   every process and host on one Redis
    budget_for(store, key, limit)    the budget a token store shares (memory when it has none)

All three use one algorithm (``admission``): each caller is handed a future time slot
in one round trip and sleeps until it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .budget import RateBudget, budget_for
from .file import FileRateBudget
from .limit import API_RATE_LIMIT, RateLimit
from .memory import MemoryRateBudget

if TYPE_CHECKING:
    from .redis import RedisRateBudget


def __getattr__(name: str) -> Any:
    # The Redis budget needs the `redis` extra: import it on first use only.
    if name == "RedisRateBudget":
        return importlib.import_module(f"{__name__}.redis").RedisRateBudget
    raise AttributeError(name)


__all__ = [
    "API_RATE_LIMIT",
    "FileRateBudget",
    "MemoryRateBudget",
    "RateBudget",
    "RateLimit",
    "RedisRateBudget",
    "budget_for",
]
