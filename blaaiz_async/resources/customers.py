"""Customers: create and verify them (KYC/KYB), their files, owners and documents.

A payout needs a customer; a customer becomes ``VERIFIED`` once an identity file is
attached (``upload_file(file_category="identity", ...)``) or an approved Signa session
is linked. Documented rules are checked before sending (``rules.customers``), so a
request the API would refuse costs no round trip and fails with a ``ValidationError``
naming the field.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Unpack, overload

from ..errors import NotFoundError, ValidationError
from ..models.base import Ack
from ..models.customers import (
    Beneficiary,
    Customer,
    CustomerActionResult,
    CustomerCreate,
    CustomerDocument,
    CustomerFilesAttach,
    CustomerFilters,
    CustomerKycUpdate,
    CustomerListQuery,
    CustomerUpdate,
    DocumentCreate,
    DocumentFields,
    DocumentUpdate,
    KybScopeUpgrade,
    KycSessionLink,
    OwnerFileCategoryName,
    OwnerFilePresign,
    OwnerFilesAttach,
    OwnerInput,
)
from ..models.files import ATTACH_FIELD, FileCategory, FileCategoryName, PresignedUpload
from ..models.pagination import Page, check_advanced
from ..routes import customers as routes
from ..rules import customers as rules
from ..rules.base import request_body, require_any
from ..rules.files import check_file_category
from ..uploads import (
    UploadData,
    UploadResult,
    attach_step,
    prepare_source,
    transfer,
)
from .base import Resource, check_path
from .files import Files


def _owner_dict(owner: OwnerInput | Mapping[str, Any], index: int) -> dict[str, Any]:
    """One owner as sent: its fields checked like a body's, the percentage exact."""
    context = f"KYB scope upgrade: owners[{index}]"
    if not isinstance(owner, Mapping):
        raise ValidationError(
            f"{context} must be an OwnerInput (a dict of first_name, last_name and "
            f"ownership_percentage), not {type(owner).__name__}",
            field="owners",
        )
    return request_body(OwnerInput, owner, context=context)


# -- the resource ----------------------------------------------------------------------------


class Customers(Resource):
    # -- create, read, update ----------------------------------------------------------------

    @overload
    async def create(self, request: CustomerCreate, /) -> Customer: ...
    @overload
    async def create(self, /, **fields: Unpack[CustomerCreate]) -> Customer: ...
    async def create(self, request: CustomerCreate | None = None, /, **fields: Any) -> Customer:
        """Create a customer (payouts and non-NGN virtual accounts need one).

        Give a ``CustomerCreate`` or the same fields as keywords. Always required:
        ``type`` (``individual``/``business``), ``email``, ``country`` (ISO-2). An
        individual also needs ``first_name``, ``last_name``, ``id_type``, ``id_number``;
        a business ``business_name``, ``registration_number``, ``incorporation_country``
        and no ``id_type``/``id_number``. Dates are ``YYYY-MM-DD``. The new customer is
        ``PENDING`` until an identity file is attached. Not retried once sent."""
        route = routes.CUSTOMERS_CREATE
        json = request_body(CustomerCreate, fields, request=request, context=route.name)
        rules.validate_customer_create(json)
        return await self._call(route, json=json)

    async def list(self, **query: Unpack[CustomerListQuery]) -> Page[Customer]:
        """Customers matching the filters, as a ``Page``.

        Without paging arguments the API answers every match at once (``page.items``,
        no ``meta``). ``page``/``per_page``/``limit`` turn ``paginate`` on (the API's
        sources name the page size ``per_page`` or ``limit``; both are sent). The
        OpenAPI file's ``data{customers, pagination}`` shape is read too. ``iter`` walks
        every page."""
        route = routes.CUSTOMERS_LIST
        params = request_body(CustomerListQuery, query, context=route.name)
        rules.validate_list_query(params)
        if "paginate" not in params and params.keys() & {"page", "per_page", "limit"}:
            params["paginate"] = True
        return await self._call(route, params=params or None)

    async def iter(
        self, *, per_page: int = 50, **filters: Unpack[CustomerFilters]
    ) -> AsyncIterator[Customer]:
        """Every matching customer, one page (``paginate=true``) at a time, so a large
        book of customers is never held in memory at once. A server that answers a page
        it already sent raises ``MalformedResponseError`` instead of looping forever."""
        rules.page_size(per_page, "per_page")
        page_no, previous = 1, None
        while True:
            page = await self.list(
                **filters, paginate=True, page=page_no, per_page=per_page, limit=per_page
            )
            check_advanced(routes.CUSTOMERS_LIST.name, page_no, page, previous)
            previous = page
            for item in page.items:
                yield item
            if not page.items or not page.has_next:
                return
            page_no += 1

    async def get(self, customer_id: str) -> Customer:
        """One customer, with its files; ``NotFoundError`` if unknown."""
        return await self._call(routes.CUSTOMERS_GET, path={"customer_id": customer_id})

    @overload
    async def update(self, customer_id: str, request: CustomerUpdate, /) -> Customer: ...
    @overload
    async def update(self, customer_id: str, /, **fields: Unpack[CustomerUpdate]) -> Customer: ...
    async def update(
        self, customer_id: str, request: CustomerUpdate | None = None, /, **fields: Any
    ) -> Customer:
        """Change the given fields only (sent as ``PUT``, which the official SDKs use; the
        OpenAPI file says ``PATCH`` with the same partial body). ``*_file`` fields take
        uploaded file ids, like ``upload_files``."""
        route = routes.CUSTOMERS_UPDATE
        json = request_body(CustomerUpdate, fields, request=request, context=route.name)
        rules.validate_customer_update(json)
        return await self._call(route, path={"customer_id": customer_id}, json=json)

    @overload
    async def add_kyc(self, customer_id: str, request: CustomerKycUpdate, /) -> Customer: ...
    @overload
    async def add_kyc(
        self, customer_id: str, /, **fields: Unpack[CustomerKycUpdate]
    ) -> Customer: ...
    async def add_kyc(
        self, customer_id: str, request: CustomerKycUpdate | None = None, /, **fields: Any
    ) -> Customer:
        """Add KYC data some rails ask for (date of birth, address, id validity).
        Dates are ``YYYY-MM-DD``; answers the customer with ``kyc_data``."""
        route = routes.CUSTOMERS_ADD_KYC
        json = request_body(CustomerKycUpdate, fields, request=request, context=route.name)
        rules.validate_kyc_update(json)
        return await self._call(route, path={"customer_id": customer_id}, json=json)

    # -- files -------------------------------------------------------------------------------

    @overload
    async def upload_files(self, customer_id: str, request: CustomerFilesAttach, /) -> Ack: ...
    @overload
    async def upload_files(
        self, customer_id: str, /, **fields: Unpack[CustomerFilesAttach]
    ) -> Ack: ...
    async def upload_files(
        self, customer_id: str, request: CustomerFilesAttach | None = None, /, **fields: Any
    ) -> Ack:
        """Attach already uploaded files (ids from a presign) to the customer; a newer
        file replaces an older one of the same kind. ``upload_file`` does it all."""
        return await self._attach_files(customer_id, fields, request)

    async def _attach_files(
        self, customer_id: str, fields: Mapping[str, Any], request: Mapping[str, Any] | None
    ) -> Ack:
        route = routes.CUSTOMERS_UPLOAD_FILES
        json = request_body(CustomerFilesAttach, fields, request=request, context=route.name)
        rules.validate_files_attach(json)
        return await self._call(route, path={"customer_id": customer_id}, json=json)

    async def upload_file(
        self,
        customer_id: str,
        *,
        file_category: FileCategory | FileCategoryName,
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
        check_path(routes.CUSTOMERS_UPLOAD_FILES, customer_id=customer_id)
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
            lambda: self._attach_files(customer_id, {field: presigned.file_id}, None),
            presigned.file_id,
        )
        return UploadResult(
            file_id=presigned.file_id,
            file_category=file_category,
            field=field,
            etag=etag,
            size=source.size,
            content_type=source.content_type,
            file_name=source.file_name,
            message=ack.message,
        )

    # -- beneficiaries -----------------------------------------------------------------------

    async def list_beneficiaries(self, customer_id: str) -> builtins.list[Beneficiary]:
        """People this customer has paid, for repeat payouts."""
        path = {"customer_id": customer_id}
        return await self._call(routes.CUSTOMERS_LIST_BENEFICIARIES, path=path)

    async def get_beneficiary(self, customer_id: str, beneficiary_id: str) -> Beneficiary:
        """One beneficiary. The OpenAPI file wraps it in an array, a plain object is read too;
        the entry with this id is returned (``NotFoundError`` when the array is empty)."""
        path = {"customer_id": customer_id, "beneficiary_id": beneficiary_id}
        route = routes.CUSTOMERS_GET_BENEFICIARY
        items = await self._call(route, path=path)
        if not items:
            raise NotFoundError("Beneficiary not found", status=404, route=route.name)
        return next((b for b in items if b.id == beneficiary_id), items[0])

    # -- verification ------------------------------------------------------------------------

    async def submit(self, customer_id: str) -> CustomerActionResult:
        """Submit a business customer for KYB verification (sends no body)."""
        return await self._call(routes.CUSTOMERS_SUBMIT, path={"customer_id": customer_id})

    async def upgrade_kyb_scope(
        self, customer_id: str, owners: Sequence[OwnerInput | Mapping[str, Any]]
    ) -> CustomerActionResult:
        """Raise a business's KYB scope from MINIMAL to FULL by naming its owners
        (``first_name``, ``last_name``, ``ownership_percentage``); the percentages must
        total exactly 100, checked here with exact decimals before sending."""
        route = routes.CUSTOMERS_UPGRADE_KYB_SCOPE
        if isinstance(owners, str | bytes | Mapping):
            raise ValidationError("KYB scope upgrade: owners must be a list", field="owners")
        items = [_owner_dict(o, i) for i, o in enumerate(owners)]
        rules.validate_owners(items)
        json = request_body(KybScopeUpgrade, {"owners": items}, context=route.name)
        return await self._call(route, path={"customer_id": customer_id}, json=json)

    async def link_kyc_session(self, customer_id: str, signa_session_id: str) -> Customer:
        """Verify the customer with an approved Signa KYC session (needs the opt-in
        scope ``compliance-kyc:pii:read``). The session must be APPROVED with DOCUMENTS
        within 365 days and match the customer, else the API answers 400/409/422."""
        route = routes.CUSTOMERS_LINK_KYC_SESSION
        json = request_body(
            KycSessionLink, {"signa_session_id": signa_session_id}, context=route.name
        )
        return await self._call(route, path={"customer_id": customer_id}, json=json)

    # -- business owners ---------------------------------------------------------------------

    async def delete_owner(self, customer_id: str, owner_id: str) -> Ack:
        path = {"customer_id": customer_id, "owner_id": owner_id}
        return await self._call(routes.CUSTOMERS_DELETE_OWNER, path=path)

    async def get_owner_file_presigned_url(
        self, customer_id: str, owner_id: str, **fields: Unpack[OwnerFilePresign]
    ) -> PresignedUpload:
        """A URL for an owner's id document (``id_document_front``/``id_document_back``);
        ``upload_owner_documents`` does presign, PUT and attach together."""
        route = routes.CUSTOMERS_GET_OWNER_FILE_PRESIGNED_URL
        json = request_body(OwnerFilePresign, fields, context=route.name)
        path = {"customer_id": customer_id, "owner_id": owner_id}
        return await self._call(route, path=path, json=json)

    async def upload_owner_files(
        self, customer_id: str, owner_id: str, **fields: Unpack[OwnerFilesAttach]
    ) -> Ack:
        """Attach uploaded id documents (file ids) to an owner; the front is required."""
        route = routes.CUSTOMERS_UPLOAD_OWNER_FILES
        json = request_body(OwnerFilesAttach, fields, context=route.name)
        path = {"customer_id": customer_id, "owner_id": owner_id}
        return await self._call(route, path=path, json=json)

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
        check_path(routes.CUSTOMERS_UPLOAD_OWNER_FILES, customer_id=customer_id, owner_id=owner_id)
        sides: builtins.list[tuple[OwnerFileCategoryName, UploadData]] = [
            ("id_document_front", front)
        ]
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

            async def presign(category: OwnerFileCategoryName = category) -> PresignedUpload:
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
        path = {"customer_id": customer_id}
        return await self._call(routes.CUSTOMERS_LIST_DOCUMENTS, path=path)

    async def get_document(self, customer_id: str, document_id: str) -> CustomerDocument:
        path = {"customer_id": customer_id, "document_id": document_id}
        return await self._call(routes.CUSTOMERS_GET_DOCUMENT, path=path)

    async def get_document_presigned_url(self, customer_id: str) -> PresignedUpload:
        """A URL for a customer document's file (sends no body); then ``create_document``
        with the ``file_id``. ``upload_document`` does both with the PUT between."""
        path = {"customer_id": customer_id}
        return await self._call(routes.CUSTOMERS_GET_DOCUMENT_PRESIGNED_URL, path=path)

    @overload
    async def create_document(
        self, customer_id: str, request: DocumentCreate, /
    ) -> CustomerDocument: ...
    @overload
    async def create_document(
        self, customer_id: str, /, **fields: Unpack[DocumentCreate]
    ) -> CustomerDocument: ...
    async def create_document(
        self, customer_id: str, request: DocumentCreate | None = None, /, **fields: Any
    ) -> CustomerDocument:
        """Record an uploaded file as a document. ``type`` e.g. ``PROOF_OF_ADDRESS``
        (the API has not published the full list, so other values are sent as given)."""
        route = routes.CUSTOMERS_CREATE_DOCUMENT
        json = request_body(DocumentCreate, fields, request=request, context=route.name)
        return await self._call(route, path={"customer_id": customer_id}, json=json)

    async def upload_document(
        self,
        customer_id: str,
        *,
        data: UploadData,
        file_name: str | None = None,
        content_type: str | None = None,
        **fields: Unpack[DocumentFields],
    ) -> CustomerDocument:
        """Upload a file and record it as a document: presign -> PUT -> create_document.
        ``UploadError`` as in ``upload_file`` (the attach step is the create)."""
        route = routes.CUSTOMERS_CREATE_DOCUMENT
        check_path(route, customer_id=customer_id)
        document = request_body(
            DocumentFields, fields, context=route.name
        )  # checked before the upload
        source = await prepare_source(
            data,
            file_name=file_name or document["name"],
            content_type=content_type,
            default_stem="document",
        )
        presigned, _ = await transfer(
            self._pipeline, lambda: self.get_document_presigned_url(customer_id), source
        )
        json = {**document, "file_id": presigned.file_id}
        return await attach_step(
            lambda: self._call(route, path={"customer_id": customer_id}, json=json),
            presigned.file_id,
        )

    @overload
    async def update_document(
        self, customer_id: str, document_id: str, request: DocumentUpdate, /
    ) -> CustomerDocument: ...
    @overload
    async def update_document(
        self, customer_id: str, document_id: str, /, **fields: Unpack[DocumentUpdate]
    ) -> CustomerDocument: ...
    async def update_document(
        self,
        customer_id: str,
        document_id: str,
        request: DocumentUpdate | None = None,
        /,
        **fields: Any,
    ) -> CustomerDocument:
        route = routes.CUSTOMERS_UPDATE_DOCUMENT
        json = request_body(DocumentUpdate, fields, request=request, context=route.name)
        require_any(json, context="document update")
        path = {"customer_id": customer_id, "document_id": document_id}
        return await self._call(route, path=path, json=json)

    async def delete_document(self, customer_id: str, document_id: str) -> Ack:
        path = {"customer_id": customer_id, "document_id": document_id}
        return await self._call(routes.CUSTOMERS_DELETE_DOCUMENT, path=path)
