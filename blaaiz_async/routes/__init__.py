"""Every endpoint, declared once: verb, path, scopes, idempotency, response model.

The scope guard, the retry policy, the response mapping, the sandbox and the generated
docs all read this table; a resource method only names its route and passes arguments.
Routes are declared by API group in the modules of this package and collected here.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re
import string
import urllib.parse
from types import ModuleType
from typing import Any

from ..errors import ArgumentTypeError, InvalidArgumentError
from .base import API, Route, route

# Every module of this package but ``base`` (the ``Route`` type) and ``shapes`` (the
# response folding functions routes name) declares the routes of one API group.
_GROUPS: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"{__name__}.{info.name}")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
    if info.name not in ("base", "shapes")
)


def _collect() -> dict[str, Route[Any]]:
    table: dict[str, Route[Any]] = {}
    for module in _GROUPS:
        for value in vars(module).values():
            if isinstance(value, Route):
                if value.name in table and table[value.name] is not value:
                    raise RuntimeError(f"route {value.name} is declared twice")
                table[value.name] = value
    return dict(sorted(table.items()))


ROUTES: dict[str, Route[Any]] = _collect()

# Literal segments beat parameters: /virtual-bank-account/identification-type is not {id}.
_BY_SPECIFICITY = sorted(ROUTES.values(), key=lambda r: len(r.params))


def find_route(method: str, path: str) -> Route[Any] | None:
    """The declared route serving ``method path`` (path without query), if any."""
    path = urllib.parse.urlsplit(path).path
    for r in _BY_SPECIFICITY:
        if r.matches(method, path):
            return r
    return None


HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def normal_method(method: object) -> str:
    """``method`` in upper case, or a typed error naming the closest HTTP method."""
    if not isinstance(method, str):
        raise ArgumentTypeError(
            f"method must be a string such as 'GET', got {type(method).__name__}", field="method"
        )
    upper = method.upper()
    if upper not in HTTP_METHODS:
        close = difflib.get_close_matches(upper, HTTP_METHODS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InvalidArgumentError(
            f"unknown HTTP method {method!r}{hint}; use one of {', '.join(HTTP_METHODS)}",
            field="method",
        )
    return upper


# RFC 3986 pchar, plus "/" between segments and "%" for escapes: what URL libraries send as
# written. Anything else they would re-encode, so the guard would check one path and the
# server receive another.
_PATH_CHARS = frozenset(string.ascii_letters + string.digits + "-._~" + "!$&'()*+,;=:@/%")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_ESCAPE = re.compile(r"%(?P<hex>[0-9A-Fa-f]{2})?")


def normal_path(path: object) -> str:
    """``path`` (with any query) as the scope guard must see it, or ``InvalidArgumentError``.

    The guard compares the path with the route table, but URL libraries and servers
    normalise a path before routing it: yarl resolves ``./`` and ``x/../`` and decodes
    ``%70`` to ``p``; Laravel matches the percent-decoded path with trailing slashes
    trimmed; proxies merge ``//``. Each of these can turn a path the guard did not
    recognise into a declared route, so a path not already in normal form is refused
    (rewriting it would mean guessing which normalisation the server applies). The only
    rewrite is the leading ``/``, which is unambiguous.
    """
    if not isinstance(path, str):
        raise ArgumentTypeError(
            f"path must be a string such as '/api/external/wallet', got {type(path).__name__}",
            field="path",
        )
    route_path, sep, query = path.partition("?")
    if "#" in path:
        raise _not_normal(path, "a fragment ('#') is never sent; remove it")
    if not route_path.startswith("/"):
        route_path = "/" + route_path
    odd = next((c for c in route_path if c not in _PATH_CHARS), None)
    if odd is not None:
        raise _not_normal(path, f"{odd!r} is not sent as written; percent-encode it")
    for match in _ESCAPE.finditer(route_path):
        if match.group("hex") is None:
            raise _not_normal(path, "'%' must start an escape such as %20")
        escape, char = match.group(0), chr(int(match.group("hex"), 16))
        if char in _UNRESERVED:
            raise _not_normal(path, f"{escape} is decoded to {char!r} before routing; write {char}")
        if char in "/\\":
            raise _not_normal(path, f"{escape} is decoded to the separator {char!r} before routing")
    segments = route_path.split("/")[1:]
    if any(s in (".", "..") for s in segments):
        raise _not_normal(path, "'.' and '..' segments are resolved before routing")
    if any(s == "" for s in segments):
        raise _not_normal(
            path, "an empty segment ('//' or a trailing '/') is dropped before routing"
        )
    return route_path + sep + query


def _not_normal(path: str, problem: str) -> InvalidArgumentError:
    shown = path if len(path) <= 80 else path[:77] + "..."
    return InvalidArgumentError(f"path {shown!r} is not in normal form: {problem}", field="path")


__all__ = [
    "API",
    "HTTP_METHODS",
    "ROUTES",
    "Route",
    "find_route",
    "normal_method",
    "normal_path",
    "route",
]
