"""Telemetry: spans and metrics through the global OpenTelemetry providers (the SDK's
in-memory exporters), hooks, the DEBUG lines, and what none of them may ever hold."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest
from opentelemetry import metrics, trace
from opentelemetry.metrics import _internal as metrics_internal
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from opentelemetry.util._once import Once

from blaaiz_async import BlaaizClient, RateLimit
from blaaiz_async.errors import (
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    TokenError,
    WebhookVerificationError,
)
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.routes import ROUTES
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.telemetry import (
    Hooks,
    OutcomeUnknown,
    RateLimitWaited,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    Telemetry,
    TokenFetched,
    TokenInvalidated,
    TokenRefreshed,
    safe_headers,
)
from blaaiz_async.telemetry.observer import error_type, labels
from blaaiz_async.testing import HTTPRequest, HTTPResponse, MockTransport, TransportError
from blaaiz_async.webhooks import compute_signature, construct_event, verify_signature

ROOT = Path(__file__).resolve().parent.parent
FAST = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002)
ACCOUNT_NUMBER = "0123456789"
WALLETS = json.dumps({"data": [{"id": "w1", "currency": "NGN", "amount": "10.50"}]}).encode()


# -- the global providers, set for one test and reset after ---------------------------------


def _reset_globals() -> None:
    """What OpenTelemetry's own test utilities do: the globals may be set once per
    process, so a test that sets them must put them back."""
    trace._TRACER_PROVIDER_SET_ONCE = Once()  # type: ignore[attr-defined]
    trace._TRACER_PROVIDER = None  # type: ignore[attr-defined]
    metrics_internal._METER_PROVIDER_SET_ONCE = Once()
    metrics_internal._METER_PROVIDER = None
    metrics_internal._PROXY_METER_PROVIDER = metrics_internal._ProxyMeterProvider()


@attrs.define
class Captured:
    spans: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.finished() if s.name == name]

    def points(self, metric: str) -> list[Any]:
        data = self.reader.get_metrics_data()
        found: list[Any] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for m in scope.metrics:
                    if m.name == metric:
                        found.extend(m.data.data_points)
        return found

    def total(self, metric: str, **attributes: object) -> float:
        return sum(
            p.value
            for p in self.points(metric)
            if all(p.attributes.get(k) == v for k, v in attributes.items())
        )


@pytest.fixture
def otel() -> Iterator[Captured]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    _reset_globals()
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    try:
        yield Captured(exporter, reader, tracer_provider)
    finally:
        _reset_globals()
        tracer_provider.shutdown()
        meter_provider.shutdown()


def sandbox_client(sandbox: Sandbox, **kw: Any) -> BlaaizClient:
    client_id, secret = sandbox.add_client()
    kw.setdefault("rate_limit", None)
    kw.setdefault("retry", FAST)
    return BlaaizClient(client_id=client_id, client_secret=secret, base_url=sandbox.url, **kw)


def payout_args(sandbox: Sandbox, **overrides: object) -> dict[str, Any]:
    args: dict[str, Any] = {
        "wallet_id": sandbox.wallet_id("NGN"),
        "customer_id": sandbox.customer_id,
        "method": "bank_transfer",
        "from_currency_id": "NGN",
        "to_currency_id": "NGN",
        "from_amount": 1000,
        "bank_id": "058",
        "account_number": ACCOUNT_NUMBER,
    }
    args.update(overrides)
    return args


def mock_api(answer: Any) -> MockTransport:
    """The token endpoint, and ``answer(request)`` for every other path."""

    def handle(request: HTTPRequest) -> Any:
        if request.url.endswith("/oauth/token"):
            body = {"access_token": "tok-" + "x" * 30, "expires_in": 600}
            return HTTPResponse(200, {}, json.dumps(body).encode())
        return answer(request)

    return MockTransport(handle)


def mock_client(transport: MockTransport, **kw: Any) -> BlaaizClient:
    return BlaaizClient(
        client_id="c", client_secret="s3cr3t-value", base_url="https://api.test:8443",
        transport=transport, retry=FAST, rate_limit=None, **kw,
    )  # fmt: skip


# -- spans ------------------------------------------------------------------------------------


async def test_a_retried_get_is_two_attempt_spans_under_one_operation(
    sandbox: Sandbox, otel: Captured
) -> None:
    sandbox.fail_next("wallets.list", status=503)
    async with sandbox_client(sandbox) as client:
        assert await client.wallets.list()
        # The call gave its context back: its span is not current after it.
        assert not trace.get_current_span().get_span_context().is_valid
    [operation] = otel.named("wallets.list")
    attempts = sorted(otel.named("GET /api/external/wallet"), key=lambda s: s.start_time or 0)
    assert len(attempts) == 2
    assert operation.kind is SpanKind.INTERNAL
    assert operation.status.status_code is not StatusCode.ERROR
    assert operation.attributes is not None and operation.attributes["blaaiz.attempts"] == 2
    assert operation.attributes["blaaiz.retries"] == 1
    [retry] = [e for e in operation.events if e.name == "retry"]
    assert retry.attributes is not None and retry.attributes["error.type"] == "503"
    first, second = attempts
    for span in attempts:
        assert span.kind is SpanKind.CLIENT
        assert span.parent is not None and span.parent.span_id == operation.context.span_id
        assert span.attributes is not None
        assert span.attributes["http.request.method"] == "GET"
        assert span.attributes["url.template"] == "/api/external/wallet"
        assert span.attributes["server.address"] == "127.0.0.1"
        assert span.attributes["server.port"] == int(sandbox.url.rsplit(":", 1)[1])
    assert first.attributes is not None and second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert first.status.status_code is StatusCode.ERROR
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.request.resend_count"] == 1
    assert second.attributes["http.response.status_code"] == 200
    assert "error.type" not in second.attributes
    # The token request is traced, inside the call that needed it.
    [token] = otel.named("POST /oauth/token")
    assert token.kind is SpanKind.CLIENT
    assert token.attributes is not None and token.attributes["url.template"] == "/oauth/token"
    assert token.attributes["http.response.status_code"] == 200
    assert token.parent is not None and token.parent.span_id == operation.context.span_id
    # Metrics: one duration point per (template, status), the retry, the token request.
    durations = otel.points("http.client.request.duration")
    assert {p.attributes.get("http.response.status_code") for p in durations} == {200, 503}
    assert all(isinstance(p, HistogramDataPoint) for p in durations)
    assert durations[0].explicit_bounds[:3] == (0.005, 0.01, 0.025)
    assert sum(p.count for p in durations if p.attributes["url.template"] != "/oauth/token") == 2
    assert otel.total("blaaiz.client.retries", **{"blaaiz.route": "wallets.list"}) == 1
    assert otel.total("blaaiz.client.token.requests") == 1


async def test_a_404_attempt_carries_its_status_as_error_type(
    sandbox: Sandbox, otel: Captured
) -> None:
    async with sandbox_client(sandbox) as client:
        with pytest.raises(NotFoundError):
            await client.wallets.get("no-such-wallet")
    [attempt] = otel.named("GET /api/external/wallet/{wallet_id}")
    assert attempt.attributes is not None and attempt.attributes["error.type"] == "404"
    assert attempt.attributes["url.template"] == "/api/external/wallet/{wallet_id}"
    assert attempt.status.status_code is StatusCode.ERROR
    [operation] = otel.named("wallets.get")
    assert operation.status.status_code is StatusCode.ERROR
    assert operation.attributes is not None
    assert operation.attributes["error.type"] == "blaaiz_async.errors.NotFoundError"
    # The filled path (an id) is in no span.
    assert "no-such-wallet" not in repr([s.to_json() for s in otel.finished()])


async def test_a_2xx_that_does_not_parse_is_the_operations_error(otel: Captured) -> None:
    transport = mock_api(lambda request: HTTPResponse(200, {}, b'{"data": "not a list"}'))
    async with mock_client(transport) as client:
        with pytest.raises(MalformedResponseError):
            await client.wallets.list()
    [attempt] = otel.named("GET /api/external/wallet")
    assert attempt.status.status_code is not StatusCode.ERROR  # the answer came, as a 200
    [operation] = otel.named("wallets.list")
    assert operation.status.status_code is StatusCode.ERROR
    assert operation.attributes is not None
    assert operation.attributes["error.type"] == "blaaiz_async.errors.MalformedResponseError"


async def test_the_storage_put_is_traced_without_its_presigned_url(
    sandbox: Sandbox, otel: Captured
) -> None:
    async with sandbox_client(sandbox) as client:
        customer = sandbox.customer_id
        result = await client.customers.upload_file(customer, file_category="identity", data=b"x")
    [operation] = otel.named("storage.put")
    [put] = otel.named("PUT")
    assert put.parent is not None and put.parent.span_id == operation.context.span_id
    assert put.attributes is not None and put.attributes["http.response.status_code"] == 200
    assert put.attributes["server.address"] == "127.0.0.1"
    assert "url.template" not in put.attributes
    spans = repr([s.to_json() for s in otel.finished()])
    assert result.file_id not in spans and "_storage" not in spans


async def test_ensure_is_one_operation_around_its_payout_and_lookup(
    sandbox: Sandbox, otel: Captured
) -> None:
    sandbox.drop_after_processing("payouts.create")
    async with sandbox_client(sandbox) as client:
        tx = await client.payouts.ensure(**payout_args(sandbox))
    assert tx.id
    [umbrella] = otel.named("payouts.ensure")
    children = {
        s.name
        for s in otel.finished()
        if s.parent is not None and s.parent.span_id == umbrella.context.span_id
    }
    assert children == {"payouts.create", "transactions.get"}
    assert umbrella.status.status_code is not StatusCode.ERROR


async def test_a_redirect_from_the_token_endpoint_is_a_failed_token_span(otel: Captured) -> None:
    def answer(request: HTTPRequest) -> HTTPResponse:
        return HTTPResponse(302, {"Location": "https://elsewhere.test/"}, b"")

    async with mock_client(MockTransport(answer)) as client:
        with pytest.raises(TokenError):
            await client.wallets.list()
    [token_span] = otel.named("POST /oauth/token")
    assert token_span.attributes is not None
    assert token_span.attributes["error.type"] == "302"
    assert token_span.status.status_code is StatusCode.ERROR


async def test_429s_are_counted_and_waited_out(sandbox: Sandbox, otel: Captured) -> None:
    sandbox.fail_next("wallets.list", status=429, headers={"Retry-After": "0"})
    async with sandbox_client(sandbox) as client:
        assert await client.wallets.list()
    assert otel.total("blaaiz.client.throttled", **{"blaaiz.route": "wallets.list"}) == 1
    assert otel.total("blaaiz.client.retries", **{"error.type": "429"}) == 1


async def test_a_cancelled_call_ends_its_spans_as_errors(otel: Captured) -> None:
    sent = asyncio.Event()

    async def hang(request: HTTPRequest) -> HTTPResponse:
        sent.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async with mock_client(mock_api(hang)) as client:
        call = asyncio.ensure_future(client.wallets.list())
        await asyncio.wait_for(sent.wait(), 10)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    [attempt] = otel.named("GET /api/external/wallet")
    [operation] = otel.named("wallets.list")
    for span in (attempt, operation):
        assert span.end_time is not None
        assert span.status.status_code is StatusCode.ERROR
        assert span.attributes is not None
        assert span.attributes["error.type"] == "asyncio.exceptions.CancelledError"


async def test_concurrent_calls_keep_their_attempts_apart(otel: Captured) -> None:
    async def slow(request: HTTPRequest) -> HTTPResponse:
        await asyncio.sleep(0.01)
        return HTTPResponse(200, {}, WALLETS)

    async with mock_client(mock_api(slow)) as client:
        with trace.get_tracer("test").start_as_current_span("job") as job:
            await asyncio.gather(*(client.wallets.list() for _ in range(10)))
    operations = {s.context.span_id: s for s in otel.named("wallets.list")}
    attempts = otel.named("GET /api/external/wallet")
    assert len(operations) == len(attempts) == 10
    assert {a.parent.span_id for a in attempts if a.parent} == set(operations)
    assert all(
        o.parent and o.parent.span_id == job.get_span_context().span_id for o in operations.values()
    )


async def test_a_lost_connection_names_its_kind(otel: Captured) -> None:
    def refuse(request: HTTPRequest) -> HTTPResponse:
        raise TransportError("connection refused", host="api.test", sent=False)

    async with mock_client(mock_api(refuse)) as client:
        with pytest.raises(Exception, match="connection refused"):
            await client.wallets.list()
    attempts = otel.named("GET /api/external/wallet")
    assert len(attempts) == 3  # the first try and FAST's two retries
    assert {s.attributes["error.type"] for s in attempts if s.attributes} == {"connection_refused"}
    assert "http.response.status_code" not in (attempts[0].attributes or {})


async def test_the_aiohttp_instrumentation_makes_no_second_client_span(
    sandbox: Sandbox, otel: Captured
) -> None:
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor

    instrumentor = AioHttpClientInstrumentor()
    instrumentor.instrument(tracer_provider=otel.tracer_provider)
    try:
        async with aiohttp.ClientSession() as session:  # the instrumentation is on
            async with session.get(sandbox.url + "/api/external/wallet") as resp:
                await resp.read()
        plain = [s for s in otel.finished() if s.kind is SpanKind.CLIENT]
        assert len(plain) == 1, "the aiohttp instrumentation is not active"
        otel.spans.clear()
        async with sandbox_client(sandbox) as client:
            assert await client.wallets.list()
    finally:
        instrumentor.uninstrument()
    clients = [s for s in otel.finished() if s.kind is SpanKind.CLIENT]
    assert sorted(s.name for s in clients) == ["GET /api/external/wallet", "POST /oauth/token"]


async def test_the_trace_context_goes_out_with_each_attempt(otel: Captured) -> None:
    transport = mock_api(lambda request: HTTPResponse(200, {}, WALLETS))
    async with mock_client(transport) as client:
        await client.wallets.list()
    [attempt] = otel.named("GET /api/external/wallet")
    sent = next(r for r in transport.requests if r.url.endswith("/wallet"))
    trace_id = format(attempt.context.trace_id, "032x")
    span_id = format(attempt.context.span_id, "016x")
    assert sent.headers["traceparent"].startswith(f"00-{trace_id}-{span_id}-")


async def test_providers_set_after_the_client_is_made_are_used(sandbox: Sandbox) -> None:
    _reset_globals()
    client = sandbox_client(sandbox)
    telemetry: Telemetry = client._pipeline.telemetry
    # No SDK provider, no hooks, DEBUG off: nothing observes, the engine skips it all,
    # watching the API's globals (its getters read os.environ, a cost per call).
    assert telemetry.operation(ROUTES["wallets.list"]) is None
    assert telemetry.otel is not None and telemetry.otel._globals is not None
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    try:
        async with client:
            await client.wallets.list()
        assert [s.name for s in exporter.get_finished_spans() if s.name == "wallets.list"]
    finally:
        _reset_globals()
        provider.shutdown()


# -- hooks ------------------------------------------------------------------------------------


def answers(*responses: HTTPResponse) -> Any:
    queue = list(responses)
    return lambda request: queue.pop(0)


async def test_sync_hooks_see_each_step_with_the_right_payloads() -> None:
    events: list[object] = []
    hooks = Hooks(
        on_request=events.append,
        on_response=events.append,
        on_retry=events.append,
        on_token_fetched=events.append,
    )
    transport = mock_api(
        answers(
            HTTPResponse(503, {"Retry-After": "0"}, b"{}"),
            HTTPResponse(200, {"X-Request-Id": "req-42"}, WALLETS),
        )
    )
    async with mock_client(transport, hooks=hooks) as client:
        await client.wallets.list()
        token = await client.token_provider.get_token()  # type: ignore[union-attr]
    api = [e for e in events if getattr(e, "route", None) == "wallets.list"]
    assert api[0] == RequestSent(
        route="wallets.list", method="GET", path="/api/external/wallet", attempt=1
    )
    assert isinstance(api[1], ResponseReceived)
    assert (api[1].status, api[1].error_type, api[1].attempt) == (503, "503", 1)
    assert api[1].duration >= 0
    assert api[2] == RetryScheduled(
        route="wallets.list", method="GET", path="/api/external/wallet", attempt=1,
        reason="HTTP 503", delay=api[2].delay, status=503,  # type: ignore[attr-defined]
    )  # fmt: skip
    assert api[3] == RequestSent(
        route="wallets.list", method="GET", path="/api/external/wallet", attempt=2
    )
    assert isinstance(api[4], ResponseReceived)
    assert (api[4].status, api[4].error_type, api[4].request_id) == (200, None, "req-42")
    [fetched] = [e for e in events if isinstance(e, TokenFetched)]
    assert fetched.fingerprint == token.fingerprint
    assert fetched.source == "token_endpoint"
    assert 0 < fetched.expires_in <= 600
    token_steps = [e for e in events if getattr(e, "route", None) == "oauth.token"]
    assert [type(e) for e in token_steps] == [RequestSent, ResponseReceived]


async def test_async_hooks_run_as_tasks_and_close_waits_for_them() -> None:
    seen: list[object] = []

    async def slow(event: object) -> None:
        await asyncio.sleep(0.2)
        seen.append(event)

    transport = mock_api(answers(HTTPResponse(503, {}, b"{}"), HTTPResponse(200, {}, WALLETS)))
    async with mock_client(transport, hooks=Hooks(on_retry=slow, on_response=slow)) as client:
        await client.wallets.list()
        assert seen == []  # the call did not wait for its hooks
    # aclose() waited for them: every event is in.
    responses = sorted((e.route, e.status) for e in seen if isinstance(e, ResponseReceived))
    assert responses == [("oauth.token", 200), ("wallets.list", 200), ("wallets.list", 503)]
    [retry] = [e for e in seen if isinstance(e, RetryScheduled)]
    assert (retry.route, retry.attempt, retry.status) == ("wallets.list", 1, 503)


async def test_a_raising_hook_is_logged_once_and_the_call_succeeds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(event: object) -> None:
        raise ValueError("hook bug")

    async def broken_async(event: object) -> None:
        raise KeyError("async hook bug")

    transport = mock_api(lambda request: HTTPResponse(200, {}, WALLETS))
    hooks = Hooks(on_response=broken, on_request=broken_async)
    with caplog.at_level(logging.WARNING, logger="blaaiz_async"):
        async with mock_client(transport, hooks=hooks) as client:
            assert await client.wallets.list()
            assert await client.wallets.list()
    warnings = [r for r in caplog.records if "hook" in r.getMessage()]
    assert sorted(r.getMessage().split()[1] for r in warnings) == ["on_request", "on_response"]
    assert all(r.exc_info is not None for r in warnings)


async def test_the_rate_limit_wait_is_reported(otel: Captured) -> None:
    waits: list[RateLimitWaited] = []
    transport = mock_api(lambda request: HTTPResponse(200, {}, WALLETS))
    async with BlaaizClient(
        client_id="c", client_secret="s", base_url="https://api.test", transport=transport,
        rate_limit=RateLimit(1, per=0.2), hooks=Hooks(on_rate_limit_wait=waits.append),
    ) as client:  # fmt: skip
        await client.wallets.list()
        await client.wallets.list()  # waits for the next slot
    assert waits and waits[-1].route == "wallets.list" and waits[-1].seconds > 0.05
    assert otel.total("blaaiz.client.rate_limit.wait") >= waits[-1].seconds
    operations = otel.named("wallets.list")
    assert any(e.name == "rate_limit_wait" for s in operations for e in s.events)


async def test_token_refresh_and_invalidation_are_reported(sandbox: Sandbox) -> None:
    sandbox.token_ttl = 4.0  # refreshed ahead of expiry after 3 s (a quarter of its life)
    events: list[object] = []
    hooks = Hooks(
        on_token_fetched=events.append,
        on_token_refreshed=events.append,
        on_token_invalidated=events.append,
    )
    async with sandbox_client(sandbox, hooks=hooks) as client:
        await client.wallets.list()
        first = await client.token_provider.get_token()  # type: ignore[union-attr]
        await asyncio.sleep(3.2)
        await client.wallets.list()  # serves the token, refreshes in the background
        for _ in range(100):
            if any(isinstance(e, TokenRefreshed) for e in events):
                break
            await asyncio.sleep(0.02)
        second = await client.token_provider.get_token()  # type: ignore[union-attr]
        sandbox.revoke_all_tokens()
        await client.wallets.list()  # 401: the token is dropped, a fresh one fetched
    fetched = [e for e in events if isinstance(e, TokenFetched)]
    [refreshed] = [e for e in events if isinstance(e, TokenRefreshed)]
    [invalidated] = [e for e in events if isinstance(e, TokenInvalidated)]
    assert fetched[0].fingerprint == first.fingerprint
    assert (refreshed.previous, refreshed.fingerprint) == (first.fingerprint, second.fingerprint)
    assert invalidated.fingerprint == second.fingerprint
    assert len(fetched) == 2 and fetched[1].fingerprint != second.fingerprint


# -- unknown outcomes and secrets ---------------------------------------------------------------


async def test_a_dropped_payout_reports_the_unknown_outcome_and_leaks_nothing(
    sandbox: Sandbox, otel: Captured, caplog: pytest.LogCaptureFixture
) -> None:
    unknown: list[OutcomeUnknown] = []
    everything: list[object] = []
    hooks = Hooks(
        on_request=everything.append, on_response=everything.append,
        on_retry=everything.append, on_token_fetched=everything.append,
        on_outcome_unknown=unknown.append,
    )  # fmt: skip
    client_id, secret = sandbox.add_client()
    with caplog.at_level(logging.DEBUG, logger="blaaiz_async"):
        async with BlaaizClient(
            client_id=client_id, client_secret=secret, base_url=sandbox.url,
            rate_limit=None, retry=FAST, hooks=hooks,
        ) as client:  # fmt: skip
            assert await client.payouts.create(**payout_args(sandbox))
            sandbox.drop_after_processing("payouts.create")
            with pytest.raises(OutcomeUnknownError) as info:
                await client.payouts.create(**payout_args(sandbox, merchant_reference="ref-77"))
            token = await client.token_provider.get_token()  # type: ignore[union-attr]
    [event] = unknown
    assert (event.route, event.method, event.path) == (
        "payouts.create", "POST", "/api/external/payout",
    )  # fmt: skip
    assert event.merchant_reference == info.value.merchant_reference == "ref-77"
    assert event.cause == "server_closed_the_connection"
    assert otel.total("blaaiz.client.outcome_unknown", **{"blaaiz.route": "payouts.create"}) == 1
    [_, dropped] = otel.named("payouts.create")
    assert any(e.name == "outcome_unknown" for e in dropped.events)
    # Grep all that was captured: spans, metrics, hook events, log lines.
    exported = "\n".join(
        [
            *(s.to_json() for s in otel.finished()),
            otel.reader.get_metrics_data().to_json(),  # type: ignore[union-attr]
            *(r.getMessage() + repr(vars(r)) for r in caplog.records),
        ]
    )
    assert "payouts.create POST /api/external/payout attempt 1 -> 200" in exported
    hook_events = "\n".join(repr(e) for e in [*everything, *unknown])
    for secret_value in (secret, token.value, ACCOUNT_NUMBER):
        assert secret_value not in exported, secret_value
        assert secret_value not in hook_events, secret_value
    # The caller's reference goes to the caller's own hook only, never to an exporter.
    assert "ref-77" not in exported


# -- logs -------------------------------------------------------------------------------------


async def test_debug_lines_name_the_template_and_redact_headers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = mock_api(
        lambda request: HTTPResponse(
            404,
            {"X-Request-Id": "req-9", "Set-Cookie": "session=abc", "Location": "/x/123"},
            b'{"message": "not found"}',
        )
    )
    with caplog.at_level(logging.DEBUG, logger="blaaiz_async"):
        async with mock_client(transport) as client:
            with pytest.raises(NotFoundError):
                await client.wallets.get("wallet-of-a-person")
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("wallets.get")]
    assert line.startswith("wallets.get GET /api/external/wallet/{wallet_id} attempt 1 -> 404 in ")
    assert "request_id=req-9" in line
    assert "'Authorization': 'REDACTED'" in line
    assert "'Accept': 'application/json'" in line
    assert "'Set-Cookie': 'REDACTED'" in line and "'Location': 'REDACTED'" in line
    text = "\n".join(r.getMessage() for r in caplog.records)
    for leaked in ("wallet-of-a-person", "tok-xxx", "s3cr3t-value", "session=abc", "not found"):
        assert leaked not in text, leaked


def test_headers_outside_the_allowlist_are_redacted_and_credentials_always() -> None:
    headers = {
        "Content-Type": "application/json",
        "authorization": "Bearer t",
        "X-Blaaiz-Api-Key": "k",
        "Cookie": "c=1",
        "X-Account": "0123",
    }
    shown = safe_headers(headers, allowed=["content-type", "authorization", "cookie"])
    assert shown == {
        "Content-Type": "application/json",
        "authorization": "REDACTED",
        "X-Blaaiz-Api-Key": "REDACTED",
        "Cookie": "REDACTED",
        "X-Account": "REDACTED",
    }


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (HTTPResponse(200, {}), None),
        (HTTPResponse(302, {}), None),
        (HTTPResponse(400, {}), "400"),
        (HTTPResponse(503, {}), "503"),
        (TransportError("connect timed out", sent=False, timeout=True), "connect_timeout"),
        (TransportError("read timed out", sent=True, timeout=True), "read_timeout"),
        (TransportError("connection refused", sent=False), "connection_refused"),
        (TransportError("connection failed: ClientOSError", sent=True), "connection_failed"),
        (TransportError("DNS lookup failed", sent=False), "dns_lookup_failed"),
        (asyncio.CancelledError(), "asyncio.exceptions.CancelledError"),
        (ValueError("x"), "ValueError"),
    ],
)
def test_error_type_follows_the_http_conventions(outcome: Any, expected: str | None) -> None:
    assert error_type(outcome) == expected


def test_a_path_outside_the_route_table_is_never_named() -> None:
    assert labels("wallets.get", "/api/external/wallet/{wallet_id}") == (
        "wallets.get", "/api/external/wallet/{wallet_id}",
    )  # fmt: skip
    assert labels("request GET /api/external/x/123", "/api/external/x/123") == ("request", None)


async def test_an_unlisted_path_shows_no_path_in_spans_or_logs(
    otel: Captured, caplog: pytest.LogCaptureFixture
) -> None:
    transport = mock_api(lambda request: HTTPResponse(200, {}, b"{}"))
    with caplog.at_level(logging.DEBUG, logger="blaaiz_async"):
        async with mock_client(transport) as client:
            await client.request("GET", "/api/external/unlisted/person-123")
    names = [s.name for s in otel.finished()]
    assert "GET" in names and "request" in names
    captured = "\n".join([*(s.to_json() for s in otel.finished())]) + caplog.text
    assert "person-123" not in captured


# -- webhooks ---------------------------------------------------------------------------------


def test_webhook_verification_failures_are_counted_by_reason(otel: Captured) -> None:
    secret = "whsec"
    body = b"not json"
    stamp = "1700000000"
    signed = {
        "x-blaaiz-signature": compute_signature(secret, stamp, body),
        "x-blaaiz-timestamp": stamp,
    }
    with pytest.raises(WebhookVerificationError):
        verify_signature(body, {}, secret)
    with pytest.raises(WebhookVerificationError):
        construct_event(body, signed, secret, now=1700000000)
    with pytest.raises(WebhookVerificationError):
        construct_event(b"{}", signed, secret, now=1700000000)
    failures = "blaaiz.webhook.verification_failures"
    assert otel.total(failures, **{"error.type": "missing_signature"}) == 1
    assert otel.total(failures, **{"error.type": "invalid_json"}) == 1
    assert otel.total(failures, **{"error.type": "signature_mismatch"}) == 1


# -- without OpenTelemetry, and the example -------------------------------------------------------

NO_OTEL = r"""
import asyncio, json, logging, sys, warnings
sys.modules["opentelemetry"] = None  # as if opentelemetry-api were not installed
warnings.simplefilter("error")
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
logging.getLogger("blaaiz_async").setLevel(logging.DEBUG)
from blaaiz_async import BlaaizClient
from blaaiz_async.telemetry import Hooks
from blaaiz_async.testing import HTTPResponse, MockTransport
from blaaiz_async.webhooks import verify_signature

def answer(request):
    if request.url.endswith("/oauth/token"):
        token = {"access_token": "t" * 32, "expires_in": 60}
        return HTTPResponse(200, {}, json.dumps(token).encode())
    return HTTPResponse(200, {}, b'{"data": []}')

async def main():
    seen = []
    async with BlaaizClient(client_id="c", client_secret="s", base_url="https://api.test",
                            transport=MockTransport(answer), rate_limit=None,
                            hooks=Hooks(on_response=seen.append)) as client:
        assert await client.wallets.list() == []
    try:
        verify_signature(b"{}", {}, "secret")
    except Exception as exc:
        assert exc.reason == "missing_signature"
    assert "opentelemetry" not in {m.split(".")[0] for m in sys.modules if sys.modules[m]}
    print("ok", len(seen))

asyncio.run(main())
"""


def test_without_opentelemetry_everything_works_and_nothing_warns() -> None:
    done = subprocess.run(
        [sys.executable, "-c", NO_OTEL], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok 2"  # the token request and the call
    problems = [
        line for line in done.stderr.splitlines() if not line.startswith("DEBUG blaaiz_async")
    ]
    assert not problems, problems


def test_the_hooks_example_runs_against_the_sandbox() -> None:
    done = subprocess.run(
        [sys.executable, "examples/telemetry_hooks.py"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "429s: 1, retries: 2" in done.stdout
    assert "responses of wallets.list: 3" in done.stdout
