"""What every request rule shares: the patterns, the messages and the body builder.

A request body is declared once, as a ``TypedDict`` in ``blaaiz_async.models``; the
method's signature reads it (``**fields: Unpack[...]``) and ``request_body()`` builds the JSON
body from the same declaration: unknown keywords refused, required ones checked, amounts
made exact, unset fields dropped, ``extra_body`` merged last. The checks below are pure
functions of a body; each raises ``ValidationError`` naming the field, with a message
that says what to send instead.
"""

from __future__ import annotations

import difflib
import enum
import functools
import re
import secrets
import types
import urllib.parse
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints

from ..errors import ArgumentTypeError, UnknownFieldError, ValidationError
from ..models.base import Amount, Model
from ..models.converter import converter

# -- shared patterns ---------------------------------------------------------------------------

ISO2 = re.compile(r"[A-Za-z]{2}")  # a country, e.g. NG
ALPHA3 = re.compile(r"[A-Z]{3}")  # a country as ISO 3166 alpha-3, e.g. NGA
CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")  # e.g. NGN
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_REFERENCE = 255  # merchant_reference, on payouts and collections


# -- single checks -----------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def require(body: Mapping[str, Any], *fields: str, context: str) -> None:
    for field in fields:
        if is_blank(body.get(field)):
            raise ValidationError(f"{context}: {field} is required", field=field)


def require_any(body: Mapping[str, Any], *, context: str, what: str = "nothing to change") -> None:
    """An update or attach must carry something."""
    if not body:
        raise ValidationError(f"{context}: {what}", field=None)


def exactly_one(body: Mapping[str, Any], a: str, b: str, *, context: str) -> None:
    has_a, has_b = body.get(a) is not None, body.get(b) is not None
    if has_a == has_b:
        raise ValidationError(f"{context}: give exactly one of {a} or {b}", field=a)


def positive(body: Mapping[str, Any], *fields: str, context: str, minimum: float = 0) -> None:
    for field in fields:
        value = body.get(field)
        if value is None:
            continue
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(f"{context}: {field} must be a number", field=field) from None
        if not number.is_finite() or number <= Decimal(str(minimum)):
            raise ValidationError(f"{context}: {field} must be more than {minimum}", field=field)


def whole_number(
    body: Mapping[str, Any], field: str, low: int, high: int | None, *, context: str
) -> None:
    """``field``, when set, an ``int`` (not a bool) from ``low`` to ``high`` (no upper bound
    when ``None``)."""
    value = body.get(field)
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise ValidationError(f"{context}: {field} must be a whole number {bounds}", field=field)


def check_max_length(body: Mapping[str, Any], limits: Mapping[str, int], *, context: str) -> None:
    for field, limit in limits.items():
        value = body.get(field)
        if value is not None and len(str(value)) > limit:
            raise ValidationError(f"{context}: {field} is over {limit} characters", field=field)


def check_choice(
    body: Mapping[str, Any], field: str, allowed: Sequence[str], *, context: str
) -> None:
    value = body.get(field)
    if value is not None and value not in allowed:
        raise ValidationError(
            f"{context}: {field} must be one of {', '.join(allowed)} (got {value!r})",
            field=field,
        )


def check_email(body: Mapping[str, Any], *fields: str, context: str) -> None:
    for field in fields:
        value = body.get(field)
        if value is not None and not EMAIL.fullmatch(str(value)):
            raise ValidationError(f"{context}: {field} is not an email address", field=field)


def check_country(body: Mapping[str, Any], *fields: str, context: str) -> None:
    """ISO-2 country codes."""
    for field in fields:
        value = body.get(field)
        if value is not None and not ISO2.fullmatch(str(value)):
            raise ValidationError(
                f"{context}: {field} must be an ISO-2 code like NG (got {value!r})", field=field
            )


def check_alpha3(body: Mapping[str, Any], field: str, *, context: str, name: str = "") -> None:
    """An ISO 3166 alpha-3 country code; ``name`` is the field as the caller wrote it
    (``applicant.country``) when it sits in a nested object."""
    value = body.get(field)
    if value is not None and not ALPHA3.fullmatch(str(value)):
        shown = name or field
        raise ValidationError(
            f"{context}: {shown} must be an ISO 3166 alpha-3 code such as NGA (got {value!r})",
            field=shown,
        )


def check_dates(body: Mapping[str, Any], *fields: str, context: str) -> None:
    for field in fields:
        value = body.get(field)
        if value is None:
            continue
        try:
            ok = bool(DATE.fullmatch(str(value))) and date.fromisoformat(str(value)) is not None
        except ValueError:
            ok = False
        if not ok:
            raise ValidationError(f"{context}: {field} must be a date YYYY-MM-DD", field=field)


def check_phone(body: Mapping[str, Any], field: str, *, context: str) -> None:
    value = body.get(field)
    if value is not None and not str(value).startswith("+"):
        raise ValidationError(
            f"{context}: {field} must be international, starting with +", field=field
        )


def on_this_machine(url: str, *, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    """A URL of one of ``schemes`` whose host is this machine's loopback."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in schemes and host is not None and host in LOOPBACK_HOSTS


def is_loopback_http(url: str) -> bool:
    """A plain-http URL on this machine: a local app receiving the sandbox's webhooks."""
    return on_this_machine(url, schemes=("http",))


def check_https(
    body: Mapping[str, Any], *fields: str, context: str, allow_loopback: bool = False
) -> None:
    """Each of ``fields`` that is set must be an absolute https URL (or, with
    ``allow_loopback``, a plain-http loopback one, which only a local sandbox accepts)."""
    for field in fields:
        value = body.get(field)
        if value is None:
            continue
        if allow_loopback and is_loopback_http(str(value)):
            continue
        parts = urllib.parse.urlsplit(str(value))
        if parts.scheme != "https" or not parts.netloc:
            raise ValidationError(f"{context}: {field} must be an https URL", field=field)


def check_absolute_url(body: Mapping[str, Any], field: str, *, context: str) -> None:
    value = body.get(field)
    if value is None:
        return
    parts = urllib.parse.urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(f"{context}: {field} must be an absolute URL", field=field)


def check_path_values(name: str, params: Sequence[str], values: Mapping[str, Any]) -> None:
    """The path parameters of the route ``name``: each given, not blank (an empty one
    would address another endpoint) and not ``.``/``..`` (a client collapses them)."""
    missing = [p for p in params if is_blank(values.get(p))]
    if missing:
        raise ValidationError(
            f"{name}: {', '.join(missing)} is required (a path parameter cannot be empty)",
            field=missing[0],
        )
    dots = [p for p in params if str(values[p]).strip() in (".", "..")]
    if dots:
        raise ValidationError(f"{name}: {dots[0]} cannot be . or ..", field=dots[0])


# -- amounts and references --------------------------------------------------------------------


def to_amount(value: Amount, field: str, *, context: str) -> Decimal:
    """An amount as an exact, finite ``Decimal``; a float is refused, since ``0.1`` is
    not the number it shows and money must not be rounded by accident."""
    if isinstance(value, float):
        raise ValidationError(
            f"{context}: {field} is a float ({value!r}); pass a Decimal, an int or a string "
            f"such as {str(value)!r}, which are exact",
            field=field,
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError(f"{context}: {field} must be a number", field=field)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(f"{context}: {field} must be a number", field=field) from None
    if not number.is_finite():
        raise ValidationError(f"{context}: {field} must be a finite number", field=field)
    return number


def merchant_reference(given: str | None, *, context: str = "payout") -> str:
    """The caller's reference, or a new one: every payment can be looked up afterwards.

    A reference that cannot be looked up as given is refused before anything is sent: an
    empty one, one with surrounding whitespace (a server that trims it stores another), or
    ``.``/``..`` (as a path segment it addresses another endpoint)."""
    if given is None:
        return f"blaaiz-{secrets.token_hex(12)}"
    if not isinstance(given, str) or not given.strip() or given != given.strip():
        raise ValidationError(
            f"{context}: merchant_reference must be a non-empty string without surrounding "
            "whitespace, so the payment can be looked up by it",
            field="merchant_reference",
        )
    if given in (".", ".."):
        raise ValidationError(
            f"{context}: merchant_reference cannot be . or .. (it could not be looked up)",
            field="merchant_reference",
        )
    return given


# -- the body builder --------------------------------------------------------------------------


def compact(**fields: Any) -> dict[str, Any]:
    """Query parameters (or a body) without unset (None) fields."""
    return {k: v for k, v in fields.items() if v is not None}


def wire(value: Any) -> Any:
    """A request value as JSON-ready data: models unstructured (with their ``extra``),
    ``None`` fields dropped at every level."""
    if isinstance(value, Model):
        data = converter.unstructure(value)
        data.update(value.extra)
        return wire(data)
    if isinstance(value, Mapping):
        return {k: wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    return value


EXTRA_BODY = "extra_body"


class Schema:
    """What ``request_body()`` reads from a request ``TypedDict``: its field names, the required
    ones, the amounts (fields typed ``Amount``) and the closed sets (fields
    typed as a ``Literal`` or a ``StrEnum``, with the values they allow)."""

    def __init__(self, declared: type) -> None:
        hints = get_type_hints(declared)
        # ``__required_keys__`` misses a ``Required[...]`` written as a string (postponed
        # annotations), so the markers are read from the hints themselves.
        marked = get_type_hints(declared, include_extras=True)
        self.name = declared.__name__
        self.fields = frozenset(hints) - {EXTRA_BODY}
        self.required = frozenset(
            n
            for n, t in marked.items()
            if get_origin(t) is Required
            or (
                n in getattr(declared, "__required_keys__", ()) and get_origin(t) is not NotRequired
            )
        )
        self.amounts = frozenset(n for n, t in hints.items() if _is_amount(t))
        self.choices = {n: c for n, t in hints.items() if (c := choices(t))}


def _is_amount(hint: Any) -> bool:
    """An exact amount: a type that admits ``Decimal`` and not ``float`` (``Amount``)."""
    members = _members(hint)
    return Decimal in members and float not in members


def _members(hint: Any) -> tuple[Any, ...]:
    if get_origin(hint) in (Union, types.UnionType):
        return tuple(m for arg in get_args(hint) for m in _members(arg))
    return (hint,)


def choices(hint: Any) -> tuple[str, ...]:
    """The values a closed type allows (a ``Literal``, a ``StrEnum``, or a union of them
    with ``None``); ``()`` for an open one such as ``str``."""
    values: list[str] = []
    for member in _members(hint):
        if member is type(None):
            continue
        if get_origin(member) is Literal:
            values.extend(str(v) for v in get_args(member))
        elif isinstance(member, type) and issubclass(member, enum.StrEnum):
            values.extend(m.value for m in member)
        else:
            return ()
    return tuple(dict.fromkeys(values))


@functools.cache
def schema(declared: type) -> Schema:
    return Schema(declared)


def request_body(
    declared: type,
    fields: Mapping[str, Any],
    *,
    context: str,
    request: Mapping[str, Any] | None = None,
    nulls: bool = False,
) -> dict[str, Any]:
    """The JSON body of a request declared by the ``TypedDict`` ``declared``.

    ``fields`` are the method's keywords; ``request`` the same fields as one mapping
    (an instance of ``declared``), never both. A keyword the declaration does not name is
    refused (``UnknownFieldError``, with the closest name), a required one that is unset
    or blank too; ``None`` is the same as leaving a field out; amounts become exact
    ``Decimal`` (a float is refused). ``extra_body`` carries fields this release does not
    know, sent as given after the checks, and may not replace a declared field. With
    ``nulls``, a field given as ``None`` is sent as JSON ``null`` (an update that clears
    it) and only a field left out is left out."""
    spec = schema(declared)
    if request is not None and not isinstance(request, Mapping):
        raise ArgumentTypeError(
            f"{context}: the request must be a {spec.name} (a dict of its fields), not "
            f"{type(request).__name__}",
            field=None,
        )
    # Names first, None-valued ones too: a misspelt field given as None (meant to clear it)
    # would otherwise vanish with the other Nones, unnoticed.
    for name in (*fields, *(request or ())):
        if name != EXTRA_BODY and name not in spec.fields:
            close = difflib.get_close_matches(name, spec.fields, n=1)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else f"; put API fields this release does not know in {EXTRA_BODY}"
            )
            raise UnknownFieldError(f"{context}: unknown field {name!r}{hint}", field=name)
    given = {k: v for k, v in fields.items() if nulls or v is not None}
    if request is not None:
        if given:
            raise ValidationError(
                f"{context}: pass either a {spec.name} or keyword arguments, not both "
                f"(got {', '.join(sorted(given))})",
                field=sorted(given)[0],
            )
        given = {k: v for k, v in request.items() if nulls or v is not None}
    extra = given.pop(EXTRA_BODY, None)
    if extra is None:  # not ``or {}``: an empty list or string is a mistake, refused below
        extra = {}
    check_declared(declared, given, context=context)
    for name in spec.amounts & given.keys():
        if given[name] is not None:
            given[name] = to_amount(given[name], name, context=context)
    _check_extra_body(extra, spec, context=context)
    if nulls:
        return {**{k: None if v is None else wire(v) for k, v in given.items()}, **extra}
    return {**wire(given), **extra}


def check_declared(declared: type, given: Mapping[str, Any], *, context: str) -> None:
    """What a declaration says of a body, checked on any mapping (a body as received, in
    the sandbox, too): its required fields are set and its closed sets hold."""
    spec = schema(declared)
    require(given, *sorted(spec.required), context=context)
    for name, allowed in spec.choices.items():
        check_choice(given, name, allowed, context=context)


def _check_extra_body(extra: Any, spec: Schema, *, context: str) -> None:
    """``extra_body`` adds fields this release does not know; it may not replace a declared
    one after its checks (an amount, the reference a lookup uses), nor carry a float."""
    if not isinstance(extra, Mapping):
        raise ArgumentTypeError(
            f"{context}: {EXTRA_BODY} must be a mapping of field names to values",
            field=EXTRA_BODY,
        )
    for name, value in extra.items():
        if name in spec.fields:
            raise ValidationError(
                f"{context}: {name} is a declared field; pass it as {name}=..., not in "
                f"{EXTRA_BODY}, so that it is checked",
                field=name,
            )
        if _has_float(value):
            raise ValidationError(
                f"{context}: {EXTRA_BODY}[{name!r}] holds a float, which is not exact; pass "
                "a Decimal, an int or a string",
                field=name,
            )


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, Mapping):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_float(v) for v in value)
    return False
