"""Token providers: the protocol the client calls, and the built-in OAuth one.

The built-in ``ClientCredentialsProvider`` keeps a per-process copy of the token so the
hot path costs one attribute read; it goes to its ``TokenStore`` only when that copy is
near expiry or was rejected, and to ``/oauth/token`` only when the store has nothing
fresh either, under the store's refresh lock, once per loop at a time.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import hashlib
import json
import logging
import random
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from ..config import DEFAULT_TOTAL_TIMEOUT, TOKEN_PATH, USER_AGENT, ConfigurationError
from ..errors import TokenError, TokenStoreError
from ..scopes import Scope, format_scopes
from ..telemetry import Hooks, TokenTelemetry
from ..transport import (
    AiohttpTransport,
    HTTPRequest,
    MaskedBytes,
    ResponseTooLargeError,
    Transport,
    TransportError,
)
from ._loop_local import SingleFlight
from .credentials import CredentialReader, CredentialSource, Secret
from .stores.base import TokenStore
from .stores.memory import MemoryTokenStore
from .token import AccessToken, parse_token_response, token_error_from_response

log = logging.getLogger("blaaiz_async.auth")
T = TypeVar("T")

# After a failed proactive refresh, wait this long before the next background try.
_BACKGROUND_RETRY_DELAY = 1.0
# A store call that times out (or fails only after this long) means a hung store: asking
# again would cost as much. It is then skipped for STORE_SKIP_FIRST seconds, doubling on
# every failed probe up to STORE_SKIP_MAX; a store that fails fast is simply asked again.
STORE_SLOW_FAILURE = 0.5
STORE_SKIP_FIRST = 5.0
STORE_SKIP_MAX = 30.0
# The loads and saves of one token acquisition share this many seconds of store time. The
# refresh lock's wait for a peer's fetch is not counted: the store's lock_wait bounds it,
# and cutting it short would make every waiting process fetch.
STORE_BUDGET = 3.0
# Token requests are safe to repeat: retry transient failures this many times, within
# one deadline for the whole fetch (a token endpoint that accepts and never answers must
# not hold a web request for three full timeouts).
_TOKEN_FETCH_ATTEMPTS = 3
TOKEN_FETCH_DEADLINE = 30.0
# After a failed fetch, calls in this process get the same error for this long instead of
# asking the token endpoint again: a rejected secret costs about one request a second.
NEGATIVE_CACHE_SECONDS = 1.0


@runtime_checkable
class TokenProvider(Protocol):
    """What the client needs from auth. Replace it to bring your own token source."""

    async def get_token(self) -> AccessToken: ...

    async def invalidate(self, token: AccessToken) -> None:
        """The API rejected ``token``: drop it, but only if it is still the current one."""
        ...

    async def aclose(self) -> None: ...


def token_cache_key(base_url: str, client_id: str, scopes: frozenset[Scope]) -> str:
    """Names everything that changes the token (environment, client, scopes); never the secret.

    Characters that would break a Redis hash tag or a file name are percent-encoded.
    """
    host = urllib.parse.urlsplit(base_url).netloc or base_url
    scope_hash = hashlib.sha256(format_scopes(scopes).encode()).hexdigest()[:16]
    safe = "-_.@"
    return (
        f"{urllib.parse.quote(host, safe=safe + ':')}|"
        f"{urllib.parse.quote(client_id, safe=safe)}|{scope_hash}"
    )


class StoreBreaker:
    """Stops asking a hung store for a while: a circuit breaker on a monotonic clock.

    Closed, every call goes through. A hung call (``failed(hung=True)``) opens it: calls
    are skipped for ``first`` seconds. Then one call probes (half-open) while the others
    still skip; a probe that hangs again reopens it for twice as long, up to ``cap``, and a
    success closes it. A fast failure (connection refused) never opens it: it costs nothing.
    """

    def __init__(
        self,
        *,
        first: float = STORE_SKIP_FIRST,
        cap: float = STORE_SKIP_MAX,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._first, self._cap, self._clock = first, cap, clock
        self._open_until: float | None = None
        self._skip = 0.0
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def allow(self) -> bool:
        """May a call go to the store now? True makes the caller the probe when half-open;
        it must then report ``succeeded``, ``failed`` or ``abandoned``."""
        if self._open_until is None:
            return True
        if self._probing or self._clock() < self._open_until:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        self._open_until, self._skip, self._probing = None, 0.0, False

    def failed(self, *, hung: bool) -> None:
        self._probing = False
        if not hung:
            self._open_until = None  # failing fast: cheap to ask, so keep asking
            return
        self._skip = min(self._skip * 2, self._cap) if self._skip else self._first
        self._open_until = self._clock() + self._skip

    def abandoned(self) -> None:
        """The call was cancelled: nothing learnt, let the next one probe."""
        self._probing = False


class _StoreBudget:
    """The store time left to one token acquisition."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._deadline - time.monotonic()


class ClientCredentialsProvider:
    """OAuth 2.0 client credentials with a shared, single-flight token cache.

    The credentials are ``client_id`` and ``client_secret``, or a ``credentials`` source
    (``FileCredentials``, ``EnvCredentials``, a callable): a synchronous source is read
    here, an async one on the first token request. When the token endpoint answers
    ``invalid_client``, the source is read again; new credentials are used at once (the
    same token request is made again with them) and the token of the old ones is dropped,
    here and in the shared store. Unchanged ones are read again before the next request.

    ``scopes_unspecified``: the scopes are the default set, not the caller's choice. When
    the endpoint refuses them with ``invalid_scope``, the token is asked for again with no
    ``scope`` parameter (whatever the credential holds) and the answer's ``scope`` is
    followed, from then on; it is said once, in one warning.
    """

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        base_url: str,
        scopes: frozenset[Scope],
        store: TokenStore | None = None,
        transport: Transport | None = None,
        timeout: float = DEFAULT_TOTAL_TIMEOUT,
        hooks: Hooks | None = None,
        credentials: CredentialSource | None = None,
        scopes_unspecified: bool = False,
    ) -> None:
        self._reader: CredentialReader | None = None
        self._static: tuple[str, Secret] | None = None
        if credentials is not None:
            if client_id is not None or client_secret is not None:
                raise ConfigurationError(
                    "pass either credentials= (a source read again when the secret is "
                    "rotated) or client_id and client_secret, not both"
                )
            # A hung source (a secrets manager that never answers) fails like a token
            # request would, instead of holding every call and the store's refresh lock.
            self._reader = CredentialReader(credentials, timeout=min(timeout, TOKEN_FETCH_DEADLINE))
        elif client_id and client_secret:
            self._static = (client_id, Secret(client_secret))  # never a plain str in locals
        else:
            raise ConfigurationError(
                "ClientCredentialsProvider needs client_id and client_secret, or credentials="
            )
        self.base_url = base_url.rstrip("/")
        self.scopes = frozenset(scopes)
        self.store: TokenStore = store if store is not None else MemoryTokenStore()
        self._owns_store = store is None  # a store the user passed in is theirs to close
        self._keys: dict[str, str] = {}
        self._scopes_unspecified = scopes_unspecified
        self._omit_scope = False  # the default scopes were refused: send no scope parameter
        self._credentials_refused = False  # invalid_client: read the source before asking
        # The client hands in a transport of its own for tokens (a small pool of its own, so
        # a refresh never queues behind API calls); standalone, each fetch makes one.
        self._transport = transport
        self._timeout = timeout
        self._local: AccessToken | None = None
        # Fingerprints of tokens the API rejected: never adopted again, even if a shared
        # store still serves one because its discard has not landed yet.
        self._rejected: collections.deque[str] = collections.deque(maxlen=16)
        self._refresh = SingleFlight[AccessToken]()
        self._first_read = SingleFlight[None]()
        self._background_after = 0.0
        self._background: set[asyncio.Task[Any]] = set()
        self._store_down = False
        self._breaker = StoreBreaker(first=STORE_SKIP_FIRST, cap=STORE_SKIP_MAX)
        self.token_requests = 0  # how many times this process called /oauth/token
        self._failed: tuple[TokenError, float] | None = None  # the last failure, until when
        self._telemetry = TokenTelemetry(hooks, base_url=self.base_url)
        if self._reader is not None:
            # A bad synchronous source fails here, at start; last, so that the frames of
            # its error show a whole provider.
            self._reader.read_now()

    def __repr__(self) -> str:
        return (
            f"ClientCredentialsProvider(client_id={self.client_id!r}, base_url={self.base_url!r}, "
            f"scopes={format_scopes(self.scopes)!r}, store={self.store!r})"
        )

    # -- credentials -----------------------------------------------------------------------

    @property
    def _credentials(self) -> tuple[str, Secret] | None:
        return self._reader.current if self._reader is not None else self._static

    @property
    def rotates(self) -> bool:
        """The credentials come from a source that is read again (``credentials=``)."""
        return self._reader is not None

    @property
    def client_id(self) -> str | None:
        """The client id in use; None only before an async source was first read."""
        current = self._credentials
        return current[0] if current is not None else None

    @property
    def _client_secret(self) -> Secret:
        current = self._credentials
        if current is None:  # pragma: no cover - every caller reads the source first
            raise ConfigurationError("the credentials source was not read yet")
        return current[1]

    @property
    def cache_key(self) -> str:
        """The store key: base URL, client id and scope set; never anything of the secret."""
        client_id = self.client_id or ""
        key = self._keys.get(client_id)
        if key is None:
            key = self._keys[client_id] = token_cache_key(self.base_url, client_id, self.scopes)
        return key

    async def ensure_credentials(self) -> None:
        """Read an async credentials source that was never read (a bad one raises
        ``CredentialsError``, a ``ConfigurationError``); a no-op otherwise.

        One read at a time per loop, and a failed one is the answer for
        ``NEGATIVE_CACHE_SECONDS``: the rate gate reads the source before any token is
        asked for, so without this every call would go to the source while it fails."""
        if self._credentials is None and self._reader is not None:
            await self._first_read.run(self._read_first)

    async def _read_first(self) -> None:
        if self._credentials is not None or self._reader is None:
            return
        failed = self._failed
        if failed is not None and time.monotonic() < failed[1]:
            raise copy.copy(failed[0])
        try:
            await self._reader.read()
        except TokenError as exc:  # CredentialsError
            self._failed = (exc, time.monotonic() + NEGATIVE_CACHE_SECONDS)
            raise

    # -- the TokenProvider protocol ------------------------------------------------------

    async def get_token(self) -> AccessToken:
        token = self._local
        now = time.time()
        if token is not None and not token.needs_refresh(now):
            return token
        if token is not None and not token.is_expired(now):
            # Still valid: serve it and refresh in the background, so nobody waits.
            self._refresh_in_background()
            return token
        failed = self._failed
        if failed is not None and time.monotonic() < failed[1]:
            raise copy.copy(failed[0])  # fresh: each caller gets its own traceback
        return await self._refresh.run(self._obtain)

    async def invalidate(self, token: AccessToken) -> None:
        if token.fingerprint not in self._rejected:  # reported once per token
            self._rejected.append(token.fingerprint)
            self._telemetry.invalidated(token)
        if self._local is not None and self._local.value == token.value:
            self._local = None
            log.info("access token %s rejected; dropped", token.fingerprint)
        await self._store_call(lambda: self.store.discard(self.cache_key, token), False)

    async def aclose(self) -> None:
        for task in list(self._background):
            task.cancel()
        if self._owns_store:
            await self.store.aclose()

    # -- refresh ---------------------------------------------------------------------------

    def _refresh_in_background(self) -> None:
        # A monotonic clock: after a backward wall-clock jump, time.time() would keep the
        # next try away until the clock caught up (the token's own times stay epoch seconds).
        now = time.monotonic()
        if now < self._background_after:
            return
        self._background_after = now + _BACKGROUND_RETRY_DELAY
        task = asyncio.get_running_loop().create_task(self._background_refresh())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _background_refresh(self) -> None:
        try:
            await self._refresh.run(self._obtain)
        except Exception as exc:  # nobody awaits this task: report, never leak
            log.warning(
                "proactive token refresh failed; still serving the current token: %s",
                exc if isinstance(exc, TokenError) else type(exc).__name__,
            )

    async def _obtain(self) -> AccessToken:
        """Adopt a fresh shared token, or fetch one under the store's refresh lock."""
        current = self._local
        if current is not None and not current.needs_refresh():
            return current
        try:
            await self.ensure_credentials()
            token, fetched = await self._shared_or_fetch(_StoreBudget(STORE_BUDGET))
        except TokenError as exc:
            if current is not None and not current.is_expired() and self._local is current:
                log.warning("token refresh failed; serving the current token until it expires")
                return current
            self._failed = (exc, time.monotonic() + NEGATIVE_CACHE_SECONDS)
            raise
        self._failed = None
        self._local = token
        self._telemetry.obtained(token, current, fetched=fetched)
        return token

    async def _shared_or_fetch(self, budget: _StoreBudget) -> tuple[AccessToken, bool]:
        """A fresh token, and whether it came from the token endpoint (not the store)."""
        shared = await self._load_fresh(budget)
        if shared is not None:
            return shared, False
        async with self._refresh_lock():
            shared = await self._load_fresh(budget)  # another process may have refreshed
            if shared is not None:
                return shared, False
            token = await self._fetch()
            await self._store_call(lambda: self.store.save(self.cache_key, token), None, budget)
            return token, True

    async def _load_fresh(self, budget: _StoreBudget) -> AccessToken | None:
        shared = await self._store_call(lambda: self.store.load(self.cache_key), None, budget)
        if shared is None or shared.needs_refresh() or shared.fingerprint in self._rejected:
            return None
        return shared

    @contextlib.asynccontextmanager
    async def _refresh_lock(self) -> AsyncIterator[None]:
        if not self._breaker.allow():  # a hung store: fetch without the lock
            yield
            return
        manager = self.store.refresh_lock(self.cache_key)
        started = time.monotonic()
        try:
            held = await manager.__aenter__()
        except Exception as exc:
            self._store_call_failed(exc, started)
            yield
            return
        except BaseException:
            self._breaker.abandoned()
            raise
        self._breaker.succeeded()
        self._store_recovered()
        if not held:
            log.warning("waited too long for the token refresh lock; fetching a token locally")
        try:
            yield
        finally:
            # Always released, breaker or not: a file lock left held would block the others.
            started = time.monotonic()
            try:
                await manager.__aexit__(None, None, None)
            except Exception as exc:
                self._store_call_failed(exc, started)

    async def _store_call(
        self,
        op: Callable[[], Awaitable[T]],
        fallback: T,
        budget: _StoreBudget | None = None,
    ) -> T:
        """Run a store operation; a failing store degrades to a per-process token.

        Skipped (``fallback``) while the breaker says the store hangs, or once this token
        acquisition has spent its store budget; otherwise bounded by what is left of it.
        """
        remaining = budget.remaining() if budget is not None else None
        if (remaining is not None and remaining <= 0) or not self._breaker.allow():
            return fallback
        started = time.monotonic()
        try:
            async with asyncio.timeout(remaining):
                result = await op()
        except Exception as exc:
            self._store_call_failed(exc, started)
            return fallback
        except BaseException:
            self._breaker.abandoned()
            raise
        self._breaker.succeeded()
        self._store_recovered()
        return result

    def _store_call_failed(self, exc: BaseException, started: float) -> None:
        hung = isinstance(exc, TimeoutError) or time.monotonic() - started >= STORE_SLOW_FAILURE
        self._breaker.failed(hung=hung)
        if hung and self._breaker.is_open:
            log.info("token store %s hangs; not asking it for a while", type(self.store).__name__)
        self._store_failed(exc)

    def _store_failed(self, exc: BaseException) -> None:
        if not self._store_down:
            self._store_down = True
            # A store's own refusal says what to fix; other errors may quote a URL with a
            # password, so only their type is logged.
            reason = str(exc) if isinstance(exc, TokenStoreError) else type(exc).__name__
            log.warning(
                "token store %s unavailable (%s); using a per-process token until it recovers",
                type(self.store).__name__,
                reason,
            )

    def _store_recovered(self) -> None:
        if self._store_down:
            self._store_down = False
            log.warning("token store %s is back; sharing tokens again", type(self.store).__name__)

    # -- the token endpoint ------------------------------------------------------------------

    async def _fetch(self) -> AccessToken:
        """A token from the endpoint, following a rotated secret and refused default scopes."""
        reread = False
        if self._reader is not None and self._credentials_refused:
            reread = True  # refused last time: the source may have the new secret by now
            await self._reread()
        for _ in range(3):  # at most one scope fallback and one change of credentials
            try:
                token = await self._fetch_retrying()
            except TokenError as exc:
                if exc.error == "invalid_scope" and self._scopes_unspecified:
                    if self._omit_scope:
                        raise
                    self._omit_scope = True
                    log.warning(
                        "the token endpoint refused the default scopes (invalid_scope); "
                        "asking without a scope parameter from now on, for the scopes the "
                        "credential holds, and following the scope it grants"
                    )
                    continue
                if exc.error != "invalid_client" or self._reader is None:
                    raise
                self._credentials_refused = True
                if reread or not await self._reread():
                    raise
                reread = True
                continue
            self._credentials_refused = False
            return token
        raise AssertionError("unreachable")  # pragma: no cover

    async def _reread(self) -> bool:
        """Read the credentials source again; True when it gave new credentials, whose
        predecessors' token is then dropped here and in the shared store."""
        assert self._reader is not None
        old_key = self.cache_key
        if not await self._reader.read():
            return False
        old = self._local
        if old is not None:  # issued for the old secret, which rotation revokes with it
            self._local = None
            if old.fingerprint not in self._rejected:
                self._rejected.append(old.fingerprint)
            await self._store_call(lambda: self.store.discard(old_key, old), False)
        log.warning(
            "the token endpoint refused the client secret (invalid_client); read new "
            "credentials from %s and dropped the token of the old ones",
            self._reader,
        )
        return True

    async def _fetch_retrying(self) -> AccessToken:
        delay = 0.2
        deadline = time.monotonic() + min(self._timeout, TOKEN_FETCH_DEADLINE)
        for attempt in range(1, _TOKEN_FETCH_ATTEMPTS + 1):
            try:
                return await self._fetch_once(deadline - time.monotonic(), attempt=attempt)
            except TokenError as exc:
                wait = delay * (0.5 + random.random() / 2)
                late = time.monotonic() + wait >= deadline
                if not exc.retryable or attempt == _TOKEN_FETCH_ATTEMPTS or late:
                    raise
                log.info("token request failed (%s); retrying in %.1fs", exc, wait)
                await asyncio.sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")

    async def _fetch_once(self, seconds: float, *, attempt: int = 1) -> AccessToken:
        url = self.base_url + TOKEN_PATH
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        self.token_requests += 1
        log.debug("requesting access token from %s", url)
        try:
            # The form is built inline and masked: no local holds the secret in the clear.
            return await self._post_token_form(
                url,
                MaskedBytes(
                    urllib.parse.urlencode(
                        {
                            "grant_type": "client_credentials",
                            "client_id": self.client_id or "",
                            "client_secret": self._client_secret.reveal(),
                            **({} if self._omit_scope else {"scope": format_scopes(self.scopes)}),
                        }
                    ).encode()
                ),
                headers,
                max(seconds, 0.001),
                attempt=attempt,
            )
        except TokenError as exc:
            exc.scrub((self._client_secret.reveal(),))  # an endpoint may echo what it was sent
            raise

    async def _post_token_form(
        self,
        url: str,
        form: MaskedBytes,
        headers: dict[str, str],
        seconds: float,
        *,
        attempt: int = 1,
    ) -> AccessToken:
        request = HTTPRequest(
            "POST",
            url,
            {**headers, "Content-Type": "application/x-www-form-urlencoded"},
            form,
            seconds,
        )
        try:
            async with self._http() as transport:
                response = await self._telemetry.send(transport, request, attempt=attempt)
        except TransportError as failure:
            raise TokenError(f"could not reach the token endpoint: {failure}") from None
        except ResponseTooLargeError:
            raise TokenError("token endpoint answered more than max_response_bytes") from None
        status = response.status
        if 300 <= status < 400:
            # Following it would send client_secret to wherever Location points (307/308),
            # or adopt a token minted by another host (301/302/303).
            raise TokenError(
                f"token endpoint answered HTTP {status} (a redirect); client credentials are "
                "never sent on to another URL: check base_url",
                status=status,
            )
        body = _decode_json(response.body)
        if not 200 <= status < 300:
            raise token_error_from_response(status, body)
        if body is None:
            raise TokenError(
                f"token endpoint answered HTTP {status} with a body that is not JSON", status=status
            )
        try:
            token = parse_token_response(body, requested=self.scopes)
        except TokenError as exc:  # a malformed answer will be malformed again: no retry
            exc.status, exc.retryable = status, False
            raise
        log.debug("got access token %s, expires at %.0f", token.fingerprint, token.expires_at)
        return token

    @contextlib.asynccontextmanager
    async def _http(self) -> AsyncIterator[Transport]:
        """The client's token transport; a short-lived one when standalone (a provider may
        serve several event loops, and a pooled session belongs to one)."""
        if self._transport is not None:
            yield self._transport
            return
        own = AiohttpTransport(max_connections=2, timeout=self._timeout)
        try:
            yield own
        finally:
            await own.aclose()


_Secret = Secret  # its former name here


def _decode_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
