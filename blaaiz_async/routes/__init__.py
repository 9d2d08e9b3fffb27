"""Every endpoint, declared once: verb, path, scopes, idempotency, response model.

The scope guard, the retry policy, the response mapping, the sandbox and the generated
docs all read this table; a resource method only names its route and passes arguments.
Routes are declared by API group in the modules of this package and collected here.
"""

from __future__ import annotations

import importlib
import pkgutil
import urllib.parse
from types import ModuleType
from typing import Any

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


__all__ = ["API", "ROUTES", "Route", "find_route", "route"]
