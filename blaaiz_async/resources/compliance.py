"""Signa: merchant KYC/KYB sessions (``client.compliance``) and Signa ID (``client.signa_id``).

Session and release-request creation carry an ``idempotency_key``; the server answers a
repeat with what the first request created. A key is generated when none is given, and
it is part of the request body, so the pipeline's retries after a lost answer reuse it:
one session, however many attempts. Pass your own key (e.g. derived from your customer
id) to make a retry across processes or restarts safe too.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Mapping
from typing import Any, Unpack

from ..errors import ValidationError
from ..models.compliance import (
    KycAccessToken,
    KycApplicant,
    KycApplicantData,
    KycDocument,
    KycDocumentUpload,
    KycDocumentUploadUrl,
    KycDocumentUploadUrlRequest,
    KycSession,
    KycSessionList,
    KycSessionRequest,
    KycVerificationLink,
    SignaDocumentUrl,
    SignaIdExchangeRequest,
    SignaIdReleaseRequest,
    SignaIdReleaseRequestBody,
    SignaIdReleaseResult,
    SignaIdWalletStatus,
)
from ..routes import compliance as routes
from ..rules import compliance as rules
from ..rules.base import compact, request_body
from .base import Resource


class Compliance(Resource):
    """Signa KYC/KYB sessions: verify a person or business once, reuse the verdict.

    HOSTED sessions send the applicant to Signa's page (``issue_verification_link`` or
    ``issue_access_token``); HEADLESS ones are fed by you (upload documents, ``submit``).
    Applicant data and documents are PII: they need ``compliance-kyc:pii:read`` (granted
    on request, in no bundle) and exist only after a verdict (409 before).
    """

    async def create_session(self, **fields: Unpack[KycSessionRequest]) -> KycSession:
        """Open a session for ``customer_reference`` (your id, at most 100 characters).

        ``requirements`` must be one of the allowed sets (``ALLOWED_REQUIREMENTS``), with a
        ``fulfilment_mode`` that set allows. ``applicant.country`` is alpha-3. Safe to
        retry: the same ``idempotency_key`` (generated when omitted) returns the same
        session.
        """
        route = routes.COMPLIANCE_CREATE_SESSION
        given: dict[str, Any] = dict(fields)
        if "requirements" in given:
            given["requirements"] = rules.as_list(
                given["requirements"], "requirements", context="KYC session"
            )
        if isinstance(given.get("applicant"), Mapping):
            given["applicant"] = _applicant(given["applicant"], context="KYC session")
        if given.get("idempotency_key") is None:
            given["idempotency_key"] = rules.new_idempotency_key()
        json = request_body(KycSessionRequest, given, context=route.name)
        rules.validate_session(json)
        return await self._call(route, json=json)

    async def list_sessions(
        self, *, limit: int | None = None, offset: int | None = None
    ) -> KycSessionList:
        """A window of sessions: ``limit`` (1 to 100, default 20) from ``offset``."""
        params = compact(limit=limit, offset=offset)
        rules.validate_window(params)
        return await self._call(routes.COMPLIANCE_LIST_SESSIONS, params=params)

    async def iter_sessions(self, *, page_size: int = 20) -> AsyncIterator[KycSession]:
        """Every session, ``page_size`` per request, walking ``offset`` until ``total``."""
        rules.validate_window({"limit": page_size})
        offset = 0
        while True:
            window = await self.list_sessions(limit=page_size, offset=offset)
            for session in window.sessions:
                yield session
            offset += len(window.sessions)
            if not window.sessions:
                return
            if window.total is not None and offset >= window.total:
                return
            if window.total is None and len(window.sessions) < page_size:
                return

    async def get_session(self, session_id: str) -> KycSession:
        return await self._call(routes.COMPLIANCE_GET_SESSION, path=_id(session_id))

    async def submit_session(self, session_id: str) -> KycSession:
        """Send a HEADLESS session, documents uploaded, for review."""
        return await self._call(routes.COMPLIANCE_SUBMIT_SESSION, path=_id(session_id))

    async def cancel_session(self, session_id: str) -> KycSession:
        return await self._call(routes.COMPLIANCE_CANCEL_SESSION, path=_id(session_id))

    async def create_document_upload_url(
        self, session_id: str, **fields: Unpack[KycDocumentUploadUrlRequest]
    ) -> KycDocumentUploadUrl:
        """A short-lived URL to stage a document file. ``file_name``: at most 128 letters,
        digits, spaces, ``-`` or ``_``, ending in .jpg/.jpeg/.png/.webp/.pdf. PUT the bytes
        with the returned ``headers`` verbatim (they are signed), then call
        ``upload_session_document(file_name=...)``."""
        route = routes.COMPLIANCE_CREATE_DOCUMENT_UPLOAD_URL
        json = request_body(KycDocumentUploadUrlRequest, fields, context=route.name)
        rules.validate_upload_url(json)
        return await self._call(route, path=_id(session_id), json=json)

    async def upload_session_document(
        self, session_id: str, **fields: Unpack[KycDocumentUpload]
    ) -> KycSession:
        """Attach a document to a HEADLESS session: exactly one of ``file_name`` (staged
        through ``create_document_upload_url``) or ``content_base64`` (small files: bodies
        over about 8 KB may be refused). ``country`` is the issuing country, alpha-3."""
        route = routes.COMPLIANCE_UPLOAD_SESSION_DOCUMENT
        json = request_body(KycDocumentUpload, fields, context=route.name)
        rules.validate_document(json)
        return await self._call(route, path=_id(session_id), json=json)

    async def issue_verification_link(self, session_id: str) -> KycVerificationLink:
        """The hosted verification link of a HOSTED session; a new call rotates it."""
        return await self._call(routes.COMPLIANCE_ISSUE_VERIFICATION_LINK, path=_id(session_id))

    async def issue_access_token(self, session_id: str) -> KycAccessToken:
        """A 30-minute bearer token for the hosted flow (HOSTED sessions). The same token
        comes back while more than 10 minutes remain. Never log it: its repr is masked."""
        return await self._call(routes.COMPLIANCE_ISSUE_ACCESS_TOKEN, path=_id(session_id))

    async def get_applicant_data(self, session_id: str) -> KycApplicantData | None:
        """The verified applicant (PII), or ``None`` when nothing was captured. Raises
        ``ConflictError`` (409) before a verdict."""
        return await self._call(routes.COMPLIANCE_GET_APPLICANT_DATA, path=_id(session_id))

    async def list_documents(self, session_id: str) -> builtins.list[KycDocument]:
        """Captured documents (PII); 409 before a verdict."""
        return await self._call(routes.COMPLIANCE_LIST_DOCUMENTS, path=_id(session_id))

    async def get_document(self, session_id: str, document_id: str) -> SignaDocumentUrl:
        """A 15-minute download URL. 409 before a verdict, 410 once the document is no
        longer retained; limited to 30 a minute and 600 an hour per business."""
        return await self._call(
            routes.COMPLIANCE_GET_DOCUMENT,
            path={"session_id": session_id, "document_id": document_id},
        )

    # The official Python SDK's names, for code moving over.
    get_session_applicant_data = get_applicant_data
    list_session_documents = list_documents
    get_session_document = get_document


def _applicant(fields: Mapping[str, Any], *, context: str) -> KycApplicant:
    try:
        return KycApplicant(**fields)
    except TypeError:
        known = "first_name, last_name, dob, country"
        raise ValidationError(
            f"{context}: applicant takes {known} (got {', '.join(map(str, fields))})",
            field="applicant",
        ) from None


def _id(session_id: str) -> dict[str, str]:
    return {"session_id": session_id}


# -- Signa ID ------------------------------------------------------------------------------


class SignaId(Resource):
    """Signa ID data release: a holder of a Signa ID shares verified identity data with
    the business, through the web SDK in their browser.

    Flow: ``create_release_request`` (hand ``request_token`` to the web SDK) → the holder
    consents and the web SDK returns a one-time ``code`` → ``exchange_release_code`` →
    ``get_release`` for 30 days while access stays ``ACTIVE``. Needs ``signa-id:release``
    (opt-in, in no bundle) and OAuth: API keys are refused.
    """

    async def create_release_request(
        self, **fields: Unpack[SignaIdReleaseRequestBody]
    ) -> SignaIdReleaseRequest:
        """Ask for ``scopes`` (a non-empty subset of identity, id_document, address,
        document_images) for ``purpose``. ``origin`` is the exact origin of the page that
        runs the web SDK. Expires after 30 minutes. Safe to retry: the same
        ``idempotency_key`` (generated when omitted) returns the same request."""
        route = routes.SIGNA_ID_CREATE_RELEASE_REQUEST
        given: dict[str, Any] = dict(fields)
        if "scopes" in given:
            given["scopes"] = rules.as_list(
                given["scopes"], "scopes", context="Signa ID release request"
            )
        if given.get("idempotency_key") is None:
            given["idempotency_key"] = rules.new_idempotency_key()
        json = request_body(SignaIdReleaseRequestBody, given, context=route.name)
        rules.validate_release_request(json)
        return await self._call(route, json=json)

    async def exchange_release_code(
        self, **fields: Unpack[SignaIdExchangeRequest]
    ) -> SignaIdReleaseResult:
        """Trade the web SDK's code (one use, valid 5 minutes) for the release and data."""
        route = routes.SIGNA_ID_EXCHANGE_RELEASE_CODE
        json = request_body(SignaIdExchangeRequest, fields, context=route.name)
        return await self._call(route, json=json)

    async def get_release(self, release_id: str) -> SignaIdReleaseResult:
        """A release; ``data`` is ``None`` before the exchange or once access has ended."""
        return await self._call(routes.SIGNA_ID_GET_RELEASE, path={"release_id": release_id})

    async def get_release_document(self, release_id: str, document_id: str) -> SignaDocumentUrl:
        """A 15-minute download URL of a released document image."""
        return await self._call(
            routes.SIGNA_ID_GET_RELEASE_DOCUMENT,
            path={"release_id": release_id, "document_id": document_id},
        )

    async def get_wallet_status(
        self, address: str, *, chain_id: int | None = None
    ) -> SignaIdWalletStatus:
        """Whether a wallet address holds a Signa ID verification. Public: sent without
        credentials, whatever the client's auth."""
        rules.validate_wallet_status(address, chain_id)
        return await self._call(
            routes.SIGNA_ID_GET_WALLET_STATUS,
            path={"address": address},
            params={"chain_id": chain_id},
        )
