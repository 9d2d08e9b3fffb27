"""Swaps between two wallets of the business, and refunds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from .base import check_max_length, positive

REFUND_LIMITS = {"reason": 250, "reference": 100}


def validate_swap(body: Mapping[str, Any]) -> None:
    ctx = "swap"
    positive(body, "amount", context=ctx)
    if body["from_business_wallet_id"] == body["to_business_wallet_id"]:
        raise ValidationError(f"{ctx}: the two wallets must differ", field="to_business_wallet_id")


def validate_refund(body: Mapping[str, Any]) -> None:
    check_max_length(body, REFUND_LIMITS, context="refund")
