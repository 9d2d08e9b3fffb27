"""Banks, bank-account checks and mobile-money operators.

The three checks are POSTs without side effects, so they are declared idempotent: a
lookup that lost its answer to a dropped connection is simply asked again.
"""

from __future__ import annotations

from ..models.banks import AccountLookup, Bank, IbanVerification, MomoOperator, PayeeVerification
from ..scopes import Scope as S
from .base import route

BANKS_LIST = route(
    "banks.list",
    "GET",
    "/bank",
    list[Bank],
    scopes={S.BANK_READ},
    summary="Banks, filtered by currency, country (ISO-2) or country_id.",
)
BANKS_LOOKUP_ACCOUNT = route(
    "banks.lookup_account",
    "POST",
    "/bank/account-lookup",
    AccountLookup,
    scopes={S.BANK_READ},
    idempotent=True,
    summary="Resolve the holder's name of an account number.",
)
BANKS_VERIFY_PAYEE = route(
    "banks.verify_payee",
    "POST",
    "/bank/payee-verification",
    PayeeVerification,
    scopes={S.BANK_READ},
    idempotent=True,
    summary="GBP Confirmation of Payee.",
)
BANKS_VERIFY_IBAN = route(
    "banks.verify_iban",
    "POST",
    "/bank/iban-verification",
    IbanVerification,
    scopes={S.BANK_READ},
    idempotent=True,
    summary="Check an IBAN and whether it is SEPA-reachable.",
)
MOMO_OPERATORS_LIST = route(
    "momo_operators.list",
    "GET",
    "/momo-operator",
    list[MomoOperator],
    scopes={S.BANK_READ},
    summary="Mobile-money operators, by destination currency_id or country_id.",
)
