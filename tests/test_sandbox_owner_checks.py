"""A customer's owners, documents and beneficiaries are found under that customer only:
the same id under another customer's path is the API's 404, for every call that takes
both ids (``Table.get_or_404(..., customer_id=...)``); odd ids are a 404 too."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import NotFoundError
from blaaiz_async.sandbox import Sandbox
from tests.test_customers import _business_with_owner, new_business, new_customer


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sb:
        yield sb


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[BlaaizClient]:
    client_id, client_secret = sandbox.add_client()
    async with BlaaizClient(
        client_id=client_id, client_secret=client_secret, base_url=sandbox.url, rate_limit=None
    ) as c:
        yield c


async def not_found(call: Callable[[], Awaitable[Any]], noun: str) -> None:
    with pytest.raises(NotFoundError) as info:
        await call()
    assert info.value.status == 404 and str(info.value).endswith(f"{noun} not found")


async def test_another_customers_document_is_not_found(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    mine, theirs = sandbox.customer_id, await new_customer(client)
    doc = await client.customers.upload_document(
        mine, type="PROOF_OF_ADDRESS", name="bill.pdf", data=b"%PDF"
    )
    customers = client.customers
    await not_found(lambda: customers.get_document(theirs, doc.id), "Document")
    await not_found(lambda: customers.update_document(theirs, doc.id, name="x"), "Document")
    await not_found(lambda: customers.delete_document(theirs, doc.id), "Document")
    kept = await customers.get_document(mine, doc.id)  # untouched, still the owner's
    assert kept.name == "bill.pdf"
    assert await customers.list_documents(theirs) == []


async def test_another_customers_owner_is_not_found(client: BlaaizClient, sandbox: Sandbox) -> None:
    business, owner_id = await _business_with_owner(client)
    other = await new_business(client)
    customers = client.customers
    await not_found(lambda: customers.delete_owner(other, owner_id), "Owner")
    await not_found(
        lambda: customers.get_owner_file_presigned_url(
            other, owner_id, file_category="id_document_front"
        ),
        "Owner",
    )
    await not_found(
        lambda: customers.upload_owner_files(other, owner_id, id_document_front="f"), "Owner"
    )
    assert [o.id for o in (await customers.get(business)).owners or []] == [owner_id]


async def test_another_customers_beneficiary_is_not_found(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    mine, theirs = sandbox.customer_id, await new_customer(client)
    await client.payouts.create(
        wallet_id=sandbox.wallet_id("NGN"), customer_id=mine, method="bank_transfer",
        from_currency_id="NGN", to_currency_id="NGN", from_amount=5000, bank_id="058",
        account_number="0123456789", account_name="ADA OBI",
    )  # fmt: skip
    (beneficiary,) = await client.customers.list_beneficiaries(mine)
    await not_found(lambda: client.customers.get_beneficiary(theirs, beneficiary.id), "Beneficiary")
    assert (await client.customers.get_beneficiary(mine, beneficiary.id)).id == beneficiary.id


async def test_two_customers_paying_one_account_each_get_their_own_beneficiary(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    mine, theirs = sandbox.customer_id, await new_customer(client)
    for customer_id in (mine, theirs):
        await client.payouts.create(
            wallet_id=sandbox.wallet_id("NGN"), customer_id=customer_id,
            method="bank_transfer", from_currency_id="NGN", to_currency_id="NGN",
            from_amount=5000, bank_id="058", account_number="0123456789",
        )  # fmt: skip
    (my_one,) = await client.customers.list_beneficiaries(mine)
    (their_one,) = await client.customers.list_beneficiaries(theirs)
    assert my_one.id != their_one.id
    await not_found(lambda: client.customers.get_beneficiary(mine, their_one.id), "Beneficiary")


@pytest.mark.parametrize(
    "weird", ["../wallet", "..%2F..%2Fwallets", "a/b", "%00", "ü-ñ-😀", "?x=1", "#top"]
)
async def test_odd_ids_are_not_found(client: BlaaizClient, sandbox: Sandbox, weird: str) -> None:
    await not_found(lambda: client.customers.get(weird), "Customer")
    await not_found(lambda: client.customers.get_document(sandbox.customer_id, weird), "Document")
    await not_found(lambda: client.wallets.get(weird), "Wallet")
