"""Item 22: what a ``capture_locals`` error reporter (Sentry) would see holds no secret.

A call fails deep inside (a transport that raises a plain ``RuntimeError``, one that raises
``TransportError``, a token endpoint answering 500); every frame of the raised error's
traceback, and of its ``__context__``/``__cause__`` chain, has each local ``repr()``-ed, and
one level further into dicts, lists, tuples and objects' ``__dict__``/slots. Neither the
client secret nor the access token may appear (see ``docs/security.md``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import APIConnectionError, BlaaizError, TokenError
from blaaiz_async.testing import HTTPRequest, HTTPResponse, MockTransport, TransportError

SECRET = "client-secret-5ebc0d3"
TOKEN = "access-token-9a7f21e"
WALLETS = b'{"data": [{"id": "w1", "currency": "NGN", "amount": "1"}]}'


def _members(value: Any) -> Iterator[Any]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield k
            yield v
    elif isinstance(value, list | tuple | set | frozenset):
        yield from value
    else:
        yield from getattr(value, "__dict__", {}).values()
        for cls in type(value).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if isinstance(name, str) and hasattr(value, name):
                    yield getattr(value, name)


def _tracebacks(exc: BaseException) -> Iterator[TracebackType]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if e.__traceback__ is not None:
            yield e.__traceback__
        todo += [e.__context__, e.__cause__]


def leaks(exc: BaseException) -> list[str]:
    """Where a secret shows: ``function: local`` (``.member`` when one level in)."""
    found = []
    for tb in _tracebacks(exc):
        frame_tb: TracebackType | None = tb
        while frame_tb is not None:
            frame = frame_tb.tb_frame
            for name, value in frame.f_locals.items():
                texts = [("", repr(value))] + [(".member", repr(m)) for m in _members(value)]
                for where, text in texts:
                    if SECRET in text or TOKEN in text:
                        found.append(f"{frame.f_code.co_name}: {name}{where}")
            frame_tb = frame_tb.tb_next
    return sorted(set(found))


def token_answer() -> HTTPResponse:
    body = {"access_token": TOKEN, "expires_in": 600, "scope": "wallet:read"}
    return HTTPResponse(200, {}, json.dumps(body).encode())


def client_for(api: Any) -> BlaaizClient:
    def handle(request: HTTPRequest) -> Any:
        if request.url.endswith("/oauth/token"):
            return token_answer()
        return api(request)

    return BlaaizClient(
        client_id="c", client_secret=SECRET, base_url="https://api.test",
        transport=MockTransport(handle), rate_limit=None,
    )  # fmt: skip


async def _raised(client: BlaaizClient) -> BaseException:
    async with client:
        await client.wallets.list()  # the token is fetched and works once
        with pytest.raises(Exception) as info:
            await client.wallets.list()
    return info.value


async def test_a_plain_error_deep_in_the_transport_shows_no_secret_in_frames() -> None:
    calls = iter([HTTPResponse(200, {}, WALLETS)])

    def api(request: HTTPRequest) -> HTTPResponse:
        for answer in calls:
            return answer
        raise RuntimeError("the transport broke")

    error = await _raised(client_for(api))
    assert isinstance(error, RuntimeError)
    assert leaks(error) == [], leaks(error)


async def test_a_transport_error_shows_no_secret_in_frames() -> None:
    calls = iter([HTTPResponse(200, {}, WALLETS)])

    def api(request: HTTPRequest) -> HTTPResponse:
        for answer in calls:
            return answer
        raise TransportError("connection reset", host="api.test", sent=True)

    error = await _raised(client_for(api))
    assert isinstance(error, APIConnectionError)
    assert leaks(error) == [], leaks(error)


async def test_a_token_endpoint_answering_500_shows_no_secret_in_frames() -> None:
    def handle(request: HTTPRequest) -> HTTPResponse:
        return HTTPResponse(500, {}, b'{"message": "token service down"}')

    async with BlaaizClient(
        client_id="c", client_secret=SECRET, base_url="https://api.test",
        transport=MockTransport(handle), rate_limit=None,
    ) as client:  # fmt: skip
        with pytest.raises(TokenError) as info:
            await client.wallets.list()
    assert isinstance(info.value, BlaaizError)
    assert leaks(info.value) == [], leaks(info.value)
