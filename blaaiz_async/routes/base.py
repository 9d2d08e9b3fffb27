"""``Route``: one endpoint as data, and ``route()`` to declare it."""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar, overload

import attrs

from ..limits.limit import RateLimit
from ..models.pagination import Page
from ..rules.base import check_path_values
from ..scopes import Scope

T = TypeVar("T")

API = "/api/external"

_PARAM = re.compile(r"\{(\w+)\}")


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
    scopes: frozenset[Scope]
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


@overload
def route(
    name: str,
    method: str,
    path: str,
    response: type[T],
    *,
    scopes: Iterable[Scope],
    idempotent: bool | None = None,
    envelope: tuple[str, ...] = ("data",),
    normalize: Callable[[Any], Any] | None = None,
    auth: bool = True,
    summary: str = "",
    limits: tuple[RateLimit, ...] = (),
) -> Route[T]: ...
@overload
def route(
    name: str,
    method: str,
    path: str,
    response: None,
    *,
    scopes: Iterable[Scope],
    idempotent: bool | None = None,
    envelope: tuple[str, ...] = ("data",),
    normalize: Callable[[Any], Any] | None = None,
    auth: bool = True,
    summary: str = "",
    limits: tuple[RateLimit, ...] = (),
) -> Route[Any]: ...
def route(
    name: str,
    method: str,
    path: str,
    response: Any,
    *,
    scopes: Iterable[Scope],
    idempotent: bool | None = None,
    envelope: tuple[str, ...] = ("data",),
    normalize: Callable[[Any], Any] | None = None,
    auth: bool = True,
    summary: str = "",
    limits: tuple[RateLimit, ...] = (),
) -> Route[Any]:
    """Declare a route returning ``response``; GET/PUT/DELETE default to idempotent, POST
    to not. ``response=None``: the decoded JSON as it came."""
    return _declare(
        name, method, path, response, scopes=scopes, idempotent=idempotent, envelope=envelope,
        normalize=normalize, paginated=False, auth=auth, summary=summary, limits=limits,
    )  # fmt: skip


def page_route(
    name: str,
    method: str,
    path: str,
    item: type[T],
    *,
    scopes: Iterable[Scope],
    idempotent: bool | None = None,
    normalize: Callable[[Any], Any] | None = None,
    summary: str = "",
) -> Route[Page[T]]:
    """Declare a route answering a page of ``item``: ``{data: [...], links, meta}``."""
    return _declare(
        name, method, path, list[item],  # type: ignore[valid-type]
        scopes=scopes, idempotent=idempotent, envelope=("data",), normalize=normalize,
        paginated=True, auth=True, summary=summary,
    )  # fmt: skip


def optional_route(
    name: str,
    method: str,
    path: str,
    response: type[T],
    *,
    scopes: Iterable[Scope],
    summary: str = "",
) -> Route[T | None]:
    """Declare a route whose payload may be ``null`` (nothing to show yet)."""
    return _declare(
        name, method, path, response | None, scopes=scopes, idempotent=None,
        envelope=("data",), normalize=None, paginated=False, auth=True, summary=summary,
    )  # fmt: skip


def _declare(
    name: str,
    method: str,
    path: str,
    response: Any,
    *,
    scopes: Iterable[Scope],
    idempotent: bool | None,
    envelope: tuple[str, ...],
    normalize: Callable[[Any], Any] | None,
    paginated: bool,
    auth: bool,
    summary: str,
    limits: tuple[RateLimit, ...] = (),
) -> Route[Any]:
    method = method.upper()
    return Route(
        name=name,
        method=method,
        path=path if path.startswith("/api/") or path.startswith("/oauth") else API + path,
        scopes=frozenset(scopes),
        response=response,
        idempotent=method in ("GET", "PUT", "DELETE", "HEAD") if idempotent is None else idempotent,
        envelope=envelope,
        normalize=normalize,
        paginated=paginated,
        auth=auth,
        summary=summary,
        limits=limits,
    )
