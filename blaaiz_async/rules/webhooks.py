"""Webhook configuration: https URLs (a local sandbox also takes loopback http)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import check_email, check_https, positive, require_any

URL_FIELDS = ("payout_url", "collection_url", "customer_url", "virtual_account_url", "kyc_url")


def validate_registration(body: Mapping[str, Any]) -> None:
    check_https(body, *URL_FIELDS, context="webhook registration", allow_loopback=True)


def validate_update(body: Mapping[str, Any]) -> None:
    ctx = "webhook update"
    require_any(body, context=ctx, what="give at least one URL to change or clear")
    check_https(body, *body, context=ctx, allow_loopback=True)


def validate_interac_simulation(body: Mapping[str, Any]) -> None:
    ctx = "Interac webhook simulation"
    positive(body, "amount", context=ctx)
    check_email(body, "collection_email", "interac_email", context=ctx)
