"""Virtual bank accounts: they belong to a wallet (``business_wallet_id``).

NGN accounts are ready at once and need an ``account_name`` that is unique per wallet
and provider. GBP/USD/EUR need an individual customer; in the sandbox they are ready at
once when that customer is VERIFIED, else ``PENDING`` (the API completes them later and
says so by webhook). Closing sets ``CLOSED``; a closed account cannot be closed again.
"""

from __future__ import annotations

import secrets

from ..state import Record, SandboxState, new_id, now_iso
from . import Call, Reply, body_of, error, handles, invalid, missing, ok

SUPPORTED = ("NGN", "GBP", "USD", "EUR")
PROVIDER = {"NGN": "BANK78", "GBP": "SBXUK", "USD": "SBXUS", "EUR": "SBXEU"}
CURRENCY_NUMBER = {"NGN": 1, "GBP": 2, "USD": 3, "EUR": 4}  # VBA currency_id is an int

IDENTIFICATION = {
    ("NG", "individual"): {"label": "Bank Verification Number", "type": "bvn"},
    ("NG", "business"): {"label": "Corporate Affairs Commission Number", "type": "rc_number"},
}
DEFAULT_IDENTIFICATION = {
    "individual": {"label": "Passport Number", "type": "passport"},
    "business": {"label": "Company Registration Number", "type": "registration_number"},
}


def _digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


def _details(currency: str, name: str) -> Record:
    """Bank details of a ready account, shaped like the ``virtual_account.ready`` webhook."""
    if currency == "NGN":
        return {"account_number": _digits(10), "bank_name": "Sandbox MFB", "bank_code": "090"}
    if currency == "GBP":
        number, sort_code = _digits(8), "040004"
        return {
            "account_number": number,
            "sort_code": sort_code,
            "bank_name": "Sandbox UK",
            "bank_code": "SBXGB2L",
            "iban": f"GB00SBXG{sort_code}{number}",
        }
    if currency == "EUR":
        return {"iban": f"DE00{_digits(18)}", "bank_name": "Sandbox EU", "bank_code": "SBXDEFF"}
    return {
        "account_number": _digits(12),
        "routing_number": "026073150",
        "bank_name": "Sandbox US",
        "bank_address": "1 Sandbox Plaza, New York, NY",
    }


@handles("virtual_bank_accounts.create")
def vba_create(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "wallet_id")
    if errs:
        return invalid(errs)
    wallet = state.wallets.get_or_404(body["wallet_id"])
    currency = wallet["currency"]
    if currency not in SUPPORTED:
        return error(400, f"Currency {currency} not supported.")
    name = body.get("account_name")
    if name is not None and len(str(name)) > 255:
        return invalid({"account_name": "The account name may not be greater than 255 characters."})
    customer: Record | None = None
    if body.get("customer_id") not in (None, ""):
        customer = state.customers.get_or_404(body["customer_id"])
    provider = PROVIDER[currency]
    if currency == "NGN":
        if name in (None, ""):
            return invalid({"account_name": "The account name field is required for NGN."})
        taken = any(
            a["business_wallet_id"] == wallet["id"]
            and a["provider"] == provider
            and str(a["account_name"]).lower() == str(name).lower()
            for a in state.virtual_bank_accounts.values()
        )
        if taken:
            return error(400, "An account with this name already exists on this wallet.")
    else:
        if customer is None:
            return invalid({"customer_id": f"A customer is required for {currency} accounts."})
        if customer.get("type") != "individual":
            return error(400, f"{currency} accounts need an individual customer.")
        if not name:
            name = " ".join(filter(None, (customer.get("first_name"), customer.get("last_name"))))
    ready = currency == "NGN" or (customer or {}).get("verification_status") == "VERIFIED"
    stamp = now_iso()
    vba: Record = {
        "id": new_id(),
        "business_wallet_id": wallet["id"],
        "customer_id": customer["id"] if customer else None,
        "currency_id": CURRENCY_NUMBER[currency],
        "currency": currency,
        "account_number": None,
        "iban": None,
        "account_name": name,
        "bank_name": None,
        "bank_code": None,
        "provider": provider,
        "account_reference": "VBA" + secrets.token_hex(5).upper(),
        "reservation_reference": secrets.token_hex(8),
        "sort_code": None,
        "routing_number": None,
        "bank_address": None,
        "status": "SUCCESSFUL" if ready else "PENDING",
        "created_at": stamp,
        "updated_at": stamp,
    }
    if ready:
        vba.update(_details(currency, str(name)))
    state.virtual_bank_accounts[vba["id"]] = vba
    return ok([vba], "Virtual bank account created successfully", status=201)


@handles("virtual_bank_accounts.list")
def vba_list(state: SandboxState, call: Call) -> Reply:
    items = list(state.virtual_bank_accounts.values())
    if call.query.get("wallet_id"):
        items = [a for a in items if a["business_wallet_id"] == call.query["wallet_id"]]
    if call.query.get("customer_id"):
        items = [a for a in items if a["customer_id"] == call.query["customer_id"]]
    return ok(items)


@handles("virtual_bank_accounts.get")
def vba_get(state: SandboxState, call: Call) -> Reply:
    return ok(state.virtual_bank_accounts.get_or_404(call.path["vba_id"]))


@handles("virtual_bank_accounts.close")
def vba_close(state: SandboxState, call: Call) -> Reply:
    vba = state.virtual_bank_accounts.get_or_404(call.path["vba_id"])
    if vba["status"] == "CLOSED":
        return error(400, "Virtual bank account is already closed.")
    reason = body_of(call).get("reason")
    if reason is not None and len(str(reason)) > 255:
        return invalid({"reason": "The reason may not be greater than 255 characters."})
    vba.update(status="CLOSED", close_reason=reason, closed_at=now_iso(), updated_at=now_iso())
    return ok(vba, "Virtual bank account closed successfully")


@handles("virtual_bank_accounts.get_identification_type")
def vba_get_identification_type(state: SandboxState, call: Call) -> Reply:
    q = call.query
    if q.get("customer_id"):
        customer = state.customers.get_or_404(q["customer_id"])
        country, kind = str(customer.get("country")).upper(), str(customer.get("type"))
    else:
        errs = missing(q, "country", "type")
        if errs:
            return invalid(
                {"customer_id": "The customer id field is required without country and type."}
                | errs
            )
        country, kind = q["country"].upper(), q["type"]
        if kind not in DEFAULT_IDENTIFICATION:
            return invalid({"type": "The selected type is invalid."})
    found = IDENTIFICATION.get((country, kind)) or DEFAULT_IDENTIFICATION.get(kind)
    if found is None:
        return error(400, "The customer has no type to look the identification up by.")
    return ok(dict(found))
