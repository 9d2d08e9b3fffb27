"""Virtual bank accounts.

``create`` answers an array in ``data`` (``list`` and ``create`` read a lone object as a
list of one); ``close`` answers at least a message, or nothing, so its whole body is the
model (``envelope=()``, an empty body read as ``{}``).
"""

from __future__ import annotations

from ..models.virtual_accounts import (
    IdentificationType,
    VirtualBankAccount,
    VirtualBankAccountClosure,
)
from ..scopes import Scope as S
from .base import route
from .shapes import ack_body, listify_data

VBA = "/virtual-bank-account"

VBA_CREATE = route(
    "virtual_bank_accounts.create",
    "POST",
    VBA,
    list[VirtualBankAccount],
    scopes={S.VIRTUAL_ACCOUNT_CREATE},
    normalize=listify_data,
    summary="Open a virtual account on a wallet; data is an array of accounts.",
)
VBA_LIST = route(
    "virtual_bank_accounts.list",
    "GET",
    VBA,
    list[VirtualBankAccount],
    scopes={S.VIRTUAL_ACCOUNT_READ},
    normalize=listify_data,
    summary="Virtual accounts, by wallet_id and/or customer_id (a lone object is a list of one).",
)
VBA_GET = route(
    "virtual_bank_accounts.get",
    "GET",
    VBA + "/{vba_id}",
    VirtualBankAccount,
    scopes={S.VIRTUAL_ACCOUNT_READ},
    summary="One virtual account.",
)
VBA_CLOSE = route(
    "virtual_bank_accounts.close",
    "POST",
    VBA + "/{vba_id}/close",
    VirtualBankAccountClosure,
    scopes={S.VIRTUAL_ACCOUNT_CLOSE},
    envelope=(),
    normalize=ack_body,
    summary="Close a virtual account; a closed one cannot be closed again.",
)
VBA_GET_IDENTIFICATION_TYPE = route(
    "virtual_bank_accounts.get_identification_type",
    "GET",
    VBA + "/identification-type",
    IdentificationType,
    scopes={S.VIRTUAL_ACCOUNT_READ},
    summary="The identity number a holder must give (e.g. bvn), by customer or country+type.",
)
