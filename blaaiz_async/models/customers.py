"""Customers, their KYC/KYB data, beneficiaries, business owners and documents.

Statuses and types are kept as ``str`` (the API's sources disagree on case: ``VERIFIED``
in the SDK types, ``verified`` in the guides); the enums are there to compare against,
so a spelling this release has not seen never breaks parsing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Literal, Required, TypedDict

from .base import Model, Money, RequestBody, model


class CustomerType(enum.StrEnum):
    INDIVIDUAL = "individual"
    BUSINESS = "business"


class VerificationStatus(enum.StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


class IdType(enum.StrEnum):
    DRIVERS_LICENSE = "drivers_license"
    PASSPORT = "passport"
    ID_CARD = "id_card"
    RESIDENT_PERMIT = "resident_permit"
    CERTIFICATE_OF_INCORPORATION = "certificate_of_incorporation"  # business only


class KybScope(enum.StrEnum):
    MINIMAL = "MINIMAL"
    FULL = "FULL"


class OwnerFileCategory(enum.StrEnum):
    ID_DOCUMENT_FRONT = "id_document_front"
    ID_DOCUMENT_BACK = "id_document_back"


class DocumentType(enum.StrEnum):
    """Known document types; the API has not published the full list."""

    PROOF_OF_ADDRESS = "PROOF_OF_ADDRESS"


@model
class Address(Model):
    street: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None


@model
class CustomerFile(Model):
    id: str | None = None
    category: str | None = None
    url: str | None = None
    uploaded_at: str | None = None


@model
class KycData(Model):
    dob: str | None = None
    street: str | None = None
    city: str | None = None
    zip_code: str | None = None
    id_expiry_date: str | None = None
    id_issue_date: str | None = None


@model
class BusinessOwner(Model):
    """A beneficial owner of a business customer (from ``upgrade_kyb_scope``)."""

    id: str | None = None
    customer_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    ownership_percentage: Money | None = None
    id_document_front: str | None = None
    id_document_back: str | None = None
    created_at: str | None = None


@model
class Customer(Model):
    """A customer of the business. Payouts need one; ``is_verified`` once KYC passed.

    The official SDKs name the status ``verification_status``, the OpenAPI file ``status``;
    ``current_status`` reads whichever came, upper-cased.
    """

    id: str
    business_id: str | None = None
    type: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    business_name: str | None = None
    email: str | None = None
    phone: str | None = None
    phone_number: str | None = None
    dob: str | None = None
    date_of_birth: str | None = None
    country: str | None = None
    address: Address | None = None
    id_type: str | None = None
    id_number: str | None = None
    registration_number: str | None = None
    incorporation_country: str | None = None
    tin: str | None = None
    verification_status: str | None = None
    status: str | None = None
    kyb_scope: str | None = None
    files: list[CustomerFile] | None = None
    kyc_data: KycData | None = None
    owners: list[BusinessOwner] | None = None
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def current_status(self) -> str | None:
        status = self.verification_status or self.status
        return status.upper() if status else None

    @property
    def is_verified(self) -> bool:
        return self.current_status == VerificationStatus.VERIFIED


@model
class Beneficiary(Model):
    """Someone a customer has paid; the OpenAPI file shows customer-like objects."""

    id: str
    customer_id: str | None = None
    type: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    business_name: str | None = None
    email: str | None = None
    account_number: str | None = None
    account_name: str | None = None
    bank_name: str | None = None
    bank_code: str | None = None
    currency: str | None = None
    country: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


@model
class CustomerDocument(Model):
    id: str
    customer_id: str | None = None
    type: str | None = None
    name: str | None = None
    description: str | None = None
    file_id: str | None = None
    url: str | None = None
    status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


@model
class CustomerActionResult(Model):
    """The whole answer of an action whose payload is undocumented (submit, KYB upgrade):
    ``{message}`` or ``{message, data: customer}``; ``customer`` is the data if any."""

    message: str | None = None
    status: bool | str | None = None
    data: Customer | None = None

    @property
    def customer(self) -> Customer | None:
        return self.data


# -- requests -------------------------------------------------------------------------------
# Each body is a ``TypedDict``: ``CustomerCreate(type=..., ...)`` is a checked dict that
# ``customers.create`` takes as it takes the same fields as keywords.

CustomerTypeName = Literal["individual", "business"]  # the values of ``CustomerType``
IdTypeName = Literal[
    "drivers_license", "passport", "id_card", "resident_permit", "certificate_of_incorporation"
]  # the values of ``IdType``
OwnerFileCategoryName = Literal["id_document_front", "id_document_back"]


class CustomerFilters(TypedDict, total=False):
    """Which customers ``customers.list`` and ``customers.iter`` answer."""

    email: str | None
    id_number: str | None
    registration_number: str | None
    verification_status: str | None
    status: str | None
    type: CustomerType | CustomerTypeName | None


class CustomerListQuery(CustomerFilters, total=False):
    """Query of ``customers.list``: the filters, and the page when paginated (the API's
    sources name the page size ``per_page`` or ``limit``)."""

    paginate: bool | None
    page: int | None
    per_page: int | None
    limit: int | None


class CustomerCreate(RequestBody, total=False):
    """Body of ``customers.create``. Individuals need ``first_name``, ``last_name``,
    ``id_type``, ``id_number``; businesses need ``business_name``,
    ``registration_number``, ``incorporation_country`` and must not send
    ``id_type``/``id_number``. Dates are ``YYYY-MM-DD``."""

    type: Required[CustomerType | CustomerTypeName]
    email: Required[str]
    country: Required[str]  # ISO-2
    first_name: str | None
    last_name: str | None
    id_type: IdType | IdTypeName | None
    id_number: str | None
    business_name: str | None
    registration_number: str | None
    incorporation_country: str | None
    phone: str | None
    tin: str | None
    dob: str | None
    street: str | None
    city: str | None
    state: str | None
    zip_code: str | None
    id_expiry_date: str | None
    id_issue_date: str | None


class CustomerFilesAttach(RequestBody, total=False):
    """Body of ``customers.upload_files``: uploaded file ids, by field."""

    id_file: str | None
    id_file_back: str | None
    proof_of_address_file: str | None
    liveness_check_file: str | None


class CustomerUpdate(CustomerFilesAttach, total=False):
    """Body of ``customers.update``: only the fields given change. The ``*_file`` fields
    take file ids from a presigned upload, like ``customers.upload_files``."""

    first_name: str | None
    last_name: str | None
    business_name: str | None
    email: str | None
    phone_number: str | None
    address: Address | Mapping[str, str] | None


class CustomerKycUpdate(RequestBody, total=False):
    """Body of ``customers.add_kyc``: the fields the answer's ``kyc_data`` holds; dates
    are ``YYYY-MM-DD``."""

    dob: str | None
    street: str | None
    city: str | None
    zip_code: str | None
    id_expiry_date: str | None
    id_issue_date: str | None


class OwnerInput(TypedDict):
    """A business owner; the percentages of all owners total exactly 100."""

    first_name: str
    last_name: str
    # Read as Decimal(str(value)): a float is taken as it prints (a share, not money).
    ownership_percentage: Decimal | int | str | float


class KybScopeUpgrade(RequestBody, total=False):
    """Body of ``customers.upgrade_kyb_scope``: percentages must total 100."""

    owners: Required[list[OwnerInput]]


class KycSessionLink(RequestBody, total=False):
    signa_session_id: Required[str]


class OwnerFilePresign(RequestBody, total=False):
    file_category: Required[OwnerFileCategory | OwnerFileCategoryName]


class OwnerFilesAttach(RequestBody, total=False):
    id_document_front: Required[str]
    id_document_back: str | None


class DocumentFields(RequestBody, total=False):
    """What a document says of itself; ``customers.upload_document`` takes these and
    finds the ``file_id`` by uploading."""

    type: Required[str]  # e.g. PROOF_OF_ADDRESS; the API has not published the full list
    name: Required[str]
    description: str | None


class DocumentCreate(DocumentFields, total=False):
    """Body of ``customers.create_document``: a document and its uploaded file."""

    file_id: Required[str]


class DocumentUpdate(RequestBody, total=False):
    """The fields of ``DocumentCreate``, each optional: only those given change."""

    type: str | None
    name: str | None
    file_id: str | None
    description: str | None
