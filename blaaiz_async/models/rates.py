"""Exchange rates (``GET /rate``).

The API does not document this response. The fields below are the usual names for a
currency pair and its rate; all are optional, and whatever else arrives is kept in
``extra``, so the real shape can be read whatever it turns out to be.
"""

from __future__ import annotations

from .base import Model, Money, model


@model
class Rate(Model):
    """One currency pair: ``rate`` units of ``to_currency`` per unit of ``from_currency``."""

    id: str | None = None
    from_currency: str | None = None
    to_currency: str | None = None
    from_currency_id: str | None = None
    to_currency_id: str | None = None
    rate: Money | None = None
    buy_rate: Money | None = None
    sell_rate: Money | None = None
    updated_at: str | None = None
