"""Banks, account checks before paying, and mobile-money operators."""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from ..models.banks import (
    AccountLookup,
    AccountLookupRequest,
    Bank,
    IbanVerification,
    MomoOperator,
    PayeeVerification,
    PayeeVerificationRequest,
)
from ..routes import banks as routes
from ..validation import compact, require
from .base import Resource, request_body

_ISO2 = re.compile(r"[A-Za-z]{2}")
_SORT_CODE = re.compile(r"\d{6}")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


def validate_account_lookup(body: Mapping[str, Any]) -> None:
    """``account_number`` and a bank: ``bank_id`` (the official SDKs) or ``bank_code`` +
    ``currency`` (the OpenAPI file). Sending both bank keys is allowed; the server decides
    which it reads."""
    ctx = "account lookup"
    require(body, "account_number", context=ctx)
    if body.get("bank_id") is None and body.get("bank_code") is None:
        raise ValidationError(f"{ctx}: give bank_id (or bank_code with currency)", field="bank_id")
    if body.get("bank_id") is None:
        require(body, "currency", context=f"{ctx} by bank_code")


def validate_payee(body: Mapping[str, Any]) -> None:
    ctx = "payee verification"
    require(body, "sort_code", "account_number", "account_name", context=ctx)
    digits = re.sub(r"[\s-]", "", str(body["sort_code"]))
    if not _SORT_CODE.fullmatch(digits):
        raise ValidationError(f"{ctx}: sort_code must be 6 digits", field="sort_code")


def validate_iban(body: Mapping[str, Any]) -> None:
    ctx = "IBAN verification"
    require(body, "iban", context=ctx)
    iban = re.sub(r"\s", "", str(body["iban"])).upper()
    if not _IBAN.fullmatch(iban):
        raise ValidationError(
            f"{ctx}: not an IBAN (country code, 2 check digits, 11-30 letters or digits)",
            field="iban",
        )


class Banks(Resource):
    async def list(
        self,
        *,
        currency: str | None = None,
        country: str | None = None,
        country_id: str | None = None,
    ) -> builtins.list[Bank]:
        """Banks payouts can reach, e.g. ``list(currency="NGN")``; ``Bank.id`` is the
        ``bank_id`` of a payout and of ``lookup_account``. ``country`` is ISO-2."""
        if country is not None and not _ISO2.fullmatch(country):
            raise ValidationError("banks: country must be an ISO-2 code like NG", field="country")
        params = compact(currency=currency, country=country, country_id=country_id)
        return await self._call(routes.BANKS_LIST, params=params or None)

    async def lookup_account(
        self,
        request: AccountLookupRequest | None = None,
        /,
        *,
        account_number: str | None = None,
        bank_id: str | None = None,
        bank_code: str | None = None,
        currency: str | None = None,
    ) -> AccountLookup:
        """The holder's name of an account, to confirm with the user before paying.

        Read-only, so safely retried. A wrong number or bank answers 400
        (``BadRequestError``)."""
        body = request_body(
            request, account_number=account_number, bank_id=bank_id, bank_code=bank_code,
            currency=currency,
        )  # fmt: skip
        validate_account_lookup(body)
        return await self._call(routes.BANKS_LOOKUP_ACCOUNT, json=body)

    async def verify_payee(
        self,
        request: PayeeVerificationRequest | None = None,
        /,
        *,
        sort_code: str | None = None,
        account_number: str | None = None,
        account_name: str | None = None,
    ) -> PayeeVerification:
        """UK Confirmation of Payee: does ``account_name`` hold this sort code and account?
        Check ``is_match`` before a GBP payout to avoid paying the wrong person."""
        body = request_body(
            request, sort_code=sort_code, account_number=account_number,
            account_name=account_name,
        )  # fmt: skip
        validate_payee(body)
        return await self._call(routes.BANKS_VERIFY_PAYEE, json=body)

    async def verify_iban(self, iban: str) -> IbanVerification:
        """Check an IBAN before an EUR payout; ``is_sepa_reachable`` says whether SEPA
        can deliver to it. The format is checked locally first; spaces of the printed
        form are removed and letters upper-cased before sending."""
        body = {"iban": re.sub(r"\s", "", iban).upper() if isinstance(iban, str) else iban}
        validate_iban(body)
        return await self._call(routes.BANKS_VERIFY_IBAN, json=body)


class MomoOperators(Resource):
    async def list(
        self, *, currency_id: str | None = None, country_id: str | None = None
    ) -> builtins.list[MomoOperator]:
        """Mobile-money operators; ``MomoOperator.id`` is the payout's
        ``mobile_money_operator_id``. Filter by the destination ``currency_id`` (preferred,
        it tells apart XOF countries) or ``country_id``."""
        params = compact(currency_id=currency_id, country_id=country_id)
        return await self._call(routes.MOMO_OPERATORS_LIST, params=params or None)
