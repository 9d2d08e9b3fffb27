"""Exchange rates."""

from __future__ import annotations

import builtins

from ..models.rates import Rate
from ..routes import rates as routes
from .base import Resource


class Rates(Resource):
    async def list(self, *, search_term: str | None = None) -> builtins.list[Rate]:
        """Current exchange rates; ``search_term`` narrows them (e.g. ``"NGN"``).

        The API does not document this answer: known pair fields are typed on ``Rate``,
        anything else is kept in ``Rate.extra``. Quote a transfer with ``fees.breakdown``,
        which prices the exact amount, rather than multiplying by a listed rate."""
        params = {"search_term": search_term} if search_term else None
        return await self._call(routes.RATES_LIST, params=params)
