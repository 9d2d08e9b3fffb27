"""Customers: what a customer needs by type, updates, KYC data, owners and paging."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..errors import ValidationError
from ..models.customers import CustomerCreate, IdType
from .base import (
    check_country,
    check_dates,
    check_declared,
    check_email,
    positive,
    require,
    require_any,
    whole_number,
)

ID_TYPES = frozenset(t.value for t in IdType)
BUSINESS_ONLY_ID_TYPES = frozenset({IdType.CERTIFICATE_OF_INCORPORATION.value})
BUSINESS_FIELDS = ("business_name", "registration_number", "incorporation_country")
FILE_FIELDS = ("id_file", "id_file_back", "proof_of_address_file", "liveness_check_file")
DATE_FIELDS = ("dob", "id_expiry_date", "id_issue_date")
MAX_PAGE_SIZE = 100


def validate_customer_create(body: Mapping[str, Any]) -> None:
    """type/email/country always; an individual needs first_name, last_name, id_type and
    id_number; a business needs business_name, registration_number and
    incorporation_country, and must not send id_type/id_number."""
    ctx = "customer"
    check_declared(CustomerCreate, body, context=ctx)
    check_email(body, "email", context=ctx)
    check_country(body, "country", context=ctx)
    if body["type"] == "individual":
        individual = f"{ctx} (individual)"
        require(body, "first_name", "last_name", "id_type", "id_number", context=individual)
        if body["id_type"] in BUSINESS_ONLY_ID_TYPES:
            allowed = ", ".join(sorted(ID_TYPES - BUSINESS_ONLY_ID_TYPES))
            raise ValidationError(
                f"{individual}: id_type must be one of {allowed}", field="id_type"
            )
    else:
        business = f"{ctx} (business)"
        require(body, *BUSINESS_FIELDS, context=business)
        for field in ("id_type", "id_number"):
            if body.get(field) is not None:
                raise ValidationError(
                    f"{business}: {field} must not be sent for a business; use "
                    "registration_number and incorporation_country",
                    field=field,
                )
    check_dates(body, *DATE_FIELDS, context=ctx)


def validate_customer_update(body: Mapping[str, Any]) -> None:
    ctx = "customer update"
    require_any(body, context=ctx)
    check_email(body, "email", context=ctx)
    address = body.get("address")
    if address is not None and not isinstance(address, Mapping):
        raise ValidationError(f"{ctx}: address must be an Address or a mapping", field="address")


def validate_kyc_update(body: Mapping[str, Any]) -> None:
    ctx = "customer KYC"
    require_any(body, context=ctx, what="nothing to add")
    check_dates(body, *DATE_FIELDS, context=ctx)


def validate_files_attach(body: Mapping[str, Any]) -> None:
    if not any(body.get(f) for f in FILE_FIELDS):
        raise ValidationError(
            f"customer files: give at least one of {', '.join(FILE_FIELDS)}", field="id_file"
        )


def validate_owners(owners: Sequence[Mapping[str, Any]]) -> None:
    """At least one owner, each named, with a positive percentage; all total exactly 100."""
    ctx = "KYB scope upgrade"
    if not owners:
        raise ValidationError(f"{ctx}: owners must list at least one owner", field="owners")
    total = Decimal(0)
    for i, owner in enumerate(owners):
        item = f"{ctx}: owners[{i}]"
        require(owner, "first_name", "last_name", "ownership_percentage", context=item)
        positive(owner, "ownership_percentage", context=item)
        total += Decimal(str(owner["ownership_percentage"]))
    if total != 100:
        raise ValidationError(
            f"{ctx}: ownership percentages total {total.normalize():f}, they must total 100",
            field="owners",
        )


def validate_list_query(params: Mapping[str, Any]) -> None:
    for name in ("per_page", "limit"):
        page_size(params.get(name), name)
    whole_number(params, "page", 1, None, context="customers")


def page_size(value: int | None, name: str) -> None:
    whole_number({name: value}, name, 1, MAX_PAGE_SIZE, context="customers")
