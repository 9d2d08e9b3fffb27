"""Payouts and fee quotes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

import attrs

from ..errors import (
    BlaaizError,
    DuplicateReferenceError,
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
)
from ..models import FeeBreakdown, Transaction
from ..models.payouts import FeeBreakdownRequest, PayoutFields
from ..routes import core as routes
from ..rules.base import merchant_reference, request_body
from ..rules.core import validate_fees, validate_payout
from .base import Resource


class Payouts(Resource):
    async def create(self, **fields: Unpack[PayoutFields]) -> Transaction:
        """Send money from a wallet. Give exactly one of ``from_amount`` (debited) or
        ``to_amount`` (received), as ``Decimal``, ``int`` or ``str`` (a float is refused:
        it is not exact). The fields each ``method`` needs are checked before sending.

        Every payout carries a ``merchant_reference``: yours, or one the SDK makes (it is
        on the returned transaction). Never sent twice once it may have reached the
        server: an ``OutcomeUnknownError`` carries the reference, and
        ``client.transactions.get(err.merchant_reference)`` finds the payout.
        """
        body = _payout_body(fields)
        validate_payout(body)
        transaction = await self._call(routes.PAYOUTS_CREATE, json=body)
        if transaction.merchant_reference is None:
            transaction = attrs.evolve(transaction, merchant_reference=body["merchant_reference"])
        return transaction

    async def ensure(self, *, attempts: int = 3, **fields: Unpack[PayoutFields]) -> Transaction:
        """Send a payout at most once, even when answers are lost: the exactly-once helper.

        It sends with the ``merchant_reference`` (yours, or a generated one). When the
        outcome is unknown (a dropped connection or a timeout after sending, an unreadable
        answer, or a 5xx), it looks the reference up: found, that transaction is returned;
        not found, the payout is sent again with the SAME reference, at most ``attempts``
        times in all. A reused reference (``DuplicateReferenceError``) returns the existing
        transaction.

        What it promises rests on the API keeping ``merchant_reference`` unique per
        business: a resend after a lookup that did not yet see the payout is refused as a
        duplicate, never executed twice. It cannot promise anything across references
        (two calls with different references are two payouts), and it needs the
        ``transaction:read`` scope, checked before anything is sent.
        """
        body = _payout_body(fields)
        validate_payout(body)
        reference = body["merchant_reference"]
        await self._pipeline.authorize(routes.TRANSACTIONS_GET)  # refuses before any payout
        with self._pipeline.observed("payouts.ensure", "POST"):
            return await self._ensure(body, reference, max(attempts, 1))

    async def _ensure(self, body: dict[str, Any], reference: str, attempts: int) -> Transaction:
        for attempt in range(1, attempts + 1):  # fewer than one is one: sent once
            try:
                return await self._call(routes.PAYOUTS_CREATE, json=body)
            except DuplicateReferenceError:
                return await self._look_up(reference)
            except (OutcomeUnknownError, MalformedResponseError, ServerError):
                # A 5xx to a payout (a gateway's 502/504 above all) may come after it was
                # executed: as unknown as a lost answer, and the engine never resends it.
                if attempt == attempts:
                    raise
            try:
                return await self._look_up(reference)
            except NotFoundError:
                continue  # not there: nothing was executed, send again with the same reference
        raise AssertionError("unreachable")

    async def _look_up(self, reference: str) -> Transaction:
        """The payout by its reference; a failed lookup's error carries the reference, so
        the caller can look again later."""
        try:
            return await self._call(routes.TRANSACTIONS_GET, path={"transaction_id": reference})
        except NotFoundError:
            raise
        except BlaaizError as exc:
            if getattr(exc, "merchant_reference", None) is None:
                exc.merchant_reference = reference  # type: ignore[attr-defined]
            raise

    # The official Python SDK's name, for code moving over (``ensure`` is the safer call).
    initiate = create


def _payout_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The payout's body, its fields checked, with its ``merchant_reference`` (given or
    new); ``validate_payout`` checks what its method needs."""
    body = request_body(PayoutFields, fields, context=routes.PAYOUTS_CREATE.name)
    body["merchant_reference"] = merchant_reference(body.get("merchant_reference"))
    return body


class Fees(Resource):
    async def breakdown(self, **fields: Unpack[FeeBreakdownRequest]) -> FeeBreakdown:
        """What a transfer costs: ``you_send`` in total, ``recipient_gets`` after fees.
        Give exactly one of ``from_amount`` or ``to_amount``."""
        route = routes.FEES_BREAKDOWN
        json = request_body(FeeBreakdownRequest, fields, context=route.name)
        validate_fees(json)
        return await self._call(route, json=json)

    get_breakdown = breakdown
