"""Response examples of the rates, banks, mobile-money, customer, file and virtual-account
routes (transcribed from the API's sources, docs/sources.md, into
tests/data/responses_customers_banks_accounts.json) structure into their models through the same
``parse_response`` the pipeline uses; unknown fields land in ``extra``. No sockets."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from blaaiz_async.errors import (
    ArgumentTypeError,
    MalformedResponseError,
    UnknownFieldError,
    ValidationError,
)
from blaaiz_async.models import (
    AccountLookupRequest,
    Ack,
    Address,
    Customer,
    CustomerActionResult,
    CustomerCreate,
    CustomerFilesAttach,
    CustomerKycUpdate,
    CustomerUpdate,
    DocumentCreate,
    DocumentUpdate,
    IbanVerificationRequest,
    IdentificationTypeQuery,
    KybScopeUpgrade,
    KycSessionLink,
    Model,
    OwnerFilePresign,
    OwnerFilesAttach,
    OwnerInput,
    Page,
    PayeeVerificationRequest,
    PresignedUpload,
    PresignedUrlRequest,
    SwapRequest,
    VirtualBankAccountClose,
    VirtualBankAccountClosure,
    VirtualBankAccountCreate,
)
from blaaiz_async.models.converter import loads
from blaaiz_async.pipeline import parse_response
from blaaiz_async.routes import ROUTES
from blaaiz_async.routes.shapes import ack_body, customer_list_body, listify_data, presign_body
from blaaiz_async.rules.base import request_body, schema

EXAMPLES: dict[str, Any] = loads(
    Path("tests/data/responses_customers_banks_accounts.json").read_bytes()
)
PREFIXES = ("rates.", "banks.", "momo_operators.", "customers.", "files.", "virtual_bank_")
COVERED = sorted(name for name in ROUTES if name.startswith(PREFIXES))
UNKNOWN = {"zz_added_later": {"nested": [1, 2]}}


def payload_items(route_name: str, body: Any) -> list[dict[str, Any]]:
    """The objects of ``body`` that the route's model structures."""
    route = ROUTES[route_name]
    payload = body
    for key in route.envelope:
        payload = payload[key]
    return payload if isinstance(payload, list) else [payload]


def structured_items(result: Any) -> list[Model]:
    if isinstance(result, Page):
        return list(result.items)
    return list(result) if isinstance(result, list) else [result]


def test_every_route_here_has_an_example() -> None:
    assert len(COVERED) == 32
    assert sorted(EXAMPLES) == COVERED


@pytest.mark.parametrize("name", COVERED)
def test_example_structures(name: str) -> None:
    route = ROUTES[name]
    result = parse_response(route, EXAMPLES[name])
    items = structured_items(result)
    assert items, name
    for item in items:
        assert isinstance(item, Model)
        assert item.extra == {}, f"{name}: {item.extra} is documented but not modelled"


@pytest.mark.parametrize("name", COVERED)
def test_unknown_fields_land_in_extra(name: str) -> None:
    body = copy.deepcopy(EXAMPLES[name])
    for item in payload_items(name, body):
        item.update(UNKNOWN)
    for item in structured_items(parse_response(ROUTES[name], body)):
        assert item.extra == UNKNOWN


def test_nested_models_keep_unknown_fields_too() -> None:
    body = copy.deepcopy(EXAMPLES["customers.get"])
    body["data"]["address"]["district"] = "Ikoyi"
    body["data"]["files"][0]["checksum"] = "abc"
    customer = parse_response(ROUTES["customers.get"], body)
    assert isinstance(customer, Customer)
    assert customer.address is not None and customer.address.extra == {"district": "Ikoyi"}
    assert customer.files is not None and customer.files[0].extra == {"checksum": "abc"}
    # the OpenAPI file's status is lowercase; current_status upper-cases it
    assert customer.current_status == "VERIFIED" and customer.is_verified


def test_values_keep_their_types() -> None:
    (rate,) = parse_response(ROUTES["rates.list"], EXAMPLES["rates.list"])
    assert rate.rate == Decimal("1550.25")
    kyb = parse_response(
        ROUTES["customers.upgrade_kyb_scope"], EXAMPLES["customers.upgrade_kyb_scope"]
    )
    assert isinstance(kyb, CustomerActionResult) and kyb.customer is not None
    assert [o.ownership_percentage for o in kyb.customer.owners or []] == [60, 40]
    (vba,) = parse_response(
        ROUTES["virtual_bank_accounts.create"], EXAMPLES["virtual_bank_accounts.create"]
    )
    assert vba.currency_id == 1  # an integer, unlike a wallet's currency_id
    page = parse_response(ROUTES["customers.list"], EXAMPLES["customers.list"])
    assert page.meta.total == 3 and page.has_next
    presigned = parse_response(
        ROUTES["customers.get_owner_file_presigned_url"],
        EXAMPLES["customers.get_owner_file_presigned_url"],
    )
    assert presigned.upload_url is None and presigned.target_url == presigned.url
    closure = parse_response(
        ROUTES["virtual_bank_accounts.close"], EXAMPLES["virtual_bank_accounts.close"]
    )
    assert isinstance(closure, VirtualBankAccountClosure) and closure.account is None


def test_verification_answers_in_words() -> None:
    body = {"data": {"matched": "CLOSE_MATCH", "sepa_reachable": "false"}}
    payee = parse_response(ROUTES["banks.verify_payee"], body)
    assert payee.matched == "CLOSE_MATCH" and not payee.is_match
    iban = parse_response(ROUTES["banks.verify_iban"], body)
    assert not iban.is_sepa_reachable


# -- the shapes folded before structuring ----------------------------------------------------


def test_customer_list_spec_shape_is_folded() -> None:
    spec = {
        "status": True,
        "message": "ok",
        "data": {
            "customers": [{"id": "c1"}, {"id": "c2"}],
            "pagination": {"current_page": 2, "total_pages": 2, "total_count": 22, "per_page": 20},
        },
    }
    page = parse_response(ROUTES["customers.list"], customer_list_body(spec))
    assert [c.id for c in page.items] == ["c1", "c2"]
    assert (page.meta.current_page, page.meta.last_page, page.meta.total) == (2, 2, 22)
    assert not page.has_next
    plain = {"message": "ok", "data": [{"id": "c3"}]}
    assert customer_list_body(plain) is plain


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"file_id": "f", "upload_url": "u"}},
        {"message": "ok", "file_id": "f", "url": "u"},
        {"message": "ok", "data": {"success": True, "data": {"file_id": "f", "url": "u"}}},
    ],
)
def test_presign_url_found_at_any_level(body: dict[str, Any]) -> None:
    presigned = parse_response(ROUTES["files.get_presigned_url"], presign_body(body))
    assert isinstance(presigned, PresignedUpload)
    assert (presigned.file_id, presigned.target_url) == ("f", "u")


def test_lone_objects_and_empty_acks() -> None:
    lone = {"data": {"id": "b1"}}
    (beneficiary,) = parse_response(ROUTES["customers.get_beneficiary"], listify_data(lone))
    assert beneficiary.id == "b1"
    ack = parse_response(ROUTES["customers.delete_document"], ack_body(None))
    assert ack == Ack()


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("customers.list", customer_list_body),
        ("customers.get_beneficiary", listify_data),
        ("customers.get_document_presigned_url", presign_body),
        ("customers.get_owner_file_presigned_url", presign_body),
        ("files.get_presigned_url", presign_body),
        ("virtual_bank_accounts.create", listify_data),
        ("virtual_bank_accounts.list", listify_data),
        ("virtual_bank_accounts.close", ack_body),
        ("customers.upload_files", ack_body),
        ("customers.submit", ack_body),
        ("customers.upgrade_kyb_scope", ack_body),
        ("customers.delete_owner", ack_body),
        ("customers.upload_owner_files", ack_body),
        ("customers.delete_document", ack_body),
    ],
)
def test_variant_shapes_are_declared_on_the_route(name: str, shape: Any) -> None:
    assert ROUTES[name].normalize is shape


def test_the_route_folds_variants_without_the_caller() -> None:
    """``parse_response`` applies the route's own ``normalize``: the raw variants parse."""
    spec = {"data": {"customers": [{"id": "c1"}], "pagination": {"total_count": 1}}}
    page = parse_response(ROUTES["customers.list"], spec)
    assert [c.id for c in page.items] == ["c1"] and page.meta.total == 1
    root = {"message": "ok", "file_id": "f", "url": "u"}
    presigned = parse_response(ROUTES["files.get_presigned_url"], root)
    assert (presigned.file_id, presigned.target_url, presigned.extra) == ("f", "u", {})
    (vba,) = parse_response(ROUTES["virtual_bank_accounts.list"], {"data": {"id": "v1"}})
    assert vba.id == "v1"
    for empty in (None, ""):
        assert parse_response(ROUTES["customers.delete_owner"], empty) == Ack()
    closure = parse_response(ROUTES["virtual_bank_accounts.close"], None)
    assert isinstance(closure, VirtualBankAccountClosure)


def test_a_route_without_a_shape_takes_the_body_as_it_came() -> None:
    """No ``normalize``, no folding: a lone object where a list is declared is refused."""
    route = ROUTES["customers.list_beneficiaries"]
    assert route.normalize is None
    with pytest.raises(MalformedResponseError):
        parse_response(route, {"data": {"id": "b1"}})


# -- request bodies --------------------------------------------------------------------------

REQUESTS: list[tuple[type[Mapping[str, Any]], dict[str, Any]]] = [
    (AccountLookupRequest, {"account_number": "0123456789", "bank_id": "b1"}),
    (AccountLookupRequest, {"account_number": "0123456789", "bank_code": "044", "currency": "NGN"}),
    (PayeeVerificationRequest, {"sort_code": "040004", "account_number": "1", "account_name": "A"}),
    (IbanVerificationRequest, {"iban": "DE89370400440532013000"}),
    (
        CustomerCreate,
        {
            "type": "business",
            "email": "b@x.io",
            "country": "NG",
            "business_name": "B",
            "registration_number": "RC1",
            "incorporation_country": "NG",
            "tin": "T1",
        },
    ),
    (CustomerUpdate, {"email": "n@x.io", "address": {"city": "Lagos"}, "id_file": "f1"}),
    (CustomerKycUpdate, {"dob": "1990-01-31", "zip_code": "101001"}),
    (CustomerFilesAttach, {"id_file": "f1", "liveness_check_file": "f2"}),
    (OwnerInput, {"first_name": "A", "last_name": "B", "ownership_percentage": Decimal("50.5")}),
    (
        KybScopeUpgrade,
        {"owners": [{"first_name": "A", "last_name": "B", "ownership_percentage": 100}]},
    ),
    (KycSessionLink, {"signa_session_id": "ses_1"}),
    (OwnerFilePresign, {"file_category": "id_document_front"}),
    (OwnerFilesAttach, {"id_document_front": "f1", "id_document_back": "f2"}),
    (DocumentCreate, {"type": "PROOF_OF_ADDRESS", "name": "bill", "file_id": "f1"}),
    (DocumentUpdate, {"name": "bill (June)"}),
    (PresignedUrlRequest, {"customer_id": "c1", "file_category": "identity", "file_type": "a/b"}),
    (VirtualBankAccountCreate, {"wallet_id": "w1", "account_name": "Shop"}),
    (VirtualBankAccountClose, {"reason": "done"}),
    (IdentificationTypeQuery, {"country": "NG", "type": "individual"}),
]


@pytest.mark.parametrize(("cls", "example"), REQUESTS)
def test_request_bodies_are_built_from_their_declaration(
    cls: type[Mapping[str, Any]], example: dict[str, Any]
) -> None:
    assert request_body(cls, example, context="t") == example  # declared fields pass as given
    assert (
        request_body(cls, {}, request=cls(**example), context="t") == example
    )  # the same as a value
    with pytest.raises(UnknownFieldError) as info:
        request_body(cls, {**example, "zz_unknown": 1}, context="t")
    assert info.value.field == "zz_unknown"


@pytest.mark.parametrize(("cls", "example"), REQUESTS)
def test_a_required_field_left_out_is_named(
    cls: type[Mapping[str, Any]], example: dict[str, Any]
) -> None:
    required = schema(cls).required
    for name in required:
        with pytest.raises(ValidationError) as info:
            request_body(cls, {k: v for k, v in example.items() if k != name}, context="t")
        assert info.value.field == name
    optional = [name for name in example if name not in required]
    for name in optional:  # an optional field left out is just not sent
        rest = {k: v for k, v in example.items() if k != name}
        assert request_body(cls, rest, context="t") == rest


def test_request_body_from_a_value_or_keywords() -> None:
    request = CustomerUpdate(address=Address(city="Lagos"), extra_body={"nickname": "J"})
    assert request_body(CustomerUpdate, {}, request=request, context="t") == {
        "address": {"city": "Lagos"},
        "nickname": "J",
    }
    keywords = {"email": "a@b.co", "phone_number": None}
    assert request_body(CustomerUpdate, keywords, context="t") == {"email": "a@b.co"}
    nested = {"address": Address(street="1")}
    assert request_body(CustomerUpdate, nested, context="t") == {"address": {"street": "1"}}
    with pytest.raises(ValidationError, match="not both"):
        request_body(CustomerUpdate, {"email": "a@b.co"}, request=request, context="t")
    with pytest.raises(ArgumentTypeError, match="CustomerUpdate"):
        request_body(CustomerUpdate, {}, request=["email"], context="t")  # type: ignore[arg-type]


def test_building_a_body_leaves_the_callers_request_as_it_was() -> None:
    request = SwapRequest(from_business_wallet_id="a", to_business_wallet_id="b", amount="10.50")
    before = copy.deepcopy(request)
    built = request_body(SwapRequest, {}, request=request, context="t")
    assert built["amount"] == Decimal("10.50") and isinstance(built["amount"], Decimal)
    assert request == before
