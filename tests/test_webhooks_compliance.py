"""Webhook configuration, Signa KYC sessions and Signa ID through the SDK, on real sockets."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from blaaiz_async import BlaaizClient, Scope, ScopeBundle
from blaaiz_async.errors import (
    BadRequestError,
    ConflictError,
    InsufficientScopeError,
    NotFoundError,
    RateLimitError,
    ValidationError,
)
from blaaiz_async.models import Ack, KycAccessToken, KycApplicant, WebhookConfig
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.sandbox.handlers.compliance import approve_release_request

PRIVILEGED = [ScopeBundle.FULL_ACCESS, Scope.COMPLIANCE_KYC_PII_READ, Scope.SIGNA_ID_RELEASE]
HOOKS = {"payout_url": "https://hooks.example/payout", "collection_url": "https://hooks.example/in"}


@asynccontextmanager
async def scoped(sandbox: Sandbox, scopes: Any, **kwargs: Any) -> AsyncIterator[BlaaizClient]:
    kwargs.setdefault("rate_limit", None)  # these tests see the sandbox's own limits
    client_id, client_secret = sandbox.add_client()
    async with BlaaizClient(
        client_id=client_id, client_secret=client_secret, base_url=sandbox.url, scopes=scopes,
        **kwargs,
    ) as c:  # fmt: skip
        yield c


@pytest.fixture
async def pii(sandbox: Sandbox) -> AsyncIterator[BlaaizClient]:
    """Full access plus the two opt-in scopes no bundle holds."""
    async with scoped(sandbox, PRIVILEGED) as c:
        yield c


def deliveries(sandbox: Sandbox) -> list[dict[str, Any]]:
    return list(sandbox.state.webhook_deliveries.values())


# -- webhook configuration -----------------------------------------------------------------


async def test_webhook_register_get_update(sandbox: Sandbox, client: BlaaizClient) -> None:
    with pytest.raises(NotFoundError):  # nothing configured yet
        await client.webhooks.get()
    config = await client.webhooks.register(**HOOKS, kyc_url="https://hooks.example/kyc")
    assert isinstance(config, WebhookConfig) and config.updated_at
    assert (await client.webhooks.get()).kyc_url == "https://hooks.example/kyc"
    ack = await client.webhooks.update(collection_url="https://hooks.example/in2", kyc_url=None)
    assert isinstance(ack, Ack) and ack.message
    now = await client.webhooks.get()
    assert now.collection_url == "https://hooks.example/in2"  # changed
    assert now.payout_url == HOOKS["payout_url"]  # omitted: kept
    assert now.kyc_url is None  # null: cleared


async def test_webhook_urls_must_be_https(sandbox: Sandbox, client: BlaaizClient) -> None:
    with pytest.raises(ValidationError) as info:
        await client.webhooks.register(payout_url="http://hooks.example/p",
                                       collection_url=HOOKS["collection_url"])  # fmt: skip
    assert info.value.field == "payout_url"
    with pytest.raises(ValidationError):
        await client.webhooks.register(**HOOKS, customer_url="hooks.example/c")
    with pytest.raises(ValidationError):
        await client.webhooks.update(payout_url="http://hooks.example/p")
    with pytest.raises(ValidationError):  # nothing to change
        await client.webhooks.update()
    assert sandbox.count("webhooks.register") == sandbox.count("webhooks.update") == 0
    # The server refuses it too (through the escape hatch, which skips client validation).
    with pytest.raises(BadRequestError) as server:
        await client.request("POST", "/api/external/webhook",
                             json={**HOOKS, "payout_url": "http://hooks.example/p"})  # fmt: skip
    assert server.value.status == 400


async def test_webhook_update_needs_a_configuration(client: BlaaizClient) -> None:
    with pytest.raises(NotFoundError):
        await client.webhooks.update(kyc_url="https://hooks.example/kyc")


async def test_replay_successful_transactions_only(sandbox: Sandbox, client: BlaaizClient) -> None:
    await client.webhooks.register(**HOOKS)
    payout = await client.payouts.create(
        wallet_id=sandbox.wallet_id("NGN"), customer_id=sandbox.customer_id,
        method="bank_transfer", from_currency_id="NGN", to_currency_id="NGN",
        from_amount=5000, bank_id="058", account_number="0123456789",
    )  # fmt: skip
    ack = await client.webhooks.replay(transaction_id=payout.id)
    assert ack.message
    original, sent = deliveries(sandbox)  # the payout's own webhook, then the replay
    assert original["payload"]["transaction_id"] == payout.id and "replay" not in original
    assert sent["url"] == HOOKS["payout_url"] and sent["replay"] is True
    assert sent["payload"]["transaction_id"] == payout.id
    assert sent["payload"]["transaction_status"] == "SUCCESSFUL"
    assert sent["payload"]["event_id"] == original["payload"]["event_id"]  # the same event
    assert sent["status"] == "not_sent"  # hooks.example is not on this machine
    pending = await client.collections.create(
        method="open_banking", amount=10, wallet_id=sandbox.wallet_id("EUR")
    )
    with pytest.raises(BadRequestError) as info:
        await client.webhooks.replay(transaction_id=str(pending.transaction_id))
    assert info.value.status == 400
    with pytest.raises(NotFoundError):
        await client.webhooks.replay(transaction_id="no-such-transaction")
    with pytest.raises(ValidationError):
        await client.webhooks.replay(transaction_id="")


async def test_simulate_interac_webhook(sandbox: Sandbox, client: BlaaizClient) -> None:
    with pytest.raises(BadRequestError):  # nowhere to send it yet
        await client.webhooks.simulate_interac(amount=25)
    await client.webhooks.register(**HOOKS)
    ack = await client.webhooks.simulate_interac(amount="25.00", collection_email="p@example.com")
    assert ack.message
    [sent] = deliveries(sandbox)
    assert sent["url"] == HOOKS["collection_url"] and sent["mock"] is True
    assert sent["payload"]["transaction_currency"] == "CAD"
    assert sent["payload"]["source_information"] == {"collection_email": "p@example.com"}
    with pytest.raises(ValidationError):
        await client.webhooks.simulate_interac(interac_email="nope")


async def test_read_only_reads_but_cannot_write_webhooks(sandbox: Sandbox) -> None:
    async with scoped(sandbox, "read-only") as c:
        with pytest.raises(InsufficientScopeError):
            await c.webhooks.register(**HOOKS)
        with pytest.raises(InsufficientScopeError):
            await c.webhooks.replay(transaction_id="t")
        with pytest.raises(NotFoundError):  # webhook:read is in the bundle
            await c.webhooks.get()
    assert sandbox.count("webhooks.register") == sandbox.count("webhooks.replay") == 0


# -- KYC sessions --------------------------------------------------------------------------


async def new_headless(c: BlaaizClient, ref: str = "cust-1") -> str:
    session = await c.compliance.create_session(
        customer_reference=ref, requirements=["DOCUMENTS"], fulfilment_mode="HEADLESS",
        applicant={"first_name": "Ada", "last_name": "Obi", "dob": "1990-04-12",
                   "country": "NGA"},
    )  # fmt: skip
    return session.id


async def test_create_session_replays_per_idempotency_key(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    args: dict[str, Any] = {
        "customer_reference": "cust-1",
        "requirements": ["DOCUMENTS", "SELFIE", "FACE_MATCH"],
        "idempotency_key": "kyc-cust-1",
    }
    first = await client.compliance.create_session(**args)
    second = await client.compliance.create_session(**args)
    assert first.id == second.id
    assert first.fulfilment_mode == "HOSTED"  # the only mode of this set, taken by default
    assert len(sandbox.state.kyc_sessions) == 1
    # No key given: each call is a new session, with a generated key.
    await client.compliance.create_session(customer_reference="c", requirements=["DOCUMENTS"])
    await client.compliance.create_session(customer_reference="c", requirements=["DOCUMENTS"])
    assert len(sandbox.state.kyc_sessions) == 3


async def test_create_session_is_retried_with_the_same_key(
    sandbox: Sandbox, client: BlaaizClient
) -> None:
    sandbox.drop_after_processing("compliance.create_session")  # created, answer lost
    session = await client.compliance.create_session(
        customer_reference="cust-9", requirements=["PROOF_OF_ADDRESS"]
    )
    assert sandbox.count("compliance.create_session") == 2
    assert list(sandbox.state.kyc_sessions) == [session.id]  # one, not two


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"requirements": []}, "requirements"),
        ({"requirements": ["DOCUMENTS", "DOCUMENTS"]}, "requirements"),
        ({"requirements": ["SELFIE"]}, "requirements"),
        ({"requirements": ["DOCUMENTS", "PASSPORT"]}, "requirements"),
        ({"requirements": "DOCUMENTS"}, "requirements"),
        ({"fulfilment_mode": "HOSTED"}, "fulfilment_mode"),  # DOCUMENTS alone is HEADLESS
        ({"fulfilment_mode": "EMBEDDED"}, "fulfilment_mode"),
        ({"customer_reference": "x" * 101}, "customer_reference"),
        ({"idempotency_key": "k" * 101}, "idempotency_key"),
        ({"applicant": {"country": "NG"}}, "applicant.country"),
        ({"applicant": {"nationality": "NGA"}}, "applicant"),
        ({"redirect_url": "http://shop.example/kyc"}, "redirect_url"),
    ],
)
async def test_session_rules_are_checked_before_sending(
    sandbox: Sandbox, client: BlaaizClient, changes: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {"customer_reference": "c", "requirements": ["DOCUMENTS"]}
    args.update(changes)
    with pytest.raises(ValidationError) as info:
        await client.compliance.create_session(**args)
    assert info.value.field == field
    assert sandbox.count("compliance.create_session") == 0


async def test_allowed_requirement_sets_and_the_server_422(client: BlaaizClient) -> None:
    session = await client.compliance.create_session(
        customer_reference="c", requirements=["PROOF_OF_ADDRESS", "DOCUMENTS"],
        fulfilment_mode="HEADLESS", applicant=KycApplicant(country="GBR"),
        redirect_url="https://shop.example/kyc",
    )  # fmt: skip
    assert session.fulfilment_mode == "HEADLESS" and session.status == "PENDING"
    with pytest.raises(BadRequestError) as info:
        body = {"customer_reference": "c", "idempotency_key": "k", "requirements": ["SELFIE"]}
        await client.request("POST", "/api/external/compliance/kyc/sessions", json=body)
    assert info.value.status == 422 and "requirements" in info.value.errors


async def test_list_and_iterate_sessions(sandbox: Sandbox, client: BlaaizClient) -> None:
    ids = [await new_headless(client, f"c{i}") for i in range(5)]
    window = await client.compliance.list_sessions(limit=2, offset=1)
    assert (window.total, window.limit, window.offset) == (5, 2, 1)
    assert [s.id for s in window.sessions] == ids[1:3]
    seen = [s.id async for s in client.compliance.iter_sessions(page_size=2)]
    assert seen == ids
    assert sandbox.count("compliance.list_sessions") == 1 + 3
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        with pytest.raises(ValidationError):
            await client.compliance.list_sessions(**bad)


async def test_get_unknown_session_is_404(client: BlaaizClient) -> None:
    with pytest.raises(NotFoundError):
        await client.compliance.get_session("no-such-session")


async def test_headless_session_from_upload_to_verdict(sandbox: Sandbox, pii: BlaaizClient) -> None:
    session_id = await new_headless(pii)
    staged = await pii.compliance.create_document_upload_url(
        session_id, file_name="passport front.jpg", id_doc_type="PASSPORT"
    )
    assert staged.file_name == "passport front.jpg" and staged.headers
    async with aiohttp.ClientSession() as http:  # to storage, headers verbatim, no Blaaiz auth
        async with http.put(staged.url, data=b"\xff\xd8jpeg", headers=staged.headers) as resp:
            assert resp.status == 200
    await pii.compliance.upload_session_document(
        session_id, filename="passport.jpg", content_type="image/jpeg", id_doc_type="PASSPORT",
        country="NGA", file_name=staged.file_name,
    )  # fmt: skip
    inline = base64.b64encode(b"%PDF-1.4 tiny").decode()
    after = await pii.compliance.upload_session_document(
        session_id, filename="bill.pdf", content_type="application/pdf",
        id_doc_type="UTILITY_BILL", country="NGA", content_base64=inline,
    )  # fmt: skip
    assert after.status == "IN_PROGRESS"
    # PII is held back until a verdict.
    with pytest.raises(ConflictError) as info:
        await pii.compliance.get_applicant_data(session_id)
    assert info.value.status == 409
    with pytest.raises(ConflictError):
        await pii.compliance.list_documents(session_id)
    submitted = await pii.compliance.submit_session(session_id)
    assert submitted.status == "SUBMITTED" and submitted.submitted_at
    with pytest.raises(ConflictError):
        await pii.compliance.submit_session(session_id)
    sandbox.state.kyc_sessions[session_id]["status"] = "APPROVED"  # the verdict
    assert (await pii.compliance.get_session(session_id)).has_verdict
    applicant = await pii.compliance.get_applicant_data(session_id)
    assert applicant is not None and (applicant.first_name, applicant.country) == ("Ada", "NGA")
    documents = await pii.compliance.list_documents(session_id)
    assert [d.id_doc_type for d in documents] == ["PASSPORT", "UTILITY_BILL"]
    assert all(d.available for d in documents)
    link = await pii.compliance.get_document(session_id, documents[0].id)
    assert link.url and link.content_type == "image/jpeg" and link.expires_at
    sandbox.state.kyc_sessions[session_id]["_documents"][1]["available"] = False
    with pytest.raises(ConflictError) as info:
        await pii.compliance.get_document(session_id, documents[1].id)
    assert info.value.status == 410


async def test_staged_file_must_have_arrived(sandbox: Sandbox, client: BlaaizClient) -> None:
    session_id = await new_headless(client)
    staged = await client.compliance.create_document_upload_url(
        session_id, file_name="id_card.png", id_doc_type="ID_CARD"
    )
    with pytest.raises(BadRequestError) as info:  # the PUT to storage never happened
        await client.compliance.upload_session_document(
            session_id, filename="id.png", content_type="image/png", id_doc_type="ID_CARD",
            country="GBR", file_name=staged.file_name,
        )  # fmt: skip
    assert info.value.status == 422
    with pytest.raises(BadRequestError):  # nothing uploaded: nothing to submit
        await client.compliance.submit_session(session_id)


@pytest.mark.parametrize(
    "file_name", ["../etc/passwd.pdf", "scan.exe", "scan", "a.b.pdf", "x" * 125 + ".pdf", ""]
)
async def test_upload_url_file_name_rules(
    sandbox: Sandbox, client: BlaaizClient, file_name: str
) -> None:
    with pytest.raises(ValidationError) as info:
        await client.compliance.create_document_upload_url(
            "s1", file_name=file_name, id_doc_type="PASSPORT"
        )
    assert info.value.field == "file_name"
    assert sandbox.count("compliance.create_document_upload_url") == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"file_name": "a.pdf", "content_base64": "eA=="}, "file_name"),  # both
        ({}, "file_name"),  # neither
        ({"file_name": "a.pdf", "country": "NG"}, "country"),
        ({"file_name": "a.pdf", "content_type": "image/gif"}, "content_type"),
        ({"file_name": "a.pdf", "id_doc_type": "VISA"}, "id_doc_type"),
        ({"file_name": "a.pdf", "filename": "f" * 192}, "filename"),
    ],
)
async def test_session_document_rules(
    sandbox: Sandbox, client: BlaaizClient, changes: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {
        "filename": "a.pdf", "content_type": "application/pdf", "id_doc_type": "PASSPORT",
        "country": "NGA",
    }  # fmt: skip
    args.update(changes)
    with pytest.raises(ValidationError) as info:
        await client.compliance.upload_session_document("s1", **args)
    assert info.value.field == field
    assert sandbox.count("compliance.upload_session_document") == 0


async def test_hosted_session_links_tokens_and_cancel(
    sandbox: Sandbox, client: BlaaizClient, caplog: pytest.LogCaptureFixture
) -> None:
    session = await client.compliance.create_session(
        customer_reference="cust-h", requirements=["DOCUMENTS", "SELFIE", "FACE_MATCH"]
    )
    record = sandbox.state.kyc_sessions[session.id]
    with pytest.raises(BadRequestError) as info:  # submit is for HEADLESS sessions
        await client.compliance.submit_session(session.id)
    assert info.value.status == 422
    first_link = await client.compliance.issue_verification_link(session.id)
    rotated = await client.compliance.issue_verification_link(session.id)
    assert first_link.verification_link != rotated.verification_link
    caplog.set_level(logging.DEBUG)
    token = await client.compliance.issue_access_token(session.id)
    assert isinstance(token, KycAccessToken)
    assert token.access_token not in repr(token) and token.access_token not in str(token)
    assert token.access_token not in caplog.text
    again = await client.compliance.issue_access_token(session.id)
    assert again.access_token == token.access_token  # more than 10 minutes remain
    record["_token"]["expires_at"] = time.time() + 9 * 60  # 9 minutes left
    fresh = await client.compliance.issue_access_token(session.id)
    assert fresh.access_token != token.access_token
    assert record["_link"] is None  # the new token invalidated the link
    cancelled = await client.compliance.cancel_session(session.id)
    assert cancelled.status == "CANCELLED"
    with pytest.raises(ConflictError):
        await client.compliance.cancel_session(session.id)
    with pytest.raises(ConflictError):
        await client.compliance.issue_access_token(session.id)


async def test_pii_and_signed_links_are_masked_in_reprs(
    sandbox: Sandbox, pii: BlaaizClient
) -> None:
    session_id = await new_headless(pii)
    await pii.compliance.upload_session_document(
        session_id, filename="a.pdf", content_type="application/pdf", id_doc_type="PASSPORT",
        country="NGA", content_base64="eA==",
    )  # fmt: skip
    record = sandbox.state.kyc_sessions[session_id]
    record["status"] = "APPROVED"
    record["_applicant"].update(
        middle_name="Chiamaka", id_number="A00000001", id_doc_type="PASSPORT",
        nationality="NGA", address={"line1": "12 Marina Road", "city": "Lagos"},
    )  # fmt: skip
    applicant = await pii.compliance.get_applicant_data(session_id)
    assert applicant is not None
    [document] = await pii.compliance.list_documents(session_id)
    download = await pii.compliance.get_document(session_id, document.id)
    hosted = await pii.compliance.create_session(
        customer_reference="cust-m", requirements=["DOCUMENTS", "SELFIE", "FACE_MATCH"]
    )
    link = await pii.compliance.issue_verification_link(hosted.id)
    request = await pii.signa_id.create_release_request(
        purpose="Account opening", scopes=["identity", "id_document", "address",
                                           "document_images"],
        origin="https://shop.example", idempotency_key="rel-m",
    )  # fmt: skip
    exchanged = await pii.signa_id.exchange_release_code(
        code=approve_release_request(sandbox.state, request.id)
    )
    assert exchanged.data is not None
    [image] = exchanged.data.document_images
    image_url = await pii.signa_id.get_release_document(exchanged.release.id, image["id"])
    # The values are all there to read ...
    assert (applicant.first_name, applicant.middle_name, applicant.last_name) == (
        "Ada", "Chiamaka", "Obi",
    )  # fmt: skip
    assert (applicant.dob, applicant.id_number) == ("1990-04-12", "A00000001")
    assert applicant.address == {"line1": "12 Marina Road", "city": "Lagos"}
    assert download.url and link.verification_link and image_url.url
    assert exchanged.data.identity["last_name"] == "Obi"
    # ... but no repr or str of them shows one.
    secrets = ["'Ada'", "Chiamaka", "'Obi'", "1990-04-12", "A00000001", "12 Marina Road",
               "Lagos", "101001", download.url, link.verification_link, image_url.url,
               image["id"]]  # fmt: skip
    objects: list[object] = [applicant, download, link, exchanged, exchanged.data, image_url]
    texts = [repr(o) for o in objects] + [str(o) for o in objects]
    for text in texts:
        for secret in secrets:
            assert secret not in text, (secret, text)
    # What does not identify the applicant stays visible.
    assert "country='NGA'" in repr(applicant) and "id_doc_type='PASSPORT'" in repr(applicant)
    assert "content_type='image/jpeg'" in repr(image_url) and "'***'" in repr(link)


async def test_pii_reads_need_the_opt_in_scope(sandbox: Sandbox, client: BlaaizClient) -> None:
    with pytest.raises(InsufficientScopeError) as info:  # full access leaves PII out
        await client.compliance.get_applicant_data("s1")
    assert {str(s) for s in info.value.missing} == {"compliance-kyc:pii:read"}
    with pytest.raises(InsufficientScopeError):
        await client.compliance.get_document("s1", "d1")
    assert sandbox.count("compliance.get_applicant_data") == 0


async def test_session_document_downloads_are_rate_limited(sandbox: Sandbox) -> None:
    async with scoped(sandbox, PRIVILEGED, retry=RetryPolicy(max_retries=0)) as c:
        session_id = await new_headless(c)
        await c.compliance.upload_session_document(
            session_id, filename="a.pdf", content_type="application/pdf",
            id_doc_type="PASSPORT", country="NGA", content_base64="eA==",
        )  # fmt: skip
        sandbox.state.kyc_sessions[session_id]["status"] = "REJECTED"
        [document] = await c.compliance.list_documents(session_id)
        for _ in range(30):
            await c.compliance.get_document(session_id, document.id)
        with pytest.raises(RateLimitError) as info:
            await c.compliance.get_document(session_id, document.id)
    assert info.value.retry_after is not None and 0 < info.value.retry_after <= 60
    assert info.value.headers["Retry-After"] == str(int(info.value.retry_after))


async def test_pii_answers_are_not_cacheable(sandbox: Sandbox) -> None:
    async with scoped(sandbox, PRIVILEGED) as c:
        session_id = await new_headless(c)
        sandbox.state.kyc_sessions[session_id]["status"] = "APPROVED"
        assert c.token_provider is not None
        token = await c.token_provider.get_token()
    url = f"{sandbox.url}/api/external/compliance/kyc/sessions/{session_id}/applicant-data"
    async with (
        aiohttp.ClientSession() as raw,
        raw.get(url, headers={"Authorization": token.authorization}) as resp,
    ):
        assert resp.status == 200
        assert resp.headers["Cache-Control"] == "no-store"


async def test_cancel_scope_is_separate(sandbox: Sandbox) -> None:
    async with scoped(sandbox, [Scope.COMPLIANCE_KYC_CREATE, Scope.COMPLIANCE_KYC_READ]) as c:
        session_id = await new_headless(c)
        with pytest.raises(InsufficientScopeError):
            await c.compliance.cancel_session(session_id)
    assert sandbox.count("compliance.cancel_session") == 0


# -- Signa ID ------------------------------------------------------------------------------


async def test_signa_id_release_flow(sandbox: Sandbox, pii: BlaaizClient) -> None:
    request = await pii.signa_id.create_release_request(
        purpose="Account opening", scopes=["identity", "document_images"],
        origin="https://shop.example", reference="order-7", idempotency_key="rel-1",
    )  # fmt: skip
    assert request.request_token and request.request_token not in repr(request)
    replayed = await pii.signa_id.create_release_request(
        purpose="Account opening", scopes=["identity", "document_images"],
        origin="https://shop.example", idempotency_key="rel-1",
    )  # fmt: skip
    assert replayed.id == request.id
    code = approve_release_request(sandbox.state, request.id)  # the holder consents
    [release_id] = list(sandbox.state.signa_id_releases)
    before = await pii.signa_id.get_release(release_id)
    assert before.data is None and not before.active  # nothing before the exchange
    exchanged = await pii.signa_id.exchange_release_code(code=code)
    assert exchanged.active and exchanged.data is not None
    assert exchanged.data.identity["first_name"] == "Ada"
    assert exchanged.data.address is None  # not a requested scope
    with pytest.raises(BadRequestError):  # one use only
        await pii.signa_id.exchange_release_code(code=code)
    current = await pii.signa_id.get_release(release_id)
    assert current.release.reference == "order-7" and current.data is not None
    [image] = current.data.document_images
    document = await pii.signa_id.get_release_document(release_id, image["id"])
    assert document.url and document.content_type == "image/jpeg"
    # Revoked (signa_id.grant.revoked): the reads return no data any more.
    sandbox.state.signa_id_releases[release_id]["access"]["status"] = "REVOKED"
    assert (await pii.signa_id.get_release(release_id)).data is None
    with pytest.raises(ConflictError):
        await pii.signa_id.get_release_document(release_id, image["id"])
    with pytest.raises(NotFoundError):
        await pii.signa_id.get_release("no-such-release")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["identity", "identity"]}, "scopes"),
        ({"scopes": ["face"]}, "scopes"),
        ({"origin": "https://shop.example/"}, "origin"),
        ({"origin": "https://shop.example/checkout"}, "origin"),
        ({"origin": "shop.example"}, "origin"),
        ({"purpose": ""}, "purpose"),
    ],
)
async def test_release_request_rules(
    sandbox: Sandbox, pii: BlaaizClient, changes: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {
        "purpose": "KYC",
        "scopes": ["identity"],
        "origin": "https://shop.example:8443",
    }
    args.update(changes)
    with pytest.raises(ValidationError) as info:
        await pii.signa_id.create_release_request(**args)
    assert info.value.field == field
    assert sandbox.count("signa_id.create_release_request") == 0


async def test_signa_id_needs_its_opt_in_scope(sandbox: Sandbox, client: BlaaizClient) -> None:
    with pytest.raises(InsufficientScopeError):
        await client.signa_id.create_release_request(
            purpose="KYC", scopes=["identity"], origin="https://shop.example"
        )
    with pytest.raises(InsufficientScopeError):
        await client.signa_id.exchange_release_code(code="c")
    assert sandbox.count("signa_id.create_release_request") == 0


async def test_wallet_status_is_public(sandbox: Sandbox) -> None:
    sandbox.state.signa_id_wallets["0xabc"] = {
        "verified": True, "level": "FULL", "country": "NGA", "expires_at": "2027-01-01",
        "attestations": [{"type": "KYC"}], "_chains": [1],
    }  # fmt: skip
    # A client whose credentials are unknown to the sandbox: any token fetch would fail.
    async with BlaaizClient(client_id="unknown", client_secret="nope", base_url=sandbox.url,
                            scopes=[]) as anonymous:  # fmt: skip
        status = await anonymous.signa_id.get_wallet_status("0xABC", chain_id=1)
        assert status.verified is True and status.level == "FULL"
        assert status.attestations == [{"type": "KYC"}]
        other_chain = await anonymous.signa_id.get_wallet_status("0xABC", chain_id=56)
        assert other_chain.verified is False
        unknown = await anonymous.signa_id.get_wallet_status("0xdef")
        assert unknown.verified is False and unknown.attestations == []
        with pytest.raises(ValidationError):
            await anonymous.signa_id.get_wallet_status("0xabc", chain_id=True)
        with pytest.raises(ValidationError):
            await anonymous.signa_id.get_wallet_status(" ")
    assert sandbox.token_requests == 0
    assert sandbox.count("signa_id.get_wallet_status") == 3
