"""The public names import from where the docs say, and ``__all__`` is complete and sorted."""

from __future__ import annotations

import importlib

import pytest

CONTRACT = {
    "blaaiz_async": ["BlaaizClient", "Environment", "RateLimit", "Scope", "ScopeBundle"],
    "blaaiz_async.auth": [
        "AccessToken",
        "FileTokenStore",
        "MemoryTokenStore",
        "RedisTokenStore",
        "TokenProvider",
        "TokenStore",
    ],
    "blaaiz_async.limits": [
        "FileRateBudget",
        "MemoryRateBudget",
        "RateBudget",
        "RateLimit",
        "RedisRateBudget",
        "budget_for",
    ],
    "blaaiz_async.errors": [
        "APIConnectionError",
        "APIStatusError",
        "AuthenticationError",
        "BlaaizError",
        "InsufficientScopeError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
        "ServerError",
        "TokenError",
        "ValidationError",
        "WebhookVerificationError",
    ],
    "blaaiz_async.sandbox": ["Sandbox"],
    "blaaiz_async.webhooks": [
        "MemoryReplayGuard",
        "RedisReplayGuard",
        "WebhookEvent",
        "WebhookReceiver",
        "WebhookVerificationError",
        "construct_event",
        "verify_signature",
    ],
    "blaaiz_async.integrations.fastapi": ["Blaaiz"],
    "blaaiz_async.testing": ["blaaiz_sandbox"],
    "blaaiz_async.telemetry": [
        "Hooks",
        "OutcomeUnknown",
        "RateLimitWaited",
        "RequestSent",
        "ResponseReceived",
        "RetryScheduled",
        "TokenFetched",
        "TokenInvalidated",
        "TokenRefreshed",
    ],
}


@pytest.mark.parametrize(("module", "names"), sorted(CONTRACT.items()))
def test_contract_names_import(module: str, names: list[str]) -> None:
    mod = importlib.import_module(module)
    for name in names:
        assert getattr(mod, name) is not None, f"{module}.{name}"


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


@pytest.mark.parametrize(
    "module",
    [
        "blaaiz_async",
        "blaaiz_async.auth",
        "blaaiz_async.errors",
        "blaaiz_async.models",
        "blaaiz_async.webhooks",
        "blaaiz_async.integrations.fastapi",
        "blaaiz_async.limits",
        "blaaiz_async.models",
        "blaaiz_async.telemetry",
    ],
)
def test_all_is_complete_and_sorted(module: str) -> None:
    mod = importlib.import_module(module)
    exported = list(mod.__all__)
    assert exported == sorted(exported, key=_isort_key), f"{module}.__all__ is not sorted"
    for name in exported:
        assert hasattr(mod, name), f"{module}.__all__ names missing {name}"


def test_resources_hang_off_the_client() -> None:
    from blaaiz_async import BlaaizClient

    client = BlaaizClient(client_id="id", client_secret="secret")
    names = ["wallets", "currencies", "banks", "customers", "virtual_bank_accounts"]
    names += ["collections", "payouts", "swaps", "rates", "refunds", "transactions", "fees"]
    names += ["files", "webhooks", "momo_operators", "compliance"]
    for name in names:
        assert hasattr(client, name), name
