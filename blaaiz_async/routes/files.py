"""Presigned uploads of customer files."""

from __future__ import annotations

from ..models.files import PresignedUpload
from ..scopes import Scope as S
from .base import route
from .shapes import presign_body

FILES_GET_PRESIGNED_URL = route(
    "files.get_presigned_url",
    "POST",
    "/file/get-presigned-url",
    PresignedUpload,
    scopes={S.FILE_UPLOAD},
    normalize=presign_body,
    summary="A presigned URL to PUT one customer file to; the URL sits at data or the root.",
)
