"""Payouts and fee quotes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Required, TypedDict, Unpack

import attrs

from ..errors import (
    BlaaizError,
    DuplicateReferenceError,
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
    ValidationError,
)
from ..models import FeeBreakdown, Transaction
from ..routes import core as routes
from ..validation import (
    Amount,
    check_fields,
    compact,
    merchant_reference,
    to_amount,
    validate_fees,
    validate_payout,
)
from .base import Resource

PayoutMethod = Literal["bank_transfer", "interac", "ach", "wire", "crypto", "mobile_money"]


class PayoutFields(TypedDict, total=False):
    """The fields of a payout, named once: the signature, the body and the checks read it.
    ``None`` is the same as leaving a field out.

    Which fields a ``method`` needs for a currency is checked before sending.
    """

    wallet_id: Required[str]
    customer_id: Required[str]
    method: Required[PayoutMethod]
    from_currency_id: Required[str]  # a currency code ("NGN") or its id
    to_currency_id: Required[str]
    from_amount: Amount | None
    to_amount: Amount | None
    bank_id: str | None
    account_number: str | None
    account_name: str | None
    sort_code: str | None
    iban: str | None
    bic_code: str | None
    email: str | None
    interac_first_name: str | None
    interac_last_name: str | None
    type: Literal["individual", "business"] | None
    account_type: Literal["checking", "savings"] | None
    bank_name: str | None
    routing_number: str | None
    swift_code: str | None
    wallet_address: str | None
    wallet_token: Literal["USDT", "USDC"] | None
    wallet_network: (
        Literal["BSC_MAINNET", "ETHEREUM_MAINNET", "TRON_MAINNET", "MATIC_MAINNET"] | None
    )
    phone_number: str | None
    mobile_money_operator_id: str | None
    country_id: str | None
    country: str | None
    state: str | None
    street: str | None
    city: str | None
    zip_code: str | None
    note: str | None
    merchant_reference: str | None
    extra_body: Mapping[str, Any]  # fields the API added after this release, sent as given


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


def _payout_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    check_fields(fields, PayoutFields, context="payouts.create")
    body = dict(fields)
    extra = body.pop("extra_body", None) or {}
    _check_extra_body(extra)
    for name in ("from_amount", "to_amount"):
        if body.get(name) is not None:
            body[name] = to_amount(body[name], name, context="payout")
    body["merchant_reference"] = merchant_reference(body.get("merchant_reference"))
    return {**compact(**body), **extra}


_DECLARED = PayoutFields.__required_keys__ | PayoutFields.__optional_keys__


def _check_extra_body(extra: Mapping[str, Any]) -> None:
    """``extra_body`` adds fields this release does not know; it may not replace a declared
    one after its checks (an amount, the reference the lookup uses), nor carry a float."""
    for name, value in extra.items():
        if name in _DECLARED:
            raise ValidationError(
                f"payouts.create: {name} is a declared field; pass it as {name}=..., not in "
                "extra_body, so that it is checked",
                field=name,
            )
        if _has_float(value):
            raise ValidationError(
                f"payouts.create: extra_body[{name!r}] holds a float, which is not exact; pass "
                "a Decimal, an int or a string",
                field=name,
            )


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, Mapping):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_float(v) for v in value)
    return False


class Fees(Resource):
    async def breakdown(
        self,
        *,
        from_currency_id: str,
        to_currency_id: str,
        from_amount: Amount | None = None,
        to_amount: Amount | None = None,
        method: str | None = None,
    ) -> FeeBreakdown:
        """What a transfer costs: ``you_send`` in total, ``recipient_gets`` after fees."""
        ctx = "fee breakdown"
        body = compact(
            from_currency_id=from_currency_id,
            to_currency_id=to_currency_id,
            from_amount=to_amount_or_none(from_amount, "from_amount", ctx),
            to_amount=to_amount_or_none(to_amount, "to_amount", ctx),
            method=method,
        )
        validate_fees(body)
        return await self._call(routes.FEES_BREAKDOWN, json=body)

    get_breakdown = breakdown


def to_amount_or_none(value: Amount | None, field: str, context: str) -> Any:
    return None if value is None else to_amount(value, field, context=context)
