"""Swaps move balance between two wallets of the business and record a SWAP transaction;
refunds reference an existing transaction (``state.refunds``).

Swap arithmetic: the side ``amount_type`` fixes is quantized to cents first (half up),
the other side is computed from it at ONE rate (``rate()`` to ``RATE_DIGITS`` significant
digits), and that exact rate is what the swap reports, so with the reported figures
``to_amount == round(from_amount * rate, 2)`` (``from``) or
``from_amount == round(to_amount / rate, 2)`` (``to``), rounding half up.

Refund rules: only a SUCCESSFUL COLLECTION or PAYOUT can be refunded (400 otherwise);
while a refund of the transaction is still open (not SUCCESSFUL or FAILED) another is
refused with **409**; and the refunds of a transaction, FAILED ones aside, never add up to
more than its amount (400 once nothing is left to refund).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..state import Record, SandboxState, new_id, now_iso
from . import Call, Reply, body_of, error, handles, invalid, missing, ok, parse_amount
from .collections import CENT, new_transaction
from .core import rate

RATE_DIGITS = 10  # significant digits of the rate a swap applies and reports

REFUNDABLE_TYPES = frozenset({"COLLECTION", "PAYOUT"})
# Refund statuses that end a refund without moving money; SUCCESSFUL ends it with money
# moved; any other status (PENDING, PROCESSING, ...) is a refund still open.
REFUND_UNPAID = frozenset({"FAILED", "CANCELLED", "REJECTED"})


def applied_rate(from_code: str, to_code: str) -> Decimal:
    """The from -> to rate a swap applies: ``rate()`` to ``RATE_DIGITS`` significant
    digits, so even NGN -> GBP (about 0.00051) keeps its precision."""
    fx = rate(from_code, to_code)
    return fx.quantize(Decimal(1).scaleb(fx.adjusted() - RATE_DIGITS + 1), ROUND_HALF_UP)


@handles("swaps.create")
def swaps_create(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "from_business_wallet_id", "to_business_wallet_id", "amount")
    if errs:
        return invalid(errs)
    amount = parse_amount(body["amount"])
    if amount is None:
        return invalid({"amount": "The amount must be a positive number."})
    amount_type = body.get("amount_type") or "from"
    if amount_type not in ("from", "to"):
        return invalid({"amount_type": "The selected amount type is invalid."})
    source = state.wallets.get_or_404(body["from_business_wallet_id"])
    target = state.wallets.get_or_404(body["to_business_wallet_id"])
    if source["id"] == target["id"]:
        return invalid({"to_business_wallet_id": "The wallets must be different."})
    fx = applied_rate(source["currency"], target["currency"])
    fixed = amount.quantize(CENT, ROUND_HALF_UP)  # the side amount_type names, in cents
    if amount_type == "from":
        debit = fixed
        credit = (debit * fx).quantize(CENT, ROUND_HALF_UP)
    else:
        credit = fixed
        debit = (credit / fx).quantize(CENT, ROUND_HALF_UP)
    if debit <= 0 or credit <= 0:
        return error(400, "Amount is too small to swap.")
    if source["amount"] < debit:
        return error(400, "Insufficient funds.")
    source["amount"] -= debit
    target["amount"] += credit
    tx = new_transaction(
        state,
        wallet=source,
        amount=debit,
        type_="SWAP",
        status="SUCCESSFUL",
        rate=fx,
        to_business_wallet_id=target["id"],
        to_currency=target["currency"],
        to_amount=credit,
    )
    swap = {
        "id": tx["id"],
        "transaction_id": tx["id"],
        "reference": tx["reference"],
        "status": "SUCCESSFUL",
        "from_business_wallet_id": source["id"],
        "to_business_wallet_id": target["id"],
        "from_currency": source["currency"],
        "to_currency": target["currency"],
        "from_amount": debit,
        "to_amount": credit,
        "rate": fx,
        "amount_type": amount_type,
        "created_at": tx["date"],
    }
    return ok({"business_swap_transaction": swap}, "Swap completed successfully")


@handles("refunds.create")
def refunds_create(state: SandboxState, call: Call) -> Reply:
    """Refund what is left of a successful collection or payout (see the module notes)."""
    body = body_of(call)
    errs = missing(body, "transaction_id")
    for field, limit in (("reason", 250), ("reference", 100)):
        value = body.get(field)
        if value is not None and len(str(value)) > limit:
            errs[field] = f"The {field} may not be greater than {limit} characters."
    if errs:
        return invalid(errs)
    tx = state.transactions.get_or_404(body["transaction_id"])
    if str(tx.get("type", "")).upper() not in REFUNDABLE_TYPES:
        return error(400, "Only collections and payouts can be refunded.")
    if str(tx.get("status", "")).upper() != "SUCCESSFUL":
        return error(400, "Only successful transactions can be refunded.")
    earlier = [
        r
        for r in state.refunds.where(transaction_id=tx["id"])
        if str(r.get("status", "")).upper() not in REFUND_UNPAID
    ]
    if any(str(r.get("status", "")).upper() != "SUCCESSFUL" for r in earlier):
        return error(409, "A refund of this transaction is already in progress.")
    left = Decimal(tx["amount"]) - sum((Decimal(r["amount"]) for r in earlier), Decimal(0))
    if left <= 0:
        return error(400, "This transaction has already been refunded in full.")
    now = now_iso()
    refund: Record = {
        "id": new_id(),
        "status": "PENDING",
        "transaction_id": tx["id"],
        "amount": left,
        "currency": tx["currency"],
        "reason": body.get("reason"),
        "reference": body.get("reference"),
        "created_at": now,
        "updated_at": now,
    }
    state.refunds[refund["id"]] = refund
    return ok(refund, "Refund initiated successfully")


@handles("refunds.get")
def refunds_get(state: SandboxState, call: Call) -> Reply:
    return ok(state.refunds.get_or_404(call.path["refund_id"]))
