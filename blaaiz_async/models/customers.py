"""Customers, their KYC/KYB data, beneficiaries, business owners and documents.

Statuses and types are kept as ``str`` (the API's sources disagree on case: ``VERIFIED``
in the SDK types, ``verified`` in the guides); the enums are there to compare against,
so a spelling this release has not seen never breaks parsing.
"""

from __future__ import annotations

import enum

from .base import Model, Money, model


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


@model
class CustomerCreate(Model):
    """Body of ``customers.create``. Individuals need ``first_name``, ``last_name``,
    ``id_type``, ``id_number``; businesses need ``business_name``,
    ``registration_number``, ``incorporation_country`` and must not send
    ``id_type``/``id_number``. Dates are ``YYYY-MM-DD``."""

    type: str
    email: str
    country: str
    first_name: str | None = None
    last_name: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    business_name: str | None = None
    registration_number: str | None = None
    incorporation_country: str | None = None
    phone: str | None = None
    tin: str | None = None
    dob: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    id_expiry_date: str | None = None
    id_issue_date: str | None = None


@model
class CustomerUpdate(Model):
    """Body of ``customers.update``: only the fields given change. The ``*_file`` fields
    take file ids from a presigned upload, like ``customers.upload_files``."""

    first_name: str | None = None
    last_name: str | None = None
    business_name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    address: Address | None = None
    id_file: str | None = None
    id_file_back: str | None = None
    proof_of_address_file: str | None = None
    liveness_check_file: str | None = None


@model
class CustomerKycUpdate(KycData):
    """Body of ``customers.add_kyc``: the fields the answer's ``kyc_data`` holds; dates
    are ``YYYY-MM-DD``."""


@model
class CustomerFilesAttach(Model):
    """Body of ``customers.upload_files``: uploaded file ids, by field."""

    id_file: str | None = None
    id_file_back: str | None = None
    proof_of_address_file: str | None = None
    liveness_check_file: str | None = None


@model
class OwnerInput(Model):
    first_name: str
    last_name: str
    ownership_percentage: Money


@model
class KybScopeUpgrade(Model):
    """Body of ``customers.upgrade_kyb_scope``: percentages must total 100."""

    owners: list[OwnerInput]


@model
class KycSessionLink(Model):
    signa_session_id: str


@model
class OwnerFilePresign(Model):
    file_category: str


@model
class OwnerFilesAttach(Model):
    id_document_front: str
    id_document_back: str | None = None


@model
class DocumentCreate(Model):
    type: str
    name: str
    file_id: str
    description: str | None = None


@model
class DocumentUpdate(Model):
    type: str | None = None
    name: str | None = None
    file_id: str | None = None
    description: str | None = None
