"""Misuse of the SDK is a typed error whose message says the fix.

Each error stays an instance of the builtin it replaced (``ValueError``, ``TypeError``),
so code that caught those keeps working. Pure: no sockets.
"""

from __future__ import annotations

import re
import warnings

import pytest
import yarl

from blaaiz_async.config import (
    ALLOW_INSECURE_HTTP_ENV,
    ConfigurationError,
    Environment,
    resolve_base_url,
)
from blaaiz_async.errors import ArgumentTypeError, InsecureTransportWarning, InvalidArgumentError
from blaaiz_async.routes import ROUTES, find_route, normal_method, normal_path
from blaaiz_async.scopes import Scope, ScopeBundle, parse_scopes


@pytest.mark.parametrize(
    ("scopes", "message"),
    [
        ("wallet:raed", "'wallet:raed' (did you mean 'wallet:read'?)"),
        ("read-onyl", "'read-onyl' (did you mean 'read-only'?)"),
        (["payout:create", "payouts:craete"], "'payouts:craete' (did you mean 'payout:create'?)"),
        ("wallet:read zzzz", "unknown scope(s): 'zzzz';"),
    ],
)
def test_an_unknown_scope_is_a_configuration_error_with_the_closest_name(
    scopes: str | list[str], message: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_scopes(scopes)
    assert isinstance(info.value, ValueError)
    assert message in str(info.value)
    assert "blaaiz-async scopes" in str(info.value)


def test_known_scopes_and_bundles_still_parse() -> None:
    assert parse_scopes("wallet:read read-only") == ScopeBundle.READ_ONLY.scopes
    assert parse_scopes([Scope.PAYOUT_CREATE]) == {Scope.PAYOUT_CREATE}


# -- client.request: method and path ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "normal"), [("get", "GET"), ("Post", "POST"), ("PATCH", "PATCH")]
)
def test_known_methods_are_upper_cased(method: str, normal: str) -> None:
    assert normal_method(method) == normal


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ("GTE", "unknown HTTP method 'GTE' (did you mean 'GET'?)"),
        ("PSOT", "did you mean 'POST'?"),
        ("GE T", "unknown HTTP method 'GE T'"),
        ("", "unknown HTTP method ''"),
    ],
)
def test_an_unknown_method_is_an_invalid_argument(method: str, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(message)) as info:
        normal_method(method)
    assert isinstance(info.value, ValueError) and info.value.field == "method"


@pytest.mark.parametrize("scopes", [5, [5], b"wallet:read", ["wallet:read", None], {1: 2}])
def test_scopes_of_the_wrong_type_are_an_argument_type_error(scopes: object) -> None:
    with pytest.raises(ArgumentTypeError, match="scopes must be a Scope") as info:
        parse_scopes(scopes)  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize(("name", "value"), [("method", 5), ("path", None), ("path", b"/x")])
def test_a_method_or_path_of_the_wrong_type_is_an_argument_type_error(
    name: str, value: object
) -> None:
    check = normal_method if name == "method" else normal_path
    with pytest.raises(ArgumentTypeError, match=f"{name} must be a string") as info:
        check(value)
    assert isinstance(info.value, TypeError) and info.value.field == name


PAYOUT = ROUTES["payouts.create"]

# Paths that a URL library or server turns into the payout route.
BYPASSES = [
    "/api/external/./payout",
    "/api/external/x/../payout",
    "/api/external/wallet/../payout",
    "/api/external//payout",
    "//api/external/payout",
    "/api/external/payout/",
    "/api/external/payout//",
    "/api/external/%70ayout",
    "/api/external/pay%6Fut",
    "/api/external/%2e/payout",
    "/api/external/%2E%2E/external/payout",
    "/api/external%2Fpayout",
    "/api/external%2fpayout",
    "/api/external%5Cpayout",
    "/api/external\\payout",
    "/api/external/payout%",
    "/api/external/payout#x",
    "/api/external/ payout",
    "/api/external/payout\t",
    "/api/external/pay\u200bout",
]


@pytest.mark.parametrize("path", BYPASSES)
def test_a_path_that_normalises_to_a_route_is_refused_or_guarded_as_that_route(path: str) -> None:
    try:
        normal = normal_path(path)
    except InvalidArgumentError as exc:
        assert exc.field == "path" and "not in normal form" in str(exc)
        return
    assert find_route("POST", normal) is PAYOUT


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        ("/api/external/payout", "/api/external/payout"),
        ("api/external/payout", "/api/external/payout"),
        ("/api/external/wallet?currency=NGN&x=%2F", "/api/external/wallet?currency=NGN&x=%2F"),
        ("/api/external/wallet/a%20b", "/api/external/wallet/a%20b"),
        ("/api/external/wallet/a%3Fb", "/api/external/wallet/a%3Fb"),
        ("/api/external/wallet/id:1@x", "/api/external/wallet/id:1@x"),
    ],
)
def test_paths_in_normal_form_are_sent_as_written(path: str, normal: str) -> None:
    assert normal_path(path) == normal
    # ... byte for byte: what the guard checked is what goes on the wire.
    assert yarl.URL("http://127.0.0.1" + normal).raw_path == normal.partition("?")[0]


# -- base_url ----------------------------------------------------------------------------------

PROD, DEV = Environment.PRODUCTION, Environment.DEVELOPMENT


@pytest.mark.parametrize(
    "url",
    [
        "https://admin:hunter2@api-prod.blaaiz.com",
        "http://admin:hunter2@127.0.0.1:8000",
        "https://hunter2@api-dev.blaaiz.com",
        "https://admin:hunter2@[::1]:8443/x",
        "https://admin:hun/ter2@api-dev.blaaiz.com",
        "admin:hunter2@api-dev.blaaiz.com",
        "https://api-dev.blaaiz.com:hunter2",
    ],
)
def test_credentials_in_base_url_are_refused_without_showing_them(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_base_url(url, DEV)
    assert "hunter2" not in str(info.value) and "hunter2" not in repr(info.value)


@pytest.mark.parametrize(
    ("url", "environment", "allow", "outcome"),
    [
        ("https://api-prod.blaaiz.com", PROD, None, "ok"),
        ("http://127.0.0.1:8000", PROD, None, "ok"),
        ("http://127.8.9.10", PROD, None, "ok"),
        ("http://localhost:8000/", PROD, None, "ok"),
        ("http://[::1]:8000", DEV, None, "ok"),
        ("http://api-dev.blaaiz.com", DEV, None, "warn"),
        ("http://10.0.0.5:8080", DEV, None, "warn"),
        ("http://localhost.evil.example", DEV, None, "warn"),
        ("http://128.0.0.1", DEV, None, "warn"),
        ("http://api-prod.blaaiz.com", PROD, None, "refuse"),
        ("http://10.0.0.5:8080", PROD, "0", "refuse"),
        ("http://10.0.0.5:8080", PROD, "1", "warn"),
        ("ftp://api-prod.blaaiz.com", DEV, None, "refuse"),
        ("https://api-dev.blaaiz.com:port", DEV, None, "refuse"),
    ],
)
def test_plain_http_is_fine_on_loopback_warned_elsewhere_refused_in_production(
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    environment: Environment,
    allow: str | None,
    outcome: str,
) -> None:
    monkeypatch.delenv("BLAAIZ_BASE_URL", raising=False)
    if allow is None:
        monkeypatch.delenv(ALLOW_INSECURE_HTTP_ENV, raising=False)
    else:
        monkeypatch.setenv(ALLOW_INSECURE_HTTP_ENV, allow)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if outcome == "refuse":
            with pytest.raises(ConfigurationError):
                resolve_base_url(url, environment)
        else:
            assert resolve_base_url(url, environment) == url.rstrip("/")
    insecure = [w for w in caught if issubclass(w.category, InsecureTransportWarning)]
    assert len(insecure) == (1 if outcome == "warn" else 0)
    assert issubclass(InsecureTransportWarning, UserWarning)
