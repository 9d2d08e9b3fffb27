"""Customers through the SDK against the sandbox on a real socket: CRUD, KYC/KYB,
beneficiaries, owners, documents, and the presigned upload flow step by step."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from blaaiz_async import BlaaizClient, Scope, ScopeBundle
from blaaiz_async.errors import (
    BadRequestError,
    ConflictError,
    InsufficientScopeError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    ValidationError,
)
from blaaiz_async.models import (
    Address,
    CustomerCreate,
    CustomerUpdate,
    OwnerInput,
    VerificationStatus,
)
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.uploads import UploadError

INDIVIDUAL: dict[str, Any] = {
    "type": "individual",
    "email": "jane@example.com",
    "country": "NG",
    "first_name": "Jane",
    "last_name": "Doe",
    "id_type": "passport",
    "id_number": "A1234567",
}
BUSINESS: dict[str, Any] = {
    "type": "business",
    "email": "ops@acme.example",
    "country": "NG",
    "business_name": "Acme Ltd",
    "registration_number": "RC123456",
    "incorporation_country": "NG",
}


async def new_customer(client: BlaaizClient, **overrides: Any) -> str:
    customer = await client.customers.create(**{**INDIVIDUAL, **overrides})
    return customer.id


async def new_business(client: BlaaizClient) -> str:
    return (await client.customers.create(**BUSINESS)).id


@pytest.fixture
async def pii_client(sandbox: Sandbox) -> AsyncIterator[BlaaizClient]:
    """Full access plus the opt-in PII scope that link_kyc_session needs."""
    client_id, client_secret = sandbox.add_client()
    async with BlaaizClient(
        client_id=client_id, client_secret=client_secret, base_url=sandbox.url,
        scopes=[ScopeBundle.FULL_ACCESS, Scope.COMPLIANCE_KYC_PII_READ],
    ) as c:  # fmt: skip
        yield c


@pytest.fixture
async def bare_storage() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """A storage that answers 200 without an ETag, and records each request's headers."""
    seen: list[dict[str, str]] = []

    async def put(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        await request.read()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_put("/{key}", put)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("")).rstrip("/"), seen


# -- create ----------------------------------------------------------------------------------


async def test_create_individual_is_pending(client: BlaaizClient, sandbox: Sandbox) -> None:
    customer = await client.customers.create(**INDIVIDUAL, dob="1990-01-31")
    assert customer.type == "individual"
    assert customer.verification_status == VerificationStatus.PENDING
    assert not customer.is_verified
    assert customer.id in sandbox.state.customers
    assert sandbox.state.customers[customer.id]["dob"] == "1990-01-31"


async def test_create_business_from_a_request_model(client: BlaaizClient) -> None:
    customer = await client.customers.create(CustomerCreate(**BUSINESS))
    assert customer.business_name == "Acme Ltd"
    assert customer.kyb_scope == "MINIMAL"
    assert customer.id_type is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({**INDIVIDUAL, "email": None}, "email"),
        ({**INDIVIDUAL, "country": ""}, "country"),
        ({**INDIVIDUAL, "type": "company"}, "type"),
        ({**INDIVIDUAL, "email": "not-an-email"}, "email"),
        ({**INDIVIDUAL, "country": "NGA"}, "country"),
        ({**INDIVIDUAL, "id_type": None}, "id_type"),
        ({**INDIVIDUAL, "id_number": None}, "id_number"),
        ({**INDIVIDUAL, "last_name": " "}, "last_name"),
        ({**INDIVIDUAL, "id_type": "certificate_of_incorporation"}, "id_type"),
        ({**INDIVIDUAL, "dob": "31/01/1990"}, "dob"),
        ({**BUSINESS, "registration_number": None}, "registration_number"),
        ({**BUSINESS, "incorporation_country": None}, "incorporation_country"),
        ({**BUSINESS, "id_type": "certificate_of_incorporation"}, "id_type"),
        ({**BUSINESS, "id_number": "RC1"}, "id_number"),
    ],
)
async def test_create_rules_are_checked_before_sending(
    client: BlaaizClient, sandbox: Sandbox, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        await client.customers.create(**fields)
    assert info.value.field == field
    assert sandbox.count("customers.create") == 0


async def test_create_refuses_a_model_and_keywords_together(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    with pytest.raises(ValidationError, match="not both"):
        await client.customers.create(CustomerCreate(**INDIVIDUAL), email="other@example.com")
    assert sandbox.count("customers.create") == 0


async def test_sandbox_answers_laravel_422_for_what_the_sdk_would_stop(
    client: BlaaizClient,
) -> None:
    body = {**BUSINESS, "id_type": "passport"}
    with pytest.raises(BadRequestError) as info:
        await client.request("POST", "/api/external/customer", json=body)
    assert info.value.status == 422
    assert "id_type" in info.value.errors


async def test_create_needs_customer_write(sandbox: Sandbox) -> None:
    client_id, client_secret = sandbox.add_client()
    async with BlaaizClient(
        client_id=client_id, client_secret=client_secret, base_url=sandbox.url,
        scopes=[Scope.CUSTOMER_READ],
    ) as c:  # fmt: skip
        with pytest.raises(InsufficientScopeError):
            await c.customers.create(**INDIVIDUAL)
        assert len((await c.customers.list()).items) == 1
    assert sandbox.count("customers.create") == 0


# -- list, iter, get -------------------------------------------------------------------------


async def test_list_plain_filters_and_pages(client: BlaaizClient, sandbox: Sandbox) -> None:
    for i in range(4):
        await new_customer(client, email=f"c{i}@example.com")
    await new_business(client)
    everyone = await client.customers.list()
    assert len(everyone.items) == 6 and everyone.meta is None and not everyone.has_next
    businesses = await client.customers.list(type="business")
    assert [c.business_name for c in businesses.items] == ["Acme Ltd"]
    by_email = await client.customers.list(email="c2@example.com")
    assert [c.email for c in by_email.items] == ["c2@example.com"]
    verified = await client.customers.list(verification_status="VERIFIED")
    assert [c.id for c in verified.items] == [sandbox.customer_id]
    page = await client.customers.list(page=2, per_page=4)
    assert page.meta is not None and page.meta.current_page == 2 and page.meta.total == 6
    assert len(page.items) == 2 and not page.has_next


async def test_iter_walks_every_page(client: BlaaizClient, sandbox: Sandbox) -> None:
    for i in range(6):
        await new_customer(client, email=f"p{i}@example.com")
    seen = [c.id async for c in client.customers.iter(per_page=3)]
    assert len(seen) == 7 and len(set(seen)) == 7
    assert sandbox.count("customers.list") == 3
    pending = [c async for c in client.customers.iter(per_page=2, verification_status="PENDING")]
    assert len(pending) == 6


async def test_list_page_size_is_checked(client: BlaaizClient, sandbox: Sandbox) -> None:
    with pytest.raises(ValidationError):
        await client.customers.list(per_page=101)
    with pytest.raises(ValidationError):
        await client.customers.list(page=0)
    assert sandbox.count("customers.list") == 0


async def test_list_reads_the_spec_shape(client: BlaaizClient, sandbox: Sandbox) -> None:
    spec = {
        "status": True,
        "message": "Customers retrieved",
        "data": {
            "customers": [{"id": "c1", "type": "individual", "status": "verified"}],
            "pagination": {"current_page": 1, "total_pages": 3, "total_count": 41, "per_page": 20},
        },
    }
    sandbox.fail_next("customers.list", status=200, body=spec)
    page = await client.customers.list(page=1, limit=20)
    assert [c.id for c in page.items] == ["c1"] and page.items[0].is_verified
    assert page.meta is not None and page.meta.last_page == 3 and page.meta.total == 41
    assert page.has_next


async def test_get_and_not_found(client: BlaaizClient, sandbox: Sandbox) -> None:
    customer = await client.customers.get(sandbox.customer_id)
    assert customer.first_name == "Ada" and customer.is_verified
    with pytest.raises(NotFoundError):
        await client.customers.get("no-such-customer")
    with pytest.raises(ValidationError):
        await client.customers.get("")


# -- update, KYC -----------------------------------------------------------------------------


async def test_update_changes_only_what_is_given(client: BlaaizClient) -> None:
    cid = await new_customer(client)
    updated = await client.customers.update(
        cid, phone_number="+2348000000000", address=Address(city="Lagos", country="NG")
    )
    assert updated.phone_number == "+2348000000000"
    assert updated.address is not None and updated.address.city == "Lagos"
    assert updated.first_name == "Jane"
    again = await client.customers.update(cid, CustomerUpdate(address=Address(street="1 Marina")))
    assert again.address is not None
    assert (again.address.street, again.address.city) == ("1 Marina", "Lagos")


async def test_update_validation(client: BlaaizClient, sandbox: Sandbox) -> None:
    with pytest.raises(ValidationError):
        await client.customers.update(sandbox.customer_id)
    with pytest.raises(ValidationError):
        await client.customers.update(sandbox.customer_id, email="nope")
    assert sandbox.count("customers.update") == 0
    with pytest.raises(NotFoundError):
        await client.customers.update("missing", first_name="X")


async def test_add_kyc(client: BlaaizClient, sandbox: Sandbox) -> None:
    cid = await new_customer(client)
    customer = await client.customers.add_kyc(
        cid, dob="1990-05-01", city="Lagos", id_expiry_date="2030-01-01"
    )
    assert customer.kyc_data is not None
    assert (customer.kyc_data.dob, customer.kyc_data.city) == ("1990-05-01", "Lagos")
    with pytest.raises(ValidationError) as info:
        await client.customers.add_kyc(cid, id_issue_date="2020-13-01")
    assert info.value.field == "id_issue_date"
    with pytest.raises(ValidationError):
        await client.customers.add_kyc(cid)
    assert sandbox.count("customers.add_kyc") == 1


# -- files: the upload flow ------------------------------------------------------------------


async def test_upload_file_bytes_verifies_the_customer(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    cid = await new_customer(client)
    data = b"\xff\xd8\xff fake jpeg"
    result = await client.customers.upload_file(
        cid, file_category="identity", data=data, file_name="passport.jpg"
    )
    assert result.field == "id_file" and result.content_type == "image/jpeg"
    assert result.etag == hashlib.md5(data).hexdigest()
    stored = sandbox.state.uploads[result.file_id]
    assert stored["data"] == data and stored["content_type"] == "image/jpeg"
    customer = await client.customers.get(cid)
    assert customer.is_verified
    assert customer.files is not None
    assert [(f.id, f.category) for f in customer.files] == [(result.file_id, "identity")]


async def test_upload_file_from_a_path_and_a_stream(
    client: BlaaizClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    cid = await new_customer(client)
    doc = tmp_path / "bill.pdf"
    doc.write_bytes(b"%PDF-1.4 " + b"x" * 300_000)  # more than one read chunk
    by_path = await client.customers.upload_file(cid, file_category="proof_of_address", data=doc)
    assert by_path.field == "proof_of_address_file" and by_path.file_name == "bill.pdf"
    assert by_path.content_type == "application/pdf" and by_path.size == doc.stat().st_size
    assert sandbox.state.uploads[by_path.file_id]["data"] == doc.read_bytes()

    async def chunks() -> AsyncIterator[bytes]:
        for part in (b"selfie-", b"video-", b"bytes"):
            yield part

    streamed = await client.customers.upload_file(
        cid, file_category="liveness_check", data=chunks(), content_type="video/mp4"
    )
    assert streamed.field == "liveness_check_file" and streamed.file_name.endswith(".mp4")
    assert sandbox.state.uploads[streamed.file_id]["data"] == b"selfie-video-bytes"
    customer = await client.customers.get(cid)
    assert not customer.is_verified  # only an identity file verifies
    assert customer.files is not None
    assert {f.category for f in customer.files} == {"proof_of_address", "liveness_check"}
    back = await client.customers.upload_file(cid, file_category="identity_back", data=b"b")
    assert back.field == "id_file_back"


async def test_a_newer_file_replaces_the_older(client: BlaaizClient) -> None:
    cid = await new_customer(client)
    await client.customers.upload_file(cid, file_category="proof_of_address", data=b"one")
    second = await client.customers.upload_file(cid, file_category="proof_of_address", data=b"2")
    files = (await client.customers.get(cid)).files or []
    assert [f.id for f in files] == [second.file_id]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"file_category": "selfie", "data": b"x"}, "file_category"),
        ({"file_category": "identity", "data": b""}, "data"),
        ({"file_category": "identity", "data": "/no/such/file.jpg"}, "data"),
        ({"file_category": "identity", "data": 12345}, "data"),
    ],
)
async def test_upload_input_is_checked_before_any_request(
    client: BlaaizClient, sandbox: Sandbox, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        await client.customers.upload_file(sandbox.customer_id, **kwargs)
    assert info.value.field == field
    assert sandbox.count("files.get_presigned_url") == 0


async def test_upload_fails_at_presign(client: BlaaizClient, sandbox: Sandbox) -> None:
    sandbox.fail_next(
        "files.get_presigned_url", status=403,
        body={"status": False, "message": "Insufficient scope: requires file:upload."},
    )  # fmt: skip
    with pytest.raises(UploadError) as info:
        await client.customers.upload_file(sandbox.customer_id, file_category="identity", data=b"x")
    err = info.value
    assert err.step == "presign" and err.status == 403 and err.file_id is None
    assert isinstance(err.cause, PermissionDeniedError)
    assert sandbox.state.requests["storage.put"] == 0
    assert sandbox.count("customers.upload_files") == 0


async def test_upload_fails_at_presign_without_url(client: BlaaizClient, sandbox: Sandbox) -> None:
    sandbox.fail_next("files.get_presigned_url", status=200, body={"data": {"file_id": "f1"}})
    with pytest.raises(UploadError) as info:
        await client.customers.upload_file(sandbox.customer_id, file_category="identity", data=b"x")
    assert info.value.step == "presign" and info.value.file_id == "f1"


async def test_upload_fails_when_storage_refuses(client: BlaaizClient, sandbox: Sandbox) -> None:
    # A URL whose slot storage never handed out: storage answers 403 AccessDenied.
    forged = {"data": {"file_id": "forged", "upload_url": f"{sandbox.url}/_storage/forged"}}
    sandbox.fail_next("files.get_presigned_url", status=200, body=forged)
    with pytest.raises(UploadError) as info:
        await client.customers.upload_file(sandbox.customer_id, file_category="identity", data=b"x")
    err = info.value
    assert err.step == "upload" and err.status == 403 and err.file_id == "forged"
    assert sandbox.count("customers.upload_files") == 0


async def test_upload_without_etag_is_a_failure(
    client: BlaaizClient, sandbox: Sandbox, bare_storage: tuple[str, list[dict[str, str]]]
) -> None:
    url, seen = bare_storage
    body = {
        "data": {"file_id": "f2", "upload_url": f"{url}/f2", "headers": {"x-amz-acl": "private"}}
    }
    sandbox.fail_next("files.get_presigned_url", status=200, body=body)
    with pytest.raises(UploadError, match="ETag") as info:
        await client.customers.upload_file(
            sandbox.customer_id, file_category="identity", data=b"abc", file_name="a.png"
        )
    assert info.value.step == "upload" and info.value.status == 200
    (headers,) = seen
    lowered = {k.lower(): v for k, v in headers.items()}
    assert "authorization" not in lowered and "x-blaaiz-api-key" not in lowered
    assert lowered["x-amz-acl"] == "private"  # the presign's headers, verbatim
    assert lowered["content-type"] == "image/png" and lowered["content-length"] == "3"
    assert lowered["content-disposition"] == 'attachment; filename="a.png"'
    assert sandbox.count("customers.upload_files") == 0


async def test_upload_connection_failure(client: BlaaizClient, sandbox: Sandbox) -> None:
    body = {"data": {"file_id": "f3", "upload_url": "http://127.0.0.1:9/f3"}}
    sandbox.fail_next("files.get_presigned_url", status=200, body=body)
    with pytest.raises(UploadError) as info:
        await client.customers.upload_file(sandbox.customer_id, file_category="identity", data=b"x")
    assert info.value.step == "upload" and info.value.cause is not None
    assert "127.0.0.1:9" not in str(info.value)  # the signed URL stays out of errors


async def test_upload_fails_at_attach_and_can_be_attached_again(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    cid = await new_customer(client)
    sandbox.fail_next("customers.upload_files", status=500)
    with pytest.raises(UploadError) as info:
        await client.customers.upload_file(cid, file_category="identity", data=b"id")
    err = info.value
    assert err.step == "attach" and err.status == 500 and isinstance(err.cause, ServerError)
    assert err.file_id in sandbox.state.uploads
    assert sandbox.count("customers.upload_files") == 1  # a POST is never sent twice
    await client.customers.upload_files(cid, id_file=err.file_id)
    assert (await client.customers.get(cid)).is_verified


async def test_upload_reads_the_url_at_the_root(client: BlaaizClient, sandbox: Sandbox) -> None:
    cid = await new_customer(client)
    sandbox.state.upload_slots["rootfile"] = {"customer_id": cid}
    root = {"message": "ok", "file_id": "rootfile", "url": f"{sandbox.url}/_storage/rootfile"}
    sandbox.fail_next("files.get_presigned_url", status=200, body=root)
    result = await client.customers.upload_file(cid, file_category="identity", data=b"r")
    assert result.file_id == "rootfile"
    assert (await client.customers.get(cid)).is_verified


async def test_attaching_a_file_never_uploaded_is_refused(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    cid = await new_customer(client)
    presigned = await client.files.get_presigned_url(customer_id=cid, file_category="identity")
    with pytest.raises(BadRequestError) as info:
        await client.customers.upload_files(cid, id_file=presigned.file_id)
    assert info.value.status == 400
    with pytest.raises(BadRequestError):
        await client.customers.update(cid, id_file="unknown-file")
    with pytest.raises(ValidationError):
        await client.customers.upload_files(cid)
    assert not (await client.customers.get(cid)).is_verified


async def test_a_file_of_another_customer_is_refused(client: BlaaizClient) -> None:
    mine, theirs = await new_customer(client), await new_customer(client, email="t@example.com")
    result = await client.customers.upload_file(theirs, file_category="identity", data=b"t")
    with pytest.raises(BadRequestError, match="does not belong"):
        await client.customers.upload_files(mine, id_file=result.file_id)


# -- beneficiaries ---------------------------------------------------------------------------


async def test_payout_recipients_become_beneficiaries(
    client: BlaaizClient, sandbox: Sandbox
) -> None:
    banks = await client.banks.list(currency="NGN")
    await client.payouts.create(
        wallet_id=sandbox.wallet_id("NGN"), customer_id=sandbox.customer_id,
        method="bank_transfer", from_currency_id="NGN", to_currency_id="NGN",
        from_amount=5000, bank_id=banks[0].id, account_number="0123456789",
        account_name="ADA OBI",
    )  # fmt: skip
    (beneficiary,) = await client.customers.list_beneficiaries(sandbox.customer_id)
    assert beneficiary.account_number == "0123456789"
    one = await client.customers.get_beneficiary(sandbox.customer_id, beneficiary.id)
    assert one.id == beneficiary.id and one.account_name == "ADA OBI"
    with pytest.raises(NotFoundError):
        await client.customers.get_beneficiary(sandbox.customer_id, "nobody")
    assert await client.customers.list_beneficiaries(await new_customer(client)) == []


async def test_get_beneficiary_reads_a_plain_object(client: BlaaizClient, sandbox: Sandbox) -> None:
    sandbox.fail_next(
        "customers.get_beneficiary", status=200,
        body={"message": "ok", "data": {"id": "b1", "account_name": "X", "nickname": "x"}},
    )  # fmt: skip
    beneficiary = await client.customers.get_beneficiary(sandbox.customer_id, "b1")
    assert beneficiary.id == "b1" and beneficiary.extra == {"nickname": "x"}


# -- KYB: submit, owners ---------------------------------------------------------------------


async def test_submit_business(client: BlaaizClient) -> None:
    bid = await new_business(client)
    result = await client.customers.submit(bid)
    assert result.customer is not None
    assert result.customer.verification_status == VerificationStatus.PROCESSING
    with pytest.raises(BadRequestError):
        await client.customers.submit(await new_customer(client))


async def test_upgrade_kyb_scope_with_owners(client: BlaaizClient, sandbox: Sandbox) -> None:
    bid = await new_business(client)
    result = await client.customers.upgrade_kyb_scope(
        bid,
        [
            OwnerInput(first_name="A", last_name="One", ownership_percentage=Decimal("33.33")),
            {"first_name": "B", "last_name": "Two", "ownership_percentage": "33.33"},
            {"first_name": "C", "last_name": "Three", "ownership_percentage": 33.34},
        ],
    )
    assert result.customer is not None and result.customer.kyb_scope == "FULL"
    owners = (await client.customers.get(bid)).owners or []
    assert sorted(o.ownership_percentage or 0 for o in owners) == [
        Decimal("33.33"), Decimal("33.33"), Decimal("33.34"),
    ]  # fmt: skip
    assert sandbox.count("customers.upgrade_kyb_scope") == 1


@pytest.mark.parametrize(
    "owners",
    [
        [],
        [{"first_name": "A", "last_name": "B", "ownership_percentage": 90}],
        [
            {"first_name": "A", "last_name": "B", "ownership_percentage": 60},
            {"first_name": "C", "last_name": "D", "ownership_percentage": 50},
        ],
        [{"first_name": "A", "ownership_percentage": 100}],
        [{"first_name": "A", "last_name": "B", "ownership_percentage": -100}],
        [{"first_name": "A", "last_name": "B", "ownership_percentage": "lots"}],
        [{"first_name": "A", "last_name": "B", "ownership_precentage": 100}],  # a typo
    ],
)
async def test_upgrade_kyb_scope_rules(
    client: BlaaizClient, sandbox: Sandbox, owners: list[dict[str, Any]]
) -> None:
    with pytest.raises(ValidationError):
        await client.customers.upgrade_kyb_scope(sandbox.customer_id, owners)
    assert sandbox.count("customers.upgrade_kyb_scope") == 0


async def test_sandbox_checks_the_owner_total_too(client: BlaaizClient) -> None:
    bid = await new_business(client)
    owners = [{"first_name": "A", "last_name": "B", "ownership_percentage": 99}]
    with pytest.raises(BadRequestError) as info:
        await client.request(
            "POST", f"/api/external/customer/{bid}/upgrade-kyb-scope", json={"owners": owners}
        )
    assert info.value.status == 422 and "owners" in info.value.errors


async def _business_with_owner(client: BlaaizClient) -> tuple[str, str]:
    bid = await new_business(client)
    owner = {"first_name": "O", "last_name": "Wner", "ownership_percentage": 100}
    await client.customers.upgrade_kyb_scope(bid, [owner])
    owners = (await client.customers.get(bid)).owners or []
    assert owners[0].id is not None
    return bid, owners[0].id


async def test_owner_documents_flow(client: BlaaizClient, sandbox: Sandbox) -> None:
    bid, oid = await _business_with_owner(client)
    results = await client.customers.upload_owner_documents(
        bid, oid, front=b"front", back=b"back", content_type="image/jpeg"
    )
    assert [r.field for r in results] == ["id_document_front", "id_document_back"]
    owner = (await client.customers.get(bid)).owners or []
    assert owner[0].id_document_front == results[0].file_id
    assert owner[0].id_document_back == results[1].file_id
    assert sandbox.count("customers.get_owner_file_presigned_url") == 2
    assert sandbox.count("customers.upload_owner_files") == 1


async def test_owner_files_need_real_uploads(client: BlaaizClient, sandbox: Sandbox) -> None:
    bid, oid = await _business_with_owner(client)
    presigned = await client.customers.get_owner_file_presigned_url(
        bid, oid, file_category="id_document_front"
    )
    assert presigned.target_url and presigned.file_id in sandbox.state.upload_slots
    with pytest.raises(BadRequestError):
        await client.customers.upload_owner_files(bid, oid, id_document_front=presigned.file_id)
    with pytest.raises(ValidationError):
        await client.customers.get_owner_file_presigned_url(bid, oid, file_category="selfie")
    assert sandbox.count("customers.get_owner_file_presigned_url") == 1


async def test_delete_owner(client: BlaaizClient) -> None:
    bid, oid = await _business_with_owner(client)
    ack = await client.customers.delete_owner(bid, oid)
    assert ack.message
    assert (await client.customers.get(bid)).owners is None
    with pytest.raises(NotFoundError):
        await client.customers.delete_owner(bid, oid)


# -- Signa session link ----------------------------------------------------------------------


def _session(sandbox: Sandbox, status: str = "APPROVED", **fields: Any) -> str:
    session = {
        "id": f"ses_{len(sandbox.state.kyc_sessions)}",
        "status": status,
        "requirements": ["DOCUMENTS"],
        "applicant": {"first_name": "Jane", "last_name": "Doe"},
        **fields,
    }
    sandbox.state.kyc_sessions[session["id"]] = session
    return str(session["id"])


async def test_link_kyc_session_verifies(pii_client: BlaaizClient, sandbox: Sandbox) -> None:
    cid = await new_customer(pii_client)
    customer = await pii_client.customers.link_kyc_session(cid, _session(sandbox))
    assert customer.is_verified


async def test_link_a_session_made_through_the_compliance_api(
    pii_client: BlaaizClient, sandbox: Sandbox
) -> None:
    cid = await new_customer(pii_client)
    session = await pii_client.compliance.create_session(
        customer_reference=cid, requirements=["DOCUMENTS"],
        applicant={"first_name": "Jane", "last_name": "Doe"},
    )  # fmt: skip
    with pytest.raises(ConflictError):  # no verdict yet
        await pii_client.customers.link_kyc_session(cid, session.id)
    sandbox.state.kyc_sessions[session.id]["status"] = "APPROVED"
    assert (await pii_client.customers.link_kyc_session(cid, session.id)).is_verified


async def test_link_kyc_session_needs_the_pii_scope(client: BlaaizClient, sandbox: Sandbox) -> None:
    with pytest.raises(InsufficientScopeError) as info:
        await client.customers.link_kyc_session(sandbox.customer_id, "ses_x")
    assert Scope.COMPLIANCE_KYC_PII_READ in info.value.missing
    assert sandbox.count("customers.link_kyc_session") == 0


async def test_link_kyc_session_conditions(pii_client: BlaaizClient, sandbox: Sandbox) -> None:
    cid = await new_customer(pii_client)
    with pytest.raises(ConflictError):
        await pii_client.customers.link_kyc_session(cid, _session(sandbox, status="PENDING"))
    mismatch = _session(sandbox, applicant={"first_name": "John", "last_name": "Doe"})
    with pytest.raises(BadRequestError, match="first_name"):
        await pii_client.customers.link_kyc_session(cid, mismatch)
    stale = _session(sandbox, approved_at="2020-01-01T00:00:00Z")
    with pytest.raises(BadRequestError, match="365"):
        await pii_client.customers.link_kyc_session(cid, stale)
    with pytest.raises(NotFoundError):
        await pii_client.customers.link_kyc_session(cid, "ses_unknown")
    with pytest.raises(ValidationError):
        await pii_client.customers.link_kyc_session(cid, "")
    assert not (await pii_client.customers.get(cid)).is_verified


# -- documents -------------------------------------------------------------------------------


async def test_document_lifecycle(client: BlaaizClient, sandbox: Sandbox) -> None:
    cid = await new_customer(client)
    doc = await client.customers.upload_document(
        cid, type="PROOF_OF_ADDRESS", name="bill.pdf", data=b"%PDF", description="June bill"
    )
    assert doc.file_id in sandbox.state.uploads and doc.type == "PROOF_OF_ADDRESS"
    assert sandbox.state.uploads[doc.file_id]["content_type"] == "application/pdf"
    assert [d.id for d in await client.customers.list_documents(cid)] == [doc.id]
    assert (await client.customers.get_document(cid, doc.id)).description == "June bill"
    renamed = await client.customers.update_document(cid, doc.id, name="bill-june.pdf")
    assert renamed.name == "bill-june.pdf" and renamed.file_id == doc.file_id
    ack = await client.customers.delete_document(cid, doc.id)
    assert ack.message
    with pytest.raises(NotFoundError):
        await client.customers.get_document(cid, doc.id)
    assert await client.customers.list_documents(cid) == []


async def test_document_needs_an_uploaded_file(client: BlaaizClient, sandbox: Sandbox) -> None:
    cid = await new_customer(client)
    presigned = await client.customers.get_document_presigned_url(cid)
    assert presigned.upload_url and presigned.file_id
    with pytest.raises(BadRequestError):
        await client.customers.create_document(
            cid, type="PROOF_OF_ADDRESS", name="x", file_id=presigned.file_id
        )
    with pytest.raises(ValidationError):
        await client.customers.create_document(cid, type="PROOF_OF_ADDRESS", name="x")
    with pytest.raises(ValidationError):
        await client.customers.update_document(cid, "doc")
    assert sandbox.count("customers.create_document") == 1
    assert sandbox.count("customers.update_document") == 0


async def test_upload_document_attach_failure(client: BlaaizClient, sandbox: Sandbox) -> None:
    cid = await new_customer(client)
    sandbox.fail_next("customers.create_document", status=422, body={"message": "bad type"})
    with pytest.raises(UploadError) as info:
        await client.customers.upload_document(cid, type="ODD", name="n", data=b"d")
    assert info.value.step == "attach" and info.value.file_id in sandbox.state.uploads
    doc = await client.customers.create_document(
        cid, type="PROOF_OF_ADDRESS", name="n", file_id=info.value.file_id
    )
    assert doc.file_id == info.value.file_id
