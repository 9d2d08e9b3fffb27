"""Decoding a well-formed answer straight into models, in one pass.

Profiling ``wallets.list()`` showed decoding to dicts and then structuring them as the
largest part of the SDK's own per-call cost. Here msgspec decodes the body into a mirror of
the route's models (``msgspec.Struct`` classes that check the plain fields in C and refuse
any key the model does not declare), and a generated function per model moves the values
into the attrs model, running the converter's hook for every value that is not already of
its field's plain type, exactly as ``models.fast`` does.

This is only a fast path. Anything it does not take as it is (an unknown key, which the
model would keep in ``extra``; a value of another type, which a hook might convert; a
number out of range) makes it give up, and the caller decodes the body again the
detailed way, which gives the same model or the precise error. So its results are the
detailed path's results, only sooner; ``tests/test_typed_decoding.py`` holds the two equal.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import msgspec

from .base import Model
from .fast import inline_check, unwrap_optional


class Decoder:
    """The one-pass decoder of one response shape. ``resting`` is for the caller: how
    many answers to leave to the detailed path after this one gave up, so a server that
    always sends a key the model keeps in ``extra`` does not pay for two decodes a call."""

    __slots__ = ("decode", "resting")

    def __init__(self, decode: Callable[[bytes], Any]) -> None:
        self.decode = decode
        self.resting = 0

    def __call__(self, raw: bytes) -> Any:
        return self.decode(raw)


# Field types msgspec checks exactly as the fast path would accept them untouched.
_PLAIN = (str, bool)


def make_decoder(
    response: Any,
    envelope: tuple[str, ...],
    *,
    paginated: bool,
    hook_for: Callable[[Any], Callable[[Any, Any], Any]],
    float_hook: Callable[[str], Any],
    page: Callable[[list[Any], Any, Any], Any],
) -> Decoder | None:
    """A decoder for answers of this shape, or None when the shape has no fast path (a
    response that is not a model or a list of models)."""
    origin = typing.get_origin(response)
    if _is_model(response) and not paginated:
        item = response
        many = False
    elif origin is list and _is_model(typing.get_args(response)[0]):
        item = typing.get_args(response)[0]
        many = True
    else:
        return None
    mirrors: dict[type, tuple[type, Callable[[Any], Any]]] = {}
    try:
        struct, convert = _mirror(item, mirrors, hook_for)
    except _NoFastPath:
        return None
    payload: Any = list[struct] if many else struct  # type: ignore[valid-type]
    root: Any = payload
    extras: list[tuple[str, Any]] = [("meta", Any), ("links", Any)] if paginated else []
    for depth, key in enumerate(reversed(envelope)):
        fields: list[Any] = [(key, root)]
        if depth == len(envelope) - 1:
            fields += [(name, kind, None) for name, kind in extras]
        root = msgspec.defstruct(f"Envelope{depth}", fields, gc=False)
    if not envelope and paginated:
        return None  # a page is always enveloped; no such route
    decoder = msgspec.json.Decoder(root, float_hook=float_hook)
    keys = envelope

    def decode(raw: bytes) -> Any:
        body = decoder.decode(raw)
        if not keys:
            value = body
        else:
            value = getattr(body, keys[0])
            for key in keys[1:]:
                value = getattr(value, key)
        if not many:
            return convert(value)
        items = [convert(v) for v in value]
        if paginated:
            return page(items, body.meta, body.links)
        return items

    return Decoder(decode)


class _NoFastPath(Exception):
    """A model this module does not mirror; its routes take the detailed path only."""


_BUILDING: Any = (None, None)


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, Model)


def _mirror(
    cls: type,
    mirrors: dict[type, tuple[type, Callable[[Any], Any]]],
    hook_for: Callable[[Any], Callable[[Any, Any], Any]],
) -> tuple[type, Callable[[Any], Any]]:
    """The Struct mirroring ``cls`` and the function that makes ``cls`` from it."""
    if cls in mirrors:
        if mirrors[cls] is _BUILDING:
            raise _NoFastPath(f"{cls.__name__} contains itself")
        return mirrors[cls]
    mirrors[cls] = _BUILDING
    hints = typing.get_type_hints(cls)
    fields = [a for a in attrs.fields(cls) if a.name != "extra"]
    spec: list[Any] = []
    namespace: dict[str, Any] = {
        "new": object.__new__,
        "cls": cls,
        "U": msgspec.UNSET,
        "Decimal": Decimal,
        "B": 10**30,
        "set_extra": cls.extra.__set__,  # type: ignore[attr-defined]
    }
    lines = ["def convert(s):", "    obj = new(cls)"]
    for i, a in enumerate(fields):
        wire = a.name[:-1] if a.name.endswith("_") else a.name
        inner, optional = unwrap_optional(hints[a.name])
        required = a.default is attrs.NOTHING
        var = f"v{i}"
        namespace[f"s{i}"] = getattr(cls, a.name).__set__
        kind: Any
        if inner in _PLAIN and (required or (optional and a.default is None)):
            kind = inner | None if optional else inner  # checked in C; taken as it is
            lines.append(f"    s{i}(obj, s.{a.name})")
        elif _is_model(inner) and (required or (optional and a.default is None)):
            nested, make = _mirror(inner, mirrors, hook_for)
            namespace[f"c{i}"] = make
            kind = nested | None if optional else nested
            lines += [
                f"    {var} = s.{a.name}",
                f"    s{i}(obj, {var} if {var} is None else c{i}({var}))",
            ]
        else:  # any JSON value; the hook decides, as on the fast path
            kind = Any
            namespace[f"h{i}"] = hook_for(inner)
            namespace[f"t{i}"] = inner
            lines.append(f"    {var} = s.{a.name}")
            branch = "elif"  # a default is the model's own value, never structured
            if required:
                lines.append(f"    if {var} is U: raise KeyError({wire!r})")
                branch = "if"
            elif isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                namespace[f"f{i}"] = a.default.factory
                lines.append(f"    if {var} is U: {var} = f{i}()")
            else:
                namespace[f"d{i}"] = a.default
                lines.append(f"    if {var} is U: {var} = d{i}")
            guard = f"{var} is not None and " if optional else ""
            lines += [
                f"    {branch} {guard}{inline_check(var, inner)}: {var} = h{i}({var}, t{i})",
                f"    s{i}(obj, {var})",
            ]
        renamed = wire if wire != a.name else None
        if kind is Any:  # absent is UNSET, told apart from null
            spec.append((a.name, Any, msgspec.field(default=msgspec.UNSET, name=renamed)))
        elif required:
            spec.append((a.name, kind, msgspec.field(name=renamed)))
        else:
            spec.append((a.name, kind, msgspec.field(default=None, name=renamed)))
    lines.append("    set_extra(obj, {})")  # unknown keys were refused: nothing extra
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    obj.__attrs_post_init__()")
    lines.append("    return obj")
    struct = msgspec.defstruct(
        f"{cls.__name__}Mirror", spec, forbid_unknown_fields=True, gc=False, kw_only=True
    )
    exec("\n".join(lines), namespace)  # noqa: S102 - code generated from the model's fields
    convert: Callable[[Any], Any] = namespace["convert"]
    mirrors[cls] = (struct, convert)
    return struct, convert
