"""``AiohttpTransport`` against loopback servers that fail in each way a network does.

What matters for money is ``sent``: False only when nothing can have reached the server
(then even a payout may be sent again), True once the request may have been written (then
a payout is never resent). Each server here is a raw asyncio socket, so the failure is
exactly the one named.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from blaaiz_async import BlaaizClient
from blaaiz_async.auth.token import AccessToken
from blaaiz_async.errors import APIConnectionError, APIStatusError, OutcomeUnknownError
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.scopes import ScopeBundle
from blaaiz_async.transport import (
    AiohttpTransport,
    HTTPRequest,
    ResponseTooLargeError,
    TransportError,
)

Conversation = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Server:
    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: list[bytes] = []  # every request read whole


@asynccontextmanager
async def raw_server(conversation: Conversation) -> AsyncIterator[Server]:
    """A TCP server on loopback that reads each request, then talks ``conversation``."""
    held: list[asyncio.StreamWriter] = []
    state = Server("")

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        try:
            state.requests.append(await read_request(reader))
            await conversation(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield state
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """The whole request: headers, then a body of its Content-Length."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head + (await reader.readexactly(length) if length else b"")


async def never_answer(_: asyncio.StreamReader, __: asyncio.StreamWriter) -> None:
    await asyncio.Event().wait()


async def close_after_reading(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def cut_off_answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"data": [')
    await writer.drain()
    writer.close()


async def answer_ok(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    await writer.drain()
    writer.close()


async def garbage_answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"\x16\x03\x01 this is no HTTP at all\r\n\r\n")
    await writer.drain()
    writer.close()


class StaticToken:
    """A token provider that never calls the network: only the API request goes out."""

    async def get_token(self) -> AccessToken:
        now = time.time()
        return AccessToken(
            value="tok-static-0123", expires_at=now + 600, refresh_at=now + 300,
            scopes=ScopeBundle.FULL_ACCESS.scopes,
        )  # fmt: skip

    async def invalidate(self, token: AccessToken) -> None:
        return None

    async def aclose(self) -> None:
        return None


def client_at(url: str, **kw: Any) -> BlaaizClient:
    kw.setdefault("retry", RetryPolicy(base_delay=0.001, max_delay=0.002))
    return BlaaizClient(token_provider=StaticToken(), base_url=url, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, timeout: float = 5.0) -> HTTPRequest:
    return HTTPRequest("POST", f"{url}/api/external/payout", {}, b'{"a": 1}', timeout)


async def failure_of(request: HTTPRequest, **options: float) -> TransportError:
    transport = AiohttpTransport(**options)  # type: ignore[arg-type]
    try:
        with pytest.raises(TransportError) as info:
            await transport.send(request)
    finally:
        await transport.aclose()
    return info.value


# -- sent: the request may have arrived ---------------------------------------------------------


@pytest.mark.parametrize(
    ("conversation", "cause", "timed_out"),
    [
        (never_answer, "read timed out", True),
        (close_after_reading, "server closed the connection", False),
        (cut_off_answer, "answer cut off", False),
        (garbage_answer, "connection failed: ", False),
    ],
    ids=["read-timeout", "closed", "cut-off", "not-http"],
)
async def test_a_request_that_was_written_counts_as_sent(
    conversation: Conversation, cause: str, timed_out: bool
) -> None:
    async with raw_server(conversation) as server:
        failure = await failure_of(post(server.url, timeout=0.5))
    assert failure.sent is True
    assert failure.cause.startswith(cause) and failure.timeout is timed_out
    assert failure.host.startswith("127.0.0.1:")


@pytest.mark.parametrize(
    "conversation", [never_answer, close_after_reading, cut_off_answer, garbage_answer]
)
async def test_a_payout_that_was_written_is_sent_once_and_its_outcome_is_unknown(
    conversation: Conversation,
) -> None:
    async with raw_server(conversation) as server:
        async with client_at(server.url, timeout=0.5) as client:
            with pytest.raises(OutcomeUnknownError) as info:
                await client.payouts.create(
                    wallet_id="w", customer_id="c", method="bank_transfer",
                    from_currency_id="NGN", to_currency_id="NGN", from_amount="10",
                    bank_id="058", account_number="0123456789", merchant_reference="order-5",
                )  # fmt: skip
    (request,) = server.requests
    assert request.startswith(b"POST /api/external/payout ") and b"order-5" in request
    assert info.value.merchant_reference == "order-5"


# -- not sent: nothing can have arrived ----------------------------------------------------------


async def test_a_refused_connection_is_not_sent() -> None:
    failure = await failure_of(post(f"http://127.0.0.1:{free_port()}"))
    assert failure.sent is False and failure.timeout is False
    assert failure.cause == "connection refused"


async def test_a_refused_payout_is_tried_again_since_nothing_was_sent() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with client_at(url, retry=RetryPolicy(max_retries=2, base_delay=0.001)) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.payouts.create(
                wallet_id="w", customer_id="c", method="bank_transfer",
                from_currency_id="NGN", to_currency_id="NGN", from_amount="10",
                bank_id="058", account_number="0123456789",
            )  # fmt: skip
    assert not isinstance(info.value, OutcomeUnknownError)
    assert "nothing was sent" in str(info.value) and info.value.retryable


async def test_a_connect_that_times_out_is_not_sent() -> None:
    # A listening socket whose accept queue is full: Linux drops further SYNs, so the
    # connect hangs until its timeout; the request can never have been written.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        await asyncio.sleep(0.05)
        failure = await failure_of(post(f"http://127.0.0.1:{port}"), connect_timeout=0.3)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    if failure.cause != "connect timed out":
        pytest.skip(f"this kernel did not hold the connect ({failure.cause})")
    assert failure.sent is False and failure.timeout is True


async def test_an_encoded_url_goes_out_byte_for_byte() -> None:
    # A presigned URL's signature covers its exact encoding: %2F must not become "/".
    target = "/bucket/a%2Fb%20c?X-Amz-Credential=AKIA%2F2024%2Fs3&X-Amz-Signature=ab%2Bcd%3D"
    async with raw_server(answer_ok) as server:
        transport = AiohttpTransport()
        try:
            response = await transport.send(HTTPRequest("PUT", server.url + target, {}, b"x"))
        finally:
            await transport.aclose()
    assert response.status == 200
    (request,) = server.requests
    assert request.split(b"\r\n", 1)[0] == f"PUT {target} HTTP/1.1".encode()


class NoSuchHost(AbstractResolver):
    """A resolver (aiohttp's public extension point) for a name that does not exist."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        raise OSError(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        return None


async def test_a_name_that_does_not_resolve_is_not_sent() -> None:
    connector = aiohttp.TCPConnector(resolver=NoSuchHost())
    async with aiohttp.ClientSession(connector=connector) as session:
        failure = await failure_of_session(session, post("http://api.blaaiz.test"))
    assert failure.sent is False and failure.cause == "DNS lookup failed"
    assert failure.host == "api.blaaiz.test:80"


async def failure_of_session(
    session: aiohttp.ClientSession, request: HTTPRequest
) -> TransportError:
    transport = AiohttpTransport(session)
    with pytest.raises(TransportError) as info:
        await transport.send(request)
    await transport.aclose()
    assert not session.closed  # the user's session stays theirs
    return info.value


# -- what is read -----------------------------------------------------------------------------


def app_answering(body: bytes, *, chunked: bool) -> web.Application:
    async def handler(request: web.Request) -> web.StreamResponse:
        if not chunked:
            return web.Response(body=body, content_type="application/json")
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 1000):
            await response.write(body[start : start + 1000])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return app


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_an_answer_over_the_cap_is_refused_and_one_at_the_cap_is_read(chunked: bool) -> None:
    body = b'{"data": "' + b"x" * 4000 + b'"}'
    async with serve(app_answering(body, chunked=chunked)) as url:
        transport = AiohttpTransport(max_response_bytes=len(body) - 1)
        try:
            with pytest.raises(ResponseTooLargeError, match="max_response_bytes"):
                await transport.send(HTTPRequest("GET", f"{url}/x"))
        finally:
            await transport.aclose()
        exact = AiohttpTransport(max_response_bytes=len(body))
        try:
            response = await exact.send(HTTPRequest("GET", f"{url}/x"))
        finally:
            await exact.aclose()
    assert response.status == 200 and response.body == body


def app_answering_gzip(decoded: bytes) -> web.Application:
    async def handler(_: web.Request) -> web.Response:
        body = gzip.compress(decoded, compresslevel=9)
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return web.Response(body=body, headers=headers)  # Content-Length: compressed size

    app = web.Application()
    app.router.add_get("/x", handler)
    return app


async def test_a_compressed_answer_is_capped_by_its_decoded_size() -> None:
    # 4 MiB of JSON compress to a few KiB: the declared length says nothing of the size.
    bomb = b'{"data": "' + b"0" * (4 * 1024 * 1024) + b'"}'
    async with serve(app_answering_gzip(bomb)) as url:
        transport = AiohttpTransport(max_response_bytes=64 * 1024)
        try:
            with pytest.raises(ResponseTooLargeError):
                await transport.send(HTTPRequest("GET", f"{url}/x"))
        finally:
            await transport.aclose()
    small = b'{"data": "' + b"a" * 1000 + b'"}'  # compressed far below the cap, decoded at it
    async with serve(app_answering_gzip(small)) as url:
        transport = AiohttpTransport(max_response_bytes=len(small))
        try:
            response = await transport.send(HTTPRequest("GET", f"{url}/x"))
        finally:
            await transport.aclose()
    assert response.body == small


async def test_a_redirected_payout_goes_nowhere_else() -> None:
    stolen: list[str] = []

    async def thief(request: web.Request) -> web.Response:
        stolen.append(request.headers.get("Authorization", ""))
        return web.json_response({"transaction": {"id": "tx-thief"}})

    thief_app = web.Application()
    thief_app.router.add_route("*", "/{tail:.*}", thief)
    async with serve(thief_app) as thief_url:

        async def moved(_: web.Request) -> web.Response:
            return web.Response(status=307, headers={"Location": f"{thief_url}/payout"})

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", moved)
        async with serve(app) as url:
            async with client_at(url) as client:
                with pytest.raises(APIStatusError) as info:
                    await client.payouts.create(
                        wallet_id="w", customer_id="c", method="bank_transfer",
                        from_currency_id="NGN", to_currency_id="NGN", from_amount="10",
                        bank_id="058", account_number="0123456789",
                    )  # fmt: skip
    assert info.value.status == 307 and stolen == []
