"""``RateLimit``: how many requests a budget admits in any window of ``per`` seconds."""

from __future__ import annotations

import math
from typing import Any

import attrs

from ..config import API_RATE_LIMIT_REQUESTS, API_RATE_LIMIT_WINDOW, ConfigurationError


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(
            f"RateLimit n must be a whole number of requests, at least 1, got {value!r}; "
            f"e.g. RateLimit({API_RATE_LIMIT_REQUESTS}, per={API_RATE_LIMIT_WINDOW}), "
            "or rate_limit=None for no client-side limit"
        )
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ConfigurationError(
            f"RateLimit per must be a positive, finite number of seconds, got {value!r}; "
            f"e.g. RateLimit({API_RATE_LIMIT_REQUESTS}, per={API_RATE_LIMIT_WINDOW})"
        )
    return float(value)


@attrs.frozen
class RateLimit:
    """At most ``n`` requests in ANY window of ``per`` seconds (a sliding window).

    ``RateLimit(100, per=60.0)`` is the API's documented limit. A burst of up to ``n`` is
    fine; ``n`` more only come ``per`` seconds after the first of them.
    """

    n: int = attrs.field(converter=_count)
    per: float = attrs.field(default=API_RATE_LIMIT_WINDOW, converter=_seconds)

    def __str__(self) -> str:
        return f"{self.n} per {self.per:g}s"


API_RATE_LIMIT = RateLimit(API_RATE_LIMIT_REQUESTS, per=API_RATE_LIMIT_WINDOW)

__all__ = ["API_RATE_LIMIT", "RateLimit"]
