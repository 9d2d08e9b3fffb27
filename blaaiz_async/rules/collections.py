"""Collections: card data with ``card`` only, crypto minimums, Interac requests."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import ValidationError
from .base import (
    MAX_REFERENCE,
    check_absolute_url,
    check_email,
    check_max_length,
    positive,
    require,
    whole_number,
)

CARD_FIELDS = ("customer_id", "card_holder_name", "card_number", "expiry", "cvc")
CARD_ONLY = ("card_holder_name", "card_number", "expiry", "cvc")
# field -> (pattern, what it must be); a message never shows the card data itself
CARD_FORMATS = {
    "card_number": (re.compile(r"\d{16}"), "16 digits"),
    "expiry": (re.compile(r"(0[1-9]|1[0-2])/\d{2}"), "MM/YY"),
    "cvc": (re.compile(r"\d{3}"), "3 digits"),
}
CRYPTO_MINIMUM = Decimal("0.1")
INTERAC_EXPIRY_HOURS = (1, 120)


def validate_collection(body: Mapping[str, Any]) -> None:
    """The official Python SDK's rules: ``card`` needs the customer and the card; card data
    goes with ``card`` only, so it is never sent where it is not needed."""
    ctx = "collection"
    positive(body, "amount", context=ctx)
    method = body["method"]
    if method == "card":
        card = "collection by card"
        require(body, *CARD_FIELDS, context=card)
        for field, (pattern, shape) in CARD_FORMATS.items():
            if not pattern.fullmatch(str(body[field])):
                raise ValidationError(f"{card}: {field} must be {shape}", field=field)
    else:
        for field in CARD_ONLY:
            if body.get(field) is not None:
                raise ValidationError(
                    f"{ctx}: {field} goes with method 'card' only, not {method!r}", field=field
                )
    check_absolute_url(body, "redirect_url", context=ctx)
    check_max_length(body, {"merchant_reference": MAX_REFERENCE}, context=ctx)


def validate_crypto_collection(body: Mapping[str, Any]) -> None:
    ctx = "crypto collection"
    if Decimal(str(body["amount"])) < CRYPTO_MINIMUM:
        raise ValidationError(f"{ctx}: amount must be at least {CRYPTO_MINIMUM}", field="amount")


def validate_interac_money_request(body: Mapping[str, Any]) -> None:
    ctx = "Interac money request"
    positive(body, "amount", context=ctx)
    check_email(body, "email", context=ctx)
    whole_number(body, "expiry_hours", *INTERAC_EXPIRY_HOURS, context=ctx)


def validate_accept_interac(body: Mapping[str, Any]) -> None:
    check_email(body, "email", context="accept Interac transfer")
