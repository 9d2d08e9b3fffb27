"""The sandbox's rate limiter: fixed windows, the way the API counts.

The API allows a number of requests per window (100 a minute per account; 30 a minute
and 600 an hour on a few endpoints) and says so on every answer with
``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (the window's
end, UTC epoch seconds). A refused request gets 429 with ``Retry-After``: whole seconds
until that reset, rounded up and at least 1, so a client that waits exactly that long is
never refused again by the same window.

Windows are aligned to multiples of their length since the epoch, like the API's
minute. (This is the server's limit; the SDK's own budget is a sliding log, stricter.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import attrs

from ..config import ConfigurationError

LIMIT = "X-RateLimit-Limit"
REMAINING = "X-RateLimit-Remaining"
RESET = "X-RateLimit-Reset"
RETRY_AFTER = "Retry-After"


@attrs.frozen
class Count:
    """One limiter's answer for one request."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # epoch seconds, the window's end rounded up
    retry_after: int | None = None  # when refused: seconds until ``reset``, at least 1

    def headers(self) -> dict[str, str]:
        headers = {LIMIT: str(self.limit), REMAINING: str(self.remaining), RESET: str(self.reset)}
        if self.retry_after is not None:
            headers[RETRY_AFTER] = str(self.retry_after)
        return headers


class FixedWindowLimiter:
    """``limit`` requests per ``window`` seconds for each key (an account, a business)."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ConfigurationError(
                f"rate limit must be a whole number of requests >= 1, got {limit!r}"
            )
        if (
            isinstance(window, bool)
            or not isinstance(window, int | float)
            or not 0 < window < math.inf
        ):
            raise ConfigurationError(
                f"rate window must be a positive, finite number of seconds, got {window!r}"
            )
        self.limit = limit
        self.window = float(window)
        self._used: dict[str, tuple[int, int]] = {}  # key -> (window index, requests counted)

    def __repr__(self) -> str:
        return f"FixedWindowLimiter({self.limit}, window={self.window:g})"

    def peek(self, key: str, now: float) -> Count:
        """What a request at ``now`` would get, without counting it."""
        index = math.floor(now / self.window)
        start, used = self._used.get(key, (index, 0))
        if start != index:
            used = 0
        reset = math.ceil((index + 1) * self.window)
        if used < self.limit:
            return Count(True, self.limit, self.limit - used - 1, reset)
        return Count(False, self.limit, 0, reset, retry_after=max(1, math.ceil(reset - now)))

    def hit(self, key: str, now: float) -> Count:
        """Count a request at ``now`` if the window has room; the answer either way."""
        count = self.peek(key, now)
        if count.allowed:
            self._record(key, now)
        return count

    def _record(self, key: str, now: float) -> None:
        index = math.floor(now / self.window)
        start, used = self._used.get(key, (index, 0))
        self._used[key] = (index, used + 1 if start == index else 1)


def hit_all(limiters: Sequence[FixedWindowLimiter], key: str, now: float) -> Count:
    """Several limits on one request (30 a minute AND 600 an hour): refused by any one,
    the request counts against none; allowed, it counts against all and the tightest
    limit is reported."""
    if not limiters:
        raise ValueError("hit_all needs at least one limiter")
    counts = [limiter.peek(key, now) for limiter in limiters]
    refused = [c for c in counts if not c.allowed]
    if refused:
        return max(refused, key=lambda c: c.reset)  # the one that keeps it refused longest
    for limiter in limiters:
        limiter._record(key, now)
    return tightest(counts)


def tightest(counts: Sequence[Count]) -> Count:
    """The count a client should follow: fewest remaining, then the latest reset."""
    return min(counts, key=lambda c: (c.remaining, -c.reset))


def merge_headers(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """``base`` updated with ``extra``, except that when both carry rate-limit headers the
    tighter set wins (an endpoint limit and the account limit on one answer). A refusal
    (``Retry-After``) always keeps its own set, so its reset and Retry-After agree."""
    merged = dict(base)
    theirs, ours = _count_in(base), _count_in(extra)
    if (
        theirs is not None
        and ours is not None
        and RETRY_AFTER not in extra
        and tightest([theirs, ours]) is theirs
    ):
        extra = {k: v for k, v in extra.items() if k not in (LIMIT, REMAINING, RESET)}
    merged.update(extra)
    return merged


def _count_in(headers: Mapping[str, str]) -> Count | None:
    try:
        return Count(
            allowed=True,
            limit=int(headers[LIMIT]),
            remaining=int(headers[REMAINING]),
            reset=int(headers[RESET]),
        )
    except (KeyError, ValueError):
        return None


__all__ = ["Count", "FixedWindowLimiter", "hit_all", "merge_headers", "tightest"]
