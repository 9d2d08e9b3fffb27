"""Answers just under 2 MB built to be costly to parse: each is a typed error.

Their timings are the benchmark's (``benchmarks/hostile_parse.py``): tests assert no times.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from blaaiz_async import core
from blaaiz_async.errors import MAX_KEPT_VALUES, NOT_KEPT_KEY, MalformedResponseError, redact
from blaaiz_async.models.converter import loads
from blaaiz_async.routes import ROUTES
from blaaiz_async.transport import HTTPResponse
from tests.hostile_payloads import LIMIT, bodies

CASES = bodies()


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_answer_under_2_mb_is_a_typed_error(name: str) -> None:
    route_name, raw = CASES[name]
    assert len(raw) < LIMIT
    with pytest.raises(MalformedResponseError) as info:
        core.decode(ROUTES[route_name], HTTPResponse(200, {}, raw))
    info.value.scrub(("a-token-value-to-mask",))  # what the engine does next: it finishes
    assert len(str(info.value)) < 5_000


def test_an_error_keeps_a_bounded_part_of_a_huge_body() -> None:
    kept = redact({"client_secret": "s", "data": [{"id": i} for i in range(50_000)]})
    assert kept["client_secret"] == "***"
    assert len(kept["data"]) <= MAX_KEPT_VALUES + 1
    assert kept["data"][0] == {"id": 0} and "more items not kept" in kept["data"][-1]
    keys = redact({f"k{i}": i for i in range(MAX_KEPT_VALUES + 5)})
    assert keys[NOT_KEPT_KEY] == "5 more keys not kept"


def test_a_small_body_is_kept_whole() -> None:
    body = {"data": [{"id": str(i), "tags": [1, 2]} for i in range(100)], "meta": {}}
    assert redact(body) == body


def test_a_number_too_long_to_be_an_amount_is_not_json_the_sdk_reads() -> None:
    with pytest.raises(ValueError, match="a number of 201 characters"):
        loads(b'{"amount": 1.' + b"1" * 199 + b"}")
    assert loads(b'{"amount": 1234567.891}') == {"amount": Decimal("1234567.891")}


def test_a_string_too_long_to_be_an_amount_is_malformed() -> None:
    body = {"data": [{"id": "w1", "currency": "NGN", "amount": "1" * 101}]}
    with pytest.raises(MalformedResponseError, match="a string of 101 characters"):
        core.parse_response(ROUTES["wallets.list"], body)
