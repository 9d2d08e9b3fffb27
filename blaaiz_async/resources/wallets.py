"""Wallets and currencies."""

from __future__ import annotations

import builtins

from ..models import Currency, Wallet
from ..routes import core as routes
from .base import Resource


class Wallets(Resource):
    async def list(self) -> builtins.list[Wallet]:
        """Every wallet of the business, one per currency."""
        return await self._call(routes.WALLETS_LIST)

    async def get(self, wallet_id: str) -> Wallet:
        return await self._call(routes.WALLETS_GET, path={"wallet_id": wallet_id})


class Currencies(Resource):
    async def list(self) -> builtins.list[Currency]:
        """Supported currencies; ``country`` tells apart currencies of several countries."""
        return await self._call(routes.CURRENCIES_LIST)
