"""Swaps between the business's own wallets, and refunds."""

from __future__ import annotations

from ..errors import ValidationError
from ..models.swaps import AmountType, Refund, RefundRequest, Swap, SwapRequest
from ..routes import swaps as routes
from ..validation import Amount, check_choice, check_max_length, positive, require, to_amount
from .base import Resource, wire

REFUND_LIMITS = {"reason": 250, "reference": 100}


class Swaps(Resource):
    async def create(
        self,
        *,
        from_business_wallet_id: str,
        to_business_wallet_id: str,
        amount: Amount,
        amount_type: AmountType | str | None = None,
    ) -> Swap:
        """Convert money between two wallets of the business at the current rate.

        ``amount_type="from"`` (the API's default) fixes what leaves the first wallet;
        ``"to"`` fixes what arrives in the second. Never retried once it may have reached
        the server: check the wallets or the transactions before trying again.
        """
        ctx = "swap"
        body = wire(
            SwapRequest(
                from_business_wallet_id=from_business_wallet_id,
                to_business_wallet_id=to_business_wallet_id,
                amount=to_amount(amount, "amount", context=ctx),
                amount_type=amount_type,
            )
        )
        require(body, "from_business_wallet_id", "to_business_wallet_id", context=ctx)
        positive(body, "amount", context=ctx)
        check_choice(body, "amount_type", [t.value for t in AmountType], context=ctx)
        if body["from_business_wallet_id"] == body["to_business_wallet_id"]:
            raise ValidationError(
                f"{ctx}: the two wallets must differ", field="to_business_wallet_id"
            )
        return await self._call(routes.SWAPS_CREATE, json=body)

    initiate = create


class Refunds(Resource):
    async def create(
        self,
        *,
        transaction_id: str,
        reason: str | None = None,
        reference: str | None = None,
    ) -> Refund:
        """Refund a transaction. ``reason`` (at most 250 characters) and ``reference``
        (at most 100) are yours to reconcile with; poll ``get`` for the outcome."""
        body = wire(
            RefundRequest(transaction_id=transaction_id, reason=reason, reference=reference)
        )
        require(body, "transaction_id", context="refund")
        check_max_length(body, REFUND_LIMITS, context="refund")
        return await self._call(routes.REFUNDS_CREATE, json=body)

    async def get(self, refund_id: str) -> Refund:
        """A refund and its current ``status``."""
        return await self._call(routes.REFUNDS_GET, path={"refund_id": refund_id})

    initiate = create
