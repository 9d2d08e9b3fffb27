"""Typed events from verified bodies: every family and shape the API's sources show, the
lenient policy for fields of the wrong type, and bounded work on hostile bodies."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from blaaiz_async.errors import WebhookVerificationError
from blaaiz_async.webhooks import (
    CollectionEvent,
    CustomerEvent,
    EventType,
    KycEvent,
    PayoutEvent,
    VirtualAccountEvent,
    WebhookEvent,
    construct_event,
    decode_body,
    parse_event,
    sign_headers,
)
from blaaiz_async.webhooks.events import MAX_DEPTH

SECRET = "whsec_events"

NGN_COLLECTION = """{
  "message": "Transaction Completed",
  "transaction_id": "9b7c6d5e-0000-4000-8000-000000000001",
  "transaction_reference": "BLZ-REF-1",
  "transaction_status": "SUCCESSFUL",
  "transaction_fee": 10.50,
  "transaction_amount_without_fee": 989.50,
  "transaction_amount": 1000.00,
  "transaction_currency": "NGN",
  "event_id": "e-collection-1",
  "type": "collection",
  "source_information": {"account_number": "0123456789", "account_name": "Ada Payer",
                         "bank_name": "GTBank"},
  "virtual_bank_account": {"id": "vba-1", "account_number": "9876543210",
                           "account_name": "Biz / Ada", "bank_name": "Wema"}
}"""

CAD_COLLECTION = {
    "message": "Transaction Completed",
    "transaction_id": "tx-cad",
    "transaction_status": "SUCCESSFUL",
    "transaction_amount": Decimal("250.00"),
    "transaction_currency": "CAD",
    "event_id": "e-cad",
    "type": "collection",
    "source_information": {"collection_email": "payer@example.com"},
    "payee_collection_email": "payments@business.example",
}

CAD_PAYOUT_INITIATED = """{
  "message": "Transaction Initiated",
  "transaction_id": "tx-payout-cad",
  "transaction_reference": "BLZ-REF-2",
  "transaction_status": "PENDING",
  "transaction_fee": 1.25,
  "transaction_amount_without_fee": 100,
  "transaction_amount": 101.25,
  "transaction_currency": "CAD",
  "event_id": "e-payout-1",
  "type": "payout_initiated",
  "customer_id": "cust-1",
  "recipient": {"account_number": null, "account_name": "Bob", "bank_name": null,
                "amount": 100.00},
  "extras": {"interac_instruction": {"question": "Pet's name?", "answer": 4242}},
  "developer_note": "Not final: wait for the payout webhook."
}"""

GBP_PAYOUT = {
    "message": "Transaction Completed",
    "transaction_id": "tx-gbp",
    "transaction_status": "SUCCESSFUL",
    "transaction_amount": "80.10",
    "transaction_currency": "GBP",
    "event_id": "e-gbp",
    "type": "payout",
    "customer_id": "cust-2",
    "recipient": {"account_name": "Cleo", "amount": "80.10", "sort_code": "040004",
                  "account_number": "12345678"},
}  # fmt: skip

VBA_READY = {
    "event": "virtual_account.ready",
    "virtual_account_id": "vba-2",
    "customer_id": "cust-3",
    "wallet_id": "wal-1",
    "currency": "USD",
    "status": "SUCCESSFUL",
    "account_number": "000123",
    "account_name": "Dee",
    "bank_name": "Lead Bank",
    "routing_number": "101019644",
    "bank_address": "1801 Main St",
    "iban": None,
}

VBA_REJECTED = {
    "event": "virtual_account.rejected",
    "virtual_account_id": "vba-3",
    "status": "REJECTED",
    "rejection_reason": "KYC failed",
    "user_reason": "We could not verify you",
    "developer_reason": "CUSTOMER_VERIFICATION_FAILED",
}


def test_a_flat_ngn_collection_with_exact_decimal_amounts() -> None:
    event = parse_event(decode_body(NGN_COLLECTION))
    assert isinstance(event, CollectionEvent)
    assert event.type == EventType.COLLECTION == "collection"
    assert event.event_id == "e-collection-1"
    assert event.transaction_amount == Decimal("1000.00")
    assert str(event.transaction_fee) == "10.50"  # as written, not 10.5 via a float
    assert event.transaction_amount_without_fee == Decimal("989.50")
    assert event.source_information is not None
    assert event.source_information.account_name == "Ada Payer"
    assert event.virtual_bank_account is not None
    assert event.virtual_bank_account.id == "vba-1"
    assert event.invalid_fields == ()
    assert event.raw["transaction_fee"] == Decimal("10.50")


def test_a_cad_collection_carries_the_interac_emails() -> None:
    event = parse_event(CAD_COLLECTION)
    assert isinstance(event, CollectionEvent)
    assert event.payee_collection_email == "payments@business.example"
    assert event.source_information is not None
    assert event.source_information.collection_email == "payer@example.com"


def test_payout_initiated_is_a_payout_event_that_is_not_final() -> None:
    event = parse_event(decode_body(CAD_PAYOUT_INITIATED))
    assert isinstance(event, PayoutEvent)
    assert event.initiated
    assert event.transaction_status == "PENDING"
    assert event.transaction_amount_without_fee == Decimal(100)
    assert event.recipient is not None and event.recipient.amount == Decimal("100.00")
    assert event.recipient.account_number is None
    assert event.extras is not None and event.extras.interac_instruction is not None
    assert event.extras.interac_instruction.answer == "4242"
    assert "4242" not in repr(event)  # the answer opens the transfer
    assert event.developer_note is not None


def test_a_final_payout_with_string_amounts() -> None:
    event = parse_event(GBP_PAYOUT)
    assert isinstance(event, PayoutEvent)
    assert not event.initiated
    assert event.transaction_amount == Decimal("80.10")
    assert event.recipient is not None and event.recipient.sort_code == "040004"


def test_virtual_account_events_use_the_event_key() -> None:
    ready = parse_event(VBA_READY)
    assert isinstance(ready, VirtualAccountEvent)
    assert ready.type == EventType.VIRTUAL_ACCOUNT_READY
    assert ready.routing_number == "101019644"
    assert ready.iban is None
    rejected = parse_event(VBA_REJECTED)
    assert isinstance(rejected, VirtualAccountEvent)
    assert rejected.developer_reason == "CUSTOMER_VERIFICATION_FAILED"
    created = parse_event({"event": "virtual_account.created", "status": "PENDING"})
    assert isinstance(created, VirtualAccountEvent) and created.status == "PENDING"


def test_the_claimed_envelope_reads_fields_from_data() -> None:
    body = {
        "event": "payout.completed",
        "id": "evt_123",
        "timestamp": "2024-01-01T00:00:00Z",
        "data": {"transaction_id": "tx-9", "transaction_amount": Decimal("5.5")},
    }
    event = parse_event(body)
    assert isinstance(event, PayoutEvent)
    assert event.type == "payout.completed"
    assert event.event_id == "evt_123"
    assert event.transaction_amount == Decimal("5.5")
    assert event.data["transaction_id"] == "tx-9"
    assert event.raw == body


def test_customer_and_signa_families() -> None:
    changed = {"event": "customer.status_changed", "customer_id": "c1", "status": "VERIFIED"}
    customer = parse_event(changed)
    assert isinstance(customer, CustomerEvent) and customer.customer_id == "c1"
    session = parse_event({"event": "merchant.kyc.session.completed", "session_id": "s1"})
    assert isinstance(session, KycEvent) and session.session_id == "s1"
    revoked = parse_event({"event": "signa_id.grant.revoked", "data": {"release_id": "r1"}})
    assert isinstance(revoked, KycEvent) and revoked.release_id == "r1"


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("collection", CollectionEvent),
        ("COLLECTION", CollectionEvent),
        ("collection.failed", CollectionEvent),
        ("payout", PayoutEvent),
        ("payout_initiated", PayoutEvent),
        ("payout.processing", PayoutEvent),
        ("customer.created", CustomerEvent),
        ("virtual_account.credited", VirtualAccountEvent),
        ("merchant.kyc.session.expired", KycEvent),
        ("swap", WebhookEvent),
        ("something.new", WebhookEvent),
        ("", WebhookEvent),
    ],
)
def test_event_names_map_to_their_family(name: str, cls: type[WebhookEvent]) -> None:
    assert type(parse_event({"type": name, "event_id": "x"})) is cls


def test_type_wins_over_event_and_an_unknown_type_is_a_generic_event() -> None:
    both = parse_event({"type": "payout", "event": "collection.completed"})
    assert isinstance(both, PayoutEvent) and both.type == "payout"
    unknown = parse_event({"type": "refund.created", "event_id": 7, "amount": 3})
    assert type(unknown) is WebhookEvent
    assert unknown.type == "refund.created"
    assert unknown.event_id == "7"
    assert unknown.extra["amount"] == 3
    bare = parse_event({})
    assert type(bare) is WebhookEvent and bare.type is None and bare.event_id is None


def test_fields_of_the_wrong_type_are_none_listed_and_kept_raw() -> None:
    """The lenient policy: a verified delivery is always usable."""
    body = {
        "type": "payout",
        "event_id": "e1",
        "transaction_amount": "a lot",
        "transaction_fee": True,
        "transaction_status": {"nested": "object"},
        "transaction_currency": "NGN",
        "recipient": {"amount": [1, 2], "account_name": "Eve"},
        "extras": "not an object",
    }
    event = parse_event(body)
    assert isinstance(event, PayoutEvent)
    assert event.transaction_amount is None
    assert event.transaction_fee is None
    assert event.transaction_status is None
    assert event.transaction_currency == "NGN"
    assert event.recipient is not None
    assert event.recipient.amount is None and event.recipient.account_name == "Eve"
    assert event.extras is None
    assert set(event.invalid_fields) == {
        "transaction_amount",
        "transaction_fee",
        "transaction_status",
        "recipient.amount",
        "extras",
    }
    assert event.raw["transaction_amount"] == "a lot"


def test_a_non_string_type_or_id_is_listed_not_fatal() -> None:
    event = parse_event({"type": ["payout"], "event_id": {"id": 1}})
    assert type(event) is WebhookEvent
    assert event.type is None and event.event_id is None
    assert set(event.invalid_fields) == {"type", "event_id"}


def _floats(value: Any) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


def test_no_float_anywhere_in_a_decoded_body() -> None:
    body = '{"a": 1.5, "b": [2.25, {"c": 1e-3}], "d": 10}'
    data = decode_body(body)
    assert _floats(data) == []
    assert data["b"][1]["c"] == Decimal("0.001")
    assert data["d"] == 10


@pytest.mark.parametrize(
    "amount",
    ["1E+999999", "-1E+999999", "1E-999999", "1" + "0" * 60, "0." + "0" * 30 + "1", '"1E+999999"'],
)
def test_absurd_amounts_are_invalid_fields_not_work(amount: str) -> None:
    """Operations on 1E+999999 (int(), formatting) would take seconds: never let it out."""
    body = f'{{"type": "payout", "transaction_amount": {amount}, "transaction_id": {amount}}}'
    event = parse_event(decode_body(body))
    assert isinstance(event, PayoutEvent)
    assert event.transaction_amount is None
    assert "transaction_amount" in event.invalid_fields
    if not amount.startswith('"') and not amount.isdigit():  # a long integer id is fine
        assert event.transaction_id is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'{"type": "payout"',
        b"[1, 2, 3]",
        b'"a string"',
        b"null",
        b'{"amount": NaN}',
        b'{"amount": Infinity}',
        b'{"amount": -Infinity}',
        b"\xff\xfe{}",
        '{"é": 1}'.encode("utf-16"),
        b'{"big": ' + b"9" * 5000 + b"}",
        b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
        b"[" * 100_000 + b"]" * 100_000,
        (b'{"a": ' * (MAX_DEPTH + 1)) + b"{}" + b"}" * (MAX_DEPTH + 1),
    ],
    ids=lambda b: repr(b[:20]),
)
def test_hostile_or_broken_bodies_are_invalid_json(body: bytes) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        construct_event(body, sign_headers(SECRET, body), SECRET)
    assert info.value.reason == "invalid_json"


def test_nesting_up_to_the_limit_is_fine() -> None:
    body = '{"type": "x", "d": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
    assert construct_event(body, sign_headers(SECRET, body), SECRET).type == "x"


def test_events_are_hashable_and_compare_by_fields() -> None:
    a, b = parse_event(GBP_PAYOUT), parse_event(json.loads(json.dumps(GBP_PAYOUT)))
    assert a == b
    assert hash(a) == hash(b)
