"""The API's documented request rules, checked before anything is sent.

Pure functions over the request body (required fields and path ids, amounts, URLs, email
addresses, lengths, choices); each raises ``ValidationError`` naming the field.
"""

from __future__ import annotations

import difflib
import re
import secrets
import urllib.parse
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, get_type_hints

from .errors import UnknownFieldError, ValidationError

# Exact types only: a float such as 0.1 is not the amount it looks like.
Amount = Decimal | int | str

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

ENUMS: dict[str, frozenset[str]] = {
    "type": frozenset({"individual", "business"}),
    "account_type": frozenset({"checking", "savings"}),
    "wallet_token": frozenset({"USDT", "USDC"}),
    "wallet_network": frozenset(
        {"BSC_MAINNET", "ETHEREUM_MAINNET", "TRON_MAINNET", "MATIC_MAINNET"}
    ),
}

MOBILE_MONEY_CURRENCIES = frozenset({"KES", "UGX", "TZS", "XOF", "GHS"})


def require(body: Mapping[str, Any], *fields: str, context: str) -> None:
    for field in fields:
        value = body.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValidationError(f"{context}: {field} is required", field=field)


def require_ids(context: str, **ids: str | None) -> dict[str, str]:
    """Path ids must be non-empty strings: an empty one would address another endpoint.
    Returns them as the path values of the call."""
    require(ids, *ids, context=context)
    return {name: str(value) for name, value in ids.items()}


def exactly_one(body: Mapping[str, Any], a: str, b: str, *, context: str) -> None:
    has_a, has_b = body.get(a) is not None, body.get(b) is not None
    if has_a == has_b:
        raise ValidationError(f"{context}: give exactly one of {a} or {b}", field=a)


def positive(body: Mapping[str, Any], *fields: str, context: str, minimum: float = 0) -> None:
    for field in fields:
        value = body.get(field)
        if value is None:
            continue
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(f"{context}: {field} must be a number", field=field) from None
        if not number.is_finite() or number <= Decimal(str(minimum)):
            raise ValidationError(f"{context}: {field} must be more than {minimum}", field=field)


_CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")


def _payout_fields(
    method: str, rules: Mapping[str | None, tuple[str, ...]], to_currency: str
) -> tuple[str, ...]:
    """The fields ``method`` needs for ``to_currency``, a currency code or its id.

    A code is checked against the method's currencies; for an id the SDK cannot tell the
    currency, so it checks what every currency of the method needs and leaves the rest
    to the server. Mobile money is the other way round: the API wants the id.
    """
    is_code = _CURRENCY_CODE.fullmatch(to_currency) is not None
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
    require(
        body, "wallet_id", "customer_id", "method", "from_currency_id", "to_currency_id",
        context=ctx,
    )  # fmt: skip
    exactly_one(body, "from_amount", "to_amount", context=ctx)
    positive(body, "from_amount", "to_amount", context=ctx)
    method = str(body["method"])
    rules = PAYOUT_RULES.get(method)
    if rules is None:
        known = ", ".join(sorted(PAYOUT_RULES))
        raise ValidationError(f"{ctx}: unknown method {method!r} (one of: {known})", field="method")
    required = _payout_fields(method, rules, str(body["to_currency_id"]))
    require(body, *required, context=f"{ctx} by {method}")
    for field, allowed_values in ENUMS.items():
        if field in required and str(body[field]) not in allowed_values:
            raise ValidationError(
                f"{ctx}: {field} must be one of {', '.join(sorted(allowed_values))}", field=field
            )
    if method == "mobile_money" and not str(body["phone_number"]).startswith("+"):
        raise ValidationError(
            f"{ctx}: phone_number must be international, starting with +", field="phone_number"
        )
    if body.get("merchant_reference") is not None and len(str(body["merchant_reference"])) > 255:
        raise ValidationError(
            f"{ctx}: merchant_reference is over 255 characters", field="merchant_reference"
        )


def validate_fees(body: Mapping[str, Any]) -> None:
    ctx = "fee breakdown"
    require(body, "from_currency_id", "to_currency_id", context=ctx)
    exactly_one(body, "from_amount", "to_amount", context=ctx)
    positive(body, "from_amount", "to_amount", context=ctx)


def compact(**fields: Any) -> dict[str, Any]:
    """The request body without unset (None) fields."""
    return {k: v for k, v in fields.items() if v is not None}


def to_amount(value: Amount, field: str, *, context: str) -> Decimal:
    """An amount as an exact, finite ``Decimal``; a float is refused, since ``0.1`` is
    not the number it shows and money must not be rounded by accident."""
    if isinstance(value, float):
        raise ValidationError(
            f"{context}: {field} is a float ({value!r}); pass a Decimal, an int or a string "
            f"such as {str(value)!r}, which are exact",
            field=field,
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError(f"{context}: {field} must be a number", field=field)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(f"{context}: {field} must be a number", field=field) from None
    if not number.is_finite():
        raise ValidationError(f"{context}: {field} must be a finite number", field=field)
    return number


def check_fields(given: Mapping[str, Any], schema: type, *, context: str) -> None:
    """Refuse keywords the request does not declare: a typo must not send a payout without
    its reference. Extra API fields go in ``extra_body``."""
    known = get_type_hints(schema)
    unknown = [name for name in given if name not in known]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, known, n=1)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else "; put API fields this release does not know in extra_body"
        )
        raise UnknownFieldError(f"{context}: unknown field {name!r}{hint}", field=name)
    missing = sorted(getattr(schema, "__required_keys__", frozenset()) - given.keys())
    if missing:
        raise ValidationError(f"{context}: {missing[0]} is required", field=missing[0])


def merchant_reference(given: str | None) -> str:
    """The caller's reference, or a new one: every payment can be looked up afterwards.

    A reference that cannot be looked up as given is refused before anything is sent: an
    empty one, one with surrounding whitespace (a server that trims it stores another), or
    ``.``/``..`` (as a path segment it addresses another endpoint)."""
    if given is None:
        return f"blaaiz-{secrets.token_hex(12)}"
    if not isinstance(given, str) or not given.strip() or given != given.strip():
        raise ValidationError(
            "payout: merchant_reference must be a non-empty string without surrounding "
            "whitespace, so the payout can be looked up by it",
            field="merchant_reference",
        )
    if given in (".", ".."):
        raise ValidationError(
            "payout: merchant_reference cannot be . or .. (it could not be looked up)",
            field="merchant_reference",
        )
    return given


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback_http(url: str) -> bool:
    """A plain-http URL on this machine: a local app receiving the sandbox's webhooks."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme == "http" and host is not None and host in LOOPBACK_HOSTS


def check_https(
    body: Mapping[str, Any], *fields: str, context: str, allow_loopback: bool = False
) -> None:
    """Each of ``fields`` that is set must be an absolute https URL (or, with
    ``allow_loopback``, a plain-http loopback one, which only a local sandbox accepts)."""
    for field in fields:
        value = body.get(field)
        if value is None:
            continue
        if allow_loopback and is_loopback_http(str(value)):
            continue
        parts = urllib.parse.urlsplit(str(value))
        if parts.scheme != "https" or not parts.netloc:
            raise ValidationError(f"{context}: {field} must be an https URL", field=field)


def check_max_length(body: Mapping[str, Any], limits: Mapping[str, int], *, context: str) -> None:
    for field, limit in limits.items():
        value = body.get(field)
        if value is not None and len(str(value)) > limit:
            raise ValidationError(f"{context}: {field} is over {limit} characters", field=field)


def check_choice(
    body: Mapping[str, Any], field: str, allowed: Sequence[str], *, context: str
) -> None:
    value = body.get(field)
    if value is not None and value not in allowed:
        raise ValidationError(
            f"{context}: {field} must be one of {', '.join(allowed)} (got {value!r})",
            field=field,
        )


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_email(body: Mapping[str, Any], *fields: str, context: str) -> None:
    for field in fields:
        value = body.get(field)
        if value is not None and not _EMAIL.fullmatch(str(value)):
            raise ValidationError(f"{context}: {field} is not an email address", field=field)
