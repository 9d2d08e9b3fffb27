"""Amount and ``extra_body`` edges of ``request_body()``: a boolean is no amount, a
non-finite one is refused by name, an ``extra_body`` that is not a mapping is refused even
when it is empty, and a non-2xx that is not an error status (a 3xx) is never a success."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import APIStatusError, ArgumentTypeError, ValidationError
from blaaiz_async.models import PayoutFields
from blaaiz_async.rules.base import request_body
from blaaiz_async.testing import HTTPRequest, HTTPResponse, MockTransport

from .test_payout_arguments import STATIC


@pytest.mark.parametrize("amount", [True, False])
def test_a_boolean_is_not_an_amount(amount: bool) -> None:
    with pytest.raises(ValidationError, match="from_amount must be a number"):
        request_body(PayoutFields, {**STATIC, "from_amount": amount}, context="payout")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-inf", Decimal("NaN"), " sNaN "])
def test_a_non_finite_amount_is_refused_by_name(amount: Any) -> None:
    with pytest.raises(ValidationError, match="from_amount must be a finite number"):
        request_body(PayoutFields, {**STATIC, "from_amount": amount}, context="payout")


@pytest.mark.parametrize("amount", [" 10.50 ", "1E+2", 7, Decimal("-0.00")])
def test_an_exact_amount_stays_exact(amount: Any) -> None:
    body = request_body(PayoutFields, {**STATIC, "from_amount": amount}, context="payout")
    expected = Decimal(amount.strip() if isinstance(amount, str) else amount)
    assert body["from_amount"] == expected and type(body["from_amount"]) is Decimal
    assert str(body["from_amount"]) == str(expected)


@pytest.mark.parametrize("extra", [[], "", 0, (), ["purpose_code"]])
def test_an_extra_body_that_is_not_a_mapping_is_refused(extra: Any) -> None:
    with pytest.raises(ArgumentTypeError, match="extra_body must be a mapping"):
        request_body(PayoutFields, {**STATIC, "extra_body": extra}, context="payout")


def test_an_empty_extra_body_mapping_adds_nothing() -> None:
    body = request_body(PayoutFields, {**STATIC, "extra_body": {}}, context="payout")
    assert "extra_body" not in body and body["wallet_id"] == "w"


@pytest.mark.parametrize("status", [300, 302, 304])
async def test_a_3xx_answer_is_an_error_not_a_success(status: int) -> None:
    def answer(request: HTTPRequest) -> HTTPResponse:
        if request.url.endswith("/oauth/token"):
            return HTTPResponse(200, {}, b'{"access_token": "t", "expires_in": 600}')
        return HTTPResponse(status, {"Location": "https://elsewhere.test/"}, b'{"data": []}')

    async with BlaaizClient(
        client_id="c", client_secret="s", base_url="https://api.test",
        transport=MockTransport(answer),
    ) as client:  # fmt: skip
        with pytest.raises(APIStatusError) as info:
            await client.wallets.list()
    assert info.value.status == status
