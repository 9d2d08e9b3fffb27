"""The presigned upload flow: presign -> PUT the bytes to storage -> attach.

::

    result = await client.customers.upload_file(
        customer_id, file_category="identity", data=Path("passport.jpg")
    )

1. **presign**: the API hands out a ``file_id``, a short-lived storage URL and the
   headers to send with it.
2. **upload**: the bytes go straight to storage (S3 in production) with those headers
   and *no* Blaaiz credential; anything but a 2xx carrying an ``ETag`` is a failure.
3. **attach**: the ``file_id`` is attached to the customer (or owner, or document).

Each step that fails raises ``UploadError`` with ``step`` set to ``"presign"``,
``"upload"`` or ``"attach"``, the ``file_id`` once known (an attach can be retried with
it, without uploading again), the HTTP ``status`` when there was one, and the
underlying SDK error as ``cause``. Bad input is a ``ValidationError`` before anything is
sent.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Literal, TypeAlias, TypeVar

import attrs

from .errors import APIConnectionError, BlaaizError, UploadError, ValidationError
from .models.files import PresignedUpload
from .pipeline import Pipeline

UploadStep: TypeAlias = Literal["presign", "upload", "attach"]

UploadData: TypeAlias = (
    bytes | bytearray | memoryview | str | os.PathLike[str] | AsyncIterable[bytes]
)
"""What can be uploaded: bytes, a file path (``str`` is always a path, never the
content), or an async iterable of byte chunks."""

CHUNK = 256 * 1024

_T = TypeVar("_T")


@attrs.frozen(kw_only=True)
class UploadResult:
    """A file that reached storage and was attached: ``field`` is where it went."""

    file_id: str
    file_category: str
    field: str
    etag: str
    size: int
    content_type: str
    file_name: str
    message: str | None = None


@attrs.frozen(kw_only=True)
class UploadSource:
    """The bytes to send, known before the presign so bad input costs no request."""

    data: bytes | None
    path: Path | None
    size: int
    file_name: str
    content_type: str

    def body(self) -> bytes | AsyncIterator[bytes]:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return _read_chunks(self.path)


async def prepare_source(
    data: UploadData,
    *,
    file_name: str | None,
    content_type: str | None,
    default_stem: str,
) -> UploadSource:
    """Check and size the input. A path is streamed later with its size as
    Content-Length (storage refuses chunked uploads); an async iterable is read into
    memory here for the same reason."""
    path: Path | None = None
    payload: bytes | None = None
    if isinstance(data, bytes | bytearray | memoryview):
        payload = bytes(data)
        size = len(payload)
    elif isinstance(data, str | os.PathLike):
        path = Path(data)
        try:
            stat = await asyncio.to_thread(path.stat)
        except OSError as exc:
            raise ValidationError(
                f"upload: cannot read {path.name!r}: {exc.strerror or exc}", field="data"
            ) from None
        if not path.is_file():
            raise ValidationError(f"upload: {path.name!r} is not a regular file", field="data")
        size = stat.st_size
    elif isinstance(data, AsyncIterable):
        chunks: list[bytes] = []
        async for chunk in data:
            if not isinstance(chunk, bytes | bytearray | memoryview):
                raise ValidationError(
                    f"upload: the async iterable yielded {type(chunk).__name__}, not bytes",
                    field="data",
                )
            chunks.append(bytes(chunk))
        payload = b"".join(chunks)
        size = len(payload)
    else:
        raise ValidationError(
            "upload: data must be bytes, a file path, or an async iterable of bytes "
            f"(got {type(data).__name__})",
            field="data",
        )
    if size == 0:
        raise ValidationError("upload: the file is empty", field="data")
    name = file_name or (path.name if path is not None else None)
    ctype = content_type or (mimetypes.guess_type(name)[0] if name else None)
    ctype = ctype or "application/octet-stream"
    if not name:
        name = default_stem + (mimetypes.guess_extension(ctype) or ".bin")
    return UploadSource(data=payload, path=path, size=size, file_name=name, content_type=ctype)


async def _read_chunks(path: Path) -> AsyncIterator[bytes]:
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        while block := await asyncio.to_thread(handle.read, CHUNK):
            yield block
    finally:
        handle.close()


def upload_headers(presigned: PresignedUpload, source: UploadSource) -> dict[str, str]:
    """The presign's headers verbatim (they may be signed), plus what it left out; the
    length is always the real one (storage refuses chunked uploads)."""
    headers = {k: v for k, v in (presigned.headers or {}).items() if k.lower() != "content-length"}
    present = {k.lower() for k in headers}
    if "content-type" not in present:
        headers["Content-Type"] = source.content_type
    if "content-disposition" not in present:
        safe = re.sub(r'[^\x20-\x7e]|["\\]', "_", source.file_name)
        headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    headers["Content-Length"] = str(source.size)
    return headers


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


async def presign_step(presign: Callable[[], Awaitable[PresignedUpload]]) -> PresignedUpload:
    try:
        presigned = await presign()
    except BlaaizError as exc:
        raise UploadError(
            exc.message, step="presign", status=getattr(exc, "status", None), cause=exc
        ) from exc
    if not presigned.target_url:
        raise UploadError(
            "the presign answer has no upload_url or url",
            step="presign",
            file_id=presigned.file_id,
        )
    return presigned


async def upload_step(pipeline: Pipeline, presigned: PresignedUpload, source: UploadSource) -> str:
    """PUT the bytes; returns the storage ETag (without quotes)."""
    target = presigned.target_url
    assert target is not None
    file_id = presigned.file_id
    try:
        status, headers = await pipeline.put_external(
            target, source.body(), upload_headers(presigned, source)
        )
    except APIConnectionError as exc:
        raise UploadError(exc.message, step="upload", file_id=file_id, cause=exc) from exc
    if not 200 <= status < 300:
        raise UploadError(
            f"storage answered HTTP {status}", step="upload", file_id=file_id, status=status
        )
    etag = (_header(headers, "ETag") or "").strip().strip('"')
    if not etag:
        raise UploadError(
            f"storage answered HTTP {status} without an ETag, so the upload is not confirmed",
            step="upload",
            file_id=file_id,
            status=status,
        )
    return etag


async def attach_step(attach: Callable[[], Awaitable[_T]], file_id: str) -> _T:
    try:
        return await attach()
    except BlaaizError as exc:
        raise UploadError(
            f"{exc.message} (the file is uploaded; attach file_id {file_id} again to retry)",
            step="attach",
            file_id=file_id,
            status=getattr(exc, "status", None),
            cause=exc,
        ) from exc


async def transfer(
    pipeline: Pipeline,
    presign: Callable[[], Awaitable[PresignedUpload]],
    source: UploadSource,
) -> tuple[PresignedUpload, str]:
    """Steps 1 and 2: presign, then PUT. Returns the presign answer and the ETag."""
    presigned = await presign_step(presign)
    etag = await upload_step(pipeline, presigned, source)
    return presigned, etag


__all__ = [
    "UploadData",
    "UploadError",
    "UploadResult",
    "UploadSource",
    "UploadStep",
    "attach_step",
    "prepare_source",
    "presign_step",
    "transfer",
    "upload_headers",
    "upload_step",
]
