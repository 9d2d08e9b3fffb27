"""The retry policy: what is retried, the backoff, Retry-After."""

from __future__ import annotations

import math

from blaaiz_async.retry import RetryPolicy, parse_retry_after


def test_retry_decisions() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(attempt=1, idempotent=True, status=503, connected=True)
    assert not policy.should_retry(attempt=1, idempotent=False, status=503, connected=True)
    assert not policy.should_retry(attempt=1, idempotent=False, status=None, connected=True)
    assert policy.should_retry(attempt=1, idempotent=False, status=None, connected=False)
    assert policy.should_retry(attempt=1, idempotent=False, status=429, connected=True)
    assert not policy.should_retry(attempt=1, idempotent=True, status=400, connected=True)
    assert not policy.should_retry(attempt=3, idempotent=True, status=503, connected=True)


def test_backoff_with_pinned_jitter() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=lambda: 1.0)
    assert [policy.delay(a) for a in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert RetryPolicy(jitter=lambda: 0.0).delay(1) == 0.0  # full jitter: anywhere from 0
    assert RetryPolicy(jitter=lambda: 0.5).delay(3) == 1.0
    assert policy.delay(1, retry_after=500) == policy.retry_after_cap


def test_retry_after_parsing() -> None:
    assert parse_retry_after({"Retry-After": "7"}, now=0) == 7
    assert parse_retry_after({"Retry-After": "Thu, 01 Jan 1970 00:00:10 GMT"}, now=4) == 6
    assert parse_retry_after({"X-RateLimit-Reset": "130"}, now=100) == 30
    assert parse_retry_after({}, now=0) is None
    assert parse_retry_after({"Retry-After": "garbage"}, now=0) is None
    for junk in ("nan", "inf", "-inf"):
        assert parse_retry_after({"Retry-After": junk, "X-RateLimit-Reset": junk}, now=0) is None
    assert RetryPolicy(jitter=lambda: 1.0).delay(1, retry_after=math.nan) == 0.5
