"""examples/payout_with_lookup.py, run as a program against the sandbox: the fee, one
payout, its lookup; a lost answer that is looked up and never resent; a credential that
lacks the lookup's scope, refused before any payout."""

from __future__ import annotations

from typing import Any

from blaaiz_async import Scope, ScopeBundle
from blaaiz_async.sandbox import Sandbox
from tests.example_support import run_example, sandbox_env

PAYOUT_FLOW = [ScopeBundle.PAYOUTS, Scope.TRANSACTION_READ]


def payouts_with(sandbox: Sandbox, reference: str) -> list[dict[str, Any]]:
    return [
        t for t in sandbox.state.transactions.values() if t.get("merchant_reference") == reference
    ]


async def test_a_payout_and_its_lookup(sandbox: Sandbox) -> None:
    env = sandbox_env(sandbox, PAYOUT_FLOW)
    code, out, err = await run_example(
        "payout_with_lookup.py", "--amount", "1500.00", "--reference", "order-1", env=env
    )
    assert code == 0, err
    fee, payout, found = out.splitlines()
    assert fee.startswith("fee: ") and " NGN; the recipient gets " in fee
    assert payout.endswith(": SUCCESSFUL, reference order-1")
    assert found.endswith(" SUCCESSFUL 1500.00 NGN")
    assert payout.split()[1].rstrip(":") == found.split()[4]  # the same transaction id
    assert sandbox.count("payouts.create") == 1
    assert sandbox.count("transactions.get", 200) == 1


async def test_the_same_reference_again_finds_the_payout_instead_of_paying_twice(
    sandbox: Sandbox,
) -> None:
    env = sandbox_env(sandbox, PAYOUT_FLOW)
    first = await run_example("payout_with_lookup.py", "--reference", "order-2", env=env)
    again = await run_example("payout_with_lookup.py", "--reference", "order-2", env=env)
    assert first[0] == again[0] == 0, first[2] + again[2]
    assert first[1].splitlines()[1] == again[1].splitlines()[1]
    assert sandbox.count("payouts.create") == 2  # the second was sent, and refused:
    assert len(payouts_with(sandbox, "order-2")) == 1  # a duplicate reference


async def test_a_lost_answer_is_looked_up_and_not_resent(sandbox: Sandbox) -> None:
    env = sandbox_env(sandbox, PAYOUT_FLOW)
    sandbox.drop_after_processing("payouts.create")  # executed, then the connection drops
    code, out, err = await run_example("payout_with_lookup.py", "--reference", "o-3", env=env)
    assert code == 0, err
    assert "SUCCESSFUL, reference o-3" in out
    assert sandbox.count("payouts.create") == 1
    assert len(payouts_with(sandbox, "o-3")) == 1
    assert sandbox.count("transactions.get", 200) == 2  # ensure's lookup, then the example's


async def test_without_transaction_read_nothing_is_sent(sandbox: Sandbox) -> None:
    env = sandbox_env(sandbox, ScopeBundle.PAYOUTS)
    code, _, err = await run_example("payout_with_lookup.py", env=env)
    assert code == 1
    assert "the credential cannot do this" in err and "transaction:read" in err
    assert sandbox.count("payouts.create") == 0


async def test_without_a_customer_it_says_what_to_give(sandbox: Sandbox) -> None:
    env = sandbox_env(sandbox, PAYOUT_FLOW)
    del env["BLAAIZ_SANDBOX_CUSTOMER_ID"]
    code, _, err = await run_example("payout_with_lookup.py", env=env)
    assert code == 2 and "--customer-id" in err
    assert sandbox.count("payouts.create") == 0
