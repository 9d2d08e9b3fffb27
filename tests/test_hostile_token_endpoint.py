"""A token endpoint that redirects or echoes the secret: the secret goes nowhere else.

Each test runs tiny aiohttp servers on loopback sockets that answer as a hostile or broken
token endpoint would.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import types
import urllib.parse
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import AuthenticationError, TokenError

# Characters that percent-encoding and JSON escaping change, so every echoed form is tried.
SECRET = "s3cr+t/with=chars&more"

Handler = Callable[[web.Request], "web.StreamResponse"]


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


class Thief:
    """Where a redirect points: records every request it gets and mints tokens."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(await request.text())
        return web.json_response({"access_token": "stolen", "expires_in": 600, "data": []})


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_the_token_request_does_not_follow_redirects(status: int) -> None:
    thief = Thief()
    async with serve(thief.app) as thief_url:

        async def token(_: web.Request) -> web.Response:
            return web.Response(status=status, headers={"Location": f"{thief_url}/steal"})

        app = web.Application()
        app.router.add_post("/oauth/token", token)
        async with serve(app) as url:
            async with BlaaizClient(client_id="c", client_secret=SECRET, base_url=url) as client:
                with pytest.raises(TokenError) as info:
                    await client.wallets.list()
    assert info.value.status == status
    assert str(status) in str(info.value) and "redirect" in str(info.value)
    assert thief.requests == []


def _echo_app(status: int, make_body: Callable[[str], dict[str, str]]) -> web.Application:
    async def token(request: web.Request) -> web.Response:
        form = await request.text()  # the raw, percent-encoded form, echoed back
        return web.json_response(make_body(form), status=status)

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    return app


ECHOES = [
    (401, lambda form: {"error": "invalid_client", "error_description": f"bad request: {form}"}),
    (400, lambda form: {"error": f"invalid_scope for {SECRET}", "message": form}),
    (500, lambda form: {"message": f"crashed handling client_secret={SECRET}"}),
    (200, lambda form: {"access_token": "t", "expires_in": 60, "token_type": SECRET}),
]


@pytest.mark.parametrize(("status", "make_body"), ECHOES)
async def test_a_secret_the_token_endpoint_echoes_is_masked(
    status: int, make_body: Callable[[str], dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="blaaiz_async")
    async with serve(_echo_app(status, make_body)) as url:
        async with BlaaizClient(client_id="c", client_secret=SECRET, base_url=url) as client:
            with pytest.raises(TokenError) as info:
                await client.wallets.list()
    error = info.value
    texts = [
        str(error),
        repr(error),
        repr(vars(error)),
        repr(error.args),
        repr(pickle.loads(pickle.dumps(error)).__dict__),
        caplog.text,
    ]
    for text in texts:
        for form in (SECRET, "s3cr%2Bt%2Fwith%3Dchars%26more", "s3cr%2Bt%2Fwith%3Dchars"):
            assert form not in text
    assert "***" in str(error)


async def test_an_api_error_echoing_the_bearer_token_is_masked() -> None:
    async def token(_: web.Request) -> web.Response:
        return web.json_response({"access_token": "tok-abc123", "expires_in": 600})

    async def wallets(request: web.Request) -> web.Response:
        echo = request.headers.get("Authorization", "")
        return web.json_response({"message": f"nope: {echo}", "seen": [echo]}, status=401)

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    app.router.add_get("/api/external/wallet", wallets)
    async with serve(app) as url:
        async with BlaaizClient(client_id="c", client_secret=SECRET, base_url=url) as client:
            with pytest.raises(AuthenticationError) as info:
                await client.wallets.list()
    for text in (str(info.value), repr(info.value.body), repr(pickle.dumps(info.value))):
        assert "tok-abc123" not in text


async def test_a_malformed_token_answer_is_asked_once_not_per_call_and_retry() -> None:
    # 20 calls made 60 token requests: each call retried a permanently malformed answer.
    asked = 0

    async def token(_: web.Request) -> web.Response:
        nonlocal asked
        asked += 1
        return web.json_response({"access_token": "x", "expires_in": -5})

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    async with serve(app) as url:
        async with BlaaizClient(client_id="c", client_secret=SECRET, base_url=url) as client:
            for _ in range(20):
                with pytest.raises(TokenError, match="expires_in"):
                    await client.wallets.list()
    assert asked == 1


async def test_a_token_endpoint_that_never_answers_fails_within_the_deadline() -> None:
    release = asyncio.Event()

    async def token(_: web.Request) -> web.Response:
        await release.wait()  # accepts, and answers only when the test is over
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    async with serve(app) as url:
        async with BlaaizClient(
            client_id="c", client_secret=SECRET, base_url=url, timeout=1.0
        ) as client:
            started = asyncio.get_running_loop().time()
            with pytest.raises(TokenError, match="could not reach"):
                await client.wallets.list()
            elapsed = asyncio.get_running_loop().time() - started
        release.set()
    assert elapsed < 3.0  # three attempts of the whole timeout each took 3x as long


# Quotes, a backslash and a non-ASCII letter: JSON escapes each of them.
JSON_SECRET = 'sé"cr\\et-2024'


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["ascii-escaped", "utf8"])
async def test_a_secret_echoed_inside_an_embedded_json_text_is_masked(ensure_ascii: bool) -> None:
    # A proxy that wraps the upstream's JSON error in its own message: the secret arrives
    # JSON-escaped inside a string, and either escaping style may have been used.
    async def token(request: web.Request) -> web.Response:
        form = dict(urllib.parse.parse_qsl(await request.text()))
        upstream = json.dumps({"client_secret": form["client_secret"]}, ensure_ascii=ensure_ascii)
        return web.json_response({"error": "invalid_client", "message": upstream}, status=401)

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    async with serve(app) as url:
        async with BlaaizClient(client_id="c", client_secret=JSON_SECRET, base_url=url) as client:
            with pytest.raises(TokenError) as info:
                await client.wallets.list()
    escaped = json.dumps(JSON_SECRET, ensure_ascii=ensure_ascii)[1:-1]
    for text in (str(info.value), repr(vars(info.value)), repr(info.value.args)):
        assert escaped not in text and JSON_SECRET not in text
        assert "cr\\\\et" not in text
    assert "***" in str(info.value)


async def test_a_retry_that_could_not_finish_in_time_is_not_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first answer (a retryable 503) came late: waiting out the backoff would leave no
    # time for another request, so the 503 is the error, not a doomed second request.
    monkeypatch.setattr(
        "blaaiz_async.auth.provider.random", types.SimpleNamespace(random=lambda: 1.0)
    )
    asked = 0

    async def token(_: web.Request) -> web.Response:
        nonlocal asked
        asked += 1
        await asyncio.sleep(0.85)  # the deadline is 1 s; the backoff would be 0.2 s
        return web.json_response({"message": "busy"}, status=503)

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    async with serve(app) as url:
        async with BlaaizClient(
            client_id="c", client_secret=SECRET, base_url=url, timeout=1.0
        ) as client:
            with pytest.raises(TokenError) as info:
                await client.wallets.list()
    assert info.value.status == 503 and asked == 1
