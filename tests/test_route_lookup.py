"""The route table: lookup by method and path, path parameters, idempotency, scope format."""

from __future__ import annotations

import pytest

from blaaiz_async import Scope
from blaaiz_async.errors import (
    ValidationError,
)
from blaaiz_async.routes import ROUTES, find_route
from blaaiz_async.scopes import format_scopes


def test_route_lookup_prefers_literal_segments() -> None:
    assert find_route("GET", "/api/external/wallet/abc") is ROUTES["wallets.get"]
    assert find_route("POST", "/api/external/transaction?x=1") is ROUTES["transactions.list"]
    assert find_route("DELETE", "/api/external/wallet") is None


def test_path_parameters_are_encoded_as_one_segment() -> None:
    assert ROUTES["wallets.get"].format_path({"wallet_id": "a/../b"}).endswith("/a%2F..%2Fb")
    with pytest.raises(ValidationError, match="wallet_id"):
        ROUTES["wallets.get"].format_path({"wallet_id": ""})
    for dots in (".", ".."):
        with pytest.raises(ValidationError, match="cannot be"):
            ROUTES["wallets.get"].format_path({"wallet_id": dots})


def test_payout_is_not_idempotent_and_reads_are() -> None:
    assert not ROUTES["payouts.create"].idempotent
    assert ROUTES["fees.breakdown"].idempotent and ROUTES["wallets.list"].idempotent


def test_scope_format_is_canonical() -> None:
    assert format_scopes([Scope.WALLET_READ, Scope.FEES_READ]) == "fees:read wallet:read"
