"""Scopes: the API's strings, the bundles, parsing what users write and what the server grants."""

from __future__ import annotations

import pytest

from blaaiz_async import Scope, ScopeBundle
from blaaiz_async.scopes import parse_granted, parse_scopes


def test_scope_values_are_the_api_strings() -> None:
    assert Scope.PAYOUT_CREATE == "payout:create"
    assert Scope.COLLECTION_CRYPTO_CREATE == "collection:crypto:create"
    assert len(Scope) == 27
    assert {"rates:read", "compliance-kyc:pii:read", "signa-id:release"} <= {s.value for s in Scope}


def test_bundles_have_members() -> None:
    assert ScopeBundle.READ_ONLY.scopes >= {Scope.WALLET_READ, Scope.WEBHOOK_READ}
    assert Scope.PAYOUT_CREATE not in ScopeBundle.READ_ONLY.scopes
    assert Scope.PAYOUT_CREATE in ScopeBundle.PAYOUTS.scopes
    full = ScopeBundle.FULL_ACCESS.scopes
    assert Scope.SIGNA_ID_RELEASE not in full and Scope.COMPLIANCE_KYC_PII_READ not in full
    for bundle in ScopeBundle:
        assert bundle.scopes <= frozenset(Scope)


def test_parse_scopes_mixtures() -> None:
    assert parse_scopes(None) == ScopeBundle.FULL_ACCESS.scopes
    assert parse_scopes("wallet:read fees:read") == {Scope.WALLET_READ, Scope.FEES_READ}
    assert parse_scopes("read-only") == ScopeBundle.READ_ONLY.scopes
    mixed = parse_scopes([ScopeBundle.PAYOUTS, "swap:create", Scope.SIGNA_ID_RELEASE])
    assert mixed == ScopeBundle.PAYOUTS.scopes | {Scope.SWAP_CREATE, Scope.SIGNA_ID_RELEASE}
    with pytest.raises(ValueError, match="payout:crate"):
        parse_scopes("payout:crate")


def test_parse_granted_ignores_unknown_scopes() -> None:
    assert parse_granted("wallet:read future:thing") == {Scope.WALLET_READ}
