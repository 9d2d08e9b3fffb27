"""Response examples of every collection, swap, refund, webhook, Signa and Signa ID route,
transcribed from the API's sources (docs/sources.md) into
``data/responses_collections_webhooks_kyc.json``, structured exactly as the SDK does it:
``parse_response(route, body)``. Each example carries an ``unknown_field`` wherever a model
is, and it must come back in that model's ``extra``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from blaaiz_async.models import (
    Ack,
    Collection,
    KycAccessToken,
    KycApplicantData,
    Model,
    SignaIdReleaseRequest,
    SignaIdReleaseResult,
    SignaIdWalletStatus,
)
from blaaiz_async.pipeline import parse_response, unwrap
from blaaiz_async.routes import ROUTES, compliance, swaps, webhooks
from blaaiz_async.routes import collections as collection_routes

DATA = Path(__file__).parent / "data"
EXAMPLES: dict[str, Any] = json.loads(
    (DATA / "responses_collections_webhooks_kyc.json").read_text()
)
UNKNOWN = "unknown_field"

COVERED = sorted(
    r.name
    for module in (collection_routes, swaps, webhooks, compliance)
    for r in vars(module).values()
    if getattr(r, "name", None) in ROUTES and ROUTES[r.name] is r
)

# Route name -> the row of tests/data/endpoints.tsv it implements.
ENDPOINT_ROWS = {
    "collections.create": 36, "collections.create_crypto": 37,
    "collections.crypto_networks": 38, "collections.attach_customer": 39,
    "collections.create_interac_money_request": 40,
    "collections.accept_interac_money_request": 41, "swaps.create": 43,
    "refunds.create": 44, "refunds.get": 45, "webhooks.register": 49, "webhooks.get": 50,
    "webhooks.update": 51, "webhooks.replay": 52, "webhooks.simulate_interac": 53,
    "compliance.create_session": 54, "compliance.list_sessions": 55,
    "compliance.get_session": 56, "compliance.submit_session": 57,
    "compliance.cancel_session": 58, "compliance.create_document_upload_url": 59,
    "compliance.upload_session_document": 60, "compliance.issue_verification_link": 61,
    "compliance.issue_access_token": 62, "compliance.get_applicant_data": 63,
    "compliance.list_documents": 64, "compliance.get_document": 65,
    "signa_id.create_release_request": 66, "signa_id.exchange_release_code": 67,
    "signa_id.get_release": 68, "signa_id.get_release_document": 69,
    "signa_id.get_wallet_status": 70,
}  # fmt: skip


def endpoint_rows() -> dict[int, tuple[str, str, frozenset[str], str]]:
    rows = {}
    for line in (DATA / "endpoints.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            n, _ref, verb, path, scopes, retry = line.split("\t")
            rows[int(n)] = (verb, path, frozenset() if scopes == "-" else frozenset(scopes.split()),
                            retry)  # fmt: skip
    return rows


def models_in(value: Any) -> list[Model]:
    """Every model in a structured result, nested ones included."""
    if isinstance(value, Model):
        found: list[Model] = [value]
        for field in attrs.fields(type(value)):
            if field.name != "extra":
                found += models_in(getattr(value, field.name))
        return found
    if isinstance(value, list):
        return [m for item in value for m in models_in(item)]
    return []


def unknown_count(value: Any) -> int:
    if isinstance(value, dict):
        return (UNKNOWN in value) + sum(unknown_count(v) for v in value.values())
    if isinstance(value, list):
        return sum(unknown_count(v) for v in value)
    return 0


def test_every_route_here_has_an_example() -> None:
    assert len(COVERED) == 31
    assert sorted(EXAMPLES) == COVERED


def test_these_routes_match_the_endpoint_list() -> None:
    rows = endpoint_rows()
    assert sorted(ENDPOINT_ROWS) == COVERED
    for name, n in ENDPOINT_ROWS.items():
        r = ROUTES[name]
        verb, path, scopes, retry = rows[n]
        assert (r.method, re.sub(r"\{\w+\}", "{}", r.path)) == (verb, path), name
        assert frozenset(str(s) for s in r.scopes) == scopes, name
        # G and K routes may be resent; N never. U (PUT) is idempotent by its semantics.
        assert r.idempotent == (retry in ("G", "K", "U", "RP")), name
    assert not ROUTES["signa_id.get_wallet_status"].auth
    assert all(ROUTES[n].auth for n in COVERED if n != "signa_id.get_wallet_status")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_structures_and_keeps_unknown_fields(name: str) -> None:
    route = ROUTES[name]
    body = EXAMPLES[name]
    result = parse_response(route, body)
    expected = route.response
    if isinstance(expected, type):
        assert isinstance(result, expected)
    elif getattr(expected, "__origin__", None) is list:
        assert isinstance(result, list) and result
        assert all(isinstance(item, expected.__args__[0]) for item in result)
    carrying = [m for m in models_in(result) if UNKNOWN in m.extra]
    assert carrying, f"{name}: no model kept {UNKNOWN!r} in extra"
    assert all(m.extra[UNKNOWN] == "kept in extra" for m in carrying)
    assert len(carrying) == unknown_count(unwrap(route, body)), name


def test_collection_both_shapes() -> None:
    route = ROUTES["collections.create"]
    spec = parse_response(route, EXAMPLES["collections.create"])
    assert isinstance(spec, Collection)
    assert spec.transaction_id == "c0ffee00-1111-4222-8333-444455556666"
    assert spec.payment_url == "https://checkout.blaaiz.com/pay/abc123"
    assert spec.status == "PENDING" and spec.extra == {"status": True}  # the wrapper's flag
    sdk17 = parse_response(
        route, {"message": "ok", "transaction_id": "t-1", "url": "https://checkout/p/1"}
    )
    assert (sdk17.transaction_id, sdk17.payment_url, sdk17.data) == (
        "t-1", "https://checkout/p/1", None,
    )  # fmt: skip


def test_acks_and_nullable_payloads() -> None:
    ack = parse_response(ROUTES["webhooks.replay"], {"message": "Webhook replayed successfully"})
    assert isinstance(ack, Ack) and ack.message == "Webhook replayed successfully"
    none = parse_response(ROUTES["compliance.get_applicant_data"], {"message": "ok", "data": None})
    assert none is None
    data = parse_response(ROUTES["compliance.get_applicant_data"],
                          EXAMPLES["compliance.get_applicant_data"])  # fmt: skip
    assert isinstance(data, KycApplicantData) and data.country == "NGA"


def test_bearer_values_are_masked_in_reprs() -> None:
    token = parse_response(ROUTES["compliance.issue_access_token"],
                           EXAMPLES["compliance.issue_access_token"])  # fmt: skip
    assert isinstance(token, KycAccessToken) and token.access_token == "sat_secret_value"
    assert "sat_secret_value" not in repr(token) and "***" in repr(token)
    request = parse_response(ROUTES["signa_id.create_release_request"],
                             EXAMPLES["signa_id.create_release_request"])  # fmt: skip
    assert isinstance(request, SignaIdReleaseRequest)
    assert "srt_secret" not in repr(request)


def test_signa_id_shapes() -> None:
    revoked = parse_response(ROUTES["signa_id.get_release"], EXAMPLES["signa_id.get_release"])
    assert isinstance(revoked, SignaIdReleaseResult)
    assert revoked.data is None and not revoked.active
    active = parse_response(ROUTES["signa_id.exchange_release_code"],
                            EXAMPLES["signa_id.exchange_release_code"])  # fmt: skip
    assert active.active and active.data.identity == {"first_name": "Ada", "last_name": "Obi"}
    status = parse_response(ROUTES["signa_id.get_wallet_status"],
                            EXAMPLES["signa_id.get_wallet_status"])  # fmt: skip
    assert isinstance(status, SignaIdWalletStatus) and status.level == 2  # unwrapped body
