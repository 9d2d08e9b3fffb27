"""The one-pass decoder at the branches of its generated code that no current model reaches
(a required amount, a default that is not ``None``, a ``from_`` field in a mirrored model),
at the ones few bodies reach (a post-init hook, a required nested model, a two-level
envelope), and where a route's ``normalize`` must not be skipped. Each body is decoded by
the fast path and the detailed one: the same answer, or the fast path gives up."""

from __future__ import annotations

import gc
import json
from decimal import Decimal
from typing import Any

import attrs
import pytest

from blaaiz_async import core
from blaaiz_async.errors import MalformedResponseError
from blaaiz_async.models.base import Model, Money, model
from blaaiz_async.models.converter import fast_converter, loads, typed_decoder
from blaaiz_async.routes import ROUTES, Route, route
from blaaiz_async.routes.base import page_route
from blaaiz_async.scopes import Scope
from blaaiz_async.transport import HTTPResponse

from .test_fast_structuring import same
from .test_typed_decoding import detailed, shape


@model
class Leg(Model):
    from_: str | None = None  # "from" on the wire, mirrored as a plain field
    to: str | None = None


@model
class Probe(Model):
    """One field of each kind the mirror builds differently."""

    ref: str  # plain, required
    note: str | None  # plain, required but nullable
    amount: Money  # any JSON value through the hook, required
    kind: str = "standard"  # through the hook, a default that is not None
    tags: list[str] = attrs.field(factory=list)  # through the hook, a factory default
    leg: Leg  # a nested model, required
    payload: Any  # any JSON value, required: null is a value, absent is not
    home: Leg = attrs.field(factory=Leg)  # a nested model with a factory default
    back: Leg | None = None  # a nested model, optional
    from_: Money | None = None  # renamed, through the hook
    label: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.label is None:
            object.__setattr__(self, "label", f"{self.ref}:{self.kind}")


PROBE = route("probe.get", "GET", "/probe", Probe, scopes=[Scope.WALLET_READ])
PROBES = route("probe.list", "GET", "/probes", list[Probe], scopes=[Scope.WALLET_READ])

BASE: dict[str, Any] = {
    "ref": "r1", "note": None, "amount": "10.50", "leg": {"from": "NG"}, "payload": {"k": [1.5]},
}  # fmt: skip


def fast(r: Route[Any], raw: bytes) -> Any:
    decode = typed_decoder(r.response, r.envelope, r.paginated)
    assert decode is not None
    try:
        return shape(decode(raw))
    except Exception:
        return "gave up"


def through_decode(r: Route[Any], raw: bytes) -> Any:
    try:
        return shape(core.decode(r, HTTPResponse(200, {}, raw)))
    except MalformedResponseError:
        return "refused"


def raw_of(payload: Any) -> bytes:
    return json.dumps({"data": payload}).encode()


def test_a_well_formed_probe_takes_the_fast_path_with_every_field_as_the_detailed_path() -> None:
    raw = raw_of(BASE)
    assert fast(PROBE, raw) == detailed(PROBE, raw) != "refused"
    probe = core.decode(PROBE, HTTPResponse(200, {}, raw))
    assert probe.leg.from_ == "NG" and probe.amount == Decimal("10.50")
    assert (probe.kind, probe.tags, probe.label) == ("standard", [], "r1:standard")
    assert probe.home == Leg() and probe.payload == {"k": [Decimal("1.5")]}


@pytest.mark.parametrize(
    "change",
    [
        {"amount": None},  # a required amount given as null
        {"amount": "NaN"},
        {"amount": 1e5},  # json writes 100000.0
        {"amount": " 7 "},
        {"kind": None},  # a defaulted field given as null
        {"kind": 5},
        {"tags": None},  # a list field given as null
        {"tags": ["a", 1]},
        {"leg": None},  # a required nested model given as null
        {"leg": {}},
        {"leg": {"from": "NG", "from_": "x"}},  # the Python name on the wire is unknown
        {"leg": {"From": "NG"}},
        {"back": None},
        {"back": {"to": 3}},
        {"from": "12.5"},
        {"from": None},
        {"from_": "12.5"},
        {"label": "set"},
        {"note": 5},
        {"ref": None},
        {"payload": None},
        {"home": None},
        {"home": {"to": "GH"}},
        {"extra": {"a": 1}},  # a key named like the model's own ``extra``
    ],
    ids=repr,
)
def test_a_changed_probe_decodes_alike(change: dict[str, Any]) -> None:
    raw = raw_of({**BASE, **change})
    slow = detailed(PROBE, raw)
    assert fast(PROBE, raw) in ("gave up", slow)
    assert through_decode(PROBE, raw) == slow
    many = raw_of([BASE, {**BASE, **change}])
    assert fast(PROBES, many) in ("gave up", detailed(PROBES, many))
    assert through_decode(PROBES, many) == detailed(PROBES, many)


@pytest.mark.parametrize(
    "missing", ["ref", "note", "amount", "kind", "tags", "leg", "back", "payload", "home"]
)
def test_a_probe_without_a_field_decodes_alike(missing: str) -> None:
    raw = raw_of({k: v for k, v in BASE.items() if k != missing})
    slow = detailed(PROBE, raw)
    assert fast(PROBE, raw) in ("gave up", slow)
    assert through_decode(PROBE, raw) == slow
    if missing in ("ref", "note", "amount", "leg", "payload"):  # required: refused on both paths
        assert slow == "refused"


def test_the_post_init_hook_runs_on_the_fast_path() -> None:
    r = ROUTES["collections.create"]
    raw = b'{"message": "ok", "data": {"id": "c1", "transaction_id": "t1"}}'
    assert fast(r, raw) == detailed(r, raw) != "refused"
    assert core.decode(r, HTTPResponse(200, {}, raw)).transaction_id == "t1"


def test_a_release_without_its_release_is_refused_on_both_paths() -> None:
    r = ROUTES["signa_id.get_release"]
    raw = b'{"data": {"release": null}}'
    assert detailed(r, raw) == "refused"
    assert fast(r, raw) == "gave up"


def test_a_two_level_envelope_is_followed_to_the_end() -> None:
    r = ROUTES["collections.crypto_networks"]
    assert r.envelope == ("data", "data")
    raw = b'{"data": {"data": [{"id": "n1"}]}}'
    fast_answer = fast(r, raw)
    assert fast_answer == detailed(r, raw) != "refused"
    assert fast_answer != "gave up"
    assert fast(r, b'{"data": [{"id": "n1"}]}') == "gave up"


@pytest.mark.parametrize(
    ("name", "body"),
    [
        # the root's file_id is folded into data by presign_body: not at the root's mercy
        ("files.get_presigned_url", {"expires_at": "root", "data": {"file_id": "f1"}}),
        ("customers.get_beneficiary", {"data": {"id": "b1"}}),
        ("virtual_bank_accounts.list", {"data": {"id": "v1"}}),
    ],
)
def test_a_route_that_normalizes_its_body_never_skips_it(name: str, body: Any) -> None:
    r = ROUTES[name]
    assert r.normalize is not None
    raw = json.dumps(body).encode()
    assert through_decode(r, raw) == detailed(r, raw) != "refused"


def test_a_body_after_a_byte_order_mark_is_the_same_answer() -> None:
    r = ROUTES["wallets.list"]
    raw = b'{"data": [{"id": "w1", "amount": 1E+5}]}'
    plain = through_decode(r, raw)
    assert plain != "refused"
    assert through_decode(r, b"\xef\xbb\xbf" + raw) == plain


def test_a_page_under_a_two_level_envelope_takes_meta_and_links_from_the_root() -> None:
    r = page_route(
        "probe.pages", "GET", "/pages", Leg, scopes=[Scope.WALLET_READ], envelope=("result", "data")
    )
    raw = json.dumps(
        {
            "result": {"data": [{"to": "NG"}], "meta": {"current_page": 9}},
            "meta": {"current_page": 2, "from": 3},
            "links": {"next": "https://x/?page=3"},
        }
    ).encode()
    fast_answer = fast(r, raw)
    assert fast_answer == detailed(r, raw) != "refused"
    page = core.decode(r, HTTPResponse(200, {}, raw))
    assert page.meta is not None and (page.meta.current_page, page.meta.from_) == (2, 3)


@pytest.mark.parametrize("missing", ["home", "tags", "kind"])
def test_a_default_is_taken_as_it_is_on_every_path(missing: str) -> None:
    """A field left out gets the model's default, which is not structured again (a nested
    model made by its factory is no mapping): the same as cattrs' own structuring."""
    data = {k: v for k, v in loads(raw_of(BASE))["data"].items() if k != missing}
    same(data, Probe)
    probe = fast_converter.structure(data, Probe)
    assert (probe.home, probe.tags, probe.kind) == (Leg(), [], "standard")


@pytest.mark.parametrize("change", [{"note": None}, {"back": None}, {"from": None}, {}], ids=repr)
def test_a_null_the_model_allows_takes_the_fast_path(change: dict[str, Any]) -> None:
    raw = raw_of({**BASE, **change})
    assert fast(PROBE, raw) == detailed(PROBE, raw) != "gave up"


@pytest.mark.parametrize("good", [True, False])
def test_the_collector_runs_again_after_a_large_body(good: bool) -> None:
    """A body over the fast path's size is decoded with the collector paused: it is
    resumed after, whether the body was an answer or not."""
    r = ROUTES["wallets.list"]
    item = {"id": "w" * 100, "currency": "NGN", "amount": "1.50"}
    body = json.dumps({"data": [item] * 3000}).encode()
    raw = body if good else body[:-1]
    assert len(raw) > core.FAST_PATH_MAX and gc.isenabled()
    assert (through_decode(r, raw) != "refused") is good
    assert gc.isenabled()
