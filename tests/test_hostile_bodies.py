"""Answers a hostile or broken server can send: each is a typed error, found cheaply.

Pure: bodies go through the same ``parse_response`` the engine uses, no sockets.
"""

from __future__ import annotations

import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from blaaiz_async.errors import (
    MAX_KEPT_DEPTH,
    TOO_DEEP,
    BadRequestError,
    MalformedResponseError,
    NotFoundError,
    RateLimitError,
    ServerError,
    error_for_status,
)
from blaaiz_async.models import Customer, PageMeta, Wallet
from blaaiz_async.models.converter import converter, explain, fast_converter, loads
from blaaiz_async.pipeline import parse_response, unwrap
from blaaiz_async.routes import ROUTES

WALLET = {"id": "w1", "currency": "NGN", "amount": "10.00"}


@pytest.mark.parametrize(
    "raw_number",
    [
        "1E+300000",  # int(Decimal(...)) of this took 8 s of CPU and then succeeded
        "1e308",
        "-1E+31",
        "1E+30",
        '"999999999999999999999999999999999"',
        '"NaN"',
        "1.5",
    ],
)
def test_an_integer_field_out_of_range_is_malformed(raw_number: str) -> None:
    body = loads(f'{{"data": [], "meta": {{"current_page": {raw_number}}}}}')
    with pytest.raises(MalformedResponseError, match=r"meta\.current_page"):
        parse_response(ROUTES["customers.list"], body)


@pytest.mark.parametrize(
    ("raw_number", "expected"),
    [("3", 3), ("3.0", 3), ('"42"', 42), ("1E+2", 100), ("-7", -7), ("0E-500000", 0)],
)
def test_integer_fields_accept_what_the_api_sends(raw_number: str, expected: int) -> None:
    body = loads(f'{{"data": [], "meta": {{"total": {raw_number}}}}}')
    page = parse_response(ROUTES["customers.list"], body)
    assert page.meta is not None and page.meta.total == expected


@pytest.mark.parametrize("amount", ['"NaN"', '"Infinity"', '"-Infinity"', '"sNaN"', "1E+300000"])
def test_non_finite_or_absurd_amounts_are_malformed(amount: str) -> None:
    body = loads(f'{{"data": [{{"id": "w1", "amount": {amount}}}]}}')
    with pytest.raises(MalformedResponseError, match=r"\[0\]\.amount"):
        parse_response(ROUTES["wallets.list"], body)


def test_twenty_significant_digits_stay_exact() -> None:
    body = loads(b'{"data": [{"id": "w1", "amount": 12345678901234567890.12}]}')
    (wallet,) = parse_response(ROUTES["wallets.list"], body)
    assert wallet.amount == Decimal("12345678901234567890.12")


@pytest.mark.parametrize("size", [10, 1_000_000])
def test_a_string_where_a_list_belongs_is_refused_at_once(size: int) -> None:
    # A 1 MB string was structured one character at a time: 13 s and 1.7 GB.
    body = {"data": "x" * size}
    with pytest.raises(MalformedResponseError, match="expected a list, got str"):
        parse_response(ROUTES["wallets.list"], body)


def test_a_string_where_a_nested_list_belongs_is_refused() -> None:
    customer = {"id": "c1", "first_name": "A", "files": "y" * 100_000}
    assert explain(customer, Customer) == ".files: expected a list, got str"
    with pytest.raises(MalformedResponseError, match=r"\.files: expected a list"):
        parse_response(ROUTES["customers.get"], {"data": customer})


def test_a_million_bad_items_name_the_first_one_only() -> None:
    body = {"data": [WALLET] * 3 + [1] * 1_000_000}
    with pytest.raises(MalformedResponseError) as info:
        parse_response(ROUTES["wallets.list"], body)
    assert "[3]" in info.value.message
    assert len(info.value.message) < 300


@pytest.mark.parametrize(
    ("data", "cls", "path"),
    [
        ([WALLET, {"id": 5, "amount": "x"}], list[Wallet], "[1].amount"),
        ([WALLET, {"currency": "NGN"}], list[Wallet], "[1]"),
        ({"current_page": "one"}, PageMeta, ".current_page"),
        ("text", list[Wallet], "body"),
    ],
)
def test_explain_points_at_the_first_bad_value(data: Any, cls: Any, path: str) -> None:
    assert explain(data, cls).startswith(path)


def test_explain_is_empty_for_a_good_body() -> None:
    assert explain([WALLET], list[Wallet]) == ""


def _examples() -> list[tuple[str, Any]]:
    out = []
    for subject in ("customers_banks_accounts", "collections_webhooks_kyc"):
        data = loads(Path(f"tests/data/responses_{subject}.json").read_bytes())
        out += sorted((k, v) for k, v in data.items() if ROUTES[k].response is not None)
    return out


@pytest.mark.parametrize(("name", "body"), _examples())
def test_the_fast_path_structures_like_the_detailed_converter(name: str, body: Any) -> None:
    # The generated per-model functions serve every success; the detailed cattrs converter
    # is the reference they must agree with, unknown fields included.
    route = ROUTES[name]
    body = route.normalize(body) if route.normalize is not None else body
    payload = unwrap(route, body)
    fast = fast_converter.structure(payload, route.response)
    slow = converter.structure(payload, route.response)
    assert fast == slow
    for f, s in zip(
        fast if isinstance(fast, list) else [fast],
        slow if isinstance(slow, list) else [slow],
        strict=True,
    ):
        assert getattr(f, "extra", None) == getattr(s, "extra", None)


# -- nesting ---------------------------------------------------------------------------------

DEEP_TEXTS = ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000]


@pytest.mark.parametrize("raw", DEEP_TEXTS + [t.encode() for t in DEEP_TEXTS])
def test_json_nested_100_000_levels_deep_is_a_value_error(raw: str | bytes) -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        loads(raw)


@pytest.mark.parametrize("raw", DEEP_TEXTS)
@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, BadRequestError), (404, NotFoundError), (429, RateLimitError), (503, ServerError)],
)
def test_an_error_answer_nested_too_deeply_keeps_its_type_and_a_short_marker(
    raw: str, status: int, cls: type[Exception]
) -> None:
    # The engine hands an error body it cannot decode over as text.
    error = error_for_status(status, raw, route="wallets.list")
    assert type(error) is cls
    assert error.body == TOO_DEEP
    assert len(str(error)) < 100 and "nested too deeply" in str(error)


def _nested(levels: int) -> Any:
    body: Any = {"access_token": "tok-deep"}
    for _ in range(levels):
        body = [body]
    return body


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, list):
        value, depth = value[0] if value else None, depth + 1
    return depth


def test_an_error_keeps_a_decoded_deep_body_only_to_a_bounded_depth() -> None:
    error = error_for_status(500, {"message": "boom", "data": _nested(50_000)})
    assert isinstance(error, ServerError) and error.message == "boom"
    assert _depth(error.body["data"]) == MAX_KEPT_DEPTH - 1
    restored = pickle.loads(pickle.dumps(error))  # a 50,000-level list would not pickle
    assert repr(restored.body).endswith(f"'{TOO_DEEP}'" + "]" * (MAX_KEPT_DEPTH - 1) + "}")


def test_a_decodable_but_deep_success_body_is_malformed_and_kept_bounded() -> None:
    body = loads("[" * 500 + "]" * 500)
    with pytest.raises(MalformedResponseError) as info:
        parse_response(ROUTES["wallets.list"], {"data": body})
    assert _depth(info.value.body["data"]) == MAX_KEPT_DEPTH - 1
    pickle.loads(pickle.dumps(info.value))
