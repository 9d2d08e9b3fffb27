"""Webhook signatures: what verifies, what is refused and with which reason. Pure, no I/O."""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle

import pytest

from blaaiz_async.config import ConfigurationError
from blaaiz_async.errors import BlaaizError, VerificationReason, WebhookVerificationError
from blaaiz_async.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    compute_signature,
    construct_event,
    sign_headers,
    verify_signature,
)

SECRET = "whsec_test_7f3a9c1b2d"
NOW = 1_750_000_000.0
BODY = json.dumps(
    {
        "type": "payout",
        "event_id": "4f0c2a4e-2b1e-4c53-9a51-0d6b2c7d9e10",
        "transaction_amount": 1000.5,
        "transaction_status": "SUCCESSFUL",
    }
).encode()


def signed(body: bytes = BODY, secret: str = SECRET, ts: int = int(NOW)) -> dict[str, str]:
    return sign_headers(secret, body, timestamp=ts)


def reason_of(body: bytes | str, headers: object, secret: object = SECRET, **kw: object) -> str:
    with pytest.raises(WebhookVerificationError) as info:
        verify_signature(body, headers, secret, now=NOW, **kw)  # type: ignore[arg-type]
    return info.value.reason


def test_the_signature_is_hmac_sha256_of_timestamp_dot_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{int(NOW)}.".encode() + BODY, hashlib.sha256)
    assert compute_signature(SECRET, int(NOW), BODY) == expected.hexdigest()
    headers = {TIMESTAMP_HEADER: str(int(NOW)), SIGNATURE_HEADER: expected.hexdigest()}
    verify_signature(BODY, headers, SECRET, now=NOW)


def test_a_valid_delivery_verifies_as_bytes_or_str_with_any_header_case() -> None:
    headers = signed()
    verify_signature(BODY, headers, SECRET, now=NOW)
    verify_signature(BODY.decode(), headers, SECRET, now=NOW)
    verify_signature(BODY, {k.upper(): v for k, v in headers.items()}, SECRET, now=NOW)
    verify_signature(BODY, {k.title(): v for k, v in headers.items()}, SECRET, now=NOW)
    verify_signature(BODY, list(headers.items()), SECRET, now=NOW)  # pairs, e.g. multidicts
    raw = {k.encode(): v.encode() for k, v in headers.items()}  # raw ASGI headers
    verify_signature(BODY, raw, SECRET, now=NOW)
    verify_signature(BODY, headers, SECRET.encode(), now=NOW)


def test_uppercase_hex_and_surrounding_whitespace_verify() -> None:
    headers = signed()
    headers[SIGNATURE_HEADER] = "  " + headers[SIGNATURE_HEADER].upper() + " "
    verify_signature(BODY, headers, SECRET, now=NOW)


def test_a_rotation_accepts_any_one_of_several_secrets() -> None:
    headers = signed(secret="new-secret")
    verify_signature(BODY, headers, ["old-secret", "new-secret"], now=NOW)
    verify_signature(BODY, headers, ("new-secret", b"old-secret"), now=NOW)
    assert reason_of(BODY, headers, ["old-secret", "other"]) == "signature_mismatch"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h: h.pop(SIGNATURE_HEADER), "missing_signature"),
        (lambda h: h.update({SIGNATURE_HEADER: "  "}), "missing_signature"),
        (lambda h: h.pop(TIMESTAMP_HEADER), "missing_timestamp"),
        (lambda h: h.update({TIMESTAMP_HEADER: ""}), "missing_timestamp"),
        (lambda h: h.update({TIMESTAMP_HEADER: "yesterday"}), "invalid_timestamp"),
        (lambda h: h.update({TIMESTAMP_HEADER: "nan"}), "invalid_timestamp"),
        (lambda h: h.update({TIMESTAMP_HEADER: "inf"}), "invalid_timestamp"),
        (lambda h: h.update({TIMESTAMP_HEADER: "-1750000000"}), "invalid_timestamp"),
        (lambda h: h.update({TIMESTAMP_HEADER: "1e9"}), "invalid_timestamp"),
        (lambda h: h.update({TIMESTAMP_HEADER: "1" + "0" * 400}), "invalid_timestamp"),
        (
            lambda h: h.update({TIMESTAMP_HEADER: "\u0661\u0667\u0665" * 3}),
            "invalid_timestamp",
        ),  # non-ASCII digits
        (lambda h: h.update({SIGNATURE_HEADER: "00" * 32}), "signature_mismatch"),
        (lambda h: h.update({SIGNATURE_HEADER: "not-hex"}), "signature_mismatch"),
        (lambda h: h.update({SIGNATURE_HEADER: "ab" * 100_000}), "signature_mismatch"),
        (lambda h: h.update({SIGNATURE_HEADER: "é" * 64}), "signature_mismatch"),
        (
            lambda h: h.update({SIGNATURE_HEADER: "sha256=" + h[SIGNATURE_HEADER]}),
            "signature_mismatch",
        ),
    ],
)
def test_each_broken_header_has_its_own_reason(change: object, reason: str) -> None:
    headers = signed()
    change(headers)  # type: ignore[operator]
    assert reason_of(BODY, headers) == reason


def test_a_changed_body_or_timestamp_or_secret_is_a_mismatch() -> None:
    headers = signed()
    assert reason_of(BODY + b" ", headers) == "signature_mismatch"
    assert reason_of(BODY.replace(b"1000.5", b"9000.5"), headers) == "signature_mismatch"
    reserialised = json.dumps(json.loads(BODY), separators=(",", ":"))
    assert reason_of(reserialised, headers) == "signature_mismatch"  # raw bytes only
    moved = {**headers, TIMESTAMP_HEADER: str(int(NOW) + 1)}
    assert reason_of(BODY, moved) == "signature_mismatch"
    assert reason_of(BODY, headers, secret="another-secret") == "signature_mismatch"


def test_tolerance_is_two_sided_and_inclusive() -> None:
    for offset in (-300, 300, 0):
        verify_signature(BODY, signed(ts=int(NOW) + offset), SECRET, now=NOW)
    assert reason_of(BODY, signed(ts=int(NOW) - 301)) == "timestamp_too_old"
    assert reason_of(BODY, signed(ts=int(NOW) + 301)) == "timestamp_in_future"
    assert reason_of(BODY, signed(ts=int(NOW) - 20), tolerance=10) == "timestamp_too_old"
    verify_signature(BODY, signed(ts=int(NOW) - 20), SECRET, tolerance=30, now=NOW)


def test_the_age_is_checked_before_the_signature() -> None:
    """A stale delivery is a replay whatever its signature: the cheap check answers."""
    stale = signed(ts=int(NOW) - 3600)
    stale[SIGNATURE_HEADER] = "00" * 32
    assert reason_of(BODY, stale) == "timestamp_too_old"


def test_a_millisecond_timestamp_is_in_the_future_and_the_message_says_why() -> None:
    ms = str(int(NOW * 1000))
    headers = {TIMESTAMP_HEADER: ms, SIGNATURE_HEADER: compute_signature(SECRET, ms, BODY)}
    with pytest.raises(WebhookVerificationError) as info:
        verify_signature(BODY, headers, SECRET, now=NOW)
    assert info.value.reason == "timestamp_in_future"
    assert "milliseconds" in info.value.message


def test_infinite_tolerance_verifies_an_old_saved_delivery() -> None:
    old = signed(ts=int(NOW) - 10 * 365 * 86400)
    verify_signature(BODY, old, SECRET, tolerance=float("inf"), now=NOW)


def test_a_fractional_timestamp_is_signed_as_sent() -> None:
    stamp = f"{NOW:.3f}"
    headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: compute_signature(SECRET, stamp, BODY)}
    verify_signature(BODY, headers, SECRET, now=NOW)


def test_a_str_body_that_is_not_utf8_text_does_not_raise_an_untyped_error() -> None:
    assert reason_of("\ud800 lone surrogate", signed()) == "signature_mismatch"


def test_the_first_of_duplicate_headers_counts() -> None:
    good = signed()
    pairs = [(SIGNATURE_HEADER, good[SIGNATURE_HEADER]), (SIGNATURE_HEADER, "00" * 32)]
    pairs.append((TIMESTAMP_HEADER, good[TIMESTAMP_HEADER]))
    verify_signature(BODY, pairs, SECRET, now=NOW)


@pytest.mark.parametrize("secret", ["", b"", [], [""], None, 42, ["ok", 42]])
def test_unusable_secrets_are_configuration_errors(secret: object) -> None:
    with pytest.raises(ConfigurationError):
        verify_signature(BODY, signed(), secret, now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("tolerance", [-1.0, float("nan"), "300", True])
def test_unusable_tolerances_are_configuration_errors(tolerance: object) -> None:
    with pytest.raises(ConfigurationError):
        verify_signature(BODY, signed(), SECRET, tolerance=tolerance, now=NOW)  # type: ignore[arg-type]


def test_no_secret_signature_or_body_in_messages_or_reprs() -> None:
    headers = signed()
    failures = []
    for broken in (
        {**headers, SIGNATURE_HEADER: headers[SIGNATURE_HEADER][::-1]},
        {**headers, TIMESTAMP_HEADER: str(int(NOW) - 999)},
        {**headers, TIMESTAMP_HEADER: str(int(NOW) + 999)},
        {SIGNATURE_HEADER: headers[SIGNATURE_HEADER]},
    ):
        with pytest.raises(WebhookVerificationError) as info:
            verify_signature(BODY, broken, SECRET, now=NOW)
        failures.append(info.value)
    for error in failures:
        for text in (str(error), repr(error), error.message, repr(error.args)):
            assert SECRET not in text
            assert headers[SIGNATURE_HEADER] not in text
            assert headers[SIGNATURE_HEADER][::-1] not in text
            assert "transaction_amount" not in text


def test_the_error_has_a_reason_is_a_blaaiz_error_and_pickles() -> None:
    with pytest.raises(BlaaizError) as info:
        verify_signature(BODY, {}, SECRET, now=NOW)
    error = info.value
    assert isinstance(error, WebhookVerificationError)
    assert error.reason is VerificationReason.MISSING_SIGNATURE
    assert error.reason == "missing_signature"
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is WebhookVerificationError
    assert copy.reason is VerificationReason.MISSING_SIGNATURE
    assert copy.message == error.message
    assert str(copy) == str(error)


def test_the_reasons_are_exactly_the_documented_strings() -> None:
    assert {r.value for r in VerificationReason} == {
        "missing_signature",
        "missing_timestamp",
        "invalid_timestamp",
        "timestamp_too_old",
        "timestamp_in_future",
        "signature_mismatch",
        "invalid_json",
    }
    with pytest.raises(ValueError):
        WebhookVerificationError("x", reason="something_else")


def test_construct_event_verifies_first() -> None:
    with pytest.raises(WebhookVerificationError) as info:
        construct_event(b"not json", signed(b"not json", ts=int(NOW) - 999), SECRET, now=NOW)
    assert info.value.reason == "timestamp_too_old"
    with pytest.raises(WebhookVerificationError) as info:
        construct_event(b"not json", signed(b"not json"), SECRET, now=NOW)
    assert info.value.reason == "invalid_json"
    event = construct_event(BODY, signed(), SECRET, now=NOW)
    assert event.type == "payout"
