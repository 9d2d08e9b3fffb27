"""The generated structuring functions (``models.fast``) against the detailed cattrs
converter, value by value at the edges of every bound: the same answer, or both refuse."""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blaaiz_async import models
from blaaiz_async.models.base import Model, model
from blaaiz_async.models.converter import converter, fast_converter
from blaaiz_async.models.pagination import PageMeta
from blaaiz_async.models.wallets import Wallet

EDGE_INTS = [10**30 - 1, 10**30, -(10**30) + 1, -(10**30), 2**64, 10**400]
EDGE_DECIMALS = [
    Decimal("9.99E+39"), Decimal("1E+40"), Decimal("1E-40"), Decimal("1E-41"),
    Decimal("0E-100"), Decimal("0E+100"), Decimal("-1E+40"), Decimal("NaN"), Decimal("Infinity"),
    Decimal("-Infinity"), Decimal("12.50"),
]  # fmt: skip
ODD = [True, False, 0, 1, 2, 1.0, 1.5, "1", "true", "yes", "", " 7 ", "1E40", None, [], {}]


def outcome(conv: Any, data: Any, cls: type) -> tuple[Any, ...]:
    try:
        value = conv.structure(data, cls)
    except Exception:
        return ("refused",)
    fields = {a.name: getattr(value, a.name) for a in attrs.fields(cls)}
    return ("ok", {k: (type(v), repr(v)) for k, v in fields.items()})


def same(data: Any, cls: type) -> None:
    assert outcome(fast_converter, data, cls) == outcome(converter, data, cls), data


@pytest.mark.parametrize("value", EDGE_INTS + EDGE_DECIMALS + ODD, ids=repr)
def test_an_int_field_is_bounded_alike(value: Any) -> None:
    same({"total": value, "current_page": value}, PageMeta)


@pytest.mark.parametrize("value", EDGE_DECIMALS + EDGE_INTS + ODD, ids=repr)
def test_an_amount_field_is_bounded_alike(value: Any) -> None:
    same({"id": "w1", "amount": value}, Wallet)


@pytest.mark.parametrize("value", [*ODD, Decimal("5.50"), 10**20], ids=repr)
def test_string_and_boolean_fields_convert_alike(value: Any) -> None:
    same({"id": "w1", "currency": value, "is_active": value}, Wallet)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (10**30 - 1, True), (10**30, False), (-(10**30) + 1, True), (-(10**30), False),
    ],
)  # fmt: skip
def test_the_int_bound_is_exclusive_on_both_paths(value: int, accepted: bool) -> None:
    for conv in (fast_converter, converter):
        assert (outcome(conv, {"total": value}, PageMeta)[0] == "ok") is accepted


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (Decimal("9.99E+39"), True), (Decimal("1E+40"), False), (Decimal("1E-40"), True),
        (Decimal("1E-41"), False), (Decimal("0E-100"), True), (Decimal("NaN"), False),
        (Decimal("Infinity"), False),
    ],
)  # fmt: skip
def test_the_amount_bound_is_exclusive_on_both_paths(value: Decimal, accepted: bool) -> None:
    for conv in (fast_converter, converter):
        assert (outcome(conv, {"id": "w", "amount": value}, Wallet)[0] == "ok") is accepted


def test_ids_sent_as_numbers_become_strings_on_both_paths() -> None:
    for conv in (fast_converter, converter):
        wallet = conv.structure({"id": 12345, "currency_id": 7, "is_active": 1}, Wallet)
        assert (wallet.id, wallet.currency_id, wallet.is_active) == ("12345", "7", True)


def test_a_missing_required_field_is_refused_on_both_paths() -> None:
    for conv in (fast_converter, converter):
        with pytest.raises(Exception):  # noqa: B017 - cattrs and the fast path differ in type
            conv.structure({"currency": "NGN"}, Wallet)


@model
class Probe(Model):
    """A required field whose value may be null: present (even as null) or refused."""

    ref: str | None
    count: int | None = None


def test_a_required_nullable_field_must_be_present_on_both_paths() -> None:
    for conv in (fast_converter, converter):
        assert conv.structure({"ref": None}, Probe).ref is None
        with pytest.raises(Exception):  # noqa: B017 - cattrs and the fast path differ in type
            conv.structure({"count": 1}, Probe)


def test_unknown_fields_land_in_extra_on_both_paths() -> None:
    data = {"id": "w1", "currency": "NGN", "tier": "gold", "limits": {"daily": "5"}}
    for conv in (fast_converter, converter):
        wallet = conv.structure(data, Wallet)
        assert wallet.extra == {"tier": "gold", "limits": {"daily": "5"}}
        assert conv.structure({"id": "w1"}, Wallet).extra == {}


def _scalar_models() -> list[type]:
    found = []
    for name in dir(models):
        cls = getattr(models, name)
        if isinstance(cls, type) and issubclass(cls, Model) and cls is not Model:
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


SCALARS = st.one_of(
    st.none(), st.booleans(), st.sampled_from(EDGE_INTS), st.integers(-(2**70), 2**70),
    st.sampled_from(EDGE_DECIMALS), st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=6), st.sampled_from(["1", "0", "true", "False", "1E+50", " 3 ", "x"]),
    st.lists(st.text(max_size=3), max_size=2),
)  # fmt: skip


MODELS = _scalar_models()


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_model_structures_alike_from_any_values(data: st.DataObject) -> None:
    cls = data.draw(st.sampled_from(MODELS))
    names = [a.name.removesuffix("_") for a in attrs.fields(cls) if a.name != "extra"]
    body = data.draw(st.dictionaries(st.sampled_from([*names, "unknown"]), SCALARS, max_size=8))
    typing.get_type_hints(cls)  # every annotation resolves
    same(body, cls)
