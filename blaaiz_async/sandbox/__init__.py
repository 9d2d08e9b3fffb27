"""A local emulation of the Blaaiz API on a real socket, for tests, demos and users.

::

    async with Sandbox(token_ttl=3) as sb:
        client_id, client_secret = sb.add_client(scopes="read-only")
        async with BlaaizClient(client_id=client_id, client_secret=client_secret,
                                base_url=sb.url) as client:
            await client.wallets.list()
        assert sb.token_requests == 1

Webhooks: register URLs through the API (``client.webhooks.register``; the sandbox also
takes ``http://127.0.0.1:PORT/...`` URLs) and the sandbox POSTs signed deliveries to them
when payouts and collections change state, on replays and on simulations, retrying with
backoff. ``sb.webhook_secret`` verifies them; ``sb.deliveries`` shows every one.

On its own thread (``background_sandbox()``, or the pytest plugin's fixtures) the sandbox
answers whatever the caller's thread does: a synchronous test, FastAPI's ``TestClient``,
code that calls ``asyncio.run``. Its set-up methods (``add_client``, ``fail_next``, ...)
may be called from any thread: they run on the sandbox's loop, between two requests.
``await sb.wait_for_deliveries()`` works from any event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import math
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from ..config import API_RATE_LIMIT_WINDOW, ConfigurationError
from ..limits.limit import RateLimit

if TYPE_CHECKING:
    from .inprocess import SandboxTransport
from ..scopes import ScopesArg
from .app import build_app
from .delivery import DEFAULT_RETRY_DELAYS, DEFAULT_TIMEOUT, WebhookSender
from .handlers.collections import settle_collection
from .state import COUNTED_ROUTES, Fault, Record, SandboxState, known_route

P = ParamSpec("P")
R = TypeVar("R")

# How long a set-up call from another thread waits for the sandbox's loop to run it.
CROSS_THREAD_TIMEOUT = 30.0
# How long stopping waits for requests still being answered before it cuts them off
# (aiohttp's default, 60 s, kept a test's teardown waiting on a request with a latency).
STOP_GRACE = 1.0


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _on_own_loop(
    method: Callable[Concatenate[Sandbox, P], R],
) -> Callable[Concatenate[Sandbox, P], R]:
    """Run a set-up method on the sandbox's event loop when it is called from another
    thread, so it never interleaves with a request being handled (the sandbox's state is
    plain dicts, changed by one thread only)."""

    @functools.wraps(method)
    def run(self: Sandbox, /, *args: P.args, **kwargs: P.kwargs) -> R:
        loop = self._loop
        if loop is None or not loop.is_running() or _running_loop() is loop:
            return method(self, *args, **kwargs)
        done: concurrent.futures.Future[R] = concurrent.futures.Future()

        def call() -> None:
            try:
                done.set_result(method(self, *args, **kwargs))
            except BaseException as exc:
                done.set_exception(exc)

        loop.call_soon_threadsafe(call)
        return done.result(timeout=CROSS_THREAD_TIMEOUT)

    return run


# One INFO line per request when ``Sandbox(log_requests=True)``: method, path, status, time.
request_log = logging.getLogger("blaaiz_async.sandbox.requests")


class _RequestLogger(AbstractAccessLogger):
    """Method, path (no query string) and status only: no header, body or token is logged."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %d %.1fms", request.method, request.path, response.status, time * 1000
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


class Sandbox:
    """Runs the emulated API on ``host:port`` (port 0 = a free one) while entered.

    ``rate_limit``: requests per ``rate_window`` seconds per account (a fixed window, as the
    API counts; ``Sandbox(rate_limit=100)`` is the API's documented 100 a minute). None, the
    default, limits nothing. When set, every authenticated answer carries
    ``X-RateLimit-Limit``/``-Remaining``/``-Reset``, and a refused request gets 429 with a
    ``Retry-After`` that reaches the reset. The endpoints with limits of their own (Signa
    document downloads, Signa ID releases) enforce them whatever ``rate_limit`` is.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl: float = 3600.0,
        latency: float = 0.0,
        echo_scope: bool = True,
        webhook_secret: str | None = None,
        webhook_retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        webhook_timeout: float = DEFAULT_TIMEOUT,
        rate_limit: int | None = None,
        rate_window: float = API_RATE_LIMIT_WINDOW,
        log_requests: bool = False,
        strict_scopes: bool = False,
    ) -> None:
        """``webhook_secret`` signs the webhooks it sends (random by default); a failed
        delivery is retried after each of ``webhook_retry_delays`` seconds.
        ``log_requests``: one INFO line per request on the ``blaaiz_async.sandbox.requests``
        logger (method, path, status).
        ``strict_scopes``: refuse a token request asking for a scope the credential lacks
        (``invalid_scope``), as an API that does not ignore them would."""
        self.host = host
        self.port = port
        self.log_requests = log_requests
        self.state = SandboxState(
            token_ttl=token_ttl,
            echo_scope=echo_scope,
            webhook_secret=webhook_secret,
            rate_limit=rate_limit,
            rate_window=rate_window,
        )
        self.state.strict_scopes = strict_scopes
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop serving, while running
        self.latency: dict[str, float] = {}
        if latency:
            self.set_latency(latency)
        self._sender = WebhookSender(
            self.state, retry_delays=webhook_retry_delays, timeout=webhook_timeout
        )

    def __repr__(self) -> str:
        return f"Sandbox(url={self.url if self._runner else None!r})"

    @property
    def url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the sandbox is not running; use 'async with Sandbox() as sb'")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> Sandbox:
        app = build_app(self.state, self.latency)
        log_options: dict[str, Any] = (
            {"access_log": request_log, "access_log_class": _RequestLogger}
            if self.log_requests
            else {"access_log": None}
        )
        runner = web.AppRunner(
            app, handle_signals=False, shutdown_timeout=STOP_GRACE, **log_options
        )
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        await runner.setup()
        self.port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self._loop = asyncio.get_running_loop()
        self._sender.start()
        return self

    async def stop(self) -> None:
        await self._sender.aclose()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._loop = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- set-up --------------------------------------------------------------------------

    @_on_own_loop
    def add_client(
        self,
        scopes: ScopesArg = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> tuple[str, str]:
        """Register OAuth credentials holding ``scopes`` (default: every scope); random
        unless ``client_id``/``client_secret`` fix them."""
        return self.state.add_client(scopes, client_id=client_id, client_secret=client_secret)

    @_on_own_loop
    def rotate_secret(self, client_id: str, *, client_secret: str | None = None) -> str:
        """Rotate ``client_id``'s secret, as the dashboard does: returns the new secret
        (random unless given); the old one and the credential's tokens stop working."""
        return self.state.rotate_secret(client_id, client_secret=client_secret)

    @_on_own_loop
    def add_api_key(self) -> str:
        return self.state.add_api_key()

    @_on_own_loop
    def set_latency(self, seconds: float, route: str = "*") -> None:
        """Wait ``seconds`` before answering ``route`` (a route name, ``"oauth.token"``,
        or ``"*"``: every route without a latency of its own)."""
        if route != "*":
            known_route(route, "delay")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 <= seconds < math.inf
        ):
            raise ConfigurationError(
                f"latency must be a number of seconds, at least 0, got {seconds!r}"
            )
        self.latency[route] = float(seconds)

    def transport(self) -> SandboxTransport:
        """A transport that reaches this sandbox in-process, with no socket and no server
        started: ``BlaaizClient(base_url=IN_PROCESS_URL, transport=sb.transport(), ...)``.
        The same handling as over a socket; fleets, kills and timeouts need the socket."""
        from .inprocess import SandboxTransport

        return SandboxTransport(self)

    @property
    def client_rate_limit(self) -> RateLimit | None:
        """The client-side limit that matches this sandbox's: ``BlaaizClient(rate_limit=...)``
        for tests that drive many calls (None when the sandbox has no account limit)."""
        limit = self.state.rate_limit
        return None if limit is None else RateLimit(limit, per=self.state.rate_window)

    @_on_own_loop
    def set_rate_limit(self, limit: int | None, window: float | None = None) -> None:
        """Change the account limit while running (counts start over)."""
        if window is not None:
            self.state.rate_window = window
        self.state.rate_limit = limit

    @property
    def token_ttl(self) -> float:
        return self.state.token_ttl

    @token_ttl.setter
    def token_ttl(self, seconds: float) -> None:
        self._set_token_ttl(seconds)

    @_on_own_loop
    def _set_token_ttl(self, seconds: float) -> None:
        self.state.token_ttl = seconds

    def wallet_id(self, currency: str) -> str:
        wallet = self.state.wallet_for(currency)
        if wallet is None:
            raise KeyError(f"no {currency} wallet in the sandbox")
        return str(wallet["id"])

    @property
    def customer_id(self) -> str:
        return self.state.default_customer_id

    # -- webhooks --------------------------------------------------------------------------

    @property
    def webhook_secret(self) -> str:
        """The secret the sandbox signs its webhooks with (``BLAAIZ_WEBHOOK_SECRET``)."""
        return self.state.webhook_secret

    @property
    def deliveries(self) -> list[Record]:
        """Every webhook so far, oldest first: ``url``, ``payload``, ``status`` (pending,
        delivered, failed, not_sent), ``attempts`` (``at``, and ``status`` or ``error``)."""
        return self._deliveries()

    @_on_own_loop
    def _deliveries(self) -> list[Record]:
        return list(self.state.webhook_deliveries.values())

    async def wait_for_deliveries(self) -> list[Record]:
        """Wait until every webhook so far is delivered or has failed, then return
        ``deliveries``. From any event loop: a sandbox on its own thread drains on its
        loop (a synchronous test: ``asyncio.run(sb.wait_for_deliveries())``). Bounded:
        attempts time out and retries are finite."""
        loop = self._loop
        if loop is not None and loop is not asyncio.get_running_loop():
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._sender.drain(), loop))
        else:
            await self._sender.drain()
        return self.deliveries

    @_on_own_loop
    def settle_collection(self, transaction_id: str, status: str = "SUCCESSFUL") -> Record:
        """The payer's side of a PENDING collection: the money arrives (``SUCCESSFUL``,
        the wallet is credited) or it does not (``FAILED``); the webhook goes out."""
        return settle_collection(self.state, transaction_id, status)

    # -- faults ----------------------------------------------------------------------------

    @_on_own_loop
    def revoke_all_tokens(self) -> int:
        return self.state.revoke_all_tokens()

    @_on_own_loop
    def revoke_token(self, value: str) -> bool:
        return self.state.revoke_token(value)

    @_on_own_loop
    def fail_next(
        self,
        route: str,
        *,
        status: int = 500,
        body: Any = None,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``route`` with ``status`` without doing them.

        ``route`` is a route name (``"payouts.create"``) or ``"oauth.token"``; an unknown
        name or ``times < 1`` raises ``ConfigurationError``, as for every fault below."""
        default = {"status": False, "message": f"Injected HTTP {status}"}
        self.state.add_fault(
            route,
            Fault(
                kind="status",
                status=status,
                body=body if body is not None else default,
                times=times,
                headers=headers or {},
            ),
        )

    @_on_own_loop
    def drop_after_processing(self, route: str, *, times: int = 1) -> None:
        """Do the next ``times`` calls of ``route``, then close the connection unanswered."""
        self.state.add_fault(route, Fault(kind="drop_after", times=times))

    @_on_own_loop
    def drop_before_processing(self, route: str, *, times: int = 1) -> None:
        self.state.add_fault(route, Fault(kind="drop_before", times=times))

    # -- counters --------------------------------------------------------------------------

    @property
    def token_requests(self) -> int:
        return self.state.token_requests

    def count(self, route: str, status: int | None = None) -> int:
        """Requests that reached ``route`` (all, or those answered with ``status``); a name
        no request is counted under raises ``ConfigurationError``, so an assertion that it
        is 0 cannot pass on a typo."""
        known_route(route, "count the requests of", COUNTED_ROUTES)
        if status is None:
            return self.state.requests[route]
        return self.state.responses[route, status]

    def status_count(self, status: int) -> int:
        return self.state.statuses[status]


@contextlib.contextmanager
def background_sandbox(**options: Any) -> Iterator[Sandbox]:
    """Run a ``Sandbox`` on its own event loop in a thread, for synchronous code: scripts,
    tests that call ``asyncio.run`` themselves, or a parent of worker processes."""
    sandbox = Sandbox(**options)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(sandbox.start())
        except BaseException as exc:
            failure.append(exc)
            loop.close()
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(sandbox.stop())
        loop.close()

    thread = threading.Thread(target=serve, name="blaaiz-sandbox", daemon=True)
    thread.start()
    started.wait()
    if failure:
        raise failure[0]
    try:
        yield sandbox
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


__all__ = ["Sandbox", "SandboxState", "background_sandbox"]
