"""Presigned uploads (``POST /file/get-presigned-url`` and the owner/document variants).

The OpenAPI file names the target ``upload_url``; the official SDKs read ``url``.
``target_url`` reads whichever came. ``headers`` must be sent verbatim with the PUT: they
can be signed.
"""

from __future__ import annotations

import enum
from typing import Literal, Required

import attrs

from .base import Model, RequestBody, masked, model


class FileCategory(enum.StrEnum):
    """What a customer file is; each maps to one attach field (see ``ATTACH_FIELD``)."""

    IDENTITY = "identity"
    IDENTITY_BACK = "identity_back"
    PROOF_OF_ADDRESS = "proof_of_address"
    LIVENESS_CHECK = "liveness_check"


# file_category -> the field of POST /customer/{id}/files that attaches it
ATTACH_FIELD: dict[str, str] = {
    FileCategory.IDENTITY: "id_file",
    FileCategory.IDENTITY_BACK: "id_file_back",
    FileCategory.PROOF_OF_ADDRESS: "proof_of_address_file",
    FileCategory.LIVENESS_CHECK: "liveness_check_file",
}


FileCategoryName = Literal["identity", "identity_back", "proof_of_address", "liveness_check"]


class PresignedUrlRequest(RequestBody, total=False):
    """``file_name``/``file_type``: the OpenAPI file requires them; the official SDKs omit them."""

    customer_id: Required[str]
    file_category: Required[FileCategory | FileCategoryName]
    file_name: str | None
    file_type: str | None  # MIME type


@model
class PresignedUpload(Model):
    file_id: str
    # A presigned URL is a credential (whoever holds it can write the file): not in repr.
    upload_url: str | None = attrs.field(default=None, repr=masked)
    url: str | None = attrs.field(default=None, repr=masked)
    headers: dict[str, str] | None = attrs.field(default=None, repr=masked)
    expires_at: str | None = None

    @property
    def target_url(self) -> str | None:
        return self.upload_url or self.url
