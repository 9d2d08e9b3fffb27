"""The seam between the SDK and HTTP: send one request, get status, headers and bytes.

Everything that crosses the network goes through a ``Transport``: API calls, the token
request and the PUT to presigned storage. ``AiohttpTransport`` is the default and owns the
aiohttp rules (one session per event loop, no redirects, a cap on the body); tests and users
plug in others, such as ``MockTransport`` (a function that answers) or the sandbox's
in-process transport.

A transport that gets no response raises ``TransportError``, which keeps only what is safe
to keep (the kind of failure, the host, whether anything may have been sent): aiohttp's own
exceptions hold the request headers, the bearer token among them.
"""

from __future__ import annotations

import asyncio
import errno
import inspect
import urllib.parse
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from typing import Protocol, runtime_checkable

import aiohttp
import attrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .config import ClientStateError
from .errors import MalformedResponseError

Body = bytes | AsyncIterable[bytes] | None

# A response larger than this is refused (override with ``max_response_bytes``): the API's
# largest answers are pages of a few hundred kilobytes.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


def _ci(headers: Mapping[str, str]) -> Mapping[str, str]:
    if isinstance(headers, CIMultiDictProxy | CIMultiDict):
        return headers
    return CIMultiDictProxy(CIMultiDict(headers))


# Headers that carry a credential: their values never show in a repr.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-blaaiz-api-key"}
)


class Headers(dict[str, str]):
    """Request headers: a plain ``dict`` (aiohttp reads it as one) whose ``repr`` masks
    the credential headers, so a frame's locals in an error report show no token."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = (
            f"{k!r}: {'***' if k.lower() in SENSITIVE_HEADERS else repr(v)}"
            for k, v in self.items()
        )
        return "{" + ", ".join(shown) + "}"


def masked_headers(headers: Mapping[str, str]) -> Headers:
    return headers if isinstance(headers, Headers) else Headers(headers)


class MaskedBytes(bytes):
    """A body that holds a credential (the token request's form): sent as any ``bytes``,
    shown as ``b'***'``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} bytes, masked>"


@attrs.frozen(slots=True)
class HTTPRequest:
    """One request as the transport sends it. ``url`` is absolute and already encoded."""

    method: str
    url: str
    headers: Mapping[str, str] = attrs.field(  # holds credentials: masked in any repr
        factory=Headers, converter=masked_headers, repr=False
    )
    body: Body = attrs.field(default=None, repr=False)
    timeout: float | None = None  # seconds for this attempt; None: the transport's default


@attrs.frozen(slots=True)
class HTTPResponse:
    """An answer: ``headers`` look up case-insensitively."""

    status: int
    headers: Mapping[str, str] = attrs.field(converter=_ci)
    body: bytes = attrs.field(default=b"", repr=False)


class TransportError(Exception):
    """No response was read.

    ``sent`` is False only when nothing can have reached the server (the connection was
    refused, the name did not resolve, the connect timed out); a request that was written
    and then lost its answer has ``sent`` True, and a non-idempotent one must not be resent.
    """

    def __init__(self, cause: str, *, host: str = "", sent: bool, timeout: bool = False) -> None:
        self.cause = cause
        self.host = host
        self.sent = sent
        self.timeout = timeout
        super().__init__(cause, host, sent, timeout)

    def __str__(self) -> str:
        return f"{self.cause} ({self.host})" if self.host else self.cause

    def __reduce__(self) -> tuple[object, ...]:
        return (_restore_transport_error, (self.cause, self.host, self.sent, self.timeout))


def _restore_transport_error(cause: str, host: str, sent: bool, timeout: bool) -> TransportError:
    return TransportError(cause, host=host, sent=sent, timeout=timeout)


class ResponseTooLargeError(MalformedResponseError):
    """The answer was larger than ``max_response_bytes``; it was not read whole."""


@runtime_checkable
class Transport(Protocol):
    async def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request``; raise ``TransportError`` when no response was read."""
        ...

    async def aclose(self) -> None: ...


class AiohttpTransport:
    """HTTP over a pooled ``aiohttp.ClientSession``.

    Pass ``session`` to use your own (a proxy, a TLS context, ``trace_configs``): it is
    yours, so ``aclose()`` leaves it open. Otherwise one session is made on first use, in
    the running event loop, and a transport then refuses other loops with a clear error
    (aiohttp's pools belong to one loop).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        max_connections: int = 100,
        connect_timeout: float = 10.0,
        timeout: float = 60.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self._timeouts: dict[float | None, aiohttp.ClientTimeout] = {}
        self._urls: dict[str, URL] = {}

    def __repr__(self) -> str:
        return f"AiohttpTransport(max_connections={self.max_connections}, own={self._owns_session})"

    @property
    def session(self) -> aiohttp.ClientSession | None:
        return self._session

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientStateError("this client is closed; create a new one")
        loop = asyncio.get_running_loop()
        session = self._session
        if not self._owns_session:
            assert session is not None
            return session
        if session is not None and not session.closed:
            if self._loop is not loop:
                raise ClientStateError(
                    "this BlaaizClient's connection pool belongs to the event loop it first ran "
                    "on; create a client per event loop (per asyncio.run) and share a "
                    "token_store between them to keep one token"
                )
            return session
        connector = aiohttp.TCPConnector(limit=self.max_connections, ttl_dns_cache=300)
        self._session = session = aiohttp.ClientSession(connector=connector)
        self._loop = loop
        return session

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        session = self._get_session()
        url = self._urls.get(request.url)
        if url is None:
            url = self._url(request.url, keep=request.method == "GET" and "?" not in request.url)
        timeout = self._timeouts.get(request.timeout)
        if timeout is None:
            timeout = self._timeout_for(request.timeout)
        try:
            async with session.request(
                request.method,
                url,
                data=request.body,
                headers=dict(request.headers),  # a plain dict: aiohttp copies it fastest
                timeout=timeout,
                allow_redirects=False,
            ) as resp:
                declared = resp.content_length
                if (
                    declared is not None
                    and declared <= self.max_response_bytes
                    and "Content-Encoding" not in resp.headers
                ):  # the common case, without a second coroutine
                    body = await resp.read()  # no more than declared is read
                else:
                    body = await self._read(resp)
                return HTTPResponse(resp.status, resp.headers, body)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            failure = _failure(exc, f"{url.host}:{url.port}" if url.port else url.host or "")
        raise failure  # outside the except block: no chain to aiohttp's exception

    def _url(self, text: str, *, keep: bool) -> URL:
        """The URL object for ``text``; with ``keep``, kept for the next call: a read is
        made again and again, and yarl caches what aiohttp asks of a URL (host, port,
        path). Only reads without a query are kept: a query may hold an account number,
        and no presigned URL (a credential) outlives its PUT."""
        url = URL(text, encoded=True)
        if keep:
            if len(self._urls) >= 256:  # paths with ids are many: start over now and then
                self._urls.clear()
            self._urls[text] = url
        return url

    def _timeout_for(self, seconds: float | None) -> aiohttp.ClientTimeout:
        total = seconds if seconds is not None else self.timeout
        timeout = aiohttp.ClientTimeout(total=total, connect=min(self.connect_timeout, total))
        if len(self._timeouts) < 64:  # a handful of distinct values in practice
            self._timeouts[seconds] = timeout
        return timeout

    async def _read(self, resp: aiohttp.ClientResponse) -> bytes:
        limit = self.max_response_bytes
        declared = resp.content_length
        if declared is not None:
            if declared > limit:
                raise _too_large(resp.status, limit)
            if "Content-Encoding" not in resp.headers:
                return await resp.read()  # no more than declared is read
        # Streamed, or compressed (the declared length is the compressed one, and a small
        # gzip body can inflate a thousandfold): count the decoded bytes as they come.
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise _too_large(resp.status, limit)
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None


def _too_large(status: int, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"HTTP {status} answer larger than max_response_bytes={limit}; not read",
        status=status,
        body=None,
        route=None,
    )


def _failure(exc: BaseException, host: str) -> TransportError:
    """What went wrong, in words, and whether the request may have reached the server."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return TransportError("connect timed out", host=host, sent=False, timeout=True)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return TransportError("DNS lookup failed", host=host, sent=False)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return TransportError("TLS handshake failed", host=host, sent=False)
    if isinstance(exc, aiohttp.ClientConnectorError):
        code = exc.os_error.errno if exc.os_error is not None else None
        cause = "connection refused" if code == errno.ECONNREFUSED else "could not connect"
        return TransportError(cause, host=host, sent=False)
    if isinstance(exc, TimeoutError):
        return TransportError("read timed out", host=host, sent=True, timeout=True)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return TransportError("server closed the connection", host=host, sent=True)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return TransportError("answer cut off", host=host, sent=True)
    return TransportError(f"connection failed: {type(exc).__name__}", host=host, sent=True)


Handler = Callable[[HTTPRequest], HTTPResponse | Awaitable[HTTPResponse]]


class MockTransport:
    """A transport that answers with ``handler(request)`` (sync or async), for unit tests.

    The handler may raise ``TransportError`` to play a lost connection. ``requests``
    records every request sent, in order.
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.requests: list[HTTPRequest] = []

    def __repr__(self) -> str:
        return f"MockTransport(requests={len(self.requests)})"

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        self.requests.append(request)
        answer = self._handler(request)
        if inspect.isawaitable(answer):
            answer = await answer
        return answer

    async def aclose(self) -> None:
        return None


def host_of(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc


__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "AiohttpTransport",
    "HTTPRequest",
    "HTTPResponse",
    "Headers",
    "MaskedBytes",
    "MockTransport",
    "ResponseTooLargeError",
    "Transport",
    "TransportError",
]
