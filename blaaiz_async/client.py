"""``BlaaizClient``: configuration, the pooled HTTP session, auth, and the resources."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp

from .auth.credentials import CredentialSource
from .auth.modes import ApiKeyAuth, Auth, TokenAuth
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
from .errors import TokenStoreError
from .limits import API_RATE_LIMIT, RateLimit
from .limits.gate import RateGate
from .pipeline import Options, Pipeline
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
from .retry import PROCESS_RETRY_BUDGET, RetryBudget, RetryPolicy
from .routes import Route
from .scopes import Scope, ScopesArg, format_scopes, parse_scopes
from .telemetry import Hooks
from .transport import DEFAULT_MAX_RESPONSE_BYTES, AiohttpTransport, HTTPResponse, Transport


class BlaaizClient:
    """An async client of the Blaaiz API. Use ``async with`` or call ``aclose()``.

    Arguments fall back to ``BLAAIZ_CLIENT_ID``, ``BLAAIZ_CLIENT_SECRET``,
    ``BLAAIZ_ENVIRONMENT``, ``BLAAIZ_BASE_URL`` and ``BLAAIZ_API_KEY``.
    ``environment`` is ``"development"`` (the default) or ``"production"``; ``base_url``
    (an origin such as a sandbox's ``http://127.0.0.1:8787``) replaces it.

    ``scopes`` are the scopes the token is asked for: ``Scope`` values, ``ScopeBundle``
    members, their names (``"read-only"``, ``"wallet:read fees:read"``), or a list of
    them. A call the token's scopes cannot make raises ``InsufficientScopeError`` before
    anything is sent. ``None`` (the default) asks for the ``full-access`` bundle, and for
    what the credential holds when it holds less; ``compliance-kyc:pii:read`` and
    ``signa-id:release`` are in no bundle and must be asked for by name.
    ``token_store`` is where the token is shared: a ``MemoryTokenStore`` given to several
    clients of one process (by default each client has one of its own), a
    ``FileTokenStore`` (the processes of one host), a ``RedisTokenStore`` (every host); the
    rate budget is shared through it too.

    ``http_session`` is an ``aiohttp.ClientSession`` of yours (proxy, TLS context,
    ``trace_configs``): every request goes through it and the client leaves it open.
    ``rate_limit`` is the account's budget, shared by every client on the same token store
    (one process, one host, or a fleet on Redis): the API's documented 100 requests a
    minute by default, ``None`` for no client-side limit.
    ``transport`` replaces HTTP entirely (``blaaiz_async.testing.MockTransport``, the
    sandbox's in-process transport).
    ``hooks`` (``blaaiz_async.telemetry.Hooks``) are called back as calls go: attempts,
    retries, rate-limit waits, tokens, unknown outcomes. OpenTelemetry needs no argument:
    with ``opentelemetry-api`` installed, the global providers are used.
    ``credentials`` replaces ``client_id``/``client_secret`` with a source read again when
    the secret is rotated: ``FileCredentials(path)``, ``EnvCredentials()``, or a callable
    (sync or async) returning ``(client_id, client_secret)``. A synchronous source is read
    here, so a bad one raises ``ConfigurationError`` (``CredentialsError``) at once; an
    async one is read by ``async with`` or the first call.

    A token store that cannot work at all (a ``FileTokenStore`` whose folder cannot be
    created or written, or that others could plant a token in) raises
    ``ConfigurationError`` here, where it was configured; one that fails later degrades to
    a per-process token with one warning, and recovers by itself.
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
        credentials: CredentialSource | None = None,
        timeout: float = DEFAULT_TOTAL_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_connections: int = DEFAULT_POOL_SIZE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        retry: RetryPolicy | None = None,
        retry_budget: RetryBudget | None = None,
        rate_limit: RateLimit | None = API_RATE_LIMIT,
        http_session: aiohttp.ClientSession | None = None,
        transport: Transport | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        if http_session is not None and transport is not None:
            raise ConfigurationError(
                "pass either http_session (requests go through your aiohttp session) or "
                "transport (requests go through it instead of aiohttp), not both"
            )
        self.environment = resolve_environment(environment)
        self.base_url = resolve_base_url(base_url, self.environment)
        self._closed = False
        preflight_store(token_store)
        if transport is None:
            transport = AiohttpTransport(
                http_session,
                max_connections=max_connections,
                connect_timeout=connect_timeout,
                timeout=timeout,
                max_response_bytes=max_response_bytes,
            )
            # Tokens get a small pool of their own, so a refresh never queues behind API calls.
            token_transport: Transport = (
                transport
                if http_session is not None
                else AiohttpTransport(
                    max_connections=2,
                    connect_timeout=connect_timeout,
                    timeout=timeout,
                    max_response_bytes=max_response_bytes,
                )
            )
        else:
            token_transport = transport
        self._transports = (transport, token_transport)
        self._auth = choose_auth(
            base_url=self.base_url,
            client_id=client_id,
            client_secret=client_secret,
            scopes=scopes,
            token_store=token_store,
            token_provider=token_provider,
            api_key=api_key,
            token_transport=token_transport,
            timeout=timeout,
            hooks=hooks,
            credentials=credentials,
        )
        self._bind(
            Pipeline(
                base_url=self.base_url,
                transport=transport,
                auth=self._auth,
                options=Options(
                    timeout=timeout,
                    retry=retry or RetryPolicy(),
                    retry_budget=retry_budget or PROCESS_RETRY_BUDGET,
                ),
                max_concurrency=max_connections,
                gate=make_gate(self._auth, self.base_url, rate_limit),
                hooks=hooks,
            )
        )
        self._hooks = hooks

    def _bind(self, pipeline: Pipeline) -> None:
        self._pipeline = p = pipeline
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

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> BlaaizClient:
        """A light view of this client with other options, for one call or a block of
        calls: ``await client.with_options(timeout=5).wallets.list()``. It shares the pool,
        the token and the rate budget; closing the view closes nothing."""
        view = object.__new__(BlaaizClient)
        view.__dict__.update(self.__dict__)
        view.__dict__["_view_of"] = self
        view._bind(
            self._pipeline.with_options(timeout=timeout, max_retries=max_retries, headers=headers)
        )
        return view

    @property
    def auth_mode(self) -> str:
        if isinstance(self._auth, ApiKeyAuth):
            return "api_key"
        owned = isinstance(self._auth, TokenAuth) and self._auth.owns_provider
        return "oauth" if owned else "token_provider"

    @property
    def scopes(self) -> frozenset[Scope] | None:
        """The scopes asked for (None: whatever the token grants)."""
        return self._auth.requested if isinstance(self._auth, TokenAuth) else None

    @property
    def _provider(self) -> TokenProvider | None:
        return self._auth.provider if isinstance(self._auth, TokenAuth) else None

    def __repr__(self) -> str:
        if "_auth" not in self.__dict__:  # shown in the frames of an error its __init__ raised
            return f"BlaaizClient(base_url={getattr(self, 'base_url', None)!r}, <not constructed>)"
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

    async def __aenter__(self) -> BlaaizClient:
        provider = self._provider
        if isinstance(provider, ClientCredentialsProvider):
            await provider.ensure_credentials()  # an async source is read at start
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP pools, and the token provider if this client made it. A view from
        ``with_options`` owns nothing and closes nothing."""
        if self._closed or "_view_of" in self.__dict__:
            return
        self._closed = True
        await self._auth.aclose()
        if self._pipeline.gate is not None:
            await self._pipeline.gate.aclose()
        for transport in dict.fromkeys(self._transports):
            await transport.aclose()
        if self._hooks is not None:
            await self._hooks.drain()  # async hooks still running finish (or are cancelled)

    def __del__(self, _warn: Any = warnings.warn) -> None:
        if getattr(self, "_closed", True) or "_view_of" in self.__dict__:
            return
        sessions = [getattr(t, "session", None) for t in getattr(self, "_transports", ())]
        if any(s is not None and not s.closed for s in sessions):
            _warn(
                f"unclosed {type(self).__name__}; use 'async with BlaaizClient(...)' or "
                "'await client.aclose()'",
                ResourceWarning,
                source=self,
                stacklevel=2,
            )


def choose_auth(
    *,
    base_url: str,
    client_id: str | None,
    client_secret: str | None,
    scopes: ScopesArg,
    token_store: TokenStore | None,
    token_provider: TokenProvider | None,
    api_key: str | None,
    token_transport: Transport,
    timeout: float,
    hooks: Hooks | None = None,
    credentials: CredentialSource | None = None,
) -> Auth:
    """A custom provider, else OAuth credentials (a source, or an id and secret), else a
    legacy key (OAuth wins)."""
    if token_provider is not None:
        given = {
            "client_id": client_id,
            "client_secret": client_secret,
            "api_key": api_key,
            "scopes": scopes,
            "token_store": token_store,
            "credentials": credentials,
        }
        conflicting = sorted(name for name, value in given.items() if value is not None)
        if conflicting:
            raise ConfigurationError(
                f"token_provider replaces the built-in OAuth provider, so "
                f"{', '.join(conflicting)} would be ignored; configure them on your "
                "token_provider instead, or drop token_provider"
            )
        return TokenAuth(token_provider)
    if credentials is not None:
        conflicting = sorted(
            name
            for name, value in {"client_id": client_id, "client_secret": client_secret}.items()
            if value is not None
        )
        if conflicting:
            raise ConfigurationError(
                f"credentials= is the source of the client id and secret, so "
                f"{', '.join(conflicting)} would be ignored; pass one or the other"
            )
        static = None
    else:
        static = resolve_credentials(client_id, client_secret)
    if credentials is not None or static is not None:
        if api_key is not None:  # the contract: OAuth wins; say so, since the key was asked for
            source = (
                "credentials="
                if credentials is not None
                else "client_id/client_secret"
                if client_id is not None or client_secret is not None
                else "BLAAIZ_CLIENT_ID/BLAAIZ_CLIENT_SECRET in the environment"
            )
            warnings.warn(
                f"api_key is not used: OAuth client credentials ({source}) take precedence; "
                "drop one of the two",
                UserWarning,
                stacklevel=3,
            )
        requested = parse_scopes(scopes)
        provider = ClientCredentialsProvider(
            client_id=static.client_id if static is not None else None,
            client_secret=static.client_secret if static is not None else None,
            credentials=credentials,
            base_url=base_url,
            scopes=requested,
            store=token_store,
            transport=token_transport,
            timeout=timeout,
            hooks=hooks,
            scopes_unspecified=scopes is None,
        )
        return TokenAuth(provider, requested=requested, owns_provider=True)
    key = api_key if api_key is not None else os.environ.get("BLAAIZ_API_KEY")
    if key:
        return ApiKeyAuth(key)
    raise ConfigurationError(
        "no credentials: pass client_id and client_secret (or set BLAAIZ_CLIENT_ID and "
        "BLAAIZ_CLIENT_SECRET), credentials=FileCredentials(path), or a token_provider"
    )


def preflight_store(store: object) -> None:
    """Refuse, at construction, a token store that cannot work at all.

    Checked here rather than on the first call: the checks are local and cheap (a few
    ``stat`` calls, no network), and the error then points at the line that configured the
    store, instead of every process flapping between "unavailable" and "is back" in the
    log. A store without a ``preflight`` method is not checked; Redis reachability is never
    checked here (a server down at start is an outage to ride out, not a mistake).
    """
    check = getattr(store, "preflight", None)
    if not callable(check):
        return
    try:
        check()
    except TokenStoreError as exc:
        raise ConfigurationError(f"the token store cannot work: {exc}") from None


def make_gate(auth: Auth, base_url: str, limit: RateLimit | None) -> RateGate | None:
    """The account's rate gate. For credentials from a source (``credentials=``), one that
    follows the source's client id: the account is named by it, it is not known before an
    async source is read, and a rotation may bring another one."""
    if limit is None:
        return None
    if isinstance(auth, TokenAuth):
        provider = auth.provider
        if isinstance(provider, ClientCredentialsProvider) and provider.rotates:
            return _GateOfCredentials(provider, auth, base_url, limit)
    return RateGate(auth.store, f"{base_url}|{auth.account}", limit)


class _GateOfCredentials(RateGate):
    """A ``RateGate`` for the client id the credentials source gives now: made on first
    use (after an async source was read) and made again when a rotation changes the id,
    so every process of the fleet spends the budget of the account it calls as."""

    def __init__(
        self, provider: ClientCredentialsProvider, auth: TokenAuth, base_url: str, limit: RateLimit
    ) -> None:
        self._provider, self._token_auth, self._base_url = provider, auth, base_url
        self.limit = limit
        self._gate: RateGate | None = None
        self._client_id: str | None = None
        self._retired: list[RateGate] = []  # gates of earlier client ids, closed with this one

    def __repr__(self) -> str:
        return f"RateGate({self._gate!r})" if self._gate else "RateGate(<credentials unread>)"

    async def _real(self) -> RateGate:
        if self._provider.client_id is None:
            await self._provider.ensure_credentials()
        client_id = self._provider.client_id
        if self._gate is None or client_id != self._client_id:  # no await in between
            if self._gate is not None:
                self._retired.append(self._gate)
            account = f"client:{client_id}"
            self._token_auth.account = account
            self._gate = RateGate(self._provider.store, f"{self._base_url}|{account}", self.limit)
            self._client_id = client_id
        return self._gate

    async def admit(self, route: Route[Any], *, max_wait: float | None) -> float:
        return await (await self._real()).admit(route, max_wait=max_wait)

    async def observe(self, route: Route[Any], response: HTTPResponse) -> None:
        if self._gate is not None:
            await self._gate.observe(route, response)

    async def aclose(self) -> None:
        for gate in [*self._retired, *([self._gate] if self._gate is not None else [])]:
            await gate.aclose()
