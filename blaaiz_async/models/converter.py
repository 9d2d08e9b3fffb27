"""One cattrs converter for every model, configured here and nowhere else."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
import orjson
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.orjson import make_converter as make_preconf

from .base import Model

T = TypeVar("T")


def make_converter() -> cattrs.Converter:
    conv = make_preconf(forbid_extra_keys=False, omit_if_default=False)
    configure_converter(conv)
    return conv


def configure_converter(conv: cattrs.Converter) -> None:
    conv.register_structure_hook(Decimal, _structure_decimal)
    # Optional scalars are most model fields: direct hooks skip cattrs' generic Optional
    # dispatch (a third of the structuring time of a typical list response).
    conv.register_structure_hook(Decimal | None, _optional(_structure_decimal))
    conv.register_structure_hook(str | None, _optional(_structure_str))
    conv.register_structure_hook(bool | None, _optional(_structure_bool))
    conv.register_structure_hook(int | None, _optional(_structure_int))
    conv.register_unstructure_hook(Decimal, lambda d: d)  # the JSON encoder writes it exactly
    conv.register_structure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, Model),
        lambda cls: _model_structure_fn(cls, conv),
    )
    conv.register_unstructure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, Model),
        lambda cls: make_dict_unstructure_fn(cls, conv, **_wire_overrides(cls)),
    )
    conv.register_structure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _open_enum_fn
    )


def _optional(hook: Callable[[Any, Any], T]) -> Callable[[Any, Any], T | None]:
    def structure(value: Any, cls: Any) -> T | None:
        return None if value is None else hook(value, cls)

    return structure


def _structure_str(value: Any, _: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)  # ids sent as numbers
    raise ValueError(f"expected a string, got {type(value).__name__}")


def _structure_bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1) or value in ("0", "1", "true", "false", "True", "False"):
        return value in (1, "1", "true", "True")
    raise ValueError(f"expected a boolean, got {value!r}")


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float | Decimal):
        try:
            if value == int(value):
                return int(value)
        except (OverflowError, ValueError, ArithmeticError):
            pass
    raise ValueError(f"expected an integer, got {value!r}")


def _structure_decimal(value: Any, _: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        try:
            # str() of a float is its shortest round-trip form: 100.1 -> Decimal("100.1")
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"not an amount: {value!r}") from None
    raise ValueError(f"not an amount: {type(value).__name__}")


def _model_structure_fn(cls: type[Model], conv: cattrs.Converter) -> Any:
    base = make_dict_structure_fn(cls, conv, **_wire_overrides(cls))
    known = {_wire_name(a.name) for a in attrs.fields(cls)}

    def structure(data: Any, _: Any) -> Model:
        if not isinstance(data, Mapping):
            raise ValueError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
        obj = base(data, cls)
        extra = {k: v for k, v in data.items() if k not in known}
        if extra:
            object.__setattr__(obj, "extra", extra)
        return obj

    return structure


def _wire_name(name: str) -> str:
    """``from_`` in Python is ``from`` on the wire (keywords get a trailing underscore)."""
    return name[:-1] if name.endswith("_") else name


def _wire_overrides(cls: type[Model]) -> dict[str, Any]:
    overrides: dict[str, Any] = {"extra": override(omit=True)}
    for a in attrs.fields(cls):
        if a.name.endswith("_"):
            overrides[a.name] = override(rename=_wire_name(a.name))
    return overrides


def _open_enum_fn(cls: type[enum.Enum]) -> Any:
    """Enums accept values this release does not know: the raw string comes through."""

    def structure(value: Any, _: Any) -> Any:
        try:
            return cls(value)
        except ValueError:
            if isinstance(value, str):
                return value
            raise

    return structure


converter = make_converter()


def loads(raw: bytes | str) -> Any:
    """Decode a response body; floats become Decimal so no amount loses precision."""
    return json.loads(raw, parse_float=Decimal)


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return orjson.Fragment(str(obj))
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def dumps(obj: Any) -> bytes:
    """Encode a request body; Decimal amounts are written as exact JSON numbers."""
    return orjson.dumps(obj, default=_default)
