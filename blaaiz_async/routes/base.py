"""``Route``: one endpoint as data, and ``route()`` to declare it."""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Required, TypedDict, TypeVar, Unpack, overload

import attrs

from ..limits.limit import RateLimit
from ..models.pagination import Page
from ..rules.base import check_path_values
from ..scopes import Scope

T = TypeVar("T")

API = "/api/external"

IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD"})

_PARAM = re.compile(r"\{(\w+)\}")


def _scope_set(scopes: Iterable[Scope]) -> frozenset[Scope]:
    return frozenset(scopes)


@attrs.frozen(kw_only=True)
class Route(Generic[T]):
    """One endpoint.

    ``envelope`` is the key path to the payload in the response body: ``("data",)`` for
    the usual ``{message, data}``, ``("transaction",)`` for payouts, ``()`` for a bare
    object. ``normalize``, when set, folds the known variants of this endpoint's body
    into the declared shape before the envelope is followed (a pure function of the
    decoded body, ``None`` for an empty one; see ``routes.shapes``). ``idempotent``
    routes may be retried after a 5xx or a dropped connection; the others are never
    sent twice once they may have reached the server.
    """

    name: str
    method: str
    path: str
    scopes: frozenset[Scope] = attrs.field(converter=_scope_set)
    response: Any
    idempotent: bool
    envelope: tuple[str, ...] = ("data",)
    normalize: Callable[[Any], Any] | None = None
    paginated: bool = False
    auth: bool = True
    summary: str = ""
    limits: tuple[RateLimit, ...] = ()  # the endpoint's own limits, beside the account's

    params: tuple[str, ...] = attrs.field(
        init=False, default=attrs.Factory(lambda r: tuple(_PARAM.findall(r.path)), takes_self=True)
    )

    def format_path(self, values: Mapping[str, Any] | None = None) -> str:
        """Fill the path template; every value is percent-encoded as one segment, after
        the one check of path parameters (``rules.base.check_path_values``)."""
        if not self.params:
            return self.path
        values = values or {}
        check_path_values(self.name, self.params, values)
        return _PARAM.sub(lambda m: urllib.parse.quote(str(values[m.group(1)]), safe=""), self.path)

    def matches(self, method: str, path: str) -> bool:
        return (
            method.upper() == self.method and _template_regex(self.path).fullmatch(path) is not None
        )


@functools.lru_cache(maxsize=256)
def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile(
        _PARAM.sub(r"[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
    )


class _Fields(TypedDict, total=False):
    scopes: Required[Iterable[Scope]]
    envelope: tuple[str, ...]
    normalize: Callable[[Any], Any] | None
    auth: bool
    summary: str  # what the endpoint does; retries, scopes and auth are shown from the fields
    limits: tuple[RateLimit, ...]


class RouteOptions(_Fields, total=False):
    """What a route declares beside its name, verb, path and response, named once for
    ``route``, ``page_route`` and ``optional_route`` (the defaults are ``Route``'s)."""

    idempotent: bool | None  # None: GET/PUT/DELETE/HEAD are, POST is not


@overload
def route(
    name: str, method: str, path: str, response: type[T], **options: Unpack[RouteOptions]
) -> Route[T]: ...
@overload
def route(
    name: str, method: str, path: str, response: None, **options: Unpack[RouteOptions]
) -> Route[Any]: ...
def route(
    name: str, method: str, path: str, response: Any, **options: Unpack[RouteOptions]
) -> Route[Any]:
    """Declare a route returning ``response``; ``response=None``: the decoded JSON as it
    came."""
    return _declare(name, method, path, response, paginated=False, **options)


def page_route(
    name: str, method: str, path: str, item: type[T], **options: Unpack[RouteOptions]
) -> Route[Page[T]]:
    """Declare a route answering a page of ``item``: ``{data: [...], links, meta}``."""
    return _declare(name, method, path, list[item], paginated=True, **options)  # type: ignore[valid-type]


def optional_route(
    name: str, method: str, path: str, response: type[T], **options: Unpack[RouteOptions]
) -> Route[T | None]:
    """Declare a route whose payload may be ``null`` (nothing to show yet)."""
    return _declare(name, method, path, response | None, paginated=False, **options)


def _declare(
    name: str,
    method: str,
    path: str,
    response: Any,
    *,
    paginated: bool,
    idempotent: bool | None = None,
    **options: Unpack[_Fields],
) -> Route[Any]:
    method = method.upper()
    return Route(
        name=name,
        method=method,
        path=path if path.startswith(("/api/", "/oauth")) else API + path,
        response=response,
        idempotent=method in IDEMPOTENT_METHODS if idempotent is None else idempotent,
        paginated=paginated,
        **options,
    )
