"""Signa: merchant KYC/KYB sessions (``client.compliance``) and Signa ID (``client.signa_id``).

Session and release-request creation carry an ``idempotency_key``; the server answers a
repeat with what the first request created. A key is generated when none is given, and
it is part of the request body, so the pipeline's retries after a lost answer reuse it:
one session, however many attempts. Pass your own key (e.g. derived from your customer
id) to make a retry across processes or restarts safe too.
"""

from __future__ import annotations

import builtins
import re
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from ..errors import ValidationError
from ..models.compliance import (
    ALLOWED_REQUIREMENTS,
    DocumentContentType,
    FulfilmentMode,
    IdDocType,
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
    ReleaseScope,
    Requirement,
    SignaDocumentUrl,
    SignaIdExchangeRequest,
    SignaIdReleaseRequest,
    SignaIdReleaseRequestBody,
    SignaIdReleaseResult,
    SignaIdWalletStatus,
)
from ..routes import compliance as routes
from ..validation import check_choice, check_https, check_max_length, exactly_one, require
from .base import Resource, wire

_ALPHA3 = re.compile(r"[A-Z]{3}")
# Letters, digits, space, '-' and '_', then one of the accepted extensions (API ref #59).
_STAGED_FILE_NAME = re.compile(r"[A-Za-z0-9 _-]+\.(jpg|jpeg|png|webp|pdf)", re.IGNORECASE)
SESSION_LIMITS = {"customer_reference": 100, "idempotency_key": 100}
PAGE_LIMIT = (1, 100)


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def _check_alpha3(value: Any, field: str, *, context: str) -> None:
    if value is not None and not _ALPHA3.fullmatch(str(value)):
        raise ValidationError(
            f"{context}: {field} must be an ISO 3166 alpha-3 code such as NGA (got {value!r})",
            field=field,
        )


def _as_list(value: Iterable[str], field: str, *, context: str) -> builtins.list[str]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(f"{context}: {field} must be a list", field=field)
    return [str(v) for v in value]


def _check_known_distinct(
    values: builtins.list[str], known: builtins.list[str], field: str, noun: str, *, context: str
) -> None:
    """Each of ``values`` one of ``known``, none twice."""
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValidationError(
            f"{context}: unknown {noun}(s) {', '.join(unknown)} (one of: {', '.join(known)})",
            field=field,
        )
    if len(set(values)) != len(values):
        raise ValidationError(f"{context}: {field} must be distinct", field=field)


def validate_session(body: Mapping[str, Any]) -> None:
    """Requirements: 1 to 4 distinct values, in one of the allowed sets, with a mode that
    set allows (``ALLOWED_REQUIREMENTS``); without a mode the server takes the set's first."""
    ctx = "KYC session"
    require(body, "customer_reference", "idempotency_key", context=ctx)
    check_max_length(body, SESSION_LIMITS, context=ctx)
    requirements = body.get("requirements") or []
    known = [r.value for r in Requirement]
    if not 1 <= len(requirements) <= len(known):
        raise ValidationError(f"{ctx}: give 1 to 4 requirements", field="requirements")
    _check_known_distinct(requirements, known, "requirements", "requirement", context=ctx)
    check_choice(body, "fulfilment_mode", [m.value for m in FulfilmentMode], context=ctx)
    modes = ALLOWED_REQUIREMENTS.get(frozenset(Requirement(r) for r in requirements))
    if modes is None:
        allowed = "; ".join(" + ".join(sorted(s)) for s in sorted(ALLOWED_REQUIREMENTS, key=len))
        raise ValidationError(
            f"{ctx}: {' + '.join(requirements)} is not an allowed set (allowed: {allowed})",
            field="requirements",
        )
    mode = body.get("fulfilment_mode")
    if mode is not None and mode not in modes:
        raise ValidationError(
            f"{ctx}: {' + '.join(requirements)} can be fulfilled "
            f"{' or '.join(modes)} only, not {mode}",
            field="fulfilment_mode",
        )
    applicant = body.get("applicant")
    if applicant is not None:
        _check_alpha3(applicant.get("country"), "applicant.country", context=ctx)
    check_https(body, "redirect_url", context=ctx)


def validate_upload_url(body: Mapping[str, Any]) -> None:
    ctx = "document upload URL"
    require(body, "file_name", "id_doc_type", context=ctx)
    check_max_length(body, {"file_name": 128}, context=ctx)
    if not _STAGED_FILE_NAME.fullmatch(str(body["file_name"])):
        raise ValidationError(
            f"{ctx}: file_name may hold letters, digits, spaces, '-' and '_', and must end "
            "in .jpg, .jpeg, .png, .webp or .pdf",
            field="file_name",
        )
    check_choice(body, "id_doc_type", [t.value for t in IdDocType], context=ctx)


def validate_document(body: Mapping[str, Any]) -> None:
    ctx = "session document"
    require(body, "filename", "content_type", "id_doc_type", "country", context=ctx)
    check_max_length(body, {"filename": 191}, context=ctx)
    check_choice(body, "content_type", [t.value for t in DocumentContentType], context=ctx)
    check_choice(body, "id_doc_type", [t.value for t in IdDocType], context=ctx)
    _check_alpha3(body["country"], "country", context=ctx)
    exactly_one(body, "file_name", "content_base64", context=ctx)


class Compliance(Resource):
    """Signa KYC/KYB sessions: verify a person or business once, reuse the verdict.

    HOSTED sessions send the applicant to Signa's page (``issue_verification_link`` or
    ``issue_access_token``); HEADLESS ones are fed by you (upload documents, ``submit``).
    Applicant data and documents are PII: they need ``compliance-kyc:pii:read`` (granted
    on request, in no bundle) and exist only after a verdict (409 before).
    """

    async def create_session(
        self,
        *,
        customer_reference: str,
        requirements: Iterable[Requirement | str],
        fulfilment_mode: FulfilmentMode | str | None = None,
        applicant: KycApplicant | Mapping[str, Any] | None = None,
        redirect_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> KycSession:
        """Open a session for ``customer_reference`` (your id, at most 100 characters).

        ``requirements`` must be one of the allowed sets (``ALLOWED_REQUIREMENTS``), with a
        ``fulfilment_mode`` that set allows. ``applicant.country`` is alpha-3. Safe to
        retry: the same ``idempotency_key`` (generated when omitted) returns the same
        session.
        """
        ctx = "KYC session"
        if isinstance(applicant, Mapping):
            applicant = _applicant(applicant, context=ctx)
        request = KycSessionRequest(
            customer_reference=customer_reference,
            idempotency_key=idempotency_key if idempotency_key is not None
            else new_idempotency_key(),
            requirements=_as_list(requirements, "requirements", context=ctx),
            fulfilment_mode=fulfilment_mode, applicant=applicant, redirect_url=redirect_url,
        )  # fmt: skip
        body = wire(request)
        validate_session(body)
        return await self._call(routes.COMPLIANCE_CREATE_SESSION, json=body)

    async def list_sessions(
        self, *, limit: int | None = None, offset: int | None = None
    ) -> KycSessionList:
        """A window of sessions: ``limit`` (1 to 100, default 20) from ``offset``."""
        _check_window(limit, offset)
        params = {"limit": limit, "offset": offset}
        return await self._call(routes.COMPLIANCE_LIST_SESSIONS, params=params)

    async def iter_sessions(self, *, page_size: int = 20) -> AsyncIterator[KycSession]:
        """Every session, ``page_size`` per request, walking ``offset`` until ``total``."""
        _check_window(page_size, 0)
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
        self, session_id: str, *, file_name: str, id_doc_type: IdDocType | str
    ) -> KycDocumentUploadUrl:
        """A short-lived URL to stage a document file. ``file_name``: at most 128 letters,
        digits, spaces, ``-`` or ``_``, ending in .jpg/.jpeg/.png/.webp/.pdf. PUT the bytes
        with the returned ``headers`` verbatim (they are signed), then call
        ``upload_session_document(file_name=...)``."""
        body = wire(KycDocumentUploadUrlRequest(file_name=file_name, id_doc_type=id_doc_type))
        validate_upload_url(body)
        return await self._call(
            routes.COMPLIANCE_CREATE_DOCUMENT_UPLOAD_URL, path=_id(session_id), json=body
        )

    async def upload_session_document(
        self,
        session_id: str,
        *,
        filename: str,
        content_type: DocumentContentType | str,
        id_doc_type: IdDocType | str,
        country: str,
        file_name: str | None = None,
        content_base64: str | None = None,
    ) -> KycSession:
        """Attach a document to a HEADLESS session: exactly one of ``file_name`` (staged
        through ``create_document_upload_url``) or ``content_base64`` (small files: bodies
        over about 8 KB may be refused). ``country`` is the issuing country, alpha-3."""
        body = wire(
            KycDocumentUpload(
                filename=filename, content_type=content_type, id_doc_type=id_doc_type,
                country=country, file_name=file_name, content_base64=content_base64,
            )
        )  # fmt: skip
        validate_document(body)
        return await self._call(
            routes.COMPLIANCE_UPLOAD_SESSION_DOCUMENT, path=_id(session_id), json=body
        )

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


def _check_window(limit: int | None, offset: int | None) -> None:
    low, high = PAGE_LIMIT
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not low <= limit <= high
    ):
        raise ValidationError(f"KYC sessions: limit must be from {low} to {high}", field="limit")
    if offset is not None and (
        isinstance(offset, bool) or not isinstance(offset, int) or offset < 0
    ):
        raise ValidationError("KYC sessions: offset must be 0 or more", field="offset")


# -- Signa ID ------------------------------------------------------------------------------


def validate_release_request(body: Mapping[str, Any]) -> None:
    ctx = "Signa ID release request"
    require(body, "idempotency_key", "purpose", "origin", context=ctx)
    scopes = body.get("scopes") or []
    known = [s.value for s in ReleaseScope]
    if not scopes:
        raise ValidationError(f"{ctx}: scopes must name at least one of {', '.join(known)}",
                              field="scopes")  # fmt: skip
    _check_known_distinct(scopes, known, "scopes", "scope", context=ctx)
    origin = str(body["origin"])
    parts = urllib.parse.urlsplit(origin)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.path
        or parts.query
        or parts.fragment
        or origin.endswith("?")
        or origin.endswith("#")
    ):
        raise ValidationError(
            f"{ctx}: origin must be the exact browser origin, scheme and host only, "
            f"e.g. https://shop.example (got {origin!r})",
            field="origin",
        )


class SignaId(Resource):
    """Signa ID data release: a holder of a Signa ID shares verified identity data with
    the business, through the web SDK in their browser.

    Flow: ``create_release_request`` (hand ``request_token`` to the web SDK) → the holder
    consents and the web SDK returns a one-time ``code`` → ``exchange_release_code`` →
    ``get_release`` for 30 days while access stays ``ACTIVE``. Needs ``signa-id:release``
    (opt-in, in no bundle) and OAuth: API keys are refused.
    """

    async def create_release_request(
        self,
        *,
        purpose: str,
        scopes: Iterable[ReleaseScope | str],
        origin: str,
        reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> SignaIdReleaseRequest:
        """Ask for ``scopes`` (a non-empty subset of identity, id_document, address,
        document_images) for ``purpose``. ``origin`` is the exact origin of the page that
        runs the web SDK. Expires after 30 minutes. Safe to retry: the same
        ``idempotency_key`` (generated when omitted) returns the same request."""
        body = wire(
            SignaIdReleaseRequestBody(
                idempotency_key=idempotency_key if idempotency_key is not None
                else new_idempotency_key(),
                purpose=purpose,
                scopes=_as_list(scopes, "scopes", context="Signa ID release request"),
                origin=origin, reference=reference,
            )
        )  # fmt: skip
        validate_release_request(body)
        return await self._call(routes.SIGNA_ID_CREATE_RELEASE_REQUEST, json=body)

    async def exchange_release_code(self, *, code: str) -> SignaIdReleaseResult:
        """Trade the web SDK's code (one use, valid 5 minutes) for the release and data."""
        body = wire(SignaIdExchangeRequest(code=code))
        require(body, "code", context="Signa ID exchange")
        return await self._call(routes.SIGNA_ID_EXCHANGE_RELEASE_CODE, json=body)

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
        if not address or not address.strip():
            raise ValidationError("Signa ID wallet status: address is required", field="address")
        if chain_id is not None and (isinstance(chain_id, bool) or not isinstance(chain_id, int)):
            raise ValidationError(
                "Signa ID wallet status: chain_id must be an integer", field="chain_id"
            )
        return await self._call(
            routes.SIGNA_ID_GET_WALLET_STATUS,
            path={"address": address},
            params={"chain_id": chain_id},
        )
