"""Swaps between the business's own wallets, and refunds."""

from __future__ import annotations

from typing import Unpack

from ..models.swaps import Refund, RefundRequest, Swap, SwapRequest
from ..routes import swaps as routes
from ..rules import swaps as rules
from ..rules.base import request_body
from .base import Resource


class Swaps(Resource):
    async def create(self, **fields: Unpack[SwapRequest]) -> Swap:
        """Convert money between two wallets of the business at the current rate.

        ``amount_type="from"`` (the API's default) fixes what leaves the first wallet;
        ``"to"`` fixes what arrives in the second. Never retried once it may have reached
        the server: check the wallets or the transactions before trying again.
        """
        route = routes.SWAPS_CREATE
        json = request_body(SwapRequest, fields, context=route.name)
        rules.validate_swap(json)
        return await self._call(route, json=json)

    initiate = create


class Refunds(Resource):
    async def create(self, **fields: Unpack[RefundRequest]) -> Refund:
        """Refund a transaction. ``reason`` (at most 250 characters) and ``reference``
        (at most 100) are yours to reconcile with; poll ``get`` for the outcome."""
        route = routes.REFUNDS_CREATE
        json = request_body(RefundRequest, fields, context=route.name)
        rules.validate_refund(json)
        return await self._call(route, json=json)

    async def get(self, refund_id: str) -> Refund:
        """A refund and its current ``status``."""
        return await self._call(routes.REFUNDS_GET, path={"refund_id": refund_id})

    initiate = create
