"""Wallets and currencies."""

from __future__ import annotations

from .base import Model, Money, model


@model
class Wallet(Model):
    """A business wallet; one per currency. The API names the balance ``amount``
    (the OpenAPI file) or ``balance`` (the official SDKs' READMEs): ``available`` reads either."""

    id: str
    business_id: str | None = None
    currency: str | None = None
    currency_id: str | None = None
    amount: Money | None = None
    balance: Money | None = None
    is_active: bool | None = None
    status: str | None = None

    @property
    def available(self) -> Money | None:
        return self.amount if self.amount is not None else self.balance


@model
class Country(Model):
    id: str | None = None
    name: str | None = None
    short_name: str | None = None
    alt_short_name: str | None = None
    code: str | None = None


@model
class Currency(Model):
    id: str
    code: str
    name: str | None = None
    active: bool | None = None
    country_id: str | None = None
    country: Country | None = None
