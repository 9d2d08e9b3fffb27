"""Swaps between the business's own wallets, and refunds of transactions."""

from __future__ import annotations

import enum

from .base import Model, Money, model


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


@model
class SwapRequest(Model):
    from_business_wallet_id: str
    to_business_wallet_id: str
    amount: Money
    amount_type: str | None = None


@model
class RefundRequest(Model):
    transaction_id: str
    reason: str | None = None
    reference: str | None = None


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
