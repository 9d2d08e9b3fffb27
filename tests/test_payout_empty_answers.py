"""An empty or null answer to a payout: the money may have moved, and the error says so.

Item 16 of the hardening issue: a 204, ``{}``, ``{"data": null}`` or
``{"transaction": null}`` answer to ``payouts.create`` (never retried) is a
``MalformedResponseError`` whose message says the payout may have executed and which
carries the call's ``merchant_reference``; through the sandbox and a ``MockTransport``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import MalformedResponseError
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.testing import HTTPRequest, HTTPResponse, MockTransport

MAY_HAVE_EXECUTED = "the server may have acted on the request"


def payout(wallet_id: str = "w1", customer_id: str = "c1") -> dict[str, Any]:
    return {
        "wallet_id": wallet_id, "customer_id": customer_id, "method": "bank_transfer",
        "from_currency_id": "NGN", "to_currency_id": "NGN", "from_amount": "10",
        "bank_id": "058", "account_number": "0123456789", "merchant_reference": "order-16",
    }  # fmt: skip


def assert_may_have_executed(error: MalformedResponseError) -> None:
    assert MAY_HAVE_EXECUTED in error.message
    assert "merchant_reference 'order-16'" in error.message
    assert error.merchant_reference == "order-16"
    assert error.route == "payouts.create"


@pytest.mark.parametrize(
    ("status", "body"),
    [(204, None), (200, {}), (200, {"data": None}), (200, {"transaction": None})],
)
async def test_an_empty_payout_answer_from_the_sandbox_may_have_executed(
    status: int, body: Any
) -> None:
    async with Sandbox() as sb:
        client_id, secret = sb.add_client()
        sb.fail_next("payouts.create", status=status, body=body)
        async with BlaaizClient(
            client_id=client_id, client_secret=secret, base_url=sb.url, rate_limit=None
        ) as client:
            with pytest.raises(MalformedResponseError) as info:
                await client.payouts.create(
                    **payout(sb.wallet_id("NGN"), sb.customer_id)  # type: ignore[arg-type]
                )
        assert sb.count("payouts.create") == 1  # never sent twice
    assert_may_have_executed(info.value)


@pytest.mark.parametrize("raw", [b"", b"  ", b"{}", b'{"data": null}', b'{"transaction": null}'])
@pytest.mark.parametrize("status", [200, 201, 204])
async def test_an_empty_payout_answer_through_a_mock_transport_may_have_executed(
    raw: bytes, status: int
) -> None:
    def handle(request: HTTPRequest) -> HTTPResponse:
        if request.url.endswith("/oauth/token"):
            token = {"access_token": "tok-16", "expires_in": 600, "scope": "payout:create"}
            return HTTPResponse(200, {}, json.dumps(token).encode())
        return HTTPResponse(status, {}, raw)

    transport = MockTransport(handle)
    async with BlaaizClient(
        client_id="c", client_secret="s", base_url="https://api.test",
        transport=transport, rate_limit=None,
    ) as client:  # fmt: skip
        with pytest.raises(MalformedResponseError) as info:
            await client.payouts.create(**payout())  # type: ignore[arg-type]
    assert_may_have_executed(info.value)
    assert [r.method for r in transport.requests] == ["POST", "POST"]  # token, one payout
