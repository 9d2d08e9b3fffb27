"""Virtual bank accounts: receiving accounts on a wallet, for collections by transfer."""

from __future__ import annotations

import builtins
from typing import Any, Unpack, overload

from ..models.virtual_accounts import (
    IdentificationType,
    IdentificationTypeQuery,
    VirtualBankAccount,
    VirtualBankAccountClose,
    VirtualBankAccountClosure,
    VirtualBankAccountCreate,
)
from ..routes import virtual_accounts as routes
from ..rules import virtual_accounts as rules
from ..rules.base import compact, request_body
from .base import Resource


class VirtualBankAccounts(Resource):
    @overload
    async def create(
        self, request: VirtualBankAccountCreate, /, *, currency: str | None = None
    ) -> builtins.list[VirtualBankAccount]: ...
    @overload
    async def create(
        self, /, *, currency: str | None = None, **fields: Unpack[VirtualBankAccountCreate]
    ) -> builtins.list[VirtualBankAccount]: ...
    async def create(
        self,
        request: VirtualBankAccountCreate | None = None,
        /,
        *,
        currency: str | None = None,
        **fields: Any,
    ) -> builtins.list[VirtualBankAccount]:
        """Open a virtual account on a wallet; the API answers a list of accounts.

        NGN accounts need ``account_name`` and are usable at once. GBP/USD/EUR need the
        ``customer_id`` of an individual customer, pass KYC, and may come back
        ``PENDING`` with their details arriving later by webhook. ``currency`` is not
        sent: name the wallet's currency to have those rules checked before sending.
        Not retried once sent."""
        route = routes.VBA_CREATE
        json = request_body(VirtualBankAccountCreate, fields, request=request, context=route.name)
        rules.validate_vba_create(json, currency)
        return await self._call(route, json=json)

    async def list(
        self, *, wallet_id: str | None = None, customer_id: str | None = None
    ) -> builtins.list[VirtualBankAccount]:
        """Virtual accounts of a wallet and/or customer (the OpenAPI file wants ``wallet_id``;
        the official SDKs do not). A lone object in the answer is read as a list of one."""
        params = compact(wallet_id=wallet_id, customer_id=customer_id)
        return await self._call(routes.VBA_LIST, params=params or None)

    async def get(self, vba_id: str) -> VirtualBankAccount:
        """One virtual account; ``NotFoundError`` if unknown."""
        return await self._call(routes.VBA_GET, path={"vba_id": vba_id})

    async def close(
        self, vba_id: str, **fields: Unpack[VirtualBankAccountClose]
    ) -> VirtualBankAccountClosure:
        """Close a virtual account so it stops receiving money. Without ``reason`` no
        body is sent. Closing a closed account is refused (``BadRequestError``)."""
        route = routes.VBA_CLOSE
        json = request_body(VirtualBankAccountClose, fields, context=route.name)
        if not json.get("reason"):
            json.pop("reason", None)  # an empty reason is no reason
        return await self._call(route, path={"vba_id": vba_id}, json=json or None)

    async def get_identification_type(
        self, **query: Unpack[IdentificationTypeQuery]
    ) -> IdentificationType:
        """Which identity number a holder must give, e.g. Nigerian individuals: label
        "Bank Verification Number", type ``bvn``. By ``customer_id``, or by ``country``
        (ISO-2) and ``type`` (``individual``/``business``)."""
        route = routes.VBA_GET_IDENTIFICATION_TYPE
        params = request_body(IdentificationTypeQuery, query, context=route.name)
        rules.validate_identification_query(params)
        return await self._call(route, params=params)
