"""Each way of authenticating as an object behind one small protocol, so the engine asks
no "which mode am I in?" questions.

``Auth`` answers three things: may this route be called at all (before any I/O), which
headers go on this attempt, and what a 401 on those headers means.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from ..errors import InsufficientScopeError, PermissionDeniedError
from ..routes import Route
from ..scopes import OAUTH_ONLY, Scope, format_scopes
from ..transport import masked_headers
from .provider import TokenProvider
from .token import AccessToken

_TOKEN_HINT = (
    "the API rejected the access token again after a fresh one was fetched: either no valid "
    "token reached it (missing or malformed), or the token is expired or invalid for this API "
    "(revoked, rotated credential, or a credential of another environment)"
)
_API_KEY_HINT = "the API key is missing, malformed or disabled"


class _Secrets(tuple[str, ...]):
    """The values to mask, themselves never shown."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} secrets, masked>"


def _secrets(values: tuple[str, ...]) -> tuple[str, ...]:
    return values if isinstance(values, _Secrets) else _Secrets(values)


@attrs.frozen(slots=True)
class Credential:
    """What one attempt carries: its headers, the token a 401 would refer to, and the
    secrets to mask in whatever the server answers."""

    headers: Mapping[str, str] = attrs.field(repr=False, converter=masked_headers)
    token: AccessToken | None = None
    secrets: tuple[str, ...] = attrs.field(default=(), repr=False, converter=_secrets)

    def expired(self, now: float | None = None) -> bool:
        return self.token is not None and self.token.is_expired(now)


ANONYMOUS = Credential({})


class Auth(Protocol):
    hint: str  # the likely causes of a 401 that survives the resend
    account: str  # whose rate budget a call spends (never a secret in the clear)
    store: object  # where shared state lives (the token store), for the rate budget

    def check(self, route: Route[Any]) -> None:
        """Refuse, before any I/O, a call this auth can never make."""
        ...

    async def credential(self, route: Route[Any]) -> Credential:
        """The headers for one attempt; may refuse the route by what was granted."""
        ...

    async def rejected(self, credential: Credential, *, expired: bool) -> bool:
        """The API answered 401 to ``credential``. True: a fresh one may work, resend."""
        ...

    async def aclose(self) -> None: ...


class TokenAuth:
    """Bearer tokens from a ``TokenProvider`` (the built-in OAuth one, or yours).

    ``requested`` are the scopes asked for, when known: a route outside them is refused
    before a token is even fetched. Granted scopes are checked on every attempt.
    """

    hint = _TOKEN_HINT

    def __init__(
        self,
        provider: TokenProvider,
        *,
        requested: frozenset[Scope] | None = None,
        owns_provider: bool = False,
    ) -> None:
        self.provider = provider
        self.requested = requested
        self.owns_provider = owns_provider
        client_id = getattr(provider, "client_id", None)
        self.account = f"client:{client_id}" if client_id else f"provider:{type(provider).__name__}"
        self.store: object = getattr(provider, "store", None)
        self._last: Credential = ANONYMOUS  # the current token's credential, made once

    def __repr__(self) -> str:
        scopes = "" if self.requested is None else f", requested={format_scopes(self.requested)!r}"
        return f"TokenAuth({self.provider!r}{scopes})"

    def check(self, route: Route[Any]) -> None:
        if self.requested is not None and not route.scopes <= self.requested:
            raise InsufficientScopeError(
                required=route.scopes, granted=self.requested, route=route.name
            )

    async def credential(self, route: Route[Any]) -> Credential:
        token = await self.provider.get_token()
        if not route.scopes <= token.scopes:
            raise InsufficientScopeError(
                required=route.scopes, granted=token.scopes, route=route.name
            )
        last = self._last
        if last.token is not token:
            last = self._last = Credential(
                {"Authorization": token.authorization}, token, (token.value,)
            )
        return last

    async def rejected(self, credential: Credential, *, expired: bool) -> bool:
        token = credential.token
        if token is None:
            return False
        if not expired:  # expired in flight is no rejection: the provider renews it anyway
            await self.provider.invalidate(token)
        return True

    async def aclose(self) -> None:
        if self.owns_provider:
            await self.provider.aclose()


class ApiKeyAuth:
    """The legacy ``x-blaaiz-api-key`` header: no renewal, and no OAuth-only routes."""

    hint = _API_KEY_HINT

    def __init__(self, key: str, *, warn: bool = True) -> None:
        self._key = key
        self.account = "api-key:" + hashlib.sha256(key.encode()).hexdigest()[:16]
        self.store: object = None
        if warn:
            warnings.warn(
                "x-blaaiz-api-key authentication is deprecated; create OAuth client credentials "
                "under API & Webhooks and pass client_id/client_secret instead",
                DeprecationWarning,
                stacklevel=4,
            )

    def __repr__(self) -> str:
        return "ApiKeyAuth()"

    def check(self, route: Route[Any]) -> None:
        if route.auth and route.scopes & OAUTH_ONLY:
            raise PermissionDeniedError(
                f"{route.name} needs OAuth client credentials: the API refuses legacy API keys "
                f"for {format_scopes(route.scopes & OAUTH_ONLY)}",
                status=403,
                route=route.name,
            )

    async def credential(self, route: Route[Any]) -> Credential:
        return Credential({"x-blaaiz-api-key": self._key}, None, (self._key,))

    async def rejected(self, credential: Credential, *, expired: bool) -> bool:
        return False

    async def aclose(self) -> None:
        return None


__all__ = ["ANONYMOUS", "ApiKeyAuth", "Auth", "Credential", "TokenAuth"]
