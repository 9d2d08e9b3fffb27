"""The engine's one seam to telemetry: ``Telemetry.operation(route)`` per call.

It returns ``None`` when nothing observes (no hooks, DEBUG off, no OpenTelemetry SDK
provider): the engine then pays that one check per call and one ``is None`` per attempt.
Otherwise the ``Operation`` it returns carries the call: an INTERNAL span named after the
route, one CLIENT span per attempt, the metrics, the hooks and the DEBUG lines. The token
endpoint has its own observer, ``TokenTelemetry``, used by the OAuth provider.
"""

from __future__ import annotations

import logging
import time
import urllib.parse
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import OutcomeUnknownError
from ..transport import HTTPRequest, HTTPResponse, Transport, TransportError
from . import otel as _otel
from .hooks import (
    Hooks,
    OutcomeUnknown,
    RateLimitWaited,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    TokenFetched,
    TokenInvalidated,
    TokenRefreshed,
    TokenSource,
)
from .logs import log_attempt, request_id

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span

    from ..auth.token import AccessToken
    from ..routes import Route

log = logging.getLogger("blaaiz_async.http")
auth_log = logging.getLogger("blaaiz_async.auth")
webhook_log = logging.getLogger("blaaiz_async.webhooks")

TOKEN_ROUTE = "oauth.token"
TOKEN_TEMPLATE = "/oauth/token"
# A wait in the rate budget shorter than this is the bookkeeping itself, not a wait.
MIN_REPORTED_WAIT = 0.001


# -- names that are safe everywhere ----------------------------------------------------------


def error_type(outcome: HTTPResponse | BaseException | None) -> str | None:
    """``error.type`` as the HTTP conventions want it: the status for 400 and above, the
    kind of failure for no answer, an exception's class otherwise; ``None`` for success."""
    if outcome is None:
        return None
    if isinstance(outcome, HTTPResponse):
        return str(outcome.status) if outcome.status >= 400 else None
    if isinstance(outcome, TransportError):
        return transport_error_type(outcome)
    cls = type(outcome)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def transport_error_type(failure: TransportError) -> str:
    """A low-cardinality name of a lost connection: ``connect_timeout``,
    ``read_timeout``, ``connection_refused``, ``server_closed_the_connection``..."""
    if failure.timeout:
        return "read_timeout" if failure.sent else "connect_timeout"
    words = failure.cause.split(":", 1)[0].strip().lower()[:48]
    name = "".join(c if c.isalnum() else "_" for c in words).strip("_")
    return name or "transport_error"


@lru_cache(maxsize=512)
def labels(name: str, path: str) -> tuple[str, str | None]:
    """The route's name and path template if it is in the route table; a path outside
    it (``client.request`` to an unlisted path) may hold ids, so neither is shown."""
    from ..routes import ROUTES

    listed = ROUTES.get(name)
    if listed is not None and listed.path == path:
        return name, path
    if name in SDK_OPERATIONS:
        return name, None
    return "request", None


# Operations of the SDK that are not one route: a PUT to presigned storage (its URL is a
# credential, so only the name and the host are shown) and helpers made of several calls.
SDK_OPERATIONS = frozenset({"storage.put", "payouts.ensure"})


def _server(base_url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "", port


@attrs.frozen(slots=True)
class Attempted:
    """One HTTP attempt as it is reported: which call, how long, what came back."""

    route: str
    method: str
    template: str | None
    attempt: int
    duration: float
    outcome: HTTPResponse | BaseException


def report_attempt(
    done: Attempted,
    *,
    span: Span | None,
    otel: _otel.Otel | None,
    meters: _otel.Meters | None,
    hooks: Hooks | None,
    debug: bool,
    attributes: dict[str, str | int],
    request: HTTPRequest,
    logger: logging.Logger = log,
    only_2xx: bool = False,
) -> str | None:
    """An attempt's span ended, its duration recorded, the ``on_response`` hook called and
    the DEBUG line written, the same for API calls and the token request. Returns the
    attempt's ``error.type`` (a status outside 2xx counts as one with ``only_2xx``)."""
    response = done.outcome if isinstance(done.outcome, HTTPResponse) else None
    status = response.status if response is not None else None
    kind = error_type(done.outcome)
    if kind is None and only_2xx and status is not None and not 200 <= status < 300:
        kind = str(status)
    rid = request_id(response.headers) if response is not None else None
    if status is not None:
        attributes["http.response.status_code"] = status
    if kind is not None:
        attributes["error.type"] = kind
    if span is not None and otel is not None:
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if rid is not None:
            span.set_attribute("blaaiz.request_id", rid)
        if kind is not None:
            otel.failed(span, kind)
        span.end()
    if meters is not None:
        meters.duration.record(done.duration, attributes)
        if status == 429:
            meters.throttled.add(1, {"blaaiz.route": done.route})
    if hooks is not None and hooks.on_response is not None:
        hooks.emit(
            "on_response",
            hooks.on_response,
            ResponseReceived(
                route=done.route,
                method=done.method,
                path=done.template,
                attempt=done.attempt,
                status=status,
                duration=done.duration,
                error_type=kind,
                request_id=rid,
            ),
        )
    if debug:
        log_attempt(
            route=done.route,
            method=done.method,
            path=done.template,
            attempt=done.attempt,
            status=status,
            error_type=kind,
            duration=done.duration,
            request_id=rid,
            request_headers=request.headers,
            response_headers=response.headers if response is not None else None,
            logger=logger,
        )
    return kind


# -- one client's calls ----------------------------------------------------------------------


class Telemetry:
    """One client's observers. Made once per pipeline; ``operation`` once per call."""

    def __init__(self, hooks: Hooks | None, *, base_url: str) -> None:
        self.hooks = hooks
        self.server_address, self.server_port = _server(base_url)
        self.otel = _otel.load()

    def operation(self, route: Route[Any], *, url: str | None = None) -> Operation | None:
        """``url``: a call to a host other than the API's (only its host is kept)."""
        otel = self.otel
        instruments = otel.current() if otel is not None else None
        debug = log.isEnabledFor(logging.DEBUG)
        hooks = self.hooks
        if instruments is None and not debug and (hooks is None or not hooks.observe_calls):
            return None
        server = _server(url) if url is not None else None
        return Operation(self, route, instruments, debug, server=server)


class Operation:
    """One SDK call as observed. ``end`` is called exactly once, on every path out."""

    __slots__ = (
        "_ctx",
        "_ended",
        "_last_error",
        "_token",
        "attempts",
        "debug",
        "hooks",
        "instruments",
        "method",
        "name",
        "otel",
        "retries",
        "server",
        "span",
        "telemetry",
        "template",
        "waited",
    )

    def __init__(
        self,
        telemetry: Telemetry,
        route: Route[Any],
        instruments: _otel.Instruments | None,
        debug: bool,
        *,
        server: tuple[str, int] | None = None,
    ) -> None:
        self.telemetry = telemetry
        self.server = server or (telemetry.server_address, telemetry.server_port)
        self.hooks = telemetry.hooks
        self.otel = telemetry.otel
        self.instruments = instruments
        self.debug = debug
        self.name, self.template = labels(route.name, route.path)
        self.method = route.method
        self.attempts = 0
        self.retries = 0
        self.waited = 0.0
        self._last_error: str | None = None
        self._ended = False
        self.span: Span | None = None
        self._ctx: Context | None = None
        self._token: object = None
        tracer = instruments.tracer if instruments is not None else None
        if tracer is not None and self.otel is not None:
            attributes: dict[str, str] = {
                "blaaiz.route": self.name,
                "http.request.method": self.method,
            }
            if self.template is not None:
                attributes["url.template"] = self.template
            self.span = self.otel.start(tracer, self.name, client=False, attributes=attributes)
            self._ctx = self.otel.in_span(self.span)
            # Current for the whole call, so the token request nests under it too.
            self._token = self.otel.attach(self._ctx)

    def _attributes(self) -> dict[str, str | int]:
        attributes: dict[str, str | int] = {
            "http.request.method": self.method,
            "server.address": self.server[0],
            "server.port": self.server[1],
        }
        if self.template is not None:
            attributes["url.template"] = self.template
        return attributes

    async def send(
        self, transport: Transport, request: HTTPRequest
    ) -> HTTPResponse | TransportError:
        """One attempt through ``transport``: a lost connection comes back as the
        ``TransportError``; anything else raised (cancellation too) ends the attempt's
        span and propagates."""
        self.attempts += 1
        attempt = self.attempts
        hooks = self.hooks
        if hooks is not None and hooks.on_request is not None:
            hooks.emit(
                "on_request",
                hooks.on_request,
                RequestSent(
                    route=self.name, method=self.method, path=self.template, attempt=attempt
                ),
            )
        otel, span, token = self.otel, None, None
        attributes = self._attributes()
        if self.span is not None and otel is not None and self.instruments is not None:
            assert self.instruments.tracer is not None
            span_attributes = {**attributes, "blaaiz.route": self.name}
            if attempt > 1:
                span_attributes["http.request.resend_count"] = attempt - 1
            span_name = f"{self.method} {self.template}" if self.template else self.method
            span = otel.start(
                self.instruments.tracer,
                span_name,
                client=True,
                attributes=span_attributes,
                parent=self._ctx,
            )
            ctx = otel.for_transport(span, self._ctx)
            headers = dict(request.headers)
            otel.inject(headers, ctx)
            request = attrs.evolve(request, headers=headers)
            token = otel.attach(ctx)
        started = time.perf_counter()
        try:
            outcome: HTTPResponse | TransportError = await transport.send(request)
        except TransportError as failure:
            outcome = failure
        except BaseException as exc:
            self._attempt_done(attempt, started, exc, span, token, attributes, request)
            raise
        self._attempt_done(attempt, started, outcome, span, token, attributes, request)
        return outcome

    def _attempt_done(
        self,
        attempt: int,
        started: float,
        outcome: HTTPResponse | BaseException,
        span: Span | None,
        token: object,
        attributes: dict[str, str | int],
        request: HTTPRequest,
    ) -> None:
        duration = time.perf_counter() - started
        otel = self.otel
        if token is not None and otel is not None:
            otel.detach(token)
        self._last_error = report_attempt(
            Attempted(self.name, self.method, self.template, attempt, duration, outcome),
            span=span,
            otel=otel,
            meters=self.instruments.meters if self.instruments is not None else None,
            hooks=self.hooks,
            debug=self.debug,
            attributes=attributes,
            request=request,
        )

    def retry(self, reason: str, delay: float, status: int | None) -> None:
        """The engine will resend after ``delay`` seconds."""
        self.retries += 1
        kind = self._last_error or "_OTHER"
        if self.span is not None:
            self.span.add_event(
                "retry",
                {
                    "blaaiz.attempt": self.attempts,
                    "error.type": kind,
                    "blaaiz.retry.delay_s": delay,
                },
            )
        meters = self.instruments.meters if self.instruments is not None else None
        if meters is not None:
            meters.retries.add(1, {"blaaiz.route": self.name, "error.type": kind})
        hooks = self.hooks
        if hooks is not None and hooks.on_retry is not None:
            hooks.emit(
                "on_retry",
                hooks.on_retry,
                RetryScheduled(
                    route=self.name,
                    method=self.method,
                    path=self.template,
                    attempt=self.attempts,
                    reason=reason,
                    delay=delay,
                    status=status,
                ),
            )

    def rate_limited(self, seconds: float) -> None:
        """The call waited ``seconds`` for a slot of the rate budget."""
        if seconds < MIN_REPORTED_WAIT:
            return
        self.waited += seconds
        if self.span is not None:
            self.span.add_event("rate_limit_wait", {"blaaiz.rate_limit.wait_s": seconds})
        meters = self.instruments.meters if self.instruments is not None else None
        if meters is not None:
            meters.rate_limit_wait.add(seconds, {"blaaiz.route": self.name})
        hooks = self.hooks
        if hooks is not None and hooks.on_rate_limit_wait is not None:
            hooks.emit(
                "on_rate_limit_wait",
                hooks.on_rate_limit_wait,
                RateLimitWaited(route=self.name, seconds=seconds),
            )

    def end(self, error: BaseException | None = None) -> None:
        """The call is over: ``error`` is what it raised, ``None`` for an answer."""
        if self._ended:
            return
        self._ended = True
        if isinstance(error, OutcomeUnknownError):
            self._outcome_unknown(error)
        span, otel = self.span, self.otel
        if span is None or otel is None:
            return
        try:
            span.set_attribute("blaaiz.attempts", self.attempts)
            if self.retries:
                span.set_attribute("blaaiz.retries", self.retries)
            if self.waited:
                span.set_attribute("blaaiz.rate_limit.wait_s", self.waited)
            if error is not None:
                otel.failed(span, error_type(error) or "_OTHER")
            span.end()
        finally:
            otel.detach(self._token)

    def _outcome_unknown(self, error: OutcomeUnknownError) -> None:
        cause = self._last_error or "no_answer"
        log.warning(
            "%s %s %s: outcome unknown after attempt %d (%s); not resent: look it up by "
            "the merchant_reference the error carries",
            self.name,
            self.method,
            self.template or "-",
            self.attempts,
            cause,
        )
        meters = self.instruments.meters if self.instruments is not None else None
        if meters is not None:
            meters.outcome_unknown.add(1, {"blaaiz.route": self.name, "error.type": cause})
        if self.span is not None:
            self.span.add_event("outcome_unknown", {"error.type": cause})
        hooks = self.hooks
        if hooks is not None and hooks.on_outcome_unknown is not None:
            hooks.emit(
                "on_outcome_unknown",
                hooks.on_outcome_unknown,
                OutcomeUnknown(
                    route=self.name,
                    method=self.method,
                    path=self.template,
                    attempt=self.attempts,
                    cause=cause,
                    merchant_reference=error.merchant_reference,
                ),
            )


# -- the token endpoint ----------------------------------------------------------------------


class TokenTelemetry:
    """What the OAuth provider reports: each token request (a CLIENT span
    ``POST /oauth/token``, the duration histogram, a counter), and the token's life."""

    def __init__(self, hooks: Hooks | None, *, base_url: str) -> None:
        self.hooks = hooks
        self.server_address, self.server_port = _server(base_url)
        self.otel = _otel.load()

    async def send(
        self, transport: Transport, request: HTTPRequest, *, attempt: int = 1
    ) -> HTTPResponse:
        """Send one token request through ``transport``, observed; raises what it raises."""
        otel = self.otel
        instruments = otel.current() if otel is not None else None
        debug = auth_log.isEnabledFor(logging.DEBUG)
        hooks = self.hooks
        if instruments is None and not debug and hooks is None:
            return await transport.send(request)
        if hooks is not None and hooks.on_request is not None:
            hooks.emit(
                "on_request",
                hooks.on_request,
                RequestSent(route=TOKEN_ROUTE, method="POST", path=TOKEN_TEMPLATE, attempt=attempt),
            )
        attributes: dict[str, str | int] = {
            "http.request.method": "POST",
            "server.address": self.server_address,
            "server.port": self.server_port,
            "url.template": TOKEN_TEMPLATE,
        }
        span, token = None, None
        tracer = instruments.tracer if instruments is not None else None
        if tracer is not None and otel is not None:
            span_attributes = dict(attributes)
            if attempt > 1:
                span_attributes["http.request.resend_count"] = attempt - 1
            span = otel.start(
                tracer, f"POST {TOKEN_TEMPLATE}", client=True, attributes=span_attributes
            )
            ctx = otel.for_transport(span, None)
            headers = dict(request.headers)
            otel.inject(headers, ctx)
            request = attrs.evolve(request, headers=headers)
            token = otel.attach(ctx)
        started = time.perf_counter()
        outcome: HTTPResponse | BaseException
        try:
            outcome = await transport.send(request)
        except BaseException as exc:
            outcome = exc
            raise
        finally:
            duration = time.perf_counter() - started
            if token is not None and otel is not None:
                otel.detach(token)
            self._done(outcome, attempt, duration, span, attributes, instruments, request, debug)
        return outcome

    def _done(
        self,
        outcome: HTTPResponse | BaseException,
        attempt: int,
        duration: float,
        span: Span | None,
        attributes: dict[str, str | int],
        instruments: _otel.Instruments | None,
        request: HTTPRequest,
        debug: bool,
    ) -> None:
        meters = instruments.meters if instruments is not None else None
        if meters is not None:
            meters.token_requests.add(1, attributes)
        report_attempt(
            Attempted(TOKEN_ROUTE, "POST", TOKEN_TEMPLATE, attempt, duration, outcome),
            span=span,
            otel=self.otel,
            meters=meters,
            hooks=self.hooks,
            debug=debug,
            attributes=attributes,
            request=request,
            logger=auth_log,
            only_2xx=True,  # a redirect from the token endpoint is a failure too
        )

    def obtained(self, token: AccessToken, previous: AccessToken | None, *, fetched: bool) -> None:
        """``token`` became the process's token; ``previous`` was the one before."""
        hooks = self.hooks
        if hooks is None or (previous is not None and previous.fingerprint == token.fingerprint):
            return
        source: TokenSource = "token_endpoint" if fetched else "store"
        expires_in = max(token.expires_at - time.time(), 0.0)
        if previous is not None and not previous.is_expired():
            if hooks.on_token_refreshed is not None:
                hooks.emit(
                    "on_token_refreshed",
                    hooks.on_token_refreshed,
                    TokenRefreshed(
                        fingerprint=token.fingerprint,
                        previous=previous.fingerprint,
                        expires_in=expires_in,
                        source=source,
                    ),
                )
        elif hooks.on_token_fetched is not None:
            hooks.emit(
                "on_token_fetched",
                hooks.on_token_fetched,
                TokenFetched(fingerprint=token.fingerprint, expires_in=expires_in, source=source),
            )

    def invalidated(self, token: AccessToken) -> None:
        hooks = self.hooks
        if hooks is not None and hooks.on_token_invalidated is not None:
            hooks.emit(
                "on_token_invalidated",
                hooks.on_token_invalidated,
                TokenInvalidated(fingerprint=token.fingerprint),
            )


# -- webhooks --------------------------------------------------------------------------------


def webhook_verification_failed(reason: str) -> None:
    """Count a refused webhook delivery by its reason (a ``VerificationReason`` value)."""
    otel = _otel.load()
    instruments = otel.current() if otel is not None else None
    if instruments is not None and instruments.meters is not None:
        instruments.meters.webhook_failures.add(1, {"error.type": reason})
    webhook_log.debug("webhook delivery refused: %s", reason)


__all__ = [
    "Operation",
    "Telemetry",
    "TokenTelemetry",
    "error_type",
    "labels",
    "transport_error_type",
    "webhook_verification_failed",
]
