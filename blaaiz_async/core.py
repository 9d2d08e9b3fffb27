"""The engine's pure core: what to send, what an answer means, and what to do next.

No I/O here. ``prepare`` encodes a call; ``decode`` turns a 2xx answer into the route's
model; ``error_from`` maps any other answer to its typed error; ``decide`` says what
happens after an attempt: ``Done``, ``Retry`` after a delay, ``Reauthenticate`` (resend once
with a fresh credential), or ``Fail`` with an error. ``pipeline`` executes these decisions
over a transport; everything that matters for money is decided, and tested, here.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BlaaizError,
    MalformedResponseError,
    OutcomeUnknownError,
    error_for_status,
)
from .models.converter import dumps, explain, fast_converter, loads, typed_decoder
from .models.pagination import Page, PageLinks, PageMeta
from .retry import RetryPolicy, parse_retry_after
from .routes import Route
from .transport import HTTPResponse, TransportError

T = TypeVar("T")


# -- encoding ------------------------------------------------------------------------------


@attrs.frozen(slots=True)
class Prepared:
    """A call encoded once; every attempt sends the same bytes."""

    method: str
    target: str  # path and query, encoded
    body: bytes | None
    headers: Mapping[str, str]
    merchant_reference: str | None = None  # how a lost answer can be looked up


def prepare(
    route: Route[Any],
    *,
    path: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    headers: Mapping[str, str],
    target: str | None = None,
) -> Prepared:
    """Encode a call of ``route``; ``target`` overrides the route's own path (the escape
    hatch sends the path it was given, guarded by the route that serves it)."""
    url = target if target is not None else route.format_path(path)
    if params:
        query = encode_params(params)
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
    if json is None:
        return Prepared(route.method, url, None, headers)
    reference = json.get("merchant_reference") if isinstance(json, Mapping) else None
    return Prepared(
        route.method,
        url,
        dumps(json),
        {**headers, "Content-Type": "application/json"},
        reference if isinstance(reference, str) else None,
    )


def encode_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Drop ``None``; booleans as ``true``/``false``, like the API's own SDKs."""
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


# -- decoding ------------------------------------------------------------------------------


def decode(route: Route[T], response: HTTPResponse, *, reference: str | None = None) -> T:
    """A 2xx answer as the route's model (or a ``Page`` of them), or a precise
    ``MalformedResponseError``; for a call that may have changed state, the error says so."""
    raw = response.body
    if route.response is not None and route.normalize is None and len(raw) <= FAST_PATH_MAX:
        fast = typed_decoder(route.response, route.envelope, route.paginated)
        if fast is not None:
            if fast.resting:
                fast.resting -= 1
            else:
                try:
                    return fast(raw)  # type: ignore[no-any-return]
                except Exception:  # decoded again below: the same model, or why not
                    fast.resting = REST_AFTER_GIVING_UP
    try:
        body = _json_or_none(raw)
    except ValueError:
        raise _malformed(
            route, response.status, "a body that is not JSON", _text(response.body), reference
        ) from None
    try:
        return parse_response(route, body)
    except MalformedResponseError as exc:
        if route.idempotent:
            raise
        problem = exc
    raise _malformed(route, response.status, problem.message, problem.body, reference)


# Bodies up to this size try the one-pass decoder first; a larger one (a rare, huge page)
# goes the detailed way only, so a body that fails late is never decoded twice at length.
FAST_PATH_MAX = 256 * 1024
# After the one-pass decoder gave up on an answer, this many answers of that shape go the
# detailed way before it is tried again: one in 32 pays twice when every answer carries
# a key the model does not declare.
REST_AFTER_GIVING_UP = 31


def _json_or_none(raw: bytes) -> Any:
    return None if not raw or raw.isspace() else loads(raw)


def _text(raw: bytes) -> str:
    return raw[:2000].decode("utf-8", "replace")


def _malformed(
    route: Route[Any], status: int, problem: str, body: Any, reference: str | None
) -> MalformedResponseError:
    return _malformed_as(MalformedResponseError, route, status, problem, body, reference)


def _malformed_as(
    cls: type[MalformedResponseError],
    route: Route[Any],
    status: int,
    problem: str,
    body: Any,
    reference: str | None,
) -> MalformedResponseError:
    message = f"{route.name}: HTTP {status} with {problem}"
    if not route.idempotent:
        message += (
            "; the server may have acted on the request, so check its outcome before "
            "sending it again" + (f" (merchant_reference {reference!r})" if reference else "")
        )
    error = cls(message, status=status, body=body, route=route.name)
    error.merchant_reference = reference
    return error


def too_large(
    route: Route[Any], error: MalformedResponseError, *, reference: str | None = None
) -> MalformedResponseError:
    """An answer over ``max_response_bytes`` (not read) as ``route``'s error: for a call
    that may have changed state, it says so and names the ``merchant_reference``."""
    problem = error.message.removeprefix(f"HTTP {error.status} ")
    return _malformed_as(type(error), route, error.status, problem, None, reference)


def unwrap(route: Route[Any], body: Any) -> Any:
    """Follow the route's envelope to its payload."""
    payload = body
    for key in route.envelope:
        if not isinstance(payload, Mapping) or key not in payload:
            raise MalformedResponseError(
                f"{route.name}: response has no {'.'.join(route.envelope)!r}",
                status=200,
                body=body,
                route=route.name,
            )
        payload = payload[key]
    return payload


def parse_response(route: Route[T], body: Any) -> T:
    """A decoded 2xx body (``None`` when empty) as the route's model. The route's
    ``normalize`` first folds the endpoint's known variants into the declared shape."""
    if route.normalize is not None:
        body = route.normalize(body)
    if route.response is None:
        return body  # type: ignore[no-any-return]
    payload = unwrap(route, body)
    try:
        return _structure(route, body, payload)  # type: ignore[no-any-return]
    except Exception:  # raised below, outside this block: no chain to raw values
        problem = _explain(route, body, payload)
    raise MalformedResponseError(
        f"{route.name}: response does not match {_type_name(route.response)}: {problem}",
        status=200,
        body=body,
        route=route.name,
    )


def _structure(route: Route[Any], body: Any, payload: Any) -> Any:
    if not route.paginated:
        return fast_converter.structure(payload, route.response)
    if not isinstance(payload, list):
        raise ValueError("paginated payload is not a list")
    meta = body.get("meta") if isinstance(body, Mapping) else None
    links = body.get("links") if isinstance(body, Mapping) else None
    return Page(
        items=fast_converter.structure(payload, route.response),
        meta=fast_converter.structure(meta, PageMeta) if isinstance(meta, Mapping) else None,
        links=fast_converter.structure(links, PageLinks) if isinstance(links, Mapping) else None,
    )


def _explain(route: Route[Any], body: Any, payload: Any) -> str:
    """Where the body went wrong, at a cost bounded by its size (see ``explain``)."""
    problem = explain(payload, route.response)
    if problem or not route.paginated or not isinstance(body, Mapping):
        return problem
    for key, model in (("meta", PageMeta), ("links", PageLinks)):
        part = body.get(key)
        if isinstance(part, Mapping) and (problem := explain(part, model, key)):
            return problem
    return "unreadable page"


def _type_name(t: Any) -> str:
    return getattr(t, "__name__", None) or str(t)


# -- errors --------------------------------------------------------------------------------


def error_from(
    route: Route[Any], response: HTTPResponse, *, note: str | None = None
) -> APIStatusError:
    """The typed error of a non-2xx answer; ``note`` adds what the SDK knows (the likely
    causes of a 401, why a 429 was not waited out)."""
    try:
        body = _json_or_none(response.body)
    except ValueError:
        body = _text(response.body)
    retry_after = parse_retry_after(response.headers) if response.status == 429 else None
    return error_for_status(
        response.status,
        body,
        route=route.name,
        headers=response.headers,
        retry_after=retry_after,
        note=note,
    )


def connection_error(
    route: Route[Any], failure: TransportError, *, reference: str | None = None
) -> APIConnectionError:
    """No answer. A state-changing call that may have arrived is an unknown outcome."""
    if failure.sent and not route.idempotent:
        return OutcomeUnknownError(
            f"{route.name}: {failure}: the request may have reached the server and was NOT "
            "sent again; look it up before retrying"
            + (
                f" (client.transactions.get({reference!r}))"
                if reference
                else " (it carried no merchant_reference)"
            ),
            route=route.name,
            merchant_reference=reference,
        )
    cls = APITimeoutError if failure.timeout else APIConnectionError
    detail = "no response" if failure.sent else "nothing was sent"
    return cls(f"{route.name}: {failure}: {detail}", route=route.name)


# -- the server's rate limit ---------------------------------------------------------------

# A pause longer than this is not believed: a hostile or broken header must not stop a fleet.
MAX_SERVER_PAUSE = 120.0


def server_pause(response: HTTPResponse, now: float) -> float | None:
    """Until when (epoch seconds) the server asks every caller of the account to hold off:
    a 429's ``Retry-After``, or ``X-RateLimit-Remaining: 0`` until ``X-RateLimit-Reset``."""
    headers = response.headers
    until: float | None = None
    if response.status == 429:
        wait = parse_retry_after(headers, now)
        until = now + (wait if wait is not None else 1.0)
    elif headers.get("X-RateLimit-Remaining", "").strip() == "0":
        wait = parse_retry_after({"X-RateLimit-Reset": headers.get("X-RateLimit-Reset", "")}, now)
        until = now + wait if wait else None
    return min(until, now + MAX_SERVER_PAUSE) if until is not None else None


def server_limit(response: HTTPResponse) -> int | None:
    """The account's limit as the server counts it (``X-RateLimit-Limit``), if it says."""
    text = response.headers.get("X-RateLimit-Limit", "").strip()
    return int(text) if text.isdigit() and 0 < len(text) <= 9 and int(text) > 0 else None


# -- what next -----------------------------------------------------------------------------


@attrs.frozen(slots=True)
class Attempt:
    """What a call has done so far: the input of ``decide`` besides the outcome."""

    retries: int = 0
    reauthenticated: bool = False  # resent once after the API rejected the credential
    expired_resends: int = 0  # resent because the credential expired in flight
    waited: float = 0.0

    def after(self, decision: Decision) -> Attempt:
        if isinstance(decision, Retry):
            return attrs.evolve(self, retries=self.retries + 1, waited=self.waited + decision.delay)
        if isinstance(decision, Reauthenticate):
            if decision.expired:
                return attrs.evolve(self, expired_resends=self.expired_resends + 1)
            return attrs.evolve(self, reauthenticated=True)
        return self


@attrs.frozen(slots=True)
class Done:
    """A 2xx answer: decode it."""


DONE = Done()
FIRST = Attempt()  # frozen: every call starts from the same one


@attrs.frozen(slots=True)
class Retry:
    delay: float
    reason: str


@attrs.frozen(slots=True)
class Reauthenticate:
    """Resend with a fresh credential. ``expired``: the credential ran out in flight (not a
    rejection: keep no record of it as rejected, and do not spend the one resend)."""

    expired: bool


@attrs.frozen(slots=True)
class Fail:
    error: BlaaizError


Decision = Done | Retry | Reauthenticate | Fail

# A credential that expires in flight is resent at most this often per call.
MAX_EXPIRED_RESENDS = 2


def decide(
    route: Route[Any],
    attempt: Attempt,
    outcome: HTTPResponse | TransportError,
    *,
    policy: RetryPolicy,
    remaining: float | None = None,
    can_reauthenticate: bool = False,
    credential_expired: bool = False,
    hint: str | None = None,
    reference: str | None = None,
    budget_allows_retry: bool = True,
) -> Decision:
    """What happens after one attempt.

    - 2xx: done.
    - 401 with a credential that can be renewed: resend once with a fresh one (a credential
      that had expired in flight is renewed without spending that one resend).
    - 429: the server did nothing, so any route is resent after its ``Retry-After``.
    - 5xx/408, or no answer: resent only when the route is idempotent or nothing was sent;
      a request that may have reached the server is never sent twice.
    - A wait longer than the call's ``remaining`` time is not taken: the call fails now.
    - With the process's retry budget spent, nothing is retried but a 429, whose wait the
      rate budget enforces anyway.
    """
    if isinstance(outcome, TransportError):
        if budget_allows_retry and policy.should_retry(
            attempt=attempt.retries + 1,
            idempotent=route.idempotent,
            status=None,
            connected=outcome.sent,
        ):
            delay = policy.delay(attempt.retries + 1)
            if remaining is None or delay < remaining:
                return Retry(delay, outcome.cause)
        return Fail(connection_error(route, outcome, reference=reference))
    status = outcome.status
    if 200 <= status < 300:
        return DONE
    if status == 401 and can_reauthenticate:
        if credential_expired and attempt.expired_resends < MAX_EXPIRED_RESENDS:
            return Reauthenticate(expired=True)
        if not attempt.reauthenticated:
            return Reauthenticate(expired=False)
    note = hint if status == 401 else None
    # A 429 is waited out however often it comes (the server did nothing), within the
    # call's time; other statuses spend the retries and the budget.
    tries = 1 if status == 429 else attempt.retries + 1
    if (budget_allows_retry or status == 429) and policy.should_retry(
        attempt=tries, idempotent=route.idempotent, status=status, connected=True
    ):
        server_wait = parse_retry_after(outcome.headers) if status in (429, 503) else None
        delay = policy.delay(tries, server_wait)
        if remaining is None or delay < remaining:
            return Retry(delay, f"HTTP {status}")
        note = (
            f"the server asks to wait {delay:.1f}s, longer than the call's remaining "
            f"{max(remaining, 0.0):.1f}s; allow more with with_options(timeout=...)"
        )
    return Fail(error_from(route, outcome, note=note))


__all__ = [
    "Attempt",
    "Decision",
    "Done",
    "Fail",
    "Prepared",
    "Reauthenticate",
    "Retry",
    "connection_error",
    "decide",
    "decode",
    "encode_params",
    "error_from",
    "parse_response",
    "prepare",
    "server_limit",
    "server_pause",
    "too_large",
    "unwrap",
]
