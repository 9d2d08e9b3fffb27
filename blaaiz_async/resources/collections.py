"""Collections: take money in by card, open banking, crypto or Interac.

Request bodies are attrs models, turned into JSON without unset fields (``wire``), and
checked against the API's documented rules before sending, so a request the API would
refuse never leaves the process.
"""

from __future__ import annotations

import builtins
import re
import urllib.parse
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import ValidationError
from ..models.base import Ack
from ..models.collections import (
    AcceptInteracRequest,
    AttachCustomerRequest,
    Collection,
    CollectionMethod,
    CollectionRequest,
    CryptoCollection,
    CryptoCollectionRequest,
    CryptoNetwork,
    CryptoToken,
    CryptoTransactionType,
    InteracMoneyRequest,
    InteracMoneyRequestBody,
)
from ..routes import collections as routes
from ..validation import (
    Amount,
    check_choice,
    check_email,
    check_max_length,
    positive,
    require,
    to_amount,
)
from ..validation import merchant_reference as new_reference
from .base import Resource, wire

# -- collection rules ------------------------------------------------------------------------

CARD_FIELDS = ("customer_id", "card_holder_name", "card_number", "expiry", "cvc")
_CARD_ONLY = ("card_holder_name", "card_number", "expiry", "cvc")
_CARD_NUMBER = re.compile(r"\d{16}")
_EXPIRY = re.compile(r"(0[1-9]|1[0-2])/\d{2}")
_CVC = re.compile(r"\d{3}")
CRYPTO_MINIMUM = Decimal("0.1")
INTERAC_EXPIRY_HOURS = (1, 120)


def validate_collection(body: Mapping[str, Any]) -> None:
    """The official Python SDK's rules: ``card`` needs the customer and the card; card data
    goes with ``card`` only, so it is never sent where it is not needed."""
    ctx = "collection"
    require(body, "method", "amount", "wallet_id", context=ctx)
    positive(body, "amount", context=ctx)
    check_choice(body, "method", [m.value for m in CollectionMethod], context=ctx)
    method = body["method"]
    if method == CollectionMethod.CARD:
        require(body, *CARD_FIELDS, context="collection by card")
        if not _CARD_NUMBER.fullmatch(str(body["card_number"])):
            raise ValidationError(
                "collection by card: card_number must be 16 digits", field="card_number"
            )
        if not _EXPIRY.fullmatch(str(body["expiry"])):
            raise ValidationError("collection by card: expiry must be MM/YY", field="expiry")
        if not _CVC.fullmatch(str(body["cvc"])):
            raise ValidationError("collection by card: cvc must be 3 digits", field="cvc")
    else:
        for field in _CARD_ONLY:
            if body.get(field) is not None:
                raise ValidationError(
                    f"{ctx}: {field} goes with method 'card' only, not {method!r}", field=field
                )
    url = body.get("redirect_url")
    if url is not None:
        parts = urllib.parse.urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(
                f"{ctx}: redirect_url must be an absolute URL", field="redirect_url"
            )
    check_max_length(body, {"merchant_reference": 255}, context=ctx)


def validate_crypto_collection(body: Mapping[str, Any]) -> None:
    ctx = "crypto collection"
    require(body, "amount", "wallet_id", "network", "token", context=ctx)
    if Decimal(str(body["amount"])) < CRYPTO_MINIMUM:
        raise ValidationError(f"{ctx}: amount must be at least {CRYPTO_MINIMUM}", field="amount")
    check_choice(body, "token", [t.value for t in CryptoToken], context=ctx)


def validate_interac_money_request(body: Mapping[str, Any]) -> None:
    ctx = "Interac money request"
    require(body, "amount", "email", context=ctx)
    positive(body, "amount", context=ctx)
    check_email(body, "email", context=ctx)
    hours = body.get("expiry_hours")
    low, high = INTERAC_EXPIRY_HOURS
    if hours is not None and (
        isinstance(hours, bool) or not isinstance(hours, int) or not low <= hours <= high
    ):
        raise ValidationError(
            f"{ctx}: expiry_hours must be a whole number from {low} to {high}",
            field="expiry_hours",
        )


class Collections(Resource):
    """Pull collections (card, open banking), crypto deposit addresses and Interac.

    Push rails (NGN bank transfer to a virtual account, CAD Auto-Deposit) need no call:
    the payer sends money and a collection webhook arrives.
    """

    async def create(
        self,
        *,
        method: str,
        amount: Amount,
        wallet_id: str,
        customer_id: str | None = None,
        merchant_reference: str | None = None,
        phone: str | None = None,
        redirect_url: str | None = None,
        card_holder_name: str | None = None,
        card_number: str | None = None,
        expiry: str | None = None,
        cvc: str | None = None,
    ) -> Collection:
        """Start a collection into ``wallet_id`` and get the payment URL to send the payer to.

        ``method="open_banking"`` (EUR/GBP) takes an optional ``phone`` and
        ``redirect_url``; ``method="card"`` (NGN/USD) needs ``customer_id``,
        ``card_holder_name``, a 16-digit ``card_number`` (spaces are removed), ``expiry``
        as ``MM/YY`` and a 3-digit ``cvc``. ``amount`` must include the fees. Never
        retried once it may have reached the server: on a connection error, look it up by
        ``merchant_reference`` before trying again.
        """
        request = CollectionRequest(
            method=method, amount=to_amount(amount, "amount", context="collection"),
            wallet_id=wallet_id, customer_id=customer_id,
            merchant_reference=new_reference(merchant_reference),
            phone=phone, redirect_url=redirect_url, card_holder_name=card_holder_name,
            card_number=card_number.replace(" ", "") if card_number is not None else None,
            expiry=expiry, cvc=cvc,
        )  # fmt: skip
        body = wire(request)
        validate_collection(body)
        return await self._call(routes.COLLECTIONS_CREATE, json=body)

    async def create_crypto(
        self,
        *,
        amount: Amount,
        wallet_id: str,
        network: str,
        token: CryptoToken | str,
        customer_id: str | None = None,
    ) -> CryptoCollection:
        """Open a deposit address for ``amount`` (at least 0.1) of ``token`` (USDT or USDC)
        on ``network``, a network ``identifier`` from ``crypto_networks()``."""
        request = CryptoCollectionRequest(
            amount=to_amount(amount, "amount", context="crypto collection"),
            wallet_id=wallet_id, network=network, token=token, customer_id=customer_id,
        )  # fmt: skip
        body = wire(request)
        validate_crypto_collection(body)
        return await self._call(routes.COLLECTIONS_CREATE_CRYPTO, json=body)

    async def crypto_networks(
        self, *, transaction_type: CryptoTransactionType | str | None = None
    ) -> builtins.list[CryptoNetwork]:
        """The chains and tokens available, for collections or payouts."""
        params = {"transaction_type": transaction_type} if transaction_type is not None else {}
        check_choice(
            params, "transaction_type", [t.value for t in CryptoTransactionType],
            context="crypto networks",
        )  # fmt: skip
        return await self._call(routes.COLLECTIONS_CRYPTO_NETWORKS, params=params or None)

    async def attach_customer(self, *, customer_id: str, transaction_id: str) -> Ack:
        """Say who paid a collection (for push collections that arrived without one).
        Collection transactions only."""
        body = wire(AttachCustomerRequest(customer_id=customer_id, transaction_id=transaction_id))
        require(body, "customer_id", "transaction_id", context="attach customer")
        return await self._call(routes.COLLECTIONS_ATTACH_CUSTOMER, json=body)

    async def create_interac_money_request(
        self,
        *,
        amount: Amount,
        email: str,
        customer_name: str | None = None,
        expiry_hours: int | None = None,
        note: str | None = None,
    ) -> InteracMoneyRequest:
        """Ask the payer at ``email`` for CAD by Interac; the request lapses after
        ``expiry_hours`` (1 to 120)."""
        ctx = "Interac money request"
        request = InteracMoneyRequestBody(
            amount=to_amount(amount, "amount", context=ctx), email=email,
            customer_name=customer_name, expiry_hours=expiry_hours, note=note,
        )  # fmt: skip
        body = wire(request)
        validate_interac_money_request(body)
        return await self._call(routes.COLLECTIONS_CREATE_INTERAC_MONEY_REQUEST, json=body)

    async def accept_interac_money_request(
        self,
        *,
        reference_number: str,
        security_answer: str | None = None,
        email: str | None = None,
    ) -> Ack:
        """Accept an incoming Interac transfer. Standard transfers need the
        ``security_answer``; Auto-Deposit ones do not. The API queues it and processes it
        within minutes: the collection webhook tells when the money is in."""
        ctx = "accept Interac transfer"
        body = wire(
            AcceptInteracRequest(
                reference_number=reference_number, security_answer=security_answer, email=email
            )
        )
        require(body, "reference_number", context=ctx)
        check_email(body, "email", context=ctx)
        return await self._call(routes.COLLECTIONS_ACCEPT_INTERAC_MONEY_REQUEST, json=body)

    # The official Python SDK's names, for code moving over.
    initiate = create
    initiate_crypto = create_crypto
    get_crypto_networks = crypto_networks
    initiate_interac_money_request = create_interac_money_request
