"""The access token as an immutable value, and the pure parsing of token responses.

Times are wall-clock epoch seconds: a token is shared between processes and hosts,
where a monotonic clock means nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Mapping
from typing import Any

import attrs

from ..config import refresh_skew
from ..errors import TokenError
from ..scopes import Scope, format_scopes, parse_granted

# RFC 6750 b64token: what may follow "Bearer " in an Authorization header.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# Stored times are epoch seconds: anything outside (0, 2**40), about 36,000 years, is not
# a time a token server wrote. Compared without converting, so a 400-digit integer is
# refused instead of raising OverflowError in every later read and save.
_MAX_STORED_TIME = 2**40


def _check_value(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not _B64TOKEN.fullmatch(value):
        # It goes into an Authorization header: a CR/LF or space there fails every request.
        raise ValueError("an access token must be a non-empty RFC 6750 b64token")


@attrs.frozen(kw_only=True)
class AccessToken:
    """A bearer token; ``value`` is the secret and never shows in repr or str.

    ``value`` must be an RFC 6750 b64token wherever the token comes from (the endpoint, a
    shared store, a provider of one's own): anything else would break every request that
    carries it, in every process sharing it, until it expires.
    """

    value: str = attrs.field(repr=False, validator=_check_value)
    expires_at: float
    refresh_at: float
    scopes: frozenset[Scope]
    token_type: str = "Bearer"

    @property
    def fingerprint(self) -> str:
        """A short, non-reversible id: safe for logs, distinguishes tokens."""
        return hashlib.sha256(self.value.encode()).hexdigest()[:12]

    def __repr__(self) -> str:
        return (
            f"AccessToken(fingerprint={self.fingerprint!r}, expires_at={self.expires_at:.3f}, "
            f"scopes={format_scopes(self.scopes)!r})"
        )

    __str__ = __repr__

    def is_expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires_at

    def needs_refresh(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.refresh_at

    @property
    def authorization(self) -> str:
        return f"Bearer {self.value}"

    def to_json(self) -> str:
        """Serialised for shared stores: the token, its times and scopes; nothing else."""
        return json.dumps(
            {
                "v": 1,
                "access_token": self.value,
                "expires_at": self.expires_at,
                "refresh_at": self.refresh_at,
                "scopes": sorted(str(s) for s in self.scopes),
                "token_type": self.token_type,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> AccessToken:
        """Inverse of ``to_json``; anything malformed raises ``ValueError`` (a cache miss):
        a value that is not a b64token, or times outside (0, 2**40)."""
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("v") != 1:
                raise ValueError("not a stored token")
            value, expires_at, refresh_at = (
                data["access_token"],
                data["expires_at"],
                data["refresh_at"],
            )
            scopes = data["scopes"]
            if not isinstance(value, str) or not value:
                raise ValueError("bad token value")
            if not all(_is_stored_time(x) for x in (expires_at, refresh_at)):
                raise ValueError("bad token times")
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                raise ValueError("bad token scopes")
            return cls(
                value=value,
                expires_at=float(expires_at),
                refresh_at=float(refresh_at),
                scopes=parse_granted(" ".join(scopes)),
                token_type=str(data.get("token_type", "Bearer")),
            )
        except (KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"corrupt stored token: {type(exc).__name__}") from None


def _is_stored_time(x: object) -> bool:
    """A number in (0, 2**40); NaN and infinities compare false, so they are refused too."""
    return isinstance(x, int | float) and not isinstance(x, bool) and 0 < x < _MAX_STORED_TIME


def parse_token_response(
    body: Any, *, requested: frozenset[Scope], now: float | None = None
) -> AccessToken:
    """Build an ``AccessToken`` from a decoded 2xx token response, or raise ``TokenError``.

    Granted scopes come from ``scope`` when the server sends it, else the requested ones.
    """
    if not isinstance(body, Mapping):
        raise TokenError("token response is not a JSON object")
    value = body.get("access_token")
    if not isinstance(value, str) or not value.strip():
        raise TokenError("token response has no access_token")
    if not _B64TOKEN.fullmatch(value):
        # It goes into an Authorization header: anything else would break every request.
        raise TokenError("token response has an access_token that is not a valid bearer token")
    token_type = body.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise TokenError(f"token response has unsupported token_type {token_type!r}")
    raw_expires = body.get("expires_in")
    if raw_expires is None:
        raise TokenError("token response has no expires_in")
    try:
        lifetime = float(raw_expires)
    except (TypeError, ValueError, OverflowError):
        raise TokenError("token response has a non-numeric expires_in") from None
    if isinstance(raw_expires, bool) or not math.isfinite(lifetime) or lifetime <= 0:
        raise TokenError("token response has a non-positive or non-finite expires_in")
    scope_field = body.get("scope")
    if scope_field is None:
        scopes = requested
    elif isinstance(scope_field, str):
        scopes = parse_granted(scope_field)
    elif isinstance(scope_field, list) and all(isinstance(s, str) for s in scope_field):
        scopes = parse_granted(" ".join(scope_field))
    else:
        raise TokenError("token response has a malformed scope field")
    issued = time.time() if now is None else now
    return AccessToken(
        value=value,
        expires_at=issued + lifetime,
        refresh_at=issued + lifetime - refresh_skew(lifetime),
        scopes=scopes,
        token_type="Bearer",
    )


def token_error_from_response(status: int, body: Any) -> TokenError:
    """The token endpoint said no: surface its ``error``/``error_description``."""
    error = body.get("error") if isinstance(body, Mapping) else None
    desc = body.get("error_description") if isinstance(body, Mapping) else None
    msg = body.get("message") if isinstance(body, Mapping) else None
    parts = [p for p in (error, desc or msg) if isinstance(p, str) and p]
    detail = ": ".join(parts) if parts else "no error details in the response"
    return TokenError(
        f"token request failed with HTTP {status} ({detail})",
        status=status,
        error=error if isinstance(error, str) else None,
        error_description=desc if isinstance(desc, str) else msg if isinstance(msg, str) else None,
    )
