"""Signa KYC/KYB sessions (client attribute ``compliance``) and Signa ID (``signa_id``).

``create_session`` and ``create_release_request`` carry an ``idempotency_key`` that the
server replays on repeat, so they are declared idempotent: a retry after a lost answer
returns the same session or request instead of a second one. PII reads need
``compliance-kyc:pii:read``, which no bundle includes. The Signa ID wallet status is
public (no auth) and answered unwrapped.
"""

from __future__ import annotations

from ..limits.limit import RateLimit
from ..models.compliance import (
    KycAccessToken,
    KycApplicantData,
    KycDocument,
    KycDocumentUploadUrl,
    KycSession,
    KycSessionList,
    KycVerificationLink,
    SignaDocumentUrl,
    SignaIdReleaseRequest,
    SignaIdReleaseResult,
    SignaIdWalletStatus,
)
from ..scopes import Scope as S
from .base import optional_route, route

SES = "/compliance/kyc/sessions"
ONE = SES + "/{session_id}"
DOCUMENTS = ONE + "/documents"
RELEASE = "/signa-id/releases/{release_id}"

# --- KYC sessions -----------------------------------------------------------------------------

COMPLIANCE_CREATE_SESSION = route(
    "compliance.create_session",
    "POST",
    SES,
    KycSession,
    scopes={S.COMPLIANCE_KYC_CREATE},
    idempotent=True,
    summary="Open a verification session.",
)
COMPLIANCE_LIST_SESSIONS = route(
    "compliance.list_sessions",
    "GET",
    SES,
    KycSessionList,
    scopes={S.COMPLIANCE_KYC_READ},
    summary="A window of sessions (limit/offset).",
)
COMPLIANCE_GET_SESSION = route(
    "compliance.get_session",
    "GET",
    ONE,
    KycSession,
    scopes={S.COMPLIANCE_KYC_READ},
    summary="One session; 404 when unknown.",
)
COMPLIANCE_SUBMIT_SESSION = route(
    "compliance.submit_session",
    "POST",
    ONE + "/submit",
    KycSession,
    scopes={S.COMPLIANCE_KYC_CREATE},
    summary="Submit a HEADLESS session for review.",
)
COMPLIANCE_CANCEL_SESSION = route(
    "compliance.cancel_session",
    "POST",
    ONE + "/cancel",
    KycSession,
    scopes={S.COMPLIANCE_KYC_CANCEL},
    summary="Cancel a session.",
)
COMPLIANCE_CREATE_DOCUMENT_UPLOAD_URL = route(
    "compliance.create_document_upload_url",
    "POST",
    DOCUMENTS + "/upload-url",
    KycDocumentUploadUrl,
    scopes={S.COMPLIANCE_KYC_CREATE},
    summary="A short-lived URL to stage a document file.",
)
COMPLIANCE_UPLOAD_SESSION_DOCUMENT = route(
    "compliance.upload_session_document",
    "POST",
    DOCUMENTS,
    KycSession,
    scopes={S.COMPLIANCE_KYC_CREATE},
    summary="Attach a document to a HEADLESS session.",
)
COMPLIANCE_ISSUE_VERIFICATION_LINK = route(
    "compliance.issue_verification_link",
    "POST",
    ONE + "/verification-link",
    KycVerificationLink,
    scopes={S.COMPLIANCE_KYC_CREATE},
    summary="Issue or rotate a HOSTED session's verification link.",
)
COMPLIANCE_ISSUE_ACCESS_TOKEN = route(
    "compliance.issue_access_token",
    "POST",
    ONE + "/access-token",
    KycAccessToken,
    scopes={S.COMPLIANCE_KYC_CREATE},
    summary="A hosted-flow bearer token (30 min).",
)
COMPLIANCE_GET_APPLICANT_DATA = optional_route(
    "compliance.get_applicant_data",
    "GET",
    ONE + "/applicant-data",
    KycApplicantData,
    scopes={S.COMPLIANCE_KYC_PII_READ},
    summary="Verified applicant data; 409 before a verdict.",
)
COMPLIANCE_LIST_DOCUMENTS = route(
    "compliance.list_documents",
    "GET",
    DOCUMENTS,
    list[KycDocument],
    scopes={S.COMPLIANCE_KYC_PII_READ},
    summary="Captured documents; 409 before a verdict.",
)
COMPLIANCE_GET_DOCUMENT = route(
    "compliance.get_document",
    "GET",
    DOCUMENTS + "/{document_id}",
    SignaDocumentUrl,
    scopes={S.COMPLIANCE_KYC_PII_READ},
    limits=(RateLimit(30, 60.0), RateLimit(600, 3600.0)),
    summary="A 15-minute download URL; 409 before a verdict, 410 once not retained.",
)

# --- Signa ID ---------------------------------------------------------------------------------

SIGNA_ID_CREATE_RELEASE_REQUEST = route(
    "signa_id.create_release_request",
    "POST",
    "/signa-id/release-requests",
    SignaIdReleaseRequest,
    scopes={S.SIGNA_ID_RELEASE},
    idempotent=True,
    limits=(RateLimit(30, 60.0),),
    summary="Ask a Signa ID holder to release data.",
)
SIGNA_ID_EXCHANGE_RELEASE_CODE = route(
    "signa_id.exchange_release_code",
    "POST",
    "/signa-id/releases/exchange",
    SignaIdReleaseResult,
    scopes={S.SIGNA_ID_RELEASE},
    limits=(RateLimit(30, 60.0),),
    summary="Trade the web SDK's one-time code for the release and its data.",
)
SIGNA_ID_GET_RELEASE = route(
    "signa_id.get_release",
    "GET",
    RELEASE,
    SignaIdReleaseResult,
    scopes={S.SIGNA_ID_RELEASE},
    summary="A release; data only while access is ACTIVE.",
)
SIGNA_ID_GET_RELEASE_DOCUMENT = route(
    "signa_id.get_release_document",
    "GET",
    RELEASE + "/documents/{document_id}",
    SignaDocumentUrl,
    scopes={S.SIGNA_ID_RELEASE},
    summary="A 15-minute download URL of a released document.",
)
SIGNA_ID_GET_WALLET_STATUS = route(
    "signa_id.get_wallet_status",
    "GET",
    "/api/v1/signa-id/public/wallets/{address}/status",
    SignaIdWalletStatus,
    scopes=(),
    envelope=(),
    auth=False,
    summary="Verification status of a wallet address.",
)
