"""Transactions: list with filters (a JSON body, by the API's design), get, iterate."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ..models import Page, Transaction
from ..models.pagination import check_advanced
from ..routes import core as routes
from ..validation import compact
from .base import Resource


class Transactions(Resource):
    async def list(
        self,
        *,
        start_date: str | None = None,
        end_date: str | None = None,
        wallet_id: str | None = None,
        customer_id: str | None = None,
        type: str | None = None,
        status: str | None = None,
        merchant_reference: str | None = None,
        page: int | None = None,
        limit: int | None = None,
    ) -> Page[Transaction]:
        """One page of transactions; dates are ``YYYY-MM-DD``."""
        body = compact(
            start_date=start_date, end_date=end_date, wallet_id=wallet_id,
            customer_id=customer_id, type=type, status=status,
            merchant_reference=merchant_reference, page=page, limit=limit,
        )  # fmt: skip
        return await self._call(routes.TRANSACTIONS_LIST, json=body or None)

    async def iter(self, *, limit: int | None = None, **filters: str) -> AsyncIterator[Transaction]:
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
