"""The FastAPI/Starlette integration: the lifespan's one client, ``Depends(blaaiz.client)``,
webhook routes and their answers, and ``examples/fastapi_app.py`` in-process (httpx's
ASGITransport, lifespan run on the test's loop) and served by a real uvicorn.

No ``from __future__ import annotations`` here: FastAPI reads route annotations at
runtime, and those naming a local ``blaaiz`` cannot be resolved from strings."""

import asyncio
import contextlib
import importlib.util
import json
import sys
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.applications import Starlette

from blaaiz_async import BlaaizClient
from blaaiz_async.config import ConfigurationError
from blaaiz_async.integrations.fastapi import Blaaiz, read_body
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.webhooks import (
    MemoryReplayGuard,
    PayoutEvent,
    ReplayGuard,
    WebhookEvent,
    sign_headers,
)
from tests.uvicorn_support import EXAMPLE, start_example

SECRET = "whsec_fastapi_0c9d"
PAYOUT = json.dumps(
    {"type": "payout", "event_id": "evt-fastapi-1", "transaction_amount": 1000.25,
     "transaction_status": "SUCCESSFUL"}
).encode()  # fmt: skip


def factory_for(sb: Sandbox) -> Any:
    client_id, client_secret = sb.add_client()

    def make() -> BlaaizClient:
        return BlaaizClient(client_id=client_id, client_secret=client_secret, base_url=sb.url)

    return make


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app's lifespan on this loop, and an httpx client speaking ASGI to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as http:
            yield http


def webhook_app(
    blaaiz: Blaaiz, seen: list[WebhookEvent], *, fail: list[bool] | None = None
) -> FastAPI:
    app = FastAPI(lifespan=blaaiz.lifespan)

    @blaaiz.webhook(app, "/hooks/blaaiz")
    async def on_event(event: WebhookEvent) -> None:
        if fail and fail.pop(0):
            raise RuntimeError("the handler's database is down")
        seen.append(event)

    return app


async def test_depends_hands_the_lifespans_client_to_routes(sandbox: Sandbox) -> None:
    blaaiz = Blaaiz(factory_for(sandbox))
    app = FastAPI(lifespan=blaaiz.lifespan)
    clients: list[BlaaizClient] = []

    @app.get("/wallets")
    async def wallets(client: Annotated[BlaaizClient, Depends(blaaiz.client)]) -> list[str]:
        clients.append(client)
        return [w.id for w in await client.wallets.list()]

    async with serving(app) as http:
        first = await http.get("/wallets")
        second = await http.get("/wallets")
    assert first.status_code == 200 and sorted(first.json()) == sorted(sandbox.state.wallets)
    assert second.status_code == 200
    assert clients[0] is clients[1]  # one client per process
    assert sandbox.token_requests == 1
    assert clients[0]._closed  # closed at shutdown
    with pytest.raises(RuntimeError, match="lifespan"):
        blaaiz.client()


async def test_without_the_lifespan_the_dependency_says_what_to_do(sandbox: Sandbox) -> None:
    blaaiz = Blaaiz(factory_for(sandbox))
    app = FastAPI()  # lifespan forgotten

    @app.get("/wallets")
    async def wallets(client: Annotated[BlaaizClient, Depends(blaaiz.client)]) -> int:
        return len(await client.wallets.list())

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as http:
        with pytest.raises(RuntimeError, match=r"FastAPI\(lifespan=blaaiz.lifespan\)"):
            await http.get("/wallets")


async def test_the_default_client_comes_from_the_environment(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    client_id, client_secret = sandbox.add_client()
    monkeypatch.setenv("BLAAIZ_BASE_URL", sandbox.url)
    monkeypatch.setenv("BLAAIZ_CLIENT_ID", client_id)
    monkeypatch.setenv("BLAAIZ_CLIENT_SECRET", client_secret)
    blaaiz = Blaaiz()
    async with blaaiz.lifespan(None):
        assert blaaiz.client().base_url == sandbox.url
        assert len(await blaaiz.client().wallets.list()) == len(sandbox.state.wallets)


async def test_a_composed_lifespan_runs_inside_and_keeps_its_state(sandbox: Sandbox) -> None:
    blaaiz = Blaaiz(factory_for(sandbox))
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def mine(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        wallets = await blaaiz.client().wallets.list()  # the client is already open
        events.append("start")
        yield {"wallet_count": len(wallets)}
        await blaaiz.client().wallets.list()  # and still open while mine ends
        events.append("stop")

    app = FastAPI(lifespan=blaaiz.lifespan_with(mine))

    @app.get("/count")
    async def count(request: Request) -> int:
        return int(request.state.wallet_count)

    # the state a lifespan yields reaches requests through the ASGI lifespan protocol
    app_state: dict[str, Any] = {}
    async with app.router.lifespan_context(app) as state:
        app_state.update(state or {})
    assert app_state == {"wallet_count": len(sandbox.state.wallets)}
    assert events == ["start", "stop"]


async def test_one_blaaiz_runs_one_lifespan_at_a_time(sandbox: Sandbox) -> None:
    blaaiz = Blaaiz(factory_for(sandbox))
    async with blaaiz.lifespan(None):
        with pytest.raises(RuntimeError, match="already running"):
            async with blaaiz.lifespan(None):
                pass
    async with blaaiz.lifespan(None):  # and again after the first ended
        assert blaaiz.client() is not None


async def test_webhook_answers_handled_duplicate_and_each_refusal(sandbox: Sandbox) -> None:
    seen: list[WebhookEvent] = []
    blaaiz = Blaaiz(factory_for(sandbox), webhook_secret=SECRET)
    app = webhook_app(blaaiz, seen)
    headers = sign_headers(SECRET, PAYOUT)
    async with serving(app) as http:
        handled = await http.post("/hooks/blaaiz", content=PAYOUT, headers=headers)
        again = await http.post("/hooks/blaaiz", content=PAYOUT, headers=headers)
        forged = await http.post(
            "/hooks/blaaiz", content=PAYOUT, headers=sign_headers("not-the-secret", PAYOUT)
        )
        tampered = await http.post(
            "/hooks/blaaiz", content=PAYOUT.replace(b"1000.25", b"9000.25"), headers=headers
        )
        unsigned = await http.post("/hooks/blaaiz", content=PAYOUT)
        stale = await http.post(
            "/hooks/blaaiz",
            content=PAYOUT,
            headers=sign_headers(
                SECRET, PAYOUT, timestamp=int(headers["x-blaaiz-timestamp"]) - 900
            ),
        )
        garbage = b"not json"
        not_json = await http.post(
            "/hooks/blaaiz", content=garbage, headers=sign_headers(SECRET, garbage)
        )
        wrong_method = await http.get("/hooks/blaaiz")
    assert (handled.status_code, handled.json()) == (200, {"status": "handled"})
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert (forged.status_code, forged.json()) == (400, {"error": "signature_mismatch"})
    assert (tampered.status_code, tampered.json()) == (400, {"error": "signature_mismatch"})
    assert (unsigned.status_code, unsigned.json()) == (400, {"error": "missing_signature"})
    assert (stale.status_code, stale.json()) == (400, {"error": "timestamp_too_old"})
    assert (not_json.status_code, not_json.json()) == (400, {"error": "invalid_json"})
    assert wrong_method.status_code == 405
    assert len(seen) == 1 and isinstance(seen[0], PayoutEvent)
    assert str(seen[0].transaction_amount) == "1000.25"


async def test_a_handler_that_raises_answers_500_and_the_retry_is_handled(
    sandbox: Sandbox,
) -> None:
    seen: list[WebhookEvent] = []
    blaaiz = Blaaiz(factory_for(sandbox), webhook_secret=SECRET)
    app = webhook_app(blaaiz, seen, fail=[True, False])
    headers = sign_headers(SECRET, PAYOUT)
    async with serving(app) as http:
        failed = await http.post("/hooks/blaaiz", content=PAYOUT, headers=headers)
        retried = await http.post("/hooks/blaaiz", content=PAYOUT, headers=headers)
        again = await http.post("/hooks/blaaiz", content=PAYOUT, headers=headers)
    assert (failed.status_code, failed.json()) == (500, {"error": "handler_failed"})
    assert retried.json() == {"status": "handled"}
    assert again.json() == {"status": "duplicate"}
    assert len(seen) == 1


class BrokenGuard(MemoryReplayGuard):
    async def claim(self, key: str) -> str | None:
        raise ConnectionError("redis is down")


async def test_a_failing_replay_guard_answers_503_and_runs_no_handler(sandbox: Sandbox) -> None:
    seen: list[WebhookEvent] = []
    guard: ReplayGuard = BrokenGuard()
    app = webhook_app(Blaaiz(factory_for(sandbox), webhook_secret=SECRET, replay_guard=guard), seen)
    async with serving(app) as http:
        answer = await http.post(
            "/hooks/blaaiz", content=PAYOUT, headers=sign_headers(SECRET, PAYOUT)
        )
    assert (answer.status_code, answer.json()) == (503, {"error": "replay_guard_unavailable"})
    assert seen == []


async def test_an_oversized_body_is_refused_unread(sandbox: Sandbox) -> None:
    seen: list[WebhookEvent] = []
    blaaiz = Blaaiz(factory_for(sandbox), webhook_secret=SECRET)
    blaaiz.max_body_size = 100
    app = webhook_app(blaaiz, seen)
    big = json.dumps({"type": "payout", "pad": "x" * 200}).encode()
    async with serving(app) as http:
        answer = await http.post("/hooks/blaaiz", content=big, headers=sign_headers(SECRET, big))

        async def chunks() -> AsyncIterator[bytes]:  # no content-length: streamed
            for _ in range(10):
                yield b"x" * 50

        streamed = await http.post("/hooks/blaaiz", content=chunks())
    assert (answer.status_code, answer.json()) == (413, {"error": "payload_too_large"})
    assert streamed.status_code == 413
    assert seen == []


async def test_the_secret_defaults_to_the_environment_and_is_required_at_startup(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLAAIZ_WEBHOOK_SECRET", raising=False)
    seen: list[WebhookEvent] = []
    app = webhook_app(Blaaiz(factory_for(sandbox)), seen)
    with pytest.raises(ConfigurationError, match="BLAAIZ_WEBHOOK_SECRET"):
        async with app.router.lifespan_context(app):
            pass
    monkeypatch.setenv("BLAAIZ_WEBHOOK_SECRET", SECRET)
    app = webhook_app(Blaaiz(factory_for(sandbox)), seen)
    async with serving(app) as http:
        answer = await http.post(
            "/hooks/blaaiz", content=PAYOUT, headers=sign_headers(SECRET, PAYOUT)
        )
    assert answer.json() == {"status": "handled"}


async def test_routers_and_plain_starlette_apps_take_webhook_routes(sandbox: Sandbox) -> None:
    seen: list[str] = []
    blaaiz = Blaaiz(factory_for(sandbox), webhook_secret=SECRET)
    router = APIRouter(prefix="/v1")

    @blaaiz.webhook(router, "/hooks")
    async def on_router(event: WebhookEvent) -> None:
        seen.append("router")

    app = FastAPI(lifespan=blaaiz.lifespan)
    app.include_router(router)
    body = json.dumps({"type": "collection", "event_id": "r-1"}).encode()
    async with serving(app) as http:
        answer = await http.post("/v1/hooks", content=body, headers=sign_headers(SECRET, body))
    assert answer.json() == {"status": "handled"}

    other = Blaaiz(factory_for(sandbox), webhook_secret=SECRET)
    starlette_app = Starlette(lifespan=other.lifespan)

    @other.webhook(starlette_app, "/hooks")
    async def on_starlette(event: WebhookEvent) -> None:
        seen.append("starlette")

    async with serving(starlette_app) as http:
        answer = await http.post("/hooks", content=body, headers=sign_headers(SECRET, body))
    assert answer.json() == {"status": "handled"}
    assert seen == ["router", "starlette"]


# -- the example app ---------------------------------------------------------------------


@pytest.fixture
def example_env(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    client_id, client_secret = sandbox.add_client()
    env = {
        "BLAAIZ_BASE_URL": sandbox.url,
        "BLAAIZ_CLIENT_ID": client_id,
        "BLAAIZ_CLIENT_SECRET": client_secret,
        "BLAAIZ_WEBHOOK_SECRET": SECRET,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    yield env


@pytest.fixture
def example() -> Iterator[ModuleType]:
    """A fresh import of the example (its own Blaaiz and records), as a real module: pydantic
    resolves the models' annotations through ``sys.modules``."""
    name = "fastapi_app_under_test"
    spec = importlib.util.spec_from_file_location(name, EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def payout_body(sb: Sandbox) -> dict[str, Any]:
    return {
        "wallet_id": sb.wallet_id("NGN"),
        "customer_id": sb.customer_id,
        "amount": "1500.50",
        "bank_id": "058",
        "account_number": "0123456789",
        "merchant_reference": "order-42",
    }


async def test_the_example_app_in_process(
    sandbox: Sandbox, example_env: dict[str, str], example: ModuleType
) -> None:
    event = (  # written as the API writes it: 250.10 keeps its trailing zero
        b'{"type": "collection", "event_id": "evt-ex-1", "transaction_amount": 250.10, '
        b'"transaction_status": "SUCCESSFUL"}'
    )
    headers = sign_headers(SECRET, event)
    async with serving(example.app) as http:
        wallets = await http.get("/wallets")
        payout = await http.post("/payouts", json=payout_body(sandbox))
        refused = await http.post("/payouts", json={**payout_body(sandbox), "amount": "-5"})
        first = await http.post("/webhooks/blaaiz", content=event, headers=headers)
        second = await http.post("/webhooks/blaaiz", content=event, headers=headers)
        forged = await http.post(
            "/webhooks/blaaiz", content=event, headers=sign_headers("forged", event)
        )
        received = await http.get("/webhooks/received")
    assert wallets.status_code == 200
    ngn = [w for w in wallets.json() if w["currency"] == "NGN"]
    assert len(ngn) == 1 and ngn[0]["balance"] is not None
    assert payout.status_code == 201, payout.text
    assert payout.json()["merchant_reference"] == "order-42"
    assert sandbox.count("payouts.create") == 1
    assert refused.status_code == 422
    assert first.json() == {"status": "handled"}
    assert second.json() == {"status": "duplicate"}
    assert forged.status_code == 400 and forged.json() == {"error": "signature_mismatch"}
    assert received.json() == [
        {"type": "collection", "event_id": "evt-ex-1", "amount": "250.10", "status": "SUCCESSFUL"}
    ]


async def test_the_example_served_by_uvicorn_against_the_sandbox(
    sandbox: Sandbox, example_env: dict[str, str]
) -> None:
    proc, url = await start_example(example_env)
    try:
        event = json.dumps(
            {"type": "payout", "event_id": "evt-uvicorn-1", "transaction_amount": 99.99,
             "transaction_status": "SUCCESSFUL"}
        ).encode()  # fmt: skip
        headers = sign_headers(SECRET, event)
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            wallets = await http.get("/wallets")
            payout = await http.post("/payouts", json=payout_body(sandbox))
            signed = await http.post("/webhooks/blaaiz", content=event, headers=headers)
            duplicate = await http.post("/webhooks/blaaiz", content=event, headers=headers)
            forged = await http.post(
                "/webhooks/blaaiz", content=event, headers=sign_headers("forged-secret", event)
            )
            received = await http.get("/webhooks/received")
    finally:
        proc.terminate()
        async with asyncio.timeout(30):
            stderr = (await proc.stderr.read()).decode() if proc.stderr else ""
            await proc.wait()
    assert wallets.status_code == 200 and len(wallets.json()) == len(sandbox.state.wallets)
    assert payout.status_code == 201, payout.text
    assert sandbox.count("payouts.create") == 1
    assert sandbox.token_requests == 1
    assert (signed.status_code, signed.json()) == (200, {"status": "handled"})
    assert duplicate.json() == {"status": "duplicate"}
    assert (forged.status_code, forged.json()) == (400, {"error": "signature_mismatch"})
    assert [e["event_id"] for e in received.json()] == ["evt-uvicorn-1"]
    assert received.json()[0]["amount"] == "99.99"
    assert "Application shutdown complete" in stderr
    assert "Unclosed" not in stderr and "unclosed" not in stderr
    for secret in example_env["BLAAIZ_CLIENT_SECRET"], SECRET:
        assert secret not in stderr


def asgi_request(chunks: list[bytes], headers: dict[str, str]) -> tuple[Request, list[int]]:
    """A Starlette request whose body arrives in ``chunks``; counts what was received."""
    received: list[int] = []

    async def receive() -> dict[str, Any]:
        index = len(received)
        received.append(index)
        more = index + 1 < len(chunks)
        return {"type": "http.request", "body": chunks[index], "more_body": more}

    scope = {
        "type": "http", "method": "POST", "path": "/hooks", "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    return Request(scope, receive), received


async def test_read_body_refuses_a_declared_length_past_the_limit_without_reading() -> None:
    request, received = asgi_request([b"{}"], {"content-length": str(10**9)})
    assert await read_body(request, 100) is None
    assert received == []  # not one chunk read


async def test_read_body_stops_a_stream_at_the_first_chunk_past_the_limit() -> None:
    request, received = asgi_request([b"x" * 60] * 100, {})  # chunked: no length declared
    assert await read_body(request, 100) is None
    assert received == [0, 1]
    request, _ = asgi_request([b"x" * 50, b"x" * 50], {"content-length": "100"})
    assert await read_body(request, 100) == b"x" * 100  # exactly the limit is fine


async def test_a_body_that_is_not_utf8_or_nests_without_end_answers_400(sandbox: Sandbox) -> None:
    seen: list[WebhookEvent] = []
    app = webhook_app(Blaaiz(factory_for(sandbox), webhook_secret=SECRET), seen)
    bodies = [b"\xff\xfe{}", b"[" * 100_000 + b"]" * 100_000, b'{"a": ' * 5000 + b"1" + b"}" * 5000]
    async with serving(app) as http:
        answers = [
            await http.post("/hooks/blaaiz", content=body, headers=sign_headers(SECRET, body))
            for body in bodies
        ]
    assert [(a.status_code, a.json()) for a in answers] == [(400, {"error": "invalid_json"})] * 3
    assert seen == []
