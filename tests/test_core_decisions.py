"""What the engine does after an attempt, as tables: ``core.decide`` without sockets.

Each row is one situation a payout fleet meets; breaking the matching line of the core
flips the row's expected decision.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from blaaiz_async import core
from blaaiz_async.core import Attempt, Done, Fail, Reauthenticate, Retry
from blaaiz_async.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DuplicateReferenceError,
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    error_for_status,
)
from blaaiz_async.retry import RetryBudget, RetryPolicy
from blaaiz_async.routes import ROUTES
from blaaiz_async.transport import HTTPResponse, TransportError

GET = ROUTES["wallets.list"]
POST = ROUTES["payouts.create"]  # not idempotent: a payout
POLICY = RetryPolicy(max_retries=2, base_delay=0.5, max_delay=8.0, jitter=lambda: 1.0)

SENT = TransportError("server closed the connection", host="api", sent=True)
READ_TIMEOUT = TransportError("read timed out", host="api", sent=True, timeout=True)
REFUSED = TransportError("connection refused", host="api", sent=False)


def answer(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> HTTPResponse:
    return HTTPResponse(status, headers or {}, body)


def decide(route: Any, outcome: Any, attempt: Attempt | None = None, **kw: Any) -> core.Decision:
    kw.setdefault("policy", POLICY)
    kw.setdefault("can_reauthenticate", True)
    return core.decide(route, attempt or Attempt(), outcome, **kw)


@pytest.mark.parametrize(
    ("route", "outcome", "attempt", "expected"),
    [
        # success
        (GET, answer(200), Attempt(), Done()),
        (POST, answer(201), Attempt(), Done()),
        # a request that may have reached the server is resent only when idempotent
        (GET, SENT, Attempt(), Retry(0.5, "server closed the connection")),
        (GET, READ_TIMEOUT, Attempt(retries=1), Retry(1.0, "read timed out")),
        (GET, answer(503), Attempt(), Retry(0.5, "HTTP 503")),
        (GET, answer(408), Attempt(), Retry(0.5, "HTTP 408")),
        (GET, answer(500), Attempt(retries=1), Retry(1.0, "HTTP 500")),
        # nothing was sent: any route may try again
        (POST, REFUSED, Attempt(), Retry(0.5, "connection refused")),
        (GET, REFUSED, Attempt(), Retry(0.5, "connection refused")),
        # a 429 means the server did nothing: resent for any route, after its Retry-After
        (POST, answer(429, {"Retry-After": "7"}), Attempt(), Retry(7.0, "HTTP 429")),
        (GET, answer(429, {"Retry-After": "3"}), Attempt(), Retry(3.0, "HTTP 429")),
        (GET, answer(429), Attempt(), Retry(0.5, "HTTP 429")),
        # a 429 is waited out however often it comes: it spends no retries
        (POST, answer(429), Attempt(retries=2), Retry(0.5, "HTTP 429")),
        # a server's Retry-After wins over the backoff, within the cap
        (GET, answer(503, {"Retry-After": "2"}), Attempt(), Retry(2.0, "HTTP 503")),
        (GET, answer(429, {"Retry-After": "600"}), Attempt(), Retry(60.0, "HTTP 429")),
        # the first 401 resends once with a fresh token
        (GET, answer(401), Attempt(), Reauthenticate(expired=False)),
        (POST, answer(401), Attempt(), Reauthenticate(expired=False)),
        # the resend is not a retry: retries made before keep their count, and a retry
        # after a resend is still allowed
        (GET, answer(503), Attempt(retries=1, reauthenticated=True), Retry(1.0, "HTTP 503")),
    ],
)
def test_what_happens_next(route: Any, outcome: Any, attempt: Attempt, expected: Any) -> None:
    assert decide(route, outcome, attempt) == expected


@pytest.mark.parametrize(
    ("route", "outcome", "attempt", "error"),
    [
        # a payout whose answer was lost is never sent twice: an unknown outcome
        (POST, SENT, Attempt(), OutcomeUnknownError),
        (POST, READ_TIMEOUT, Attempt(), OutcomeUnknownError),
        (POST, answer(503), Attempt(), ServerError),
        (POST, answer(500), Attempt(), ServerError),
        # retries run out
        (GET, SENT, Attempt(retries=2), APIConnectionError),
        (GET, READ_TIMEOUT, Attempt(retries=2), APITimeoutError),
        (GET, answer(503), Attempt(retries=2), ServerError),
        (POST, REFUSED, Attempt(retries=2), APIConnectionError),
        # a second 401 after the resend is a rejection
        (GET, answer(401), Attempt(reauthenticated=True), AuthenticationError),
        # never retried at all
        (GET, answer(404), Attempt(), NotFoundError),
        (POST, answer(400), Attempt(), BadRequestError),
    ],
)
def test_when_the_call_fails(route: Any, outcome: Any, attempt: Attempt, error: type) -> None:
    decision = decide(route, outcome, attempt)
    assert isinstance(decision, Fail)
    assert type(decision.error) is error


def test_an_unknown_outcome_is_not_retryable_and_carries_the_reference() -> None:
    decision = decide(POST, SENT, reference="order-42")
    assert isinstance(decision, Fail) and isinstance(decision.error, OutcomeUnknownError)
    assert decision.error.merchant_reference == "order-42"
    assert decision.error.retryable is False
    assert "order-42" in str(decision.error) and "NOT sent again" in str(decision.error)


def test_nothing_sent_is_not_an_unknown_outcome() -> None:
    decision = decide(POST, REFUSED, Attempt(retries=2), reference="order-42")
    assert isinstance(decision, Fail)
    assert not isinstance(decision.error, OutcomeUnknownError)
    assert decision.error.retryable is True


def test_without_a_renewable_credential_a_401_fails_with_the_hint() -> None:
    decision = decide(GET, answer(401), can_reauthenticate=False, hint="the API key is disabled")
    assert isinstance(decision, Fail) and isinstance(decision.error, AuthenticationError)
    assert "the API key is disabled" in decision.error.message


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [
        (Attempt(), Reauthenticate(expired=True)),
        # expiring in flight does not spend the one resend of a rejected token
        (Attempt(reauthenticated=True), Reauthenticate(expired=True)),
        (Attempt(expired_resends=core.MAX_EXPIRED_RESENDS), Reauthenticate(expired=False)),
    ],
)
def test_a_token_that_expired_in_flight_is_renewed_not_rejected(
    attempt: Attempt, expected: Reauthenticate
) -> None:
    assert decide(GET, answer(401), attempt, credential_expired=True) == expected


@pytest.mark.parametrize(
    ("outcome", "remaining", "expected"),
    [
        (answer(429, {"Retry-After": "7"}), 8.0, Retry(7.0, "HTTP 429")),
        (answer(429, {"Retry-After": "7"}), 6.0, RateLimitError),
        (answer(503), 0.1, ServerError),
        (SENT, 0.1, APIConnectionError),
        (SENT, None, Retry(0.5, "server closed the connection")),
    ],
)
def test_waits_are_bounded_by_the_calls_time(
    outcome: Any, remaining: float | None, expected: Any
) -> None:
    decision = decide(GET, outcome, remaining=remaining)
    if isinstance(expected, Retry):
        assert decision == expected
    else:
        assert isinstance(decision, Fail) and type(decision.error) is expected


def test_a_refused_wait_says_why() -> None:
    decision = decide(GET, answer(429, {"Retry-After": "99999999"}), remaining=30.0)
    assert isinstance(decision, Fail)
    assert "longer than the call's remaining" in decision.error.message


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (Retry(0.5, "x"), Attempt(retries=1, waited=0.5)),
        (Reauthenticate(expired=False), Attempt(reauthenticated=True)),
        (Reauthenticate(expired=True), Attempt(expired_resends=1)),
        (Done(), Attempt()),
    ],
)
def test_an_attempt_records_what_was_done(decision: Any, expected: Attempt) -> None:
    assert Attempt().after(decision) == expected


def test_errors_keep_the_servers_message_and_status() -> None:
    body = b'{"message": "Insufficient funds."}'
    decision = decide(POST, answer(400, body=body))
    assert isinstance(decision, Fail) and isinstance(decision.error, BadRequestError)
    assert decision.error.message == "Insufficient funds." and decision.error.status == 400


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (answer(503), ServerError),
        (SENT, APIConnectionError),
        (answer(429, {"Retry-After": "1"}), Retry(1.0, "HTTP 429")),  # the rate budget waits
    ],
)
def test_a_spent_retry_budget_stops_retries(outcome: Any, expected: Any) -> None:
    decision = decide(GET, outcome, budget_allows_retry=False)
    if isinstance(expected, Retry):
        assert decision == expected
    else:
        assert isinstance(decision, Fail) and type(decision.error) is expected


def test_the_retry_budget_is_a_share_of_successes() -> None:
    budget = RetryBudget(capacity=10, ratio=0.5)
    spent = 0
    while budget.allows_retry:
        budget.spent()
        spent += 1
    assert spent == 5  # half the capacity, then retries stop
    budget.earned()
    budget.earned()
    assert budget.allows_retry  # two successes earn one retry back
    for _ in range(100):
        budget.earned()
    assert budget.tokens == 10


# -- what is sent, and what a 2xx or a 3xx means ---------------------------------------------


def test_a_json_body_is_declared_as_json_and_a_bodiless_call_declares_nothing() -> None:
    payout = core.prepare(
        POST, json={"merchant_reference": "order-1", "amount": Decimal("1.10")}, headers={}
    )
    assert payout.headers["Content-Type"] == "application/json"
    assert payout.body == b'{"merchant_reference":"order-1","amount":1.10}'
    assert payout.merchant_reference == "order-1"
    read = core.prepare(GET, headers={"Accept": "application/json"})
    assert read.body is None and "Content-Type" not in read.headers


@pytest.mark.parametrize("reference", [42, None, ["order-1"]])
def test_only_a_string_reference_is_taken_as_the_lookup_key(reference: object) -> None:
    assert (
        core.prepare(POST, json={"merchant_reference": reference}, headers={}).merchant_reference
        is None
    )


def test_query_parameters_drop_none_and_write_booleans_as_the_api_reads_them() -> None:
    prepared = core.prepare(
        GET, params={"skip": None, "active": True, "archived": False, "page": 2}, headers={}
    )
    assert prepared.target == f"{GET.path}?active=true&archived=false&page=2"
    hatch = core.prepare(GET, params={"page": 3}, headers={}, target="/wallet?currency=NGN")
    assert hatch.target == "/wallet?currency=NGN&page=3"


@pytest.mark.parametrize(
    "body", [b'{"transaction": "not an object"}', b"<html>gateway</html>", b'{"message": "ok"}']
)
def test_a_payouts_unreadable_2xx_warns_that_it_may_have_been_executed(body: bytes) -> None:
    with pytest.raises(MalformedResponseError) as info:
        core.decode(POST, answer(201, body=body), reference="order-42")
    error = info.value
    assert error.merchant_reference == "order-42" and error.status == 201
    assert "may have acted on the request" in error.message and "'order-42'" in error.message


def test_a_reads_unreadable_2xx_does_not_claim_that_anything_changed() -> None:
    with pytest.raises(MalformedResponseError) as info:
        core.decode(GET, answer(200, body=b'{"data": "not a list"}'))
    assert "may have acted" not in info.value.message
    assert info.value.merchant_reference is None


@pytest.mark.parametrize("status", [300, 301, 302, 303, 304, 307, 308, 100, 199])
@pytest.mark.parametrize("route", [GET, POST])
def test_a_redirect_or_an_informational_answer_is_no_success(route: Any, status: int) -> None:
    # Redirects are not followed; a 3xx decoded as the route's model would "succeed" with a
    # body from nowhere (or a payout's empty body as a malformed "success").
    decision = decide(route, answer(status, {"Location": "https://elsewhere.test/payout"}))
    assert isinstance(decision, Fail)
    assert type(decision.error) is APIStatusError and decision.error.status == status


# -- a reused merchant_reference, however the API words it -----------------------------------

TAKEN = "The merchant reference has already been taken."


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            422,
            {"message": TAKEN, "errors": {"merchant_reference": [TAKEN]}},
            DuplicateReferenceError,
        ),
        (400, {"message": TAKEN}, DuplicateReferenceError),
        # Laravel's summary message hides the field error: the field error decides
        (
            422,
            {"message": "The given data was invalid.", "errors": {"merchant_reference": [TAKEN]}},
            DuplicateReferenceError,
        ),
        (422, {"message": f"{TAKEN} (and 1 more error)"}, DuplicateReferenceError),
        # the same words on another field, or another answer, are no duplicate
        (
            422,
            {"message": "The given data was invalid.", "errors": {"note": [TAKEN]}},
            BadRequestError,
        ),
        (422, {"message": "The merchant reference must be a string."}, BadRequestError),
        (409, {"message": TAKEN}, ConflictError),
        (500, {"message": TAKEN}, ServerError),
        (422, TAKEN, BadRequestError),  # a text body is not the API's JSON error
    ],
)
def test_a_reused_reference_is_told_apart(status: int, body: Any, expected: type) -> None:
    error = error_for_status(status, body, route="payouts.create")
    assert type(error) is expected
    if expected is DuplicateReferenceError:
        assert error.field == "merchant_reference" and isinstance(error, BadRequestError)
