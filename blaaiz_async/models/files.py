"""Presigned uploads (``POST /file/get-presigned-url`` and the owner/document variants).

The OpenAPI file names the target ``upload_url``; the official SDKs read ``url``.
``target_url`` reads whichever came. ``headers`` must be sent verbatim with the PUT: they
can be signed.
"""

from __future__ import annotations

import enum

import attrs

from .base import Model, masked, model


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


@model
class PresignedUrlRequest(Model):
    """``file_name``/``file_type``: the OpenAPI file requires them; the official SDKs omit them."""

    customer_id: str
    file_category: str
    file_name: str | None = None
    file_type: str | None = None


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
