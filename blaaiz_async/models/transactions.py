"""Transactions, which payouts also return.

Status and type come in several spellings across the API's sources (``SUCCESSFUL`` vs
``completed``); they are plain strings here, with the known values as enums to compare
against, so a spelling we have not seen never breaks parsing.
"""

from __future__ import annotations

import enum
from typing import TypedDict

from .base import Model, Money, model


class TransactionStatus(enum.StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class TransactionType(enum.StrEnum):
    COLLECTION = "COLLECTION"
    PAYOUT = "PAYOUT"
    SWAP = "SWAP"


@model
class Recipient(Model):
    id: str | None = None
    account_number: str | None = None
    account_name: str | None = None
    amount: Money | None = None
    currency: str | None = None
    bank_name: str | None = None
    bank_code: str | None = None
    status: str | None = None
    routing_number: str | None = None
    email: str | None = None
    iban: str | None = None
    sort_code: str | None = None
    wallet_address: str | None = None


@model
class SourceInformation(Model):
    account_name: str | None = None
    account_number: str | None = None
    bank_name: str | None = None
    sort_code: str | None = None
    bank_swift_code: str | None = None
    description: str | None = None
    narration: str | None = None
    collection_email: str | None = None
    collection_name: str | None = None


@model
class Transaction(Model):
    id: str
    business_id: str | None = None
    business_customer_id: str | None = None
    business_wallet_id: str | None = None
    status: str | None = None
    type: str | None = None
    reference: str | None = None
    currency: str | None = None
    amount: Money | None = None
    amount_without_fee: Money | None = None
    fee: Money | None = None
    rate: Money | None = None
    date: str | None = None
    payee_collection_email: str | None = None
    source_information: SourceInformation | None = None
    recipient: Recipient | None = None
    merchant_reference: str | None = None


class TransactionFilters(TypedDict, total=False):
    """Which transactions to list; dates are ``YYYY-MM-DD``."""

    start_date: str | None
    end_date: str | None
    wallet_id: str | None
    customer_id: str | None
    type: str | None  # e.g. a ``TransactionType``
    status: str | None  # e.g. a ``TransactionStatus``
    merchant_reference: str | None


class TransactionQuery(TransactionFilters, total=False):
    """Body of ``transactions.list``: the filters and the page."""

    page: int | None
    limit: int | None
