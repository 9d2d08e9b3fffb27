"""A FastAPI backend on blaaiz-async: wallets, payouts, and a webhook that is handled once.

Run it (the variables are the ones ``blaaiz-async sandbox`` prints, plus a secret)::

    export BLAAIZ_BASE_URL=... BLAAIZ_CLIENT_ID=... BLAAIZ_CLIENT_SECRET=...
    export BLAAIZ_WEBHOOK_SECRET=...
    uvicorn --app-dir examples fastapi_app:app

- ``GET /wallets``: the business's wallets, through the one ``BlaaizClient`` of this
  process (made by the lifespan, closed at shutdown).
- ``POST /payouts``: a bank transfer from a wallet. A payout is never resent by the SDK;
  pass your own ``merchant_reference`` to find it again after a lost answer.
- ``POST /webhooks/blaaiz``: Blaaiz's deliveries, verified (400 with the reason
  otherwise) and handled once per event; ``GET /webhooks/received`` lists them.

With several worker processes, set ``REDIS_URL``: every worker then shares one
``RedisReplayGuard`` and an event is handled once across all of them.

``mypy --strict`` checks this file (``make typecheck``); ``tests/test_fastapi.py`` runs it
in-process and under uvicorn.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import APIStatusError, BlaaizError, ValidationError
from blaaiz_async.integrations.fastapi import Blaaiz
from blaaiz_async.webhooks import (
    CollectionEvent,
    MemoryReplayGuard,
    PayoutEvent,
    RedisReplayGuard,
    ReplayGuard,
    WebhookEvent,
)


def replay_guard() -> ReplayGuard:
    """One process: memory. A fleet of workers: the Redis they share."""
    url = os.environ.get("REDIS_URL")
    return RedisReplayGuard.from_url(url) if url else MemoryReplayGuard()


blaaiz = Blaaiz(replay_guard=replay_guard())  # BlaaizClient() and the secret from BLAAIZ_*
app = FastAPI(title="blaaiz-async example", lifespan=blaaiz.lifespan)
Client = Annotated[BlaaizClient, Depends(blaaiz.client)]


class WalletOut(BaseModel):
    id: str
    currency: str | None
    balance: Decimal | None


class PayoutIn(BaseModel):
    wallet_id: str
    customer_id: str
    amount: Decimal
    currency: str = "NGN"
    bank_id: str
    account_number: str
    merchant_reference: str | None = None


class PayoutOut(BaseModel):
    id: str
    status: str | None
    amount: Decimal | None
    merchant_reference: str | None


class ReceivedEvent(BaseModel):
    type: str | None
    event_id: str | None
    amount: Decimal | None
    status: str | None


RECEIVED: list[ReceivedEvent] = []  # a real app writes to its database, in the handler


@app.exception_handler(BlaaizError)
async def blaaiz_error(request: Request, exc: BlaaizError) -> JSONResponse:
    """SDK errors as answers: a refused request is the caller's (422), the rest upstream."""
    if isinstance(exc, ValidationError):
        return JSONResponse({"error": exc.message}, status_code=422)
    status = exc.status if isinstance(exc, APIStatusError) else None
    return JSONResponse({"error": exc.message, "upstream_status": status}, status_code=502)


@app.get("/wallets")
async def wallets(client: Client) -> list[WalletOut]:
    return [
        WalletOut(id=w.id, currency=w.currency, balance=w.available)
        for w in await client.wallets.list()
    ]


@app.post("/payouts", status_code=201)
async def create_payout(payout: PayoutIn, client: Client) -> PayoutOut:
    tx = await client.payouts.create(
        wallet_id=payout.wallet_id,
        customer_id=payout.customer_id,
        method="bank_transfer",
        from_currency_id=payout.currency,
        to_currency_id=payout.currency,
        from_amount=payout.amount,
        bank_id=payout.bank_id,
        account_number=payout.account_number,
        merchant_reference=payout.merchant_reference,
    )
    return PayoutOut(
        id=tx.id, status=tx.status, amount=tx.amount, merchant_reference=tx.merchant_reference
    )


@blaaiz.webhook(app, "/webhooks/blaaiz")
async def on_blaaiz_event(event: WebhookEvent) -> None:
    """Runs once per event; raising makes the route answer 500 so Blaaiz retries."""
    amount: Decimal | None = None
    status: str | None = None
    if isinstance(event, PayoutEvent | CollectionEvent):
        amount, status = event.transaction_amount, event.transaction_status
    RECEIVED.append(
        ReceivedEvent(type=event.type, event_id=event.event_id, amount=amount, status=status)
    )


@app.get("/webhooks/received")
async def received() -> Sequence[ReceivedEvent]:
    return RECEIVED
