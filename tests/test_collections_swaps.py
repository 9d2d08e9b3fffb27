"""Collections, swaps and refunds through the SDK against the sandbox, on real sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from blaaiz_async import BlaaizClient, ScopeBundle
from blaaiz_async.errors import (
    APIConnectionError,
    BadRequestError,
    ConflictError,
    InsufficientScopeError,
    NotFoundError,
    ValidationError,
)
from blaaiz_async.models import Ack, Collection, TransactionType
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.sandbox.handlers.collections import seed_interac_transfer

CARD: dict[str, Any] = {
    "card_holder_name": "Ada Obi",
    "card_number": "4242 4242 4242 4242",
    "expiry": "12/29",
    "cvc": "123",
}


@asynccontextmanager
async def scoped(sandbox: Sandbox, scopes: Any) -> AsyncIterator[BlaaizClient]:
    client_id, client_secret = sandbox.add_client()
    async with BlaaizClient(
        client_id=client_id, client_secret=client_secret, base_url=sandbox.url, scopes=scopes
    ) as c:
        yield c


# -- fiat collections ----------------------------------------------------------------------


async def test_card_collection_creates_a_pending_collection_transaction(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    result = await client.collections.create(
        method="card", amount="2500.50", wallet_id=sandbox.wallet_id("NGN"),
        customer_id=sandbox.customer_id, merchant_reference="order-1", **CARD,
    )  # fmt: skip
    assert isinstance(result, Collection)
    assert result.transaction_id is not None
    assert result.payment_url is not None and result.payment_url.startswith(sandbox.url)
    assert result.status == "PENDING"
    tx = sandbox.state.transactions[result.transaction_id]
    assert (tx["type"], tx["status"], tx["amount"]) == ("COLLECTION", "PENDING", Decimal("2500.50"))
    assert tx["business_customer_id"] == sandbox.customer_id
    # The same transaction through the SDK: by id and by merchant_reference.
    same = await client.transactions.get("order-1")
    assert same.id == result.transaction_id and same.type == TransactionType.COLLECTION


async def test_open_banking_collection_and_the_rail_check(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    result = await client.collections.create(
        method="open_banking", amount=40, wallet_id=sandbox.wallet_id("EUR"),
        redirect_url="https://shop.example/done",
    )  # fmt: skip
    assert result.payment_url and result.transaction_id in sandbox.state.transactions
    with pytest.raises(BadRequestError) as info:  # open banking collects EUR/GBP only
        await client.collections.create(
            method="open_banking", amount=40, wallet_id=sandbox.wallet_id("NGN")
        )
    assert info.value.status == 400


async def test_a_collection_is_never_sent_twice(sandbox: Sandbox, client: BlaaizClient) -> None:
    sandbox.drop_after_processing("collections.create")  # created, then the answer is lost
    with pytest.raises(APIConnectionError):
        await client.collections.create(
            method="open_banking", amount=10, wallet_id=sandbox.wallet_id("GBP"),
            merchant_reference="once",
        )  # fmt: skip
    assert sandbox.count("collections.create") == 1
    assert (await client.transactions.get("once")).status == "PENDING"  # look it up instead


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cvc": None}, "cvc"),
        ({"customer_id": None}, "customer_id"),
        ({"card_number": "4242 4242 4242 424"}, "card_number"),
        ({"card_number": "4242-4242-4242-4242"}, "card_number"),
        ({"expiry": "13/29"}, "expiry"),
        ({"expiry": "1229"}, "expiry"),
        ({"cvc": "12a"}, "cvc"),
        ({"method": "cheque"}, "method"),
        ({"amount": 0}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"method": "open_banking"}, "card_holder_name"),  # card data with another method
        ({"merchant_reference": "x" * 256}, "merchant_reference"),
    ],
)
async def test_collection_rules_are_checked_before_sending(
    sandbox: Sandbox, client: BlaaizClient, changes: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {
        "method": "card", "amount": 10, "wallet_id": sandbox.wallet_id("NGN"),
        "customer_id": sandbox.customer_id, **CARD,
    }  # fmt: skip
    args.update(changes)
    with pytest.raises(ValidationError) as info:
        await client.collections.create(**args)
    assert info.value.field == field
    assert sandbox.count("collections.create") == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"card_number": "4242 4242 4242 424"},
        {"cvc": "12a"},
        {"expiry": "13/29"},
        {"method": "open_banking"},
        {"card_numbr": "4242424242424242"},
        {"amount": 0.5},
    ],
)
async def test_card_data_never_shows_in_an_error(
    sandbox: Sandbox, client: BlaaizClient, changes: dict[str, Any]
) -> None:
    """A collection body is a plain dict, so what keeps card data out of logs is that no
    refusal repeats it: each message names the field and the rule, never the value."""
    args: dict[str, Any] = {
        "method": "card", "amount": 10, "wallet_id": sandbox.wallet_id("NGN"),
        "customer_id": sandbox.customer_id, **CARD, **changes,
    }  # fmt: skip
    with pytest.raises(ValidationError) as info:
        await client.collections.create(**args)
    text = f"{info.value} {info.value!r}"
    secrets = [str(v) for k, v in args.items() if k in ("card_number", "card_numbr", "cvc")]
    secrets += [args["card_number"].replace(" ", ""), args["expiry"]]
    assert not [s for s in secrets if s in text], text


def test_collection_shapes_from_both_sources_parse() -> None:
    from blaaiz_async.models import converter

    sdk17 = converter.structure(
        {"message": "ok", "transaction_id": "t1", "url": "https://pay/1"}, Collection
    )
    spec = converter.structure(
        {"status": True, "message": "ok",
         "data": {"id": "c1", "transaction_id": "t2", "payment_url": "https://pay/2"}},
        Collection,
    )  # fmt: skip
    assert (sdk17.transaction_id, sdk17.payment_url) == ("t1", "https://pay/1")
    assert (spec.transaction_id, spec.payment_url) == ("t2", "https://pay/2")


# -- crypto --------------------------------------------------------------------------------


async def test_crypto_networks_are_unwrapped_twice(client: BlaaizClient) -> None:
    networks = await client.collections.crypto_networks()
    ids = {n.identifier for n in networks}
    assert {"ETHEREUM_MAINNET", "TRON_MAINNET"} <= ids
    assert all(t.symbol in ("USDT", "USDC") for n in networks for t in n.tokens)
    payout = await client.collections.crypto_networks(transaction_type="payout")
    assert "BSC_MAINNET" in {n.identifier for n in payout}
    collection = await client.collections.crypto_networks(transaction_type="collection")
    assert "BSC_MAINNET" not in {n.identifier for n in collection}
    with pytest.raises(ValidationError):
        await client.collections.crypto_networks(transaction_type="swap")


async def test_crypto_collection_opens_a_deposit_address(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    result = await client.collections.create_crypto(
        amount="25.5", wallet_id=sandbox.wallet_id("USD"), network="ETHEREUM_MAINNET",
        token="USDT",
    )  # fmt: skip
    assert result.status == "PENDING" and result.address and result.address.startswith("0x")
    assert result.token_amount == Decimal("25.5") and result.expires_at
    assert result.transaction_id is not None
    assert sandbox.state.transactions[result.transaction_id]["type"] == "COLLECTION"
    with pytest.raises(BadRequestError):  # not a collection network in the sandbox
        await client.collections.create_crypto(
            amount=1, wallet_id=sandbox.wallet_id("USD"), network="BSC_MAINNET", token="USDT"
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "0.09"}, "amount"),
        ({"token": "DAI"}, "token"),
        ({"network": ""}, "network"),
        ({"amount": True}, "amount"),
    ],
)
async def test_crypto_rules_are_checked_before_sending(
    sandbox: Sandbox, client: BlaaizClient, changes: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {
        "amount": "0.1", "wallet_id": sandbox.wallet_id("USD"), "network": "TRON_MAINNET",
        "token": "USDT",
    }  # fmt: skip
    args.update(changes)
    with pytest.raises(ValidationError) as info:
        await client.collections.create_crypto(**args)
    assert info.value.field == field
    assert sandbox.count("collections.create_crypto") == 0


# -- attach customer -----------------------------------------------------------------------


async def test_attach_customer_to_collections_only(sandbox: Sandbox, client: BlaaizClient) -> None:
    started = await client.collections.create(
        method="open_banking", amount=10, wallet_id=sandbox.wallet_id("GBP")
    )
    assert started.transaction_id is not None
    ack = await client.collections.attach_customer(
        customer_id=sandbox.customer_id, transaction_id=started.transaction_id
    )
    assert isinstance(ack, Ack) and ack.message
    assert sandbox.state.transactions[started.transaction_id]["business_customer_id"] == (
        sandbox.customer_id
    )
    swap = await client.swaps.create(
        from_business_wallet_id=sandbox.wallet_id("USD"),
        to_business_wallet_id=sandbox.wallet_id("GBP"), amount=5,
    )  # fmt: skip
    assert swap.business_swap_transaction is not None
    with pytest.raises(BadRequestError) as info:
        await client.collections.attach_customer(
            customer_id=sandbox.customer_id,
            transaction_id=str(swap.business_swap_transaction.transaction_id),
        )
    assert info.value.status == 400
    with pytest.raises(NotFoundError):
        await client.collections.attach_customer(
            customer_id=sandbox.customer_id, transaction_id="no-such-transaction"
        )
    with pytest.raises(ValidationError):
        await client.collections.attach_customer(customer_id="", transaction_id="t")


# -- Interac -------------------------------------------------------------------------------


async def test_interac_money_request(sandbox: Sandbox, client: BlaaizClient) -> None:
    request = await client.collections.create_interac_money_request(
        amount="150.00", email="payer@example.com", customer_name="Pat", expiry_hours=48,
        note="Invoice 7",
    )  # fmt: skip
    assert request.reference and request.status == "PENDING"
    assert request.transaction_id in sandbox.state.transactions
    assert sandbox.state.transactions[str(request.transaction_id)]["currency"] == "CAD"
    for bad in ({"expiry_hours": 0}, {"expiry_hours": 121}, {"email": "not-an-email"}):
        args: dict[str, Any] = {"amount": 1, "email": "payer@example.com", **bad}
        with pytest.raises(ValidationError):
            await client.collections.create_interac_money_request(**args)
    assert sandbox.count("collections.create_interac_money_request") == 1


async def test_accept_interac_transfer(sandbox: Sandbox, client: BlaaizClient) -> None:
    ref = seed_interac_transfer(sandbox.state, amount="80.00", security_answer="Blue")
    with pytest.raises(BadRequestError) as info:  # a standard transfer needs the answer
        await client.collections.accept_interac_money_request(reference_number=ref)
    assert info.value.status == 422
    with pytest.raises(BadRequestError) as info:
        await client.collections.accept_interac_money_request(
            reference_number=ref, security_answer="red"
        )
    assert info.value.status == 400
    ack = await client.collections.accept_interac_money_request(
        reference_number=ref, security_answer="blue", email="payments@business.example"
    )
    assert ack.message and "queued" in ack.message
    transfer = sandbox.state.interac_transfers[ref]
    assert transfer["status"] == "QUEUED"
    assert sandbox.state.transactions[transfer["transaction_id"]]["status"] == "PENDING"
    with pytest.raises(BadRequestError):  # once only
        await client.collections.accept_interac_money_request(
            reference_number=ref, security_answer="blue"
        )
    auto = seed_interac_transfer(sandbox.state, security_answer=None)  # Auto-Deposit
    await client.collections.accept_interac_money_request(reference_number=auto)
    with pytest.raises(NotFoundError):
        await client.collections.accept_interac_money_request(reference_number="C000")


# -- swaps ---------------------------------------------------------------------------------


async def test_swap_moves_balance_at_the_rate(sandbox: Sandbox, client: BlaaizClient) -> None:
    ngn, usd = sandbox.state.wallet_for("NGN"), sandbox.state.wallet_for("USD")
    assert ngn is not None and usd is not None
    before = (ngn["amount"], usd["amount"])
    swap = await client.swaps.create(
        from_business_wallet_id=ngn["id"], to_business_wallet_id=usd["id"], amount=155000
    )
    moved = swap.business_swap_transaction
    assert moved is not None and moved.status == "SUCCESSFUL"
    assert (moved.from_amount, moved.to_amount) == (Decimal("155000.00"), Decimal("100.00"))
    assert ngn["amount"] == before[0] - Decimal("155000.00")
    assert usd["amount"] == before[1] + Decimal("100.00")
    tx = await client.transactions.get(str(moved.transaction_id))
    assert tx.type == TransactionType.SWAP
    # amount_type="to" fixes what arrives.
    swap = await client.swaps.create(
        from_business_wallet_id=ngn["id"], to_business_wallet_id=usd["id"], amount=10,
        amount_type="to",
    )  # fmt: skip
    assert swap.business_swap_transaction is not None
    assert swap.business_swap_transaction.to_amount == Decimal("10.00")
    assert swap.business_swap_transaction.from_amount == Decimal("15500.00")


async def test_swap_refuses_more_than_the_balance(sandbox: Sandbox, client: BlaaizClient) -> None:
    gbp = sandbox.state.wallet_for("GBP")
    assert gbp is not None
    with pytest.raises(BadRequestError) as info:
        await client.swaps.create(
            from_business_wallet_id=gbp["id"], to_business_wallet_id=sandbox.wallet_id("EUR"),
            amount=gbp["amount"] + 1,
        )  # fmt: skip
    assert info.value.status == 400 and "Insufficient" in info.value.message
    assert not any(t["type"] == "SWAP" for t in sandbox.state.transactions.values())


CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """Round to cents the way the API does: half up."""
    return value.quantize(CENT, ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("source", "target", "amount", "amount_type"),
    [
        ("USD", "NGN", "100.005", "from"),  # half a cent: the debit is 100.01
        ("NGN", "GBP", "10000000", "from"),  # a rate around 0.00051
        ("NGN", "USD", "1234567.895", "from"),
        ("GBP", "EUR", "0.01", "from"),
        ("USD", "KES", "333.333", "to"),
        ("NGN", "GBP", "4321.999", "to"),
        ("GBP", "USD", "0.015", "to"),
        ("EUR", "CAD", "87654.325", "to"),
    ],
)
async def test_a_swap_applies_the_rate_it_reports(
    sandbox: Sandbox, client: BlaaizClient, source: str, target: str, amount: str,
    amount_type: str,
) -> None:  # fmt: skip
    src_wallet, dst_wallet = sandbox.state.wallet_for(source), sandbox.state.wallet_for(target)
    assert src_wallet is not None and dst_wallet is not None
    before = (src_wallet["amount"], dst_wallet["amount"])
    swap = await client.swaps.create(
        from_business_wallet_id=src_wallet["id"], to_business_wallet_id=dst_wallet["id"],
        amount=amount, amount_type=amount_type,
    )  # fmt: skip
    moved = swap.business_swap_transaction
    assert moved is not None and moved.rate is not None
    debit, credit, rate = moved.from_amount, moved.to_amount, moved.rate
    assert debit is not None and credit is not None
    # The side amount_type names is the request amount in cents; the other side follows
    # from it at the reported rate, exactly.
    if amount_type == "from":
        assert debit == cents(Decimal(amount))
        assert credit == cents(debit * rate)
    else:
        assert credit == cents(Decimal(amount))
        assert debit == cents(credit / rate)
    # Value is conserved at that rate, to the rounding of the computed side.
    if amount_type == "from":
        assert abs(debit * rate - credit) <= Decimal("0.005")
    else:
        assert abs(credit / rate - debit) <= Decimal("0.005")
    # The wallets moved by exactly the reported amounts, and the transaction agrees.
    assert (src_wallet["amount"], dst_wallet["amount"]) == (before[0] - debit, before[1] + credit)
    tx = await client.transactions.get(str(moved.transaction_id))
    assert (tx.amount, tx.rate) == (debit, rate)


async def test_swap_rate_keeps_its_precision_on_small_rates(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    swap = await client.swaps.create(
        from_business_wallet_id=sandbox.wallet_id("NGN"),
        to_business_wallet_id=sandbox.wallet_id("GBP"), amount=10_000_000,
    )  # fmt: skip
    moved = swap.business_swap_transaction
    assert moved is not None and moved.rate is not None
    # 0.79 GBP per 1550 NGN: the rate is reported to 10 significant digits, not 6 places.
    assert moved.rate == Decimal("0.0005096774194")
    assert (moved.from_amount, moved.to_amount) == (Decimal("10000000.00"), Decimal("5096.77"))


async def test_a_swap_of_less_than_a_cent_is_refused(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    for amount, amount_type in (("0.004", "to"), ("0.004", "from"), ("0.01", "from")):
        with pytest.raises(BadRequestError, match="too small") as info:
            await client.swaps.create(  # 0.01 NGN is 0.0000051 GBP: nothing would arrive
                from_business_wallet_id=sandbox.wallet_id("NGN"),
                to_business_wallet_id=sandbox.wallet_id("GBP"), amount=amount,
                amount_type=amount_type,
            )  # fmt: skip
        assert info.value.status == 400
    assert not any(t["type"] == "SWAP" for t in sandbox.state.transactions.values())


async def test_swap_rules_are_checked_before_sending(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    usd, eur = sandbox.wallet_id("USD"), sandbox.wallet_id("EUR")
    cases: list[dict[str, Any]] = [
        {"to_business_wallet_id": eur, "amount": 1, "amount_type": "both"},
        {"to_business_wallet_id": usd, "amount": 1},  # the same wallet
        {"to_business_wallet_id": eur, "amount": -1},
    ]
    for args in cases:
        with pytest.raises(ValidationError):
            await client.swaps.create(from_business_wallet_id=usd, **args)
    assert sandbox.count("swaps.create") == 0


# -- refunds -------------------------------------------------------------------------------


async def test_refund_of_a_transaction(sandbox: Sandbox, client: BlaaizClient) -> None:
    started = await client.collections.create(
        method="open_banking", amount=30, wallet_id=sandbox.wallet_id("EUR")
    )
    assert started.transaction_id is not None
    sandbox.state.transactions[started.transaction_id]["status"] = "SUCCESSFUL"  # paid
    refund = await client.refunds.create(
        transaction_id=started.transaction_id, reason="Duplicate order", reference="rf-1"
    )
    assert refund.status == "PENDING" and refund.transaction_id == started.transaction_id
    assert refund.amount == Decimal("30")
    sandbox.state.refunds[refund.id]["status"] = "SUCCESSFUL"
    again = await client.refunds.get(refund.id)
    assert again.status == "SUCCESSFUL" and again.reference == "rf-1"
    with pytest.raises(NotFoundError):
        await client.refunds.create(transaction_id="no-such-transaction")
    with pytest.raises(NotFoundError):
        await client.refunds.get("no-such-refund")


async def paid_out(sandbox: Sandbox, client: BlaaizClient, amount: str = "1000.00") -> str:
    tx = await client.payouts.create(
        wallet_id=sandbox.wallet_id("NGN"), customer_id=sandbox.customer_id,
        method="bank_transfer", from_currency_id="NGN", to_currency_id="NGN",
        from_amount=amount, bank_id="058", account_number="0123456789",
    )  # fmt: skip
    assert tx.status == "SUCCESSFUL"
    return tx.id


async def test_only_successful_collections_and_payouts_are_refunded(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    swap = await client.swaps.create(
        from_business_wallet_id=sandbox.wallet_id("USD"),
        to_business_wallet_id=sandbox.wallet_id("GBP"), amount=10,
    )  # fmt: skip
    assert swap.business_swap_transaction is not None
    swap_id = str(swap.business_swap_transaction.transaction_id)
    started = await client.collections.create(
        method="open_banking", amount=50, wallet_id=sandbox.wallet_id("GBP")
    )
    assert started.transaction_id is not None
    failed = await paid_out(sandbox, client)
    sandbox.state.transactions[failed]["status"] = "FAILED"
    refusals = [
        (swap_id, "Only collections and payouts can be refunded."),
        (started.transaction_id, "Only successful transactions can be refunded."),  # PENDING
        (failed, "Only successful transactions can be refunded."),
    ]
    for transaction_id, message in refusals:
        with pytest.raises(BadRequestError) as info:
            await client.refunds.create(transaction_id=transaction_id)
        assert (info.value.status, info.value.message) == (400, message)
    assert sandbox.state.refunds == {}
    # Once the payer has paid, the same collection is refundable.
    sandbox.state.transactions[started.transaction_id]["status"] = "SUCCESSFUL"
    refund = await client.refunds.create(transaction_id=started.transaction_id)
    assert refund.status == "PENDING" and refund.amount == Decimal("50")


async def test_one_open_refund_per_transaction_and_never_more_than_its_amount(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    payout_id = await paid_out(sandbox, client, "1000.00")
    records = sandbox.state.refunds
    first = await client.refunds.create(transaction_id=payout_id, reference="rf-1")
    assert first.amount == Decimal("1000.00") and first.currency == "NGN"
    # A second refund while the first is open: 409, whichever way the transaction is named.
    reference = sandbox.state.transactions[payout_id]["reference"]
    for name in (payout_id, reference):
        with pytest.raises(ConflictError) as conflict:
            await client.refunds.create(transaction_id=name, reference="rf-2")
        assert conflict.value.status == 409 and "in progress" in conflict.value.message
    records[first.id]["status"] = "PROCESSING"  # still open
    with pytest.raises(ConflictError):
        await client.refunds.create(transaction_id=payout_id)
    # A failed refund moved no money: the transaction can be refunded again.
    records[first.id]["status"] = "FAILED"
    second = await client.refunds.create(transaction_id=payout_id, reference="rf-3")
    assert second.amount == Decimal("1000.00")
    # Once refunded in full, nothing is left to refund.
    records[second.id]["status"] = "SUCCESSFUL"
    with pytest.raises(BadRequestError) as info:
        await client.refunds.create(transaction_id=payout_id)
    assert info.value.status == 400 and "refunded in full" in info.value.message
    # Part already refunded: a new refund is for what is left, never the whole again.
    other = await paid_out(sandbox, client, "200.00")
    records["earlier"] = {
        "id": "earlier", "status": "SUCCESSFUL", "transaction_id": other,
        "amount": Decimal("75.25"), "currency": "NGN",
    }  # fmt: skip
    rest = await client.refunds.create(transaction_id=other)
    assert rest.amount == Decimal("124.75")
    for tx_id in (payout_id, other):
        paid = sandbox.state.transactions[tx_id]["amount"]
        kept = [r for r in records.values() if r["transaction_id"] == tx_id]
        assert sum(r["amount"] for r in kept if r["status"] != "FAILED") <= paid
    # Every refund, refused or not, stays readable.
    for refund in (first, second, rest):
        again = await client.refunds.get(refund.id)
        assert (again.id, again.transaction_id) == (refund.id, refund.transaction_id)
    assert (await client.refunds.get(first.id)).status == "FAILED"


async def test_refund_limits_are_checked_before_sending(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    with pytest.raises(ValidationError) as info:
        await client.refunds.create(transaction_id="t", reason="x" * 251)
    assert info.value.field == "reason"
    with pytest.raises(ValidationError) as info:
        await client.refunds.create(transaction_id="t", reference="x" * 101)
    assert info.value.field == "reference"
    assert sandbox.count("refunds.create") == 0


# -- scopes --------------------------------------------------------------------------------


async def test_collections_bundle_cannot_swap(sandbox: Sandbox) -> None:
    async with scoped(sandbox, "collections") as c:
        with pytest.raises(InsufficientScopeError) as info:
            await c.swaps.create(
                from_business_wallet_id=sandbox.wallet_id("USD"),
                to_business_wallet_id=sandbox.wallet_id("EUR"), amount=1,
            )  # fmt: skip
        assert "swap:create" in {str(s) for s in info.value.missing}
        with pytest.raises(InsufficientScopeError):  # crypto is outside the named members
            await c.collections.crypto_networks()
        # What the bundle does hold works, and a refund needs no named scope.
        started = await c.collections.create(
            method="open_banking", amount=5, wallet_id=sandbox.wallet_id("GBP")
        )
        assert started.transaction_id is not None
        sandbox.state.transactions[started.transaction_id]["status"] = "SUCCESSFUL"  # paid
        await c.refunds.create(transaction_id=started.transaction_id)
    assert sandbox.count("swaps.create") == 0
    assert sandbox.count("collections.crypto_networks") == 0


async def test_read_only_cannot_start_collections(sandbox: Sandbox) -> None:
    async with scoped(sandbox, ScopeBundle.READ_ONLY) as c:
        with pytest.raises(InsufficientScopeError):
            await c.collections.create(
                method="open_banking", amount=5, wallet_id=sandbox.wallet_id("GBP")
            )
        with pytest.raises(InsufficientScopeError):
            await c.collections.accept_interac_money_request(reference_number="C1")
    assert sandbox.count("collections.create") == 0
