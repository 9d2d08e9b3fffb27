"""Customers: create and verify them (KYC/KYB), their files, owners and documents.

A payout needs a customer; a customer becomes ``VERIFIED`` once an identity file is
attached (``upload_file(file_category="identity", ...)``) or an approved Signa session
is linked. Documented rules are checked before sending, so a request the API would
refuse costs no round trip and fails with a ``ValidationError`` naming the field.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import NotFoundError, ValidationError
from ..models.base import Ack
from ..models.customers import (
    Address,
    Beneficiary,
    Customer,
    CustomerActionResult,
    CustomerCreate,
    CustomerDocument,
    CustomerFilesAttach,
    CustomerKycUpdate,
    CustomerUpdate,
    DocumentCreate,
    DocumentUpdate,
    IdType,
    OwnerFileCategory,
    OwnerInput,
)
from ..models.files import ATTACH_FIELD, PresignedUpload
from ..models.pagination import Page, check_advanced
from ..routes import customers as routes
from ..uploads import (
    UploadData,
    UploadResult,
    attach_step,
    prepare_source,
    transfer,
)
from ..validation import check_email, compact, positive, require, require_ids
from .base import Resource, request_body, wire
from .files import Files, check_file_category

CUSTOMER_TYPES = frozenset({"individual", "business"})
ID_TYPES = frozenset(t.value for t in IdType)
BUSINESS_ONLY_ID_TYPES = frozenset({IdType.CERTIFICATE_OF_INCORPORATION.value})
OWNER_FILE_CATEGORIES = frozenset(c.value for c in OwnerFileCategory)
FILE_FIELDS = ("id_file", "id_file_back", "proof_of_address_file", "liveness_check_file")
DATE_FIELDS = ("dob", "id_expiry_date", "id_issue_date")
MAX_PAGE_SIZE = 100

_ISO2 = re.compile(r"[A-Za-z]{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- validation ------------------------------------------------------------------------------


def check_dates(body: Mapping[str, Any], *fields: str, context: str) -> None:
    for field in fields:
        value = body.get(field)
        if value is None:
            continue
        try:
            ok = bool(_DATE.fullmatch(str(value))) and date.fromisoformat(str(value)) is not None
        except ValueError:
            ok = False
        if not ok:
            raise ValidationError(f"{context}: {field} must be a date YYYY-MM-DD", field=field)


def validate_customer_create(body: Mapping[str, Any]) -> None:
    """type/email/country always; an individual needs first_name, last_name, id_type and
    id_number; a business needs business_name, registration_number and
    incorporation_country, and must not send id_type/id_number (SDK 1.7 rule)."""
    ctx = "customer"
    require(body, "type", "email", "country", context=ctx)
    kind = str(body["type"])
    if kind not in CUSTOMER_TYPES:
        raise ValidationError(f"{ctx}: type must be individual or business", field="type")
    check_email(body, "email", context=ctx)
    if not _ISO2.fullmatch(str(body["country"])):
        raise ValidationError(f"{ctx}: country must be an ISO-2 code like NG", field="country")
    if kind == "individual":
        require(
            body, "first_name", "last_name", "id_type", "id_number", context=f"{ctx} (individual)"
        )
        id_type = str(body["id_type"])
        if id_type not in ID_TYPES or id_type in BUSINESS_ONLY_ID_TYPES:
            allowed = ", ".join(sorted(ID_TYPES - BUSINESS_ONLY_ID_TYPES))
            raise ValidationError(
                f"{ctx} (individual): id_type must be one of {allowed}", field="id_type"
            )
    else:
        require(
            body, "business_name", "registration_number", "incorporation_country",
            context=f"{ctx} (business)",
        )  # fmt: skip
        for field in ("id_type", "id_number"):
            if body.get(field) is not None:
                raise ValidationError(
                    f"{ctx} (business): {field} must not be sent for a business; use "
                    "registration_number and incorporation_country",
                    field=field,
                )
    check_dates(body, *DATE_FIELDS, context=ctx)


def validate_customer_update(body: Mapping[str, Any]) -> None:
    ctx = "customer update"
    if not body:
        raise ValidationError(f"{ctx}: nothing to change", field=None)
    check_email(body, "email", context=ctx)
    address = body.get("address")
    if address is not None and not isinstance(address, Mapping):
        raise ValidationError(f"{ctx}: address must be an Address or a mapping", field="address")


def validate_owners(owners: Sequence[Mapping[str, Any]]) -> None:
    """At least one owner, each named, with a positive percentage; all total exactly 100."""
    ctx = "KYB scope upgrade"
    if not owners:
        raise ValidationError(f"{ctx}: owners must list at least one owner", field="owners")
    total = Decimal(0)
    for i, owner in enumerate(owners):
        item = f"{ctx}: owners[{i}]"
        require(owner, "first_name", "last_name", "ownership_percentage", context=item)
        positive(owner, "ownership_percentage", context=item)
        try:
            total += Decimal(str(owner["ownership_percentage"]))
        except InvalidOperation:  # pragma: no cover - positive() has rejected it
            raise ValidationError(f"{item}: ownership_percentage must be a number") from None
    if total != 100:
        raise ValidationError(
            f"{ctx}: ownership percentages total {total.normalize():f}, they must total 100",
            field="owners",
        )


def _page_size(value: int | None, name: str) -> None:
    if value is not None and not 1 <= value <= MAX_PAGE_SIZE:
        raise ValidationError(f"customers: {name} must be 1..{MAX_PAGE_SIZE}", field=name)


def _owner_dict(owner: OwnerInput | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(owner, OwnerInput):
        return wire(owner)
    if isinstance(owner, Mapping):
        data: dict[str, Any] = wire(dict(owner))
        return data
    raise ValidationError(
        f"KYB scope upgrade: an owner must be an OwnerInput or a mapping, not "
        f"{type(owner).__name__}",
        field="owners",
    )


# -- the resource ----------------------------------------------------------------------------


class Customers(Resource):
    # -- create, read, update ----------------------------------------------------------------

    async def create(
        self,
        request: CustomerCreate | None = None,
        /,
        *,
        type: str | None = None,
        email: str | None = None,
        country: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        id_type: str | None = None,
        id_number: str | None = None,
        business_name: str | None = None,
        registration_number: str | None = None,
        incorporation_country: str | None = None,
        phone: str | None = None,
        tin: str | None = None,
        dob: str | None = None,
        street: str | None = None,
        city: str | None = None,
        state: str | None = None,
        zip_code: str | None = None,
        id_expiry_date: str | None = None,
        id_issue_date: str | None = None,
    ) -> Customer:
        """Create a customer (payouts and non-NGN virtual accounts need one).

        Give a ``CustomerCreate`` or the same fields as keywords. Always required:
        ``type`` (``individual``/``business``), ``email``, ``country`` (ISO-2). An
        individual also needs ``first_name``, ``last_name``, ``id_type``, ``id_number``;
        a business ``business_name``, ``registration_number``, ``incorporation_country``
        and no ``id_type``/``id_number``. Dates are ``YYYY-MM-DD``. The new customer is
        ``PENDING`` until an identity file is attached. Not retried once sent."""
        body = request_body(
            request, type=type, email=email, country=country, first_name=first_name,
            last_name=last_name, id_type=id_type, id_number=id_number,
            business_name=business_name, registration_number=registration_number,
            incorporation_country=incorporation_country, phone=phone, tin=tin, dob=dob,
            street=street, city=city, state=state, zip_code=zip_code,
            id_expiry_date=id_expiry_date, id_issue_date=id_issue_date,
        )  # fmt: skip
        validate_customer_create(body)
        return await self._call(routes.CUSTOMERS_CREATE, json=body)

    async def list(
        self,
        *,
        email: str | None = None,
        id_number: str | None = None,
        registration_number: str | None = None,
        verification_status: str | None = None,
        status: str | None = None,
        type: str | None = None,
        paginate: bool | None = None,
        page: int | None = None,
        per_page: int | None = None,
        limit: int | None = None,
    ) -> Page[Customer]:
        """Customers matching the filters, as a ``Page``.

        Without paging arguments the API answers every match at once (``page.items``,
        no ``meta``). ``page``/``per_page``/``limit`` turn ``paginate`` on (the API's
        sources name the page size ``per_page`` or ``limit``; both are sent). The OpenAPI file's
        ``data{customers, pagination}`` shape is read too. ``iter`` walks every page."""
        for name, value in (("per_page", per_page), ("limit", limit)):
            _page_size(value, name)
        if page is not None and page < 1:
            raise ValidationError("customers: page starts at 1", field="page")
        if paginate is None and (page, per_page, limit) != (None, None, None):
            paginate = True
        params = compact(
            email=email, id_number=id_number, registration_number=registration_number,
            verification_status=verification_status, status=status, type=type,
            paginate=paginate, page=page, per_page=per_page, limit=limit,
        )  # fmt: skip
        return await self._call(routes.CUSTOMERS_LIST, params=params or None)

    async def iter(
        self,
        *,
        per_page: int = 50,
        email: str | None = None,
        id_number: str | None = None,
        registration_number: str | None = None,
        verification_status: str | None = None,
        status: str | None = None,
        type: str | None = None,
    ) -> AsyncIterator[Customer]:
        """Every matching customer, one page (``paginate=true``) at a time, so a large
        book of customers is never held in memory at once. A server that answers a page
        it already sent raises ``MalformedResponseError`` instead of looping forever."""
        _page_size(per_page, "per_page")
        page_no, previous = 1, None
        while True:
            page = await self.list(
                email=email, id_number=id_number, registration_number=registration_number,
                verification_status=verification_status, status=status, type=type,
                paginate=True, page=page_no, per_page=per_page, limit=per_page,
            )  # fmt: skip
            check_advanced(routes.CUSTOMERS_LIST.name, page_no, page, previous)
            previous = page
            for item in page.items:
                yield item
            if not page.items or not page.has_next:
                return
            page_no += 1

    async def get(self, customer_id: str) -> Customer:
        """One customer, with its files; ``NotFoundError`` if unknown."""
        path = require_ids("customer", customer_id=customer_id)
        return await self._call(routes.CUSTOMERS_GET, path=path)

    async def update(
        self,
        customer_id: str,
        request: CustomerUpdate | None = None,
        /,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        business_name: str | None = None,
        email: str | None = None,
        phone_number: str | None = None,
        address: Address | Mapping[str, str] | None = None,
        id_file: str | None = None,
        id_file_back: str | None = None,
        proof_of_address_file: str | None = None,
        liveness_check_file: str | None = None,
    ) -> Customer:
        """Change the given fields only (sent as ``PUT``, which the official SDKs use; the
        OpenAPI file says ``PATCH`` with the same partial body). ``*_file`` fields take
        uploaded file ids, like ``upload_files``."""
        path = require_ids("customer update", customer_id=customer_id)
        body = request_body(
            request, first_name=first_name, last_name=last_name, business_name=business_name,
            email=email, phone_number=phone_number, address=address, id_file=id_file,
            id_file_back=id_file_back, proof_of_address_file=proof_of_address_file,
            liveness_check_file=liveness_check_file,
        )  # fmt: skip
        validate_customer_update(body)
        return await self._call(routes.CUSTOMERS_UPDATE, path=path, json=body)

    async def add_kyc(
        self,
        customer_id: str,
        request: CustomerKycUpdate | None = None,
        /,
        *,
        dob: str | None = None,
        street: str | None = None,
        city: str | None = None,
        zip_code: str | None = None,
        id_expiry_date: str | None = None,
        id_issue_date: str | None = None,
    ) -> Customer:
        """Add KYC data some rails ask for (date of birth, address, id validity).
        Dates are ``YYYY-MM-DD``; answers the customer with ``kyc_data``."""
        path = require_ids("customer KYC", customer_id=customer_id)
        body = request_body(
            request, dob=dob, street=street, city=city, zip_code=zip_code,
            id_expiry_date=id_expiry_date, id_issue_date=id_issue_date,
        )  # fmt: skip
        if not body:
            raise ValidationError("customer KYC: nothing to add", field=None)
        check_dates(body, *DATE_FIELDS, context="customer KYC")
        return await self._call(routes.CUSTOMERS_ADD_KYC, path=path, json=body)

    # -- files -------------------------------------------------------------------------------

    async def upload_files(
        self,
        customer_id: str,
        request: CustomerFilesAttach | None = None,
        /,
        *,
        id_file: str | None = None,
        id_file_back: str | None = None,
        proof_of_address_file: str | None = None,
        liveness_check_file: str | None = None,
    ) -> Ack:
        """Attach already uploaded files (ids from a presign) to the customer; a newer
        file replaces an older one of the same kind. ``upload_file`` does it all."""
        path = require_ids("customer files", customer_id=customer_id)
        body = request_body(
            request, id_file=id_file, id_file_back=id_file_back,
            proof_of_address_file=proof_of_address_file,
            liveness_check_file=liveness_check_file,
        )  # fmt: skip
        if not any(body.get(f) for f in FILE_FIELDS):
            raise ValidationError(
                f"customer files: give at least one of {', '.join(FILE_FIELDS)}", field="id_file"
            )
        return await self._call(routes.CUSTOMERS_UPLOAD_FILES, path=path, json=body)

    async def upload_file(
        self,
        customer_id: str,
        *,
        file_category: str,
        data: UploadData,
        file_name: str | None = None,
        content_type: str | None = None,
    ) -> UploadResult:
        """Upload one KYC file and attach it: presign -> PUT to storage -> attach.

        ``data`` is bytes, a path (``str`` or ``os.PathLike``; a ``str`` is always a
        path) or an async iterable of bytes. ``file_category`` is ``identity``,
        ``identity_back``, ``proof_of_address`` or ``liveness_check``; it is attached as
        ``id_file``, ``id_file_back``, ``proof_of_address_file`` or
        ``liveness_check_file``. ``content_type`` defaults to a guess from the file
        name. A failing step raises ``UploadError`` with ``step`` = ``presign``,
        ``upload`` or ``attach`` (then ``file_id`` lets you attach again without
        re-uploading)."""
        require_ids("upload", customer_id=customer_id)
        check_file_category({"file_category": file_category}, context="upload")
        field = ATTACH_FIELD[file_category]
        source = await prepare_source(
            data, file_name=file_name, content_type=content_type, default_stem=file_category
        )
        files = Files(self._pipeline)
        presigned, etag = await transfer(
            self._pipeline,
            lambda: files.get_presigned_url(
                customer_id=customer_id,
                file_category=file_category,
                file_name=source.file_name,
                file_type=source.content_type,
            ),
            source,
        )
        ack = await attach_step(
            lambda: self.upload_files(customer_id, **{field: presigned.file_id}),
            presigned.file_id,
        )
        return UploadResult(
            file_id=presigned.file_id, file_category=file_category, field=field, etag=etag,
            size=source.size, content_type=source.content_type, file_name=source.file_name,
            message=ack.message,
        )  # fmt: skip

    # -- beneficiaries -----------------------------------------------------------------------

    async def list_beneficiaries(self, customer_id: str) -> builtins.list[Beneficiary]:
        """People this customer has paid, for repeat payouts."""
        path = require_ids("beneficiaries", customer_id=customer_id)
        return await self._call(routes.CUSTOMERS_LIST_BENEFICIARIES, path=path)

    async def get_beneficiary(self, customer_id: str, beneficiary_id: str) -> Beneficiary:
        """One beneficiary. The OpenAPI file wraps it in an array, a plain object is read too;
        the entry with this id is returned (``NotFoundError`` when the array is empty)."""
        path = require_ids("beneficiary", customer_id=customer_id, beneficiary_id=beneficiary_id)
        route = routes.CUSTOMERS_GET_BENEFICIARY
        items = await self._call(route, path=path)
        if not items:
            raise NotFoundError("Beneficiary not found", status=404, route=route.name)
        return next((b for b in items if b.id == beneficiary_id), items[0])

    # -- verification ------------------------------------------------------------------------

    async def submit(self, customer_id: str) -> CustomerActionResult:
        """Submit a business customer for KYB verification (sends no body)."""
        path = require_ids("submit", customer_id=customer_id)
        return await self._call(routes.CUSTOMERS_SUBMIT, path=path)

    async def upgrade_kyb_scope(
        self, customer_id: str, owners: Sequence[OwnerInput | Mapping[str, Any]]
    ) -> CustomerActionResult:
        """Raise a business's KYB scope from MINIMAL to FULL by naming its owners
        (``first_name``, ``last_name``, ``ownership_percentage``); the percentages must
        total exactly 100, checked here with exact decimals before sending."""
        path = require_ids("KYB scope upgrade", customer_id=customer_id)
        if isinstance(owners, str | bytes | Mapping):
            raise ValidationError("KYB scope upgrade: owners must be a list", field="owners")
        items = [_owner_dict(o) for o in owners]
        validate_owners(items)
        return await self._call(
            routes.CUSTOMERS_UPGRADE_KYB_SCOPE, path=path, json={"owners": items}
        )

    async def link_kyc_session(self, customer_id: str, signa_session_id: str) -> Customer:
        """Verify the customer with an approved Signa KYC session (needs the opt-in
        scope ``compliance-kyc:pii:read``). The session must be APPROVED with DOCUMENTS
        within 365 days and match the customer, else the API answers 400/409/422."""
        path = require_ids("link KYC session", customer_id=customer_id)
        body = {"signa_session_id": signa_session_id}
        require(body, "signa_session_id", context="link KYC session")
        return await self._call(routes.CUSTOMERS_LINK_KYC_SESSION, path=path, json=body)

    # -- business owners ---------------------------------------------------------------------

    async def delete_owner(self, customer_id: str, owner_id: str) -> Ack:
        path = require_ids("delete owner", customer_id=customer_id, owner_id=owner_id)
        return await self._call(routes.CUSTOMERS_DELETE_OWNER, path=path)

    async def get_owner_file_presigned_url(
        self, customer_id: str, owner_id: str, *, file_category: str
    ) -> PresignedUpload:
        """A URL for an owner's id document (``id_document_front``/``id_document_back``);
        ``upload_owner_documents`` does presign, PUT and attach together."""
        path = require_ids("owner presign", customer_id=customer_id, owner_id=owner_id)
        if file_category not in OWNER_FILE_CATEGORIES:
            raise ValidationError(
                "owner presign: file_category must be id_document_front or id_document_back",
                field="file_category",
            )
        return await self._call(
            routes.CUSTOMERS_GET_OWNER_FILE_PRESIGNED_URL,
            path=path,
            json={"file_category": file_category},
        )

    async def upload_owner_files(
        self,
        customer_id: str,
        owner_id: str,
        *,
        id_document_front: str,
        id_document_back: str | None = None,
    ) -> Ack:
        """Attach uploaded id documents (file ids) to an owner; the front is required."""
        path = require_ids("owner files", customer_id=customer_id, owner_id=owner_id)
        body = compact(id_document_front=id_document_front, id_document_back=id_document_back)
        require(body, "id_document_front", context="owner files")
        return await self._call(routes.CUSTOMERS_UPLOAD_OWNER_FILES, path=path, json=body)

    async def upload_owner_documents(
        self,
        customer_id: str,
        owner_id: str,
        *,
        front: UploadData,
        back: UploadData | None = None,
        content_type: str | None = None,
    ) -> builtins.list[UploadResult]:
        """Upload an owner's id document (front, and back if given) and attach both in
        one call, since the API requires the front in every attach. ``UploadError`` as in
        ``upload_file``; results come front first."""
        require_ids("owner documents", customer_id=customer_id, owner_id=owner_id)
        sides = [("id_document_front", front)]
        if back is not None:
            sides.append(("id_document_back", back))
        sources = []
        for category, data in sides:  # every input checked before the first request
            source = await prepare_source(
                data, file_name=None, content_type=content_type, default_stem=category
            )
            sources.append((category, source))
        uploaded: dict[str, tuple[str, str]] = {}
        for category, source in sources:

            async def presign(category: str = category) -> PresignedUpload:
                return await self.get_owner_file_presigned_url(
                    customer_id, owner_id, file_category=category
                )

            presigned, etag = await transfer(self._pipeline, presign, source)
            uploaded[category] = (presigned.file_id, etag)
        front_id = uploaded["id_document_front"][0]
        back_id = uploaded["id_document_back"][0] if "id_document_back" in uploaded else None
        ack = await attach_step(
            lambda: self.upload_owner_files(
                customer_id, owner_id, id_document_front=front_id, id_document_back=back_id
            ),
            front_id,
        )
        return [
            UploadResult(
                file_id=uploaded[category][0],
                file_category=category,
                field=category,
                etag=uploaded[category][1],
                size=source.size,
                content_type=source.content_type,
                file_name=source.file_name,
                message=ack.message,
            )
            for category, source in sources
        ]

    # -- documents ---------------------------------------------------------------------------

    async def list_documents(self, customer_id: str) -> builtins.list[CustomerDocument]:
        path = require_ids("documents", customer_id=customer_id)
        return await self._call(routes.CUSTOMERS_LIST_DOCUMENTS, path=path)

    async def get_document(self, customer_id: str, document_id: str) -> CustomerDocument:
        path = require_ids("document", customer_id=customer_id, document_id=document_id)
        return await self._call(routes.CUSTOMERS_GET_DOCUMENT, path=path)

    async def get_document_presigned_url(self, customer_id: str) -> PresignedUpload:
        """A URL for a customer document's file (sends no body); then ``create_document``
        with the ``file_id``. ``upload_document`` does both with the PUT between."""
        path = require_ids("document presign", customer_id=customer_id)
        return await self._call(routes.CUSTOMERS_GET_DOCUMENT_PRESIGNED_URL, path=path)

    async def create_document(
        self,
        customer_id: str,
        request: DocumentCreate | None = None,
        /,
        *,
        type: str | None = None,
        name: str | None = None,
        file_id: str | None = None,
        description: str | None = None,
    ) -> CustomerDocument:
        """Record an uploaded file as a document. ``type`` e.g. ``PROOF_OF_ADDRESS``
        (the API has not published the full list, so other values are sent as given)."""
        path = require_ids("document", customer_id=customer_id)
        body = request_body(request, type=type, name=name, file_id=file_id, description=description)
        require(body, "type", "name", "file_id", context="document")
        return await self._call(routes.CUSTOMERS_CREATE_DOCUMENT, path=path, json=body)

    async def upload_document(
        self,
        customer_id: str,
        *,
        type: str,
        name: str,
        data: UploadData,
        description: str | None = None,
        file_name: str | None = None,
        content_type: str | None = None,
    ) -> CustomerDocument:
        """Upload a file and record it as a document: presign -> PUT -> create_document.
        ``UploadError`` as in ``upload_file`` (the attach step is the create)."""
        require_ids("document", customer_id=customer_id)
        require({"type": type, "name": name}, "type", "name", context="document")
        source = await prepare_source(
            data, file_name=file_name or name, content_type=content_type, default_stem="document"
        )
        presigned, _ = await transfer(
            self._pipeline, lambda: self.get_document_presigned_url(customer_id), source
        )
        return await attach_step(
            lambda: self.create_document(
                customer_id,
                type=type,
                name=name,
                file_id=presigned.file_id,
                description=description,
            ),
            presigned.file_id,
        )

    async def update_document(
        self,
        customer_id: str,
        document_id: str,
        request: DocumentUpdate | None = None,
        /,
        *,
        type: str | None = None,
        name: str | None = None,
        file_id: str | None = None,
        description: str | None = None,
    ) -> CustomerDocument:
        path = require_ids("document update", customer_id=customer_id, document_id=document_id)
        body = request_body(request, type=type, name=name, file_id=file_id, description=description)
        if not body:
            raise ValidationError("document update: nothing to change", field=None)
        return await self._call(routes.CUSTOMERS_UPDATE_DOCUMENT, path=path, json=body)

    async def delete_document(self, customer_id: str, document_id: str) -> Ack:
        path = require_ids("delete document", customer_id=customer_id, document_id=document_id)
        return await self._call(routes.CUSTOMERS_DELETE_DOCUMENT, path=path)
