"""What goes out as JSON: exact amounts in plain notation, and nothing that is not JSON.

Pure: ``dumps`` is the one encoder of every request body (and of the sandbox's answers).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from blaaiz_async.errors import ArgumentTypeError, InvalidArgumentError, ValidationError
from blaaiz_async.models.converter import dumps


@pytest.mark.parametrize(
    ("amount", "wire"),
    [
        (Decimal("1E+3"), b"1000"),
        (Decimal("1.50"), b"1.50"),
        (Decimal("-1.5E+2"), b"-150"),
        (Decimal("1E-7"), b"0.0000001"),
        (Decimal("0E+50"), b"0"),
        (Decimal("12345678901234567890.12"), b"12345678901234567890.12"),
    ],
)
def test_amounts_go_out_exact_in_plain_notation(amount: Decimal, wire: bytes) -> None:
    encoded = dumps({"amount": amount})
    assert encoded == b'{"amount":' + wire + b"}"
    assert json.loads(encoded, parse_float=Decimal)["amount"] == amount


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"amount": Decimal("NaN")}, "not a finite number"),
        ({"amount": Decimal("sNaN")}, "not a finite number"),
        ({"amount": Decimal("Infinity")}, "not a finite number"),
        ({"amount": Decimal("-Infinity")}, "not a finite number"),
        ({"amount": float("nan")}, "amount is a float that is not finite"),
        ({"fees": [1.0, float("inf")]}, r"fees\[1\] is a float that is not finite"),
        ({"a": {"b": -float("inf")}, "c": None}, "a.b is a float that is not finite"),
        ({"amount": Decimal("1E+100000")}, "out of range"),
        ({"amount": Decimal("1E-100000")}, "out of range"),
    ],
)
def test_non_finite_or_absurd_amounts_are_refused_before_sending(body: Any, problem: str) -> None:
    with pytest.raises(InvalidArgumentError, match=problem) as info:
        dumps(body)
    assert isinstance(info.value, ValidationError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"file": object()}, "object values cannot go into a JSON body"),
        ({"n": 2**70}, "Integer exceeds 64-bit range"),
        ({1: "key is not a string"}, "cannot be written as JSON"),
    ],
)
def test_values_json_cannot_hold_are_typed_errors(body: Any, problem: str) -> None:
    with pytest.raises(ArgumentTypeError, match=problem) as info:
        dumps(body)
    assert isinstance(info.value, ValidationError) and isinstance(info.value, TypeError)


def test_null_and_finite_floats_still_go_out() -> None:
    assert dumps({"a": None, "b": 1.5, "c": [None]}) == b'{"a":null,"b":1.5,"c":[null]}'
