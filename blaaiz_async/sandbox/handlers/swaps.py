"""Swaps move balance between two wallets of the business at ``rate()`` and record a SWAP
transaction; refunds reference an existing transaction (record set ``refunds``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..state import Record, SandboxState, new_id, now_iso
from . import Call, Reply, body_of, error, handles, invalid, missing, ok
from .collections import CENT, new_transaction, parse_amount
from .money import rate


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
    source = state.wallets.get(str(body["from_business_wallet_id"]))
    target = state.wallets.get(str(body["to_business_wallet_id"]))
    if source is None or target is None:
        return error(404, "Wallet not found")
    if source["id"] == target["id"]:
        return invalid({"to_business_wallet_id": "The wallets must be different."})
    fx = rate(source["currency"], target["currency"])
    if amount_type == "from":
        debit = amount.quantize(CENT, ROUND_HALF_UP)
        credit = (amount * fx).quantize(CENT, ROUND_HALF_UP)
    else:
        credit = amount.quantize(CENT, ROUND_HALF_UP)
        debit = (amount / fx).quantize(CENT, ROUND_HALF_UP)
    if debit <= 0 or credit <= 0:
        return error(400, "Amount is too small to swap.")
    if source["amount"] < debit:
        return error(400, "Insufficient funds.")
    source["amount"] -= debit
    target["amount"] += credit
    shown_rate = fx.quantize(Decimal("0.000001"))
    tx = new_transaction(
        state, wallet=source, amount=debit, type_="SWAP", status="SUCCESSFUL", rate=shown_rate,
        to_business_wallet_id=target["id"], to_currency=target["currency"], to_amount=credit,
    )  # fmt: skip
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
        "rate": shown_rate,
        "amount_type": amount_type,
        "created_at": tx["date"],
    }
    return ok({"business_swap_transaction": swap}, "Swap completed successfully")


@handles("refunds.create")
def refunds_create(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "transaction_id")
    for field, limit in (("reason", 250), ("reference", 100)):
        value = body.get(field)
        if value is not None and len(str(value)) > limit:
            errs[field] = f"The {field} may not be greater than {limit} characters."
    if errs:
        return invalid(errs)
    tx = state.find_transaction(str(body["transaction_id"]))
    if tx is None:
        return error(404, "Transaction not found")
    now = now_iso()
    refund: Record = {
        "id": new_id(),
        "status": "PENDING",
        "transaction_id": tx["id"],
        "amount": tx["amount"],
        "currency": tx["currency"],
        "reason": body.get("reason"),
        "reference": body.get("reference"),
        "created_at": now,
        "updated_at": now,
    }
    state.collection("refunds")[refund["id"]] = refund
    return ok(refund, "Refund initiated successfully")


@handles("refunds.get")
def refunds_get(state: SandboxState, call: Call) -> Reply:
    refund = state.collection("refunds").get(call.path["refund_id"])
    if refund is None:
        return error(404, "Refund not found")
    return ok(refund)
