"""Payouts and fee quotes: which fields each payout method needs, per currency.

The closed sets (``method``, ``type``, ``wallet_token``...) are the ``Literal`` types of
``models.PayoutFields``, checked by ``request_body()`` from that declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from ..models.payouts import PayoutFields
from .base import (
    CURRENCY_CODE,
    MAX_REFERENCE,
    check_declared,
    check_max_length,
    check_phone,
    exactly_one,
    positive,
    require,
)

_US_ACCOUNT = (
    "type",
    "account_number",
    "account_name",
    "account_type",
    "bank_name",
    "routing_number",
)

# Payout method -> {currency or None for any: fields it requires}.
PAYOUT_RULES: dict[str, dict[str | None, tuple[str, ...]]] = {
    "bank_transfer": {
        "NGN": ("bank_id", "account_number"),
        "GBP": ("sort_code", "account_number", "account_name"),
        "EUR": ("iban", "bic_code", "account_name"),
    },
    "interac": {"CAD": ("email", "interac_first_name", "interac_last_name")},
    "ach": {"USD": _US_ACCOUNT},
    "wire": {"USD": (*_US_ACCOUNT, "swift_code")},
    "crypto": {"USD": ("wallet_address", "wallet_token", "wallet_network")},
    "mobile_money": {None: ("phone_number", "mobile_money_operator_id", "account_name")},
}

MOBILE_MONEY_CURRENCIES = frozenset({"KES", "UGX", "TZS", "XOF", "GHS"})


def _payout_fields(
    method: str, rules: Mapping[str | None, tuple[str, ...]], to_currency: str
) -> tuple[str, ...]:
    """The fields ``method`` needs for ``to_currency``, a currency code or its id.

    A code is checked against the method's currencies; for an id the client cannot tell
    the currency, so it checks what every currency of the method needs and leaves the
    rest to the server. Mobile money is the other way round: the API wants the id.
    """
    is_code = CURRENCY_CODE.fullmatch(to_currency) is not None
    if None in rules:  # mobile money
        if is_code:
            raise ValidationError(
                f"payout by {method}: to_currency_id must be the currency's id (from "
                f"currencies.list), not the code {to_currency!r}; mobile money pays out in "
                f"{', '.join(sorted(MOBILE_MONEY_CURRENCIES))}",
                field="to_currency_id",
            )
        return rules[None]
    if not is_code:
        shared = set.intersection(*(set(fields) for fields in rules.values()))
        return tuple(f for f in next(iter(rules.values())) if f in shared)
    fields = rules.get(to_currency.upper())
    if fields is None:
        allowed = ", ".join(c for c in rules if c)
        raise ValidationError(
            f"payout: method {method!r} pays out in {allowed}, not {to_currency.upper()}",
            field="to_currency_id",
        )
    return fields


def validate_payout(body: Mapping[str, Any]) -> None:
    ctx = "payout"
    check_declared(PayoutFields, body, context=ctx)
    exactly_one(body, "from_amount", "to_amount", context=ctx)
    positive(body, "from_amount", "to_amount", context=ctx)
    method = str(body["method"])
    rules = PAYOUT_RULES.get(method)
    if rules is None:
        known = ", ".join(sorted(PAYOUT_RULES))
        raise ValidationError(f"{ctx}: unknown method {method!r} (one of: {known})", field="method")
    required = _payout_fields(method, rules, str(body["to_currency_id"]))
    require(body, *required, context=f"{ctx} by {method}")
    if method == "mobile_money":
        check_phone(body, "phone_number", context=ctx)
    check_max_length(body, {"merchant_reference": MAX_REFERENCE}, context=ctx)


def validate_fees(body: Mapping[str, Any]) -> None:
    ctx = "fee breakdown"
    require(body, "from_currency_id", "to_currency_id", context=ctx)
    exactly_one(body, "from_amount", "to_amount", context=ctx)
    positive(body, "from_amount", "to_amount", context=ctx)
