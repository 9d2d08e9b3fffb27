"""The per-attempt DEBUG line, and what of a request may go into a log at all.

A log line names the route, the method, the path TEMPLATE (a filled path may hold an id
or an account), the status, the attempt, the duration and the server's request id.
Headers are shown from an allowlist: any other header keeps its name and shows
``REDACTED``, and credentials and cookies can never be allowed (they are checked first).
Bodies are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

log = logging.getLogger("blaaiz_async.http")

REDACTED = "REDACTED"

# Never shown, whatever the allowlist says.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-blaaiz-api-key",
        "x-blaaiz-signature",
        "cookie",
        "set-cookie",
    }
)

# Shown as they are: they describe the exchange, not the person or the money.
LOGGED_HEADERS = frozenset(
    {
        "accept",
        "cache-control",
        "connection",
        "content-length",
        "content-type",
        "date",
        "retry-after",
        "server",
        "traceparent",
        "transfer-encoding",
        "user-agent",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-request-id",
        "x-correlation-id",
        "request-id",
    }
)

# Where servers put the id of the request, by convention.
REQUEST_ID_HEADERS = ("X-Request-Id", "X-Correlation-Id", "Request-Id")
_MAX_REQUEST_ID = 128


def safe_headers(
    headers: Mapping[str, str], allowed: Iterable[str] = LOGGED_HEADERS
) -> dict[str, str]:
    """``headers`` with every value outside ``allowed`` (and every credential) redacted."""
    allow = {a.lower() for a in allowed} - SECRET_HEADERS
    return {name: value if name.lower() in allow else REDACTED for name, value in headers.items()}


def request_id(headers: Mapping[str, str]) -> str | None:
    """The server's id of this request, if it sent one: printable, and bounded."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            value = value.strip()[:_MAX_REQUEST_ID]
            return value if value.isprintable() else None
    return None


def log_attempt(
    *,
    route: str,
    method: str,
    path: str | None,
    attempt: int,
    status: int | None,
    error_type: str | None,
    duration: float,
    request_id: str | None,
    request_headers: Mapping[str, str],
    response_headers: Mapping[str, str] | None,
    logger: logging.Logger = log,
) -> None:
    """One DEBUG line for one attempt; the caller has checked that DEBUG is on."""
    outcome = str(status) if status is not None else (error_type or "no answer")
    logger.debug(
        "%s %s %s attempt %d -> %s in %.1fms request_id=%s request_headers=%s response_headers=%s",
        route,
        method,
        path or "-",
        attempt,
        outcome,
        duration * 1e3,
        request_id or "-",
        safe_headers(request_headers),
        safe_headers(response_headers) if response_headers is not None else "-",
        extra={
            "blaaiz_route": route,
            "blaaiz_attempt": attempt,
            "http_status": status,
            "duration_ms": round(duration * 1e3, 3),
            "request_id": request_id,
        },
    )


__all__ = [
    "LOGGED_HEADERS",
    "REDACTED",
    "REQUEST_ID_HEADERS",
    "SECRET_HEADERS",
    "log_attempt",
    "request_id",
    "safe_headers",
]
