"""Receive Blaaiz webhooks on aiohttp: verify each delivery, handle each event once.

Run it, then tell Blaaiz (or the sandbox) where to deliver::

    export BLAAIZ_WEBHOOK_SECRET=...          # blaaiz-async sandbox prints it
    export REDIS_URL=redis://127.0.0.1:6379/0 # optional: several receivers, one guard
    python examples/webhook_receiver.py --port 8080

    await client.webhooks.register(
        payout_url="https://hooks.example.com/webhooks/blaaiz",  # the sandbox also takes
        collection_url="https://hooks.example.com/webhooks/blaaiz",  # http://127.0.0.1:8080/...
    )

What the route answers, and why:

- 200 ``{"handled": true}`` when the handler ran; 200 ``{"handled": false}`` for a copy of
  an event already handled (a sender's retry, a replay, a second receiver's copy): a 2xx
  so that the sender stops retrying.
- 400 ``{"error": reason}`` when the signature or the timestamp does not verify
  (``signature_mismatch``, ``timestamp_too_old``, ...): the body was not from Blaaiz, or
  too old to trust. Nothing is handled.
- 500 when the handler raised: the claim on the event is released, so the sender's retry
  is handled.

The signature is checked over the body's bytes as they came, never a re-serialised body.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from aiohttp import web

from blaaiz_async.errors import WebhookVerificationError
from blaaiz_async.webhooks import (
    CollectionEvent,
    MemoryReplayGuard,
    PayoutEvent,
    RedisReplayGuard,
    ReplayGuard,
    WebhookEvent,
    WebhookReceiver,
)

RECEIVER = web.AppKey("receiver", WebhookReceiver)


async def on_event(event: WebhookEvent) -> None:
    """Your business logic, run once per event. Keep it short, or hand the event to a queue."""
    if isinstance(event, PayoutEvent | CollectionEvent):
        if isinstance(event, PayoutEvent) and event.initiated:
            print(f"{event.type} {event.event_id}: accepted, not final yet", flush=True)
            return
        print(
            f"{event.type} {event.event_id}: {event.transaction_reference} "
            f"{event.transaction_status} {event.transaction_amount} {event.transaction_currency}",
            flush=True,
        )
    else:
        print(f"{event.type} {event.event_id}", flush=True)


async def blaaiz_webhook(request: web.Request) -> web.Response:
    receiver = request.app[RECEIVER]
    try:
        handled = await receiver.handle(await request.read(), request.headers, on_event)
    except WebhookVerificationError as err:
        print(f"refused: {err.reason}", flush=True)
        return web.json_response({"error": err.reason}, status=400)
    if not handled:
        print("duplicate: already handled", flush=True)
    return web.json_response({"handled": handled})


def make_app(secret: str, guard: ReplayGuard) -> web.Application:
    app = web.Application()
    app[RECEIVER] = WebhookReceiver(secret, replay_guard=guard)
    app.router.add_post("/webhooks/blaaiz", blaaiz_webhook)
    return app


async def serve(host: str, port: int) -> None:
    secret = os.environ.get("BLAAIZ_WEBHOOK_SECRET")
    if not secret:
        raise SystemExit("set BLAAIZ_WEBHOOK_SECRET (blaaiz-async sandbox prints one)")
    redis_url = os.environ.get("REDIS_URL")
    guard = RedisReplayGuard.from_url(redis_url) if redis_url else MemoryReplayGuard()
    runner = web.AppRunner(make_app(secret, guard), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound: int = runner.addresses[0][1]  # the port, when --port 0 let the kernel choose
    print(f"listening on http://{host}:{bound}/webhooks/blaaiz", flush=True)
    try:
        await asyncio.Event().wait()  # until Ctrl-C
    finally:
        await runner.cleanup()
        if isinstance(guard, RedisReplayGuard):
            await guard.aclose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Receive Blaaiz webhooks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0: any free port")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.host, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
