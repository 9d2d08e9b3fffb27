"""Errors: HTTP statuses mapped to the error tree, messages, 403s told apart, no credential kept."""

from __future__ import annotations

import pytest

from blaaiz_async import Scope
from blaaiz_async.errors import (
    AuthenticationError,
    BadRequestError,
    DenialReason,
    InsufficientScopeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
    error_for_status,
)


def test_error_mapping_by_status() -> None:
    assert isinstance(error_for_status(400, {"message": "Insufficient funds."}), BadRequestError)
    assert isinstance(error_for_status(422, {"message": "bad"}), ValidationError)
    assert isinstance(error_for_status(401, None), AuthenticationError)
    assert isinstance(error_for_status(404, {"message": "Customer not found"}), NotFoundError)
    assert isinstance(error_for_status(429, {}, retry_after=3), RateLimitError)
    assert isinstance(error_for_status(503, "<html>busy</html>"), ServerError)
    err = error_for_status(500, None)
    assert err.status == 500 and "500" in err.message


def test_error_message_sources() -> None:
    assert error_for_status(400, {"message": "m"}).message == "m"
    assert error_for_status(400, {"error": "e", "error_description": "d"}).message == "d"
    assert error_for_status(400, "plain text").message == "plain text"
    laravel = error_for_status(422, {"message": "x", "errors": {"email": ["bad"]}})
    assert isinstance(laravel, BadRequestError)
    assert laravel.errors == {"email": ["bad"]} and laravel.field == "email"


def test_error_bodies_never_keep_credentials() -> None:
    from blaaiz_async.errors import MalformedResponseError

    body = {"data": {"access_token": "tok", "expires_at": 1, "nested": [{"cvc": "123"}]}}
    err = MalformedResponseError("bad", status=200, body=body, route="x")
    masked = {"access_token": "***", "expires_at": 1, "nested": [{"cvc": "***"}]}
    assert err.body == {"data": masked}
    assert error_for_status(500, {"client_secret": "s", "token": "USDT"}).body == {
        "client_secret": "***",
        "token": "USDT",  # a crypto token symbol, not a credential
    }
    assert body["data"]["access_token"] == "tok"  # the caller's object is not changed


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("Insufficient scope: requires payout:create.", DenialReason.INSUFFICIENT_SCOPE),
        ("Request IP address is not whitelisted.", DenialReason.IP_POLICY),
        ("API access is disabled for this business.", DenialReason.NO_API_ACCESS),
        ("Forbidden", DenialReason.UNKNOWN),
    ],
)
def test_403_told_apart(message: str, reason: DenialReason) -> None:
    err = error_for_status(403, {"message": message})
    assert type(err) is PermissionDeniedError
    assert err.reason == reason


def test_insufficient_scope_error_is_a_permission_denied() -> None:
    err = InsufficientScopeError(
        required=frozenset({Scope.PAYOUT_CREATE}), granted=frozenset({Scope.WALLET_READ})
    )
    assert isinstance(err, PermissionDeniedError)
    assert err.missing == {Scope.PAYOUT_CREATE}
    assert "payout:create" in str(err)
