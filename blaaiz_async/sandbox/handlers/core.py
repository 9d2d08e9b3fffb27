"""The core group (``routes/core.py``): wallets, currencies, payouts, fees, transactions.

Payouts debit wallets and record transactions; fees price them.
"""

from __future__ import annotations

import secrets
from decimal import ROUND_HALF_UP, Decimal

from ...errors import DUPLICATE_REFERENCE
from ...rules.core import MOBILE_MONEY_CURRENCIES, PAYOUT_RULES
from ..state import RATES_PER_USD, NotFound, Record, SandboxState, new_id, now_iso
from . import Call, Reply, body_of, error, handles, invalid, missing, ok, parse_amount
from .banks import momo_operator
from .webhooks import emit_transaction


@handles("wallets.list")
def wallets_list(state: SandboxState, call: Call) -> Reply:
    return ok(list(state.wallets.values()))


@handles("wallets.get")
def wallets_get(state: SandboxState, call: Call) -> Reply:
    wallet = state.wallets.get_or_404(call.path["wallet_id"])
    return 200, wallet  # the API returns this one unwrapped


@handles("currencies.list")
def currencies_list(state: SandboxState, call: Call) -> Reply:
    return ok(list(state.currencies.values()))


# -- payouts, fees, transactions -----------------------------------------------------------

CENT = Decimal("0.01")
PLATFORM_FEE_RATE = Decimal("0.005")  # 0.5 %
METHOD_FEE = {"bank_transfer": Decimal("1.00"), "interac": Decimal("1.50")}


def rate(from_code: str, to_code: str) -> Decimal:
    return RATES_PER_USD[to_code] / RATES_PER_USD[from_code]


def quote(
    state: SandboxState, body: Record, method: str | None
) -> tuple[Record | None, Reply | None]:
    """Price a transfer; returns the breakdown or an error reply.

    Amounts are in cents (half up) and always add up: ``you_send == total_amount_to_send
    + total_fees`` and ``total_fees == platform_fee + method_fee``. With ``from_amount``
    that is what is debited: the base is rounded first and the platform fee is what is
    left. With ``to_amount`` that is exactly what the recipient gets: the base is rounded
    up so it pays for it in full.
    """
    errs = missing(body, "from_currency_id", "to_currency_id")
    if errs:
        return None, invalid(errs)
    from_code = state.currency_code(str(body["from_currency_id"]))
    to_code = state.currency_code(str(body["to_currency_id"]))
    if from_code is None or to_code is None:
        return None, error(400, "Currency not supported.")
    from_amount, to_amount = (
        parse_amount(body.get("from_amount")),
        parse_amount(body.get("to_amount")),
    )
    if (from_amount is None) == (to_amount is None):
        return None, invalid({"from_amount": "Provide exactly one of from_amount or to_amount."})
    fx = rate(from_code, to_code)
    fixed = METHOD_FEE.get(method or "", Decimal("0.50"))
    if from_amount is not None:
        you_send = from_amount.quantize(CENT, ROUND_HALF_UP)
        base = ((you_send - fixed) / (1 + PLATFORM_FEE_RATE)).quantize(CENT, ROUND_HALF_UP)
        platform = you_send - fixed - base
        recipient_gets = (base * fx).quantize(CENT, ROUND_HALF_UP)
    else:
        assert to_amount is not None
        recipient_gets = to_amount.quantize(CENT, ROUND_HALF_UP)
        base = (recipient_gets / fx).quantize(CENT, ROUND_HALF_UP)
        if base * fx < recipient_gets:  # rounded up: the base pays for all it delivers
            base += CENT
        platform = (base * PLATFORM_FEE_RATE).quantize(CENT, ROUND_HALF_UP)
        you_send = base + platform + fixed
    if base <= 0 or recipient_gets <= 0:
        return None, error(400, "Amount is too small to cover fees.")
    breakdown: Record = {
        "you_send": you_send,
        "total_amount_to_send": base,
        "recipient_gets": recipient_gets,
        "total_fees": platform + fixed,
        "platform_fee": platform,
        "method_fee": fixed,
        "exchange_rate": fx.quantize(Decimal("0.000001")) if from_code != to_code else None,
        "from_currency": from_code,
        "to_currency": to_code,
        "method": method,
    }
    return breakdown, None


@handles("fees.breakdown")
def fees_breakdown(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    breakdown, err = quote(state, body, body.get("method"))
    if err is not None:
        return err
    return 200, {"status": True, "message": "Fee breakdown", "data": breakdown}


@handles("payouts.create")
def payouts_create(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "wallet_id", "customer_id", "method", "from_currency_id", "to_currency_id")
    if errs:
        return invalid(errs)
    method = str(body["method"])
    rules = PAYOUT_RULES.get(method)
    if rules is None:
        return invalid({"method": "The selected method is invalid."})
    wallet = state.wallets.get_or_404(body["wallet_id"])
    customer = state.customers.get_or_404(body["customer_id"])
    to_code = state.currency_code(str(body["to_currency_id"]))
    from_code = state.currency_code(str(body["from_currency_id"]))
    if to_code is None or from_code is None:
        return error(400, "Currency not supported.")
    if from_code != wallet["currency"]:
        return error(400, "from_currency_id does not match the wallet currency.")
    operator: Record | None = None
    if method == "mobile_money":
        if len(str(body["to_currency_id"])) == 3:
            return invalid({"to_currency_id": "Mobile money needs the currency ID, not a code."})
        if to_code not in MOBILE_MONEY_CURRENCIES:
            return error(400, f"Mobile money is not available for {to_code}.")
        operator = momo_operator(to_code, str(body.get("mobile_money_operator_id") or ""))
        if operator is None:
            raise NotFound("Mobile money operator")
    required = rules.get(None) or rules.get(to_code)
    if required is None:
        return error(400, f"Method {method} is not available for {to_code}.")
    errs = missing(body, *required)
    if errs:
        return invalid(errs)
    ref = body.get("merchant_reference")
    if ref is not None and any(
        t.get("merchant_reference") == ref for t in state.transactions.values()
    ):
        return invalid({"merchant_reference": DUPLICATE_REFERENCE})
    breakdown, err = quote(state, body, method)
    if err is not None:
        return err
    assert breakdown is not None
    debit: Decimal = breakdown["you_send"]
    if wallet["amount"] < debit:
        return error(400, "Insufficient funds.")
    wallet["amount"] -= debit
    tx = {
        "id": new_id(),
        "business_id": state.business_id,
        "business_customer_id": customer["id"],
        "business_wallet_id": wallet["id"],
        "status": "SUCCESSFUL",
        "type": "PAYOUT",
        "reference": "BLZ" + secrets.token_hex(6).upper(),
        "currency": from_code,
        "amount": debit,
        "amount_without_fee": breakdown["total_amount_to_send"],
        "fee": breakdown["total_fees"],
        "rate": breakdown["exchange_rate"],
        "date": now_iso(),
        "payee_collection_email": None,
        "source_information": None,
        "merchant_reference": ref,
        "recipient": {
            "id": new_id(),
            "account_number": body.get("account_number")
            or body.get("iban")
            or body.get("phone_number")
            or body.get("wallet_address"),
            "account_name": body.get("account_name"),
            "amount": breakdown["recipient_gets"],
            "currency": to_code,
            # Mobile money: the operator's name and code stand where a bank's would.
            "bank_name": operator["name"] if operator else body.get("bank_name"),
            "bank_code": operator["code"] if operator else body.get("bank_id"),
            "email": body.get("email"),
        },
    }
    state.transactions[tx["id"]] = tx
    if to_code == "CAD":  # Interac: an "initiated" notice comes before the final one
        emit_transaction(state, tx, kind="payout_initiated")
    emit_transaction(state, tx)
    return 200, {"message": "Payout initiated successfully", "transaction": tx}


@handles("transactions.list")
def transactions_list(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    items = list(state.transactions.values())
    for field, key in (
        ("wallet_id", "business_wallet_id"),
        ("customer_id", "business_customer_id"),
        ("type", "type"),
        ("status", "status"),
        ("merchant_reference", "merchant_reference"),
    ):
        if body.get(field) is not None:
            items = [t for t in items if str(t.get(key, "")).upper() == str(body[field]).upper()]
    if body.get("start_date"):
        items = [t for t in items if t["date"][:10] >= str(body["start_date"])]
    if body.get("end_date"):
        items = [t for t in items if t["date"][:10] <= str(body["end_date"])]
    try:
        page = max(int(body.get("page") or 1), 1)
        limit = min(max(int(body.get("limit") or 20), 1), 100)
    except (TypeError, ValueError):
        return invalid({"page": "The page and limit must be integers."})
    return paginate(items, page, limit, "/api/external/transaction")


def paginate(items: list[Record], page: int, limit: int, path: str) -> Reply:
    """A Laravel paginator body: ``{message, data, links, meta}``."""
    total = len(items)
    last = max((total + limit - 1) // limit, 1)
    chunk = items[(page - 1) * limit : page * limit]
    start = (page - 1) * limit + 1 if chunk else None
    return 200, {
        "message": "Successful",
        "data": chunk,
        "links": {
            "first": f"{path}?page=1",
            "last": f"{path}?page={last}",
            "prev": f"{path}?page={page - 1}" if page > 1 else None,
            "next": f"{path}?page={page + 1}" if page < last else None,
        },
        "meta": {
            "current_page": page,
            "from": start,
            "last_page": last,
            "path": path,
            "per_page": limit,
            "to": start + len(chunk) - 1 if start else None,
            "total": total,
        },
    }


@handles("transactions.get")
def transactions_get(state: SandboxState, call: Call) -> Reply:
    return ok(state.transactions.get_or_404(call.path["transaction_id"]))
