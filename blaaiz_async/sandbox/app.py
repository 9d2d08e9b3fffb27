"""The sandbox as an aiohttp.web application over the route table.

Every declared route with a handler is served at its declared verb and path; the
middleware does what the real API does around handlers: count, delay, inject faults,
authenticate (Bearer or legacy key), enforce the route's scopes, rate-limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..models.converter import dumps, loads
from ..routes import ROUTES, Route
from ..scopes import OAUTH_ONLY
from .handlers import Call, Handler, load_all
from .limiter import merge_headers
from .state import Fault, SandboxState

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


async def _delay(app: web.Application, name: str) -> None:
    latency = app[LATENCY_KEY]
    seconds = latency.get(name, latency.get("*", 0.0))
    if seconds:
        await asyncio.sleep(seconds)


async def _token_endpoint(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    state.requests["oauth.token"] += 1
    await _delay(request.app, "oauth.token")
    fault = state.take_fault("oauth.token")
    if fault is not None and fault.kind != "drop_after":
        return _fault_response(request, "oauth.token", fault, state)
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    status, body = state.issue_token(form)
    if fault is not None:  # drop_after: the token is issued, the answer is lost
        state.responses["oauth.token", 0] += 1
        _drop(request)
    state.responses["oauth.token", status] += 1
    state.statuses[status] += 1
    return json_response(status, body)


STORAGE_PATH = "/_storage"


async def _storage_put(request: web.Request) -> web.StreamResponse:
    """The presigned-upload target (S3 in production): takes the bytes, answers an ETag.

    Like S3 with a presigned URL, it refuses a request that also carries a Bearer token.
    """
    state = request.app[STATE_KEY]
    state.requests["storage.put"] += 1
    key = request.match_info["key"]
    if "Authorization" in request.headers:
        return web.Response(status=400, text="<Error><Code>InvalidArgument</Code></Error>")
    if key not in state.upload_slots:
        return web.Response(status=403, text="<Error><Code>AccessDenied</Code></Error>")
    data = await request.read()
    state.uploads[key] = {
        "content_type": request.headers.get("Content-Type", ""),
        "size": len(data),
        "data": data,
    }
    etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return web.Response(status=200, headers={"ETag": f'"{etag}"'})


def _fault_response(
    request: web.Request,
    name: str,
    fault: Fault,
    state: SandboxState,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    """The injected answer; it carries the rate-limit headers too (``headers``), which the
    fault's own headers override."""
    if fault.kind == "drop_before":
        _drop(request)
    state.responses[name, fault.status] += 1
    state.statuses[fault.status] += 1
    return json_response(fault.status, fault.body, {**(headers or {}), **fault.headers})


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
        state = request.app[STATE_KEY]
        state.requests[route.name] += 1
        await _delay(request.app, route.name)
        status, body, headers = _authorize(request, route, state)
        principal = headers.pop("x-principal", "")
        if status == 200:
            fault = state.take_fault(route.name)
            if fault is not None and fault.kind != "drop_after":
                return _fault_response(request, route.name, fault, state, headers)
            try:
                payload = loads(await request.read()) if request.can_read_body else None
            except ValueError:
                status, body = 400, {"status": False, "message": "Malformed JSON body."}
            else:
                call = Call(
                    path=dict(request.match_info),
                    query=dict(request.query),
                    body=payload,
                    principal=principal,
                    origin=f"{request.scheme}://{request.host}",
                )
                reply = handler(state, call)
                status, body = reply[0], reply[1]
                if len(reply) == 3:
                    headers = merge_headers(headers, reply[2])
            if fault is not None:  # drop_after: the work is done, the answer is lost
                state.responses[route.name, 0] += 1
                _drop(request)
        state.responses[route.name, status] += 1
        state.statuses[status] += 1
        return json_response(status, body, headers)

    return serve


def _authorize(
    request: web.Request, route: Route[Any], state: SandboxState
) -> tuple[int, Any, dict[str, str]]:
    """200 with the principal in a pseudo-header, or the API's 401/403/429 answer."""
    if not route.auth:
        return 200, None, {"x-principal": "public"}
    peer = request.remote or ""
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
    import time

    return time.time()
