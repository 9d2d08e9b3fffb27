"""Fee breakdowns (``POST /fees/breakdown``)."""

from __future__ import annotations

from .base import Model, Money, model


@model
class FeeBreakdown(Model):
    """``you_send`` is debited in total; ``recipient_gets`` arrives after fees."""

    you_send: Money | None = None
    total_amount_to_send: Money | None = None
    recipient_gets: Money | None = None
    total_fees: Money | None = None
    platform_fee: Money | None = None
    method_fee: Money | None = None
    exchange_rate: Money | None = None
    from_currency: str | None = None
    to_currency: str | None = None
    method: str | None = None
