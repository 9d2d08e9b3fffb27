"""examples/payout_worker.py against the sandbox and a real redis-server: two worker
processes drain a queue of payouts, paying each exactly once with one token for both; the
jobs of a worker that died are put back and not paid twice."""

from __future__ import annotations

import asyncio
import json

import redis

from blaaiz_async import BlaaizClient, Scope, ScopeBundle
from blaaiz_async.sandbox import Sandbox
from tests.example_support import run_example, sandbox_env
from tests.redis_support import RedisServer

PAYOUT_FLOW = [ScopeBundle.PAYOUTS, Scope.TRANSACTION_READ]


def sync_redis(server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(server.url, decode_responses=True)


def results(server: RedisServer) -> dict[str, dict[str, str]]:
    with sync_redis(server) as r:
        raw: dict[str, str] = r.hgetall("payouts:results")  # type: ignore[assignment]
    return {reference: json.loads(outcome) for reference, outcome in raw.items()}


def payouts_with(sandbox: Sandbox, prefix: str) -> list[str]:
    return sorted(
        t["merchant_reference"]
        for t in sandbox.state.transactions.values()
        if str(t.get("merchant_reference", "")).startswith(prefix)
    )


async def test_two_workers_pay_every_job_once_on_one_token(
    sandbox: Sandbox, redis_server: RedisServer
) -> None:
    env = {**sandbox_env(sandbox, PAYOUT_FLOW), "REDIS_URL": redis_server.url}
    code, out, err = await run_example(
        "payout_worker.py", "enqueue", "--count", "24", "--prefix", "job", env=env
    )
    assert (code, out) == (0, "queued 24 payouts\n"), err
    workers = await asyncio.gather(
        *(run_example("payout_worker.py", "work", "--burst", "--concurrency", "4", env=env)
          for _ in range(2))
    )  # fmt: skip
    assert [w[0] for w in workers] == [0, 0], [w[2] for w in workers]
    done = [int(w[1].splitlines()[-1].removeprefix("done: ").split()[0]) for w in workers]
    assert sum(done) == 24
    expected = sorted(f"job-{n}" for n in range(24))
    assert payouts_with(sandbox, "job-") == expected
    assert sorted(results(redis_server)) == expected
    assert {r["status"] for r in results(redis_server).values()} == {"SUCCESSFUL"}
    # enqueue's client took the token; both workers read it from Redis
    assert sandbox.token_requests == 1
    with sync_redis(redis_server) as r:
        assert r.llen("payouts:queue") == 0
        assert not list(r.scan_iter(match="payouts:processing:*"))


async def test_the_jobs_of_a_dead_worker_are_put_back_and_not_paid_twice(
    sandbox: Sandbox, redis_server: RedisServer
) -> None:
    env = {**sandbox_env(sandbox, PAYOUT_FLOW), "REDIS_URL": redis_server.url}
    assert (await run_example("payout_worker.py", "enqueue", "--count", "2", "--prefix",
                              "dead", env=env))[0] == 0  # fmt: skip
    # A worker took dead-0 and paid it, then died before recording it (no heartbeat left).
    with sync_redis(redis_server) as r:
        body = json.loads(r.lmove("payouts:queue", "payouts:processing:gone", "RIGHT", "LEFT"))
    assert body["merchant_reference"] == "dead-0"
    async with BlaaizClient(
        client_id=env["BLAAIZ_CLIENT_ID"], client_secret=env["BLAAIZ_CLIENT_SECRET"],
        base_url=sandbox.url,
    ) as client:  # fmt: skip
        await client.payouts.create(
            wallet_id=body["wallet_id"], customer_id=body["customer_id"],
            method="bank_transfer", from_currency_id="NGN", to_currency_id="NGN",
            from_amount=body["amount"], bank_id=body["bank_id"],
            account_number=body["account_number"], merchant_reference="dead-0",
        )  # fmt: skip
    code, out, err = await run_example("payout_worker.py", "work", "--burst", env=env)
    assert code == 0, err
    assert "put back 1 jobs of a worker that stopped" in out
    assert payouts_with(sandbox, "dead-") == ["dead-0", "dead-1"]  # dead-0 once, not twice
    outcomes = results(redis_server)
    assert sorted(outcomes) == ["dead-0", "dead-1"]
    # the reused reference was found (ensure looked it up), not reported as refused
    assert {o["status"] for o in outcomes.values()} == {"SUCCESSFUL"}
    with sync_redis(redis_server) as r:
        assert not r.exists("payouts:processing:gone")
