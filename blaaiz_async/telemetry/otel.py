"""OpenTelemetry through its API only, and only when it is importable.

``load()`` imports ``opentelemetry`` the first time a client is made (never on
``import blaaiz_async``) and returns ``None`` when it is absent. ``Otel.current()`` says,
per call, whether anything would record: the global tracer and meter providers are read
each time (an application may configure them after making its client), and while both
are the API's proxies or no-ops it returns ``None``, so the engine skips every span and
metric behind one check. Instruments are made once per provider.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.metrics import Counter, Histogram, MeterProvider
    from opentelemetry.trace import Span, Tracer, TracerProvider

log = logging.getLogger("blaaiz_async.telemetry")

SCOPE = "blaaiz_async"
SCHEMA_URL = "https://opentelemetry.io/schemas/1.26.0"

# The HTTP semantic conventions' advice for http.client.request.duration, in seconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)

Attributes = Mapping[str, str | int | float | bool]
_UNSET: Any = object()


class Instruments:
    """What records for the current providers: a tracer (``None`` while tracing is off)
    and the metric instruments (``None`` while metrics are off)."""

    def __init__(self, tracer: Tracer | None, meters: Meters | None) -> None:
        self.tracer = tracer
        self.meters = meters


class Meters:
    """The SDK's metric instruments, made from one meter."""

    def __init__(self, provider: MeterProvider, version: str) -> None:
        meter = provider.get_meter(SCOPE, version, schema_url=SCHEMA_URL)
        try:
            self.duration: Histogram = meter.create_histogram(
                "http.client.request.duration",
                unit="s",
                description="Duration of HTTP client requests.",
                explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
            )
        except TypeError:  # an API older than 1.23 takes no advice; views can set buckets
            self.duration = meter.create_histogram(
                "http.client.request.duration",
                unit="s",
                description="Duration of HTTP client requests.",
            )
        self.retries: Counter = meter.create_counter(
            "blaaiz.client.retries", unit="{retry}", description="Attempts resent after a failure."
        )
        self.throttled: Counter = meter.create_counter(
            "blaaiz.client.throttled", unit="{response}", description="HTTP 429 answers."
        )
        self.rate_limit_wait: Counter = meter.create_counter(
            "blaaiz.client.rate_limit.wait",
            unit="s",
            description="Seconds calls waited in the client's rate budget.",
        )
        self.token_requests: Counter = meter.create_counter(
            "blaaiz.client.token.requests",
            unit="{request}",
            description="Requests sent to the OAuth token endpoint.",
        )
        self.outcome_unknown: Counter = meter.create_counter(
            "blaaiz.client.outcome_unknown",
            unit="{call}",
            description="State-changing calls that may have reached the server unanswered.",
        )
        self.webhook_failures: Counter = meter.create_counter(
            "blaaiz.webhook.verification_failures",
            unit="{delivery}",
            description="Webhook deliveries refused, by reason.",
        )


class Otel:
    """The imported API, and the instruments of the providers seen last."""

    def __init__(self, trace: Any, metrics: Any, context: Any, propagate: Any) -> None:
        self.trace = trace
        self.context = context
        self.propagate = propagate
        self.span_kind = trace.SpanKind
        self.error_status = trace.Status(trace.StatusCode.ERROR)
        self._tracer_provider = trace.get_tracer_provider
        self._meter_provider = metrics.get_meter_provider
        self._idle_tracers: tuple[type, ...] = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
        idle_meters: list[type] = [metrics.NoOpMeterProvider]
        internal = importlib.import_module("opentelemetry.metrics._internal")
        proxy = getattr(internal, "_ProxyMeterProvider", None)
        if isinstance(proxy, type):
            idle_meters.append(proxy)
        self._idle_meters = tuple(idle_meters)
        self.suppress_http_key = _suppress_http_key(context)
        # The public getters look at os.environ on every call (microseconds, as much as a
        # whole call of the engine); what they return is a module global set once by
        # set_*_provider, so that global is what is watched, where this API has it.
        has_globals = hasattr(trace, "_TRACER_PROVIDER") and hasattr(internal, "_METER_PROVIDER")
        self._globals: tuple[Any, Any] | None = (trace, internal) if has_globals else None
        self._seen_tracers: object = _UNSET
        self._seen_meters: object = _UNSET
        self._current: Instruments | None = None

    def current(self) -> Instruments | None:
        """The instruments for the global providers now, ``None`` while nothing records."""
        if self._globals is not None:
            tracers, meters = self._globals[0]._TRACER_PROVIDER, self._globals[1]._METER_PROVIDER
        else:
            tracers, meters = self._tracer_provider(), self._meter_provider()
        if tracers is self._seen_tracers and meters is self._seen_meters:
            return self._current
        return self._switch(tracers, meters)

    def _switch(self, seen_tracers: object, seen_meters: object) -> Instruments | None:
        from .. import __version__

        # The public getters: they also load a provider named by OTEL_PYTHON_*_PROVIDER
        # (which sets the global, so the next call switches once more, to it).
        tracers: TracerProvider = self._tracer_provider()
        meters: MeterProvider = self._meter_provider()
        tracer = None
        if not isinstance(tracers, self._idle_tracers):
            tracer = tracers.get_tracer(SCOPE, __version__, schema_url=SCHEMA_URL)
        made = None if isinstance(meters, self._idle_meters) else Meters(meters, __version__)
        current = Instruments(tracer, made) if tracer is not None or made is not None else None
        self._seen_tracers, self._seen_meters, self._current = seen_tracers, seen_meters, current
        return current

    # -- spans -----------------------------------------------------------------------------

    def start(
        self,
        tracer: Tracer,
        name: str,
        *,
        client: bool,
        attributes: Attributes,
        parent: Context | None = None,
    ) -> Span:
        kind = self.span_kind.CLIENT if client else self.span_kind.INTERNAL
        span: Span = tracer.start_span(name, context=parent, kind=kind, attributes=attributes)
        return span

    def in_span(self, span: Span, parent: Context | None = None) -> Context:
        ctx: Context = self.trace.set_span_in_context(span, parent)
        return ctx

    def for_transport(self, span: Span, parent: Context | None) -> Context:
        """The context to send in: our CLIENT span current, and HTTP instrumentation (the
        aiohttp client's) suppressed, so the attempt shows as one span, not two."""
        ctx = self.in_span(span, parent)
        if self.suppress_http_key is not None:
            ctx = self.context.set_value(self.suppress_http_key, True, ctx)
        return ctx

    def attach(self, ctx: Context) -> object:
        return self.context.attach(ctx)

    def detach(self, token: object) -> None:
        self.context.detach(token)

    def inject(self, headers: dict[str, str], ctx: Context) -> None:
        """The trace context into outgoing headers (``traceparent``), as the aiohttp
        instrumentation would have done."""
        self.propagate.inject(headers, context=ctx)

    def failed(self, span: Span, error_type: str) -> None:
        span.set_attribute("error.type", error_type)
        span.set_status(self.error_status)


def _suppress_http_key(context: Any) -> object | None:
    """The context key HTTP instrumentations check to stay silent: in
    ``opentelemetry.context`` since the API's 1.15, in the instrumentation before."""
    key: object | None = getattr(context, "_SUPPRESS_HTTP_INSTRUMENTATION_KEY", None)
    if key is not None:
        return key
    try:
        utils = importlib.import_module("opentelemetry.instrumentation.utils")
    except ImportError:
        return None
    found: object | None = getattr(utils, "_SUPPRESS_HTTP_INSTRUMENTATION_KEY", None)
    return found


_loaded: Otel | None = _UNSET


def load() -> Otel | None:
    """The API if importable (imported once), else ``None``, silently."""
    global _loaded
    if _loaded is _UNSET:
        _loaded = _import()
    return _loaded


def _import() -> Otel | None:
    try:
        from opentelemetry import context, metrics, propagate, trace
    except ImportError:
        return None
    except Exception as exc:  # a broken install must not break the client
        log.warning("opentelemetry failed to import (%s); not tracing", type(exc).__name__)
        return None
    return Otel(trace, metrics, context, propagate)


__all__ = ["DURATION_BUCKETS", "Instruments", "Meters", "Otel", "load"]
