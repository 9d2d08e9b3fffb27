"""Typed webhook events, read leniently from a verified body.

The API's sources (docs/sources.md) disagree on the shape: transaction webhooks are
flat objects with a ``type`` (``collection``, ``payout``, ``payout_initiated``), account
webhooks carry a top-level ``event`` (``virtual_account.ready``), and the events page
claims an ``{event, data, timestamp}`` envelope. All three are read here: fields come
from ``data`` when it is an object, else from the top level, and ``.type`` is ``type``,
else ``event``. The class is chosen by family; an unknown type is a plain
``WebhookEvent``, never an error.

A delivery that passed verification is real, so a field of an unexpected type must not
make it unusable: such a field is ``None``, its dotted path is listed in
``invalid_fields``, and the value is still in ``raw``. Amounts are ``Decimal`` (floats
never appear), and an amount beyond any sane size (``1E+999999``) counts as invalid, so
no later arithmetic or formatting can spend seconds on it.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs

from ..errors import VerificationReason, WebhookVerificationError
from ..models.base import Model, Money, masked, model
from ..models.converter import converter
from ..models.transactions import Recipient, SourceInformation
from ..models.virtual_accounts import VirtualBankAccount
from ..telemetry.observer import webhook_verification_failed

MAX_DEPTH = 32  # real payloads nest three levels; anything this deep is hostile
# Amounts larger than 10**24 or with digits below 10**-18 are no money, only work.
MAX_AMOUNT_ADJUSTED = 24
MIN_AMOUNT_EXPONENT = -18
MAX_AMOUNT_DIGITS = 48

M = TypeVar("M", bound=Model)


class EventType(enum.StrEnum):
    """The event names the API's sources show; ``.type`` may hold others."""

    COLLECTION = "collection"
    PAYOUT = "payout"
    PAYOUT_INITIATED = "payout_initiated"
    PAYOUT_INITIATED_DOTTED = "payout.initiated"
    PAYOUT_PROCESSING = "payout.processing"
    PAYOUT_COMPLETED = "payout.completed"
    PAYOUT_FAILED = "payout.failed"
    COLLECTION_INITIATED = "collection.initiated"
    COLLECTION_PENDING = "collection.pending"
    COLLECTION_COMPLETED = "collection.completed"
    COLLECTION_FAILED = "collection.failed"
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_VERIFIED = "customer.verified"
    CUSTOMER_REJECTED = "customer.rejected"
    CUSTOMER_STATUS_CHANGED = "customer.status_changed"
    VIRTUAL_ACCOUNT_CREATED = "virtual_account.created"
    VIRTUAL_ACCOUNT_READY = "virtual_account.ready"
    VIRTUAL_ACCOUNT_REJECTED = "virtual_account.rejected"
    VIRTUAL_ACCOUNT_CREDITED = "virtual_account.credited"
    KYC_SESSION_COMPLETED = "merchant.kyc.session.completed"
    KYC_SESSION_EXPIRED = "merchant.kyc.session.expired"
    SIGNA_ID_GRANT_REVOKED = "signa_id.grant.revoked"


# -- the events ---------------------------------------------------------------------------


@model
class WebhookEvent(Model):
    """Any verified delivery. ``type`` is the payload's ``type``, else its ``event``;
    ``event_id`` its ``event_id`` (the dedup key); ``raw`` the whole decoded body."""

    type: str | None = None
    event_id: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)
    invalid_fields: tuple[str, ...] = ()

    @property
    def data(self) -> Mapping[str, Any]:
        """The object the fields were read from: ``raw["data"]`` in an envelope, else
        ``raw`` itself."""
        inner = self.raw.get("data")
        return inner if isinstance(inner, Mapping) else self.raw


@model
class TransactionEvent(WebhookEvent):
    """Fields shared by collection and payout webhooks."""

    message: str | None = None
    transaction_id: str | None = None
    transaction_reference: str | None = None
    transaction_status: str | None = None
    transaction_fee: Money | None = None
    transaction_amount_without_fee: Money | None = None
    transaction_amount: Money | None = None
    transaction_currency: str | None = None


@model
class CollectionEvent(TransactionEvent):
    """Money arrived: ``type`` ``collection`` (or a ``collection.*`` name)."""

    source_information: SourceInformation | None = None
    payee_collection_email: str | None = None
    virtual_bank_account: VirtualBankAccount | None = None


@model
class InteracInstruction(Model):
    question: str | None = None
    answer: str | None = attrs.field(default=None, repr=masked)  # opens the transfer


@model
class PayoutExtras(Model):
    interac_instruction: InteracInstruction | None = None


@model
class PayoutEvent(TransactionEvent):
    """A payout changed state: ``payout`` (final), ``payout_initiated`` (accepted, not
    final; CAD and some other currencies), or a ``payout.*`` name."""

    customer_id: str | None = None
    recipient: Recipient | None = None
    extras: PayoutExtras | None = None
    developer_note: str | None = None

    @property
    def initiated(self) -> bool:
        """True for the not-yet-final "initiated" notice: wait for the final one."""
        return (self.type or "").lower() in {
            EventType.PAYOUT_INITIATED,
            EventType.PAYOUT_INITIATED_DOTTED,
        }


@model
class VirtualAccountEvent(WebhookEvent):
    """``virtual_account.created`` (PENDING), ``.ready`` (with bank details), ``.rejected``
    (with reasons), and other ``virtual_account.*`` names."""

    virtual_account_id: str | None = None
    customer_id: str | None = None
    wallet_id: str | None = None
    currency: str | None = None
    status: str | None = None
    account_number: str | None = None
    account_name: str | None = None
    bank_name: str | None = None
    bank_code: str | None = None
    routing_number: str | None = None
    iban: str | None = None
    sort_code: str | None = None
    bank_address: str | None = None
    rejection_reason: str | None = None
    user_reason: str | None = None
    developer_reason: str | None = None


@model
class CustomerEvent(WebhookEvent):
    """``customer.*``: e.g. ``customer.status_changed`` after a KYC session was linked."""

    customer_id: str | None = None
    status: str | None = None
    message: str | None = None


@model
class KycEvent(WebhookEvent):
    """Signa KYC sessions (``merchant.kyc.session.*``) and Signa ID grants
    (``signa_id.grant.revoked``: afterwards the release reads return no data)."""

    session_id: str | None = None
    customer_id: str | None = None
    status: str | None = None
    release_id: str | None = None
    message: str | None = None


def event_class(type_name: str | None) -> type[WebhookEvent]:
    """The family of an event name; ``WebhookEvent`` for a name of no known family."""
    name = (type_name or "").lower()
    if name == EventType.COLLECTION or name.startswith("collection."):
        return CollectionEvent
    if name in (EventType.PAYOUT, EventType.PAYOUT_INITIATED) or name.startswith("payout."):
        return PayoutEvent
    if name.startswith("virtual_account."):
        return VirtualAccountEvent
    if name.startswith("customer."):
        return CustomerEvent
    if name.startswith(("merchant.kyc.", "signa_id.")):
        return KycEvent
    return WebhookEvent


# -- decoding -------------------------------------------------------------------------------


def _invalid_json(message: str) -> WebhookVerificationError:
    reason = VerificationReason.INVALID_JSON
    webhook_verification_failed(reason.value)
    return WebhookVerificationError(f"{reason.value}: {message}", reason=reason)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_deep(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def decode_body(body: bytes | str) -> dict[str, Any]:
    """The body as a JSON object, numbers with a fraction or exponent as ``Decimal``.

    Refused with ``invalid_json``: bytes that are not UTF-8, text that is not JSON,
    ``NaN``/``Infinity``, integers of more than 4300 digits, anything but an object at
    the top, and nesting deeper than ``MAX_DEPTH``.
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except RecursionError:
        raise _invalid_json(f"nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeError) as exc:
        raise _invalid_json(f"the body is not JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise _invalid_json(f"the body is JSON {type(data).__name__}, not an object")
    if _too_deep(data, MAX_DEPTH):
        raise _invalid_json(f"nested deeper than {MAX_DEPTH} levels")
    return data


# -- lenient structuring --------------------------------------------------------------------


class _Invalid(Exception):
    """A field value this SDK cannot read as the declared type."""


def amount(value: Any) -> Decimal:
    """An amount from JSON: a number or numeric string, finite and of sane size."""
    if isinstance(value, bool):
        raise _Invalid
    if isinstance(value, int):
        if abs(value) >= 10**MAX_AMOUNT_ADJUSTED:
            raise _Invalid
        return Decimal(value)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str) and len(value) <= MAX_AMOUNT_DIGITS + 8:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise _Invalid from None
    else:
        raise _Invalid
    if not number.is_finite() or not _sane(number):
        raise _Invalid
    return number


def _sane(number: Decimal) -> bool:
    digits = len(number.as_tuple().digits)
    exponent = number.as_tuple().exponent
    return (
        isinstance(exponent, int)
        and number.adjusted() <= MAX_AMOUNT_ADJUSTED
        and exponent >= MIN_AMOUNT_EXPONENT
        and digits <= MAX_AMOUNT_DIGITS
    )


def _unwrap_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _value(tp: Any, raw: Any, path: str, invalid: list[str]) -> Any:
    inner = _unwrap_optional(tp)
    if isinstance(inner, type) and issubclass(inner, Model):
        if not isinstance(raw, Mapping):
            raise _Invalid
        return build(inner, raw, invalid, prefix=f"{path}.")
    if inner is Decimal:
        return amount(raw)
    if isinstance(raw, Decimal) and not (raw.is_finite() and _sane(raw)):
        raise _Invalid  # int() or str() of 1E+999999 is where the seconds would go
    if isinstance(raw, dict | list):
        raise _Invalid  # no scalar field takes a container
    try:
        return converter.structure(raw, tp)
    except Exception:
        raise _Invalid from None


def build(cls: type[M], data: Mapping[str, Any], invalid: list[str], *, prefix: str = "") -> M:
    """``cls`` from ``data``, field by field: a value that does not fit is None and its
    path goes to ``invalid``. Undeclared keys land in ``extra``, as for API models."""
    attrs.resolve_types(cls)
    values: dict[str, Any] = {}
    known: set[str] = set()
    for field in attrs.fields(cls):
        if field.name in _NOT_FROM_PAYLOAD:
            continue
        wire = field.name[:-1] if field.name.endswith("_") else field.name
        known.add(wire)
        if wire not in data or data[wire] is None:
            if field.default is attrs.NOTHING:
                raise _Invalid  # a required nested field is missing
            continue
        try:
            values[field.name] = _value(field.type, data[wire], prefix + wire, invalid)
        except _Invalid:
            if field.default is attrs.NOTHING:
                raise
            invalid.append(prefix + wire)
    obj = cls(**values)
    extra = {k: v for k, v in data.items() if k not in known}
    if extra:
        object.__setattr__(obj, "extra", extra)
    return obj


_NOT_FROM_PAYLOAD = frozenset({"extra", "raw", "invalid_fields", "type", "event_id"})
_ENVELOPE_KEYS = frozenset({"type", "event", "event_id", "data"})


def _text(value: Any) -> str | None:
    """An id or a name: a non-empty string, or an integer (ids sent as numbers)."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**40:
        return str(value)
    return None


def parse_event(payload: Mapping[str, Any]) -> WebhookEvent:
    """A typed event from an already verified, decoded body. Never raises for content:
    an unknown type gives a ``WebhookEvent``, a field of the wrong type is None."""
    raw = dict(payload)
    inner = raw.get("data")
    source: Mapping[str, Any] = {**raw, **inner} if isinstance(inner, Mapping) else raw
    invalid: list[str] = []
    type_key = "type" if raw.get("type") is not None else "event"
    event_type = _text(raw.get(type_key))
    if raw.get(type_key) is not None and event_type is None:
        invalid.append(type_key)
    event_id = _text(source.get("event_id"))
    if source.get("event_id") is not None and event_id is None:
        invalid.append("event_id")
    if event_id is None and isinstance(inner, Mapping):
        event_id = _text(raw.get("id"))  # an envelope's own id
    fields = {k: v for k, v in source.items() if k not in _ENVELOPE_KEYS}
    event = build(event_class(event_type), fields, invalid)
    return attrs.evolve(
        event, type=event_type, event_id=event_id, raw=raw, invalid_fields=tuple(invalid)
    )


def event_from_body(body: bytes | str) -> WebhookEvent:
    """``parse_event(decode_body(body))``: for a body verified some other way."""
    return parse_event(decode_body(body))
