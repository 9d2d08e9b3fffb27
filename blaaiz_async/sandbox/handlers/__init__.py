"""Sandbox endpoint handlers: plain functions ``(state, call) -> (status, body)``.

Each handler is registered under the route name it serves (see ``blaaiz_async.routes``),
so the sandbox serves exactly the paths, verbs and scopes the SDK declares.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from ..state import NotFound, Record, SandboxState

# (status, body), or (status, body, response headers) when the answer carries some.
Reply = tuple[int, Any] | tuple[int, Any, Mapping[str, str]]


@attrs.frozen(kw_only=True)
class Call:
    path: Mapping[str, str]
    query: Mapping[str, str]
    body: Any
    principal: str
    origin: str = ""  # scheme://host:port the sandbox answers on, for URLs it hands out


Handler = Callable[[SandboxState, Call], Reply]
HANDLERS: dict[str, Handler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        if name in HANDLERS:
            raise RuntimeError(f"two sandbox handlers for {name}")
        HANDLERS[name] = fn
        return fn

    return register


def ok(data: Any, message: str = "Successful", status: int = 200, **extra: Any) -> Reply:
    return status, {"message": message, "data": data, **extra}


def error(status: int, message: str, **extra: Any) -> Reply:
    return status, {"status": False, "message": message, **extra}


def not_found(missing: NotFound) -> Reply:
    """The API's 404 for a path object that does not exist."""
    return error(404, missing.message)


def invalid(errors: Mapping[str, str]) -> Reply:
    """Laravel-style validation failure: the first message, and every field's."""
    first = next(iter(errors.values()))
    return 422, {"message": first, "errors": {k: [v] for k, v in errors.items()}}


def body_of(call: Call) -> Record:
    return call.body if isinstance(call.body, dict) else {}


def missing(body: Mapping[str, Any], *fields: str) -> dict[str, str]:
    return {
        f: f"The {f.replace('_', ' ')} field is required."
        for f in fields
        if body.get(f) in (None, "")
    }


def parse_amount(value: Any) -> Decimal | None:
    """A positive finite amount, or None (a boolean is not an amount)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount > 0 else None


def load_all() -> dict[str, Handler]:
    """Import every handler module of this package (registration happens on import)."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return HANDLERS
