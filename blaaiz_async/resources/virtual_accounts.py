"""Virtual bank accounts: receiving accounts on a wallet, for collections by transfer."""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from ..models.virtual_accounts import (
    IdentificationType,
    VirtualBankAccount,
    VirtualBankAccountClosure,
    VirtualBankAccountCreate,
)
from ..routes import virtual_accounts as routes
from ..validation import compact, require, require_ids
from .base import Resource, request_body

VBA_CURRENCIES = frozenset({"NGN", "GBP", "USD", "EUR"})
NEEDS_INDIVIDUAL = frozenset({"GBP", "USD", "EUR"})
MAX_ACCOUNT_NAME = 255
_ISO2 = re.compile(r"[A-Za-z]{2}")


def validate_vba_create(body: Mapping[str, Any], currency: str | None) -> None:
    """``wallet_id`` always, ``account_name`` at most 255 characters. The per-currency
    rules (NGN needs ``account_name``; GBP/USD/EUR need a ``customer_id``) need the
    wallet's currency, which the body does not carry: they are checked when the caller
    names it, otherwise the API checks them."""
    ctx = "virtual account"
    require(body, "wallet_id", context=ctx)
    name = body.get("account_name")
    if name is not None and len(str(name)) > MAX_ACCOUNT_NAME:
        raise ValidationError(
            f"{ctx}: account_name is over {MAX_ACCOUNT_NAME} characters", field="account_name"
        )
    if currency is None:
        return
    code = currency.upper()
    if code not in VBA_CURRENCIES:
        raise ValidationError(
            f"{ctx}: {code} accounts are not offered (one of: {', '.join(sorted(VBA_CURRENCIES))})",
            field="currency",
        )
    if code == "NGN":
        require(body, "account_name", context=f"{ctx} in NGN")
    if code in NEEDS_INDIVIDUAL:
        require(body, "customer_id", context=f"{ctx} in {code} (an individual customer)")


def validate_identification_query(params: Mapping[str, Any]) -> None:
    """Either ``customer_id``, or both ``country`` (ISO-2) and ``type``; not a mix."""
    ctx = "identification type"
    by_customer = params.get("customer_id") is not None
    by_place = params.get("country") is not None or params.get("type") is not None
    if by_customer and by_place:
        raise ValidationError(
            f"{ctx}: give customer_id, or country and type, not both", field="customer_id"
        )
    if by_customer:
        return
    if not by_place:
        raise ValidationError(f"{ctx}: give customer_id, or country and type", field="customer_id")
    require(params, "country", "type", context=ctx)
    if not _ISO2.fullmatch(str(params["country"])):
        raise ValidationError(f"{ctx}: country must be an ISO-2 code like NG", field="country")
    if str(params["type"]) not in ("individual", "business"):
        raise ValidationError(f"{ctx}: type must be individual or business", field="type")


class VirtualBankAccounts(Resource):
    async def create(
        self,
        request: VirtualBankAccountCreate | None = None,
        /,
        *,
        wallet_id: str | None = None,
        account_name: str | None = None,
        customer_id: str | None = None,
        currency: str | None = None,
    ) -> builtins.list[VirtualBankAccount]:
        """Open a virtual account on a wallet; the API answers a list of accounts.

        NGN accounts need ``account_name`` and are usable at once. GBP/USD/EUR need the
        ``customer_id`` of an individual customer, pass KYC, and may come back
        ``PENDING`` with their details arriving later by webhook. ``currency`` is not
        sent: name the wallet's currency to have those rules checked before sending.
        Not retried once sent."""
        body = request_body(
            request, wallet_id=wallet_id, account_name=account_name, customer_id=customer_id
        )
        validate_vba_create(body, currency)
        return await self._call(routes.VBA_CREATE, json=body)

    async def list(
        self, *, wallet_id: str | None = None, customer_id: str | None = None
    ) -> builtins.list[VirtualBankAccount]:
        """Virtual accounts of a wallet and/or customer (the OpenAPI file wants ``wallet_id``;
        the official SDKs do not). A lone object in the answer is read as a list of one."""
        params = compact(wallet_id=wallet_id, customer_id=customer_id)
        return await self._call(routes.VBA_LIST, params=params or None)

    async def get(self, vba_id: str) -> VirtualBankAccount:
        """One virtual account; ``NotFoundError`` if unknown."""
        path = require_ids("virtual account", vba_id=vba_id)
        return await self._call(routes.VBA_GET, path=path)

    async def close(self, vba_id: str, *, reason: str | None = None) -> VirtualBankAccountClosure:
        """Close a virtual account so it stops receiving money. Without ``reason`` no
        body is sent. Closing a closed account is refused (``BadRequestError``)."""
        path = require_ids("close virtual account", vba_id=vba_id)
        body = {"reason": reason} if reason else None
        return await self._call(routes.VBA_CLOSE, path=path, json=body)

    async def get_identification_type(
        self,
        *,
        customer_id: str | None = None,
        country: str | None = None,
        type: str | None = None,
    ) -> IdentificationType:
        """Which identity number a holder must give, e.g. Nigerian individuals: label
        "Bank Verification Number", type ``bvn``. By ``customer_id``, or by ``country``
        (ISO-2) and ``type`` (``individual``/``business``)."""
        params = compact(customer_id=customer_id, country=country, type=type)
        validate_identification_query(params)
        return await self._call(routes.VBA_GET_IDENTIFICATION_TYPE, params=params)
