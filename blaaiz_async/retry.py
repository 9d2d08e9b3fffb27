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
        """Full-jitter exponential backoff; a server-given wait wins, within a cap."""
        if retry_after is not None and math.isfinite(retry_after):
            return min(max(retry_after, 0.0), self.retry_after_cap)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return float(ceiling * (0.5 + self.jitter() / 2))


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
