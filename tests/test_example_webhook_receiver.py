"""examples/webhook_receiver.py as a running server: the sandbox delivers a payout's signed
webhook to it, a replay of the same event is answered 200 and not handled again, and a
forged delivery is refused with its reason."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.webhooks.signature import sign_headers
from tests.example_support import EXAMPLES, ROOT, child_env, sandbox_env


class Receiver:
    def __init__(self, proc: asyncio.subprocess.Process, url: str) -> None:
        self.proc, self.url = proc, url

    async def line(self) -> str:
        assert self.proc.stdout is not None
        async with asyncio.timeout(20):
            return (await self.proc.stdout.readline()).decode().rstrip("\n")


@pytest.fixture
async def receiver(sandbox: Sandbox) -> AsyncIterator[Receiver]:
    env = child_env(sandbox_env(sandbox))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "webhook_receiver.py"), "--port", "0",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(30):
            first = (await proc.stdout.readline()).decode()
        found = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+/webhooks/blaaiz)\n", first)
        assert found, first + (await proc.stderr.read()).decode()  # type: ignore[union-attr]
        yield Receiver(proc, found[1])
    finally:
        proc.terminate()
        await proc.wait()


async def test_a_payout_webhook_is_handled_once(
    sandbox: Sandbox, client: BlaaizClient, receiver: Receiver
) -> None:
    await client.webhooks.register(payout_url=receiver.url, collection_url=receiver.url)
    tx = await client.payouts.create(
        wallet_id=sandbox.wallet_id("NGN"), customer_id=sandbox.customer_id,
        method="bank_transfer", from_currency_id="NGN", to_currency_id="NGN",
        from_amount="750.00", bank_id="058", account_number="0123456789",
        merchant_reference="hook-1",
    )  # fmt: skip
    delivered = await sandbox.wait_for_deliveries()
    assert [d["status"] for d in delivered] == ["delivered"]
    event_id = delivered[0]["payload"]["event_id"]
    assert await receiver.line() == (f"payout {event_id}: {tx.reference} SUCCESSFUL 750.00 NGN")

    await client.webhooks.replay(transaction_id=tx.id)  # the same event, sent again
    delivered = await sandbox.wait_for_deliveries()
    assert [d["status"] for d in delivered] == ["delivered", "delivered"]
    assert await receiver.line() == "duplicate: already handled"


async def test_a_forged_delivery_is_refused_and_a_signed_one_handled(
    sandbox: Sandbox, receiver: Receiver
) -> None:
    body = json.dumps({
        "type": "payout", "event_id": "evt-9", "transaction_reference": "ref-9",
        "transaction_status": "FAILED", "transaction_amount": 10, "transaction_currency": "NGN",
    }).encode()  # fmt: skip
    async with aiohttp.ClientSession() as http:
        async with http.post(
            receiver.url, data=body, headers=sign_headers("not-the-secret", body)
        ) as response:
            assert response.status == 400
            assert await response.json() == {"error": "signature_mismatch"}
        good = sign_headers(sandbox.webhook_secret, body)
        async with http.post(receiver.url, data=body, headers=good) as response:
            assert (response.status, await response.json()) == (200, {"handled": True})
    assert await receiver.line() == "refused: signature_mismatch"
    assert await receiver.line() == "payout evt-9: ref-9 FAILED 10 NGN"
