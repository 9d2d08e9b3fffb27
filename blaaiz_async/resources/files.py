"""Presigned upload URLs for customer files.

The API puts the URL at ``data``, at the root or at ``data.data``; the route's
``normalize`` (``routes.shapes.presign_body``) reads it wherever it came.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from ..models.files import FileCategory, PresignedUpload, PresignedUrlRequest
from ..routes import files as routes
from ..validation import require
from .base import Resource, request_body

FILE_CATEGORIES = frozenset(c.value for c in FileCategory)


def check_file_category(body: Mapping[str, Any], *, context: str) -> None:
    category = body.get("file_category")
    if category not in FILE_CATEGORIES:
        raise ValidationError(
            f"{context}: file_category must be one of {', '.join(sorted(FILE_CATEGORIES))}",
            field="file_category",
        )


class Files(Resource):
    async def get_presigned_url(
        self,
        request: PresignedUrlRequest | None = None,
        /,
        *,
        customer_id: str | None = None,
        file_category: str | None = None,
        file_name: str | None = None,
        file_type: str | None = None,
    ) -> PresignedUpload:
        """A URL to PUT one customer file to, with the headers to send and its ``file_id``.

        Most callers want ``customers.upload_file``, which does presign, PUT and attach
        in one go. ``file_name`` and ``file_type`` (MIME) are required by the OpenAPI file
        but not by the official SDKs; send them when known. The URL is read from ``data``,
        the root or ``data.data`` (``PresignedUpload.target_url``)."""
        body = request_body(
            request, customer_id=customer_id, file_category=file_category,
            file_name=file_name, file_type=file_type,
        )  # fmt: skip
        require(body, "customer_id", "file_category", context="presigned url")
        check_file_category(body, context="presigned url")
        return await self._call(routes.FILES_GET_PRESIGNED_URL, json=body)
