"""Swaps between the business's wallets, and refunds.

``refunds.create`` requires no scope: no scope list of any source names one, so the
guard lets any authenticated token try and the server decides.
"""

from __future__ import annotations

from ..models.swaps import Refund, Swap
from ..scopes import Scope as S
from .base import route

SWAPS_CREATE = route(
    "swaps.create",
    "POST",
    "/swap",
    Swap,
    scopes={S.SWAP_CREATE},
    summary="Convert between two wallets of the business.",
)
REFUNDS_CREATE = route(
    "refunds.create",
    "POST",
    "/refund",
    Refund,
    scopes=(),
    summary="Refund a transaction.",
)
REFUNDS_GET = route(
    "refunds.get",
    "GET",
    "/refund/{refund_id}",
    Refund,
    scopes={S.TRANSACTION_READ},
    summary="Get a refund and its status.",
)
