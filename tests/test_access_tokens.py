"""Access tokens: parsing the token endpoint's answer, the refresh skew, stored tokens read back."""

from __future__ import annotations

import json
import math

import pytest

from blaaiz_async import Scope
from blaaiz_async.auth.token import AccessToken, parse_token_response
from blaaiz_async.config import refresh_skew
from blaaiz_async.errors import (
    TokenError,
)

REQUESTED = frozenset({Scope.WALLET_READ, Scope.PAYOUT_CREATE})


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
