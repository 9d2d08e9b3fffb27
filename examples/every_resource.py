"""Every resource of the SDK, end to end, against the embedded sandbox.

Run it from the project root::

    .venv/bin/python examples/every_resource.py

It starts a ``Sandbox`` (the emulated Blaaiz API on a free loopback port), registers
OAuth credentials with it, and through ONE ``BlaaizClient`` calls every public method of
every resource, reading the typed answers. There is one small function per API group,
called in an order where each step has what it needs: a payout before its beneficiary,
a verdict before PII reads, a configured webhook before a replay.

Lines marked ``sandbox:`` play the other side of the API (a reviewer's verdict, a
Signa ID holder consenting, an Interac transfer arriving). Against the real API these
happen outside your code.

``mypy --strict`` checks this file (``make typecheck``), and
``tests/test_example_every_resource.py`` runs it and checks that it names every route.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from decimal import Decimal
from typing import TypeVar

import aiohttp

from blaaiz_async import BlaaizClient, Scope, ScopeBundle
from blaaiz_async.models import (
    Address,
    AmountType,
    CollectionMethod,
    CryptoToken,
    CryptoTransactionType,
    DocumentContentType,
    DocumentType,
    FileCategory,
    FulfilmentMode,
    IdDocType,
    KycApplicant,
    OwnerFileCategory,
    OwnerInput,
    ReleaseScope,
    Requirement,
    SessionStatus,
    Transaction,
    TransactionType,
)
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.sandbox.handlers.collections import seed_interac_transfer
from blaaiz_async.sandbox.handlers.compliance import approve_release_request

T = TypeVar("T")

# Full access, plus the two opt-in scopes no bundle holds: PII reads of KYC sessions
# (also needed to link a session to a customer) and Signa ID releases.
SCOPES: list[Scope | ScopeBundle] = [
    ScopeBundle.FULL_ACCESS,
    Scope.COMPLIANCE_KYC_PII_READ,
    Scope.SIGNA_ID_RELEASE,
]
HOOKS = "https://hooks.example"


# -- helpers ---------------------------------------------------------------------------------


def need(value: T | None, what: str) -> T:
    """Many answer fields are optional in the API's documents; the sandbox sends these."""
    if value is None:
        raise RuntimeError(f"the API sent no {what}")
    return value


async def put_to_storage(url: str | None, data: bytes, headers: Mapping[str, str] | None) -> None:
    """The middle step of a presigned upload: PUT the bytes to storage with the presign's
    headers verbatim and no Blaaiz credential (``customers.upload_file`` does all three
    steps; this shows the manual flow)."""
    async with aiohttp.ClientSession() as http:
        async with http.put(need(url, "upload URL"), data=data, headers=headers) as resp:
            resp.raise_for_status()


def document_ids(images: object) -> list[str]:
    """Ids of released document images. Their shape is undocumented, so the model leaves
    them as decoded JSON; narrow before use."""
    if not isinstance(images, list):
        return []
    ids: list[str] = []
    for image in images:
        if isinstance(image, dict) and isinstance(image.get("id"), str):
            ids.append(image["id"])
    return ids


# -- wallets, currencies, rates --------------------------------------------------------------


async def wallets_and_currencies(client: BlaaizClient, sb: Sandbox) -> None:
    wallets = await client.wallets.list()
    ngn = await client.wallets.get(sb.wallet_id("NGN"))
    currencies = await client.currencies.list()
    codes = ",".join(sorted(c.code for c in currencies))
    print(f"wallets: {len(wallets)} wallets, NGN holds {ngn.available}; currencies {codes}")


async def rates(client: BlaaizClient) -> None:
    every_pair = await client.rates.list()
    usd_ngn = (await client.rates.list(search_term="USD/NGN"))[0]
    print(
        f"rates: {len(every_pair)} pairs; 1 {usd_ngn.from_currency} = {usd_ngn.rate} "
        f"{usd_ngn.to_currency}"
    )


# -- banks, mobile money ---------------------------------------------------------------------


async def banks_and_momo(client: BlaaizClient) -> None:
    bank = (await client.banks.list(currency="NGN"))[0]
    holder = await client.banks.lookup_account(account_number="0123456789", bank_id=bank.id)
    payee = await client.banks.verify_payee(
        sort_code="04-00-04", account_number="12345678", account_name="Ada Obi"
    )
    iban = await client.banks.verify_iban("DE89 3704 0044 0532 0130 00")
    kes = next(c for c in await client.currencies.list() if c.code == "KES")
    operators = await client.momo_operators.list(currency_id=kes.id)
    print(
        f"banks: {bank.name} account held by {holder.account_name}; payee match "
        f"{payee.is_match}; IBAN SEPA-reachable {iban.is_sepa_reachable}; "
        f"{len(operators)} KES mobile-money operators"
    )


# -- fees, payouts, transactions -------------------------------------------------------------


async def fees_payouts_transactions(client: BlaaizClient, sb: Sandbox) -> Transaction:
    """Quote, pay out, then find the payout among the transactions; returns the payout."""
    quote = await client.fees.breakdown(
        from_currency_id="NGN", to_currency_id="NGN", from_amount=5000, method="bank_transfer"
    )
    to_usd = await client.fees.get_breakdown(  # the official SDK's name for breakdown
        from_currency_id="NGN", to_currency_id="USD", to_amount=Decimal("10")
    )
    bank = (await client.banks.list(currency="NGN"))[0]
    payout = await client.payouts.create(
        wallet_id=sb.wallet_id("NGN"), customer_id=sb.customer_id, method="bank_transfer",
        from_currency_id="NGN", to_currency_id="NGN", from_amount=Decimal("5000"),
        bank_id=bank.id, account_number="0123456789", account_name="ADA OBI",
        merchant_reference="example-payout-1",
    )  # fmt: skip
    # The same payout again through ensure(): the reference exists, so nothing is sent twice.
    same = await client.payouts.ensure(
        wallet_id=sb.wallet_id("NGN"), customer_id=sb.customer_id, method="bank_transfer",
        from_currency_id="NGN", to_currency_id="NGN", from_amount=Decimal("5000"),
        bank_id=bank.id, account_number="0123456789", account_name="ADA OBI",
        merchant_reference="example-payout-1",
    )  # fmt: skip
    assert same.id == payout.id
    small = await client.payouts.initiate(  # the official SDK's name for create
        wallet_id=sb.wallet_id("NGN"), customer_id=sb.customer_id, method="bank_transfer",
        from_currency_id="NGN", to_currency_id="NGN", from_amount=Decimal("100"),
        bank_id=bank.id, account_number="0123456789", merchant_reference="example-payout-2",
    )  # fmt: skip
    assert small.id != payout.id
    page = await client.transactions.list(type=TransactionType.PAYOUT, page=1, limit=10)
    walked = [tx.id async for tx in client.transactions.iter(limit=2)]
    found = await client.transactions.get("example-payout-1")  # by merchant_reference
    recipient = need(payout.recipient, "recipient")
    print(
        f"payouts: sent {quote.you_send} NGN, {recipient.account_name} gets "
        f"{recipient.amount} ({payout.status}); 10 USD costs {to_usd.you_send} NGN; "
        f"{len(page.items)} payout(s) listed, {len(walked)} transaction(s) walked, "
        f"found {found.reference}"
    )
    return payout


# -- customers -------------------------------------------------------------------------------


async def customers(client: BlaaizClient) -> str:
    """Create, read, change and list customers; returns the new individual's id."""
    jane = await client.customers.create(
        type="individual", email="jane@example.com", country="NG", first_name="Jane",
        last_name="Doe", id_type="passport", id_number="A1234567",
    )  # fmt: skip
    fetched = await client.customers.get(jane.id)
    updated = await client.customers.update(
        jane.id, phone_number="+2348000000000", address=Address(city="Lagos", country="NG")
    )
    with_kyc = await client.customers.add_kyc(
        jane.id, dob="1990-01-31", city="Lagos", id_expiry_date="2030-01-01"
    )
    page = await client.customers.list(type="individual", page=1, per_page=10)
    everyone = [c.id async for c in client.customers.iter(per_page=2)]
    city = updated.address.city if updated.address is not None else None
    dob = with_kyc.kyc_data.dob if with_kyc.kyc_data is not None else None
    print(
        f"customers: {fetched.first_name} {fetched.last_name} is {fetched.current_status}, "
        f"lives in {city}, born {dob}; {len(page.items)} individual(s), "
        f"{len(everyone)} customer(s) in all"
    )
    return jane.id


async def customer_files(client: BlaaizClient, customer_id: str) -> None:
    # By hand: presign, PUT to storage, attach.
    presigned = await client.files.get_presigned_url(
        customer_id=customer_id, file_category=FileCategory.PROOF_OF_ADDRESS,
        file_name="bill.pdf", file_type="application/pdf",
    )  # fmt: skip
    await put_to_storage(presigned.target_url, b"%PDF-1.4 utility bill", presigned.headers)
    attached = await client.customers.upload_files(
        customer_id, proof_of_address_file=presigned.file_id
    )
    # In one call: an identity document, which verifies the customer.
    identity = await client.customers.upload_file(
        customer_id, file_category=FileCategory.IDENTITY, data=b"\xff\xd8\xff passport",
        file_name="passport.jpg",
    )  # fmt: skip
    customer = await client.customers.get(customer_id)
    print(
        f"files: {attached.message}; {identity.file_name} ({identity.content_type}) attached "
        f"as {identity.field}; {len(customer.files or [])} file(s), verified "
        f"{customer.is_verified}"
    )


async def beneficiaries(client: BlaaizClient, customer_id: str) -> None:
    """A customer's payout recipients (the payout above made one)."""
    listed = await client.customers.list_beneficiaries(customer_id)
    one = await client.customers.get_beneficiary(customer_id, listed[0].id)
    print(f"beneficiaries: {len(listed)}, first {one.account_name} at {one.account_number}")


async def business_kyb(client: BlaaizClient) -> None:
    """A business: submit for KYB, name its owners, their id documents."""
    acme = await client.customers.create(
        type="business", email="ops@acme.example", country="NG", business_name="Acme Ltd",
        registration_number="RC123456", incorporation_country="NG",
    )  # fmt: skip
    submitted = await client.customers.submit(acme.id)
    upgraded = await client.customers.upgrade_kyb_scope(
        acme.id,
        [
            OwnerInput(first_name="Ada", last_name="Obi", ownership_percentage=Decimal("60")),
            OwnerInput(first_name="Bayo", last_name="Ade", ownership_percentage=Decimal("40")),
        ],
    )
    owners = (await client.customers.get(acme.id)).owners or []
    first, second = (need(o.id, "owner id") for o in owners)
    # By hand for the first owner: presign, PUT, attach.
    front = await client.customers.get_owner_file_presigned_url(
        acme.id, first, file_category=OwnerFileCategory.ID_DOCUMENT_FRONT
    )
    await put_to_storage(front.target_url, b"id front", front.headers)
    attached = await client.customers.upload_owner_files(
        acme.id, first, id_document_front=front.file_id
    )
    # In one call for the second: front and back.
    results = await client.customers.upload_owner_documents(
        acme.id, second, front=b"front", back=b"back", content_type="image/jpeg"
    )
    removed = await client.customers.delete_owner(acme.id, second)
    status = need(submitted.customer, "customer").current_status
    scope = need(upgraded.customer, "customer").kyb_scope
    print(
        f"business: {acme.business_name} {status}, KYB scope {scope}, {len(owners)} owners; "
        f"{attached.message}; {[r.field for r in results]} uploaded; {removed.message}"
    )


async def customer_documents(client: BlaaizClient, customer_id: str) -> None:
    # By hand: presign, PUT, record the file as a document.
    presigned = await client.customers.get_document_presigned_url(customer_id)
    await put_to_storage(presigned.target_url, b"%PDF-1.4 statement", presigned.headers)
    statement = await client.customers.create_document(
        customer_id, type=DocumentType.PROOF_OF_ADDRESS, name="statement.pdf",
        file_id=presigned.file_id, description="May statement",
    )  # fmt: skip
    # In one call.
    bill = await client.customers.upload_document(
        customer_id, type=DocumentType.PROOF_OF_ADDRESS, name="bill.pdf",
        data=b"%PDF-1.4 bill", description="June bill",
    )  # fmt: skip
    listed = await client.customers.list_documents(customer_id)
    fetched = await client.customers.get_document(customer_id, bill.id)
    renamed = await client.customers.update_document(customer_id, bill.id, name="bill-june.pdf")
    removed = await client.customers.delete_document(customer_id, statement.id)
    left = await client.customers.list_documents(customer_id)
    print(
        f"documents: {len(listed)} recorded ({fetched.description!r}), renamed to "
        f"{renamed.name}; {removed.message}, {len(left)} left"
    )


# -- virtual bank accounts -------------------------------------------------------------------


async def virtual_bank_accounts(client: BlaaizClient, sb: Sandbox) -> None:
    wallet_id = sb.wallet_id("NGN")
    (vba,) = await client.virtual_bank_accounts.create(
        wallet_id=wallet_id, account_name="Acme Collections", currency="NGN"
    )
    listed = await client.virtual_bank_accounts.list(wallet_id=wallet_id)
    fetched = await client.virtual_bank_accounts.get(vba.id)
    by_place = await client.virtual_bank_accounts.get_identification_type(
        country="NG", type="individual"
    )
    by_customer = await client.virtual_bank_accounts.get_identification_type(
        customer_id=sb.customer_id
    )
    closed = await client.virtual_bank_accounts.close(vba.id, reason="example finished")
    status = closed.account.status if closed.account is not None else None
    print(
        f"virtual accounts: {fetched.account_number} at {fetched.bank_name} "
        f"({len(listed)} on the wallet); holders give a {by_place.label} "
        f"({by_customer.type}); closed: {status}"
    )


# -- collections -----------------------------------------------------------------------------


async def collections(client: BlaaizClient, sb: Sandbox) -> str:
    """Card, open banking, crypto and Interac; returns a collection's transaction id."""
    started = await client.collections.create(
        method=CollectionMethod.OPEN_BANKING, amount=Decimal("40"),
        wallet_id=sb.wallet_id("EUR"), redirect_url="https://shop.example/done",
        merchant_reference="example-order-1",
    )  # fmt: skip
    transaction_id = need(started.transaction_id, "transaction id")
    attached = await client.collections.attach_customer(
        customer_id=sb.customer_id, transaction_id=transaction_id
    )
    card = await client.collections.initiate(  # the official SDK's name for create
        method=CollectionMethod.CARD, amount="2500.50", wallet_id=sb.wallet_id("NGN"),
        customer_id=sb.customer_id, card_holder_name="Ada Obi",
        card_number="4242 4242 4242 4242", expiry="12/29", cvc="123",
    )  # fmt: skip
    networks = await client.collections.crypto_networks(
        transaction_type=CryptoTransactionType.COLLECTION
    )
    payout_networks = await client.collections.get_crypto_networks(
        transaction_type=CryptoTransactionType.PAYOUT
    )
    ethereum = next(n for n in networks if n.identifier == "ETHEREUM_MAINNET")
    network = need(ethereum.identifier, "network identifier")
    usdt = await client.collections.create_crypto(
        amount="25.5", wallet_id=sb.wallet_id("USD"), network=network, token=CryptoToken.USDT
    )
    usdc = await client.collections.initiate_crypto(
        amount=Decimal("10"), wallet_id=sb.wallet_id("USD"), network=network,
        token=CryptoToken.USDC, customer_id=sb.customer_id,
    )  # fmt: skip
    asked = await client.collections.create_interac_money_request(
        amount="150.00", email="payer@example.com", customer_name="Pat Payer",
        expiry_hours=48, note="Invoice 7",
    )  # fmt: skip
    asked_again = await client.collections.initiate_interac_money_request(
        amount=20, email="other.payer@example.com"
    )
    # sandbox: an Interac e-Transfer arrives, protected by a security answer.
    reference = seed_interac_transfer(sb.state, amount="80.00", security_answer="blue")
    accepted = await client.collections.accept_interac_money_request(
        reference_number=reference, security_answer="blue", email="payments@business.example"
    )
    symbols = sorted({t.symbol or "?" for t in ethereum.tokens})
    print(
        f"collections: open banking {started.status} at {started.payment_url}; "
        f"{attached.message}; card {card.status}; {len(networks)} crypto networks "
        f"({len(payout_networks)} for payouts), {network} takes {symbols}; "
        f"{usdt.token_amount} {usdt.token} to {usdt.address}, {usdc.token_amount} {usdc.token}; "
        f"Interac {asked.reference} and {asked_again.reference} {asked.status}; {accepted.message}"
    )
    return transaction_id


# -- swaps, refunds --------------------------------------------------------------------------


async def swaps(client: BlaaizClient, sb: Sandbox) -> None:
    usd, gbp = sb.wallet_id("USD"), sb.wallet_id("GBP")
    first = await client.swaps.create(
        from_business_wallet_id=usd, to_business_wallet_id=gbp, amount=100
    )
    second = await client.swaps.initiate(  # amount_type "to": fix what arrives
        from_business_wallet_id=usd, to_business_wallet_id=gbp, amount="50",
        amount_type=AmountType.TO,
    )  # fmt: skip
    a = need(first.business_swap_transaction, "swap transaction")
    b = need(second.business_swap_transaction, "swap transaction")
    print(
        f"swaps: {a.from_amount} {a.from_currency} -> {a.to_amount} {a.to_currency}; "
        f"{b.from_amount} {b.from_currency} -> {b.to_amount} {b.to_currency} ({b.status})"
    )


async def refunds(client: BlaaizClient, sb: Sandbox, payout_id: str, collection_id: str) -> None:
    """Only successful collections and payouts are refundable, one open refund at a time."""
    refund = await client.refunds.create(
        transaction_id=payout_id, reason="Duplicate order", reference="rf-1"
    )
    polled = await client.refunds.get(refund.id)
    # sandbox: the payer pays, so the collection succeeds and becomes refundable.
    sb.state.transactions[collection_id]["status"] = "SUCCESSFUL"
    other = await client.refunds.initiate(transaction_id=collection_id, reference="rf-2")
    print(
        f"refunds: {polled.amount} {polled.currency} {polled.status} ({polled.reference}), "
        f"then {other.reference} {other.status}"
    )


# -- webhooks --------------------------------------------------------------------------------


async def webhooks(client: BlaaizClient, payout: Transaction) -> None:
    config = await client.webhooks.register(
        payout_url=f"{HOOKS}/payout", collection_url=f"{HOOKS}/collection",
        kyc_url=f"{HOOKS}/kyc",
    )  # fmt: skip
    changed = await client.webhooks.update(collection_url=f"{HOOKS}/in", kyc_url=None)
    current = await client.webhooks.get()
    replayed = await client.webhooks.replay(transaction_id=payout.id)
    simulated = await client.webhooks.simulate_interac(
        amount="25.00", collection_email="payer@example.com"
    )
    again = await client.webhooks.simulate_interac_webhook(interac_email="payer@example.com")
    print(
        f"webhooks: registered at {config.updated_at}; {changed.message}: collections to "
        f"{current.collection_url}, kyc_url {current.kyc_url}; {replayed.message}; "
        f"{simulated.message}; {again.message}"
    )


# -- Signa KYC sessions ----------------------------------------------------------------------


async def compliance_headless(client: BlaaizClient, sb: Sandbox) -> None:
    """A HEADLESS session fed by us, a verdict, the PII reads, and the customer it verifies."""
    kemi = await client.customers.create(
        type="individual", email="kemi@example.com", country="NG", first_name="Kemi",
        last_name="Bello", id_type="passport", id_number="B7654321",
    )  # fmt: skip
    session = await client.compliance.create_session(
        customer_reference=kemi.id, requirements=[Requirement.DOCUMENTS],
        fulfilment_mode=FulfilmentMode.HEADLESS,
        applicant=KycApplicant(first_name="Kemi", last_name="Bello", dob="1992-03-04",
                               country="NGA"),
    )  # fmt: skip
    # A larger file: stage it through an upload URL, then attach it by name.
    staged = await client.compliance.create_document_upload_url(
        session.id, file_name="passport front.jpg", id_doc_type=IdDocType.PASSPORT
    )
    await put_to_storage(staged.url, b"\xff\xd8 passport", staged.headers)
    await client.compliance.upload_session_document(
        session.id, filename="passport.jpg", content_type=DocumentContentType.JPEG,
        id_doc_type=IdDocType.PASSPORT, country="NGA", file_name=staged.file_name,
    )  # fmt: skip
    # A small file: inline, base64-encoded.
    in_progress = await client.compliance.upload_session_document(
        session.id, filename="bill.pdf", content_type=DocumentContentType.PDF,
        id_doc_type=IdDocType.UTILITY_BILL, country="NGA",
        content_base64=base64.b64encode(b"%PDF-1.4 bill").decode(),
    )  # fmt: skip
    submitted = await client.compliance.submit_session(session.id)
    # sandbox: the reviewer's verdict.
    sb.state.kyc_sessions[session.id]["status"] = SessionStatus.APPROVED.value
    decided = await client.compliance.get_session(session.id)
    applicant = await client.compliance.get_applicant_data(session.id)
    same_applicant = await client.compliance.get_session_applicant_data(session.id)
    documents = await client.compliance.list_documents(session.id)
    same_documents = await client.compliance.list_session_documents(session.id)
    link = await client.compliance.get_document(session.id, documents[0].id)
    same_link = await client.compliance.get_session_document(session.id, documents[1].id)
    verified = await client.customers.link_kyc_session(kemi.id, session.id)
    window = await client.compliance.list_sessions(limit=10, offset=0)
    walked = [s.id async for s in client.compliance.iter_sessions(page_size=2)]
    name = f"{applicant.first_name} {applicant.last_name}" if applicant is not None else None
    same = same_applicant == applicant and len(same_documents) == len(documents)
    print(
        f"compliance: session {in_progress.status} -> {submitted.status} -> {decided.status} "
        f"(verdict {decided.has_verdict}); applicant {name}; documents "
        f"{[d.id_doc_type for d in documents]} ({link.content_type}, {same_link.content_type}); "
        f"aliases agree {same}; {verified.first_name} verified {verified.is_verified}; "
        f"{window.total} session(s), {len(walked)} walked"
    )


async def compliance_hosted(client: BlaaizClient) -> None:
    """A HOSTED session: the applicant uses Signa's page, by link or by token."""
    session = await client.compliance.create_session(
        customer_reference="example-hosted",
        requirements=[Requirement.DOCUMENTS, Requirement.SELFIE, Requirement.FACE_MATCH],
        redirect_url="https://shop.example/kyc-done",
    )
    link = await client.compliance.issue_verification_link(session.id)
    token = await client.compliance.issue_access_token(session.id)  # its repr is masked
    cancelled = await client.compliance.cancel_session(session.id)
    print(
        f"compliance (hosted): {session.fulfilment_mode} link expires {link.link_expires_at}, "
        f"token expires {token.expires_at} ({token!r}); {cancelled.status}"
    )


# -- Signa ID --------------------------------------------------------------------------------


async def signa_id(client: BlaaizClient, sb: Sandbox) -> None:
    request = await client.signa_id.create_release_request(
        purpose="Account opening", scopes=[ReleaseScope.IDENTITY, ReleaseScope.DOCUMENT_IMAGES],
        origin="https://shop.example", reference="order-7",
    )  # fmt: skip
    # sandbox: the holder consents in the web SDK, which hands the page a one-time code.
    code = approve_release_request(sb.state, request.id)
    exchanged = await client.signa_id.exchange_release_code(code=code)
    release = await client.signa_id.get_release(exchanged.release.id)
    data = need(release.data, "release data")
    image_id = document_ids(data.document_images)[0]
    image = await client.signa_id.get_release_document(release.release.id, image_id)
    # sandbox: a wallet that holds a Signa ID verification.
    sb.state.signa_id_wallets["0xabc"] = {
        "verified": True, "level": "FULL", "country": "NGA", "expires_at": "2027-01-01",
        "attestations": [{"type": "KYC"}], "_chains": [1],
    }  # fmt: skip
    wallet = await client.signa_id.get_wallet_status("0xABC", chain_id=1)  # public: no auth
    print(
        f"signa id: release {release.release.purpose!r} active {release.active}, scopes "
        f"{release.release.scopes}; image {image.content_type}; wallet verified "
        f"{wallet.verified} at level {wallet.level}"
    )


# -- the tour --------------------------------------------------------------------------------


async def main() -> None:
    async with Sandbox() as sb:
        client_id, client_secret = sb.add_client()
        async with BlaaizClient(
            client_id=client_id, client_secret=client_secret, base_url=sb.url, scopes=SCOPES,
            rate_limit=sb.client_rate_limit,  # the sandbox's limit (none here)
        ) as client:  # fmt: skip
            await wallets_and_currencies(client, sb)
            await rates(client)
            await banks_and_momo(client)
            payout = await fees_payouts_transactions(client, sb)
            jane = await customers(client)
            await customer_files(client, jane)
            await beneficiaries(client, sb.customer_id)
            await business_kyb(client)
            await customer_documents(client, jane)
            await virtual_bank_accounts(client, sb)
            collection_id = await collections(client, sb)
            await swaps(client, sb)
            await refunds(client, sb, payout.id, collection_id)
            await webhooks(client, payout)
            await compliance_headless(client, sb)
            await compliance_hosted(client)
            await signa_id(client, sb)
        print(f"done: {sb.token_requests} token request(s) for every call above")


if __name__ == "__main__":
    asyncio.run(main())
