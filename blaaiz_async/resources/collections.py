"""Collections: take money in by card, open banking, crypto or Interac.

Each body is declared once as a ``TypedDict`` in ``models.collections`` and checked
against the API's documented rules (``rules.collections``) before sending, so a request
the API would refuse never leaves the process.
"""

from __future__ import annotations

import builtins
from typing import Unpack

from ..models.base import Ack
from ..models.collections import (
    AcceptInteracRequest,
    AttachCustomerRequest,
    Collection,
    CollectionRequest,
    CryptoCollection,
    CryptoCollectionRequest,
    CryptoNetwork,
    CryptoTransactionType,
    InteracMoneyRequest,
    InteracMoneyRequestBody,
)
from ..routes import collections as routes
from ..rules import collections as rules
from ..rules.base import check_choice, merchant_reference, request_body
from .base import Resource


class Collections(Resource):
    """Pull collections (card, open banking), crypto deposit addresses and Interac.

    Push rails (NGN bank transfer to a virtual account, CAD Auto-Deposit) need no call:
    the payer sends money and a collection webhook arrives.
    """

    async def create(self, **fields: Unpack[CollectionRequest]) -> Collection:
        """Start a collection into ``wallet_id`` and get the payment URL to send the payer to.

        ``method="open_banking"`` (EUR/GBP) takes an optional ``phone`` and
        ``redirect_url``; ``method="card"`` (NGN/USD) needs ``customer_id``,
        ``card_holder_name``, a 16-digit ``card_number`` (spaces are removed), ``expiry``
        as ``MM/YY`` and a 3-digit ``cvc``. ``amount`` must include the fees. Never
        retried once it may have reached the server: on a connection error, look it up by
        ``merchant_reference`` before trying again.
        """
        route = routes.COLLECTIONS_CREATE
        json = request_body(CollectionRequest, fields, context=route.name)
        json["merchant_reference"] = merchant_reference(
            json.get("merchant_reference"), context="collection"
        )
        if isinstance(json.get("card_number"), str):
            json["card_number"] = json["card_number"].replace(" ", "")
        rules.validate_collection(json)
        return await self._call(route, json=json)

    async def create_crypto(self, **fields: Unpack[CryptoCollectionRequest]) -> CryptoCollection:
        """Open a deposit address for ``amount`` (at least 0.1) of ``token`` (USDT or USDC)
        on ``network``, a network ``identifier`` from ``crypto_networks()``."""
        route = routes.COLLECTIONS_CREATE_CRYPTO
        json = request_body(CryptoCollectionRequest, fields, context=route.name)
        rules.validate_crypto_collection(json)
        return await self._call(route, json=json)

    async def crypto_networks(
        self, *, transaction_type: CryptoTransactionType | str | None = None
    ) -> builtins.list[CryptoNetwork]:
        """The chains and tokens available, for collections or payouts."""
        params = {"transaction_type": transaction_type} if transaction_type is not None else {}
        allowed = [t.value for t in CryptoTransactionType]
        check_choice(params, "transaction_type", allowed, context="crypto networks")
        return await self._call(routes.COLLECTIONS_CRYPTO_NETWORKS, params=params or None)

    async def attach_customer(self, **fields: Unpack[AttachCustomerRequest]) -> Ack:
        """Say who paid a collection (for push collections that arrived without one).
        Collection transactions only."""
        route = routes.COLLECTIONS_ATTACH_CUSTOMER
        return await self._call(
            route, json=request_body(AttachCustomerRequest, fields, context=route.name)
        )

    async def create_interac_money_request(
        self, **fields: Unpack[InteracMoneyRequestBody]
    ) -> InteracMoneyRequest:
        """Ask the payer at ``email`` for CAD by Interac; the request lapses after
        ``expiry_hours`` (1 to 120)."""
        route = routes.COLLECTIONS_CREATE_INTERAC_MONEY_REQUEST
        json = request_body(InteracMoneyRequestBody, fields, context=route.name)
        rules.validate_interac_money_request(json)
        return await self._call(route, json=json)

    async def accept_interac_money_request(self, **fields: Unpack[AcceptInteracRequest]) -> Ack:
        """Accept an incoming Interac transfer. Standard transfers need the
        ``security_answer``; Auto-Deposit ones do not. The API queues it and processes it
        within minutes: the collection webhook tells when the money is in."""
        route = routes.COLLECTIONS_ACCEPT_INTERAC_MONEY_REQUEST
        json = request_body(AcceptInteracRequest, fields, context=route.name)
        rules.validate_accept_interac(json)
        return await self._call(route, json=json)

    # The official Python SDK's names, for code moving over.
    initiate = create
    initiate_crypto = create_crypto
    get_crypto_networks = crypto_networks
    initiate_interac_money_request = create_interac_money_request
