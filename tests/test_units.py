"""Pure parts, no sockets: scopes, token parsing, error mapping, retry policy, routes."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import cattrs
import pytest

from blaaiz_async import Scope, ScopeBundle
from blaaiz_async.auth.token import AccessToken, parse_token_response
from blaaiz_async.config import refresh_skew
from blaaiz_async.errors import (
    AuthenticationError,
    BadRequestError,
    DenialReason,
    InsufficientScopeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TokenError,
    ValidationError,
    error_for_status,
)
from blaaiz_async.retry import RetryPolicy, parse_retry_after
from blaaiz_async.routes import ROUTES, find_route
from blaaiz_async.scopes import format_scopes, parse_granted, parse_scopes

REQUESTED = frozenset({Scope.WALLET_READ, Scope.PAYOUT_CREATE})


# -- scopes ----------------------------------------------------------------------------------


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


# -- tokens ----------------------------------------------------------------------------------


def test_token_response_parsed_with_granted_scopes() -> None:
    body = {
        "access_token": "tok",
        "token_type": "Bearer",
        "expires_in": 900,
        "scope": "wallet:read",
    }
    token = parse_token_response(body, requested=REQUESTED, now=1000.0)
    assert token.scopes == {Scope.WALLET_READ}
    assert token.expires_at == 1900.0
    assert token.refresh_at == 1900.0 - 60.0


def test_token_without_scope_field_gets_requested_scopes() -> None:
    token = parse_token_response({"access_token": "t", "expires_in": "3"}, requested=REQUESTED)
    assert token.scopes == REQUESTED


def test_refresh_skew_is_proportional_and_capped() -> None:
    assert refresh_skew(3) == pytest.approx(0.75)
    assert refresh_skew(900) == 60
    assert refresh_skew(100000) == 60


@pytest.mark.parametrize(
    "body",
    [
        None,
        "not an object",
        [],
        {},
        {"access_token": "", "expires_in": 10},
        {"access_token": 5, "expires_in": 10},
        {"access_token": "t"},
        {"access_token": "t", "expires_in": None},
        {"access_token": "t", "expires_in": -1},
        {"access_token": "t", "expires_in": 0},
        {"access_token": "t", "expires_in": "soon"},
        {"access_token": "t", "expires_in": math.inf},
        {"access_token": "t", "expires_in": True},
        {"access_token": "t", "expires_in": [1]},
        {"access_token": "t", "expires_in": 10, "token_type": "mac"},
        {"access_token": "t", "expires_in": 10, "scope": 7},
        {"access_token": "t", "expires_in": 10**400},
        {"access_token": "tok\r\nX-Evil: 1", "expires_in": 10},
        {"access_token": "with space", "expires_in": 10},
    ],
)
def test_malformed_token_responses_raise_token_error(body: object) -> None:
    with pytest.raises(TokenError):
        parse_token_response(body, requested=REQUESTED)


def test_access_token_repr_hides_value_and_roundtrips() -> None:
    token = AccessToken(value="s3cr3t-token", expires_at=2.0, refresh_at=1.0, scopes=REQUESTED)
    assert "s3cr3t" not in repr(token) and "s3cr3t" not in str(token)
    assert AccessToken.from_json(token.to_json()) == token


@pytest.mark.parametrize("raw", ["", "{", "[]", '{"v": 1}', '{"v":1,"access_token":"x"}', "\xff"])
def test_corrupt_stored_token_is_value_error(raw: str) -> None:
    with pytest.raises(ValueError):
        AccessToken.from_json(raw)


def _stored(**fields: object) -> str:
    entry: dict[str, object] = {"v": 1, "access_token": "tok-ok", "expires_at": 2e9}
    entry.update({"refresh_at": 1.9e9, "scopes": ["wallet:read"]}, **fields)
    return json.dumps(entry)


@pytest.mark.parametrize(
    "fields",
    [
        {"access_token": "tok\r\nX-Evil: 1"},
        {"access_token": "tok\n"},
        {"access_token": "with space"},
        {"access_token": "caf\u00e9"},
        {"access_token": "a=b"},
        {"expires_at": 10**400},
        {"refresh_at": -(10**400)},
        {"expires_at": 0},
        {"expires_at": -1.0},
        {"expires_at": 2**40},
        {"refresh_at": 1e300},
        {"expires_at": "2000000000"},
        {"expires_at": True},
    ],
)
def test_a_stored_token_that_is_no_bearer_token_or_has_absurd_times_is_a_miss(
    fields: dict[str, object],
) -> None:
    with pytest.raises(ValueError):
        AccessToken.from_json(_stored(**fields))


@pytest.mark.parametrize("value", ["tok-ok", "a.b_c~d+e/f", "abc==", "A" * 2000])
def test_stored_bearer_tokens_are_read(value: str) -> None:
    assert AccessToken.from_json(_stored(access_token=value)).value == value


@pytest.mark.parametrize("value", ["", "tok\r\nX: y", "two words", "tok\x00"])
def test_an_access_token_is_a_b64token_wherever_it_is_made(value: str) -> None:
    with pytest.raises(ValueError, match="b64token") as info:
        AccessToken(value=value, expires_at=2.0, refresh_at=1.0, scopes=REQUESTED)
    assert value not in str(info.value) or not value


# -- errors ----------------------------------------------------------------------------------


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


# -- retries ---------------------------------------------------------------------------------


def test_retry_decisions() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(attempt=1, idempotent=True, status=503, connected=True)
    assert not policy.should_retry(attempt=1, idempotent=False, status=503, connected=True)
    assert not policy.should_retry(attempt=1, idempotent=False, status=None, connected=True)
    assert policy.should_retry(attempt=1, idempotent=False, status=None, connected=False)
    assert policy.should_retry(attempt=1, idempotent=False, status=429, connected=True)
    assert not policy.should_retry(attempt=1, idempotent=True, status=400, connected=True)
    assert not policy.should_retry(attempt=3, idempotent=True, status=503, connected=True)


def test_backoff_with_pinned_jitter() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=lambda: 1.0)
    assert [policy.delay(a) for a in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert RetryPolicy(jitter=lambda: 0.0).delay(1) == 0.0  # full jitter: anywhere from 0
    assert RetryPolicy(jitter=lambda: 0.5).delay(3) == 1.0
    assert policy.delay(1, retry_after=500) == policy.retry_after_cap


def test_retry_after_parsing() -> None:
    assert parse_retry_after({"Retry-After": "7"}, now=0) == 7
    assert parse_retry_after({"Retry-After": "Thu, 01 Jan 1970 00:00:10 GMT"}, now=4) == 6
    assert parse_retry_after({"X-RateLimit-Reset": "130"}, now=100) == 30
    assert parse_retry_after({}, now=0) is None
    assert parse_retry_after({"Retry-After": "garbage"}, now=0) is None
    for junk in ("nan", "inf", "-inf"):
        assert parse_retry_after({"Retry-After": junk, "X-RateLimit-Reset": junk}, now=0) is None
    assert RetryPolicy(jitter=lambda: 1.0).delay(1, retry_after=math.nan) == 0.5


# -- routes ----------------------------------------------------------------------------------


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


# -- models ------------------------------------------------------------------------------------


def test_optional_scalars_are_read_leniently_but_not_blindly() -> None:
    from blaaiz_async.models import PageMeta, Wallet, converter

    wallet = converter.structure(
        {"id": 7, "currency_id": 12, "is_active": "true", "amount": "10.50", "new": 1}, Wallet
    )
    assert wallet.id == "7" and wallet.currency_id == "12" and wallet.is_active is True
    assert wallet.amount == Decimal("10.50") and wallet.extra == {"new": 1}
    assert converter.structure({"current_page": "2", "to": 3.0}, PageMeta).current_page == 2
    for bad in (
        {"id": "w", "currency": {"code": "NGN"}},
        {"id": "w", "is_active": "maybe"},
        {"id": "w", "amount": True},
        {"id": "w", "amount": "lots"},
    ):
        with pytest.raises(cattrs.BaseValidationError):
            converter.structure(bad, Wallet)
    with pytest.raises(cattrs.BaseValidationError):
        converter.structure({"current_page": float("inf")}, PageMeta)


def test_errors_survive_pickle() -> None:
    import pickle

    from blaaiz_async.errors import MalformedResponseError, UploadError

    errors: list[Exception] = [
        error_for_status(404, {"message": "Customer not found"}, route="customers.get"),
        error_for_status(429, {}, retry_after=3.0),
        error_for_status(422, {"message": "bad", "errors": {"email": ["bad"]}}),
        InsufficientScopeError(
            required=frozenset({Scope.PAYOUT_CREATE}), granted=frozenset(), route="payouts.create"
        ),
        TokenError("no", status=401, error="invalid_client"),
        MalformedResponseError("odd", status=200, body={"a": 1}, route="x"),
        UploadError("storage said no", step="upload", status=403),
        ValidationError("payout: bank_id is required", field="bank_id"),
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error) and copy.__dict__ == error.__dict__


def test_signed_upload_urls_stay_out_of_reprs() -> None:
    from blaaiz_async.models import PresignedUpload
    from blaaiz_async.models.compliance import KycDocumentUploadUrl

    signed = "https://s3.example/bucket/f?X-Amz-Signature=deadbeef"
    for obj in (
        PresignedUpload(file_id="f1", upload_url=signed, headers={"x-amz-acl": "private"}),
        KycDocumentUploadUrl(url=signed, headers={"x-amz-meta": "sig"}),
    ):
        assert "deadbeef" not in repr(obj) and "x-amz" not in repr(obj)
    assert PresignedUpload(file_id="f1", url=signed).target_url == signed
