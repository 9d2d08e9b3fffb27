"""A payout worker on Redis: jobs from a Redis list, one token and one rate budget for the
whole fleet, and every payout sent exactly once, even when a worker dies mid-job.

Queue some payouts, then start workers (as many processes and hosts as you like)::

    export BLAAIZ_BASE_URL=... BLAAIZ_CLIENT_ID=... BLAAIZ_CLIENT_SECRET=...
    export REDIS_URL=redis://127.0.0.1:6379/0
    python examples/payout_worker.py enqueue --count 20 --customer-id CUSTOMER_ID
    python examples/payout_worker.py work --concurrency 8            # until Ctrl-C
    python examples/payout_worker.py work --burst                    # until the queue is empty

How it holds together:

- A job is JSON with its own ``merchant_reference``, chosen when it is queued. A worker
  moves it atomically from the queue to a processing list of its own (``BLMOVE``), pays it
  with ``payouts.ensure`` and records the outcome; only then is the job removed.
- Each worker renews a heartbeat key while it runs. A worker that dies leaves its jobs in
  its processing list and its heartbeat expires; the next worker to start puts those jobs
  back in the queue. Running such a job again is safe: ``ensure`` finds the payout by its
  reference, or the API refuses the reused reference, so nothing is paid twice.
- Every worker's client uses one ``RedisTokenStore`` on the same Redis: one token request
  for the fleet, and the API's 100 requests a minute shared between all workers.

The same shape fits arq, Celery or RQ: the job is ``pay(client, job)``, keyed by its
reference, and the client is made once per worker process.
The credential needs the ``payouts`` bundle plus ``transaction:read``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import TypedDict

import redis.asyncio as redis

from blaaiz_async import BlaaizClient, Scope, ScopeBundle
from blaaiz_async.auth import RedisTokenStore
from blaaiz_async.errors import APIStatusError, BlaaizError

QUEUE = "payouts:queue"
PROCESSING = "payouts:processing:"  # + worker id: the jobs that worker holds
ALIVE = "payouts:alive:"  # + worker id: its heartbeat
HEARTBEAT = 5.0  # seconds between renewals; the key lives three times as long
RESULTS = "payouts:results"  # hash: merchant_reference -> {"status": ..., "id" or "error"}
SCOPES: list[Scope | ScopeBundle] = [ScopeBundle.PAYOUTS, Scope.TRANSACTION_READ]


class Job(TypedDict):
    merchant_reference: str
    wallet_id: str
    customer_id: str
    amount: str
    currency: str
    bank_id: str
    account_number: str


async def pay(client: BlaaizClient, job: Job) -> dict[str, str]:
    """One job: the payout, at most once, and what became of it."""
    try:
        tx = await client.payouts.ensure(
            wallet_id=job["wallet_id"],
            customer_id=job["customer_id"],
            method="bank_transfer",
            from_currency_id=job["currency"],
            to_currency_id=job["currency"],
            from_amount=Decimal(job["amount"]),
            bank_id=job["bank_id"],
            account_number=job["account_number"],
            merchant_reference=job["merchant_reference"],
        )
    except APIStatusError as err:  # refused (insufficient funds, a bad account...): final
        return {"status": "REFUSED", "error": f"{err.status} {err.message}"}
    return {"status": tx.status or "UNKNOWN", "id": tx.id}


async def recover(r: redis.Redis) -> int:
    """Put back the jobs of workers whose heartbeat has expired; returns how many."""
    moved = 0
    async for key in r.scan_iter(match=PROCESSING + "*"):
        if await r.exists(ALIVE + key.removeprefix(PROCESSING)):
            continue  # that worker is alive: its jobs are its own
        while await r.lmove(key, QUEUE, "RIGHT", "LEFT") is not None:
            moved += 1
    return moved


@contextlib.asynccontextmanager
async def heartbeat(r: redis.Redis, worker_id: str) -> AsyncIterator[None]:
    async def beat() -> None:
        while True:
            await r.set(ALIVE + worker_id, "1", ex=int(HEARTBEAT * 3))
            await asyncio.sleep(HEARTBEAT)

    await r.set(ALIVE + worker_id, "1", ex=int(HEARTBEAT * 3))
    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await r.delete(ALIVE + worker_id)


async def work(r: redis.Redis, client: BlaaizClient, *, concurrency: int, burst: bool) -> int:
    """Consume the queue with ``concurrency`` coroutines; returns the number of jobs done."""
    worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    processing = PROCESSING + worker_id
    done = 0

    async def consume() -> None:
        nonlocal done
        while True:
            if burst:
                raw = await r.lmove(QUEUE, processing, "RIGHT", "LEFT")
                if raw is None:
                    return
            else:
                raw = await r.blmove(QUEUE, processing, int(HEARTBEAT), "RIGHT", "LEFT")
                if raw is None:
                    continue
            job: Job = json.loads(raw)
            try:
                outcome = await pay(client, job)
            except BlaaizError as err:
                # Unknown even after ensure's lookups, or the API unreachable: the job stays
                # in the processing list for a later start (same reference, so still safe).
                print(f"{job['merchant_reference']}: left for later: {err}", file=sys.stderr)
                continue
            await r.hset(RESULTS, job["merchant_reference"], json.dumps(outcome))
            await r.lrem(processing, 1, raw if isinstance(raw, str) else raw.decode())
            done += 1
            print(f"{job['merchant_reference']}: {outcome['status']}", flush=True)

    async with heartbeat(r, worker_id):
        await asyncio.gather(*(consume() for _ in range(concurrency)))
    return done


async def enqueue(r: redis.Redis, client: BlaaizClient, args: argparse.Namespace) -> None:
    wallet = next(w for w in await client.wallets.list() if w.currency == args.currency)
    for n in range(args.count):
        job: Job = {
            "merchant_reference": f"{args.prefix}-{n}",
            "wallet_id": wallet.id,
            "customer_id": args.customer_id,
            "amount": str(args.amount),
            "currency": args.currency,
            "bank_id": args.bank_id,
            "account_number": args.account_number,
        }
        await r.lpush(QUEUE, json.dumps(job))
    print(f"queued {args.count} payouts", flush=True)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="A payout worker on a Redis list.")
    commands = parser.add_subparsers(dest="command", required=True)
    queue = commands.add_parser("enqueue", help="queue payouts")
    queue.add_argument("--count", type=int, default=10)
    queue.add_argument("--customer-id", default=os.environ.get("BLAAIZ_SANDBOX_CUSTOMER_ID"))
    queue.add_argument("--amount", type=Decimal, default=Decimal("100.00"))
    queue.add_argument("--currency", default="NGN")
    queue.add_argument("--bank-id", default="058")
    queue.add_argument("--account-number", default="0123456789")
    queue.add_argument("--prefix", default=f"batch-{uuid.uuid4().hex[:8]}")
    worker = commands.add_parser("work", help="pay what is queued")
    worker.add_argument("--concurrency", type=int, default=8)
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    return parser.parse_args(argv)


async def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    r: redis.Redis = redis.Redis.from_url(url, decode_responses=True)
    store = RedisTokenStore.from_url(url)  # the fleet's token and rate budget
    try:
        async with BlaaizClient(scopes=SCOPES, token_store=store) as client:
            if args.command == "enqueue":
                if not args.customer_id:
                    print("give --customer-id", file=sys.stderr)
                    return 2
                await enqueue(r, client, args)
                return 0
            recovered = await recover(r)
            if recovered:
                print(f"put back {recovered} jobs of a worker that stopped", flush=True)
            done = await work(r, client, concurrency=args.concurrency, burst=args.burst)
            print(f"done: {done} jobs", flush=True)
            return 0
    finally:
        await store.aclose()
        await r.aclose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
