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

# --- KYC sessions -----------------------------------------------------------------------------

COMPLIANCE_CREATE_SESSION = route(
    "compliance.create_session", "POST", SES, KycSession, scopes={S.COMPLIANCE_KYC_CREATE},
    idempotent=True, summary="Open a verification session (replayed per idempotency_key).",
)  # fmt: skip
COMPLIANCE_LIST_SESSIONS = route(
    "compliance.list_sessions", "GET", SES, KycSessionList, scopes={S.COMPLIANCE_KYC_READ},
    summary="A window of sessions (limit/offset).",
)  # fmt: skip
COMPLIANCE_GET_SESSION = route(
    "compliance.get_session", "GET", ONE, KycSession, scopes={S.COMPLIANCE_KYC_READ},
    summary="One session; 404 when unknown.",
)  # fmt: skip
COMPLIANCE_SUBMIT_SESSION = route(
    "compliance.submit_session", "POST", ONE + "/submit", KycSession,
    scopes={S.COMPLIANCE_KYC_CREATE}, summary="Submit a HEADLESS session for review.",
)  # fmt: skip
COMPLIANCE_CANCEL_SESSION = route(
    "compliance.cancel_session", "POST", ONE + "/cancel", KycSession,
    scopes={S.COMPLIANCE_KYC_CANCEL}, summary="Cancel a session.",
)  # fmt: skip
COMPLIANCE_CREATE_DOCUMENT_UPLOAD_URL = route(
    "compliance.create_document_upload_url", "POST", ONE + "/documents/upload-url",
    KycDocumentUploadUrl, scopes={S.COMPLIANCE_KYC_CREATE},
    summary="A short-lived URL to stage a document file.",
)  # fmt: skip
COMPLIANCE_UPLOAD_SESSION_DOCUMENT = route(
    "compliance.upload_session_document", "POST", ONE + "/documents", KycSession,
    scopes={S.COMPLIANCE_KYC_CREATE}, summary="Attach a document to a HEADLESS session.",
)  # fmt: skip
COMPLIANCE_ISSUE_VERIFICATION_LINK = route(
    "compliance.issue_verification_link", "POST", ONE + "/verification-link",
    KycVerificationLink, scopes={S.COMPLIANCE_KYC_CREATE},
    summary="Issue or rotate a HOSTED session's verification link.",
)  # fmt: skip
COMPLIANCE_ISSUE_ACCESS_TOKEN = route(
    "compliance.issue_access_token", "POST", ONE + "/access-token", KycAccessToken,
    scopes={S.COMPLIANCE_KYC_CREATE}, summary="A hosted-flow bearer token (30 min).",
)  # fmt: skip
COMPLIANCE_GET_APPLICANT_DATA = optional_route(
    "compliance.get_applicant_data", "GET", ONE + "/applicant-data", KycApplicantData,
    scopes={S.COMPLIANCE_KYC_PII_READ}, summary="Verified applicant data; 409 before a verdict.",
)  # fmt: skip
COMPLIANCE_LIST_DOCUMENTS = route(
    "compliance.list_documents", "GET", ONE + "/documents", list[KycDocument],
    scopes={S.COMPLIANCE_KYC_PII_READ}, summary="Captured documents; 409 before a verdict.",
)  # fmt: skip
COMPLIANCE_GET_DOCUMENT = route(
    "compliance.get_document", "GET", ONE + "/documents/{document_id}", SignaDocumentUrl,
    scopes={S.COMPLIANCE_KYC_PII_READ}, limits=(RateLimit(30, 60.0), RateLimit(600, 3600.0)),
    summary="A 15-minute download URL; 409 before a verdict, 410 once not retained.",
)  # fmt: skip

# --- Signa ID ---------------------------------------------------------------------------------

SIGNA_ID_CREATE_RELEASE_REQUEST = route(
    "signa_id.create_release_request", "POST", "/signa-id/release-requests",
    SignaIdReleaseRequest, scopes={S.SIGNA_ID_RELEASE}, idempotent=True,
    limits=(RateLimit(30, 60.0),),
    summary="Ask a Signa ID holder to release data (replayed per idempotency_key).",
)  # fmt: skip
SIGNA_ID_EXCHANGE_RELEASE_CODE = route(
    "signa_id.exchange_release_code", "POST", "/signa-id/releases/exchange",
    SignaIdReleaseResult, scopes={S.SIGNA_ID_RELEASE}, limits=(RateLimit(30, 60.0),),
    summary="Trade the web SDK's one-time code for the release and its data.",
)  # fmt: skip
SIGNA_ID_GET_RELEASE = route(
    "signa_id.get_release", "GET", "/signa-id/releases/{release_id}", SignaIdReleaseResult,
    scopes={S.SIGNA_ID_RELEASE}, summary="A release; data only while access is ACTIVE.",
)  # fmt: skip
SIGNA_ID_GET_RELEASE_DOCUMENT = route(
    "signa_id.get_release_document", "GET",
    "/signa-id/releases/{release_id}/documents/{document_id}", SignaDocumentUrl,
    scopes={S.SIGNA_ID_RELEASE}, summary="A 15-minute download URL of a released document.",
)  # fmt: skip
SIGNA_ID_GET_WALLET_STATUS = route(
    "signa_id.get_wallet_status", "GET", "/api/v1/signa-id/public/wallets/{address}/status",
    SignaIdWalletStatus, scopes=(), envelope=(), auth=False,
    summary="Public verification status of a wallet address (no auth, unwrapped).",
)  # fmt: skip
