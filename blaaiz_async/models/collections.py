"""Collections: fiat (card, open banking), crypto deposit addresses, Interac money requests.

Also ``Ack``, the ``{message}``-only answer of the API's fire-and-forget actions
(attach a customer, accept an Interac transfer, webhook update/replay/mock): one model
for all of them, so a caller always gets an object with ``message`` back, never ``None``.
"""

from __future__ import annotations

import enum
from typing import TypeVar

import attrs

from .base import Model, Money, masked, model

_T = TypeVar("_T")


class CollectionMethod(enum.StrEnum):
    """Known collection methods. The official Python SDK knows ``card`` and ``open_banking``;
    the OpenAPI file adds ``virtual_account`` and the docs site's FAQ ``bank_transfer``."""

    CARD = "card"
    OPEN_BANKING = "open_banking"
    VIRTUAL_ACCOUNT = "virtual_account"
    BANK_TRANSFER = "bank_transfer"


class CryptoToken(enum.StrEnum):
    USDT = "USDT"
    USDC = "USDC"


class CryptoTransactionType(enum.StrEnum):
    COLLECTION = "collection"
    PAYOUT = "payout"


# -- requests ------------------------------------------------------------------------------


@model
class CollectionRequest(Model):
    """Body of ``POST /collection``. Card data never appears in a repr."""

    method: str
    amount: Money
    wallet_id: str
    customer_id: str | None = None
    merchant_reference: str | None = None
    phone: str | None = None
    redirect_url: str | None = None
    card_holder_name: str | None = None
    card_number: str | None = attrs.field(default=None, repr=masked)
    expiry: str | None = attrs.field(default=None, repr=masked)
    cvc: str | None = attrs.field(default=None, repr=masked)


@model
class CryptoCollectionRequest(Model):
    """Body of ``POST /collection/crypto``; ``network`` is a network ``identifier``."""

    amount: Money
    wallet_id: str
    network: str
    token: str
    customer_id: str | None = None


@model
class AttachCustomerRequest(Model):
    customer_id: str
    transaction_id: str


@model
class InteracMoneyRequestBody(Model):
    """Body of ``POST /collection/interac-money-request``: ask ``email`` to pay."""

    amount: Money
    email: str
    customer_name: str | None = None
    expiry_hours: int | None = None
    note: str | None = None


@model
class AcceptInteracRequest(Model):
    """Body of ``POST /collection/accept-interac-money-request``. ``security_answer`` is
    needed for a standard transfer and omitted for Auto-Deposit."""

    reference_number: str
    security_answer: str | None = attrs.field(default=None, repr=masked)
    email: str | None = None


# -- responses -----------------------------------------------------------------------------


@model
class CollectionDetails(Model):
    """The ``data`` object of the OpenAPI file's collection answer."""

    id: str | None = None
    transaction_id: str | None = None
    customer_id: str | None = None
    wallet_id: str | None = None
    amount: Money | None = None
    currency: str | None = None
    method: str | None = None
    status: str | None = None
    payment_url: str | None = None
    url: str | None = None
    reference: str | None = None
    merchant_reference: str | None = None
    created_at: str | None = None


@model
class Collection(Model):
    """A started collection, read from the whole response body.

    The sources disagree on the shape: the official Python SDK reads ``transaction_id`` and
    ``url`` at the body root; the OpenAPI file answers ``{status, message, data{id,
    transaction_id, ..., payment_url}}``. Both parse: ``transaction_id`` is taken from the
    root, else from ``data``; ``payment_url`` is ``url`` or ``data.payment_url``. ``data``
    keeps the OpenAPI file's details when they came.
    """

    message: str | None = None
    transaction_id: str | None = None
    url: str | None = None
    data: CollectionDetails | None = None

    def __attrs_post_init__(self) -> None:
        if self.transaction_id is None and self.data is not None:
            object.__setattr__(self, "transaction_id", self.data.transaction_id or self.data.id)

    @property
    def payment_url(self) -> str | None:
        """Where to send the payer (hosted checkout); ``None`` for push rails."""
        if self.url:
            return self.url
        if self.data is not None:
            return self.data.payment_url or self.data.url
        return None

    @property
    def status(self) -> str | None:
        """The collection's status (``PENDING`` at first) when the API sent it. A boolean
        root ``status`` is the OpenAPI file's wrapper flag, not this: it stays in ``extra``."""
        if self.data is not None:
            return self.data.status
        root = self.extra.get("status")
        return root if isinstance(root, str) else None

    @property
    def reference(self) -> str | None:
        return self.data.reference if self.data is not None else None


@model
class CryptoCollection(Model):
    """A crypto deposit address to show the payer; it stops accepting at ``expires_at``."""

    transaction_id: str | None = None
    reference: str | None = None
    token: str | None = None
    token_amount: Money | None = None
    network: str | None = None
    address: str | None = None
    status: str | None = None
    expires_at: str | None = None


@model
class CryptoNetworkToken(Model):
    id: str | None = None
    name: str | None = None
    symbol: str | None = None
    address: str | None = None


@model
class CryptoNetwork(Model):
    """A chain; pass its ``identifier`` (e.g. ``ETHEREUM_MAINNET``) as ``network``."""

    id: str | None = None
    name: str | None = None
    identifier: str | None = None
    tokens: list[CryptoNetworkToken] = attrs.field(factory=list)


@model
class InteracMoneyRequest(Model):
    """An Interac money request sent to a payer; only ``reference`` is documented."""

    reference: str | None = None
    id: str | None = None
    transaction_id: str | None = None
    amount: Money | None = None
    currency: str | None = None
    email: str | None = None
    customer_name: str | None = None
    note: str | None = None
    expiry_hours: int | None = None
    status: str | None = None
    expires_at: str | None = None
    created_at: str | None = None
