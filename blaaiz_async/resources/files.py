"""Presigned upload URLs for customer files.

The API puts the URL at ``data``, at the root or at ``data.data``; the route's
``normalize`` (``routes.shapes.presign_body``) reads it wherever it came.
"""

from __future__ import annotations

from typing import Any, Unpack, overload

from ..models.files import PresignedUpload, PresignedUrlRequest
from ..routes import files as routes
from ..rules.base import request_body
from .base import Resource


class Files(Resource):
    @overload
    async def get_presigned_url(self, request: PresignedUrlRequest, /) -> PresignedUpload: ...
    @overload
    async def get_presigned_url(
        self, /, **fields: Unpack[PresignedUrlRequest]
    ) -> PresignedUpload: ...
    async def get_presigned_url(
        self, request: PresignedUrlRequest | None = None, /, **fields: Any
    ) -> PresignedUpload:
        """A URL to PUT one customer file to, with the headers to send and its ``file_id``.

        Most callers want ``customers.upload_file``, which does presign, PUT and attach
        in one go. ``file_name`` and ``file_type`` (MIME) are required by the OpenAPI file
        but not by the official SDKs; send them when known. The URL is read from ``data``,
        the root or ``data.data`` (``PresignedUpload.target_url``)."""
        route = routes.FILES_GET_PRESIGNED_URL
        json = request_body(PresignedUrlRequest, fields, request=request, context=route.name)
        return await self._call(route, json=json)
