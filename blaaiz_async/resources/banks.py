"""Banks, account checks before paying, and mobile-money operators."""

from __future__ import annotations

import builtins
from typing import Any, Unpack, overload

from ..models.banks import (
    AccountLookup,
    AccountLookupRequest,
    Bank,
    IbanVerification,
    IbanVerificationRequest,
    MomoOperator,
    PayeeVerification,
    PayeeVerificationRequest,
)
from ..routes import banks as routes
from ..rules import banks as rules
from ..rules.base import compact, request_body
from .base import Resource


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
        params = compact(currency=currency, country=country, country_id=country_id)
        rules.validate_bank_query(params)
        return await self._call(routes.BANKS_LIST, params=params or None)

    @overload
    async def lookup_account(self, request: AccountLookupRequest, /) -> AccountLookup: ...
    @overload
    async def lookup_account(self, /, **fields: Unpack[AccountLookupRequest]) -> AccountLookup: ...
    async def lookup_account(
        self, request: AccountLookupRequest | None = None, /, **fields: Any
    ) -> AccountLookup:
        """The holder's name of an account, to confirm with the user before paying.

        Read-only, so safely retried. A wrong number or bank answers 400
        (``BadRequestError``)."""
        route = routes.BANKS_LOOKUP_ACCOUNT
        json = request_body(AccountLookupRequest, fields, request=request, context=route.name)
        rules.validate_account_lookup(json)
        return await self._call(route, json=json)

    @overload
    async def verify_payee(self, request: PayeeVerificationRequest, /) -> PayeeVerification: ...
    @overload
    async def verify_payee(
        self, /, **fields: Unpack[PayeeVerificationRequest]
    ) -> PayeeVerification: ...
    async def verify_payee(
        self, request: PayeeVerificationRequest | None = None, /, **fields: Any
    ) -> PayeeVerification:
        """UK Confirmation of Payee: does ``account_name`` hold this sort code and account?
        Check ``is_match`` before a GBP payout to avoid paying the wrong person."""
        route = routes.BANKS_VERIFY_PAYEE
        json = request_body(PayeeVerificationRequest, fields, request=request, context=route.name)
        rules.validate_payee(json)
        return await self._call(route, json=json)

    async def verify_iban(self, iban: str) -> IbanVerification:
        """Check an IBAN before an EUR payout; ``is_sepa_reachable`` says whether SEPA
        can deliver to it. The format is checked locally first; spaces of the printed
        form are removed and letters upper-cased before sending."""
        route = routes.BANKS_VERIFY_IBAN
        given = {"iban": rules.normal_iban(iban)}
        json = request_body(IbanVerificationRequest, given, context=route.name)
        rules.validate_iban(json)
        return await self._call(route, json=json)


class MomoOperators(Resource):
    async def list(
        self, *, currency_id: str | None = None, country_id: str | None = None
    ) -> builtins.list[MomoOperator]:
        """Mobile-money operators; ``MomoOperator.id`` is the payout's
        ``mobile_money_operator_id``. Filter by the destination ``currency_id`` (preferred,
        it tells apart XOF countries) or ``country_id``."""
        params = compact(currency_id=currency_id, country_id=country_id)
        return await self._call(routes.MOMO_OPERATORS_LIST, params=params or None)
