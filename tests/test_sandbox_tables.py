"""The sandbox's data: typed tables on the state, one loader of path objects (``get_or_404``
raising ``NotFound``, answered with the API's 404 body), handler modules grouped as the
route table is."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from blaaiz_async import BlaaizClient, routes
from blaaiz_async.errors import NotFoundError
from blaaiz_async.models.converter import loads
from blaaiz_async.routes import ROUTES
from blaaiz_async.sandbox import Sandbox, handlers
from blaaiz_async.sandbox.handlers import load_all
from blaaiz_async.sandbox.inprocess import IN_PROCESS_URL
from blaaiz_async.sandbox.state import NotFound, SandboxState, Table
from blaaiz_async.transport import HTTPRequest


def test_a_table_finds_by_id_and_by_its_other_keys() -> None:
    table = Table("Transaction", also_by=("reference", "merchant_reference"))
    table["t1"] = {"id": "t1", "reference": "BLZ1", "merchant_reference": "order-1"}
    assert table.find("t1") is table.find("BLZ1") is table.find("order-1") is table["t1"]
    assert table.find("order-2") is None
    assert table.find(["t1"]) is None and table.find(None) is None  # any JSON value is a key


def test_get_or_404_raises_one_not_found_naming_the_record() -> None:
    table = Table("Owner")
    table["o1"] = {"id": "o1", "customer_id": "c1"}
    assert table.get_or_404("o1", customer_id="c1") is table["o1"]
    with pytest.raises(NotFound) as missing:
        table.get_or_404("o2")
    assert missing.value.message == "Owner not found" and missing.value.noun == "Owner"
    with pytest.raises(NotFound, match="Owner not found"):  # another customer's owner
        table.get_or_404("o1", customer_id="c2")


def test_where_selects_by_fields_in_insertion_order() -> None:
    table = Table("Refund")
    for n, tx in enumerate(("a", "b", "a")):
        table[f"r{n}"] = {"id": f"r{n}", "transaction_id": tx}
    assert [r["id"] for r in table.where(transaction_id="a")] == ["r0", "r2"]
    assert list(table.where(transaction_id="c")) == []
    table["r3"] = {"id": "r3", "transaction_id": "a", "status": "done"}
    assert [r["id"] for r in table.where(transaction_id="a", status="done")] == ["r3"]


def test_every_table_of_the_state_has_its_own_noun() -> None:
    state = SandboxState()
    tables = {name: t for name, t in vars(state).items() if isinstance(t, Table)}
    assert {"customers", "wallets", "transactions", "refunds", "kyc_sessions"} <= set(tables)
    nouns = [t.noun for t in tables.values()]
    assert len(set(nouns)) == len(nouns), nouns  # each message names one kind of record


async def test_a_missing_path_object_is_the_apis_404_body() -> None:
    sb = Sandbox()
    client_id, secret = sb.add_client()
    async with BlaaizClient(
        client_id=client_id, client_secret=secret, base_url=IN_PROCESS_URL,
        transport=sb.transport(), rate_limit=None,
    ) as client:  # fmt: skip
        for call, message in (
            (client.customers.get("no-such-customer"), "Customer not found"),
            (client.customers.update("no-such-customer", email="a@b.co"), "Customer not found"),
            (client.wallets.get("no-such-wallet"), "Wallet not found"),
            (client.refunds.get("no-such-refund"), "Refund not found"),
            (client.virtual_bank_accounts.get("no-such-vba"), "Virtual bank account not found"),
        ):
            with pytest.raises(NotFoundError) as info:
                await call
            assert info.value.status == 404
            assert info.value.body == {"status": False, "message": message}
    assert sb.count("customers.get", 404) == 1 and sb.count("customers.update", 404) == 1


async def test_a_404_on_a_limited_endpoint_still_carries_its_limit_headers() -> None:
    sb = Sandbox()
    client_id, secret = sb.add_client()
    status, body = sb.state.issue_token(
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert status == 200
    path = ROUTES["compliance.get_document"].path.format(session_id="nope", document_id="d")
    response = await sb.transport().send(
        HTTPRequest(
            "GET", IN_PROCESS_URL + path,
            {"Authorization": f"Bearer {body['access_token']}"}, b"", 5.0,
        )
    )  # fmt: skip
    assert response.status == 404
    assert loads(response.body) == {"status": False, "message": "Session not found"}
    assert response.headers["X-RateLimit-Limit"] == "30"


def _route_groups() -> dict[str, str]:
    """Route name -> the module of ``blaaiz_async.routes`` that declares it."""
    found = {}
    for info in pkgutil.iter_modules(routes.__path__):
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, routes.Route):
                found[value.name] = info.name
    return found


def test_handler_modules_are_grouped_as_the_route_modules() -> None:
    groups = _route_groups()
    placed = {name: fn.__module__.rsplit(".", 1)[1] for name, fn in load_all().items()}
    assert {n: m for n, m in placed.items() if groups[n] != m} == {}
    handler_modules = {info.name for info in pkgutil.iter_modules(handlers.__path__)}
    assert handler_modules == set(groups.values())  # no module of its own grouping
