"""A hostile API server over a real loopback socket: every answer ends in a typed error.

Each test runs a tiny aiohttp server that answers the token request normally and one API
route the way a broken or hostile server would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import TOO_DEEP, MalformedResponseError, ServerError
from blaaiz_async.models import Page, PageMeta
from blaaiz_async.models.pagination import check_advanced
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.sandbox import Sandbox
from tests.test_hostile_token_endpoint import serve

DEEP = b"[" * 100_000 + b"]" * 100_000
NO_RETRY = RetryPolicy(max_retries=0)


def api(
    path: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.Application:
    async def token(_: web.Request) -> web.Response:
        return web.json_response({"access_token": "tok-abc123", "expires_in": 600})

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    app.router.add_route("*", path, handler)
    return app


async def test_a_success_answer_nested_100_000_levels_is_malformed() -> None:
    async def wallets(_: web.Request) -> web.Response:
        return web.Response(body=DEEP, content_type="application/json")

    async with serve(api("/api/external/wallet", wallets)) as url:
        async with BlaaizClient(client_id="c", client_secret="s", base_url=url) as client:
            with pytest.raises(MalformedResponseError) as info:
                await client.wallets.list()
    assert info.value.status == 200 and "not JSON" in str(info.value)


async def test_an_error_answer_nested_100_000_levels_keeps_its_status_type() -> None:
    async def wallets(_: web.Request) -> web.Response:
        return web.Response(status=503, body=DEEP, content_type="application/json")

    async with serve(api("/api/external/wallet", wallets)) as url:
        async with BlaaizClient(
            client_id="c", client_secret="s", base_url=url, retry=NO_RETRY
        ) as client:
            with pytest.raises(ServerError) as info:
                await client.wallets.list()
    assert info.value.status == 503 and info.value.body == TOO_DEEP


async def test_the_sandbox_answers_a_request_body_nested_100_000_levels_with_400(
    sandbox: Sandbox,
) -> None:
    client_id, secret = sandbox.add_client()
    async with aiohttp.ClientSession() as session:
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        async with session.post(sandbox.url + "/oauth/token", data=form) as resp:
            token = (await resp.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with session.post(
            sandbox.url + "/api/external/payout", data=DEEP, headers=headers
        ) as resp:
            assert resp.status == 400
            assert "Malformed JSON" in (await resp.json())["message"]
        async with session.get(sandbox.url + "/api/external/wallet", headers=headers) as resp:
            assert resp.status == 200  # still serving


# -- pages that do not advance ----------------------------------------------------------------


def _stuck_pages(path: str, body: dict[str, object]) -> tuple[web.Application, list[str]]:
    """A server that answers every page request with the same page, saying more follow."""
    asked: list[str] = []

    async def pages(request: web.Request) -> web.Response:
        asked.append(request.query.get("page") or (await request.text()))
        return web.json_response(body)

    return api(path, pages), asked


STUCK = {
    "transactions-meta": (
        "/api/external/transaction",
        {"data": [{"id": "t1"}], "meta": {"current_page": 1, "last_page": 9}},
    ),
    "transactions-links-only": (
        "/api/external/transaction",
        {"data": [{"id": "t1"}], "links": {"next": "http://127.0.0.1/?page=2"}},
    ),
    "customers-meta": (
        "/api/external/customer",
        {"data": [{"id": "c1"}], "meta": {"current_page": 1, "last_page": 9}},
    ),
}


@pytest.mark.parametrize(("path", "body"), STUCK.values(), ids=STUCK.keys())
async def test_iter_stops_with_an_error_when_the_server_repeats_a_page(
    path: str, body: dict[str, object]
) -> None:
    app, asked = _stuck_pages(path, body)
    async with serve(app) as url:
        async with BlaaizClient(client_id="c", client_secret="s", base_url=url) as client:
            items = client.customers.iter() if "customer" in path else client.transactions.iter()
            seen = []

            async def walk() -> None:
                async for item in items:
                    seen.append(item.id)

            with pytest.raises(MalformedResponseError, match="repeated page 1") as info:
                await asyncio.wait_for(walk(), 10)  # before: asked for pages forever
    assert seen == [body["data"][0]["id"]]  # type: ignore[index]
    assert len(asked) == 2 and info.value.route in ("transactions.list", "customers.list")


@pytest.mark.parametrize(
    ("before", "after", "repeats"),
    [
        ({"current_page": 1}, {"current_page": 2}, False),
        ({"current_page": 0}, {"current_page": 1}, False),  # zero-based pages move on too
        ({"current_page": 1}, {"current_page": 1}, True),
        ({"current_page": 3}, {"current_page": 1}, True),
        (None, None, True),  # no meta: the same items again
    ],
)
def test_a_page_must_move_on_from_the_one_before(
    before: dict[str, int] | None, after: dict[str, int] | None, repeats: bool
) -> None:
    def page(meta: dict[str, int] | None) -> Page[str]:
        return Page(items=["a"], meta=PageMeta(**meta) if meta is not None else None)

    check_advanced("transactions.list", 1, page(after), None)  # the first page is taken as is
    if repeats:
        with pytest.raises(MalformedResponseError, match="asked for page 2"):
            check_advanced("transactions.list", 2, page(after), page(before))
    else:
        check_advanced("transactions.list", 2, page(after), page(before))
    other = Page(items=["b"], meta=None)
    check_advanced("transactions.list", 2, other, page(None))  # new items without meta
