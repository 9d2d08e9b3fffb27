"""The one-pass decoder against the detailed path on every route that has one, from bodies
generated from the route's own response type (nested models, lists of models, pages) and
written as hostile JSON text: duplicate keys, keys spelt with unicode escapes or in another
case, a byte-order mark, numbers in every notation, values of the wrong type, null where a
model belongs. For each body the fast path gives the detailed path's answer or gives up,
and ``core.decode`` (which tries the fast path first) never turns one into the other."""

from __future__ import annotations

import enum
import json
import typing
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blaaiz_async import core
from blaaiz_async.errors import MalformedResponseError
from blaaiz_async.models.base import Model
from blaaiz_async.models.converter import loads, typed_decoder
from blaaiz_async.models.fast import unwrap_optional
from blaaiz_async.routes import ROUTES, Route
from blaaiz_async.transport import HTTPResponse

from .test_typed_decoding import shape

FAST_ROUTES = sorted(
    name
    for name, r in ROUTES.items()
    if r.response is not None
    and r.normalize is None
    and typed_decoder(r.response, r.envelope, r.paginated) is not None
)

# JSON numbers as text: every notation of one value, the edges of the bounds, and beyond.
NUMBERS = [
    "0", "-0", "-0.0", "0.0", "0E-50", "0e+400", "1e5", "1E+5", "1E5", "100000", "100000.0",
    "1.50", "12345678901234567890.12", "1e39", "1e40", "1e-40", "1e-41", "1e400", "-1e400",
    "18446744073709551616", "-9223372036854775809", "999999999999999999999999999999",
    "1000000000000000000000000000000", "1" * 101, "0." + "1" * 99, "7",
]  # fmt: skip
STRINGS = [
    "", " ", "x", "NGN", "10.5", " 10.5 ", "1E+41", "NaN", "Infinity", "1" * 101, "true",
    "1", "0", "False", "caf\u00e9", "\u0000",
]  # fmt: skip


class Text:
    """A JSON value already written (numbers keep their exact notation)."""

    def __init__(self, text: str) -> None:
        self.text = text


class Obj:
    """A JSON object as its pairs, so a key may come twice."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def scalar() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(NUMBERS).map(Text),
        st.sampled_from(STRINGS),
        st.integers(-(2**70), 2**70),
    )


def odd() -> st.SearchStrategy[Any]:
    """A value of any type: what a broken server sends where something else belongs."""
    return st.one_of(scalar(), st.just([]), st.just(Obj([])), st.lists(scalar(), max_size=2))


def rarely(data: st.DataObject, hostile: int) -> bool:
    """True in ``hostile`` cases out of 100: how broken this body is."""
    return data.draw(st.integers(0, 99)) < hostile


# Plain values of each type, as a well-behaved server sends them: the fast path's own ground.
PLAIN: dict[Any, list[Any]] = {
    Decimal: [
        Text(n) for n in ("1.50", "100000", "1E+5", "1e5", "-0.0", "12345678901234567890.12")
    ],
    int: [0, 1, 7, 10**29],
    bool: [True, False],
    str: ["x", "NGN", "", "caf\u00e9"],
}


def value_for(data: st.DataObject, t: Any, depth: int, hostile: int) -> Any:
    inner, optional = unwrap_optional(t)
    if not rarely(data, hostile) and inner in PLAIN:
        return data.draw(st.sampled_from([*PLAIN[inner], *([None] if optional else [])]))
    if rarely(data, hostile // 2):
        return None if optional and data.draw(st.booleans()) else data.draw(odd())
    if isinstance(inner, type) and issubclass(inner, Model):
        return body_for(data, inner, hostile, depth + 1) if depth < 4 else None
    origin = typing.get_origin(inner)
    if origin in (list, tuple):
        (item, *_) = typing.get_args(inner) or (Any,)
        return [
            value_for(data, item, depth + 1, hostile) for _ in range(data.draw(st.integers(0, 2)))
        ]
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return data.draw(st.sampled_from([*(m.value for m in inner), "NOT_A_MEMBER", 3]))
    if inner is Decimal:
        return data.draw(st.one_of(st.sampled_from(NUMBERS).map(Text), st.sampled_from(STRINGS)))
    if inner is int:
        return data.draw(st.one_of(st.sampled_from(NUMBERS).map(Text), st.integers(-99, 99)))
    if inner is bool:
        return data.draw(st.sampled_from([True, False, Text("0"), Text("1"), "true", "1"]))
    if inner is str:
        return data.draw(st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS).map(Text)))
    return data.draw(odd())


def body_for(data: st.DataObject, cls: type, hostile: int, depth: int = 0) -> Obj:
    hints = typing.get_type_hints(cls)
    pairs: list[tuple[str, Any]] = []
    for a in attrs.fields(cls):
        if a.name == "extra":
            continue
        wire = a.name.removesuffix("_")
        how = "value"
        if rarely(data, hostile * 2):
            how = data.draw(st.sampled_from(["missing", "null", "twice", "renamed"]))
        if how == "missing":
            continue
        if how == "null":
            pairs.append((wire, None))
            continue
        if how == "renamed":  # the same key another way, or a near miss
            wire = data.draw(
                st.sampled_from([wire.upper(), wire + "_", f"\\u{ord(wire[0]):04x}" + wire[1:]])
            )
        pairs.append((wire, value_for(data, hints[a.name], depth, hostile)))
        if how == "twice":
            pairs.append((wire, value_for(data, hints[a.name], depth, hostile)))
    if rarely(data, hostile):
        pairs.append(("unknown", data.draw(odd())))
    if rarely(data, hostile // 2):
        pairs.append(("extra", data.draw(odd())))
    return Obj(data.draw(st.permutations(pairs)) if pairs else pairs)


def write(value: Any, gap: str) -> str:
    if isinstance(value, Text):
        return value.text
    if isinstance(value, Obj):
        inner = f",{gap}".join(
            f'"{k}"{gap}:{gap}{write(v, gap)}' if "\\u" in k else f"{json.dumps(k)}:{write(v, gap)}"
            for k, v in value.pairs
        )
        return "{" + gap + inner + gap + "}"
    if isinstance(value, list):
        return "[" + ",".join(write(v, gap) for v in value) + "]"
    return json.dumps(value)


def envelope_for(data: st.DataObject, r: Route[Any], payload: Any, hostile: int) -> Obj | Any:
    body = payload
    for depth, key in enumerate(reversed(r.envelope)):
        pairs: list[tuple[str, Any]] = [(key, body)]
        outermost = depth == len(r.envelope) - 1
        if outermost and data.draw(st.booleans()):
            pairs.append(("message", data.draw(st.sampled_from(["ok", None, 5]))))
        if outermost and r.paginated:
            for part in ("meta", "links"):
                pick = data.draw(st.integers(0, 3))
                if pick == 1 and rarely(data, hostile * 4):
                    pairs.append((part, data.draw(odd())))
                elif pick >= 2:
                    from blaaiz_async.models.pagination import PageLinks, PageMeta

                    pairs.append(
                        (part, body_for(data, PageMeta if part == "meta" else PageLinks, hostile))
                    )
        if rarely(data, hostile):
            pairs.append((key, data.draw(odd())))  # the envelope's key again
        body = Obj(data.draw(st.permutations(pairs)))
    return body


def detailed(r: Route[Any], raw: bytes) -> Any:
    try:
        return shape(core.parse_response(r, loads(raw)))
    except MalformedResponseError:
        return "refused"
    except ValueError:
        return "not JSON"


@settings(max_examples=1500, deadline=None)
@given(data=st.data())
def test_every_route_decodes_alike_from_hostile_bodies(data: st.DataObject) -> None:
    r = ROUTES[data.draw(st.sampled_from(FAST_ROUTES))]
    hostile = data.draw(st.sampled_from([0, 0, 2, 5, 15, 40]))
    items = typing.get_args(r.response)
    if items:  # a list of models
        payload: Any = [
            body_for(data, items[0], hostile) for _ in range(data.draw(st.integers(0, 3)))
        ]
    else:
        payload = body_for(data, r.response, hostile)
    body = envelope_for(data, r, payload, hostile)
    gap = data.draw(st.sampled_from(["", " ", "\n\t"]))
    raw = write(body, gap).encode()
    if rarely(data, hostile):
        raw = b"\xef\xbb\xbf" + raw
    slow = detailed(r, raw)
    decode = typed_decoder(r.response, r.envelope, r.paginated)
    assert decode is not None
    try:
        fast: Any = shape(decode(raw))
    except Exception:
        fast = "gave up"
    if fast != "gave up":
        assert fast == slow, raw[:400]
    try:
        through: Any = shape(core.decode(r, HTTPResponse(200, {}, raw)))
    except MalformedResponseError as exc:
        through = "not JSON" if "not JSON" in exc.message else "refused"
    assert through == slow, raw[:400]


@pytest.mark.parametrize("name", FAST_ROUTES)
def test_a_duplicate_key_is_read_as_the_detailed_path_reads_it(name: str) -> None:
    """The last of two equal keys wins on both paths, at the envelope and in a model."""
    r = ROUTES[name]
    decode = typed_decoder(r.response, r.envelope, r.paginated)
    assert decode is not None
    empty = "[]" if typing.get_args(r.response) else "{}"
    inner = empty
    for key in reversed(r.envelope):
        inner = f'{{"{key}": null, "{key}": {inner}}}'
    raw = inner.encode()
    slow = detailed(r, raw)
    try:
        fast: Any = shape(decode(raw))
    except Exception:
        fast = "gave up"
    assert fast in ("gave up", slow)
