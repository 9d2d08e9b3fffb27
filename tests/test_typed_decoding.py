"""The one-pass decoder (``models.typed``) against the detailed path: for any body, it gives
the detailed path's model (fields, types and ``extra``) or gives up, never another answer."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blaaiz_async import core
from blaaiz_async.models import Wallet
from blaaiz_async.models.base import Model
from blaaiz_async.models.converter import loads, typed_decoder
from blaaiz_async.models.pagination import Page
from blaaiz_async.routes import ROUTES, Route, route
from blaaiz_async.scopes import Scope
from blaaiz_async.transport import HTTPResponse

from .test_fast_structuring import MODELS, SCALARS

DATA = Path(__file__).parent / "data"


def shape(value: Any) -> Any:
    """A value with everything that tells two results apart: types, ``extra``, items."""
    if isinstance(value, Page):
        return ("page", shape(value.items), shape(value.meta), shape(value.links))
    if isinstance(value, Model):
        fields = {a.name: shape(getattr(value, a.name)) for a in attrs.fields(type(value))}
        return (type(value).__name__, fields)
    if isinstance(value, list):
        return [shape(v) for v in value]
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return (type(value).__name__, repr(value))


def detailed(r: Route[Any], raw: bytes) -> Any:
    try:
        return shape(core.parse_response(r, loads(raw)))
    except Exception:
        return "refused"


def typed(r: Route[Any], raw: bytes) -> Any:
    decode = typed_decoder(r.response, r.envelope, r.paginated)
    assert decode is not None
    try:
        return shape(decode(raw))
    except Exception:
        return "gave up"


def agree(r: Route[Any], raw: bytes) -> None:
    fast = typed(r, raw)
    if fast != "gave up":
        assert fast == detailed(r, raw), raw[:300]


def example_bodies() -> list[tuple[str, bytes]]:
    found = []
    for path in sorted(DATA.glob("*.json")):
        for name, body in json.loads(path.read_text()).items():
            r = ROUTES.get(name)
            if r is None or r.response is None or r.normalize is not None:
                continue
            if typed_decoder(r.response, r.envelope, r.paginated) is not None:
                found.append((name, json.dumps(body).encode()))
                found.append((name + " (known keys)", json.dumps(_known(body)).encode()))
    return found


def _known(body: Any) -> Any:
    """The example without the keys it carries to show that extras are kept."""
    if isinstance(body, dict):
        return {k: _known(v) for k, v in body.items() if k != "unknown_field"}
    if isinstance(body, list):
        return [_known(v) for v in body]
    return body


EXAMPLES = example_bodies()


def test_most_example_bodies_take_the_fast_path() -> None:
    taken = [n for n, raw in EXAMPLES if typed(ROUTES[n.split()[0]], raw) != "gave up"]
    assert len(EXAMPLES) >= 20 and len(taken) >= len(EXAMPLES) // 2, (len(taken), len(EXAMPLES))


@pytest.mark.parametrize(("name", "raw"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_every_example_body_decodes_alike(name: str, raw: bytes) -> None:
    agree(ROUTES[name.split()[0]], raw)  # keys kept in extra make it give up


WALLETS = ROUTES["wallets.list"]


@pytest.mark.parametrize(
    "body",
    [
        {"data": [{"id": "w1", "tier": "gold"}]},  # an unknown key: kept in extra
        {"data": [{"id": 12345, "is_active": 1}]},  # converted by the hooks
        {"data": [{"id": "w1", "amount": "1E+41"}]},  # out of range
        {"data": [{"id": "w1", "amount": 1e400}]},
        {"data": [{"currency": "NGN"}]},  # no id
        {"data": {"id": "w1"}},  # an object where a list belongs
        {"data": None},
        {"message": "no data"},
    ],
    ids=repr,
)
def test_what_the_fast_path_does_not_take_as_it_is_goes_the_detailed_way(
    body: dict[str, Any],
) -> None:
    raw = json.dumps(body).encode()
    assert typed(WALLETS, raw) == "gave up"
    response = HTTPResponse(200, {}, raw)
    try:
        via_decode: Any = shape(core.decode(WALLETS, response))
    except Exception:
        via_decode = "refused"
    assert via_decode == detailed(WALLETS, raw)


def test_an_unknown_key_still_reaches_extra_through_decode() -> None:
    raw = b'{"data": [{"id": "w1", "tier": "gold"}]}'
    [wallet] = core.decode(WALLETS, HTTPResponse(200, {}, raw))
    assert wallet.extra == {"tier": "gold"}


def test_amounts_stay_exact() -> None:
    raw = b'{"data": [{"id": "w1", "amount": 12345678901234567890.12, "balance": "0.10"}]}'
    [wallet] = typed_decoder(WALLETS.response, WALLETS.envelope, False)(raw)  # type: ignore[misc]
    assert wallet.amount == Decimal("12345678901234567890.12") and type(wallet.amount) is Decimal
    assert wallet.balance == Decimal("0.10")


def test_a_page_carries_its_meta_and_links() -> None:
    r = ROUTES["transactions.list"]
    body = {
        "data": [{"id": "t1"}],
        "meta": {"current_page": 1, "last_page": 3},
        "links": {"next": "https://x/?page=2"},
    }
    raw = json.dumps(body).encode()
    assert typed(r, raw) == detailed(r, raw) != "refused"
    assert typed(r, json.dumps({**body, "meta": "odd"}).encode()) == detailed(
        r, json.dumps({**body, "meta": "odd"}).encode()
    )


def encode(value: Any) -> str:
    """JSON with Decimals written as numbers, at any size (orjson stops at 64-bit ints)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else json.dumps(str(value))
    return json.dumps(value)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_model_decodes_alike_from_any_values(data: st.DataObject) -> None:
    cls = data.draw(st.sampled_from(MODELS))
    names = [a.name.removesuffix("_") for a in attrs.fields(cls) if a.name != "extra"]
    item = data.draw(st.dictionaries(st.sampled_from([*names, "unknown"]), SCALARS, max_size=8))
    many = data.draw(st.booleans())
    r = route("probe", "GET", "/probe", list[cls] if many else cls, scopes=[Scope.WALLET_READ])  # type: ignore[valid-type]
    if typed_decoder(r.response, r.envelope, r.paginated) is None:
        return
    raw = encode({"data": [item] if many else item}).encode()
    agree(r, raw)


def test_a_wallet_body_takes_the_fast_path() -> None:
    raw = b'{"message": "ok", "data": [{"id": "w1", "currency": "NGN", "amount": 5.00}]}'
    assert typed(WALLETS, raw) == shape([Wallet(id="w1", currency="NGN", amount=Decimal("5.00"))])


def test_after_giving_up_a_shape_rests_then_is_tried_again() -> None:
    """A server that always sends an undeclared key must not pay two decodes a call."""
    fast = typed_decoder(WALLETS.response, WALLETS.envelope, False)
    assert fast is not None
    fast.resting = 0
    extra = HTTPResponse(200, {}, b'{"data": [{"id": "w1", "tier": "gold"}]}')
    plain = HTTPResponse(200, {}, b'{"data": [{"id": "w2"}]}')
    try:
        [kept] = core.decode(WALLETS, extra)
        assert kept.extra == {"tier": "gold"}
        assert fast.resting == core.REST_AFTER_GIVING_UP
        for _ in range(core.REST_AFTER_GIVING_UP):
            [wallet] = core.decode(WALLETS, plain)  # the detailed way, the same answer
            assert wallet.id == "w2" and wallet.extra == {}
        assert fast.resting == 0
        assert core.decode(WALLETS, plain)[0].id == "w2"  # tried again, and taken
        assert fast.resting == 0
    finally:
        fast.resting = 0
