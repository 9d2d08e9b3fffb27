"""The names the embedded sandbox still imports from here; the rules live in
``blaaiz_async.rules`` (``rules.core`` for payouts, ``rules.base`` for what is shared)."""

from __future__ import annotations

from .rules.base import LOOPBACK_HOSTS, is_loopback_http
from .rules.core import MOBILE_MONEY_CURRENCIES, PAYOUT_RULES

__all__ = ["LOOPBACK_HOSTS", "MOBILE_MONEY_CURRENCIES", "PAYOUT_RULES", "is_loopback_http"]
