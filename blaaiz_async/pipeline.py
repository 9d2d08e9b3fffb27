"""The engine: executes the core's decisions over a transport, an auth and the options.

Every call takes one path: the auth may refuse it before any I/O; then, per attempt, a
connection's worth of room is taken first and the credential second (so no token waits in a
queue for a pooled connection and expires there), the transport sends, and
``core.decide`` says what happens next. What is decided lives in ``core``; this module
only carries it out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, TypeVar

import attrs

from . import core
from .auth.modes import ANONYMOUS, Auth, Credential
from .config import USER_AGENT
from .errors import APIConnectionError, APITimeoutError, BlaaizError
from .limits.gate import RateGate
from .retry import PROCESS_RETRY_BUDGET, RetryBudget, RetryPolicy
from .routes import Route, find_route, normal_method, normal_path, route
from .telemetry import Hooks, Operation, Telemetry
from .telemetry.observer import labels
from .transport import (
    Headers,
    HTTPRequest,
    HTTPResponse,
    ResponseTooLargeError,
    Transport,
    TransportError,
)

log = logging.getLogger("blaaiz_async.http")
T = TypeVar("T")

_BASE_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}


@attrs.frozen(kw_only=True)
class Options:
    """Per-call knobs; ``BlaaizClient.with_options`` makes a view with other values.

    ``timeout`` bounds each attempt, and also every wait between attempts: a retry whose
    wait would end past ``timeout`` seconds after the call began is not taken.
    """

    timeout: float
    retry: RetryPolicy
    headers: Mapping[str, str] = attrs.field(factory=dict)
    retry_budget: RetryBudget = attrs.field(factory=lambda: PROCESS_RETRY_BUDGET, repr=False)


class Pipeline:
    def __init__(
        self,
        *,
        base_url: str,
        transport: Transport,
        auth: Auth,
        options: Options,
        max_concurrency: int,
        gate: RateGate | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        self.base_url = base_url
        self.transport = transport
        self.auth = auth
        self.options = options
        self.gate = gate
        self._slots = asyncio.Semaphore(max_concurrency)
        self._headers_for: Options | None = None
        self._request_headers: Mapping[str, str] = {}
        self.telemetry = Telemetry(hooks, base_url=base_url)

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Pipeline:
        """The same engine (pool, auth, connection slots) with other options."""
        options = self.options
        if timeout is not None:
            options = attrs.evolve(options, timeout=float(timeout))
        if max_retries is not None:
            options = attrs.evolve(
                options, retry=attrs.evolve(options.retry, max_retries=max_retries)
            )
        if headers is not None:
            options = attrs.evolve(options, headers={**options.headers, **headers})
        view = object.__new__(Pipeline)
        view.__dict__.update(self.__dict__)
        view.options = options
        return view

    # -- entry points ----------------------------------------------------------------------

    async def call(
        self,
        route: Route[T],
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        target: str | None = None,
    ) -> T:
        """Call a declared route and return its model (``target``: a path sent as given,
        for the escape hatch). The operation's span ends after the decoding, so an answer
        that does not parse shows as the call's error."""
        prepared = core.prepare(
            route, path=path, params=params, json=json, headers=self._headers(), target=target
        )
        op = self.telemetry.operation(route)  # None: nothing observes this call
        try:
            try:
                response, credential = await self._send(route, prepared, op)
            except ResponseTooLargeError as error:  # the transport's, as this route's error
                raise core.too_large(route, error, reference=prepared.merchant_reference) from None
            try:
                result = core.decode(route, response, reference=prepared.merchant_reference)
            except BlaaizError as exc:
                exc.scrub(credential.secrets)
                raise
        except BaseException as exc:  # cancellation too: the call's spans always end
            if op is not None:
                op.end(exc)
            raise
        if op is not None:
            op.end()
        return result

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """The escape hatch: decoded JSON back, guarded by the route that serves ``path``."""
        path, method = normal_path(path), normal_method(method)
        served = find_route(method, path)
        if served is None:
            served = route(f"request {method} {path}", method, path, None, scopes=())
        raw = attrs.evolve(served, response=None, normalize=None, envelope=(), paginated=False)
        return await self.call(raw, params=params, json=json, target=path)

    async def authorize(self, route: Route[Any]) -> None:
        """Refuse ``route`` now if this client's token cannot call it (it may fetch the
        token, nothing else): for flows that must know before they start."""
        self.auth.check(route)
        if route.auth:
            await self.auth.credential(route)

    def observed(self, name: str, method: str) -> contextlib.AbstractContextManager[object]:
        """One operation span around several calls (``payouts.ensure``): theirs nest in it."""
        return _ending(
            self.telemetry.operation(route(name, method, "/", None, scopes=(), auth=False))
        )

    def _headers(self) -> Mapping[str, str]:
        """The headers every request of these options carries (made once per options)."""
        options = self.options
        if self._headers_for is not options:
            self._request_headers = {**_BASE_HEADERS, **options.headers}
            self._headers_for = options
        return self._request_headers

    # -- the loop --------------------------------------------------------------------------

    async def _send(
        self, route: Route[Any], prepared: core.Prepared, op: Operation | None
    ) -> tuple[HTTPResponse, Credential]:
        self.auth.check(route)
        policy, timeout, budget = (
            self.options.retry,
            self.options.timeout,
            self.options.retry_budget,
        )
        deadline = time.monotonic() + timeout
        attempt = core.FIRST
        url = self.base_url + prepared.target
        while True:
            if self.gate is not None:  # a slot of the rate budget first, then a connection
                waited = await self.gate.admit(route, max_wait=deadline - time.monotonic())
                if op is not None:
                    op.rate_limited(waited)
            await self._slots.acquire()  # a connection is free: only now take the token
            try:
                credential = await self.auth.credential(route) if route.auth else ANONYMOUS
                outcome = await self._attempt(
                    HTTPRequest(
                        prepared.method,
                        url,
                        Headers(prepared.headers, **credential.headers),
                        prepared.body,
                        timeout,
                    ),
                    op,
                )
            finally:
                self._slots.release()
            if isinstance(outcome, HTTPResponse):
                if self.gate is not None:
                    await self.gate.observe(route, outcome)
                if 200 <= outcome.status < 300:  # decide's first rule, without its inputs
                    budget.earned()
                    return outcome, credential
            decision = core.decide(
                route,
                attempt,
                outcome,
                policy=policy,
                remaining=deadline - time.monotonic(),
                can_reauthenticate=credential.token is not None,
                credential_expired=credential.expired(),
                hint=self.auth.hint,
                reference=prepared.merchant_reference,
                budget_allows_retry=budget.allows_retry,
            )
            if isinstance(decision, core.Done):
                assert isinstance(outcome, HTTPResponse)
                budget.earned()
                return outcome, credential
            if isinstance(decision, core.Fail):
                decision.error.scrub(credential.secrets)
                raise decision.error
            if isinstance(decision, core.Retry):
                if not (isinstance(outcome, HTTPResponse) and outcome.status == 429):
                    budget.spent()  # a 429 is the rate budget's business, not a failure
                name = labels(route.name, route.path)[0]  # no filled path in a log line
                log.info("%s: %s; retry in %.2fs", name, decision.reason, decision.delay)
                if op is not None:
                    status = outcome.status if isinstance(outcome, HTTPResponse) else None
                    op.retry(decision.reason, decision.delay, status)
                await asyncio.sleep(decision.delay)
            elif not await self.auth.rejected(credential, expired=decision.expired):
                assert isinstance(outcome, HTTPResponse)
                error = core.error_from(route, outcome, note=self.auth.hint)
                error.scrub(credential.secrets)
                raise error
            attempt = attempt.after(decision)

    async def _attempt(
        self, request: HTTPRequest, op: Operation | None
    ) -> HTTPResponse | TransportError:
        """One attempt; no answer comes back as the ``TransportError`` (observed or not)."""
        try:
            if op is None:
                return await self.transport.send(request)
            return await op.send(self.transport, request)
        except TransportError as failure:
            return failure

    async def put_external(
        self, url: str, data: bytes | AsyncIterator[bytes], headers: Mapping[str, str]
    ) -> tuple[int, Mapping[str, str]]:
        """PUT bytes to a URL outside the API (a presigned storage URL).

        No Blaaiz credential goes with it (any Authorization or API-key header given is
        dropped): the URL's signature is the authorization, and storage refuses both. Never
        retried here, and the URL (a short-lived credential) is kept out of every error.
        The URL is sent as given, already encoded, so its signature stays intact.
        """
        clean = {
            k: v
            for k, v in headers.items()
            if k.lower() not in ("authorization", "x-blaaiz-api-key")
        }
        request = HTTPRequest("PUT", url, clean, data, self.options.timeout)
        with _ending(self.telemetry.operation(_STORAGE_PUT, url=url)) as op:  # host only
            outcome = await self._attempt(request, op)
            if isinstance(outcome, TransportError):
                cls = APITimeoutError if outcome.timeout else APIConnectionError
                raise cls(f"PUT to presigned storage URL failed: {outcome.cause}") from None
        return outcome.status, outcome.headers


@contextlib.contextmanager
def _ending(op: Operation | None) -> Iterator[Operation | None]:
    """``op`` ends on every way out: with what was raised (cancellation too), or as done.
    (``call`` does the same inline, without a generator.)"""
    try:
        yield op
    except BaseException as exc:
        if op is not None:
            op.end(exc)
        raise
    if op is not None:
        op.end()


# The PUT of a file to presigned storage, as telemetry names it: no API route, no template.
_STORAGE_PUT = route("storage.put", "PUT", "/", None, scopes=(), auth=False, idempotent=False)


# Kept here for code that imported them from the engine's first version.
parse_response = core.parse_response
unwrap = core.unwrap

__all__ = ["Options", "Pipeline", "parse_response", "unwrap"]
