"""Misuse of the SDK is a typed error whose message says the fix.

Each error stays an instance of the builtin it replaced (``ValueError``, ``TypeError``),
so code that caught those keeps working. Pure: no sockets.
"""

from __future__ import annotations

import pytest

from blaaiz_async.config import ConfigurationError
from blaaiz_async.scopes import Scope, ScopeBundle, parse_scopes


@pytest.mark.parametrize(
    ("scopes", "message"),
    [
        ("wallet:raed", "'wallet:raed' (did you mean 'wallet:read'?)"),
        ("read-onyl", "'read-onyl' (did you mean 'read-only'?)"),
        (["payout:create", "payouts:craete"], "'payouts:craete' (did you mean 'payout:create'?)"),
        ("wallet:read zzzz", "unknown scope(s): 'zzzz';"),
    ],
)
def test_an_unknown_scope_is_a_configuration_error_with_the_closest_name(
    scopes: str | list[str], message: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_scopes(scopes)
    assert isinstance(info.value, ValueError)
    assert message in str(info.value)
    assert "blaaiz-async scopes" in str(info.value)


def test_known_scopes_and_bundles_still_parse() -> None:
    assert parse_scopes("wallet:read read-only") == ScopeBundle.READ_ONLY.scopes
    assert parse_scopes([Scope.PAYOUT_CREATE]) == {Scope.PAYOUT_CREATE}
