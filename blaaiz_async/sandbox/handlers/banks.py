"""Banks, account lookups, payee and IBAN checks, mobile-money operators.

Account holders are derived from the account number, so the same number always
resolves to the same name, and Confirmation of Payee matches against that name.
"""

from __future__ import annotations

import re
import uuid

from ...rules.banks import IBAN
from ..state import COUNTRIES, Record, SandboxState
from . import Call, Reply, body_of, error, handles, invalid, missing, ok

_NS = uuid.UUID("6f1c1f3e-6d38-4c55-9a39-1d3bd0b1a0a1")

# (currency, name, code)
_BANKS = (
    ("NGN", "Access Bank", "044"),
    ("NGN", "Guaranty Trust Bank", "058"),
    ("NGN", "Zenith Bank", "057"),
    ("NGN", "First Bank of Nigeria", "011"),
    ("NGN", "United Bank for Africa", "033"),
    ("GHS", "GCB Bank", "GH040100"),
    ("GHS", "Ecobank Ghana", "GH130100"),
    ("KES", "Equity Bank Kenya", "68"),
    ("KES", "KCB Bank Kenya", "01"),
)

# (currency, name, code)
_OPERATORS = (
    ("KES", "Safaricom M-Pesa", "MPESA"),
    ("KES", "Airtel Money Kenya", "AIRTEL_KE"),
    ("GHS", "MTN Mobile Money Ghana", "MTN_GH"),
    ("GHS", "Telecel Cash", "TELECEL_GH"),
    ("UGX", "MTN Mobile Money Uganda", "MTN_UG"),
    ("UGX", "Airtel Money Uganda", "AIRTEL_UG"),
    ("TZS", "Vodacom M-Pesa Tanzania", "MPESA_TZ"),
    ("XOF", "MTN Mobile Money Benin", "MTN_BJ"),
    ("XOF", "Moov Money Benin", "MOOV_BJ"),
)

HOLDERS = (
    "ADA OBI",
    "CHINEDU EZE",
    "FUNKE ADEYEMI",
    "EMEKA NWOSU",
    "AMINA BELLO",
    "JOHN SMITH",
    "SARAH JONES",
    "KWAME MENSAH",
    "WANJIRU KAMAU",
)

_SEPA_COUNTRIES = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
    "IS LI NO CH GB MC SM VA AD"
)
SEPA = frozenset(_SEPA_COUNTRIES.split())


def _stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def all_banks() -> list[Record]:
    banks = []
    for currency, name, code in _BANKS:
        short, country = COUNTRIES[currency]
        banks.append(
            {
                "id": _stable_id("bank", currency, code),
                "name": name,
                "code": code,
                "currency": currency,
                "country": {"code": short, "name": country},
            }
        )
    return banks


def find_bank(bank_id: object = None, bank_code: object = None) -> Record | None:
    for bank in all_banks():
        if bank_id is not None and bank["id"] == str(bank_id):
            return bank
        if bank_id is None and bank_code is not None and bank["code"] == str(bank_code):
            return bank
    return None


def holder_name(account_number: str) -> str:
    digits = re.sub(r"\D", "", account_number) or "0"
    return HOLDERS[int(digits) % len(HOLDERS)]


def iban_valid(iban: str) -> bool:
    if not IBAN.fullmatch(iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


@handles("banks.list")
def banks_list(state: SandboxState, call: Call) -> Reply:
    banks = all_banks()
    currency = call.query.get("currency")
    country = call.query.get("country") or call.query.get("country_id")
    if currency:
        banks = [b for b in banks if b["currency"] == currency.upper()]
    if country:
        banks = [b for b in banks if b["country"]["code"] == country.upper()]
    for bank in banks:
        bank.pop("currency")
    return ok(banks)


@handles("banks.lookup_account")
def banks_lookup_account(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "account_number")
    if body.get("bank_id") in (None, "") and body.get("bank_code") in (None, ""):
        errs["bank_id"] = "The bank id field is required."
    if errs:
        return invalid(errs)
    bank = find_bank(body.get("bank_id"), body.get("bank_code"))
    if bank is None:
        return error(400, "Invalid bank code.")
    number = str(body["account_number"])
    if bank["currency"] == "NGN" and not re.fullmatch(r"\d{10}", number):
        return error(400, "Invalid account number.")
    if not re.fullmatch(r"\d{6,18}", number):
        return error(400, "Invalid account number.")
    return ok(
        {
            "account_number": number,
            "account_name": holder_name(number),
            "bank_code": bank["code"],
            "bank_name": bank["name"],
        },
        "Account details retrieved",
    )


@handles("banks.verify_payee")
def banks_verify_payee(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "sort_code", "account_number", "account_name")
    if errs:
        return invalid(errs)
    sort_code = re.sub(r"[\s-]", "", str(body["sort_code"]))
    if not re.fullmatch(r"\d{6}", sort_code):
        return invalid({"sort_code": "The sort code must be 6 digits."})
    if not re.fullmatch(r"\d{8}", str(body["account_number"])):
        return invalid({"account_number": "The account number must be 8 digits."})
    expected = holder_name(str(body["account_number"]))
    matched = str(body["account_name"]).strip().upper() == expected
    result: Record = {
        "matched": matched,
        "account_name": str(body["account_name"]),
        "sort_code": sort_code,
        "account_number": str(body["account_number"]),
    }
    if not matched:
        result["reason"] = "Account name does not match"
    return ok(result, "Payee verification completed")


@handles("banks.verify_iban")
def banks_verify_iban(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "iban")
    if errs:
        return invalid(errs)
    iban = re.sub(r"\s", "", str(body["iban"])).upper()
    if not iban_valid(iban):
        return error(400, "Invalid IBAN.")
    return ok(
        {
            "iban": iban,
            "sepa_reachable": iban[:2] in SEPA,
            "bic": f"SBX{iban[:2]}XXXXX",
            "bank_name": "Sandbox Bank",
            "country": iban[:2],
        },
        "IBAN verification completed",
    )


def momo_operator(currency: str, operator_id: str) -> Record | None:
    """The operator ``operator_id`` of ``currency``'s country, as ``momo_operators.list``
    lists it, or None."""
    for op_currency, name, code in _OPERATORS:
        if op_currency == currency and _stable_id("momo", code) == operator_id:
            short = COUNTRIES[currency][0]
            return {"id": operator_id, "name": name, "code": code, "country_id": short}
    return None


@handles("momo_operators.list")
def momo_operators_list(state: SandboxState, call: Call) -> Reply:
    currency_id = call.query.get("currency_id")
    country_id = call.query.get("country_id")
    wanted: str | None = None
    if currency_id:
        wanted = state.currency_code(currency_id)
        if wanted is None:
            return error(400, "Currency not supported.")
    operators = []
    for currency, name, code in _OPERATORS:
        short = COUNTRIES[currency][0]
        if wanted is not None and currency != wanted:
            continue
        if country_id and short != country_id.upper():
            continue
        operators.append(
            {"id": _stable_id("momo", code), "name": name, "code": code, "country_id": short}
        )
    return ok(operators)
