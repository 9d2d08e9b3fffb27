"""The sandbox sends webhooks: URLs registered through the API, signed deliveries when
payouts and collections change state, on replays and simulations, retried with backoff,
visible in ``sb.deliveries``; and end to end into the example app under uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiohttp import web

from blaaiz_async import BlaaizClient
from blaaiz_async.config import ConfigurationError
from blaaiz_async.errors import BadRequestError, ValidationError, WebhookVerificationError
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.webhooks import (
    CollectionEvent,
    PayoutEvent,
    WebhookEvent,
    construct_event,
)
from tests.uvicorn_support import start_example

FAST = (0.05, 0.1)


class Receiver:
    """A local webhook endpoint that verifies every delivery with the sandbox's secret."""

    def __init__(self, secret: str, answers: list[int] | None = None, delay: float = 0.0):
        self.secret = secret
        self.answers = list(answers or [])
        self.delay = delay
        self.events: list[WebhookEvent] = []
        self.refused: list[str] = []
        self.timestamps: list[str] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.timestamps.append(request.headers.get("x-blaaiz-timestamp", ""))
        if self.delay:
            await asyncio.sleep(self.delay)
        try:
            event = construct_event(body, request.headers, self.secret)
        except WebhookVerificationError as exc:
            self.refused.append(exc.reason.value)
            return web.json_response({"error": exc.reason.value}, status=400)
        status = self.answers.pop(0) if self.answers else 200
        if 200 <= status < 300:
            self.events.append(event)
        return web.json_response({}, status=status)


@contextlib.asynccontextmanager
async def receiving(receiver: Receiver) -> AsyncIterator[Receiver]:
    app = web.Application()
    app.router.add_post("/hooks", receiver.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock)
    await site.start()
    receiver.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"
    try:
        yield receiver
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def sandbox_and_client(**options: Any) -> AsyncIterator[tuple[Sandbox, BlaaizClient]]:
    async with Sandbox(webhook_retry_delays=FAST, **options) as sb:
        client_id, client_secret = sb.add_client()
        async with BlaaizClient(
            client_id=client_id, client_secret=client_secret, base_url=sb.url
        ) as client:
            yield sb, client


async def payout(sb: Sandbox, client: BlaaizClient, currency: str = "NGN", **kw: Any) -> Any:
    args: dict[str, Any] = {
        "wallet_id": sb.wallet_id(currency), "customer_id": sb.customer_id,
        "method": "bank_transfer", "from_currency_id": currency, "to_currency_id": currency,
        "from_amount": "1000.00", "bank_id": "058", "account_number": "0123456789",
    }  # fmt: skip
    if currency == "CAD":
        args = {**args, "method": "interac", "email": "bob@example.com",
                "interac_first_name": "Bob", "interac_last_name": "Lee"}  # fmt: skip
        del args["bank_id"], args["account_number"]
    return await client.payouts.create(**{**args, **kw})


def free_loopback_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/nobody-listens"


async def test_a_payout_sends_a_signed_webhook_to_a_loopback_url() -> None:
    async with sandbox_and_client() as (sb, client):
        async with receiving(Receiver(sb.webhook_secret)) as hook:
            config = await client.webhooks.register(payout_url=hook.url, collection_url=hook.url)
            assert config.payout_url == hook.url
            tx = await payout(sb, client)
            [delivery] = await sb.wait_for_deliveries()
    assert delivery["status"] == "delivered" and delivery["url"] == hook.url
    assert [a.get("status") for a in delivery["attempts"]] == [200]
    [event] = hook.events
    assert isinstance(event, PayoutEvent) and not event.initiated
    assert event.transaction_id == tx.id
    assert event.transaction_amount == tx.amount and isinstance(event.transaction_amount, Decimal)
    assert event.transaction_status == "SUCCESSFUL"
    assert event.event_id == delivery["payload"]["event_id"]
    assert sb.webhook_secret not in repr(sb) and sb.webhook_secret not in repr(delivery)


async def test_a_cad_payout_sends_initiated_then_final() -> None:
    async with sandbox_and_client() as (sb, client):
        async with receiving(Receiver(sb.webhook_secret)) as hook:
            await client.webhooks.register(payout_url=hook.url, collection_url=hook.url)
            tx = await payout(sb, client, "CAD")
            await sb.wait_for_deliveries()
    kinds = sorted(
        (e.type, e.transaction_status) for e in hook.events if isinstance(e, PayoutEvent)
    )
    assert kinds == [("payout", "SUCCESSFUL"), ("payout_initiated", "PENDING")]
    assert {e.transaction_id for e in hook.events if isinstance(e, PayoutEvent)} == {tx.id}
    assert len({e.event_id for e in hook.events}) == 2


async def test_collections_send_their_webhook_when_they_settle() -> None:
    async with sandbox_and_client() as (sb, client):
        async with receiving(Receiver(sb.webhook_secret)) as hook:
            await client.webhooks.register(payout_url=hook.url, collection_url=hook.url)
            wallet = sb.wallet_id("EUR")
            before = sb.state.wallets[wallet]["amount"]
            paid = await client.collections.create(
                method="open_banking", amount=100, wallet_id=wallet
            )
            unpaid = await client.collections.create(
                method="open_banking", amount=50, wallet_id=wallet
            )
            assert await sb.wait_for_deliveries() == []  # pending: nothing to tell yet
            sb.settle_collection(str(paid.transaction_id))
            sb.settle_collection(str(unpaid.transaction_id), "FAILED")
            await sb.wait_for_deliveries()
            with pytest.raises(ValueError):
                sb.settle_collection(str(paid.transaction_id))
    by_id = {e.transaction_id: e for e in hook.events}
    done = by_id[str(paid.transaction_id)]
    assert isinstance(done, CollectionEvent) and done.transaction_status == "SUCCESSFUL"
    failed = by_id[str(unpaid.transaction_id)]
    assert isinstance(failed, CollectionEvent) and failed.transaction_status == "FAILED"
    assert done.transaction_amount_without_fee is not None
    assert sb.state.wallets[wallet]["amount"] == before + done.transaction_amount_without_fee


async def test_replay_and_simulation_deliver_and_a_replay_is_the_same_event() -> None:
    async with sandbox_and_client() as (sb, client):
        async with receiving(Receiver(sb.webhook_secret)) as hook:
            await client.webhooks.register(payout_url=hook.url, collection_url=hook.url)
            tx = await payout(sb, client)
            await client.webhooks.replay(transaction_id=tx.id)
            await client.webhooks.simulate_interac(amount="25.00", collection_email="p@example.com")
            deliveries = await sb.wait_for_deliveries()
    assert [d["status"] for d in deliveries] == ["delivered"] * 3
    original, replayed, simulated = hook.events
    assert replayed.event_id == original.event_id and replayed.raw == original.raw
    assert isinstance(simulated, CollectionEvent)
    assert simulated.transaction_currency == "CAD"
    assert simulated.transaction_amount == Decimal("25.00")


async def test_non_2xx_answers_are_retried_with_a_fresh_signature() -> None:
    async with sandbox_and_client() as (sb, client):
        async with receiving(Receiver(sb.webhook_secret, answers=[500, 503])) as hook:
            await client.webhooks.register(payout_url=hook.url, collection_url=hook.url)
            await payout(sb, client)
            [delivery] = await sb.wait_for_deliveries()
    assert delivery["status"] == "delivered"
    assert [a.get("status") for a in delivery["attempts"]] == [500, 503, 200]
    assert len(hook.events) == 1 and hook.refused == []
    assert len(hook.timestamps) == 3


async def test_a_4xx_answer_is_not_a_delivery_and_is_retried() -> None:
    async with sandbox_and_client() as (sb, client):
        async with receiving(Receiver(sb.webhook_secret, answers=[400, 404, 422])) as hook:
            await client.webhooks.register(payout_url=hook.url, collection_url=hook.url)
            await payout(sb, client)
            [delivery] = await sb.wait_for_deliveries()
    assert delivery["status"] == "failed"
    assert [a.get("status") for a in delivery["attempts"]] == [400, 404, 422]
    assert hook.events == [] and hook.refused == []


async def test_no_answer_is_retried_a_bounded_number_of_times() -> None:
    async with sandbox_and_client() as (sb, client):
        url = free_loopback_url()
        await client.webhooks.register(payout_url=url, collection_url=url)
        await payout(sb, client)
        [delivery] = await sb.wait_for_deliveries()
    assert delivery["status"] == "failed"
    assert len(delivery["attempts"]) == 1 + len(FAST)
    assert all("error" in a for a in delivery["attempts"])


async def test_a_receiver_too_slow_to_answer_counts_as_no_answer() -> None:
    async with sandbox_and_client(webhook_timeout=0.2) as (sb, client):
        async with receiving(Receiver(sb.webhook_secret, delay=1.0)) as hook:
            await client.webhooks.register(payout_url=hook.url, collection_url=hook.url)
            await payout(sb, client)
            [delivery] = await sb.wait_for_deliveries()
    assert delivery["status"] == "failed"
    assert [a.get("error") for a in delivery["attempts"]] == ["TimeoutError"] * 3


async def test_only_loopback_urls_are_sent_to() -> None:
    async with sandbox_and_client() as (sb, client):
        await client.webhooks.register(
            payout_url="https://hooks.example/p", collection_url="https://hooks.example/c"
        )
        await payout(sb, client)
        [delivery] = await sb.wait_for_deliveries()
    assert delivery["status"] == "not_sent" and delivery["attempts"] == []


async def test_plain_http_is_accepted_for_loopback_only() -> None:
    async with sandbox_and_client() as (_, client):
        for url in ("http://127.0.0.1:9/h", "http://localhost:9/h", "http://[::1]:9/h"):
            await client.webhooks.register(payout_url=url, collection_url=url)
            await client.webhooks.update(payout_url=url)
        with pytest.raises(ValidationError):
            await client.webhooks.register(payout_url="http://10.0.0.1/h", collection_url=url)
        with pytest.raises(ValidationError):
            await client.webhooks.update(payout_url="http://hooks.example/h")
        with pytest.raises(BadRequestError):  # the sandbox refuses it too
            await client.request(
                "POST", "/api/external/webhook",
                json={"payout_url": "http://127.0.0.2.example/h", "collection_url": url},
            )  # fmt: skip


def test_the_webhook_secret_is_given_or_random() -> None:
    assert Sandbox(webhook_secret="whsec_known").webhook_secret == "whsec_known"
    first, second = Sandbox().webhook_secret, Sandbox().webhook_secret
    assert first != second and len(first) > 20


async def test_sdk_payout_to_sandbox_to_the_example_app_recorded_once() -> None:
    """End to end: a payout through the SDK, the sandbox's signed webhook, the example app
    served by uvicorn verifying it; a replay of the same event is not recorded again."""
    async with sandbox_and_client() as (sb, client):
        app_id, app_secret = sb.add_client()
        env = {
            "BLAAIZ_BASE_URL": sb.url,
            "BLAAIZ_CLIENT_ID": app_id,
            "BLAAIZ_CLIENT_SECRET": app_secret,
            "BLAAIZ_WEBHOOK_SECRET": sb.webhook_secret,
        }
        proc, app_url = await start_example(env)
        try:
            hook = f"{app_url}/webhooks/blaaiz"
            await client.webhooks.register(payout_url=hook, collection_url=hook)
            tx = await payout(sb, client)
            await client.webhooks.replay(transaction_id=tx.id)
            deliveries = await sb.wait_for_deliveries()
            async with httpx.AsyncClient(base_url=app_url, timeout=30) as http:
                received = (await http.get("/webhooks/received")).json()
        finally:
            proc.terminate()
            async with asyncio.timeout(30):
                await proc.wait()
    assert [d["status"] for d in deliveries] == ["delivered", "delivered"]
    assert [d["attempts"][-1]["status"] for d in deliveries] == [200, 200]
    assert received == [
        {
            "type": "payout",
            "event_id": deliveries[0]["payload"]["event_id"],
            "amount": str(tx.amount),
            "status": "SUCCESSFUL",
        }
    ]


@pytest.mark.parametrize(
    "options",
    [
        {"webhook_retry_delays": (-1.0,)},
        {"webhook_retry_delays": (True,)},
        {"webhook_timeout": 0},
        {"webhook_timeout": "5"},
    ],
)
def test_bad_webhook_timings_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="webhook retry delays and timeout"):
        Sandbox(**options)
