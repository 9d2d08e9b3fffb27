"""Every route's response model against generated bodies: only typed errors come out.

``core.parse_response`` is fed JSON-like values (and values no JSON decoder makes, such as
integers beyond 64 bits), the route's envelope around random payloads, and objects with the
model's own field names holding the wrong things. Whatever it is given, it returns a model
or raises a ``BlaaizError``. The slowest body per route is printed (``pytest -s``); speed is
the benchmark's business (``benchmarks/hostile_parse.py``), not asserted here.
"""

from __future__ import annotations

import contextlib
import time
import typing
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blaaiz_async.core import parse_response
from blaaiz_async.errors import BlaaizError
from blaaiz_async.models.base import Model
from blaaiz_async.routes import ROUTES, Route

ROUTES_WITH_MODEL = sorted(name for name, r in ROUTES.items() if r.response is not None)

NASTY_SCALARS = st.sampled_from(
    [
        10**40,
        -(10**40),
        2**64,
        Decimal("1E+99999"),
        Decimal("-1E-99999"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("0E-500000"),
        "1E+99999",
        "NaN",
        "9" * 400,
        "",
        " ",
        "\x00",
        "\ud800",
        True,
        False,
        0,
        -1,
        None,
        {},
        [],
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    NASTY_SCALARS,
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _deep(depth: int, leaf: Any) -> Any:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"data": value}
    return value


DEEP = st.builds(_deep, st.integers(min_value=10, max_value=200), SCALARS)


def _model_of(t: Any) -> type[Model] | None:
    """The model a response type holds (``X``, ``list[X]``, ``X | None``)."""
    if isinstance(t, type) and attrs.has(t):
        return t
    for arg in typing.get_args(t):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _wire_names(cls: type) -> list[str]:
    return [a.name.rstrip("_") for a in attrs.fields(cls) if a.name != "extra"]


def shaped(cls: type[Model] | None) -> st.SearchStrategy[Any]:
    """Objects with the model's field names (some of them) holding anything at all."""
    if cls is None:
        return JSONISH
    names = _wire_names(cls)
    value = st.one_of(SCALARS, JSONISH, DEEP, NASTY_SCALARS)
    return st.dictionaries(st.sampled_from(names), value, max_size=len(names)) if names else JSONISH


def _wrap(route: Route[Any], payload: Any, extra: dict[str, Any]) -> Any:
    for key in reversed(route.envelope):
        payload = {key: payload}
    if isinstance(payload, dict):
        payload.update({k: v for k, v in extra.items() if k not in payload})
    return payload


def bodies_for(route: Route[Any]) -> st.SearchStrategy[Any]:
    model = _model_of(route.response)
    item = shaped(model)
    payload = st.one_of(
        item,
        st.lists(item, max_size=5),  # a list where an object belongs (or a list of them)
        st.lists(st.one_of(item, SCALARS), max_size=5),
        JSONISH,
        DEEP,
        NASTY_SCALARS,
    )
    extra = st.fixed_dictionaries(
        {},
        optional={
            "meta": st.one_of(JSONISH, shaped(_model_of(_page_meta()))),
            "links": JSONISH,
            "message": JSONISH,
            "status": JSONISH,
        },
    )
    return st.one_of(
        st.builds(_wrap, st.just(route), payload, extra),  # the envelope, random payloads
        JSONISH,
        DEEP,
        NASTY_SCALARS,
    )


def _page_meta() -> Any:
    from blaaiz_async.models.pagination import PageMeta

    return PageMeta


@pytest.mark.parametrize("name", ROUTES_WITH_MODEL)
def test_parse_response_raises_only_typed_errors(name: str) -> None:
    route = ROUTES[name]
    slowest = [0.0]

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=bodies_for(route))
    def check(body: Any) -> None:
        started = time.perf_counter()
        with contextlib.suppress(BlaaizError):
            parse_response(route, body)
        slowest[0] = max(slowest[0], time.perf_counter() - started)

    check()
    print(f"{name}: slowest body {slowest[0] * 1e3:.2f} ms")


def test_every_route_with_a_model_is_fuzzed() -> None:
    assert len(ROUTES_WITH_MODEL) >= 20
    assert "payouts.create" in ROUTES_WITH_MODEL and "wallets.list" in ROUTES_WITH_MODEL
