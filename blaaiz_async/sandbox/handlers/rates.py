"""Exchange rates, from the same table that prices transfers (``RATES_PER_USD``)."""

from __future__ import annotations

from decimal import Decimal

from ..state import RATES_PER_USD, SandboxState, now_iso
from . import Call, Reply, handles, ok

PLACES = Decimal("0.000001")


@handles("rates.list")
def rates_list(state: SandboxState, call: Call) -> Reply:
    term = call.query.get("search_term", "").strip().upper()
    stamp = now_iso()
    rates = []
    for src, src_per_usd in RATES_PER_USD.items():
        for dst, dst_per_usd in RATES_PER_USD.items():
            if src == dst:
                continue
            pair = f"{src}/{dst}"
            if term and term not in pair:
                continue
            rates.append(
                {
                    "id": f"{src}-{dst}",
                    "from_currency": src,
                    "to_currency": dst,
                    "rate": (dst_per_usd / src_per_usd).quantize(PLACES),
                    "updated_at": stamp,
                }
            )
    return ok(rates)
