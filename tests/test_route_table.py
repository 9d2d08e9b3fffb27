"""The route table against the project's own endpoint list, the docs, the sandbox, the client
and the tests: nothing declared once may silently go missing anywhere else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.docs import render
from blaaiz_async.routes import ROUTES
from blaaiz_async.sandbox.handlers import load_all

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = Path(__file__).parent / "data" / "endpoints.tsv"


def endpoint_list() -> list[tuple[str, str, frozenset[str]]]:
    rows = []
    for line in ENDPOINTS.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        _n, _ref, verb, path, scopes, _retry = line.split("\t")
        rows.append((verb, path, frozenset() if scopes == "-" else frozenset(scopes.split())))
    return rows


def declared() -> list[tuple[str, str, frozenset[str]]]:
    return [
        (r.method, re.sub(r"\{\w+\}", "{}", r.path), frozenset(str(s) for s in r.scopes))
        for r in ROUTES.values()
    ]


def test_endpoint_list_has_every_reference_endpoint() -> None:
    assert len(endpoint_list()) == 70


def test_route_table_matches_the_endpoint_list() -> None:
    expected, actual = sorted(endpoint_list()), sorted(declared())
    missing = [e for e in expected if e not in actual]
    unexpected = [a for a in actual if a not in expected]
    assert not missing, f"endpoints without a (correct) route: {missing}"
    assert not unexpected, f"routes not in the endpoint list: {unexpected}"


def test_docs_are_current() -> None:
    docs = ROOT / "docs" / "endpoints.md"
    assert docs.read_text() == render(), "docs/endpoints.md is stale: run `make endpoints`"


def test_every_route_has_a_sandbox_handler() -> None:
    handlers = load_all()
    assert sorted(set(ROUTES) - set(handlers)) == []
    assert sorted(set(handlers) - set(ROUTES)) == []


def test_every_route_has_a_client_method() -> None:
    client = BlaaizClient(client_id="id", client_secret="secret")
    for name in ROUTES:
        resource, method = name.split(".")
        assert callable(getattr(getattr(client, resource), method)), name


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_every_route_is_exercised_by_a_test(name: str) -> None:
    resource, method = name.split(".")
    pattern = re.compile(rf"\.{resource}\.{method}\(")
    sources = [p.read_text() for p in Path(__file__).parent.glob("test_*.py")]
    assert any(pattern.search(s) for s in sources), f"no test calls client.{name}(...)"
