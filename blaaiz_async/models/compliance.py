"""Signa: merchant KYC/KYB sessions (``/compliance/kyc/sessions``) and Signa ID releases.

Only a few fields of these objects are documented (``id``, ``status``, the link and token
answers); the rest are optional and whatever else arrives is kept in ``extra``. Bearer
credentials (the hosted access token, release request tokens, one-time codes) are
masked in every repr so they never reach a log line, and so are signed URLs, verification
links and personal data (applicant data, released identities).
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from .base import Model, masked, model


class Requirement(enum.StrEnum):
    """What a session verifies; allowed sets and modes are in ``ALLOWED_REQUIREMENTS``."""

    DOCUMENTS = "DOCUMENTS"
    SELFIE = "SELFIE"
    FACE_MATCH = "FACE_MATCH"
    PROOF_OF_ADDRESS = "PROOF_OF_ADDRESS"


class FulfilmentMode(enum.StrEnum):
    """``HOSTED``: the applicant uses Signa's page. ``HEADLESS``: you upload and submit."""

    HOSTED = "HOSTED"
    HEADLESS = "HEADLESS"


_R, _M = Requirement, FulfilmentMode

# requirement set -> modes allowed for it; the first is the default (the official Python SDK).
ALLOWED_REQUIREMENTS: dict[frozenset[Requirement], tuple[FulfilmentMode, ...]] = {
    frozenset({_R.DOCUMENTS}): (_M.HEADLESS,),
    frozenset({_R.DOCUMENTS, _R.SELFIE, _R.FACE_MATCH}): (_M.HOSTED,),
    frozenset({_R.DOCUMENTS, _R.SELFIE, _R.FACE_MATCH, _R.PROOF_OF_ADDRESS}): (_M.HOSTED,),
    frozenset({_R.DOCUMENTS, _R.PROOF_OF_ADDRESS}): (_M.HOSTED, _M.HEADLESS),
    frozenset({_R.PROOF_OF_ADDRESS}): (_M.HOSTED, _M.HEADLESS),
}


class SessionStatus(enum.StrEnum):
    """Known session statuses; a verdict is ``APPROVED`` or ``REJECTED``."""

    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTED = "SUBMITTED"
    PROCESSING = "PROCESSING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


VERDICTS = frozenset({SessionStatus.APPROVED, SessionStatus.REJECTED})


class IdDocType(enum.StrEnum):
    PASSPORT = "PASSPORT"
    ID_CARD = "ID_CARD"
    DRIVERS = "DRIVERS"
    RESIDENCE_PERMIT = "RESIDENCE_PERMIT"
    UTILITY_BILL = "UTILITY_BILL"
    BANK_STATEMENT = "BANK_STATEMENT"
    SELFIE = "SELFIE"


class DocumentContentType(enum.StrEnum):
    JPEG = "image/jpeg"
    PNG = "image/png"
    WEBP = "image/webp"
    PDF = "application/pdf"


class ReleaseScope(enum.StrEnum):
    """What a Signa ID release may disclose."""

    IDENTITY = "identity"
    ID_DOCUMENT = "id_document"
    ADDRESS = "address"
    DOCUMENT_IMAGES = "document_images"


class ReleaseAccessStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


# -- KYC sessions: requests ----------------------------------------------------------------


@model
class KycApplicant(Model):
    """Who is expected to verify; ``country`` is ISO 3166 alpha-3 (``NGA``, ``GBR``)."""

    first_name: str | None = None
    last_name: str | None = None
    dob: str | None = None
    country: str | None = None


@model
class KycSessionRequest(Model):
    """Body of ``POST /compliance/kyc/sessions``. A repeated ``idempotency_key`` returns
    the session the first request created, so the call is safe to resend."""

    customer_reference: str
    idempotency_key: str
    requirements: list[str]
    fulfilment_mode: str | None = None
    applicant: KycApplicant | None = None
    redirect_url: str | None = None


@model
class KycDocumentUploadUrlRequest(Model):
    file_name: str
    id_doc_type: str


@model
class KycDocumentUpload(Model):
    """Body of ``POST .../documents``: exactly one of ``file_name`` (staged through an
    upload URL) or ``content_base64`` (small files only)."""

    filename: str
    content_type: str
    id_doc_type: str
    country: str
    file_name: str | None = None
    content_base64: str | None = attrs.field(default=None, repr=masked)


# -- KYC sessions: responses ---------------------------------------------------------------


@model
class KycSession(Model):
    """A verification session; ``status`` moves to a verdict (``APPROVED``/``REJECTED``)."""

    id: str
    status: str | None = None
    customer_reference: str | None = None
    requirements: list[str] = attrs.field(factory=list)
    fulfilment_mode: str | None = None
    redirect_url: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    submitted_at: str | None = None
    completed_at: str | None = None
    expires_at: str | None = None

    @property
    def has_verdict(self) -> bool:
        """PII (applicant data, documents) is readable only once this is true."""
        return self.status in VERDICTS


@model
class KycSessionList(Model):
    """One window of sessions: ``total`` across all, from ``offset``, at most ``limit``."""

    sessions: list[KycSession] = attrs.field(factory=list)
    total: int | None = None
    limit: int | None = None
    offset: int | None = None


@model
class KycDocumentUploadUrl(Model):
    """PUT the file to ``url`` with ``headers`` exactly as given (they are signed), then
    pass ``file_name`` to ``upload_session_document``. The URL is short-lived."""

    url: str = attrs.field(repr=masked)  # signed: whoever holds it can write the file
    file_name: str | None = None
    headers: dict[str, str] = attrs.field(factory=dict, repr=masked)  # part of the signature
    expires_at: str | None = None


@model
class KycVerificationLink(Model):
    """A hosted verification link; issuing again rotates it."""

    verification_link: str = attrs.field(repr=masked)  # a bearer link: whoever opens it verifies
    link_expires_at: str | None = None


@model
class KycAccessToken(Model):
    """A bearer credential for the hosted flow, valid 30 minutes. Never log it or put it
    in a URL: its repr is masked. Asking again while more than 10 minutes remain returns
    the same token; later, a new one that invalidates the old token and the link."""

    access_token: str = attrs.field(repr=masked)
    expires_at: str | None = None


@model
class KycApplicantData(Model):
    """The applicant as verified (PII; needs ``compliance-kyc:pii:read``). What identifies
    the person (names, date of birth, id number, address) is masked in the repr."""

    first_name: str | None = attrs.field(default=None, repr=masked)
    last_name: str | None = attrs.field(default=None, repr=masked)
    middle_name: str | None = attrs.field(default=None, repr=masked)
    dob: str | None = attrs.field(default=None, repr=masked)
    country: str | None = None
    nationality: str | None = None
    id_number: str | None = attrs.field(default=None, repr=masked)
    id_doc_type: str | None = None
    address: Any = attrs.field(default=None, repr=masked)


@model
class KycDocument(Model):
    """A captured document; ``available`` is false once it is no longer retained."""

    id: str
    available: bool | None = None
    id_doc_type: str | None = None
    filename: str | None = None
    content_type: str | None = None
    country: str | None = None
    created_at: str | None = None


@model
class SignaDocumentUrl(Model):
    """A short-lived (15 min) download URL of a session or release document. The URL is
    signed (whoever holds it can download the document), so its repr is masked."""

    url: str = attrs.field(repr=masked)
    content_type: str | None = None
    expires_at: str | None = None


# -- Signa ID ------------------------------------------------------------------------------


@model
class SignaIdReleaseRequestBody(Model):
    """Body of ``POST /signa-id/release-requests``; ``origin`` is the exact browser origin
    (``https://shop.example``) of the page running the web SDK."""

    idempotency_key: str
    purpose: str
    scopes: list[str]
    origin: str
    reference: str | None = None


@model
class SignaIdExchangeRequest(Model):
    code: str = attrs.field(repr=masked)


@model
class SignaIdReleaseRequest(Model):
    """A pending release request; hand ``request_token`` to the web SDK. Expires 30 minutes
    after creation."""

    id: str
    request_token: str | None = attrs.field(default=None, repr=masked)
    purpose: str | None = None
    scopes: list[str] = attrs.field(factory=list)
    origin: str | None = None
    reference: str | None = None
    status: str | None = None
    expires_at: str | None = None
    created_at: str | None = None


@model
class SignaIdReleaseAccess(Model):
    status: str | None = None
    expires_at: str | None = None


@model
class SignaIdRelease(Model):
    id: str
    release_request_id: str | None = None
    purpose: str | None = None
    scopes: list[str] = attrs.field(factory=list)
    reference: str | None = None
    access: SignaIdReleaseAccess | None = None
    created_at: str | None = None
    exchanged_at: str | None = None


@model
class SignaIdReleaseData(Model):
    """The released identity, one entry per granted scope. Their inner shapes are not
    documented, so they are left as decoded JSON; all of it is PII, masked in the repr."""

    identity: Any = attrs.field(default=None, repr=masked)
    id_document: Any = attrs.field(default=None, repr=masked)
    address: Any = attrs.field(default=None, repr=masked)
    document_images: Any = attrs.field(default=None, repr=masked)


@model
class SignaIdReleaseResult(Model):
    """A release and its data; ``data`` is ``None`` before the exchange or once access is
    no longer ``ACTIVE`` (revoked, or past the 30-day window)."""

    release: SignaIdRelease
    data: SignaIdReleaseData | None = None

    @property
    def active(self) -> bool:
        access = self.release.access
        return access is not None and access.status == ReleaseAccessStatus.ACTIVE


@model
class SignaIdWalletStatus(Model):
    """Public verification status of a wallet address (no authentication)."""

    verified: bool | None = None
    level: str | int | None = None
    country: str | None = None
    expires_at: str | None = None
    attestations: list[Any] = attrs.field(factory=list)
