"""Signa KYC sessions and Signa ID releases.

Tables of the state:

- ``kyc_sessions``: id -> session. Public fields are what the API shows; keys starting
  with ``_`` are the sandbox's own (``_applicant``, ``_documents``, ``_token``, ``_link``,
  ``_staged``). A verdict is set by a test: ``session["status"] = "APPROVED"``.
- ``kyc_session_keys``: idempotency_key -> {session_id}: a repeat returns the same session.
- ``signa_id_requests``, ``signa_id_request_keys``, ``signa_id_releases``,
  ``signa_id_codes``: the Signa ID release flow. ``approve_release_request`` plays the
  holder consenting in the web SDK and returns the one-time code.
- ``signa_id_wallets``: lower-cased address -> public wallet status (unknown: unverified).
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from ...routes import ROUTES
from ...rules.base import ALPHA3
from ...rules.compliance import STAGED_FILE_NAME
from ..limiter import hit_all
from ..state import NotFound, Record, SandboxState, new_id, now_iso
from . import Call, Handler, Reply, body_of, error, handles, invalid, missing, not_found, ok
from .collections import iso

# -- KYC sessions --------------------------------------------------------------------------

REQUIREMENTS = ("DOCUMENTS", "SELFIE", "FACE_MATCH", "PROOF_OF_ADDRESS")
ALLOWED: dict[frozenset[str], tuple[str, ...]] = {
    frozenset({"DOCUMENTS"}): ("HEADLESS",),
    frozenset({"DOCUMENTS", "SELFIE", "FACE_MATCH"}): ("HOSTED",),
    frozenset({"DOCUMENTS", "SELFIE", "FACE_MATCH", "PROOF_OF_ADDRESS"}): ("HOSTED",),
    frozenset({"DOCUMENTS", "PROOF_OF_ADDRESS"}): ("HOSTED", "HEADLESS"),
    frozenset({"PROOF_OF_ADDRESS"}): ("HOSTED", "HEADLESS"),
}
ID_DOC_TYPES = frozenset(
    {"PASSPORT", "ID_CARD", "DRIVERS", "RESIDENCE_PERMIT", "UTILITY_BILL", "BANK_STATEMENT"}
    | {"SELFIE"}
)
CONTENT_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}
VERDICTS = frozenset({"APPROVED", "REJECTED"})
OPEN = frozenset({"PENDING", "IN_PROGRESS"})
TERMINAL = VERDICTS | {"CANCELLED", "EXPIRED"}
ACCESS_TOKEN_TTL = 30 * 60.0
ACCESS_TOKEN_REUSE = 10 * 60.0  # the same token comes back while more than this remains
LINK_TTL = 24 * 3600.0
UPLOAD_URL_TTL = 15 * 60.0
DOWNLOAD_URL_TTL = 15 * 60.0
SESSION_TTL = 30 * 24 * 3600.0
INLINE_LIMIT = 8 * 1024  # bytes of base64 accepted inline


def public(record: Record) -> Record:
    """A record as the API shows it: without the sandbox's ``_`` keys."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _https(value: Any) -> bool:
    parts = urllib.parse.urlsplit(str(value))
    return parts.scheme == "https" and bool(parts.netloc)


Limit = tuple[int, float]  # (count, window seconds)
PII_HEADERS = {"Cache-Control": "no-store"}  # the API's PII answers are never cached
SessionCheck = Callable[[Record], Reply | None]
SessionHandler = Callable[[SandboxState, Call, Record], Reply]


def _limited(fn: Handler, name: str, limits: tuple[Limit, ...]) -> Handler:
    """``fn`` behind the endpoint's per-business limits, with their headers on every answer."""

    def limited(state: SandboxState, call: Call) -> Reply:
        count = hit_all(state.endpoint_limiters(name, limits), "business", time.time())
        if not count.allowed:
            return 429, {"status": False, "message": "Too Many Attempts."}, count.headers()
        try:
            reply = fn(state, call)
        except NotFound as missing:  # answered here, so the 404 carries the limit's headers
            reply = not_found(missing)
        extra = reply[2] if len(reply) == 3 else {}
        return reply[0], reply[1], {**count.headers(), **extra}

    return limited


def _handles(name: str) -> Callable[[Handler], Handler]:
    """``handles``, with the endpoint's per-business rate limits (from its route) first."""
    limits = tuple((limit.n, limit.per) for limit in ROUTES[name].limits)

    def register(fn: Handler) -> Handler:
        handles(name)(_limited(fn, name, limits) if limits else fn)
        return fn

    return register


def _on_session(name: str, *checks: SessionCheck) -> Callable[[SessionHandler], SessionHandler]:
    """Register the handler of one session's endpoint: an unknown ``session_id`` answers
    404, then each check may refuse the session; the handler gets the session."""

    def register(fn: SessionHandler) -> SessionHandler:
        @_handles(name)
        def handler(state: SandboxState, call: Call) -> Reply:
            session = state.kyc_sessions.get_or_404(call.path["session_id"])
            for check in checks:
                refusal = check(session)
                if refusal is not None:
                    return refusal
            return fn(state, call, session)

        return fn

    return register


def _session_errors(body: Record) -> dict[str, str]:
    errs = missing(body, "customer_reference", "idempotency_key", "requirements")
    for field in ("customer_reference", "idempotency_key"):
        if field not in errs and len(str(body[field])) > 100:
            errs[field] = f"The {field.replace('_', ' ')} may not be greater than 100 characters."
    requirements = body.get("requirements")
    mode = body.get("fulfilment_mode")
    if "requirements" not in errs:
        if (
            not isinstance(requirements, list)
            or not 1 <= len(requirements) <= 4
            or any(r not in REQUIREMENTS for r in requirements)
            or len(set(requirements)) != len(requirements)
        ):
            errs["requirements"] = "The requirements must be 1 to 4 distinct known values."
        elif frozenset(requirements) not in ALLOWED:
            errs["requirements"] = "This combination of requirements is not allowed."
        elif mode is not None and mode not in ALLOWED[frozenset(requirements)]:
            errs["fulfilment_mode"] = "The fulfilment mode is not allowed for these requirements."
    if mode is not None and mode not in ("HOSTED", "HEADLESS"):
        errs["fulfilment_mode"] = "The selected fulfilment mode is invalid."
    applicant = body.get("applicant")
    if applicant is not None:
        if not isinstance(applicant, dict):
            errs["applicant"] = "The applicant must be an object."
        elif applicant.get("country") is not None and not ALPHA3.fullmatch(
            str(applicant["country"])
        ):
            errs["applicant.country"] = "The applicant country must be an ISO alpha-3 code."
    if body.get("redirect_url") is not None and not _https(body["redirect_url"]):
        errs["redirect_url"] = "The redirect url must be a valid HTTPS URL."
    return errs


@handles("compliance.create_session")
def compliance_create_session(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = _session_errors(body)
    if errs:
        return invalid(errs)
    keys = state.kyc_session_keys
    seen = keys.get(str(body["idempotency_key"]))
    if seen is not None:  # the server replays: same key, same session
        return ok(public(state.kyc_sessions[seen["session_id"]]), "Session retrieved")
    requirements = list(body["requirements"])
    now = time.time()
    session: Record = {
        "id": new_id(),
        "status": "PENDING",
        "customer_reference": body["customer_reference"],
        "requirements": requirements,
        "fulfilment_mode": body.get("fulfilment_mode") or ALLOWED[frozenset(requirements)][0],
        "redirect_url": body.get("redirect_url"),
        "created_at": iso(now),
        "updated_at": iso(now),
        "submitted_at": None,
        "completed_at": None,
        "expires_at": iso(now + SESSION_TTL),
        "_applicant": body.get("applicant"),
        "_documents": [],
        "_token": None,
        "_link": None,
        "_staged": {},
    }
    state.kyc_sessions[session["id"]] = session
    keys[str(body["idempotency_key"])] = {"session_id": session["id"]}
    return ok(public(session), "Session created successfully", status=201)


@handles("compliance.list_sessions")
def compliance_list_sessions(state: SandboxState, call: Call) -> Reply:
    try:
        limit = int(call.query.get("limit", 20))
        offset = int(call.query.get("offset", 0))
    except ValueError:
        return invalid({"limit": "The limit and offset must be integers."})
    if not 1 <= limit <= 100:
        return invalid({"limit": "The limit must be between 1 and 100."})
    if offset < 0:
        return invalid({"offset": "The offset must be at least 0."})
    sessions = list(state.kyc_sessions.values())
    window = [public(s) for s in sessions[offset : offset + limit]]
    return ok({"sessions": window, "total": len(sessions), "limit": limit, "offset": offset})


def _touch(session: Record, **changes: Any) -> None:
    session.update(changes)
    session["updated_at"] = now_iso()


@_on_session("compliance.get_session")
def compliance_get_session(state: SandboxState, call: Call, session: Record) -> Reply:
    return ok(public(session))


@_on_session("compliance.submit_session")
def compliance_submit_session(state: SandboxState, call: Call, session: Record) -> Reply:
    if session["fulfilment_mode"] != "HEADLESS":
        return invalid({"fulfilment_mode": "Only HEADLESS sessions can be submitted."})
    if session["status"] not in OPEN:
        return error(409, f"The session is {session['status']} and cannot be submitted.")
    if not session["_documents"]:
        return invalid({"documents": "Upload at least one document before submitting."})
    _touch(session, status="SUBMITTED", submitted_at=now_iso())
    return ok(public(session), "Session submitted")


@_on_session("compliance.cancel_session")
def compliance_cancel_session(state: SandboxState, call: Call, session: Record) -> Reply:
    if session["status"] in TERMINAL:
        return error(409, f"The session is {session['status']} and cannot be cancelled.")
    _touch(session, status="CANCELLED", completed_at=now_iso(), _token=None, _link=None)
    return ok(public(session), "Session cancelled")


def _headless_open(session: Record) -> Reply | None:
    if session["fulfilment_mode"] != "HEADLESS":
        return invalid({"fulfilment_mode": "Documents are uploaded to HEADLESS sessions only."})
    if session["status"] not in OPEN:
        return error(409, f"The session is {session['status']} and takes no more documents.")
    return None


@_on_session("compliance.create_document_upload_url", _headless_open)
def compliance_create_document_upload_url(
    state: SandboxState, call: Call, session: Record
) -> Reply:
    from ..app import STORAGE_PATH  # the app imports this package: import at call time

    body = body_of(call)
    errs = missing(body, "file_name", "id_doc_type")
    if not errs:
        name = str(body["file_name"])
        if len(name) > 128 or not STAGED_FILE_NAME.fullmatch(name):
            errs["file_name"] = "The file name format is invalid."
        if body["id_doc_type"] not in ID_DOC_TYPES:
            errs["id_doc_type"] = "The selected id doc type is invalid."
    if errs:
        return invalid(errs)
    name = str(body["file_name"])
    content_type = next(ct for ct, exts in CONTENT_TYPES.items() if name.lower().endswith(exts))
    key = new_id()
    state.upload_slots[key] = {
        "kind": "kyc_document",
        "session_id": session["id"],
        "file_name": name,
        "content_type": content_type,
    }
    session["_staged"][name] = key
    headers = {"Content-Type": content_type, "x-amz-server-side-encryption": "AES256"}
    return ok(
        {
            "url": f"{call.origin}{STORAGE_PATH}/{key}",
            "file_name": name,
            "headers": headers,
            "expires_at": iso(time.time() + UPLOAD_URL_TTL),
        },
        "Upload URL created",
    )


@_on_session("compliance.upload_session_document", _headless_open)
def compliance_upload_session_document(state: SandboxState, call: Call, session: Record) -> Reply:
    body = body_of(call)
    errs = missing(body, "filename", "content_type", "id_doc_type", "country")
    if not errs:
        if len(str(body["filename"])) > 191:
            errs["filename"] = "The filename may not be greater than 191 characters."
        if body["content_type"] not in CONTENT_TYPES:
            errs["content_type"] = "The selected content type is invalid."
        if body["id_doc_type"] not in ID_DOC_TYPES:
            errs["id_doc_type"] = "The selected id doc type is invalid."
        if not ALPHA3.fullmatch(str(body["country"])):
            errs["country"] = "The country must be an ISO alpha-3 code."
    staged, inline = body.get("file_name"), body.get("content_base64")
    if (staged is None) == (inline is None):
        errs["file_name"] = "Provide exactly one of file_name or content_base64."
    if errs:
        return invalid(errs)
    if inline is not None:
        if len(str(inline)) > INLINE_LIMIT:
            return 413, {"status": False, "message": "Payload too large; stage the file instead."}
        try:
            size = len(base64.b64decode(str(inline), validate=True))
        except (binascii.Error, ValueError):
            return invalid({"content_base64": "The content base64 must be valid base64."})
    else:
        key = session["_staged"].get(str(staged))
        if key is None:
            return invalid({"file_name": "No upload URL was issued for this file name."})
        upload = state.uploads.get(key)
        if upload is None:
            return invalid({"file_name": "The staged file has not been uploaded yet."})
        size = upload["size"]
    document: Record = {
        "id": new_id(),
        "available": True,
        "id_doc_type": body["id_doc_type"],
        "filename": body["filename"],
        "content_type": body["content_type"],
        "country": body["country"],
        "size": size,
        "created_at": now_iso(),
    }
    session["_documents"].append(document)
    _touch(session, status="IN_PROGRESS")
    return ok(public(session), "Document uploaded")


def _hosted_open(session: Record) -> Reply | None:
    if session["fulfilment_mode"] != "HOSTED":
        return invalid({"fulfilment_mode": "Only HOSTED sessions have a hosted flow."})
    if session["status"] not in OPEN:
        return error(409, f"The session is {session['status']}.")
    return None


@_on_session("compliance.issue_verification_link", _hosted_open)
def compliance_issue_verification_link(state: SandboxState, call: Call, session: Record) -> Reply:
    link = {
        "verification_link": f"{call.origin}/signa/verify/{secrets.token_urlsafe(24)}",
        "link_expires_at": iso(time.time() + LINK_TTL),
    }
    session["_link"] = link  # issuing again rotates: the previous link is gone
    return ok(link, "Verification link issued")


@_on_session("compliance.issue_access_token", _hosted_open)
def compliance_issue_access_token(state: SandboxState, call: Call, session: Record) -> Reply:
    """Same token while more than 10 minutes remain; later a new one, which invalidates
    the previous token and the verification link."""
    now = time.time()
    token = session["_token"]
    if token is None or token["expires_at"] - now <= ACCESS_TOKEN_REUSE:
        if token is not None:
            session["_link"] = None
        token = session["_token"] = {
            "value": "sat_" + secrets.token_urlsafe(32),
            "expires_at": now + ACCESS_TOKEN_TTL,
        }
    return ok(
        {"access_token": token["value"], "expires_at": iso(token["expires_at"])},
        "Access token issued",
    )


def _after_verdict(session: Record) -> Reply | None:
    if session["status"] not in VERDICTS:
        return error(409, "Session data is available only after a verdict.")
    return None


@_on_session("compliance.get_applicant_data", _after_verdict)
def compliance_get_applicant_data(state: SandboxState, call: Call, session: Record) -> Reply:
    return *ok(session["_applicant"]), PII_HEADERS


@_on_session("compliance.list_documents", _after_verdict)
def compliance_list_documents(state: SandboxState, call: Call, session: Record) -> Reply:
    return *ok([public(d) for d in session["_documents"]]), PII_HEADERS


@_on_session("compliance.get_document", _after_verdict)
def compliance_get_document(state: SandboxState, call: Call, session: Record) -> Reply:
    document = _document_or_404(session["_documents"], call.path["document_id"])
    if not document["available"]:
        return error(410, "The document is no longer retained.")
    return *ok(_download(call, document["id"], document["content_type"])), PII_HEADERS


def _document_or_404(documents: list[Record], document_id: str) -> Record:
    """One of a session's documents, or of a release's images."""
    found = next((d for d in documents if d["id"] == document_id), None)
    if found is None:
        raise NotFound("Document")
    return found


def _download(call: Call, document_id: str, content_type: str) -> Record:
    expires = time.time() + DOWNLOAD_URL_TTL
    query = f"expires={int(expires)}&sig={secrets.token_hex(16)}"
    return {
        "url": f"{call.origin}/signa/documents/{document_id}?{query}",
        "content_type": content_type,
        "expires_at": iso(expires),
    }


# -- Signa ID ------------------------------------------------------------------------------

RELEASE_SCOPES = ("identity", "id_document", "address", "document_images")
REQUEST_TTL = 30 * 60.0
CODE_TTL = 5 * 60.0
ACCESS_WINDOW = 30 * 24 * 3600.0

SAMPLE_IDENTITY: Record = {
    "identity": {
        "first_name": "Ada",
        "last_name": "Obi",
        "dob": "1990-04-12",
        "nationality": "NGA",
    },
    "id_document": {
        "type": "PASSPORT",
        "number": "A00000001",
        "country": "NGA",
        "expires_at": "2031-04-11",
    },
    "address": {
        "line1": "12 Marina Road",
        "city": "Lagos",
        "postal_code": "101001",
        "country": "NGA",
    },
}


def _origin_ok(value: Any) -> bool:
    text = str(value)
    parts = urllib.parse.urlsplit(text)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not parts.path
        and not parts.query
        and not parts.fragment
        and not text.endswith(("?", "#"))
    )


@_handles("signa_id.create_release_request")
def signa_id_create_release_request(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "idempotency_key", "purpose", "scopes", "origin")
    scopes = body.get("scopes")
    if "scopes" not in errs and (
        not isinstance(scopes, list)
        or not scopes
        or any(s not in RELEASE_SCOPES for s in scopes)
        or len(set(scopes)) != len(scopes)
    ):
        errs["scopes"] = "The scopes must be a non-empty set of known scopes."
    if "origin" not in errs and not _origin_ok(body["origin"]):
        errs["origin"] = "The origin must be a browser origin such as https://example.com."
    if errs:
        return invalid(errs)
    keys = state.signa_id_request_keys
    requests = state.signa_id_requests
    seen = keys.get(str(body["idempotency_key"]))
    if seen is not None:
        return ok(public(requests[seen["request_id"]]), "Release request retrieved")
    now = time.time()
    request: Record = {
        "id": new_id(),
        "request_token": "srt_" + secrets.token_urlsafe(24),
        "purpose": body["purpose"],
        "scopes": list(scopes or []),
        "origin": body["origin"],
        "reference": body.get("reference"),
        "status": "PENDING",
        "expires_at": iso(now + REQUEST_TTL),
        "created_at": iso(now),
        "_expires": now + REQUEST_TTL,
    }
    requests[request["id"]] = request
    keys[str(body["idempotency_key"])] = {"request_id": request["id"]}
    return ok(public(request), "Release request created", status=201)


def approve_release_request(state: SandboxState, request_id: str) -> str:
    """Play the holder consenting in the web SDK: create the release (no data yet) and
    return the one-time code the web SDK would hand the page."""
    request = state.signa_id_requests.get_or_404(request_id)
    if request["status"] != "PENDING" or request["_expires"] <= time.time():
        raise ValueError(f"release request {request_id} is {request['status']} or expired")
    request["status"] = "APPROVED"
    data: Record = {k: v for k, v in SAMPLE_IDENTITY.items() if k in request["scopes"]}
    if "document_images" in request["scopes"]:
        data["document_images"] = [
            {"id": new_id(), "type": "PASSPORT_FRONT", "content_type": "image/jpeg"}
        ]
    release: Record = {
        "id": new_id(),
        "release_request_id": request_id,
        "purpose": request["purpose"],
        "scopes": request["scopes"],
        "reference": request["reference"],
        "access": {"status": "PENDING", "expires_at": None},
        "created_at": now_iso(),
        "exchanged_at": None,
        "_data": data,
    }
    state.signa_id_releases[release["id"]] = release
    code = secrets.token_urlsafe(16)
    state.signa_id_codes[code] = {
        "release_id": release["id"],
        "expires": time.time() + CODE_TTL,
        "used": False,
    }
    return code


def _release_view(release: Record) -> Record:
    access = release["access"]
    active = access["status"] == "ACTIVE" and release["exchanged_at"] is not None
    return {"release": public(release), "data": release["_data"] if active else None}


@_handles("signa_id.exchange_release_code")
def signa_id_exchange_release_code(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "code")
    if errs:
        return invalid(errs)
    entry = state.signa_id_codes.get(str(body["code"]))
    if entry is None or entry["used"] or entry["expires"] <= time.time():
        return error(400, "The code is invalid, used or expired.")
    entry["used"] = True
    release = state.signa_id_releases[entry["release_id"]]
    now = time.time()
    release["exchanged_at"] = iso(now)
    release["access"] = {"status": "ACTIVE", "expires_at": iso(now + ACCESS_WINDOW)}
    return ok(_release_view(release), "Release exchanged")


@handles("signa_id.get_release")
def signa_id_get_release(state: SandboxState, call: Call) -> Reply:
    return ok(_release_view(state.signa_id_releases.get_or_404(call.path["release_id"])))


@handles("signa_id.get_release_document")
def signa_id_get_release_document(state: SandboxState, call: Call) -> Reply:
    release = state.signa_id_releases.get_or_404(call.path["release_id"])
    if _release_view(release)["data"] is None:
        return error(409, "Release access is not active.")
    images = release["_data"].get("document_images") or []
    image = _document_or_404(images, call.path["document_id"])
    return ok(_download(call, image["id"], image["content_type"]))


@handles("signa_id.get_wallet_status")
def signa_id_get_wallet_status(state: SandboxState, call: Call) -> Reply:
    chain = call.query.get("chain_id")
    if chain is not None and not re.fullmatch(r"\d+", chain):
        return invalid({"chain_id": "The chain id must be an integer."})
    record = state.signa_id_wallets.get(call.path["address"].lower())
    chains = record.get("_chains") if record is not None else None
    if record is None or (chain is not None and chains is not None and int(chain) not in chains):
        status: Record = {
            "verified": False,
            "level": None,
            "country": None,
            "expires_at": None,
            "attestations": [],
        }
        return 200, status
    return 200, public(record)  # unwrapped, like the API
