"""The request bodies of payouts and fee quotes (both answer models live beside them:
``Transaction`` and ``FeeBreakdown``)."""

from __future__ import annotations

from typing import Literal, Required

from .base import Amount, RequestBody

PayoutMethod = Literal["bank_transfer", "interac", "ach", "wire", "crypto", "mobile_money"]
AccountHolderType = Literal["individual", "business"]


class PayoutFields(RequestBody, total=False):
    """The fields of a payout. Which fields a ``method`` needs for a currency is checked
    before sending (``rules.core``)."""

    wallet_id: Required[str]
    customer_id: Required[str]
    method: Required[PayoutMethod]
    from_currency_id: Required[str]  # a currency code ("NGN") or its id
    to_currency_id: Required[str]
    from_amount: Amount | None
    to_amount: Amount | None
    bank_id: str | None
    account_number: str | None
    account_name: str | None
    sort_code: str | None
    iban: str | None
    bic_code: str | None
    email: str | None
    interac_first_name: str | None
    interac_last_name: str | None
    type: AccountHolderType | None
    account_type: Literal["checking", "savings"] | None
    bank_name: str | None
    routing_number: str | None
    swift_code: str | None
    wallet_address: str | None
    wallet_token: Literal["USDT", "USDC"] | None
    wallet_network: (
        Literal["BSC_MAINNET", "ETHEREUM_MAINNET", "TRON_MAINNET", "MATIC_MAINNET"] | None
    )
    phone_number: str | None
    mobile_money_operator_id: str | None
    country_id: str | None
    country: str | None
    state: str | None
    street: str | None
    city: str | None
    zip_code: str | None
    note: str | None
    merchant_reference: str | None


class FeeBreakdownRequest(RequestBody, total=False):
    """A fee quote: exactly one of ``from_amount`` (debited) or ``to_amount`` (received)."""

    from_currency_id: Required[str]
    to_currency_id: Required[str]
    from_amount: Amount | None
    to_amount: Amount | None
    method: str | None  # the payout method to price, when it changes the fee
