"""Bank-account checks: account lookups, UK Confirmation of Payee, IBANs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from .base import check_country, require

SORT_CODE = re.compile(r"\d{6}")
IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


def validate_bank_query(params: Mapping[str, Any]) -> None:
    check_country(params, "country", context="banks")


def validate_account_lookup(body: Mapping[str, Any]) -> None:
    """``account_number`` and a bank: ``bank_id`` (the official SDKs) or ``bank_code`` +
    ``currency`` (the OpenAPI file). Sending both bank keys is allowed; the server decides
    which it reads."""
    ctx = "account lookup"
    if body.get("bank_id") is None and body.get("bank_code") is None:
        raise ValidationError(f"{ctx}: give bank_id (or bank_code with currency)", field="bank_id")
    if body.get("bank_id") is None:
        require(body, "currency", context=f"{ctx} by bank_code")


def validate_payee(body: Mapping[str, Any]) -> None:
    digits = re.sub(r"[\s-]", "", str(body["sort_code"]))
    if not SORT_CODE.fullmatch(digits):
        raise ValidationError("payee verification: sort_code must be 6 digits", field="sort_code")


def normal_iban(iban: Any) -> Any:
    """The printed form's spaces removed and letters upper-cased, as the API wants it."""
    return re.sub(r"\s", "", iban).upper() if isinstance(iban, str) else iban


def validate_iban(body: Mapping[str, Any]) -> None:
    if not IBAN.fullmatch(str(body["iban"])):
        raise ValidationError(
            "IBAN verification: not an IBAN (country code, 2 check digits, 11-30 letters or "
            "digits)",
            field="iban",
        )
