"""Wallets, currencies, payouts, fees and transactions."""

from __future__ import annotations

from ..models import Currency, FeeBreakdown, Transaction, Wallet
from ..scopes import Scope as S
from .base import page_route, route

# --- wallets, currencies ------------------------------------------------------------------

WALLETS_LIST = route(
    "wallets.list",
    "GET",
    "/wallet",
    list[Wallet],
    scopes={S.WALLET_READ},
    summary="List the business's wallets.",
)
WALLETS_GET = route(
    "wallets.get",
    "GET",
    "/wallet/{wallet_id}",
    Wallet,
    scopes={S.WALLET_READ},
    envelope=(),
    summary="Get one wallet.",
)
CURRENCIES_LIST = route(
    "currencies.list",
    "GET",
    "/currency",
    list[Currency],
    scopes={S.CURRENCY_READ},
    summary="List supported currencies.",
)

# --- payouts, fees, transactions ------------------------------------------------------------

PAYOUTS_CREATE = route(
    "payouts.create",
    "POST",
    "/payout",
    Transaction,
    scopes={S.PAYOUT_CREATE},
    envelope=("transaction",),
    summary="Send money from a wallet.",
)
FEES_BREAKDOWN = route(
    "fees.breakdown",
    "POST",
    "/fees/breakdown",
    FeeBreakdown,
    scopes={S.FEES_READ},
    idempotent=True,
    summary="Quote the fees of a transfer.",
)
TRANSACTIONS_LIST = page_route(
    "transactions.list",
    "POST",
    "/transaction",
    Transaction,
    scopes={S.TRANSACTION_READ},
    idempotent=True,
    summary="List transactions; filters go in a JSON body.",
)
TRANSACTIONS_GET = route(
    "transactions.get",
    "GET",
    "/transaction/{transaction_id}",
    Transaction,
    scopes={S.TRANSACTION_READ},
    summary="Get a transaction by id, reference or merchant_reference.",
)
