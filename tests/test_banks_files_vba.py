"""Banks, momo operators, rates, presigned URLs and virtual bank accounts through the SDK
against the sandbox; and the group's route table held against tests/data/endpoints.tsv."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from blaaiz_async import BlaaizClient, Scope
from blaaiz_async.errors import (
    BadRequestError,
    InsufficientScopeError,
    NotFoundError,
    ValidationError,
)
from blaaiz_async.models import (
    AccountLookupRequest,
    PayeeVerificationRequest,
    PresignedUrlRequest,
    VirtualAccountStatus,
    VirtualBankAccountCreate,
)
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.routes import ROUTES
from blaaiz_async.sandbox import Sandbox

ENDPOINT_ROWS = range(4, 36)  # the rows of tests/data/endpoints.tsv tested here
DE_IBAN = "DE89370400440532013000"


@pytest.fixture
async def fast_client(sandbox: Sandbox) -> AsyncIterator[BlaaizClient]:
    """Full access with near-zero backoff, for retry tests."""
    client_id, client_secret = sandbox.add_client()
    async with BlaaizClient(
        client_id=client_id, client_secret=client_secret, base_url=sandbox.url,
        retry=RetryPolicy(base_delay=0.01, max_delay=0.02),
    ) as c:  # fmt: skip
        yield c


async def individual(client: BlaaizClient, *, verified: bool) -> str:
    customer = await client.customers.create(
        type="individual", email="v@example.com", country="GB", first_name="Vic",
        last_name="Tor", id_type="passport", id_number="P1",
    )  # fmt: skip
    if verified:
        await client.customers.upload_file(customer.id, file_category="identity", data=b"id")
    return customer.id


# -- the route table against the independent endpoint list -----------------------------------


def test_routes_match_the_endpoint_list() -> None:
    rows = [
        line.rstrip("\n").split("\t")
        for line in Path("tests/data/endpoints.tsv").read_text().splitlines(keepends=True)
        if line.strip() and not line.startswith("#")
    ]
    checked = 0
    for number, name, verb, path, scopes, retry in rows:
        if int(number) not in ENDPOINT_ROWS:
            continue
        route = ROUTES[name]
        assert route.method == verb, name
        assert re.sub(r"\{\w+\}", "{}", route.path) == path, name
        expected = set() if scopes == "-" else set(scopes.split())
        assert {str(s) for s in route.scopes} == expected, name
        assert route.idempotent == (retry in ("G", "RP", "U")), name
        checked += 1
    assert checked == len(ENDPOINT_ROWS)


# -- rates -----------------------------------------------------------------------------------


async def test_rates(client: BlaaizClient, sandbox: Sandbox) -> None:
    everything = await client.rates.list()
    assert len(everything) > 10
    (usd_ngn,) = await client.rates.list(search_term="USD/NGN")
    assert (usd_ngn.from_currency, usd_ngn.to_currency) == ("USD", "NGN")
    assert usd_ngn.rate is not None and usd_ngn.rate > 1000
    assert sandbox.count("rates.list") == 2


async def test_rates_need_their_scope(sandbox: Sandbox) -> None:
    client_id, client_secret = sandbox.add_client()
    async with BlaaizClient(
        client_id=client_id, client_secret=client_secret, base_url=sandbox.url,
        scopes=[Scope.BANK_READ],
    ) as c:  # fmt: skip
        with pytest.raises(InsufficientScopeError):
            await c.rates.list()
        assert await c.banks.list(currency="NGN")
    assert sandbox.count("rates.list") == 0


# -- banks -----------------------------------------------------------------------------------


async def test_banks_list_and_filters(client: BlaaizClient, sandbox: Sandbox) -> None:
    ngn = await client.banks.list(currency="NGN")
    assert ngn and all(b.country is not None and b.country.code == "NG" for b in ngn)
    ghana = await client.banks.list(country="GH")
    assert ghana and {b.id for b in ghana}.isdisjoint({b.id for b in ngn})
    assert len(await client.banks.list()) > len(ngn)
    with pytest.raises(ValidationError):
        await client.banks.list(country="Nigeria")
    assert sandbox.count("banks.list") == 3


async def test_lookup_account(client: BlaaizClient, sandbox: Sandbox) -> None:
    bank = (await client.banks.list(currency="NGN"))[0]
    found = await client.banks.lookup_account(account_number="0123456789", bank_id=bank.id)
    assert found.account_name and found.bank_name == bank.name
    by_code = await client.banks.lookup_account(
        AccountLookupRequest(account_number="0123456789", bank_code=bank.code, currency="NGN")
    )
    assert by_code.account_name == found.account_name  # the same holder every time
    with pytest.raises(BadRequestError, match="account number"):
        await client.banks.lookup_account(account_number="12", bank_id=bank.id)
    with pytest.raises(BadRequestError, match="bank code"):
        await client.banks.lookup_account(account_number="0123456789", bank_id="nope")


async def test_lookup_rules_before_sending(client: BlaaizClient, sandbox: Sandbox) -> None:
    with pytest.raises(ValidationError) as info:
        await client.banks.lookup_account(account_number="0123456789")
    assert info.value.field == "bank_id"
    with pytest.raises(ValidationError) as info:
        await client.banks.lookup_account(account_number="0123456789", bank_code="044")
    assert info.value.field == "currency"
    with pytest.raises(ValidationError):
        await client.banks.lookup_account(bank_id="b")
    assert sandbox.count("banks.lookup_account") == 0


async def test_read_only_posts_are_retried(fast_client: BlaaizClient, sandbox: Sandbox) -> None:
    bank = (await fast_client.banks.list(currency="NGN"))[0]
    sandbox.fail_next("banks.lookup_account", status=503)
    found = await fast_client.banks.lookup_account(account_number="0123456789", bank_id=bank.id)
    assert found.account_number == "0123456789"
    assert sandbox.count("banks.lookup_account") == 2
    sandbox.fail_next("banks.verify_iban", status=502)
    assert (await fast_client.banks.verify_iban(DE_IBAN)).is_sepa_reachable
    assert sandbox.count("banks.verify_iban") == 2


async def test_verify_payee(client: BlaaizClient, sandbox: Sandbox) -> None:
    bank = (await client.banks.list(country="GH"))[0]  # 8-digit numbers are not NGN ones
    holder = await client.banks.lookup_account(account_number="12345678", bank_id=bank.id)
    match = await client.banks.verify_payee(
        sort_code="04-00-04", account_number="12345678", account_name=holder.account_name
    )
    assert match.is_match and match.matched is True
    miss = await client.banks.verify_payee(
        PayeeVerificationRequest(
            sort_code="040004", account_number="12345678", account_name="Somebody Else"
        )
    )
    assert not miss.is_match and miss.reason
    with pytest.raises(ValidationError) as info:
        await client.banks.verify_payee(sort_code="0400", account_number="1", account_name="x")
    assert info.value.field == "sort_code"
    with pytest.raises(ValidationError):
        await client.banks.verify_payee(sort_code="040004", account_number="12345678")
    assert sandbox.count("banks.verify_payee") == 2


async def test_verify_iban(client: BlaaizClient, sandbox: Sandbox) -> None:
    result = await client.banks.verify_iban("de89 3704 0044 0532 0130 00")
    assert result.iban == DE_IBAN and result.is_sepa_reachable
    with pytest.raises(BadRequestError, match="Invalid IBAN"):
        await client.banks.verify_iban("DE00370400440532013000")  # bad check digits
    with pytest.raises(ValidationError):
        await client.banks.verify_iban("12345")
    assert sandbox.count("banks.verify_iban") == 2


async def test_momo_operators(client: BlaaizClient, sandbox: Sandbox) -> None:
    kes = next(c for c in await client.currencies.list() if c.code == "KES")
    by_currency = await client.momo_operators.list(currency_id=kes.id)
    assert by_currency and {o.country_id for o in by_currency} == {"KE"}
    by_country = await client.momo_operators.list(country_id="GH")
    assert by_country and all(o.country_id == "GH" for o in by_country)
    assert len(await client.momo_operators.list()) > len(by_currency)


# -- presigned URLs --------------------------------------------------------------------------


async def test_presigned_url(client: BlaaizClient, sandbox: Sandbox) -> None:
    presigned = await client.files.get_presigned_url(
        customer_id=sandbox.customer_id, file_category="identity",
        file_name="id.png", file_type="image/png",
    )  # fmt: skip
    assert presigned.upload_url == f"{sandbox.url}/_storage/{presigned.file_id}"
    assert presigned.target_url == presigned.upload_url
    assert presigned.headers == {"Content-Type": "image/png"} and presigned.expires_at
    slot = sandbox.state.upload_slots[presigned.file_id]
    assert slot["customer_id"] == sandbox.customer_id and slot["file_category"] == "identity"
    model = await client.files.get_presigned_url(
        PresignedUrlRequest(customer_id=sandbox.customer_id, file_category="proof_of_address")
    )
    assert model.file_id != presigned.file_id


async def test_presigned_url_rules(client: BlaaizClient, sandbox: Sandbox) -> None:
    with pytest.raises(ValidationError) as info:
        await client.files.get_presigned_url(customer_id=sandbox.customer_id, file_category="x")
    assert info.value.field == "file_category"
    with pytest.raises(ValidationError):
        await client.files.get_presigned_url(file_category="identity")
    assert sandbox.count("files.get_presigned_url") == 0
    with pytest.raises(NotFoundError):
        await client.files.get_presigned_url(customer_id="nobody", file_category="identity")


async def test_presigned_url_double_wrapped(client: BlaaizClient, sandbox: Sandbox) -> None:
    body = {
        "message": "ok",
        "data": {"status": True, "data": {"file_id": "f", "url": "http://s/f"}},
    }
    sandbox.fail_next("files.get_presigned_url", status=200, body=body)
    presigned = await client.files.get_presigned_url(
        customer_id=sandbox.customer_id, file_category="identity"
    )
    assert (presigned.file_id, presigned.target_url) == ("f", "http://s/f")


async def test_put_external_never_sends_credentials(client: BlaaizClient) -> None:
    seen: list[dict[str, str]] = []

    async def put(request: web.Request) -> web.Response:
        seen.append({k.lower(): v for k, v in request.headers.items()})
        return web.Response(status=201, headers={"ETag": '"e"'})

    app = web.Application()
    app.router.add_put("/{key}", put)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("/k")) + "?X-Amz-Credential=AKIA%2F2024%2Fs3&X-Amz-Signature=ab"
        status, headers = await client._pipeline.put_external(
            url, b"data", {"Authorization": "Bearer leak", "x-blaaiz-api-key": "k", "A": "1"}
        )
    assert status == 201 and headers["ETag"] == '"e"'
    assert "authorization" not in seen[0] and "x-blaaiz-api-key" not in seen[0]
    assert seen[0]["a"] == "1"


# -- virtual bank accounts -------------------------------------------------------------------


async def test_create_ngn_account(client: BlaaizClient, sandbox: Sandbox) -> None:
    wallet = sandbox.wallet_id("NGN")
    (vba,) = await client.virtual_bank_accounts.create(
        wallet_id=wallet, account_name="Acme Collections", currency="NGN"
    )
    assert vba.status == VirtualAccountStatus.SUCCESSFUL and vba.business_wallet_id == wallet
    assert vba.account_number and len(vba.account_number) == 10 and vba.currency_id == 1
    assert (await client.virtual_bank_accounts.get(vba.id)).account_number == vba.account_number
    with pytest.raises(BadRequestError, match="already exists"):
        await client.virtual_bank_accounts.create(
            VirtualBankAccountCreate(wallet_id=wallet, account_name="acme collections")
        )


async def test_create_rules_before_sending(client: BlaaizClient, sandbox: Sandbox) -> None:
    wallet = sandbox.wallet_id("NGN")
    cases: list[tuple[dict[str, str], str]] = [
        ({"currency": "NGN"}, "account_name"),
        ({"currency": "GBP"}, "customer_id"),
        ({"currency": "CAD"}, "currency"),
        ({"account_name": "x" * 256}, "account_name"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as info:
            await client.virtual_bank_accounts.create(wallet_id=wallet, **kwargs)
        assert info.value.field == field
    with pytest.raises(ValidationError):
        await client.virtual_bank_accounts.create(account_name="No wallet")
    assert sandbox.count("virtual_bank_accounts.create") == 0
    # Without the currency hint the API is the one to say no.
    with pytest.raises(BadRequestError) as server:
        await client.virtual_bank_accounts.create(wallet_id=wallet)
    assert server.value.status == 422 and "account_name" in server.value.errors


async def test_create_rules_of_the_server(client: BlaaizClient, sandbox: Sandbox) -> None:
    with pytest.raises(BadRequestError, match="Currency CAD not supported"):
        await client.virtual_bank_accounts.create(wallet_id=sandbox.wallet_id("CAD"))
    business = await client.customers.create(
        type="business", email="b@example.com", country="GB", business_name="B Ltd",
        registration_number="123", incorporation_country="GB",
    )  # fmt: skip
    with pytest.raises(BadRequestError, match="individual"):
        await client.virtual_bank_accounts.create(
            wallet_id=sandbox.wallet_id("GBP"), customer_id=business.id
        )
    with pytest.raises(NotFoundError):
        await client.virtual_bank_accounts.create(wallet_id="no-such-wallet", account_name="x")


async def test_non_ngn_accounts_follow_kyc(client: BlaaizClient, sandbox: Sandbox) -> None:
    pending_id = await individual(client, verified=False)
    (pending,) = await client.virtual_bank_accounts.create(
        wallet_id=sandbox.wallet_id("EUR"), customer_id=pending_id, currency="EUR"
    )
    assert pending.status == VirtualAccountStatus.PENDING and pending.iban is None
    verified_id = await individual(client, verified=True)
    (ready,) = await client.virtual_bank_accounts.create(
        wallet_id=sandbox.wallet_id("GBP"), customer_id=verified_id
    )
    assert ready.status == VirtualAccountStatus.SUCCESSFUL
    assert ready.sort_code and ready.account_number and ready.iban
    assert ready.account_name == "Vic Tor"


async def test_list_accounts(client: BlaaizClient, sandbox: Sandbox) -> None:
    ngn, gbp = sandbox.wallet_id("NGN"), sandbox.wallet_id("GBP")
    (a,) = await client.virtual_bank_accounts.create(wallet_id=ngn, account_name="A")
    (b,) = await client.virtual_bank_accounts.create(wallet_id=ngn, account_name="B")
    cid = await individual(client, verified=True)
    (c,) = await client.virtual_bank_accounts.create(wallet_id=gbp, customer_id=cid)
    assert [v.id for v in await client.virtual_bank_accounts.list(wallet_id=ngn)] == [a.id, b.id]
    assert [v.id for v in await client.virtual_bank_accounts.list(customer_id=cid)] == [c.id]
    assert len(await client.virtual_bank_accounts.list()) == 3


async def test_list_reads_a_lone_object(client: BlaaizClient, sandbox: Sandbox) -> None:
    lone = {"message": "ok", "data": {"id": "v1", "currency_id": 1, "status": "SUCCESSFUL"}}
    sandbox.fail_next("virtual_bank_accounts.list", status=200, body=lone)
    (vba,) = await client.virtual_bank_accounts.list(wallet_id="w")
    assert vba.id == "v1"


async def test_close_once(client: BlaaizClient, sandbox: Sandbox) -> None:
    (vba,) = await client.virtual_bank_accounts.create(
        wallet_id=sandbox.wallet_id("NGN"), account_name="Temp"
    )
    closed = await client.virtual_bank_accounts.close(vba.id, reason="no longer needed")
    assert closed.message and closed.account is not None
    assert closed.account.status == VirtualAccountStatus.CLOSED
    assert (await client.virtual_bank_accounts.get(vba.id)).status == "CLOSED"
    with pytest.raises(BadRequestError, match="already closed"):
        await client.virtual_bank_accounts.close(vba.id)
    assert sandbox.count("virtual_bank_accounts.close") == 2
    with pytest.raises(NotFoundError):
        await client.virtual_bank_accounts.close("missing")


async def test_close_reads_a_bare_ack(client: BlaaizClient, sandbox: Sandbox) -> None:
    sandbox.fail_next("virtual_bank_accounts.close", status=200, body={"message": "Closed"})
    closed = await client.virtual_bank_accounts.close("v1")
    assert closed.message == "Closed" and closed.account is None


async def test_get_unknown_account(client: BlaaizClient) -> None:
    with pytest.raises(NotFoundError):
        await client.virtual_bank_accounts.get("missing")
    with pytest.raises(ValidationError):
        await client.virtual_bank_accounts.get("")


async def test_identification_type(client: BlaaizClient, sandbox: Sandbox) -> None:
    vba = client.virtual_bank_accounts
    bvn = await vba.get_identification_type(country="NG", type="individual")
    assert (bvn.label, bvn.type) == ("Bank Verification Number", "bvn")
    by_customer = await vba.get_identification_type(customer_id=sandbox.customer_id)
    assert by_customer.type == "bvn"  # the seeded customer is a Nigerian individual
    business = await vba.get_identification_type(country="GB", type="business")
    assert business.type and business.type != "bvn"
    with pytest.raises(NotFoundError):
        await vba.get_identification_type(customer_id="nobody")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"country": "NG"},
        {"type": "individual"},
        {"customer_id": "c", "country": "NG", "type": "individual"},
        {"country": "Nigeria", "type": "individual"},
        {"country": "NG", "type": "person"},
    ],
)
async def test_identification_type_rules(
    client: BlaaizClient, sandbox: Sandbox, kwargs: dict[str, str]
) -> None:
    with pytest.raises(ValidationError):
        await client.virtual_bank_accounts.get_identification_type(**kwargs)
    assert sandbox.count("virtual_bank_accounts.get_identification_type") == 0


async def test_vba_scopes(sandbox: Sandbox) -> None:
    client_id, client_secret = sandbox.add_client()
    async with BlaaizClient(
        client_id=client_id, client_secret=client_secret, base_url=sandbox.url,
        scopes=[Scope.VIRTUAL_ACCOUNT_READ],
    ) as c:  # fmt: skip
        with pytest.raises(InsufficientScopeError):
            await c.virtual_bank_accounts.create(wallet_id="w", account_name="n")
        with pytest.raises(InsufficientScopeError):
            await c.virtual_bank_accounts.close("v")
        assert await c.virtual_bank_accounts.list() == []
    assert sandbox.count("virtual_bank_accounts.create") == 0
