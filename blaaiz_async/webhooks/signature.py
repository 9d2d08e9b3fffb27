"""Checking that a webhook delivery comes from Blaaiz, and is fresh. Pure: no I/O.

Blaaiz signs ``f"{x-blaaiz-timestamp}.{raw body}"`` (UTF-8) with HMAC-SHA256 and sends
the hex digest in ``x-blaaiz-signature``. Verification therefore needs the body exactly as
it arrived: a parsed and re-serialised body can differ by a byte and fail.

The timestamp (epoch seconds) must lie within ``tolerance`` of now, both ways: an old one
is a replay, one far ahead means a wrong clock or a forged header. The check order is
fixed, so every refusal has one reason: signature header, timestamp header, timestamp
format, timestamp age, then the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

from ..config import ConfigurationError
from ..errors import VerificationReason, WebhookVerificationError
from ..telemetry.observer import webhook_verification_failed

SIGNATURE_HEADER = "x-blaaiz-signature"
TIMESTAMP_HEADER = "x-blaaiz-timestamp"
DEFAULT_TOLERANCE = 300.0

Secret: TypeAlias = str | bytes
Secrets: TypeAlias = str | bytes | Sequence[str | bytes]
Headers: TypeAlias = Mapping[str, str] | Mapping[bytes, bytes] | Iterable[tuple[str, str]]

# Epoch seconds, optionally with a fraction; at most 15 integer digits so a millisecond
# timestamp still parses (and is refused as being in the future) while 10**400, "nan",
# "inf" or "1e9" never reach float().
_TIMESTAMP = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,9})?")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_MAX_SIGNATURE_HEADER = 1024  # longer values are refused before any work


def _fail(reason: VerificationReason, message: str) -> WebhookVerificationError:
    webhook_verification_failed(reason.value)  # every refusal is made here: count it
    return WebhookVerificationError(f"{reason.value}: {message}", reason=reason)


def header_value(headers: Headers, name: str) -> str | None:
    """The first value of header ``name`` (case-insensitive), stripped; None when absent.

    Takes any mapping (a dict, aiohttp's or Starlette's headers) or a list of pairs; bytes
    names and values (raw ASGI headers) are read as Latin-1, as HTTP defines them.
    """
    wanted = name.lower()
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in pairs:
        text = key.decode("latin-1") if isinstance(key, bytes | bytearray) else str(key)
        if text.lower() == wanted:
            raw = value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)
            return raw.strip()
    return None


def normalise_secrets(secret: Secrets) -> tuple[bytes, ...]:
    """The keys to try, as bytes. Several secrets cover a rotation: any one may match."""
    candidates: Sequence[object]
    if isinstance(secret, str | bytes | bytearray):
        candidates = [secret]
    elif isinstance(secret, Sequence):
        candidates = secret
    else:
        raise ConfigurationError(
            f"a webhook secret must be a str, bytes or a sequence of them, "
            f"got {type(secret).__name__}"
        )
    keys = []
    for candidate in candidates:
        if isinstance(candidate, str):
            key = candidate.encode("utf-8")
        elif isinstance(candidate, bytes | bytearray):
            key = bytes(candidate)
        else:
            raise ConfigurationError(
                f"a webhook secret must be a str or bytes, got {type(candidate).__name__}"
            )
        if not key:
            raise ConfigurationError("a webhook secret must not be empty")
        keys.append(key)
    if not keys:
        raise ConfigurationError("no webhook secret given (an empty list verifies nothing)")
    return tuple(keys)


def check_tolerance(tolerance: float) -> float:
    """``tolerance`` as seconds; ``math.inf`` turns the age check off (saved deliveries)."""
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
        raise ConfigurationError(f"tolerance must be a number of seconds, got {tolerance!r}")
    if math.isnan(tolerance) or tolerance < 0:
        raise ConfigurationError(f"tolerance must be zero or more seconds, got {tolerance!r}")
    return float(tolerance)


def body_bytes(payload: bytes | bytearray | memoryview | str) -> bytes:
    """The raw body as bytes. A str is encoded back to UTF-8; ``surrogateescape`` restores
    bytes a framework decoded with it. Pass bytes whenever you have them."""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, bytearray | memoryview):
        return bytes(payload)
    if isinstance(payload, str):
        try:
            return payload.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raise _fail(
                VerificationReason.SIGNATURE_MISMATCH,
                "the body is a str that is not valid UTF-8 text; pass the raw bytes",
            ) from None
    raise TypeError(f"payload must be the raw body as bytes or str, got {type(payload).__name__}")


def parse_timestamp(value: str) -> float:
    if not _TIMESTAMP.fullmatch(value):
        raise _fail(
            VerificationReason.INVALID_TIMESTAMP,
            f"{TIMESTAMP_HEADER} is not a number of epoch seconds",
        )
    return float(value)


def check_age(timestamp: float, *, tolerance: float, now: float) -> None:
    """Two-sided: ``abs(now - timestamp)`` must not exceed ``tolerance``."""
    if now - timestamp > tolerance:
        raise _fail(
            VerificationReason.TIMESTAMP_TOO_OLD,
            f"the delivery was signed {now - timestamp:.0f}s ago, more than the "
            f"tolerance of {tolerance:g}s (a replay, or a queue that held it too long)",
        )
    if timestamp - now > tolerance:
        hint = ""
        if abs(timestamp / 1000 - now) <= max(tolerance, 1.0):
            hint = "; it looks like milliseconds, the header is in seconds"
        raise _fail(
            VerificationReason.TIMESTAMP_IN_FUTURE,
            f"the timestamp is {timestamp - now:.0f}s ahead of this clock, more than the "
            f"tolerance of {tolerance:g}s (check the clock){hint}",
        )


def signed_payload(timestamp: str, body: bytes) -> bytes:
    """The bytes Blaaiz signs: ``"{timestamp}.{body}"``."""
    return timestamp.encode("ascii") + b"." + body


def compute_signature(secret: Secret, timestamp: str | int, body: bytes | str) -> str:
    """The lowercase hex ``x-blaaiz-signature`` of a delivery (for tests and senders)."""
    (key,) = normalise_secrets(secret)
    return hmac.new(
        key, signed_payload(str(timestamp), body_bytes(body)), hashlib.sha256
    ).hexdigest()


def sign_headers(
    secret: Secret, body: bytes | str, *, timestamp: int | None = None
) -> dict[str, str]:
    """Headers of a delivery signed like Blaaiz signs it: for tests and the sandbox."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: compute_signature(secret, stamp, body)}


def _matches(keys: tuple[bytes, ...], message: bytes, received: str) -> bool:
    if len(received) > _MAX_SIGNATURE_HEADER or not _HEX_DIGEST.fullmatch(received):
        return False
    given = received.lower().encode("ascii")
    matched = False
    for key in keys:  # no early exit: the time taken does not tell which key matched
        expected = hmac.new(key, message, hashlib.sha256).hexdigest().encode("ascii")
        matched |= hmac.compare_digest(expected, given)
    return matched


def verify(
    payload: bytes | str,
    headers: Headers,
    secret: Secrets,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> tuple[bytes, bytes]:
    """``verify_signature``, returning ``(body, signed bytes)`` for the callers that go on
    to parse the body or to derive a replay key from what was signed."""
    keys = normalise_secrets(secret)
    tolerance = check_tolerance(tolerance)
    body = body_bytes(payload)
    signature = header_value(headers, SIGNATURE_HEADER)
    if not signature:
        raise _fail(VerificationReason.MISSING_SIGNATURE, f"no {SIGNATURE_HEADER} header")
    stamp = header_value(headers, TIMESTAMP_HEADER)
    if not stamp:
        raise _fail(VerificationReason.MISSING_TIMESTAMP, f"no {TIMESTAMP_HEADER} header")
    timestamp = parse_timestamp(stamp)
    check_age(timestamp, tolerance=tolerance, now=time.time() if now is None else now)
    message = signed_payload(stamp, body)
    if not _matches(keys, message, signature):
        raise _fail(
            VerificationReason.SIGNATURE_MISMATCH,
            f"{SIGNATURE_HEADER} does not match the body and timestamp under any of the "
            f"{len(keys)} secret(s) given (wrong secret, or a body changed on its way)",
        )
    return body, message


def verify_signature(
    payload: bytes | str,
    headers: Headers,
    secret: Secrets,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Raise ``WebhookVerificationError`` unless ``payload`` is a fresh delivery signed
    with ``secret`` (or any one of several secrets, during a rotation).

    ``payload`` is the raw body; ``headers`` any mapping, names case-insensitive;
    ``now`` (epoch seconds) is for tests. The signature is compared in constant time.
    """
    verify(payload, headers, secret, tolerance=tolerance, now=now)
