"""``Hooks``: callbacks the engine calls as a call goes, with small frozen events.

Events carry what is safe to keep anywhere (route names, path templates, statuses,
durations, token fingerprints): never a filled path, a body, a header value or a token.
A hook may be a plain function or an ``async def``; a sync hook runs inline (keep it
short), an async one runs as a task of its own so a slow hook never delays a payment,
and ``Hooks.drain()`` (called by ``BlaaizClient.aclose()``) waits for those still running.
A hook that raises is logged, once per hook and error type, and never breaks the call.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import attrs

log = logging.getLogger("blaaiz_async.telemetry")

E = TypeVar("E")
Hook = Callable[[E], object]  # returns None, or an awaitable for an async hook

TokenSource = Literal["token_endpoint", "store"]


@attrs.frozen(slots=True, kw_only=True)
class RequestSent:
    """An attempt is about to go out. ``attempt`` counts from 1; ``path`` is the route's
    template (``/api/external/wallet/{id}``), ``None`` for a path outside the route table."""

    route: str
    method: str
    path: str | None
    attempt: int


@attrs.frozen(slots=True, kw_only=True)
class ResponseReceived:
    """An attempt ended. ``status`` is ``None`` when no answer came; ``error_type`` is the
    status as text for 400 and above, else the kind of failure (``read_timeout``,
    ``connection_refused``, an exception's class), ``None`` on success. ``duration`` is in
    seconds; ``request_id`` is the server's ``X-Request-Id`` (or alike), if it sent one."""

    route: str
    method: str
    path: str | None
    attempt: int
    status: int | None
    duration: float
    error_type: str | None = None
    request_id: str | None = None


@attrs.frozen(slots=True, kw_only=True)
class RetryScheduled:
    """Attempt ``attempt`` failed and the call will be resent after ``delay`` seconds.
    ``reason`` is the engine's (``HTTP 503``, ``read timed out``); ``status`` the answer's."""

    route: str
    method: str
    path: str | None
    attempt: int
    reason: str
    delay: float
    status: int | None = None


@attrs.frozen(slots=True, kw_only=True)
class RateLimitWaited:
    """The call waited ``seconds`` in the client's rate budget before an attempt."""

    route: str
    seconds: float


@attrs.frozen(slots=True, kw_only=True)
class TokenFetched:
    """A token arrived while none was valid: from ``/oauth/token`` or, fetched by another
    process, from the shared store. ``fingerprint`` is a short hash, never the token."""

    fingerprint: str
    expires_in: float
    source: TokenSource


@attrs.frozen(slots=True, kw_only=True)
class TokenRefreshed:
    """A still-valid token was replaced ahead of its expiry (``previous`` is its
    fingerprint)."""

    fingerprint: str
    previous: str
    expires_in: float
    source: TokenSource


@attrs.frozen(slots=True, kw_only=True)
class TokenInvalidated:
    """The API rejected the token with this fingerprint (a 401): it is dropped."""

    fingerprint: str


@attrs.frozen(slots=True, kw_only=True)
class OutcomeUnknown:
    """A state-changing call may have reached the server and got no answer; it was not
    resent. Look it up by ``merchant_reference`` (the caller's, or the one the SDK sent)."""

    route: str
    method: str
    path: str | None
    attempt: int
    cause: str
    merchant_reference: str | None


class Hooks:
    """Callbacks for what the client does; each one optional.

    ``BlaaizClient(hooks=Hooks(on_retry=..., on_response=...))``. Every callback gets one
    event (see the event classes of this module) and may be sync or async.
    """

    def __init__(
        self,
        *,
        on_request: Hook[RequestSent] | None = None,
        on_response: Hook[ResponseReceived] | None = None,
        on_retry: Hook[RetryScheduled] | None = None,
        on_rate_limit_wait: Hook[RateLimitWaited] | None = None,
        on_token_fetched: Hook[TokenFetched] | None = None,
        on_token_refreshed: Hook[TokenRefreshed] | None = None,
        on_token_invalidated: Hook[TokenInvalidated] | None = None,
        on_outcome_unknown: Hook[OutcomeUnknown] | None = None,
    ) -> None:
        self.on_request = on_request
        self.on_response = on_response
        self.on_retry = on_retry
        self.on_rate_limit_wait = on_rate_limit_wait
        self.on_token_fetched = on_token_fetched
        self.on_token_refreshed = on_token_refreshed
        self.on_token_invalidated = on_token_invalidated
        self.on_outcome_unknown = on_outcome_unknown
        self._pending: set[asyncio.Task[Any]] = set()
        self._reported: set[tuple[str, type[BaseException]]] = set()

    def __repr__(self) -> str:
        names = [n for n, v in vars(self).items() if n.startswith("on_") and v is not None]
        return f"Hooks({', '.join(names)})"

    @property
    def observe_calls(self) -> bool:
        """Whether any hook is about calls (the token's hooks need no per-call observer)."""
        return not (
            self.on_request is None
            and self.on_response is None
            and self.on_retry is None
            and self.on_rate_limit_wait is None
            and self.on_outcome_unknown is None
        )

    def emit(self, name: str, hook: Hook[E], event: E) -> None:
        """Call ``hook(event)``; an awaitable result runs as a task. Never raises."""
        try:
            result = hook(event)
            if inspect.isawaitable(result):
                task = asyncio.get_running_loop().create_task(self._run(name, result))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)
        except Exception as exc:
            self._failed(name, exc)

    async def _run(self, name: str, result: Awaitable[object]) -> None:
        try:
            await result
        except Exception as exc:
            self._failed(name, exc)

    def _failed(self, name: str, exc: Exception) -> None:
        key = (name, type(exc))
        if key in self._reported:
            return
        self._reported.add(key)
        log.warning(
            "hook %s raised %s; the call goes on (logged once per hook and error type)",
            name,
            type(exc).__name__,
            exc_info=exc,
        )

    async def drain(self, grace: float = 5.0) -> None:
        """Wait up to ``grace`` seconds for the async hooks of this event loop still
        running; those left then are cancelled."""
        loop = asyncio.get_running_loop()
        mine = [t for t in self._pending if t.get_loop() is loop and not t.done()]
        if not mine:
            return
        _, late = await asyncio.wait(mine, timeout=grace)
        for task in late:
            task.cancel()


__all__ = [
    "Hook",
    "Hooks",
    "OutcomeUnknown",
    "RateLimitWaited",
    "RequestSent",
    "ResponseReceived",
    "RetryScheduled",
    "TokenFetched",
    "TokenInvalidated",
    "TokenRefreshed",
    "TokenSource",
]
