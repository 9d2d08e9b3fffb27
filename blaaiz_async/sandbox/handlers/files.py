"""Presigned uploads: slots handed out here, bytes received by the app's storage endpoint.

A slot (``state.upload_slots[file_id]``) remembers who may use the file; the storage
endpoint fills ``state.uploads[file_id]`` when the bytes arrive. Attaching a file that
never arrived, or that was presigned for another customer, is refused with 400.
"""

from __future__ import annotations

import time
from typing import Any

from ..app import STORAGE_PATH
from ..state import Record, SandboxState, new_id, now_iso
from . import Call, Reply, body_of, error, handles, invalid, missing, ok

FILE_CATEGORIES = ("identity", "identity_back", "proof_of_address", "liveness_check")
SLOT_TTL = 15 * 60


def storage_url(call: Call, file_id: str) -> str:
    return f"{call.origin}{STORAGE_PATH}/{file_id}"


def register_slot(state: SandboxState, call: Call, **meta: Any) -> Record:
    """Hand out an upload slot; returns the presign payload (the OpenAPI file's shape)."""
    file_id = new_id()
    expires = time.time() + SLOT_TTL
    expires_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
    state.upload_slots[file_id] = {
        "file_id": file_id,
        "created_at": now_iso(),
        "expires_at": expires_at,
        **meta,
    }
    headers = {"Content-Type": meta["file_type"]} if meta.get("file_type") else {}
    return {
        "file_id": file_id,
        "upload_url": storage_url(call, file_id),
        "headers": headers,
        "expires_at": expires_at,
    }


def check_uploaded(
    state: SandboxState, file_id: Any, *, customer_id: str, field: str
) -> Reply | None:
    """None when ``file_id`` reached storage for this customer, else the API's 400."""
    key = str(file_id)
    slot = state.upload_slots.get(key)
    if slot is None:
        return error(400, f"The {field} file was not found.", errors={field: ["Unknown file."]})
    if key not in state.uploads:
        return error(
            400,
            f"The {field} file has not been uploaded yet.",
            errors={field: ["Upload the file to the presigned URL first."]},
        )
    if slot.get("customer_id") != customer_id:
        return error(400, f"The {field} file does not belong to this customer.")
    return None


def file_entry(call: Call, file_id: str, category: str) -> Record:
    return {
        "id": file_id,
        "category": category,
        "url": storage_url(call, file_id),
        "uploaded_at": now_iso(),
    }


@handles("files.get_presigned_url")
def files_get_presigned_url(state: SandboxState, call: Call) -> Reply:
    body = body_of(call)
    errs = missing(body, "customer_id", "file_category")
    if errs:
        return invalid(errs)
    if body["file_category"] not in FILE_CATEGORIES:
        return invalid({"file_category": "The selected file category is invalid."})
    customer_id = state.customers.get_or_404(body["customer_id"])["id"]
    data = register_slot(
        state,
        call,
        purpose="customer_file",
        customer_id=customer_id,
        file_category=body["file_category"],
        file_name=body.get("file_name"),
        file_type=body.get("file_type"),
    )
    return ok(data, "Presigned URL generated successfully")
