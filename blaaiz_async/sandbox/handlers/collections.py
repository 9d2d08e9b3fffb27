"""Collections: card/open-banking/crypto/Interac collections become PENDING COLLECTION
transactions in ``state.transactions``; attach-customer links a customer to one.
``settle_collection`` plays the payer's side: the money arrives (or never does), the
wallet is credited, and the collection webhook is sent.

Tables: ``state.interac_money_requests`` (requests sent to payers),
``state.interac_transfers`` (incoming e-Transfers waiting to be accepted; seed them with
``seed_interac_transfer``).
"""

from __future__ import annotations

import re
import secrets
import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ...errors import DUPLICATE_REFERENCE
from ...rules.collections import CARD_FIELDS, CARD_FORMATS
from ..state import Record, SandboxState, new_id, now_iso
from . import Call, Reply, body_of, error, handles, invalid, missing, ok, parse_amount
from .webhooks import emit_transaction

CENT = Decimal("0.01")
COLLECTION_FEE_RATE = Decimal("0.01")  # 1 %, included in the amount the payer pays

# method -> wallet currencies it collects into (the docs site's FAQ, the official Python SDK).
RAILS: dict[str, frozenset[str]] = {
    "card": frozenset({"NGN", "USD"}),
    "open_banking": frozenset({"EUR", "GBP"}),
    "virtual_account": frozenset({"NGN", "USD"}),
    "bank_transfer": frozenset({"NGN", "USD"}),
}
PULL_METHODS = frozenset({"card", "open_banking"})  # the payer is sent to a payment URL

_USDT, _USDC = "Tether USD", "USD Coin"
CRYPTO_NETWORKS: list[Record] = [
    {
        "id": "1",
        "name": "Ethereum",
        "identifier": "ETHEREUM_MAINNET",
        "transaction_types": ["collection", "payout"],
        "tokens": [
            {
                "id": "11",
                "name": _USDT,
                "symbol": "USDT",
                "address": "0xdAC17F958D2ee523a2206206994597C13D831ec7",
            },
            {
                "id": "12",
                "name": _USDC,
                "symbol": "USDC",
                "address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
            },
        ],
    },
    {
        "id": "2",
        "name": "Polygon",
        "identifier": "MATIC_MAINNET",
        "transaction_types": ["collection", "payout"],
        "tokens": [
            {
                "id": "21",
                "name": _USDT,
                "symbol": "USDT",
                "address": "0xc2132D05D31c914a87C6611C10748AEb04B58e8F",
            },
            {
                "id": "22",
                "name": _USDC,
                "symbol": "USDC",
                "address": "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359",
            },
        ],
    },
    {
        "id": "3",
        "name": "Tron",
        "identifier": "TRON_MAINNET",
        "transaction_types": ["collection", "payout"],
        "tokens": [
            {
                "id": "31",
                "name": _USDT,
                "symbol": "USDT",
                "address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            },
        ],
    },
    {
        "id": "4",
        "name": "BNB Smart Chain",
        "identifier": "BSC_MAINNET",
        "transaction_types": ["payout"],
        "tokens": [
            {
                "id": "41",
                "name": _USDT,
                "symbol": "USDT",
                "address": "0x55d398326f99059fF775485246999027B3197955",
            },
        ],
    },
]
CRYPTO_MINIMUM = Decimal("0.1")
CRYPTO_ADDRESS_TTL = 3600.0


# -- helpers shared by the group's handlers ----------------------------------------------------


def iso(at: float) -> str:
    """An API timestamp (ISO-8601 UTC with microseconds) for the epoch time ``at``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1e6):06d}Z"


def reference() -> str:
    return "BLZ" + secrets.token_hex(6).upper()


def new_transaction(
    state: SandboxState,
    *,
    wallet: Record,
    amount: Decimal,
    type_: str,
    status: str,
    customer_id: str | None = None,
    merchant_reference: str | None = None,
    fee: Decimal = Decimal("0.00"),
    rate: Decimal | None = None,
    **extra: Any,
) -> Record:
    """Record a transaction the way ``transactions.get`` returns it."""
    tx: Record = {
        "id": new_id(),
        "business_id": state.business_id,
        "business_customer_id": customer_id,
        "business_wallet_id": wallet["id"],
        "status": status,
        "type": type_,
        "reference": reference(),
        "currency": wallet["currency"],
        "amount": amount,
        "amount_without_fee": amount - fee,
        "fee": fee,
        "rate": rate,
        "date": now_iso(),
        "payee_collection_email": None,
        "source_information": None,
        "recipient": None,
        "merchant_reference": merchant_reference,
        **extra,
    }
    state.transactions[tx["id"]] = tx
    return tx


def _source_information(**values: Any) -> Record:
    """A collection's payer details: every key present, null when not applicable."""
    keys = (
        "account_name",
        "account_number",
        "bank_name",
        "sort_code",
        "bank_swift_code",
        "description",
        "narration",
        "collection_email",
        "collection_name",
    )
    return {k: values.get(k) for k in keys}


def _merchant_reference_taken(state: SandboxState, ref: Any) -> bool:
    return ref is not None and any(
        t.get("merchant_reference") == ref for t in state.transactions.values()
    )


def _fee(amount: Decimal) -> Decimal:
    return (amount * COLLECTION_FEE_RATE).quantize(CENT, ROUND_HALF_UP)


# -- fiat collections ----------------------------------------------------------------------


@handles("collections.create")
def collections_create(state: SandboxState, call: Call) -> Reply:
    """201 with both documented shapes at once: the official Python SDK's root
    ``transaction_id``/``url`` and the OpenAPI file's ``data{..., payment_url}``."""
    body = body_of(call)
    errs = missing(body, "method", "amount", "wallet_id")
    if errs:
        return invalid(errs)
    method = str(body["method"])
    if method not in RAILS:
        return invalid({"method": "The selected method is invalid."})
    amount = parse_amount(body["amount"])
    if amount is None:
        return invalid({"amount": "The amount must be a positive number."})
    wallet = state.wallets.get_or_404(body["wallet_id"])
    if wallet["currency"] not in RAILS[method]:
        return error(400, f"Method {method} is not available for {wallet['currency']}.")
    if method == "card":
        errs = missing(body, *CARD_FIELDS)
        if errs:
            return invalid(errs)
        for field, (pattern, what) in CARD_FORMATS.items():
            if not pattern.fullmatch(str(body[field])):
                return invalid({field: f"The {field.replace('_', ' ')} must be {what}."})
    customer_id = body.get("customer_id")
    if customer_id is not None:
        customer_id = state.customers.get_or_404(customer_id)["id"]
    if _merchant_reference_taken(state, body.get("merchant_reference")):
        return invalid({"merchant_reference": DUPLICATE_REFERENCE})
    tx = new_transaction(
        state,
        wallet=wallet,
        amount=amount,
        type_="COLLECTION",
        status="PENDING",
        customer_id=customer_id,
        merchant_reference=body.get("merchant_reference"),
        fee=_fee(amount),
        method=method,
        source_information=_source_information(),
    )
    url = f"{call.origin}/checkout/pay/{tx['reference']}" if method in PULL_METHODS else None
    tx["payment_url"] = url
    details = {
        "id": tx["id"],
        "transaction_id": tx["id"],
        "customer_id": customer_id,
        "wallet_id": wallet["id"],
        "amount": amount,
        "currency": wallet["currency"],
        "method": method,
        "status": "PENDING",
        "payment_url": url,
        "reference": tx["reference"],
        "merchant_reference": tx["merchant_reference"],
        "created_at": tx["date"],
    }
    return 201, {
        "status": True,
        "message": "Collection initiated successfully",
        "transaction_id": tx["id"],
        "url": url,
        "data": details,
    }


@handles("collections.attach_customer")
def collections_attach_customer(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "customer_id", "transaction_id")
    if errs:
        return invalid(errs)
    tx = state.transactions.get_or_404(body["transaction_id"])
    if tx["type"] != "COLLECTION":
        return error(400, "Customers can only be attached to collection transactions.")
    customer = state.customers.get_or_404(body["customer_id"])
    tx["business_customer_id"] = customer["id"]
    return 200, {"message": "Customer attached to collection successfully."}


# -- crypto --------------------------------------------------------------------------------


def _networks_for(transaction_type: str | None) -> list[Record]:
    return [
        {k: v for k, v in n.items() if k != "transaction_types"}
        for n in CRYPTO_NETWORKS
        if transaction_type is None or transaction_type in n["transaction_types"]
    ]


@handles("collections.crypto_networks")
def collections_crypto_networks(state: SandboxState, call: Call) -> Reply:
    kind = call.query.get("transaction_type")
    if kind is not None and kind not in ("collection", "payout"):
        return invalid({"transaction_type": "The selected transaction type is invalid."})
    inner = {
        "success": True,
        "message": "Networks retrieved successfully",
        "status": 200,
        "data": _networks_for(kind),
    }
    return ok(inner, "Networks retrieved successfully")  # wrapped twice, like the API


def _deposit_address(network: str) -> str:
    if network == "TRON_MAINNET":
        alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
        return "T" + "".join(secrets.choice(alphabet) for _ in range(33))
    return "0x" + secrets.token_hex(20)


@handles("collections.create_crypto")
def collections_create_crypto(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "amount", "wallet_id", "network", "token")
    if errs:
        return invalid(errs)
    amount = parse_amount(body["amount"])
    if amount is None or amount < CRYPTO_MINIMUM:
        return invalid({"amount": f"The amount must be at least {CRYPTO_MINIMUM}."})
    token = str(body["token"])
    if token not in ("USDT", "USDC"):
        return invalid({"token": "The selected token is invalid."})
    network = next(
        (n for n in _networks_for("collection") if n["identifier"] == body["network"]), None
    )
    if network is None:
        return error(400, f"Network {body['network']} is not supported for collections.")
    if all(t["symbol"] != token for t in network["tokens"]):
        return error(400, f"{token} is not available on {network['identifier']}.")
    wallet = state.wallets.get_or_404(body["wallet_id"])
    customer_id = body.get("customer_id")
    if customer_id is not None:
        customer_id = state.customers.get_or_404(customer_id)["id"]
    address = _deposit_address(network["identifier"])
    expires_at = iso(time.time() + CRYPTO_ADDRESS_TTL)
    tx = new_transaction(
        state,
        wallet=wallet,
        amount=amount,
        type_="COLLECTION",
        status="PENDING",
        customer_id=customer_id,
        method="crypto",
        token=token,
        token_amount=amount,
        network=network["identifier"],
        address=address,
        expires_at=expires_at,
        source_information=_source_information(),
    )
    view = {
        "transaction_id": tx["id"],
        "reference": tx["reference"],
        "token": token,
        "token_amount": amount,
        "network": network["identifier"],
        "address": address,
        "status": "PENDING",
        "expires_at": expires_at,
    }
    return 200, {"message": "Crypto collection initiated successfully", "transaction": view}


# -- Interac -------------------------------------------------------------------------------


_NO_CAD_WALLET = "No CAD wallet for Interac collections."


def _interac_collection(
    state: SandboxState, amount: Decimal, *, sender_email: Any, sender_name: Any, **fields: Any
) -> Record | None:
    """The pending collection an Interac transfer makes in the CAD wallet; None without one."""
    wallet = state.wallet_for("CAD")
    if wallet is None:
        return None
    return new_transaction(
        state,
        wallet=wallet,
        amount=amount,
        type_="COLLECTION",
        status="PENDING",
        fee=_fee(amount),
        method="interac",
        source_information=_source_information(
            collection_email=sender_email, collection_name=sender_name
        ),
        **fields,
    )


@handles("collections.create_interac_money_request")
def collections_create_interac_money_request(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "amount", "email")
    if errs:
        return invalid(errs)
    amount = parse_amount(body["amount"])
    if amount is None:
        return invalid({"amount": "The amount must be a positive number."})
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(body["email"])):
        return invalid({"email": "The email must be a valid email address."})
    hours = body.get("expiry_hours", 72)
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 120:
        return invalid({"expiry_hours": "The expiry hours must be between 1 and 120."})
    tx = _interac_collection(
        state, amount, sender_email=body["email"], sender_name=body.get("customer_name")
    )
    if tx is None:
        return error(400, _NO_CAD_WALLET)
    record: Record = {
        "id": new_id(),
        "reference": "CA" + secrets.token_hex(5).upper(),
        "transaction_id": tx["id"],
        "amount": amount,
        "currency": "CAD",
        "email": body["email"],
        "customer_name": body.get("customer_name"),
        "note": body.get("note"),
        "expiry_hours": hours,
        "status": "PENDING",
        "expires_at": iso(time.time() + hours * 3600),
        "created_at": tx["date"],
    }
    state.interac_money_requests[record["id"]] = record
    return ok(record, "Interac money request sent successfully")


def seed_interac_transfer(
    state: SandboxState,
    *,
    amount: Decimal | str = "100.00",
    sender_email: str = "payer@example.com",
    sender_name: str = "Pat Payer",
    security_answer: str | None = "blue",
) -> str:
    """An incoming Interac e-Transfer waiting to be accepted; returns its reference number.

    With ``security_answer=None`` it is an Auto-Deposit transfer that needs no answer.
    """
    ref = "C" + secrets.token_hex(5).upper()
    state.interac_transfers[ref] = {
        "reference_number": ref,
        "amount": Decimal(str(amount)),
        "sender_email": sender_email,
        "sender_name": sender_name,
        "security_answer": security_answer,
        "status": "PENDING",
        "transaction_id": None,
    }
    return ref


@handles("collections.accept_interac_money_request")
def collections_accept_interac_money_request(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "reference_number")
    if errs:
        return invalid(errs)
    transfer = state.interac_transfers.get_or_404(body["reference_number"])
    if transfer["status"] != "PENDING":
        return error(400, "This Interac transfer has already been accepted.")
    expected = transfer["security_answer"]
    if expected is not None:
        if body.get("security_answer") in (None, ""):
            return invalid({"security_answer": "The security answer field is required."})
        if str(body["security_answer"]).strip().lower() != str(expected).lower():
            return error(400, "The security answer is incorrect.")
    tx = _interac_collection(
        state,
        transfer["amount"],
        sender_email=transfer["sender_email"],
        sender_name=transfer["sender_name"],
        payee_collection_email=body.get("email"),
    )
    if tx is None:
        return error(400, _NO_CAD_WALLET)
    transfer["status"] = "QUEUED"
    transfer["transaction_id"] = tx["id"]
    return 200, {"message": "Interac money request accepted and queued for processing."}


SETTLED = frozenset({"SUCCESSFUL", "FAILED"})


def settle_collection(
    state: SandboxState, transaction_id: str, status: str = "SUCCESSFUL"
) -> Record:
    """A PENDING collection ends: ``SUCCESSFUL`` credits the wallet with the amount less the
    fee, ``FAILED`` moves nothing; either way the collection webhook goes out."""
    if status not in SETTLED:
        raise ValueError(f"a collection settles as one of {sorted(SETTLED)}, not {status!r}")
    tx = state.transactions.find(transaction_id)
    if tx is None or tx["type"] != "COLLECTION":
        raise KeyError(f"no collection {transaction_id!r}")
    if tx["status"] != "PENDING":
        raise ValueError(f"collection {transaction_id} is already {tx['status']}")
    tx["status"] = status
    if status == "SUCCESSFUL":
        state.wallets[tx["business_wallet_id"]]["amount"] += tx["amount_without_fee"]
    emit_transaction(state, tx)
    return tx
