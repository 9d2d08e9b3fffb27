"""Payout arguments: a typo fails, money stays exact, every payout can be looked up."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from mypy import api as mypy_api

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import (
    DuplicateReferenceError,
    InsufficientScopeError,
    UnknownFieldError,
    ValidationError,
)
from blaaiz_async.models.converter import loads
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.testing import HTTPRequest, HTTPResponse, MockTransport
from tests.test_client_sandbox import payout_args


async def test_a_misspelt_keyword_is_refused_before_sending(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    with pytest.raises(UnknownFieldError, match="did you mean 'merchant_reference'") as info:
        await client.payouts.create(**payout_args(sandbox, merchant_refrence="x"))  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError) and info.value.field == "merchant_refrence"
    assert sandbox.count("payouts.create") == 0


@pytest.mark.parametrize("amount", [1000.5, 0.1])
async def test_a_float_amount_is_refused_with_the_reason(
    client: BlaaizClient, sandbox: Sandbox, amount: float
) -> None:
    with pytest.raises(ValidationError, match=r"float.*exact"):
        await client.payouts.create(**payout_args(sandbox, from_amount=amount))  # type: ignore[arg-type]
    assert sandbox.count("payouts.create") == 0


async def test_a_missing_required_field_is_named(client: BlaaizClient, sandbox: Sandbox) -> None:
    args = payout_args(sandbox)
    del args["wallet_id"]
    with pytest.raises(ValidationError, match="wallet_id is required"):
        await client.payouts.create(**args)  # type: ignore[arg-type]


async def test_every_payout_carries_a_reference(client: BlaaizClient, sandbox: Sandbox) -> None:
    tx = await client.payouts.create(**payout_args(sandbox, from_amount="1000.10"))  # type: ignore[arg-type]
    assert tx.merchant_reference is not None and tx.merchant_reference.startswith("blaaiz-")
    found = await client.transactions.get(tx.merchant_reference)
    assert found.id == tx.id
    mine = await client.payouts.create(**payout_args(sandbox, merchant_reference="order-9"))  # type: ignore[arg-type]
    assert mine.merchant_reference == "order-9"


async def test_extra_body_goes_out_as_given() -> None:
    sent: list[bytes] = []

    def answer(request: HTTPRequest) -> HTTPResponse:
        if request.url.endswith("/oauth/token"):
            return HTTPResponse(200, {}, b'{"access_token": "t", "expires_in": 600}')
        assert isinstance(request.body, bytes)
        sent.append(request.body)
        return HTTPResponse(200, {}, b'{"transaction": {"id": "tx1"}}')

    extra = {"purpose_code": "SAL", "amount_hint": Decimal("12345678901234567890.12")}
    args = {**STATIC, "extra_body": extra}
    async with BlaaizClient(
        client_id="c", client_secret="s", base_url="https://api.test",
        transport=MockTransport(answer),
    ) as client:  # fmt: skip
        tx = await client.payouts.create(**args)  # type: ignore[arg-type]
    (body,) = [loads(raw) for raw in sent]
    assert body["purpose_code"] == "SAL"
    assert body["amount_hint"] == Decimal("12345678901234567890.12")
    assert body["from_amount"] == Decimal("10.50")
    assert "extra_body" not in body
    assert tx.merchant_reference == body["merchant_reference"]


STATIC = {
    "wallet_id": "w", "customer_id": "c", "method": "bank_transfer", "from_currency_id": "NGN",
    "to_currency_id": "NGN", "from_amount": "10.50", "bank_id": "058",
    "account_number": "0123456789",
}  # fmt: skip


def test_the_type_checker_sees_a_misspelt_keyword(tmp_path: Path) -> None:
    snippet = tmp_path / "typo.py"
    snippet.write_text(
        textwrap.dedent(
            """
            from blaaiz_async import BlaaizClient

            async def pay(client: BlaaizClient) -> None:
                await client.payouts.create(
                    wallet_id="w", customer_id="c", method="bank_transfer",
                    from_currency_id="NGN", to_currency_id="NGN", from_amount="10",
                    merchant_refrence="x",
                )
                await client.payouts.create(
                    wallet_id="w", customer_id="c", method="bank_transfr",
                    from_currency_id="NGN", to_currency_id="NGN", from_amount=10.5,
                )
            """
        )
    )
    out, _, status = mypy_api.run(["--strict", "--no-incremental", str(snippet)])
    assert status == 1
    assert '"merchant_refrence"' in out
    assert "'bank_transfr'" in out or '"bank_transfr"' in out
    assert "float" in out


# -- exactly once ------------------------------------------------------------------------------


async def test_ensure_finds_a_payout_whose_answer_was_lost(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    sandbox.drop_after_processing("payouts.create")
    tx = await client.payouts.ensure(**payout_args(sandbox, merchant_reference="order-1"))  # type: ignore[arg-type]
    assert tx.merchant_reference == "order-1"
    assert sandbox.count("payouts.create") == 1
    assert sandbox.count("transactions.get") == 1


async def test_ensure_resends_with_the_same_reference_when_nothing_was_executed(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    sandbox.drop_before_processing("payouts.create")
    tx = await client.payouts.ensure(**payout_args(sandbox))  # type: ignore[arg-type]
    assert sandbox.count("payouts.create") == 2
    found = await client.transactions.get(tx.merchant_reference or "")
    assert found.id == tx.id


async def test_ensure_returns_the_existing_payout_for_a_reused_reference(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    first = await client.payouts.create(**payout_args(sandbox, merchant_reference="order-2"))  # type: ignore[arg-type]
    with pytest.raises(DuplicateReferenceError):
        await client.payouts.create(**payout_args(sandbox, merchant_reference="order-2"))  # type: ignore[arg-type]
    again = await client.payouts.ensure(**payout_args(sandbox, merchant_reference="order-2"))  # type: ignore[arg-type]
    assert again.id == first.id


async def test_ensure_without_transaction_read_is_refused_before_sending(sandbox: Sandbox) -> None:
    client_id, secret = sandbox.add_client(scopes="payouts")
    async with BlaaizClient(
        client_id=client_id, client_secret=secret, base_url=sandbox.url, scopes="payouts"
    ) as client:
        with pytest.raises(InsufficientScopeError, match="transaction:read"):
            await client.payouts.ensure(**payout_args(sandbox))  # type: ignore[arg-type]
    assert sandbox.count("payouts.create") == 0
