"""Signa KYC sessions and Signa ID releases: requirement sets, staged files, origins."""

from __future__ import annotations

import re
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ValidationError
from ..models.compliance import (
    ALLOWED_REQUIREMENTS,
    KycSessionRequest,
    ReleaseScope,
    Requirement,
)
from .base import (
    check_alpha3,
    check_declared,
    check_https,
    check_max_length,
    exactly_one,
    require,
    whole_number,
)

# Letters, digits, space, '-' and '_', then one of the accepted extensions.
STAGED_FILE_NAME = re.compile(r"[A-Za-z0-9 _-]+\.(jpg|jpeg|png|webp|pdf)", re.IGNORECASE)
SESSION_LIMITS = {"customer_reference": 100, "idempotency_key": 100}
PAGE_LIMIT = (1, 100)


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def as_list(value: Iterable[Any], field: str, *, context: str) -> list[str]:
    """A list of strings from any iterable but a string (which is one value, not many)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(f"{context}: {field} must be a list", field=field)
    return [str(v) for v in value]


def _check_known_distinct(
    values: list[str], known: list[str], field: str, noun: str, *, context: str
) -> None:
    """Each of ``values`` one of ``known``, none twice."""
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValidationError(
            f"{context}: unknown {noun}(s) {', '.join(unknown)} (one of: {', '.join(known)})",
            field=field,
        )
    if len(set(values)) != len(values):
        raise ValidationError(f"{context}: {field} must be distinct", field=field)


def validate_session(body: Mapping[str, Any]) -> None:
    """Requirements: 1 to 4 distinct values, in one of the allowed sets, with a mode that
    set allows (``ALLOWED_REQUIREMENTS``); without a mode the server takes the set's first."""
    ctx = "KYC session"
    check_declared(KycSessionRequest, body, context=ctx)
    require(body, "idempotency_key", context=ctx)
    check_max_length(body, SESSION_LIMITS, context=ctx)
    requirements = body.get("requirements") or []
    known = [r.value for r in Requirement]
    if not 1 <= len(requirements) <= len(known):
        raise ValidationError(f"{ctx}: give 1 to 4 requirements", field="requirements")
    _check_known_distinct(requirements, known, "requirements", "requirement", context=ctx)
    modes = ALLOWED_REQUIREMENTS.get(frozenset(Requirement(r) for r in requirements))
    if modes is None:
        allowed = "; ".join(" + ".join(sorted(s)) for s in sorted(ALLOWED_REQUIREMENTS, key=len))
        raise ValidationError(
            f"{ctx}: {' + '.join(requirements)} is not an allowed set (allowed: {allowed})",
            field="requirements",
        )
    mode = body.get("fulfilment_mode")
    if mode is not None and mode not in modes:
        raise ValidationError(
            f"{ctx}: {' + '.join(requirements)} can be fulfilled "
            f"{' or '.join(modes)} only, not {mode}",
            field="fulfilment_mode",
        )
    applicant = body.get("applicant")
    if applicant is not None:
        check_alpha3(applicant, "country", context=ctx, name="applicant.country")
    check_https(body, "redirect_url", context=ctx)


def validate_upload_url(body: Mapping[str, Any]) -> None:
    ctx = "document upload URL"
    check_max_length(body, {"file_name": 128}, context=ctx)
    if not STAGED_FILE_NAME.fullmatch(str(body["file_name"])):
        raise ValidationError(
            f"{ctx}: file_name may hold letters, digits, spaces, '-' and '_', and must end "
            "in .jpg, .jpeg, .png, .webp or .pdf",
            field="file_name",
        )


def validate_document(body: Mapping[str, Any]) -> None:
    ctx = "session document"
    check_max_length(body, {"filename": 191}, context=ctx)
    check_alpha3(body, "country", context=ctx)
    exactly_one(body, "file_name", "content_base64", context=ctx)


def validate_window(params: Mapping[str, Any]) -> None:
    """``limit`` 1 to 100 and ``offset`` 0 or more, when given."""
    whole_number(params, "limit", *PAGE_LIMIT, context="KYC sessions")
    whole_number(params, "offset", 0, None, context="KYC sessions")


def validate_release_request(body: Mapping[str, Any]) -> None:
    ctx = "Signa ID release request"
    require(body, "idempotency_key", context=ctx)
    scopes = body.get("scopes") or []
    known = [s.value for s in ReleaseScope]
    if not scopes:
        raise ValidationError(
            f"{ctx}: scopes must name at least one of {', '.join(known)}", field="scopes"
        )
    _check_known_distinct(scopes, known, "scopes", "scope", context=ctx)
    origin = str(body["origin"])
    parts = urllib.parse.urlsplit(origin)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.path
        or parts.query
        or parts.fragment
        or origin.endswith("?")
        or origin.endswith("#")
    ):
        raise ValidationError(
            f"{ctx}: origin must be the exact browser origin, scheme and host only, "
            f"e.g. https://shop.example (got {origin!r})",
            field="origin",
        )


def validate_wallet_status(address: Any, chain_id: Any) -> None:
    ctx = "Signa ID wallet status"
    require({"address": address}, "address", context=ctx)
    if chain_id is not None and (isinstance(chain_id, bool) or not isinstance(chain_id, int)):
        raise ValidationError(f"{ctx}: chain_id must be an integer", field="chain_id")
