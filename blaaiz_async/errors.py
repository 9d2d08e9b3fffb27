"""Every error the SDK raises, rooted at ``BlaaizError``.

::

    BlaaizError
    ├── APIConnectionError          no usable response (DNS, refused, reset, timeout)
    │   ├── APITimeoutError
    │   └── OutcomeUnknownError     a payout-like call may have arrived: look it up, never resend
    ├── TokenError                  /oauth/token failed or answered something unusable
    ├── TokenStoreError             a token store refused its storage (e.g. unsafe file modes)
    ├── ValidationError             a request the API would refuse, caught before sending
    │   ├── InvalidArgumentError    an argument the SDK cannot send (also a ValueError)
    │   └── ArgumentTypeError       an argument of the wrong type (also a TypeError)
    ├── WebhookVerificationError    bad or stale x-blaaiz-signature
    ├── UploadError                 a presigned upload failed at presign, upload or attach
    ├── MalformedResponseError      a 2xx body that is not what the route declares
    └── APIStatusError              the API answered with a non-2xx status
        ├── BadRequestError         400 / 422 (also a ValidationError)
        │   └── DuplicateReferenceError   the merchant_reference exists already
        ├── AuthenticationError     401, after one resend with a fresh token
        ├── PermissionDeniedError   403: scope, API access, IP policy, or unknown
        │   └── InsufficientScopeError   raised locally, before any network I/O
        ├── NotFoundError           404
        ├── ConflictError           409 / 410
        ├── RateLimitError          429
        └── ServerError             5xx

One warning lives here too: ``InsecureTransportWarning`` (a ``UserWarning``), for a
``base_url`` that sends credentials over plain HTTP to another host.

Errors never carry a secret: messages and bodies come from the server or from the SDK,
never from credentials, and the token value is not part of any error.
"""

from __future__ import annotations

import enum
import json
import urllib.parse
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from .scopes import Scope, format_scopes


class BlaaizError(Exception):
    """Root of everything this SDK raises."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def scrub(self, secrets: Iterable[str]) -> None:
        """Mask every known secret in every text this error took from a response.

        A server may echo what it was sent (``client_secret=...`` in an error description,
        the bearer token in a message); masking JSON keys with secret-looking names is not
        enough, so each value the SDK sent as a credential is searched for by value.
        """
        forms = secret_forms(secrets)
        if not forms:
            return
        self.message = _scrub_text(self.message, forms)
        self.args = tuple(_scrub_value(a, forms) for a in self.args)
        for name, value in list(vars(self).items()):
            if name != "message":
                setattr(self, name, _scrub_value(value, forms))

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not survive pickle's default (cls, args): rebuild from
        # the attributes, so errors cross process pools and Celery result backends.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[BlaaizError], args: tuple[Any, ...], state: dict[str, Any]) -> BlaaizError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class APIConnectionError(BlaaizError):
    """The request may or may not have reached the server; no response was read."""

    retryable = True

    def __init__(self, message: str, *, route: str | None = None) -> None:
        super().__init__(message)
        self.route = route


class APITimeoutError(APIConnectionError):
    pass


class OutcomeUnknownError(APIConnectionError):
    """A state-changing request may have reached the server, and no answer came back.

    It was NOT sent again, and it must not be resent blindly: look it up first, by
    ``merchant_reference`` (``client.transactions.get(err.merchant_reference)``), or use
    ``payouts.ensure`` which does that for you. Hence ``retryable`` is False.
    """

    retryable = False

    def __init__(
        self, message: str, *, route: str | None = None, merchant_reference: str | None = None
    ) -> None:
        super().__init__(message, route=route)
        self.merchant_reference = merchant_reference


class TokenError(BlaaizError):
    """The token endpoint failed, refused the credentials, or answered malformed data."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error: str | None = None,
        error_description: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.error_description = error_description
        self.retryable = status is None or status >= 500 or status == 429


class TokenStoreError(BlaaizError):
    """A token store refused to use its storage, because others could plant or change a
    token there (a symlinked or group-writable token file, say). The provider treats it
    like an unreachable store, a per-process token, and logs this message, which names
    the problem and its fix and never holds a secret."""


class ValidationError(BlaaizError):
    """The request breaks a documented rule; ``field`` names the offending input."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownFieldError(ValidationError, TypeError):
    """A keyword the request does not declare (a typo, most likely)."""


class VerificationReason(enum.StrEnum):
    """Why a webhook delivery was refused; the values are stable, safe to log and return."""

    MISSING_SIGNATURE = "missing_signature"
    MISSING_TIMESTAMP = "missing_timestamp"
    INVALID_TIMESTAMP = "invalid_timestamp"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"
    SIGNATURE_MISMATCH = "signature_mismatch"
    INVALID_JSON = "invalid_json"


class InvalidArgumentError(ValidationError, ValueError):
    """An argument no request can carry (an unknown HTTP method, a non-finite amount).
    Also a ``ValueError``, which is what such misuse raised before."""


class ArgumentTypeError(ValidationError, TypeError):
    """An argument of the wrong type (a path that is not a string, a body value JSON
    cannot hold). Also a ``TypeError``, which is what such misuse raised before."""


class InsecureTransportWarning(UserWarning):
    """Plain ``http://`` to a host that is not this machine: the client secret and every
    token cross the network in clear."""


class WebhookVerificationError(BlaaizError):
    """A delivery that must not be trusted; ``reason`` says why. The message never holds
    the secret, the signature or the body."""

    def __init__(self, message: str, *, reason: VerificationReason | str) -> None:
        super().__init__(message)
        self.reason = VerificationReason(reason)

    def __repr__(self) -> str:
        return f"WebhookVerificationError(reason={self.reason.value!r}, message={self.message!r})"


class MalformedResponseError(BlaaizError):
    """A 2xx answer that cannot be read as the route's model.

    ``body`` keeps what arrived (decoded JSON or raw text, masked, and cut short past
    ``MAX_KEPT_VALUES`` values); for a state-changing call the server did act on it, so
    do not resend blindly.
    """

    def __init__(self, message: str, *, status: int, body: Any, route: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.body = redact(body)
        self.route = route
        self.merchant_reference: str | None = None


class UploadError(BlaaizError):
    """One step of a presigned upload failed; ``step`` says which."""

    def __init__(
        self,
        message: str,
        *,
        step: str,
        file_id: str | None = None,
        status: int | None = None,
        cause: BlaaizError | None = None,
    ) -> None:
        super().__init__(f"upload failed at {step}: {message}")
        self.step: str = step
        self.file_id = file_id
        self.status = status
        self.cause = cause
        if cause is not None:
            self.retryable = cause.retryable
        else:
            self.retryable = status is not None and (status >= 500 or status == 429)

    def __repr__(self) -> str:
        return (
            f"UploadError(step={self.step!r}, status={self.status!r}, "
            f"file_id={self.file_id!r}, message={self.message!r})"
        )


class APIStatusError(BlaaizError):
    """A non-2xx answer. ``body`` is the parsed JSON (or raw text), ``route`` the endpoint."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any = None,
        route: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = redact(body)
        self.route = route
        self.headers: Mapping[str, str] = dict(headers or {})

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status}, message={self.message!r}, route={self.route!r})"


class BadRequestError(APIStatusError, ValidationError):
    """400/422. ``errors`` holds Laravel-style field errors when the body has them."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        APIStatusError.__init__(self, message, **kwargs)
        body = kwargs.get("body")
        errs = body.get("errors") if isinstance(body, dict) else None
        self.errors: Mapping[str, Any] = errs if isinstance(errs, dict) else {}
        self.field = next(iter(self.errors), None)


# What the API answers when a merchant_reference is reused (it is unique per business).
DUPLICATE_REFERENCE = "The merchant reference has already been taken."


class DuplicateReferenceError(BadRequestError):
    """The ``merchant_reference`` was already used: that payment exists, nothing was sent
    again. ``payouts.ensure`` turns this into the existing transaction."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field = "merchant_reference"


def _is_duplicate_reference(body: Any) -> bool:
    if not isinstance(body, Mapping):
        return False
    errors = body.get("errors")
    field_errors = errors.get("merchant_reference") if isinstance(errors, Mapping) else None
    texts = [body.get("message"), *(field_errors if isinstance(field_errors, list) else [])]
    return any(
        isinstance(t, str) and "merchant reference has already been taken" in t.lower()
        for t in texts
    )


class AuthenticationError(APIStatusError):
    pass


class DenialReason(enum.StrEnum):
    """Why a 403 happened, as far as the body tells."""

    INSUFFICIENT_SCOPE = "insufficient_scope"
    NO_API_ACCESS = "no_api_access"
    IP_POLICY = "ip_policy"
    UNKNOWN = "unknown"


class PermissionDeniedError(APIStatusError):
    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reason = classify_denial(message)


class InsufficientScopeError(PermissionDeniedError):
    """The token lacks scopes the route needs; raised before any network I/O."""

    def __init__(
        self, *, required: frozenset[Scope], granted: frozenset[Scope], route: str | None = None
    ) -> None:
        self.required = required
        self.granted = granted
        self.missing = required - granted
        message = (
            f"{route or 'this call'} needs scope(s) {format_scopes(self.missing)} that the "
            f"token was not granted; ask for them in BlaaizClient(scopes=...) and make sure the "
            f"credential holds them (granted: {format_scopes(granted) or 'none'})"
        )
        super().__init__(message, status=403, body=None, route=route)
        self.reason = DenialReason.INSUFFICIENT_SCOPE


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    retryable = True


# Keys whose values are credentials wherever they appear in a body an error keeps: the
# OAuth token, Signa's hosted access token and release request token, card data.
SECRET_KEYS = frozenset(
    {"access_token", "refresh_token", "client_secret", "api_key", "secret", "webhook_secret"}
    | {"request_token", "password", "card_number", "cvc", "security_answer"}
)
REDACTED = "***"
# What an error keeps in place of JSON nested deeper than any answer of the API: a body
# that deep is an attack or a bug, and walking it (to mask, pickle or print it) would
# exhaust the recursion limit.
MAX_KEPT_DEPTH = 64
TOO_DEEP = "<nested too deeply; not kept>"


# What an error keeps of a huge body: this many values in all, then each list or object is
# cut short with a note of what was left out. Walking, masking and copying 200,000 items
# took seconds of the event loop; no answer of the API that an error needs is that large.
MAX_KEPT_VALUES = 1_000
NOT_KEPT_KEY = "<not kept>"


def redact(body: Any, _depth: int = 0) -> Any:
    """``body`` with the values of ``SECRET_KEYS`` masked, at any depth; errors keep this.

    Levels below ``MAX_KEPT_DEPTH`` are replaced by ``TOO_DEEP``, and past
    ``MAX_KEPT_VALUES`` values lists and objects are cut short (a last string item, or a
    ``NOT_KEPT_KEY`` key, says how many were left out), so what an error keeps can always
    be masked, pickled and printed, at a bounded cost.
    """
    return _redact(body, _depth, [MAX_KEPT_VALUES])


def _redact(body: Any, depth: int, budget: list[int]) -> Any:
    kind = type(body)
    if kind in _PLAIN:
        return body
    mapping = kind is dict or (kind is not list and isinstance(body, Mapping))
    if not mapping and not isinstance(body, list):
        return body
    if depth >= MAX_KEPT_DEPTH:
        return TOO_DEEP
    size = len(body)
    if mapping:
        out: dict[Any, Any] = {}
        for k, v in body.items():
            if budget[0] <= 0:
                out[NOT_KEPT_KEY] = f"{size - len(out)} more keys not kept"
                break
            budget[0] -= 1
            if k in SECRET_KEYS and v is not None:
                out[k] = REDACTED
            else:
                out[k] = v if type(v) in _PLAIN else _redact(v, depth + 1, budget)
        return out
    items: list[Any] = []
    for v in body:
        if budget[0] <= 0:
            items.append(f"<{size - len(items)} more items not kept>")
            break
        budget[0] -= 1
        items.append(v if type(v) in _PLAIN else _redact(v, depth + 1, budget))
    return items


# Values that hold nothing to walk into or to mask by key (strings are scrubbed by value).
_PLAIN = frozenset({str, int, float, bool, type(None), Decimal})


def _kept_text(body: Any) -> Any:
    """A text body that is JSON too deeply nested to decode is kept as ``TOO_DEEP``:
    the text is nothing but brackets, and its first 500 would only make a useless message."""
    if isinstance(body, str) and body.lstrip()[:1] in ("[", "{"):
        from .models.converter import JSONNestingError, loads  # converter imports this module

        try:
            loads(body)
        except JSONNestingError:
            return TOO_DEEP
        except ValueError:
            pass
    return body


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Each secret as it may come back: verbatim, percent-encoded (a form body echoed),
    JSON-escaped with or without ASCII escapes. Longest first, so a form is masked whole
    before any part of it."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret or len(secret) < 4:  # too short to search for without masking noise
            continue
        forms.update(
            {
                secret,
                urllib.parse.quote(secret, safe=""),
                urllib.parse.quote_plus(secret, safe=""),
                json.dumps(secret)[1:-1],
                json.dumps(secret, ensure_ascii=False)[1:-1],
            }
        )
    return tuple(sorted(forms, key=len, reverse=True))


def _scrub_text(text: str, forms: tuple[str, ...]) -> str:
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def _scrub_value(value: Any, forms: tuple[str, ...]) -> Any:
    kind = type(value)
    if kind is str or isinstance(value, str):
        return _scrub_text(value, forms)
    if kind in _PLAIN:
        return value
    if isinstance(value, Mapping):
        return {_scrub_value(k, forms): _scrub_value(v, forms) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub_value(v, forms) for v in value)
    return value


def classify_denial(message: str) -> DenialReason:
    text = message.lower()
    if "scope" in text:
        return DenialReason.INSUFFICIENT_SCOPE
    if "ip" in text.split() or "whitelist" in text or "ip address" in text or "allowlist" in text:
        return DenialReason.IP_POLICY
    if "api access" in text or "api services" in text or "disabled" in text or "inactive" in text:
        return DenialReason.NO_API_ACCESS
    return DenialReason.UNKNOWN


def _message_from(body: Any, status: int) -> str:
    if body is TOO_DEEP:
        return f"HTTP {status} with a JSON body nested too deeply to read"
    if isinstance(body, dict):
        for key in ("message", "error_description", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return f"HTTP {status} with no error message"


def error_for_status(
    status: int,
    body: Any,
    *,
    route: str | None = None,
    headers: Mapping[str, str] | None = None,
    retry_after: float | None = None,
    note: str | None = None,
) -> APIStatusError:
    """Map a non-2xx response to its typed error; pure, so it is tested without sockets.
    ``note`` is what the SDK adds to the server's message (likely causes, a refused wait)."""
    body = _kept_text(body)
    message = _message_from(body, status)
    if note:
        message = f"{message} ({note})"
    kwargs: dict[str, Any] = {"status": status, "body": body, "route": route, "headers": headers}
    if status in (400, 422):
        if _is_duplicate_reference(body):
            return DuplicateReferenceError(message, **kwargs)
        return BadRequestError(message, **kwargs)
    if status == 401:
        return AuthenticationError(message, **kwargs)
    if status == 403:
        return PermissionDeniedError(message, **kwargs)
    if status == 404:
        return NotFoundError(message, **kwargs)
    if status in (409, 410):
        return ConflictError(message, **kwargs)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after, **kwargs)
    if status >= 500:
        return ServerError(message, **kwargs)
    return APIStatusError(message, **kwargs)


__all__ = [
    "DUPLICATE_REFERENCE",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ArgumentTypeError",
    "AuthenticationError",
    "BadRequestError",
    "BlaaizError",
    "ConflictError",
    "DenialReason",
    "DuplicateReferenceError",
    "InsecureTransportWarning",
    "InsufficientScopeError",
    "InvalidArgumentError",
    "MalformedResponseError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TokenError",
    "TokenStoreError",
    "UnknownFieldError",
    "UploadError",
    "ValidationError",
    "VerificationReason",
    "WebhookVerificationError",
    "error_for_status",
    "secret_forms",
]
