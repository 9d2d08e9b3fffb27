"""When to retry, and how long to wait: pure functions the pipeline calls.

A POST that may have reached the server is never sent twice: only idempotent routes
are retried after a 5xx or a broken connection. Any route is retried after a 429 or a
failure to connect at all, since then the server did nothing.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping

import attrs

from .config import DEFAULT_MAX_RETRIES, RETRY_AFTER_CAP, RETRY_BASE_DELAY, RETRY_MAX_DELAY


@attrs.frozen(kw_only=True)
class RetryPolicy:
    max_retries: int = DEFAULT_MAX_RETRIES
    base_delay: float = RETRY_BASE_DELAY
    max_delay: float = RETRY_MAX_DELAY
    retry_after_cap: float = RETRY_AFTER_CAP
    jitter: Callable[[], float] = attrs.field(default=random.random, repr=False)

    def should_retry(
        self, *, attempt: int, idempotent: bool, status: int | None, connected: bool
    ) -> bool:
        """``attempt`` counts from 1; ``status`` None means no response was read.

        ``connected`` False means the connection was never made, so nothing was sent.
        """
        if attempt > self.max_retries:
            return False
        if status is None:
            return idempotent or not connected
        if status == 429:
            return True
        return idempotent and (status >= 500 or status == 408)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Capped exponential backoff with full jitter (anywhere in ``[0, ceiling)``, so a
        fleet that failed together does not retry together); a server-given wait wins,
        within ``retry_after_cap``."""
        if retry_after is not None and math.isfinite(retry_after):
            return min(max(retry_after, 0.0), self.retry_after_cap)
        ceiling = min(self.max_delay, self.base_delay * (2 ** min(attempt - 1, 30)))
        return float(ceiling * self.jitter())


class RetryBudget:
    """Retries as a share of the traffic that succeeds, per process.

    Each retry spends one token, each success earns ``ratio`` of one, up to ``capacity``;
    retries stop while fewer than half the tokens are left. So a failing API sees about
    ``1 + ratio`` times the traffic, not ``1 + max_retries`` times (the retry throttling
    of gRPC and Finagle). Shared by every client of a process unless one is given.
    """

    def __init__(self, capacity: float = 20.0, ratio: float = 0.1) -> None:
        self.capacity = capacity
        self.ratio = ratio
        self.tokens = capacity

    def __repr__(self) -> str:
        return f"RetryBudget(tokens={self.tokens:.1f}/{self.capacity:g}, ratio={self.ratio:g})"

    @property
    def allows_retry(self) -> bool:
        return self.tokens > self.capacity / 2

    def spent(self) -> None:
        self.tokens = max(self.tokens - 1.0, 0.0)

    def earned(self) -> None:
        self.tokens = min(self.tokens + self.ratio, self.capacity)


PROCESS_RETRY_BUDGET = RetryBudget()


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or ``X-RateLimit-Reset``
    (epoch seconds); ``None`` when neither says anything usable."""
    now = time.time() if now is None else now
    value = headers.get("Retry-After", "").strip()
    if value:
        seconds = _finite(value)
        if seconds is None:
            try:
                seconds = email.utils.parsedate_to_datetime(value).timestamp() - now
            except (TypeError, ValueError):
                seconds = None
        if seconds is not None:
            return max(seconds, 0.0)
    reset = _finite(headers.get("X-RateLimit-Reset", ""))
    return max(reset - now, 0.0) if reset is not None else None


def _finite(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
