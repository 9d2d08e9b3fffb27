"""Property tests of webhook verification over random bodies, secrets and timestamps: a
valid delivery verifies, and each kind of damage fails with its own reason."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blaaiz_async.errors import WebhookVerificationError
from blaaiz_async.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    construct_event,
    sign_headers,
    verify_signature,
)

BOUNDED = settings(max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow])

NOW = 1_750_000_000
TOLERANCE = 300

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
objects = st.dictionaries(st.text(max_size=12), json_values, max_size=6)
bodies = objects.map(lambda o: json.dumps(o).encode())
secrets = st.text(min_size=1, max_size=40) | st.binary(min_size=1, max_size=40)
offsets = st.integers(min_value=-TOLERANCE, max_value=TOLERANCE)


def reason(body: bytes, headers: dict[str, str], secret: str | bytes) -> str:
    with pytest.raises(WebhookVerificationError) as info:
        verify_signature(body, headers, secret, tolerance=TOLERANCE, now=NOW)
    return info.value.reason.value


@BOUNDED
@given(body=bodies, secret=secrets, offset=offsets)
def test_a_valid_delivery_verifies_and_parses(
    body: bytes, secret: str | bytes, offset: int
) -> None:
    headers = sign_headers(secret, body, timestamp=NOW + offset)
    verify_signature(body, headers, secret, tolerance=TOLERANCE, now=NOW)
    event = construct_event(body, headers, secret, tolerance=TOLERANCE, now=NOW)
    assert event.raw == json.loads(body)


@BOUNDED
@given(body=bodies, secret=secrets, offset=offsets, data=st.data())
def test_a_changed_byte_is_a_mismatch(
    body: bytes, secret: str | bytes, offset: int, data: st.DataObject
) -> None:
    headers = sign_headers(secret, body, timestamp=NOW + offset)
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    flip = data.draw(st.integers(min_value=1, max_value=255))
    damaged = bytearray(body)
    damaged[index] ^= flip
    assert reason(bytes(damaged), headers, secret) == "signature_mismatch"


@BOUNDED
@given(body=bodies, secret=secrets, other=secrets, offset=offsets)
def test_another_secret_is_a_mismatch(
    body: bytes, secret: str | bytes, other: str | bytes, offset: int
) -> None:
    key = secret.encode() if isinstance(secret, str) else secret
    other_key = other.encode() if isinstance(other, str) else other
    if key == other_key:
        other_key += b"!"
    headers = sign_headers(secret, body, timestamp=NOW + offset)
    assert reason(body, headers, other_key) == "signature_mismatch"


@BOUNDED
@given(
    body=bodies,
    secret=secrets,
    age=st.integers(min_value=TOLERANCE + 1, max_value=10**9),
    ahead=st.integers(min_value=TOLERANCE + 1, max_value=10**9),
)
def test_stale_and_future_timestamps_have_their_own_reasons(
    body: bytes, secret: str | bytes, age: int, ahead: int
) -> None:
    assert reason(body, sign_headers(secret, body, timestamp=NOW - age), secret) == (
        "timestamp_too_old"
    )
    assert reason(body, sign_headers(secret, body, timestamp=NOW + ahead), secret) == (
        "timestamp_in_future"
    )


@BOUNDED
@given(body=bodies, secret=secrets, offset=offsets, header=st.sampled_from(["sig", "ts"]))
def test_a_missing_header_has_its_own_reason(
    body: bytes, secret: str | bytes, offset: int, header: str
) -> None:
    headers = sign_headers(secret, body, timestamp=NOW + offset)
    if header == "sig":
        del headers[SIGNATURE_HEADER]
        assert reason(body, headers, secret) == "missing_signature"
    else:
        del headers[TIMESTAMP_HEADER]
        assert reason(body, headers, secret) == "missing_timestamp"


@BOUNDED
@given(
    body=bodies,
    secret=secrets,
    stamp=st.text(min_size=1, max_size=30).filter(
        lambda s: (
            not s.strip().replace(".", "", 1).isascii()
            or not s.strip().replace(".", "", 1).isdigit()
        )
    ),
)
def test_a_non_numeric_timestamp_is_invalid(body: bytes, secret: str | bytes, stamp: str) -> None:
    headers = sign_headers(secret, body, timestamp=NOW)
    headers[TIMESTAMP_HEADER] = stamp
    expected = "missing_timestamp" if not stamp.strip() else "invalid_timestamp"
    assert reason(body, headers, secret) == expected


@BOUNDED
@given(
    body=st.binary(max_size=200).filter(lambda b: not _is_json_object(b)),
    secret=secrets,
    offset=offsets,
)
def test_a_signed_body_that_is_not_a_json_object_is_invalid_json(
    body: bytes, secret: str | bytes, offset: int
) -> None:
    headers = sign_headers(secret, body, timestamp=NOW + offset)
    verify_signature(body, headers, secret, tolerance=TOLERANCE, now=NOW)  # signed fine
    with pytest.raises(WebhookVerificationError) as info:
        construct_event(body, headers, secret, tolerance=TOLERANCE, now=NOW)
    assert info.value.reason == "invalid_json"


def _is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw.decode("utf-8")), dict)
    except (ValueError, RecursionError):
        return False
