"""The sandbox reached in-process: a ``Transport`` that hands each request to the sandbox's
request handling directly, with no socket and no server started.

It runs the same code the socket server runs (``app.route_exchange``: authentication,
scopes, rate limits, faults, handlers), so unit tests get the sandbox's behaviour at a
fraction of the cost. A dropped connection is a ``TransportError`` (sent: the sandbox had
the request). Socket tests stay for what needs a socket: fleets, kills, timeouts.

    sb = Sandbox()
    client_id, secret = sb.add_client()
    async with BlaaizClient(client_id=client_id, client_secret=secret,
                            base_url=IN_PROCESS_URL, transport=sb.transport()) as client:
        await client.wallets.list()
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import AsyncIterable, Mapping
from typing import TYPE_CHECKING, Any

from ..config import TOKEN_PATH
from ..models.converter import dumps
from ..routes import find_route
from ..transport import HTTPRequest, HTTPResponse, TransportError
from .app import STORAGE_PATH, Exchange, Incoming, route_exchange, storage_exchange, token_exchange
from .handlers import load_all

if TYPE_CHECKING:
    from . import Sandbox

# Loopback, so the client takes it for a local server; nothing listens there.
IN_PROCESS_URL = "http://127.0.0.1"


class SandboxTransport:
    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._handlers = load_all()

    def __repr__(self) -> str:
        return "SandboxTransport()"

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        parts = urllib.parse.urlsplit(request.url)
        body = await _read(request.body)
        incoming = Incoming(
            headers=_Caseless(request.headers),
            body=body,
            remote="127.0.0.1",
            origin=f"{parts.scheme}://{parts.netloc}",
            query=dict(urllib.parse.parse_qsl(parts.query)),
        )
        exchange = await self._exchange(request.method, parts.path, incoming)
        if exchange.drop is not None:
            raise TransportError("server closed the connection", host=parts.netloc, sent=True)
        if exchange.raw is not None:
            return HTTPResponse(exchange.status, exchange.headers, exchange.raw)
        payload = dumps(exchange.body) if exchange.body is not None else b""
        headers = {"Content-Type": "application/json", **exchange.headers}
        return HTTPResponse(exchange.status, headers, payload)

    async def _exchange(self, method: str, path: str, incoming: Incoming) -> Exchange:
        state, latency = self._sandbox.state, self._sandbox.latency
        if method == "POST" and path == TOKEN_PATH:
            form = dict(urllib.parse.parse_qsl(incoming.body.decode("utf-8", "replace")))
            return await token_exchange(state, latency, form)
        if method == "PUT" and path.startswith(STORAGE_PATH + "/"):
            return storage_exchange(state, path.rsplit("/", 1)[1], incoming)
        route = find_route(method, path)
        handler = self._handlers.get(route.name) if route is not None else None
        if route is None or handler is None:
            return Exchange(status=404, raw=b"404: Not Found")
        match = _pattern(route.path).fullmatch(path)
        assert match is not None  # find_route matched it
        values = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
        with_path = Incoming(
            headers=incoming.headers,
            body=incoming.body,
            remote=incoming.remote,
            origin=incoming.origin,
            query=incoming.query,
            path=values,
        )
        return await route_exchange(state, latency, route, handler, with_path)

    async def aclose(self) -> None:
        return None


@functools.cache
def _pattern(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(regex)


async def _read(body: bytes | AsyncIterable[bytes] | None) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    return b"".join([chunk async for chunk in body])


class _Caseless(Mapping[str, str]):
    """Header lookups ignore case, as aiohttp's do for the socket server."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._by_lower = {k.lower(): v for k, v in headers.items()}
        self._names = list(headers)

    def __getitem__(self, key: str) -> str:
        return self._by_lower[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._by_lower

    def __iter__(self) -> Any:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


__all__ = ["IN_PROCESS_URL", "SandboxTransport"]
