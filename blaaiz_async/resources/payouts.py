"""Payouts and fee quotes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..models import FeeBreakdown, Transaction
from ..routes import core as routes
from ..validation import compact, validate_fees, validate_payout
from .base import Resource

Amount = Decimal | int | float | str


class Payouts(Resource):
    async def create(
        self,
        *,
        wallet_id: str,
        customer_id: str,
        method: str,
        from_currency_id: str,
        to_currency_id: str,
        from_amount: Amount | None = None,
        to_amount: Amount | None = None,
        bank_id: str | None = None,
        account_number: str | None = None,
        account_name: str | None = None,
        sort_code: str | None = None,
        iban: str | None = None,
        bic_code: str | None = None,
        email: str | None = None,
        interac_first_name: str | None = None,
        interac_last_name: str | None = None,
        type: str | None = None,
        account_type: str | None = None,
        bank_name: str | None = None,
        routing_number: str | None = None,
        swift_code: str | None = None,
        wallet_address: str | None = None,
        wallet_token: str | None = None,
        wallet_network: str | None = None,
        phone_number: str | None = None,
        mobile_money_operator_id: str | None = None,
        country_id: str | None = None,
        country: str | None = None,
        state: str | None = None,
        street: str | None = None,
        city: str | None = None,
        zip_code: str | None = None,
        note: str | None = None,
        merchant_reference: str | None = None,
        **extra: Any,
    ) -> Transaction:
        """Send money from a wallet. Give exactly one of ``from_amount`` (debited) or
        ``to_amount`` (received). The fields each ``method`` needs are checked before
        sending. Never retried once it may have reached the server: on
        ``APIConnectionError`` look the payout up by ``merchant_reference`` first."""
        body = compact(
            wallet_id=wallet_id, customer_id=customer_id, method=method,
            from_currency_id=from_currency_id, to_currency_id=to_currency_id,
            from_amount=_amount(from_amount), to_amount=_amount(to_amount), bank_id=bank_id,
            account_number=account_number, account_name=account_name, sort_code=sort_code,
            iban=iban, bic_code=bic_code, email=email, interac_first_name=interac_first_name,
            interac_last_name=interac_last_name, type=type, account_type=account_type,
            bank_name=bank_name, routing_number=routing_number, swift_code=swift_code,
            wallet_address=wallet_address, wallet_token=wallet_token,
            wallet_network=wallet_network, phone_number=phone_number,
            mobile_money_operator_id=mobile_money_operator_id, country_id=country_id,
            country=country, state=state, street=street, city=city, zip_code=zip_code,
            note=note, merchant_reference=merchant_reference, **extra,
        )  # fmt: skip
        validate_payout(body)
        return await self._call(routes.PAYOUTS_CREATE, json=body)


class Fees(Resource):
    async def breakdown(
        self,
        *,
        from_currency_id: str,
        to_currency_id: str,
        from_amount: Amount | None = None,
        to_amount: Amount | None = None,
        method: str | None = None,
    ) -> FeeBreakdown:
        """What a transfer costs: ``you_send`` in total, ``recipient_gets`` after fees."""
        body = compact(
            from_currency_id=from_currency_id, to_currency_id=to_currency_id,
            from_amount=_amount(from_amount), to_amount=_amount(to_amount), method=method,
        )  # fmt: skip
        validate_fees(body)
        return await self._call(routes.FEES_BREAKDOWN, json=body)

    get_breakdown = breakdown


def _amount(value: Amount | None) -> Any:
    """Amounts go out as exact JSON numbers: a float through its shortest repr, a numeric
    string as written. Anything else is left for validation to reject with a clear error."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return value
    return value
