"""Presigned upload URLs, and the helpers the group's resources share.

The API answers some endpoints in more than one shape (the presign URL at ``data``, at
the root or at ``data.data``; a VBA list as one object; an empty 204 for a delete).
These resources send through the pipeline as usual (guard, auth, retry), then fold the
known variants into the one shape the route declares before structuring it, so the
route table stays the single description of each endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from ..errors import ValidationError
from ..models.base import Model
from ..models.converter import converter
from ..models.files import FileCategory, PresignedUpload, PresignedUrlRequest
from ..pipeline import Pipeline, parse_response
from ..routes import Route
from ..routes import files as routes
from ..validation import compact, require
from .base import Resource

FILE_CATEGORIES = frozenset(c.value for c in FileCategory)


# -- shared helpers --------------------------------------------------------------------------


async def send_raw(
    pipeline: Pipeline,
    route: Route[Any],
    *,
    path: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
) -> Any:
    """The decoded body of a call (guarded, authenticated, retried like any other)."""
    return await pipeline.send(route, route.method, route.format_path(path), params, json)


async def call_normalized(
    pipeline: Pipeline,
    route: Route[Any],
    normalize: Callable[[Any], Any],
    *,
    path: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
) -> Any:
    """Call ``route``, fold the body into its declared shape, then structure it."""
    body = await send_raw(pipeline, route, path=path, params=params, json=json)
    return parse_response(route, normalize(body))


def ack_body(body: Any) -> Any:
    """An empty answer (204, or 200 with no body) is an acknowledgement too."""
    return {} if body is None or body == "" else body


def listify_data(body: Any) -> Any:
    """``data`` as a list: a lone object is a list of one (the SPEC shows both)."""
    if isinstance(body, Mapping) and isinstance(body.get("data"), Mapping):
        return {**body, "data": [body["data"]]}
    return body


def presign_body(body: Any) -> Any:
    """The presign answer as ``{data: {...}}`` wherever the API put it: the SDKs read
    ``file_id`` and the URL from ``data``, the root, or ``data.data``. Levels are merged
    outside-in, so the innermost value of a key wins."""
    if not isinstance(body, Mapping):
        return body
    merged: dict[str, Any] = {}
    level: Mapping[str, Any] = body
    for _ in range(3):
        merged.update({k: v for k, v in level.items() if k != "data"})
        inner = level.get("data")
        if not isinstance(inner, Mapping):
            break
        level = inner
    return {"data": merged}


def require_ids(context: str, **ids: str | None) -> None:
    """Path ids must be non-empty strings: an empty one would address another endpoint."""
    require(ids, *ids, context=context)


def wire(value: Any) -> Any:
    """A request value as JSON-ready data: models unstructured, ``None`` fields dropped."""
    if isinstance(value, Model):
        data = converter.unstructure(value)
        data.update(value.extra)
        return wire(data)
    if isinstance(value, Mapping):
        return {k: wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    return value


def request_body(request: Model | None, **fields: Any) -> dict[str, Any]:
    """The body from a request model or from keyword arguments, never a mix of both
    (which one would win is a guess; refusing it is clearer)."""
    given = {k: wire(v) for k, v in compact(**fields).items()}
    if request is None:
        return given
    if given:
        raise ValidationError(
            f"pass either a {type(request).__name__} or keyword arguments, not both "
            f"(got {', '.join(sorted(given))})",
            field=next(iter(sorted(given))),
        )
    return cast(dict[str, Any], wire(request))


def check_file_category(body: Mapping[str, Any], *, context: str) -> None:
    category = body.get("file_category")
    if category not in FILE_CATEGORIES:
        raise ValidationError(
            f"{context}: file_category must be one of {', '.join(sorted(FILE_CATEGORIES))}",
            field="file_category",
        )


# -- the resource ----------------------------------------------------------------------------


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
        in one go. ``file_name`` and ``file_type`` (MIME) are required by the API's SPEC
        but not by its older SDKs; send them when known. The URL is read from ``data``,
        the root or ``data.data`` (``PresignedUpload.target_url``)."""
        body = request_body(
            request, customer_id=customer_id, file_category=file_category,
            file_name=file_name, file_type=file_type,
        )  # fmt: skip
        require(body, "customer_id", "file_category", context="presigned url")
        check_file_category(body, context="presigned url")
        return cast(
            PresignedUpload,
            await call_normalized(
                self._pipeline, routes.FILES_GET_PRESIGNED_URL, presign_body, json=body
            ),
        )
