"""Exchange rates."""

from __future__ import annotations

from ..models.rates import Rate
from ..scopes import Scope as S
from .base import route

RATES_LIST = route(
    "rates.list",
    "GET",
    "/rate",
    list[Rate],
    scopes={S.RATES_READ},
    summary="Exchange rates, optionally filtered by search_term (response undocumented).",
)
