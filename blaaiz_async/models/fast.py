"""Structuring functions generated per model for the success path.

Profiling ``wallets.list()`` showed most of the SDK's per-call cost in cattrs' generic
structuring: one hook call per field, through its Optional dispatch. Here each model gets
one generated function that checks the common case inline (``type(v) is str``) and calls
a converter hook only when a value needs converting or is of a type it does not know.
Semantics are the converter's: the same hooks run for every value that is not already of
its field's type. On any problem it raises, and the caller explains the body with the
detailed path (``converter.explain``).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

_MISSING = object()


def make_structure_fn(
    cls: type, hook_for: Callable[[Any], Callable[[Any, Any], Any]], wire_name: Callable[[str], str]
) -> Callable[[Any, Any], Any]:
    hints = typing.get_type_hints(cls)
    fields = [a for a in attrs.fields(cls) if a.name != "extra"]
    known = frozenset(wire_name(a.name) for a in attrs.fields(cls))
    namespace: dict[str, Any] = {
        "cls": cls,
        "M": _MISSING,
        "Mapping": Mapping,
        "known": known,
        "Decimal": Decimal,
        "B": 10**30,
    }
    lines = [
        "def structure(d, _):",
        "    if type(d) is not dict and not isinstance(d, Mapping):",
        f"        raise ValueError('expected an object for {cls.__name__}, got '"
        " + type(d).__name__)",
        "    g = d.get",
    ]
    args = []
    for i, a in enumerate(fields):
        field_type = hints[a.name]
        inner, optional = unwrap_optional(field_type)
        name = wire_name(a.name)
        var = f"v{i}"
        namespace[f"h{i}"] = hook_for(inner)
        namespace[f"t{i}"] = inner
        lines.append(f"    {var} = g({name!r}, M)")
        if a.default is attrs.NOTHING:
            lines.append(f"    if {var} is M: raise KeyError({name!r})")
            branch = "if"
        else:  # a default is the model's own value, never structured (as cattrs does)
            if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                namespace[f"f{i}"] = a.default.factory
                default = f"f{i}()"
            else:
                namespace[f"d{i}"] = a.default
                default = f"d{i}"
            lines.append(f"    if {var} is M: {var} = {default}")
            branch = "elif"
        check = inline_check(var, inner)
        guard = f"{var} is not None and " if optional else ""
        lines.append(f"    {branch} {guard}{check}: {var} = h{i}({var}, t{i})")
        namespace[f"s{i}"] = getattr(cls, a.name).__set__
        args.append(f"    s{i}(obj, {var})")
    # Built like attrs' own __init__ would, minus its keyword parsing (half the cost of a
    # small model): the slot descriptors set each field, then the post-init hook runs.
    namespace["new"] = object.__new__
    namespace["set_extra"] = cls.extra.__set__  # type: ignore[attr-defined]
    lines += [
        "    obj = new(cls)",
        *args,
        "    set_extra(obj, {} if d.keys() <= known else"
        " {k: x for k, x in d.items() if k not in known})",
    ]
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    obj.__attrs_post_init__()")
    lines.append("    return obj")
    exec("\n".join(lines), namespace)  # noqa: S102 - code generated from the model's fields
    fn: Callable[[Any, Any], Any] = namespace["structure"]
    return fn


def unwrap_optional(t: Any) -> tuple[Any, bool]:
    args = typing.get_args(t)
    if type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0], True
    return t, False


def inline_check(var: str, t: Any) -> str:
    """The condition under which the hook must run: always, unless the value is already
    of the field's plain type (an int field still bounds its magnitude, an amount is always
    checked for being finite and in range)."""
    if t is str:
        return f"type({var}) is not str"
    if t is bool:
        return f"type({var}) is not bool"
    if t is int:
        return f"(type({var}) is not int or not -B < {var} < B)"
    if t is Decimal:  # finite and in range, else the hook decides (zero of any exponent)
        bounded = f"-40 <= {var}.adjusted() < 40 and {var}.is_finite()"
        return f"(type({var}) is not Decimal or not ({bounded}))"
    return "True"
