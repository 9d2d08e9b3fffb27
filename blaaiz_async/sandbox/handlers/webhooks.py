"""Webhook configuration, replay, the mock Interac webhook, and the events payouts and
collections send.

The configuration lives in ``state.webhook_config`` (None until registered). Every
webhook (a payout or collection changing state, a replay, a simulation) is recorded in
``state.webhook_deliveries`` (id -> {url, payload, status, attempts, ...})
with the flat transaction payload of the docs site's webhook pages, and handed to
``state.delivery_hook``: a running ``Sandbox`` signs it with its webhook secret and POSTs
it (loopback URLs only), retrying with backoff.

An event's ``event_id`` is derived from the transaction, its type and its status, so a
replay carries the id of the original delivery and a receiver that deduplicates sees it
as the same event.
"""

from __future__ import annotations

import urllib.parse
import uuid
from decimal import Decimal
from typing import Any

from ...rules.base import is_loopback_http
from ..state import NotFound, Record, SandboxState, new_id, now_iso
from . import Call, Reply, body_of, error, handles, invalid, missing, parse_amount

_EVENT_IDS = uuid.UUID("6f1d3c2a-9b8e-4f7a-8c5d-0e1f2a3b4c5d")  # namespace of event ids

URL_FIELDS = ("payout_url", "collection_url", "customer_url", "virtual_account_url", "kyc_url")
CONFIG_NOUN = "Webhook configuration"


def _config_or_404(state: SandboxState) -> Record:
    if state.webhook_config is None:
        raise NotFound(CONFIG_NOUN)
    return state.webhook_config


def _bad_urls(body: Record, fields: tuple[str, ...]) -> Reply | None:
    for field in fields:
        value = body.get(field)
        if value is None:
            continue
        parts = urllib.parse.urlsplit(str(value))
        if is_loopback_http(str(value)):
            continue  # the sandbox delivers to a local app; the real API wants https
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
    previous = state.webhook_config
    config: Record = {field: body.get(field) for field in URL_FIELDS}
    config["created_at"] = previous["created_at"] if previous else now
    config["updated_at"] = now
    state.webhook_config = config
    return 200, {"status": True, "message": "Webhook configured successfully", "data": config}


@handles("webhooks.get")
def webhooks_get(state: SandboxState, call: Call) -> Reply:
    config = _config_or_404(state)
    return 200, {"status": True, "message": "Webhook retrieved successfully", "data": config}


@handles("webhooks.update")
def webhooks_update(state: SandboxState, call: Call) -> Reply:
    """Omitted fields are kept; a JSON null clears the URL."""
    config = _config_or_404(state)
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


def event_id(transaction_id: str, kind: str, status: str) -> str:
    """The same event always has the same id: replays are recognisable as such."""
    return str(uuid.uuid5(_EVENT_IDS, f"{transaction_id}:{kind}:{status}"))


def transaction_payload(tx: Record, *, kind: str | None = None) -> Record:
    """The flat transaction webhook body (the docs site's examples); ``kind`` overrides the
    type (``payout_initiated``)."""
    fee: Decimal = tx.get("fee") or Decimal("0")
    kind = kind or str(tx.get("type", "")).lower()
    initiated = kind == "payout_initiated"
    status = "PENDING" if initiated else str(tx["status"])
    payload: Record = {
        "message": "Transaction Initiated" if initiated else "Transaction Completed",
        "transaction_id": tx["id"],
        "transaction_reference": tx["reference"],
        "transaction_status": status,
        "transaction_fee": fee,
        "transaction_amount_without_fee": tx.get("amount_without_fee"),
        "transaction_amount": tx["amount"],
        "transaction_currency": tx["currency"],
        "event_id": event_id(str(tx["id"]), kind, status),
        "type": kind,
    }
    if kind == "collection":
        payload["source_information"] = tx.get("source_information")
    else:
        payload["customer_id"] = tx.get("business_customer_id")
        payload["recipient"] = tx.get("recipient")
    if initiated:
        payload["developer_note"] = "Initiated, not final: a payout webhook follows."
    return payload


def record_delivery(state: SandboxState, url: str, payload: Record, **meta: Any) -> Record:
    """Record a webhook and hand it to the sender (when the sandbox is running)."""
    delivery: Record = {
        "id": new_id(),
        "url": url,
        "payload": payload,
        "at": now_iso(),
        "status": "pending",
        "attempts": [],
        **meta,
    }
    state.webhook_deliveries[delivery["id"]] = delivery
    if state.delivery_hook is not None:
        state.delivery_hook(delivery)
    return delivery


def emit_transaction(state: SandboxState, tx: Record, *, kind: str | None = None) -> Record | None:
    """Send a transaction's webhook to the URL configured for its type, if there is one."""
    kind = kind or str(tx.get("type", "")).lower()
    field = "collection_url" if kind == "collection" else "payout_url"
    url = (state.webhook_config or {}).get(field)
    if not url:
        return None
    return record_delivery(state, url, transaction_payload(tx, kind=kind), transaction_id=tx["id"])


@handles("webhooks.replay")
def webhooks_replay(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "transaction_id")
    if errs:
        return invalid(errs)
    tx = state.transactions.get_or_404(body["transaction_id"])
    if tx["status"] != "SUCCESSFUL":
        return error(400, "Only successful transactions can be replayed.")
    config = state.webhook_config or {}
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
    url = (state.webhook_config or {}).get("collection_url")
    if not url:
        return error(400, "No collection url is configured.")
    fee = (amount * Decimal("0.01")).quantize(Decimal("0.01"))
    transaction_id = new_id()
    payload: Record = {
        "message": "Transaction Completed",
        "transaction_id": transaction_id,
        "transaction_reference": "MOCK" + new_id()[:8].upper(),
        "transaction_status": "SUCCESSFUL",
        "transaction_fee": fee,
        "transaction_amount_without_fee": amount - fee,
        "transaction_amount": amount,
        "transaction_currency": "CAD",
        "event_id": event_id(transaction_id, "collection", "SUCCESSFUL"),
        "type": "collection",
        "source_information": {"collection_email": email},
        "payee_collection_email": "payments@business.example",
    }
    record_delivery(state, url, payload, mock=True)
    return 200, {"message": "Mock Interac webhook sent successfully"}
