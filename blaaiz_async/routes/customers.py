"""Customers: KYC/KYB data, files, beneficiaries, owners and documents.

``customers.list`` is one route (one verb and path) whatever the shape: a plain
``data[]``, the Laravel paginator (``paginate=true``) or the OpenAPI file's
``data{customers[], pagination{}}``; its ``normalize`` folds the last into the
paginator, so it is declared paginated over ``list[Customer]``. Acks (``{message}``, or
an empty 204) are whole-body models (``envelope=()``, ``normalize=ack_body``); presign
answers are read wherever the URL sits (``presign_body``).
"""

from __future__ import annotations

from ..models.base import Ack
from ..models.customers import (
    Beneficiary,
    Customer,
    CustomerActionResult,
    CustomerDocument,
)
from ..models.files import PresignedUpload
from ..scopes import Scope as S
from .base import page_route, route
from .shapes import ack_body, customer_list_body, listify_data, presign_body

C = "/customer"
ONE = C + "/{customer_id}"
R, W = {S.CUSTOMER_READ}, {S.CUSTOMER_WRITE}

CUSTOMERS_CREATE = route(
    "customers.create", "POST", C, Customer, scopes=W,
    summary="Create an individual or business customer (201).",
)  # fmt: skip
CUSTOMERS_LIST = page_route(
    "customers.list", "GET", C, Customer, scopes=R,
    normalize=customer_list_body,
    summary="Customers with filters; paginate=true pages them (page, per_page/limit).",
)  # fmt: skip
CUSTOMERS_GET = route("customers.get", "GET", ONE, Customer, scopes=R, summary="One customer.")
CUSTOMERS_UPDATE = route(
    "customers.update", "PUT", ONE, Customer, scopes=W,
    summary="Change some fields (the OpenAPI file says PATCH; the official SDKs send PUT).",
)  # fmt: skip
CUSTOMERS_ADD_KYC = route(
    "customers.add_kyc", "POST", ONE + "/kyc-data", Customer, scopes=W,
    summary="Add KYC data (dob, address, id dates); answers the customer with kyc_data.",
)  # fmt: skip
CUSTOMERS_UPLOAD_FILES = route(
    "customers.upload_files", "POST", ONE + "/files", Ack, scopes=W, envelope=(),
    normalize=ack_body, summary="Attach uploaded file ids (id_file, ...) to the customer.",
)  # fmt: skip
CUSTOMERS_LIST_BENEFICIARIES = route(
    "customers.list_beneficiaries", "GET", ONE + "/beneficiary", list[Beneficiary],
    scopes={S.BENEFICIARY_READ}, summary="The customer's beneficiaries.",
)  # fmt: skip
CUSTOMERS_GET_BENEFICIARY = route(
    "customers.get_beneficiary", "GET", ONE + "/beneficiary/{beneficiary_id}",
    list[Beneficiary], scopes={S.BENEFICIARY_READ}, normalize=listify_data,
    summary="One beneficiary; the OpenAPI file wraps it in an array (an object is also read).",
)  # fmt: skip
CUSTOMERS_SUBMIT = route(
    "customers.submit", "POST", ONE + "/submit", CustomerActionResult, scopes=W, envelope=(),
    normalize=ack_body, summary="Submit a business customer for KYB verification (no body).",
)  # fmt: skip
CUSTOMERS_UPGRADE_KYB_SCOPE = route(
    "customers.upgrade_kyb_scope", "POST", ONE + "/upgrade-kyb-scope", CustomerActionResult,
    scopes=W, envelope=(), normalize=ack_body,
    summary="Business KYB scope MINIMAL -> FULL, with owners totalling 100 %.",
)  # fmt: skip
CUSTOMERS_LINK_KYC_SESSION = route(
    "customers.link_kyc_session", "POST", ONE + "/kyc-session", Customer,
    scopes={S.CUSTOMER_WRITE, S.COMPLIANCE_KYC_PII_READ},
    summary="Verify the customer with an approved Signa session.",
)  # fmt: skip
CUSTOMERS_DELETE_OWNER = route(
    "customers.delete_owner", "DELETE", ONE + "/owner/{owner_id}", Ack, scopes=W,
    envelope=(), normalize=ack_body, summary="Remove a business owner.",
)  # fmt: skip
CUSTOMERS_GET_OWNER_FILE_PRESIGNED_URL = route(
    "customers.get_owner_file_presigned_url", "POST",
    ONE + "/owner/{owner_id}/file/presigned-url", PresignedUpload, scopes={S.FILE_UPLOAD},
    normalize=presign_body,
    summary="A presigned URL for an owner's id document (front or back).",
)  # fmt: skip
CUSTOMERS_UPLOAD_OWNER_FILES = route(
    "customers.upload_owner_files", "POST", ONE + "/owner/{owner_id}/files", Ack,
    scopes=W, envelope=(), normalize=ack_body,
    summary="Attach uploaded id documents to an owner.",
)  # fmt: skip
CUSTOMERS_LIST_DOCUMENTS = route(
    "customers.list_documents", "GET", ONE + "/document", list[CustomerDocument], scopes=R,
    summary="The customer's documents.",
)  # fmt: skip
CUSTOMERS_GET_DOCUMENT = route(
    "customers.get_document", "GET", ONE + "/document/{document_id}", CustomerDocument,
    scopes=R, summary="One document.",
)  # fmt: skip
CUSTOMERS_GET_DOCUMENT_PRESIGNED_URL = route(
    "customers.get_document_presigned_url", "POST", ONE + "/document/presigned-url",
    PresignedUpload, scopes={S.FILE_UPLOAD}, normalize=presign_body,
    summary="A presigned URL for a customer document (no body).",
)  # fmt: skip
CUSTOMERS_CREATE_DOCUMENT = route(
    "customers.create_document", "POST", ONE + "/document", CustomerDocument, scopes=W,
    summary="Record an uploaded file as a document (type, name, file_id).",
)  # fmt: skip
CUSTOMERS_UPDATE_DOCUMENT = route(
    "customers.update_document", "PUT", ONE + "/document/{document_id}", CustomerDocument,
    scopes=W, summary="Change a document's fields.",
)  # fmt: skip
CUSTOMERS_DELETE_DOCUMENT = route(
    "customers.delete_document", "DELETE", ONE + "/document/{document_id}", Ack,
    scopes=W, envelope=(), normalize=ack_body, summary="Remove a document.",
)  # fmt: skip
