"""Swaps between the business's own wallets, and refunds of transactions."""

from __future__ import annotations

import enum
from typing import Literal, Required

from .base import Amount, Model, Money, RequestBody, model


class AmountType(enum.StrEnum):
    """Which side of a swap ``amount`` fixes: what leaves (``from``) or arrives (``to``)."""

    FROM = "from"
    TO = "to"


class RefundStatus(enum.StrEnum):
    """Known refund statuses; others come through as plain strings."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"


# -- requests ------------------------------------------------------------------------------


AmountTypeName = Literal["from", "to"]  # the values of ``AmountType``


class SwapRequest(RequestBody, total=False):
    from_business_wallet_id: Required[str]
    to_business_wallet_id: Required[str]
    amount: Required[Amount]
    amount_type: AmountType | AmountTypeName | None


class RefundRequest(RequestBody, total=False):
    transaction_id: Required[str]
    reason: str | None  # at most 250 characters
    reference: str | None  # at most 100 characters


# -- responses -----------------------------------------------------------------------------


@model
class SwapTransaction(Model):
    """The ``business_swap_transaction`` of a swap. Only its presence is documented; the
    fields are what a swap needs to be reconciled, all optional."""

    id: str | None = None
    transaction_id: str | None = None
    reference: str | None = None
    status: str | None = None
    from_business_wallet_id: str | None = None
    to_business_wallet_id: str | None = None
    from_currency: str | None = None
    to_currency: str | None = None
    from_amount: Money | None = None
    to_amount: Money | None = None
    rate: Money | None = None
    amount_type: str | None = None
    created_at: str | None = None


@model
class Swap(Model):
    """The ``data`` of ``POST /swap``."""

    business_swap_transaction: SwapTransaction | None = None


@model
class Refund(Model):
    """A refund of ``transaction_id``; poll ``refunds.get`` for ``status``."""

    id: str
    status: str | None = None
    transaction_id: str | None = None
    amount: Money | None = None
    currency: str | None = None
    reason: str | None = None
    reference: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
