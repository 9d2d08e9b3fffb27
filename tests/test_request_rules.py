"""The request rules as one package: every body checked against its declaration, the path
parameters checked in one place, the closed sets typed once. No sockets: a ``MockTransport``
records that nothing was sent."""

from __future__ import annotations

import inspect
import pkgutil
from pathlib import Path
from typing import Any, Literal, get_args

import pytest

import blaaiz_async.routes
import blaaiz_async.rules
from blaaiz_async import BlaaizClient
from blaaiz_async.errors import UnknownFieldError, ValidationError
from blaaiz_async.models import (
    AmountType,
    CollectionMethod,
    CryptoToken,
    CustomerType,
    DocumentContentType,
    FileCategory,
    FulfilmentMode,
    IdDocType,
    IdType,
    OwnerFileCategory,
    ReleaseScope,
    Requirement,
)
from blaaiz_async.models import collections as collection_models
from blaaiz_async.models import compliance as compliance_models
from blaaiz_async.models import customers as customer_models
from blaaiz_async.models import files as file_models
from blaaiz_async.models import swaps as swap_models
from blaaiz_async.resources.base import Resource
from blaaiz_async.routes import ROUTES
from blaaiz_async.rules.base import choices
from blaaiz_async.testing import HTTPRequest, HTTPResponse, MockTransport

PACKAGE = Path(blaaiz_async.rules.__file__).parent.parent


def offline() -> tuple[BlaaizClient, MockTransport]:
    def answer(request: HTTPRequest) -> HTTPResponse:  # pragma: no cover - never reached
        raise AssertionError(f"sent {request.method} {request.url}")

    transport = MockTransport(answer)
    client = BlaaizClient(
        client_id="c", client_secret="s", base_url="https://api.test", transport=transport
    )
    return client, transport


def public_methods() -> list[tuple[str, str]]:
    client, _ = offline()
    return sorted(
        (name, method)
        for name, resource in vars(client).items()
        if isinstance(resource, Resource)
        for method, _ in inspect.getmembers(type(resource), inspect.isfunction)
        if not method.startswith("_")
    )


async def invoke(client: BlaaizClient, name: str, method: str, **kwargs: Any) -> None:
    """Call ``client.name.method`` with ``"x"`` for each required parameter."""
    function = getattr(getattr(client, name), method)
    required = [
        p
        for p in inspect.signature(function).parameters.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    positional = [p for p in required if p.kind is not p.KEYWORD_ONLY]
    keywords = {p.name: "x" for p in required if p.kind is p.KEYWORD_ONLY}
    result = function(*["x"] * len(positional), **keywords, **kwargs)
    if inspect.isasyncgen(result):
        async for _ in result:  # pragma: no cover - refused before the first page
            pass
    else:
        await result


# -- one mechanism for every body ------------------------------------------------------------


def takes_fields(name: str, method: str) -> bool:
    client, _ = offline()
    function = getattr(getattr(client, name), method)
    kinds = [p.kind for p in inspect.signature(function).parameters.values()]
    return inspect.Parameter.VAR_KEYWORD in kinds


FIELD_METHODS = [m for m in public_methods() if takes_fields(*m)]


def test_the_table_holds_every_kind_of_request_method() -> None:
    expected = {
        ("payouts", "create"),  # keywords only
        ("customers", "create"),  # keywords or one value
        ("customers", "update"),  # a path id, then keywords or one value
        ("customers", "iter"),  # filters of a walk over pages
        ("transactions", "list"),  # a JSON body of filters
        ("webhooks", "update"),  # None clears, left out keeps
        ("virtual_bank_accounts", "get_identification_type"),  # a query
    }
    assert expected <= set(FIELD_METHODS)


@pytest.mark.parametrize("value", [1, None], ids=["a value", "None"])
@pytest.mark.parametrize(("name", "method"), FIELD_METHODS)
async def test_a_misspelt_keyword_is_refused_before_sending(
    name: str, method: str, value: object
) -> None:
    """None too: ``webhooks.update(colection_url=None)`` meant to clear a URL."""
    client, transport = offline()
    with pytest.raises(UnknownFieldError) as info:
        await invoke(client, name, method, zz_typo=value)
    assert info.value.field == "zz_typo"
    assert transport.requests == []


# -- path parameters: one check --------------------------------------------------------------

WITH_PARAMS = sorted(name for name, route in ROUTES.items() if route.params)


@pytest.mark.parametrize("name", WITH_PARAMS)
@pytest.mark.parametrize("bad", ["", "   ", ".", "..", " .. ", "\t.\n", None])
def test_every_path_parameter_is_checked(name: str, bad: str | None) -> None:
    route = ROUTES[name]
    for param in route.params:
        values: dict[str, Any] = {p: "ok" for p in route.params}
        values[param] = bad
        with pytest.raises(ValidationError) as info:
            route.format_path(values)
        assert info.value.field == param and name in info.value.message


ID_METHODS = [
    ("wallets", "get"),
    ("transactions", "get"),
    ("refunds", "get"),
    ("customers", "get"),
    ("customers", "delete_document"),
    ("virtual_bank_accounts", "close"),
    ("compliance", "get_session"),
    ("compliance", "get_document"),
    ("signa_id", "get_release"),
    ("signa_id", "get_release_document"),
]


@pytest.mark.parametrize(("name", "method"), ID_METHODS)
async def test_an_empty_id_is_refused_before_any_request(name: str, method: str) -> None:
    client, transport = offline()
    function = getattr(getattr(client, name), method)
    count = sum(
        p.kind is p.POSITIONAL_OR_KEYWORD for p in inspect.signature(function).parameters.values()
    )
    for empty in range(count):
        ids = ["x"] * count
        ids[empty] = ""
        with pytest.raises(ValidationError, match="path parameter cannot be empty"):
            await function(*ids)
    assert transport.requests == []  # not even the token request


def test_no_resource_repeats_the_path_check() -> None:
    offenders = [
        path.name
        for path in (PACKAGE / "resources").glob("*.py")
        if "require_ids" in path.read_text() or "path parameter" in path.read_text()
    ]
    assert offenders == []


# -- one package of rules, mirroring the routes ---------------------------------------------


def module_names(package: Any) -> set[str]:
    return {info.name for info in pkgutil.iter_modules(package.__path__)}


def test_rule_modules_are_named_like_route_modules() -> None:
    rules = module_names(blaaiz_async.rules) - {"base"}
    assert rules and rules <= module_names(blaaiz_async.routes)


def test_patterns_live_in_the_rules() -> None:
    """Resources and request models hold no pattern of their own: a rule is written once."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for folder in ("resources", "models")
        for path in (PACKAGE / folder).glob("*.py")
        if "re.compile(" in path.read_text()
    ]
    assert offenders == []


# -- closed sets: each typed once, checked from the type -------------------------------------

CLOSED_SETS: list[tuple[Any, type]] = [
    (customer_models.CustomerTypeName, CustomerType),
    (customer_models.IdTypeName, IdType),
    (customer_models.OwnerFileCategoryName, OwnerFileCategory),
    (file_models.FileCategoryName, FileCategory),
    (swap_models.AmountTypeName, AmountType),
    (collection_models.CollectionMethodName, CollectionMethod),
    (collection_models.CryptoTokenName, CryptoToken),
    (compliance_models.RequirementName, Requirement),
    (compliance_models.FulfilmentModeName, FulfilmentMode),
    (compliance_models.IdDocTypeName, IdDocType),
    (compliance_models.DocumentContentTypeName, DocumentContentType),
    (compliance_models.ReleaseScopeName, ReleaseScope),
]


@pytest.mark.parametrize(("literal", "enum"), CLOSED_SETS)
def test_each_literal_spells_its_enum(literal: Any, enum: type) -> None:
    assert set(get_args(literal)) == {m.value for m in enum}  # type: ignore[attr-defined]


def test_choices_are_read_from_the_type() -> None:
    assert choices(Literal["a", "b"] | None) == ("a", "b")
    assert choices(CryptoToken | Literal["USDT"]) == ("USDT", "USDC")
    assert choices(str | None) == ()
    assert choices(CryptoToken | str) == ()  # open: any string goes


async def test_a_value_outside_a_closed_set_is_refused_with_the_allowed_ones() -> None:
    client, transport = offline()
    with pytest.raises(ValidationError, match="from, to") as info:
        await client.swaps.create(
            from_business_wallet_id="a",
            to_business_wallet_id="b",
            amount=1,
            amount_type="form",  # type: ignore[typeddict-item]
        )
    assert info.value.field == "amount_type" and transport.requests == []
