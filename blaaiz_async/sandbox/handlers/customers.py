"""Customers and what hangs off them: KYC data, files, beneficiaries, owners, documents.

Customers live in ``state.customers``; their owners and documents in ``state.owners`` and
``state.customer_documents``, beneficiaries in ``state.beneficiaries`` (and every payout
recipient of a customer becomes one). A customer becomes ``VERIFIED`` once an ``id_file``
that really reached storage is attached, or an approved Signa session is linked.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ...rules.base import DATE, EMAIL
from ..state import Record, SandboxState, new_id, now_iso
from . import Call, Reply, body_of, error, handles, invalid, missing, ok
from .core import paginate
from .files import check_uploaded, file_entry, register_slot, storage_url

PATH = "/api/external/customer"
ID_TYPES = ("drivers_license", "passport", "id_card", "resident_permit")
BUSINESS_ID_TYPES = ("certificate_of_incorporation",)
# attach field -> file category
FILE_FIELDS = {
    "id_file": "identity",
    "id_file_back": "identity_back",
    "proof_of_address_file": "proof_of_address",
    "liveness_check_file": "liveness_check",
}
OWNER_FILE_FIELDS = ("id_document_front", "id_document_back")
OPTIONAL_FIELDS = (
    "phone",
    "tin",
    "dob",
    "street",
    "city",
    "state",
    "zip_code",
    "id_expiry_date",
    "id_issue_date",
)
KYC_FIELDS = ("dob", "street", "city", "zip_code", "id_expiry_date", "id_issue_date")
UPDATABLE = ("first_name", "last_name", "business_name", "email", "phone_number")
DOCUMENT_FIELDS = ("type", "name", "file_id", "description")


def _customer(state: SandboxState, call: Call) -> Record:
    return state.customers.get_or_404(call.path["customer_id"])


def _bad_dates(body: Record, *fields: str) -> dict[str, str]:
    errs = {}
    for field in fields:
        value = body.get(field)
        if value is None:
            continue
        try:
            valid = bool(DATE.fullmatch(str(value))) and bool(datetime.fromisoformat(str(value)))
        except ValueError:
            valid = False
        if not valid:
            errs[field] = f"The {field.replace('_', ' ')} must match the format Y-m-d."
    return errs


def _touch(record: Record) -> Record:
    record["updated_at"] = now_iso()
    return record


def _view(state: SandboxState, customer: Record) -> Record:
    """The customer as the API shows it, with its owners when it has any."""
    view = dict(customer)
    own = list(state.owners.where(customer_id=customer["id"]))
    if own:
        view["owners"] = own
    return view


def _attach_files(state: SandboxState, call: Call, customer: Record, body: Record) -> Reply | None:
    """Attach every ``*_file`` id of ``body``; a newer file replaces one of its kind."""
    given = {f: body[f] for f in FILE_FIELDS if body.get(f) not in (None, "")}
    for field, file_id in given.items():
        refusal = check_uploaded(state, file_id, customer_id=customer["id"], field=field)
        if refusal is not None:
            return refusal
    files: list[Record] = customer.setdefault("files", [])
    for field, file_id in given.items():
        category = FILE_FIELDS[field]
        files[:] = [f for f in files if f["category"] != category]
        files.append(file_entry(call, str(file_id), category))
    if "id_file" in given:
        customer["verification_status"] = "VERIFIED"
    _touch(customer)
    return None


# -- create, read, update ------------------------------------------------------------------


@handles("customers.create")
def customers_create(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "type", "email", "country")
    if errs:
        return invalid(errs)
    kind = body["type"]
    if kind not in ("individual", "business"):
        return invalid({"type": "The selected type is invalid."})
    if not EMAIL.fullmatch(str(body["email"])):
        return invalid({"email": "The email must be a valid email address."})
    if not re.fullmatch(r"[A-Za-z]{2}", str(body["country"])):
        return invalid({"country": "The country must be 2 characters."})
    if kind == "individual":
        errs = missing(body, "first_name", "last_name", "id_type", "id_number")
        if not errs and body["id_type"] not in ID_TYPES:
            errs = {"id_type": "The selected id type is invalid."}
    else:
        errs = missing(body, "business_name", "registration_number", "incorporation_country")
        for field in ("id_type", "id_number"):
            if body.get(field) is not None:
                errs[field] = f"The {field.replace('_', ' ')} field is prohibited for businesses."
    errs.update(_bad_dates(body, "dob", "id_expiry_date", "id_issue_date"))
    if errs:
        return invalid(errs)
    stamp = now_iso()
    customer: Record = {
        "id": new_id(),
        "business_id": state.business_id,
        "type": kind,
        "first_name": body.get("first_name"),
        "last_name": body.get("last_name"),
        "business_name": body.get("business_name"),
        "email": body["email"],
        "country": str(body["country"]).upper(),
        "id_type": body.get("id_type"),
        "id_number": body.get("id_number"),
        "registration_number": body.get("registration_number"),
        "incorporation_country": body.get("incorporation_country"),
        "verification_status": "PENDING",
        "kyb_scope": "MINIMAL" if kind == "business" else None,
        "files": [],
        "created_at": stamp,
        "updated_at": stamp,
    }
    customer.update({f: body[f] for f in OPTIONAL_FIELDS if body.get(f) is not None})
    state.customers[customer["id"]] = customer
    return ok(customer, "Customer created successfully", status=201)


@handles("customers.list")
def customers_list(state: SandboxState, call: Call) -> Reply:
    q = call.query
    items = list(state.customers.values())
    for field in ("email", "id_number", "registration_number", "type"):
        if q.get(field):
            items = [c for c in items if str(c.get(field) or "").lower() == q[field].lower()]
    status = q.get("verification_status") or q.get("status")
    if status:
        items = [c for c in items if str(c.get("verification_status")).upper() == status.upper()]
    if q.get("paginate", "").lower() not in ("true", "1"):
        return ok(items)
    try:
        page = max(int(q.get("page") or 1), 1)
        size = int(q.get("per_page") or q.get("limit") or 20)
    except ValueError:
        return invalid({"page": "The page and per page must be integers."})
    if not 1 <= size <= 100:
        return invalid({"per_page": "The per page must be between 1 and 100."})
    return paginate(items, page, size, PATH)


@handles("customers.get")
def customers_get(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    return ok(_view(state, customer))


@handles("customers.update")
def customers_update(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    body = body_of(call)
    if body.get("email") is not None and not EMAIL.fullmatch(str(body["email"])):
        return invalid({"email": "The email must be a valid email address."})
    address = body.get("address")
    if address is not None and not isinstance(address, dict):
        return invalid({"address": "The address must be an object."})
    refusal = _attach_files(state, call, customer, body)
    if refusal is not None:
        return refusal
    customer.update({f: body[f] for f in UPDATABLE if body.get(f) is not None})
    if address is not None:
        current = customer.get("address") or {}
        customer["address"] = {**current, **address}
    _touch(customer)
    return ok(_view(state, customer), "Customer updated successfully")


@handles("customers.add_kyc")
def customers_add_kyc(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    body = body_of(call)
    errs = _bad_dates(body, "dob", "id_expiry_date", "id_issue_date")
    if errs:
        return invalid(errs)
    kyc = customer.setdefault("kyc_data", {})
    kyc.update({f: body[f] for f in KYC_FIELDS if body.get(f) is not None})
    _touch(customer)
    return ok(_view(state, customer), "KYC data added successfully")


@handles("customers.upload_files")
def customers_upload_files(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    body = body_of(call)
    if not any(body.get(f) for f in FILE_FIELDS):
        return invalid({"id_file": "At least one file is required."})
    refusal = _attach_files(state, call, customer, body)
    if refusal is not None:
        return refusal
    return 200, {"message": "Files uploaded successfully"}


# -- beneficiaries -------------------------------------------------------------------------


def _sync_beneficiaries(state: SandboxState, customer_id: str) -> list[Record]:
    """Every payout recipient of the customer is a beneficiary (one per account)."""
    book = state.beneficiaries
    for tx in state.transactions.values():
        recipient = tx.get("recipient")
        if tx.get("business_customer_id") != customer_id or not isinstance(recipient, dict):
            continue
        account = (recipient.get("account_number"), recipient.get("bank_code"))
        known = any(
            b["customer_id"] == customer_id and (b["account_number"], b["bank_code"]) == account
            for b in book.values()
        )
        if known or not recipient.get("id"):
            continue
        book[recipient["id"]] = {
            "id": recipient["id"],
            "customer_id": customer_id,
            "account_number": recipient.get("account_number"),
            "account_name": recipient.get("account_name"),
            "bank_name": recipient.get("bank_name"),
            "bank_code": recipient.get("bank_code"),
            "currency": recipient.get("currency"),
            "email": recipient.get("email"),
            "created_at": tx.get("date") or now_iso(),
        }
    return [b for b in book.values() if b["customer_id"] == customer_id]


@handles("customers.list_beneficiaries")
def customers_list_beneficiaries(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    return ok(_sync_beneficiaries(state, customer["id"]))


@handles("customers.get_beneficiary")
def customers_get_beneficiary(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    wanted = call.path["beneficiary_id"]
    found = [b for b in _sync_beneficiaries(state, customer["id"]) if b["id"] == wanted]
    if not found:
        raise state.beneficiaries.not_found()
    return ok(found)  # the OpenAPI file's example answers an array


# -- verification --------------------------------------------------------------------------


@handles("customers.submit")
def customers_submit(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    if customer.get("type") != "business":
        return error(400, "Only business customers can be submitted for KYB verification.")
    if customer.get("verification_status") == "VERIFIED":
        return error(400, "Customer is already verified.")
    customer["verification_status"] = "PROCESSING"
    _touch(customer)
    return ok(_view(state, customer), "Customer submitted for verification")


@handles("customers.upgrade_kyb_scope")
def customers_upgrade_kyb_scope(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    if customer.get("type") != "business":
        return error(400, "Only business customers have a KYB scope.")
    if customer.get("kyb_scope") == "FULL":
        return error(400, "The KYB scope is already FULL.")
    given = body_of(call).get("owners")
    if not isinstance(given, list) or not given:
        return invalid({"owners": "The owners field is required."})
    total = Decimal(0)
    for i, owner in enumerate(given):
        if not isinstance(owner, dict):
            return invalid({f"owners.{i}": "Each owner must be an object."})
        errs = missing(owner, "first_name", "last_name", "ownership_percentage")
        if errs:
            return invalid({f"owners.{i}.{k}": v for k, v in errs.items()})
        try:
            share = Decimal(str(owner["ownership_percentage"]))
        except InvalidOperation:
            share = Decimal(-1)
        if not share.is_finite() or share <= 0 or share > 100:
            return invalid(
                {f"owners.{i}.ownership_percentage": "The ownership percentage must be 0-100."}
            )
        total += share
    if total != 100:
        return invalid({"owners": "The ownership percentages must total 100."})
    for owner in given:
        record = {
            "id": new_id(),
            "customer_id": customer["id"],
            "first_name": owner["first_name"],
            "last_name": owner["last_name"],
            "ownership_percentage": Decimal(str(owner["ownership_percentage"])),
            "id_document_front": None,
            "id_document_back": None,
            "created_at": now_iso(),
        }
        state.owners[record["id"]] = record
    customer["kyb_scope"] = "FULL"
    _touch(customer)
    return ok(_view(state, customer), "KYB scope upgraded to FULL")


def _approved_at(session: Record) -> datetime | None:
    for key in ("approved_at", "completed_at", "decided_at", "updated_at"):
        value = session.get(key)
        if isinstance(value, str):
            try:
                stamp = datetime.fromisoformat(value)
            except ValueError:
                continue
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return None


@handles("customers.link_kyc_session")
def customers_link_kyc_session(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    errs = missing(body_of(call), "signa_session_id")
    if errs:
        return invalid(errs)
    session = state.kyc_sessions.get_or_404(body_of(call)["signa_session_id"])
    if str(session.get("status", "")).upper() != "APPROVED":
        return error(409, "The KYC session is not APPROVED.")
    if "DOCUMENTS" not in [str(r).upper() for r in session.get("requirements") or []]:
        return invalid({"signa_session_id": "The KYC session does not include DOCUMENTS."})
    approved = _approved_at(session)
    if approved is not None and datetime.now(UTC) - approved > timedelta(days=365):
        return error(400, "The KYC session was approved more than 365 days ago.")
    applicant = session.get("applicant") or session.get("_applicant") or {}
    for field in ("first_name", "last_name"):
        theirs, ours = applicant.get(field), customer.get(field)
        if theirs and ours and str(theirs).strip().lower() != str(ours).strip().lower():
            return invalid(
                {"signa_session_id": f"The customer's {field} does not match the verified person."}
            )
    customer["verification_status"] = "VERIFIED"
    customer["kyc_session_id"] = session.get("id")
    _touch(customer)
    return ok(_view(state, customer), "KYC session linked; customer verified")


# -- owners --------------------------------------------------------------------------------


def _owner(state: SandboxState, call: Call) -> Record:
    customer = _customer(state, call)
    return state.owners.get_or_404(call.path["owner_id"], customer_id=customer["id"])


@handles("customers.delete_owner")
def customers_delete_owner(state: SandboxState, call: Call) -> Reply:
    owner = _owner(state, call)
    del state.owners[owner["id"]]
    return 200, {"message": "Owner deleted successfully"}


@handles("customers.get_owner_file_presigned_url")
def customers_get_owner_file_presigned_url(state: SandboxState, call: Call) -> Reply:
    owner = _owner(state, call)
    body = body_of(call)
    errs = missing(body, "file_category")
    if errs:
        return invalid(errs)
    if body["file_category"] not in OWNER_FILE_FIELDS:
        return invalid({"file_category": "The selected file category is invalid."})
    data = register_slot(
        state,
        call,
        purpose="owner_file",
        customer_id=owner["customer_id"],
        owner_id=owner["id"],
        file_category=body["file_category"],
    )
    return ok(data, "Presigned URL generated successfully")


@handles("customers.upload_owner_files")
def customers_upload_owner_files(state: SandboxState, call: Call) -> Reply:
    owner = _owner(state, call)
    body = body_of(call)
    errs = missing(body, "id_document_front")
    if errs:
        return invalid(errs)
    given = {f: body[f] for f in OWNER_FILE_FIELDS if body.get(f) not in (None, "")}
    for field, file_id in given.items():
        refusal = check_uploaded(state, file_id, customer_id=owner["customer_id"], field=field)
        if refusal is not None:
            return refusal
    owner.update({f: str(v) for f, v in given.items()})
    return 200, {"message": "Owner files uploaded successfully"}


# -- documents -----------------------------------------------------------------------------


def _document(state: SandboxState, call: Call) -> Record:
    customer = _customer(state, call)
    return state.customer_documents.get_or_404(call.path["document_id"], customer_id=customer["id"])


@handles("customers.list_documents")
def customers_list_documents(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    return ok(list(state.customer_documents.where(customer_id=customer["id"])))


@handles("customers.get_document")
def customers_get_document(state: SandboxState, call: Call) -> Reply:
    doc = _document(state, call)
    return ok(doc)


@handles("customers.get_document_presigned_url")
def customers_get_document_presigned_url(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    data = register_slot(state, call, purpose="document", customer_id=customer["id"])
    return ok(data, "Presigned URL generated successfully")


def _document_errors(state: SandboxState, customer_id: str, body: Record) -> Reply | None:
    if body.get("file_id") not in (None, ""):
        refusal = check_uploaded(state, body["file_id"], customer_id=customer_id, field="file_id")
        if refusal is not None:
            return refusal
    for field in ("name", "description"):
        if body.get(field) is not None and len(str(body[field])) > 255:
            return invalid({field: f"The {field} may not be greater than 255 characters."})
    return None


@handles("customers.create_document")
def customers_create_document(state: SandboxState, call: Call) -> Reply:
    customer = _customer(state, call)
    body = body_of(call)
    errs = missing(body, "type", "name", "file_id")
    if errs:
        return invalid(errs)
    refusal = _document_errors(state, customer["id"], body)
    if refusal is not None:
        return refusal
    stamp = now_iso()
    doc: Record = {
        "id": new_id(),
        "customer_id": customer["id"],
        "type": str(body["type"]),
        "name": str(body["name"]),
        "description": body.get("description"),
        "file_id": str(body["file_id"]),
        "url": storage_url(call, str(body["file_id"])),
        "status": "PENDING",
        "created_at": stamp,
        "updated_at": stamp,
    }
    state.customer_documents[doc["id"]] = doc
    return ok(doc, "Document created successfully", status=201)


@handles("customers.update_document")
def customers_update_document(state: SandboxState, call: Call) -> Reply:
    doc = _document(state, call)
    body = body_of(call)
    refusal = _document_errors(state, doc["customer_id"], body)
    if refusal is not None:
        return refusal
    changes: dict[str, Any] = {f: body[f] for f in DOCUMENT_FIELDS if body.get(f) is not None}
    if "file_id" in changes:
        changes["url"] = storage_url(call, str(changes["file_id"]))
    doc.update(changes)
    _touch(doc)
    return ok(doc, "Document updated successfully")


@handles("customers.delete_document")
def customers_delete_document(state: SandboxState, call: Call) -> Reply:
    doc = _document(state, call)
    del state.customer_documents[doc["id"]]
    return 200, {"message": "Document deleted successfully"}
