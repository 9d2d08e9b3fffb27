"""The sandbox as an aiohttp.web application over the route table.

Every declared route with a handler is served at its declared verb and path; the
middleware does what the real API does around handlers: count, delay, inject faults,
authenticate (Bearer or legacy key), enforce the route's scopes, rate-limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
from aiohttp import web

from ..models.converter import dumps, loads
from ..routes import ROUTES, Route
from ..scopes import OAUTH_ONLY
from .handlers import Call, Handler, load_all, not_found
from .limiter import merge_headers
from .state import Fault, NotFound, SandboxState

log = logging.getLogger("blaaiz_async.sandbox")

STATE_KEY = web.AppKey("state", SandboxState)
LATENCY_KEY = web.AppKey("latency", dict)

UNAUTHENTICATED = {"status": False, "message": "Unauthenticated."}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        body=dumps(body) if body is not None else b"",
        content_type="application/json",
        headers=headers,
    )


def build_app(state: SandboxState, latency: dict[str, float]) -> web.Application:
    """``latency`` maps a route name (or ``"*"``) to seconds to wait before answering."""
    app = web.Application()
    app[STATE_KEY] = state
    app[LATENCY_KEY] = latency
    app.router.add_post("/oauth/token", _token_endpoint)
    app.router.add_put(STORAGE_PATH + "/{key}", _storage_put)
    handlers = load_all()
    for name, route in ROUTES.items():
        handler = handlers.get(name)
        if handler is not None:
            app.router.add_route(route.method, route.path, _serve(route, handler))
    return app


@attrs.frozen(kw_only=True)
class Exchange:
    """The sandbox's answer to one request, whatever carries it (a socket or the in-process
    transport). ``drop``: ``"before"`` closes the connection with nothing done, ``"after"``
    closes it once the work is done, so the answer is lost."""

    status: int
    body: Any = None
    headers: dict[str, str] = attrs.field(factory=dict)
    raw: bytes | None = None  # a body that is not JSON (storage answers)
    drop: str | None = None


@attrs.frozen(kw_only=True)
class Incoming:
    """One request as the sandbox sees it: no socket in it."""

    headers: Mapping[str, str]
    body: bytes
    remote: str
    origin: str
    path: Mapping[str, str] = attrs.field(factory=dict)
    query: Mapping[str, str] = attrs.field(factory=dict)


async def _delay(latency: Mapping[str, float], name: str) -> None:
    seconds = latency.get(name, latency.get("*", 0.0))
    if seconds:
        await asyncio.sleep(seconds)


async def token_exchange(
    state: SandboxState, latency: Mapping[str, float], form: Mapping[str, str]
) -> Exchange:
    state.requests["oauth.token"] += 1
    await _delay(latency, "oauth.token")
    fault = state.take_fault("oauth.token")
    if fault is not None and fault.kind != "drop_after":
        return _fault_exchange("oauth.token", fault, state)
    status, body = state.issue_token(dict(form))
    if fault is not None:  # drop_after: the token is issued, the answer is lost
        state.responses["oauth.token", 0] += 1
        return Exchange(status=status, body=body, drop="after")
    state.responses["oauth.token", status] += 1
    state.statuses[status] += 1
    return Exchange(status=status, body=body)


def storage_exchange(state: SandboxState, key: str, incoming: Incoming) -> Exchange:
    """The presigned-upload target (S3 in production): takes the bytes, answers an ETag.

    Like S3 with a presigned URL, it refuses a request that also carries a Bearer token.
    """
    state.requests["storage.put"] += 1
    if "Authorization" in incoming.headers:
        return Exchange(status=400, raw=b"<Error><Code>InvalidArgument</Code></Error>")
    if key not in state.upload_slots:
        return Exchange(status=403, raw=b"<Error><Code>AccessDenied</Code></Error>")
    data = incoming.body
    state.uploads[key] = {
        "content_type": incoming.headers.get("Content-Type", ""),
        "size": len(data),
        "data": data,
    }
    etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return Exchange(status=200, raw=b"", headers={"ETag": f'"{etag}"'})


def _fault_exchange(
    name: str, fault: Fault, state: SandboxState, headers: dict[str, str] | None = None
) -> Exchange:
    """The injected answer; it carries the rate-limit headers too (``headers``), which the
    fault's own headers override."""
    if fault.kind == "drop_before":
        return Exchange(status=0, drop="before")
    state.responses[name, fault.status] += 1
    state.statuses[fault.status] += 1
    return Exchange(
        status=fault.status, body=fault.body, headers={**(headers or {}), **fault.headers}
    )


async def route_exchange(
    state: SandboxState,
    latency: Mapping[str, float],
    route: Route[Any],
    handler: Handler,
    incoming: Incoming,
) -> Exchange:
    """What the real API does around a handler: count, delay, authenticate, rate-limit,
    check scopes, inject faults, decode the body, answer."""
    state.requests[route.name] += 1
    await _delay(latency, route.name)
    status, body, headers = _authorize(incoming, route, state)
    principal = headers.pop("x-principal", "")
    if status != 200:
        state.responses[route.name, status] += 1
        state.statuses[status] += 1
        return Exchange(status=status, body=body, headers=headers)
    fault = state.take_fault(route.name)
    if fault is not None and fault.kind != "drop_after":
        return _fault_exchange(route.name, fault, state, headers)
    try:
        payload = loads(incoming.body) if incoming.body else None
    except ValueError:
        status, body = 400, {"status": False, "message": "Malformed JSON body."}
    else:
        call = Call(
            path=dict(incoming.path),
            query=dict(incoming.query),
            body=payload,
            principal=principal,
            origin=incoming.origin,
        )
        try:
            reply = handler(state, call)
        except NotFound as missing:  # a path object that is not there: the API's 404
            reply = not_found(missing)
        status, body = reply[0], reply[1]
        if len(reply) == 3:
            headers = merge_headers(headers, reply[2])
    if fault is not None:  # drop_after: the work is done, the answer is lost
        state.responses[route.name, 0] += 1
        return Exchange(status=status, body=body, headers=headers, drop="after")
    state.responses[route.name, status] += 1
    state.statuses[status] += 1
    return Exchange(status=status, body=body, headers=headers)


# -- over a socket ---------------------------------------------------------------------------


async def _incoming(request: web.Request) -> Incoming:
    return Incoming(
        headers=request.headers,
        body=await request.read() if request.can_read_body else b"",
        remote=request.remote or "",
        origin=f"{request.scheme}://{request.host}",
        path=dict(request.match_info),
        query=dict(request.query),
    )


def _respond(request: web.Request, exchange: Exchange) -> web.StreamResponse:
    if exchange.drop is not None:
        _drop(request)
    if exchange.raw is not None:
        return web.Response(status=exchange.status, body=exchange.raw, headers=exchange.headers)
    return json_response(exchange.status, exchange.body, exchange.headers)


async def _token_endpoint(request: web.Request) -> web.StreamResponse:
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    latency: dict[str, float] = request.app[LATENCY_KEY]
    exchange = await token_exchange(request.app[STATE_KEY], latency, form)
    return _respond(request, exchange)


STORAGE_PATH = "/_storage"


async def _storage_put(request: web.Request) -> web.StreamResponse:
    exchange = storage_exchange(
        request.app[STATE_KEY], request.match_info["key"], await _incoming(request)
    )
    return _respond(request, exchange)


def _drop(request: web.Request) -> None:
    """Close the connection without answering, as a crashed proxy would."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError


def _serve(
    route: Route[Any], handler: Handler
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def serve(request: web.Request) -> web.StreamResponse:
        latency: dict[str, float] = request.app[LATENCY_KEY]
        exchange = await route_exchange(
            request.app[STATE_KEY], latency, route, handler, await _incoming(request)
        )
        return _respond(request, exchange)

    return serve


def _authorize(
    request: Incoming, route: Route[Any], state: SandboxState
) -> tuple[int, Any, dict[str, str]]:
    """200 with the principal in a pseudo-header, or the API's 401/403/429 answer."""
    if not route.auth:
        return 200, None, {"x-principal": "public"}
    peer = request.remote
    if state.ip_allowlist is not None and peer not in state.ip_allowlist:
        return 403, {"status": False, "message": "Request IP address is not whitelisted."}, {}
    header = request.headers.get("Authorization", "")
    key = request.headers.get("x-blaaiz-api-key")
    if header:
        scheme, _, value = header.partition(" ")
        token = state.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None or token.expires_at <= _now():
            return 401, UNAUTHENTICATED, {}
        principal, scopes = token.client_id, token.scopes
    elif key is not None:
        if key not in state.api_keys:
            return 401, {"status": False, "message": "Invalid or missing API key"}, {}
        if route.scopes & OAUTH_ONLY:  # Signa ID release: the API refuses legacy keys
            message = "This endpoint requires OAuth client credentials."
            return 403, {"status": False, "message": message}, {}
        principal, scopes = "key:" + key[-6:], frozenset(route.scopes)
    else:
        return 401, UNAUTHENTICATED, {}
    # Counted once the account is known, so every answer it gets says where it stands.
    allowed, headers = state.rate_check(principal)
    if not allowed:
        return 429, {"status": False, "message": "Too Many Attempts."}, headers
    if not state.api_access_enabled:
        message = "API access is disabled for this business."
        return 403, {"status": False, "message": message}, headers
    lacking = route.scopes - scopes
    if lacking:
        names = " ".join(sorted(lacking))
        return 403, {"status": False, "message": f"Insufficient scope: requires {names}."}, headers
    headers["x-principal"] = principal
    return 200, None, headers


def _now() -> float:
    return time.time()
