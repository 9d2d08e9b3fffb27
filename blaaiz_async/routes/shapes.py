"""The API's variant answers, folded into the one shape each route declares.

Some endpoints answer in more than one shape: the presign URL at ``data``, at the root
or at ``data.data``; a list as one object; an empty 204 for an acknowledgement; the
customer list in three layouts. A route names its folding function as ``normalize``
and the response mapping applies it to the decoded body (``None`` when the body was
empty) before following the envelope, so every call of that route reads every variant
and the route table stays the single description of the endpoint.

Each function is pure, knows nothing of the request, and passes a body it does not
recognise unchanged (the model then says what is wrong with it). Each is idempotent:
folding a folded body changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def ack_body(body: Any) -> Any:
    """An empty answer (204, or 200 with no body) is an acknowledgement too."""
    return {} if body is None or body == "" else body


def listify_data(body: Any) -> Any:
    """``data`` as a list: a lone object is a list of one (the OpenAPI file shows both; e.g. one
    beneficiary comes as an object or wrapped in an array)."""
    if isinstance(body, Mapping) and isinstance(body.get("data"), Mapping):
        return {**body, "data": [body["data"]]}
    return body


# What wraps a payload rather than belongs to it: ``{status, message, data}``, and the
# ``success`` flag of a doubly wrapped answer.
_WRAPPER_KEYS = frozenset({"data", "message", "status", "success"})


def presign_body(body: Any) -> Any:
    """The presign answer as ``{message, data: {...}}`` wherever the API put it: the official
    SDKs read ``file_id`` and the URL from ``data``, the root, or ``data.data``. Levels are
    merged outside-in, so the innermost value of a key wins; the wrappers' own keys
    (``message``, ``status``, ``success``) are not part of the upload, and the root's
    stay at the root."""
    if not isinstance(body, Mapping):
        return body
    merged: dict[str, Any] = {}
    level: Mapping[str, Any] = body
    for _ in range(3):
        merged.update({k: v for k, v in level.items() if k not in _WRAPPER_KEYS})
        inner = level.get("data")
        if not isinstance(inner, Mapping):
            break
        level = inner
    root = {k: v for k, v in body.items() if k in _WRAPPER_KEYS and k != "data"}
    return {**root, "data": merged}


def customer_list_body(body: Any) -> Any:
    """Fold the OpenAPI file's ``data{customers[], pagination{}}`` into the Laravel paginator
    shape; the plain ``data[]`` (no paging asked) and the paginator pass unchanged. The
    layout is told from the body itself, whatever the request asked for."""
    if not isinstance(body, Mapping):
        return body
    data = body.get("data")
    if not isinstance(data, Mapping) or not isinstance(data.get("customers"), list):
        return body
    pagination = data.get("pagination")
    folded: dict[str, Any] = {k: v for k, v in body.items() if k != "data"}
    folded["data"] = data["customers"]
    if isinstance(pagination, Mapping):
        folded["meta"] = {
            "current_page": pagination.get("current_page"),
            "last_page": pagination.get("total_pages"),
            "per_page": pagination.get("per_page"),
            "total": pagination.get("total_count"),
        }
    return folded
