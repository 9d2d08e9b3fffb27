"""Transactions: list with filters (a JSON body, by the API's design), get, iterate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Unpack

from ..models import Page, Transaction
from ..models.pagination import check_advanced
from ..models.transactions import TransactionFilters, TransactionQuery
from ..routes import core as routes
from ..rules.base import request_body
from .base import Resource


class Transactions(Resource):
    async def list(self, **query: Unpack[TransactionQuery]) -> Page[Transaction]:
        """One page of transactions; dates are ``YYYY-MM-DD``."""
        route = routes.TRANSACTIONS_LIST
        json = request_body(TransactionQuery, query, context=route.name)
        return await self._call(route, json=json or None)

    async def iter(
        self, *, limit: int | None = None, **filters: Unpack[TransactionFilters]
    ) -> AsyncIterator[Transaction]:
        """Every matching transaction, page after page. A server that answers a page it
        already sent raises ``MalformedResponseError`` instead of looping forever."""
        page_no, previous = 1, None
        while True:
            page = await self.list(page=page_no, limit=limit, **filters)
            check_advanced(routes.TRANSACTIONS_LIST.name, page_no, page, previous)
            previous = page
            for item in page.items:
                yield item
            if not page.items or not page.has_next:
                return
            page_no += 1

    async def get(self, transaction_id: str) -> Transaction:
        """By id, ``reference`` or ``merchant_reference``."""
        return await self._call(routes.TRANSACTIONS_GET, path={"transaction_id": transaction_id})
