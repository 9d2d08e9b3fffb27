"""Banks, bank-account checks and mobile-money operators.

Verification answers are ``bool | str``: the UK Confirmation of Payee scheme answers with
words (``MATCH``, ``CLOSE_MATCH``) in some integrations, and a boolean structure hook would
turn the string ``"false"`` into ``True``; the properties read either form.
"""

from __future__ import annotations

from .base import Model, model
from .wallets import Country


def _truthy(value: bool | str | None) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "match", "matched"}
    return bool(value)


@model
class Bank(Model):
    """A bank payouts can reach; ``id`` is what ``payouts.create(bank_id=...)`` takes."""

    id: str
    name: str | None = None
    code: str | None = None
    country: Country | None = None


# -- requests -------------------------------------------------------------------------------


@model
class AccountLookupRequest(Model):
    """The official SDKs send ``bank_id``; the OpenAPI file ``bank_code`` with ``currency``."""

    account_number: str
    bank_id: str | None = None
    bank_code: str | None = None
    currency: str | None = None


@model
class PayeeVerificationRequest(Model):
    """GBP Confirmation of Payee: does this name hold this sort code and account?"""

    sort_code: str
    account_number: str
    account_name: str


@model
class IbanVerificationRequest(Model):
    iban: str


# -- responses ------------------------------------------------------------------------------


@model
class AccountLookup(Model):
    """The holder of a bank account: show ``account_name`` to the user before paying."""

    account_number: str | None = None
    account_name: str | None = None
    bank_code: str | None = None
    bank_name: str | None = None


@model
class PayeeVerification(Model):
    matched: bool | str | None = None
    account_name: str | None = None
    sort_code: str | None = None
    account_number: str | None = None
    reason: str | None = None

    @property
    def is_match(self) -> bool:
        return _truthy(self.matched)


@model
class IbanVerification(Model):
    iban: str | None = None
    sepa_reachable: bool | str | None = None
    bic: str | None = None
    bank_name: str | None = None
    country: str | None = None

    @property
    def is_sepa_reachable(self) -> bool:
        return _truthy(self.sepa_reachable)


@model
class MomoOperator(Model):
    """A mobile-money operator; ``id`` is ``payouts.create(mobile_money_operator_id=...)``."""

    id: str
    name: str | None = None
    code: str | None = None
    country_id: str | None = None
