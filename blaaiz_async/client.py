"""``BlaaizClient``: configuration, the pooled HTTP session, auth, and the resources."""

from __future__ import annotations

import asyncio
import os
import warnings
from types import TracebackType
from typing import Any

import aiohttp

from .auth.provider import ClientCredentialsProvider, TokenProvider
from .auth.stores.base import TokenStore
from .config import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_POOL_SIZE,
    DEFAULT_TOTAL_TIMEOUT,
    ConfigurationError,
    Environment,
    resolve_base_url,
    resolve_credentials,
    resolve_environment,
)
from .pipeline import Pipeline
from .resources.banks import Banks, MomoOperators
from .resources.collections import Collections
from .resources.compliance import Compliance, SignaId
from .resources.customers import Customers
from .resources.files import Files
from .resources.payouts import Fees, Payouts
from .resources.rates import Rates
from .resources.swaps import Refunds, Swaps
from .resources.transactions import Transactions
from .resources.virtual_accounts import VirtualBankAccounts
from .resources.wallets import Currencies, Wallets
from .resources.webhooks import Webhooks
from .retry import RetryPolicy
from .scopes import Scope, ScopesArg, format_scopes, parse_scopes


class BlaaizClient:
    """An async client of the Blaaiz API. Use ``async with`` or call ``aclose()``.

    Arguments fall back to ``BLAAIZ_CLIENT_ID``, ``BLAAIZ_CLIENT_SECRET``,
    ``BLAAIZ_ENVIRONMENT``, ``BLAAIZ_BASE_URL`` and ``BLAAIZ_API_KEY``.
    """

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        environment: str | Environment | None = None,
        base_url: str | None = None,
        scopes: ScopesArg = None,
        token_store: TokenStore | None = None,
        token_provider: TokenProvider | None = None,
        api_key: str | None = None,
        timeout: float = DEFAULT_TOTAL_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_connections: int = DEFAULT_POOL_SIZE,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.environment = resolve_environment(environment)
        self.base_url = resolve_base_url(base_url, self.environment)
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self.scopes: frozenset[Scope] | None = None
        self._provider, key = self._choose_auth(
            client_id=client_id, client_secret=client_secret, scopes=scopes,
            token_store=token_store, token_provider=token_provider, api_key=api_key,
        )  # fmt: skip
        self._pipeline = Pipeline(
            base_url=self.base_url,
            session=self._get_session,
            provider=self._provider,
            api_key=key,
            requested_scopes=self.scopes,
            retry=retry or RetryPolicy(),
            timeout=self.timeout,
        )
        p = self._pipeline
        self.wallets = Wallets(p)
        self.currencies = Currencies(p)
        self.banks = Banks(p)
        self.momo_operators = MomoOperators(p)
        self.customers = Customers(p)
        self.files = Files(p)
        self.virtual_bank_accounts = VirtualBankAccounts(p)
        self.collections = Collections(p)
        self.payouts = Payouts(p)
        self.swaps = Swaps(p)
        self.rates = Rates(p)
        self.refunds = Refunds(p)
        self.transactions = Transactions(p)
        self.fees = Fees(p)
        self.webhooks = Webhooks(p)
        self.compliance = Compliance(p)
        self.signa_id = SignaId(p)

    def _choose_auth(
        self,
        *,
        client_id: str | None,
        client_secret: str | None,
        scopes: ScopesArg,
        token_store: TokenStore | None,
        token_provider: TokenProvider | None,
        api_key: str | None,
    ) -> tuple[TokenProvider | None, str | None]:
        """A custom provider, else OAuth credentials, else a legacy key (OAuth wins)."""
        if token_provider is not None:
            given = {
                "client_id": client_id, "client_secret": client_secret, "api_key": api_key,
                "scopes": scopes, "token_store": token_store,
            }  # fmt: skip
            conflicting = sorted(name for name, value in given.items() if value is not None)
            if conflicting:
                raise ConfigurationError(
                    f"token_provider replaces the built-in OAuth provider, so "
                    f"{', '.join(conflicting)} would be ignored; configure them on your "
                    "token_provider instead, or drop token_provider"
                )
            self.auth_mode = "token_provider"
            return token_provider, None
        credentials = resolve_credentials(client_id, client_secret)
        if credentials is not None:
            self.scopes = parse_scopes(scopes)
            self.auth_mode = "oauth"
            provider = ClientCredentialsProvider(
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                base_url=self.base_url,
                scopes=self.scopes,
                store=token_store,
                session=lambda: self._session,
                timeout=self.timeout,
            )
            return provider, None
        key = api_key if api_key is not None else os.environ.get("BLAAIZ_API_KEY")
        if key:
            warnings.warn(
                "x-blaaiz-api-key authentication is deprecated; create OAuth client credentials "
                "under API & Webhooks and pass client_id/client_secret instead",
                DeprecationWarning,
                stacklevel=3,
            )
            self.auth_mode = "api_key"
            return None, key
        raise ConfigurationError(
            "no credentials: pass client_id and client_secret (or set BLAAIZ_CLIENT_ID and "
            "BLAAIZ_CLIENT_SECRET), or a token_provider"
        )

    def __repr__(self) -> str:
        client_id = getattr(self._provider, "client_id", None)
        scopes = f", scopes={format_scopes(self.scopes)!r}" if self.scopes is not None else ""
        who = f", client_id={client_id!r}" if client_id else ""
        return f"BlaaizClient(base_url={self.base_url!r}, auth={self.auth_mode!r}{who}{scopes})"

    @property
    def token_provider(self) -> TokenProvider | None:
        return self._provider

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Call any path; returns decoded JSON. Scope-guarded like the typed methods."""
        return await self._pipeline.request(method, path, params=params, json=json)

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this BlaaizClient is closed; create a new one")
        session = self._session
        loop = asyncio.get_running_loop()
        if session is not None and not session.closed and self._session_loop is not loop:
            raise RuntimeError(
                "this BlaaizClient's connection pool belongs to the event loop it first ran "
                "on; create a client per event loop (per asyncio.run) and share a token_store "
                "between them to keep one token"
            )
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300)
            session = self._session = aiohttp.ClientSession(connector=connector)
            self._session_loop = loop
        return session

    async def __aenter__(self) -> BlaaizClient:
        await self._get_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP pool, and the token provider if this client made it."""
        if self._closed:
            return
        self._closed = True
        if isinstance(self._provider, ClientCredentialsProvider):
            await self._provider.aclose()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def __del__(self, _warn: Any = warnings.warn) -> None:
        session = getattr(self, "_session", None)
        if session is not None and not session.closed and not getattr(self, "_closed", True):
            _warn(
                f"unclosed {type(self).__name__}; use 'async with BlaaizClient(...)' or "
                "'await client.aclose()'",
                ResourceWarning,
                source=self,
                stacklevel=2,
            )
