"""``payouts.ensure`` and the payout body, against a fake API that keeps
``merchant_reference`` unique and loses answers on cue (a ``MockTransport``, no sockets).

The property under test: however answers are lost, at most one payout exists per
reference, every resend carries the same reference, a resend happens only after a lookup
said "not found", and whatever ``ensure`` raises leaves the caller able to look it up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import (
    BadRequestError,
    OutcomeUnknownError,
    ServerError,
    ValidationError,
)
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.scopes import ScopeBundle, format_scopes
from blaaiz_async.testing import HTTPRequest, HTTPResponse, MockTransport, TransportError

PAYOUT: dict[str, Any] = {
    "wallet_id": "w1", "customer_id": "c1", "method": "bank_transfer",
    "from_currency_id": "NGN", "to_currency_id": "NGN", "from_amount": "10",
    "bank_id": "058", "account_number": "0123456789",
}  # fmt: skip
TAKEN = "The merchant reference has already been taken."


class FakeAPI:
    """Payouts unique by reference. ``posts`` scripts each POST in turn:

    - ``ok``: do it, answer it;  ``lost``: do it, drop the answer;
    - ``unsent``: drop the connection before doing anything;
    - ``garbled``: do it, answer 200 with an unreadable body;  ``5xx``: do it, answer 504;
    - ``failed``: answer 500 without doing anything.

    ``lookups`` scripts each GET: ``ok`` (the truth), ``down`` (503, every retry too).
    """

    def __init__(self, posts: list[str], lookups: list[str] | None = None) -> None:
        self.posts = iter(posts)
        self.lookups: Iterator[str] = iter(lookups or [])
        self.payouts: dict[str, dict[str, Any]] = {}
        self.log: list[str] = []
        self.transport = MockTransport(self.handle)

    def handle(self, request: HTTPRequest) -> HTTPResponse:
        path = request.url.split("://", 1)[1].split("/", 1)[1]
        if path == "oauth/token":
            grant = {"access_token": "tok", "expires_in": 600}
            grant["scope"] = format_scopes(ScopeBundle.FULL_ACCESS.scopes)
            return HTTPResponse(200, {}, json.dumps(grant).encode())
        if request.method == "POST":
            assert isinstance(request.body, bytes)
            return self.post(json.loads(request.body))
        reference = path.rsplit("/", 1)[1]
        self.log.append(f"GET {reference}")
        if next(self.lookups, "ok") == "down":
            return HTTPResponse(503, {}, b'{"message": "down"}')
        found = self.payouts.get(reference)
        if found is None:
            return HTTPResponse(404, {}, b'{"message": "Transaction not found"}')
        return HTTPResponse(200, {}, json.dumps({"data": found}).encode())

    def post(self, body: dict[str, Any]) -> HTTPResponse:
        reference = body["merchant_reference"]
        self.log.append(f"POST {reference}")
        mode = next(self.posts)
        if mode == "unsent":
            raise TransportError("server closed the connection", host="api.test", sent=True)
        if mode == "failed":
            return HTTPResponse(500, {}, b'{"message": "Server Error"}')
        if reference in self.payouts:
            errors = {"merchant_reference": [TAKEN]}
            answer = {"message": "The given data was invalid.", "errors": errors}
            return HTTPResponse(422, {}, json.dumps(answer).encode())
        tx = {"id": f"tx-{len(self.payouts) + 1}", "merchant_reference": reference}
        self.payouts[reference] = tx
        if mode == "lost":
            raise TransportError("read timed out", host="api.test", sent=True, timeout=True)
        if mode == "garbled":
            return HTTPResponse(200, {}, b"<html>upstream</html>")
        if mode == "5xx":
            return HTTPResponse(504, {}, b'{"message": "Gateway Timeout"}')
        return HTTPResponse(200, {}, json.dumps({"transaction": tx}).encode())

    def client(self) -> BlaaizClient:
        return BlaaizClient(
            client_id="c", client_secret="s", base_url="https://api.test",
            transport=self.transport, retry=RetryPolicy(base_delay=0.001, max_delay=0.002),
        )  # fmt: skip


async def ensure(api: FakeAPI, **kw: Any) -> Any:
    async with api.client() as client:
        return await client.payouts.ensure(**{**PAYOUT, **kw})


@pytest.mark.parametrize("lost", ["lost", "garbled", "5xx"])
async def test_an_executed_payout_whose_answer_was_lost_is_found_not_resent(lost: str) -> None:
    api = FakeAPI([lost])
    tx = await ensure(api, merchant_reference="order-1")
    assert tx.id == "tx-1" and tx.merchant_reference == "order-1"
    assert api.log == ["POST order-1", "GET order-1"]


async def test_a_payout_that_never_arrived_is_resent_with_the_same_reference() -> None:
    api = FakeAPI(["unsent", "unsent", "ok"])
    tx = await ensure(api)
    reference = tx.merchant_reference
    assert reference and reference.startswith("blaaiz-") and len(api.payouts) == 1
    assert api.log == [f"{verb} {reference}" for verb in ["POST", "GET"] * 2 + ["POST"]]


async def test_a_5xx_for_a_payout_that_was_not_executed_is_looked_up_then_resent() -> None:
    api = FakeAPI(["failed", "ok"])
    tx = await ensure(api, merchant_reference="order-2")
    assert tx.id == "tx-1" and api.log == ["POST order-2", "GET order-2", "POST order-2"]


async def test_when_every_attempt_is_lost_the_last_unknown_outcome_is_raised() -> None:
    api = FakeAPI(["unsent"] * 3)
    with pytest.raises(OutcomeUnknownError) as info:
        await ensure(api, merchant_reference="order-3")
    assert info.value.merchant_reference == "order-3"
    assert api.log == ["POST order-3", "GET order-3", "POST order-3", "GET order-3", "POST order-3"]


@pytest.mark.parametrize("attempts", [1, 0, -5])
async def test_one_attempt_sends_once_and_looks_nothing_up(attempts: int) -> None:
    api = FakeAPI(["unsent"])
    with pytest.raises(OutcomeUnknownError):
        await ensure(api, merchant_reference="order-4", attempts=attempts)
    assert api.log == ["POST order-4"]


async def test_a_lookup_that_fails_is_raised_and_the_payout_is_not_resent() -> None:
    api = FakeAPI(["unsent"], lookups=["down"] * 10)
    with pytest.raises(ServerError) as info:
        await ensure(api, merchant_reference="order-6")
    assert [line for line in api.log if line.startswith("POST")] == ["POST order-6"]
    assert info.value.merchant_reference == "order-6"  # type: ignore[attr-defined]  # look again later


async def test_a_reused_reference_returns_the_existing_payout() -> None:
    api = FakeAPI(["ok", "ok"])
    first = await ensure(api, merchant_reference="order-8")
    again = await ensure(api, merchant_reference="order-8")
    assert again.id == first.id and len(api.payouts) == 1


async def test_a_refused_payout_is_raised_as_it_came() -> None:
    def refuse(request: HTTPRequest) -> HTTPResponse:
        if request.url.endswith("oauth/token"):
            return HTTPResponse(200, {}, b'{"access_token": "tok", "expires_in": 600}')
        return HTTPResponse(400, {}, b'{"message": "Insufficient wallet balance"}')

    transport = MockTransport(refuse)
    async with BlaaizClient(
        client_id="c", client_secret="s", base_url="https://api.test", transport=transport
    ) as client:
        with pytest.raises(BadRequestError, match="Insufficient"):
            await client.payouts.ensure(**PAYOUT)
    assert [r.method for r in transport.requests] == ["POST", "POST"]  # token, one payout


# -- the reference and the body ----------------------------------------------------------------


@pytest.mark.parametrize("reference", ["", " ", ".", "..", " order-1", "order-1\n", "\t"])
async def test_a_reference_that_cannot_be_looked_up_is_refused_before_sending(
    reference: str,
) -> None:
    api = FakeAPI(["lost"])
    async with api.client() as client:
        with pytest.raises(ValidationError) as info:
            await client.payouts.ensure(**PAYOUT, merchant_reference=reference)
        assert info.value.field == "merchant_reference"
        with pytest.raises(ValidationError):
            await client.payouts.create(**PAYOUT, merchant_reference=reference)
    assert api.log == []


@pytest.mark.parametrize(
    "extra",
    [
        {"from_amount": "99999"},  # a checked field, changed after its checks
        {"merchant_reference": "other"},  # the lookup would use one, the API another
        {"tip": 1.5},  # a float is not the amount it shows, here as anywhere
    ],
)
async def test_extra_body_cannot_bypass_the_checks(extra: dict[str, Any]) -> None:
    api = FakeAPI(["ok"])
    async with api.client() as client:
        with pytest.raises(ValidationError):
            await client.payouts.create(**PAYOUT, extra_body=extra)
    assert api.log == []


async def test_extra_body_still_carries_fields_this_release_does_not_know() -> None:
    api = FakeAPI(["ok"])
    async with api.client() as client:
        await client.payouts.create(
            **PAYOUT, extra_body={"purpose_code": "SAL", "limit": Decimal("1.25"), "n": 3}
        )
    assert len(api.payouts) == 1
