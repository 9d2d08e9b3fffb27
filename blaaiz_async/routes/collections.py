"""Collections: fiat (card, open banking), crypto, Interac money requests.

``collections.create`` reads the WHOLE body (envelope ``()``): the official Python SDK finds
``transaction_id`` and ``url`` at the root, the OpenAPI file nests the details under
``data`` with ``payment_url``; the ``Collection`` model accepts both. Acks answer
``{message}`` only and are read as ``Ack``.
"""

from __future__ import annotations

from ..models.base import Ack
from ..models.collections import (
    Collection,
    CryptoCollection,
    CryptoNetwork,
    InteracMoneyRequest,
)
from ..scopes import Scope as S
from .base import route

COLLECTIONS_CREATE = route(
    "collections.create", "POST", "/collection", Collection, scopes={S.COLLECTION_CREATE},
    envelope=(), summary="Start a card or open-banking collection; returns the payment URL.",
)  # fmt: skip
COLLECTIONS_CREATE_CRYPTO = route(
    "collections.create_crypto", "POST", "/collection/crypto", CryptoCollection,
    scopes={S.COLLECTION_CRYPTO_CREATE}, envelope=("transaction",),
    summary="Open a USDT/USDC deposit address for a collection.",
)  # fmt: skip
COLLECTIONS_CRYPTO_NETWORKS = route(
    "collections.crypto_networks", "GET", "/collection/crypto/networks", list[CryptoNetwork],
    scopes={S.COLLECTION_CRYPTO_CREATE}, envelope=("data", "data"),
    summary="Supported chains and tokens (the answer is wrapped twice).",
)  # fmt: skip
COLLECTIONS_ATTACH_CUSTOMER = route(
    "collections.attach_customer", "POST", "/collection/attach-customer", Ack,
    scopes={S.COLLECTION_CREATE}, envelope=(),
    summary="Link a customer to a collection transaction.",
)  # fmt: skip
COLLECTIONS_CREATE_INTERAC_MONEY_REQUEST = route(
    "collections.create_interac_money_request", "POST", "/collection/interac-money-request",
    InteracMoneyRequest, scopes={S.COLLECTION_CREATE},
    summary="Ask a payer for CAD by Interac e-Transfer.",
)  # fmt: skip
COLLECTIONS_ACCEPT_INTERAC_MONEY_REQUEST = route(
    "collections.accept_interac_money_request", "POST",
    "/collection/accept-interac-money-request", Ack, scopes={S.COLLECTION_INTERAC_ACCEPT},
    envelope=(), summary="Accept an incoming Interac transfer; processed asynchronously.",
)  # fmt: skip
