"""Telemetry a payments team can run in production: logs, hooks and OpenTelemetry.

- **Logs**: loggers under ``blaaiz_async`` (``.http``, ``.auth``, ``.limits``,
  ``.webhooks``, ``.telemetry``), silent by default. At DEBUG, ``blaaiz_async.http`` writes
  one line per attempt: route, method, path template, status, attempt, duration and the
  server's request id, headers from an allowlist (every other value ``REDACTED``).
  Bodies, tokens, secrets and filled paths are never logged.
- **Hooks**: ``BlaaizClient(hooks=Hooks(...))`` calls you back with small frozen events.
- **OpenTelemetry**: with ``opentelemetry-api`` installed (the ``otel`` extra), calls are
  traced and measured through the global providers, with no configuration; without an SDK
  provider the cost is one check per call. See ``docs/telemetry.md`` for the spans, the
  metrics and their attributes.

A hook that counts 429s and retries::

    import collections

    from blaaiz_async import BlaaizClient
    from blaaiz_async.telemetry import Hooks, ResponseReceived, RetryScheduled

    counts: collections.Counter[str] = collections.Counter()

    def on_response(event: ResponseReceived) -> None:
        if event.status == 429:
            counts["429"] += 1

    async def on_retry(event: RetryScheduled) -> None:  # async hooks run as tasks
        counts[f"retry {event.route}"] += 1

    async with BlaaizClient(hooks=Hooks(on_response=on_response, on_retry=on_retry)) as client:
        await client.wallets.list()
"""

from __future__ import annotations

from .hooks import (
    Hook,
    Hooks,
    OutcomeUnknown,
    RateLimitWaited,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    TokenFetched,
    TokenInvalidated,
    TokenRefreshed,
    TokenSource,
)
from .logs import LOGGED_HEADERS, REDACTED, SECRET_HEADERS, safe_headers
from .observer import Operation, Telemetry, TokenTelemetry, webhook_verification_failed

__all__ = [
    "LOGGED_HEADERS",
    "REDACTED",
    "SECRET_HEADERS",
    "Hook",
    "Hooks",
    "Operation",
    "OutcomeUnknown",
    "RateLimitWaited",
    "RequestSent",
    "ResponseReceived",
    "RetryScheduled",
    "Telemetry",
    "TokenFetched",
    "TokenInvalidated",
    "TokenRefreshed",
    "TokenSource",
    "TokenTelemetry",
    "safe_headers",
    "webhook_verification_failed",
]
