"""One cattrs converter for every model, configured here and nowhere else."""

from __future__ import annotations

import enum
import functools
import gc
import math
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
import msgspec
import orjson
from cattrs.cols import homogenous_tuple_structure_factory, is_sequence, list_structure_factory
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.orjson import make_converter as make_preconf

from ..errors import ArgumentTypeError, InvalidArgumentError, ValidationError
from .base import Model
from .fast import make_structure_fn
from .typed import Decoder, make_decoder

T = TypeVar("T")


# Bounds on numbers taken from a response. ``int(Decimal("1E+300000"))`` costs seconds of CPU
# on the event loop, so magnitudes are checked before any conversion. No count, page or id
# of the API comes near 10**30, and no amount has an exponent beyond +-40.
INT_MAX_DIGITS = 30
DECIMAL_MAX_EXPONENT = 40
# No amount or number the API sends is longer than this as text: a longer one is refused
# before it is converted (as an amount string) or decoded (as a JSON number).
AMOUNT_MAX_CHARS = 100


def make_converter(*, detailed_validation: bool = True) -> cattrs.Converter:
    """The models' converter. The detailed one says where a body went wrong; the fast one
    (no detailed validation) serves the success path and stops at the first problem."""
    conv = make_preconf(
        forbid_extra_keys=False, omit_if_default=False, detailed_validation=detailed_validation
    )
    configure_converter(conv)
    return conv


def configure_converter(conv: cattrs.Converter) -> None:
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(bool, _structure_bool)
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
        (lambda cls: _model_structure_fn(cls, conv))
        if conv.detailed_validation
        else (lambda cls: make_structure_fn(cls, conv.get_structure_hook, _wire_name)),
    )
    conv.register_unstructure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, Model),
        lambda cls: make_dict_unstructure_fn(cls, conv, **_wire_overrides(cls)),
    )
    conv.register_structure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _open_enum_fn
    )
    conv.register_structure_hook_factory(is_sequence, lambda t: _sequence_fn(t, conv))


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
        if abs(value) < _INT_BOUND:
            return value
        raise ValueError("integer out of range")
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= INT_MAX_DIGITS and text.lstrip("-").isdigit():
            return int(text)
    elif isinstance(value, float) and math.isfinite(value) and abs(value) < _INT_BOUND:
        if value == int(value):
            return int(value)
    elif (
        isinstance(value, Decimal)
        and _bounded(value, INT_MAX_DIGITS)
        and value == value.to_integral_value()
    ):
        return int(value)  # a magnitude under 10**30: cheap
    raise ValueError(f"expected an integer, got {_short(value)}")


_INT_BOUND = 10**INT_MAX_DIGITS


def _bounded(value: Decimal, max_exponent: int) -> bool:
    """Finite, and neither huge nor absurdly small: checked without expanding the number."""
    return value.is_finite() and (
        value.is_zero() or -max_exponent <= value.adjusted() < max_exponent
    )


def _short(value: Any) -> str:
    if isinstance(value, str) and len(value) > 40:
        value = value[:40]  # repr of a 2 MB string costs more than its first 40 characters
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _structure_decimal(value: Any, _: Any) -> Decimal:
    kind = type(value)
    amount: Decimal
    if kind is Decimal:
        amount = value
    elif kind is str or (kind is not bool and isinstance(value, int | float | str)):
        if kind is str and len(value) > AMOUNT_MAX_CHARS:  # Decimal() of 2 MB: 20 ms a try
            raise ValueError(f"not an amount: a string of {len(value)} characters")
        try:
            # str() of a float is its shortest round-trip form: 100.1 -> Decimal("100.1");
            # Decimal() itself allows the surrounding whitespace a string may carry.
            amount = Decimal(value if kind is str else str(value))
        except InvalidOperation:
            raise ValueError(f"not an amount: {_short(value)}") from None
    elif kind is bool:
        raise ValueError("a boolean is not an amount")
    else:
        raise ValueError(f"not an amount: {kind.__name__}")
    if not _bounded(amount, DECIMAL_MAX_EXPONENT):
        raise ValueError(f"not a finite amount in range: {_short(value)}")
    return amount


def _sequence_fn(t: Any, conv: cattrs.Converter) -> Any:
    """Lists are checked for being lists first: cattrs would structure a 1 MB string one
    character at a time (and describe a million failures)."""
    args: tuple[Any, ...] = getattr(t, "__args__", ())
    if len(args) == 2 and args[1] is Ellipsis:
        base = homogenous_tuple_structure_factory(t, conv)
    else:
        base = list_structure_factory(t, conv)

    def structure(value: Any, cls: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError(f"expected a list, got {type(value).__name__}")
        return base(value, cls)

    return structure


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
fast_converter = make_converter(detailed_validation=False)


@functools.cache
def typed_decoder(response: Any, envelope: tuple[str, ...], paginated: bool) -> Decoder | None:
    """The one-pass decoder for answers of this shape (``models.typed``), made once."""
    return make_decoder(
        response,
        envelope,
        paginated=paginated,
        hook_for=fast_converter.get_structure_hook,
        float_hook=_number,
        page=_page,
    )


def _page(items: list[Any], meta: Any, links: Any) -> Any:
    from .pagination import Page, PageLinks, PageMeta

    return Page(
        items=items,
        meta=fast_converter.structure(meta, PageMeta) if isinstance(meta, Mapping) else None,
        links=fast_converter.structure(links, PageLinks) if isinstance(links, Mapping) else None,
    )


class JSONNestingError(ValueError):
    """JSON nested deeper than the decoder's recursion allows: a ``ValueError`` like any
    other undecodable body, but one that says why."""


def _number(text: str) -> Decimal:
    if len(text) > AMOUNT_MAX_CHARS:  # 1.9 MB of digits is no amount, and costs to hold
        raise ValueError(f"a number of {len(text)} characters")
    return Decimal(text)


# msgspec decodes twice as fast as json with ``parse_float=Decimal`` and keeps every digit;
# it refuses NaN/Infinity, integers beyond 64 bits and invalid UTF-8.
_DECODER = msgspec.json.Decoder(float_hook=_number)
# Decoding a large body makes many containers at once, which sets off the cyclic garbage
# collector again and again (half the time of a 2 MB list of small objects); a decoded body
# has no cycles, so the collector is paused while one this large is decoded.
_PAUSE_GC_ABOVE = 256 * 1024


def loads(raw: bytes | str) -> Any:
    """Decode a JSON body; floats become Decimal so no amount loses precision. Anything
    that is not JSON (or nests deeper than the decoder goes) raises ``ValueError``."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    pause = len(raw) > _PAUSE_GC_ABOVE and gc.isenabled()
    if pause:
        gc.disable()
    try:
        return _DECODER.decode(raw.removeprefix(b"\xef\xbb\xbf"))
    except RecursionError:
        raise JSONNestingError("JSON nested too deeply to decode") from None
    except msgspec.DecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    finally:
        if pause:
            gc.enable()


def plain_decimal(value: Decimal) -> str:
    """An amount as an exact JSON number in plain notation: ``Decimal("1E+3")`` is
    ``1000`` and ``Decimal("1.50")`` stays ``1.50``. ``str()`` would write ``1E+3``,
    which some JSON readers take for a float, and ``NaN``, which is not JSON at all.
    The same bounds as incoming amounts keep the text short."""
    if not value.is_finite():
        raise InvalidArgumentError(
            f"amount {value} is not a finite number; send a finite Decimal such as Decimal('10.50')"
        )
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if exponent < -DECIMAL_MAX_EXPONENT or (
        not value.is_zero() and value.adjusted() >= DECIMAL_MAX_EXPONENT
    ):
        raise InvalidArgumentError(
            f"amount {_short(value)} is out of range: at most {DECIMAL_MAX_EXPONENT} digits "
            "before and after the decimal point"
        )
    return format(value, "f")


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return orjson.Fragment(plain_decimal(obj))
    raise ArgumentTypeError(
        f"{type(obj).__name__} values cannot go into a JSON body; send str, int, Decimal, "
        "bool, None, lists and dicts (or the SDK's request models)"
    )


def dumps(obj: Any) -> bytes:
    """Encode a body; Decimal amounts are written as exact JSON numbers.

    Nothing invalid goes out: a non-finite Decimal or float is an ``InvalidArgumentError``
    (orjson would write a float ``NaN`` as ``null``, and a Decimal ``NaN`` verbatim), and a
    value JSON cannot hold is an ``ArgumentTypeError``.
    """
    try:
        encoded = orjson.dumps(obj, default=_default)
    except TypeError as exc:  # orjson.JSONEncodeError; _default's own error is its cause
        if isinstance(exc.__cause__, ValidationError):
            raise exc.__cause__ from None
        raise ArgumentTypeError(f"the body cannot be written as JSON: {exc}") from None
    # orjson writes a NaN or infinite float as null: look for one only when null appears.
    if b"null" in encoded and (where := _non_finite_float(obj)) is not None:
        raise InvalidArgumentError(
            f"{where or 'the body'} is a float that is not finite; send a finite amount "
            "(a Decimal such as Decimal('10.50'))",
            field=where or None,
        )
    return encoded


def _non_finite_float(obj: Any) -> str | None:
    """The path to the first NaN or infinite float in ``obj``, if any (without recursion;
    orjson has already refused anything nested deeper than it writes)."""
    stack: list[tuple[str, Any]] = [("", obj)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return path
        if isinstance(value, Mapping):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))
    return None


def explain(data: Any, cls: Any, path: str = "") -> str:
    """Why ``data`` does not structure as ``cls``: the path to the first bad value and what
    is wrong there. Each step re-checks one sub-value with the fast converter, so the cost
    is bounded by the body's size, however many items are bad (cattrs' detailed errors
    would build one exception per bad item of a huge list)."""
    for _ in range(64):  # deeper than any model; bounds hostile nesting
        try:
            fast_converter.structure(data, cls)
        except Exception as exc:  # the leaf's own message, or a place to descend into
            step = _first_bad_part(data, cls)
            if step is None:
                return f"{path or 'body'}: {_leaf_message(exc)}"
            part, data, cls = step
            path += part
            continue
        return ""
    return f"{path}: nested too deeply"


def _first_bad_part(data: Any, cls: Any) -> tuple[str, Any, Any] | None:
    args = getattr(cls, "__args__", ())
    if type(None) in args and data is not None:  # Optional[X]: X is what failed
        inner = [a for a in args if a is not type(None)]
        return ("", data, inner[0]) if len(inner) == 1 else None
    if isinstance(cls, type) and attrs.has(cls) and isinstance(data, Mapping):
        for name, field_type in _field_types(cls):
            if name not in data:
                continue
            try:
                fast_converter.structure(data[name], field_type)
            except Exception:
                return f".{name}", data[name], field_type
        return None
    if is_sequence(cls) and isinstance(data, list | tuple) and args:
        for index, item in enumerate(data):
            try:
                fast_converter.structure(item, args[0])
            except Exception:
                return f"[{index}]", item, args[0]
    return None


@functools.cache
def _field_types(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple(
        (_wire_name(a.name), hints[a.name]) for a in attrs.fields(cls) if a.name != "extra"
    )


def _leaf_message(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing required field {exc.args[0]!r}" if exc.args else "missing field"
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
