"""FastAPI and Starlette: one ``BlaaizClient`` per process, and webhook routes that verify
and handle each event once. Needs the ``fastapi`` extra (``pip install
'blaaiz-async[fastapi]'``).

::

    blaaiz = Blaaiz()                       # BlaaizClient() from BLAAIZ_* at startup
    app = FastAPI(lifespan=blaaiz.lifespan)

    @app.get("/wallets")
    async def wallets(client: Annotated[BlaaizClient, Depends(blaaiz.client)]) -> ...:
        return await client.wallets.list()

    @blaaiz.webhook(app, "/webhooks/blaaiz")
    async def on_event(event: WebhookEvent) -> None:
        ...

With a lifespan of your own, wrap it: ``FastAPI(lifespan=blaaiz.lifespan_with(mine))``.
The client is opened before your lifespan starts (so it may use ``blaaiz.client()``)
and closed after it ends.

A ``BlaaizClient`` belongs to the event loop it first ran on, which is why it is made in
the lifespan (the server's loop) and not at import time. The webhook route answers:

- 200 ``{"status": "handled"}`` or ``{"status": "duplicate"}`` (already handled, or being
  handled by another worker): the sender must not retry;
- 400 ``{"error": "<reason>"}`` when verification fails (the reasons of
  ``VerificationReason``);
- 413 ``{"error": "payload_too_large"}`` past ``max_body_size``;
- 500 ``{"error": "handler_failed"}`` when the handler raised (its claim is released, so
  the sender's retry is handled), 503 ``{"error": "replay_guard_unavailable"}`` when the
  replay guard (Redis) failed before the handler ran.

The secret comes from ``webhook_secret=`` or ``BLAAIZ_WEBHOOK_SECRET``; the replay guard is
a ``MemoryReplayGuard`` unless given: with several worker processes pass one
``RedisReplayGuard`` so a delivery is handled once across all of them.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

from fastapi import APIRouter, FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Router

from ..client import BlaaizClient
from ..config import ConfigurationError
from ..errors import WebhookVerificationError
from ..webhooks import ReplayGuard, WebhookEvent, WebhookReceiver
from ..webhooks.signature import DEFAULT_TOLERANCE, Secrets

log = logging.getLogger("blaaiz_async.webhooks")

A = TypeVar("A")
S = TypeVar("S")
H = TypeVar("H", bound=Callable[[WebhookEvent], Awaitable[object]])
ClientFactory = Callable[[], BlaaizClient | Awaitable[BlaaizClient]]
Target = FastAPI | APIRouter | Starlette | Router

SECRET_ENV = "BLAAIZ_WEBHOOK_SECRET"
DEFAULT_MAX_BODY_SIZE = 1 << 20  # webhook bodies are a few KiB


class Blaaiz:
    """The SDK inside one FastAPI/Starlette app: its client, its webhook routes."""

    def __init__(
        self,
        client_factory: ClientFactory | None = None,
        *,
        webhook_secret: Secrets | None = None,
        replay_guard: ReplayGuard | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        self._factory: ClientFactory = client_factory or BlaaizClient
        self._secret = webhook_secret
        self._guard = replay_guard
        self._tolerance = tolerance
        self.max_body_size = max_body_size
        self._client: BlaaizClient | None = None
        self._receiver: WebhookReceiver | None = None
        self.webhook_paths: list[str] = []

    def __repr__(self) -> str:
        state = "running" if self._client is not None else "stopped"
        return f"Blaaiz({state}, webhook_paths={self.webhook_paths!r})"

    # -- the client ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, app: object) -> AsyncIterator[None]:
        """``FastAPI(lifespan=blaaiz.lifespan)``: opens the client at startup, closes it at
        shutdown. Also checks that webhook routes have a secret, so a missing one fails
        the start rather than every delivery."""
        async with self._running():
            yield

    def lifespan_with(
        self, other: Callable[[A], AbstractAsyncContextManager[S]]
    ) -> Callable[[A], AbstractAsyncContextManager[S]]:
        """Your lifespan, run inside this one: ``FastAPI(lifespan=blaaiz.lifespan_with(mine))``.
        Whatever ``mine`` yields (a state mapping, or None) is what the app gets."""

        @contextlib.asynccontextmanager
        async def combined(app: A) -> AsyncIterator[S]:
            async with self._running(), other(app) as state:
                yield state

        return combined

    def client(self) -> BlaaizClient:
        """The process's client, for ``Depends(blaaiz.client)``."""
        if self._client is None:
            raise RuntimeError(
                "the Blaaiz client is not running: create the app with "
                "FastAPI(lifespan=blaaiz.lifespan) (or blaaiz.lifespan_with(your_lifespan)), "
                "and make sure the server runs lifespan events"
            )
        return self._client

    @contextlib.asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        if self._client is not None:
            raise RuntimeError("this Blaaiz is already running a lifespan; make one Blaaiz per app")
        if self.webhook_paths:
            self.receiver()  # fail at startup, not on the first delivery
        made = self._factory()
        client = await made if inspect.isawaitable(made) else made
        try:
            await client.__aenter__()
        except BaseException:
            await client.aclose()
            raise
        self._client = client
        try:
            yield
        finally:
            self._client = None
            await client.aclose()

    # -- webhooks ----------------------------------------------------------------------------

    def receiver(self) -> WebhookReceiver:
        """The ``WebhookReceiver`` behind the webhook routes (made on first use)."""
        if self._receiver is None:
            secret = self._secret if self._secret is not None else os.environ.get(SECRET_ENV)
            if not secret:
                raise ConfigurationError(
                    f"no webhook secret: pass Blaaiz(webhook_secret=...) or set {SECRET_ENV}"
                )
            self._receiver = WebhookReceiver(
                secret, tolerance=self._tolerance, replay_guard=self._guard
            )
        return self._receiver

    def webhook(
        self,
        target: Target,
        path: str,
        *,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> Callable[[H], H]:
        """Register ``POST path`` on an app or router, around ``async def handler(event)``.
        On an ``APIRouter``, decorate before ``include_router``: FastAPI copies routes
        when they are included."""

        def register(handler: H) -> H:
            endpoint = self._endpoint(handler)
            route_name = name or getattr(handler, "__name__", None)
            if isinstance(target, FastAPI | APIRouter):
                target.add_api_route(
                    path,
                    endpoint,
                    methods=["POST"],
                    name=route_name,
                    include_in_schema=include_in_schema,
                )
            else:
                target.add_route(
                    path,
                    endpoint,
                    methods=["POST"],
                    name=route_name,
                    include_in_schema=include_in_schema,
                )
            self.webhook_paths.append(path)
            return handler

        return register

    def _endpoint(self, handler: H) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            body = await read_body(request, self.max_body_size)
            if body is None:
                return JSONResponse({"error": "payload_too_large"}, status_code=413)
            try:
                receiver = self.receiver()
            except ConfigurationError:
                log.error("webhook delivery to %s refused: no webhook secret", request.url.path)
                return JSONResponse({"error": "not_configured"}, status_code=500)
            started = False

            async def run(event: WebhookEvent) -> None:
                nonlocal started
                started = True
                await handler(event)

            try:
                handled = await receiver.handle(body, request.headers, run)
            except WebhookVerificationError as exc:
                log.info("webhook refused on %s: %s", request.url.path, exc.reason.value)
                return JSONResponse({"error": exc.reason.value}, status_code=400)
            except Exception:
                if started:
                    log.exception("webhook handler for %s raised", request.url.path)
                    return JSONResponse({"error": "handler_failed"}, status_code=500)
                log.exception("webhook replay guard failed on %s", request.url.path)
                return JSONResponse({"error": "replay_guard_unavailable"}, status_code=503)
            return JSONResponse({"status": "handled" if handled else "duplicate"})

        endpoint.__name__ = getattr(handler, "__name__", "webhook")
        return endpoint


async def read_body(request: Request, limit: int) -> bytes | None:
    """The raw body, or None when it is longer than ``limit`` bytes (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


__all__ = ["Blaaiz", "read_body"]
