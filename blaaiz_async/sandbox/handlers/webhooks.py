"""Webhook configuration, replay and the mock Interac webhook.

The configuration lives in ``state.collection("webhook_config")["current"]``. Replays and
simulations are recorded in ``state.collection("webhook_deliveries")`` (id -> {url,
payload, ...}) with the flat transaction payload of API reference §6.4, so a test can see
what would have been sent.
"""

from __future__ import annotations

import urllib.parse
from decimal import Decimal
from typing import Any

from ..state import Record, SandboxState, new_id, now_iso
from . import Call, Reply, body_of, error, handles, invalid, missing, parse_amount

URL_FIELDS = ("payout_url", "collection_url", "customer_url", "virtual_account_url", "kyc_url")
CONFIG_KEY = "current"


def _config(state: SandboxState) -> Record | None:
    return state.collection("webhook_config").get(CONFIG_KEY)


def _bad_urls(body: Record, fields: tuple[str, ...]) -> Reply | None:
    for field in fields:
        value = body.get(field)
        if value is None:
            continue
        parts = urllib.parse.urlsplit(str(value))
        if parts.scheme != "https" or not parts.netloc:
            label = field.replace("_", " ")
            return error(400, f"The {label} must be a valid HTTPS URL.")
    return None


@handles("webhooks.register")
def webhooks_register(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "payout_url", "collection_url")
    if errs:
        return invalid(errs)
    bad = _bad_urls(body, URL_FIELDS)
    if bad is not None:
        return bad
    now = now_iso()
    previous = _config(state)
    config: Record = {field: body.get(field) for field in URL_FIELDS}
    config["created_at"] = previous["created_at"] if previous else now
    config["updated_at"] = now
    state.collection("webhook_config")[CONFIG_KEY] = config
    return 200, {"status": True, "message": "Webhook configured successfully", "data": config}


@handles("webhooks.get")
def webhooks_get(state: SandboxState, call: Call) -> Reply:
    config = _config(state)
    if config is None:
        return error(404, "Webhook configuration not found")
    return 200, {"status": True, "message": "Webhook retrieved successfully", "data": config}


@handles("webhooks.update")
def webhooks_update(state: SandboxState, call: Call) -> Reply:
    """Omitted fields are kept; a JSON null clears the URL."""
    config = _config(state)
    if config is None:
        return error(404, "Webhook configuration not found")
    body = body_of(call)
    changes = {f: body[f] for f in URL_FIELDS if f in body}
    if not changes:
        return invalid({"collection_url": "Provide at least one webhook URL to update."})
    bad = _bad_urls(changes, tuple(changes))
    if bad is not None:
        return bad
    config.update(changes)
    config["updated_at"] = now_iso()
    return 200, {"message": "Webhook updated successfully"}


def transaction_payload(tx: Record) -> Record:
    """The flat transaction webhook body (API reference §6.4)."""
    fee: Decimal = tx.get("fee") or Decimal("0")
    kind = str(tx.get("type", "")).lower()
    payload: Record = {
        "message": "Transaction Completed",
        "transaction_id": tx["id"],
        "transaction_reference": tx["reference"],
        "transaction_status": tx["status"],
        "transaction_fee": fee,
        "transaction_amount_without_fee": tx.get("amount_without_fee"),
        "transaction_amount": tx["amount"],
        "transaction_currency": tx["currency"],
        "event_id": new_id(),
        "type": kind,
    }
    if kind == "collection":
        payload["source_information"] = tx.get("source_information")
    else:
        payload["customer_id"] = tx.get("business_customer_id")
        payload["recipient"] = tx.get("recipient")
    return payload


def record_delivery(state: SandboxState, url: str, payload: Record, **meta: Any) -> Record:
    delivery: Record = {"id": new_id(), "url": url, "payload": payload, "at": now_iso(), **meta}
    state.collection("webhook_deliveries")[delivery["id"]] = delivery
    return delivery


@handles("webhooks.replay")
def webhooks_replay(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "transaction_id")
    if errs:
        return invalid(errs)
    tx = state.find_transaction(str(body["transaction_id"]))
    if tx is None:
        return error(404, "Transaction not found")
    if tx["status"] != "SUCCESSFUL":
        return error(400, "Only successful transactions can be replayed.")
    config = _config(state) or {}
    field = "collection_url" if tx["type"] == "COLLECTION" else "payout_url"
    url = config.get(field)
    if not url:
        return error(400, f"No {field.replace('_', ' ')} is configured.")
    record_delivery(state, url, transaction_payload(tx), replay=True, transaction_id=tx["id"])
    return 200, {"message": "Webhook replayed successfully"}


@handles("webhooks.simulate_interac")
def webhooks_simulate_interac(state: SandboxState, call: Call) -> Reply:
    """The sandbox is never production, so this always sends (a mock: no money moves)."""
    body = body_of(call)
    amount = parse_amount(body.get("amount", "100.00"))
    if amount is None:
        return invalid({"amount": "The amount must be a positive number."})
    email = body.get("collection_email") or body.get("interac_email") or "payer@example.com"
    url = (_config(state) or {}).get("collection_url")
    if not url:
        return error(400, "No collection url is configured.")
    fee = (amount * Decimal("0.01")).quantize(Decimal("0.01"))
    payload: Record = {
        "message": "Transaction Completed",
        "transaction_id": new_id(),
        "transaction_reference": "MOCK" + new_id()[:8].upper(),
        "transaction_status": "SUCCESSFUL",
        "transaction_fee": fee,
        "transaction_amount_without_fee": amount - fee,
        "transaction_amount": amount,
        "transaction_currency": "CAD",
        "event_id": new_id(),
        "type": "collection",
        "source_information": {"collection_email": email},
        "payee_collection_email": "payments@business.example",
    }
    record_delivery(state, url, payload, mock=True)
    return 200, {"message": "Mock Interac webhook sent successfully"}
