"""Virtual bank accounts: per-currency needs, and the identification-type query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from .base import check_country, check_max_length, require

VBA_CURRENCIES = frozenset({"NGN", "GBP", "USD", "EUR"})
NEEDS_INDIVIDUAL = frozenset({"GBP", "USD", "EUR"})
MAX_ACCOUNT_NAME = 255


def validate_vba_create(body: Mapping[str, Any], currency: str | None) -> None:
    """``account_name`` at most 255 characters. The per-currency rules (NGN needs
    ``account_name``; GBP/USD/EUR need a ``customer_id``) need the wallet's currency, which
    the body does not carry: they are checked when the caller names it, otherwise the API
    checks them."""
    ctx = "virtual account"
    check_max_length(body, {"account_name": MAX_ACCOUNT_NAME}, context=ctx)
    if currency is None:
        return
    code = currency.upper()
    if code not in VBA_CURRENCIES:
        raise ValidationError(
            f"{ctx}: {code} accounts are not offered (one of: {', '.join(sorted(VBA_CURRENCIES))})",
            field="currency",
        )
    if code == "NGN":
        require(body, "account_name", context=f"{ctx} in NGN")
    if code in NEEDS_INDIVIDUAL:
        require(body, "customer_id", context=f"{ctx} in {code} (an individual customer)")


def validate_identification_query(params: Mapping[str, Any]) -> None:
    """Either ``customer_id``, or both ``country`` (ISO-2) and ``type``; not a mix."""
    ctx = "identification type"
    by_customer = params.get("customer_id") is not None
    by_place = params.get("country") is not None or params.get("type") is not None
    if by_customer and by_place:
        raise ValidationError(
            f"{ctx}: give customer_id, or country and type, not both", field="customer_id"
        )
    if by_customer:
        return
    if not by_place:
        raise ValidationError(f"{ctx}: give customer_id, or country and type", field="customer_id")
    require(params, "country", "type", context=ctx)
    check_country(params, "country", context=ctx)
