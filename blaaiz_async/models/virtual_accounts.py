"""Virtual bank accounts (VBA): receiving accounts that belong to a wallet.

NGN accounts are usable at once. GBP/USD/EUR accounts need an individual customer,
pass KYC first and get their details later (``virtual_account.ready`` webhook), so a
fresh one may be ``PENDING`` with no account number yet.
"""

from __future__ import annotations

import enum

from .base import Model, model


class VirtualAccountStatus(enum.StrEnum):
    PENDING = "PENDING"
    SUCCESSFUL = "SUCCESSFUL"
    REJECTED = "REJECTED"
    CLOSED = "CLOSED"  # inferred: the value after close is not documented


@model
class VirtualBankAccount(Model):
    id: str
    business_wallet_id: str | None = None
    customer_id: str | None = None
    currency_id: int | str | None = None  # an integer in the OpenAPI file
    currency: str | None = None
    account_number: str | None = None
    iban: str | None = None
    account_name: str | None = None
    bank_name: str | None = None
    bank_code: str | None = None
    provider: str | None = None
    account_reference: str | None = None
    reservation_reference: str | None = None
    sort_code: str | None = None
    routing_number: str | None = None
    bank_address: str | None = None
    status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


@model
class VirtualBankAccountClosure(Model):
    """The whole answer of ``close``: a message, and the closed account when sent."""

    message: str | None = None
    status: bool | str | None = None
    data: VirtualBankAccount | None = None

    @property
    def account(self) -> VirtualBankAccount | None:
        return self.data


@model
class IdentificationType(Model):
    """The identity number a VBA holder must give, e.g. ``bvn`` for Nigerian individuals."""

    label: str | None = None
    type: str | None = None


# -- requests -------------------------------------------------------------------------------


@model
class VirtualBankAccountCreate(Model):
    """``account_name`` is required for NGN (max 255); GBP/USD/EUR need ``customer_id``
    of an individual customer."""

    wallet_id: str
    account_name: str | None = None
    customer_id: str | None = None


@model
class VirtualBankAccountClose(Model):
    reason: str | None = None


@model
class IdentificationTypeQuery(Model):
    """Either ``customer_id``, or both ``country`` (ISO-2) and ``type``."""

    customer_id: str | None = None
    country: str | None = None
    type: str | None = None
