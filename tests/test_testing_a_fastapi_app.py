"""Testing a FastAPI app that owns its ``BlaaizClient`` with the pytest plugin: the example
of ``docs/testing.md``, run on ``examples/fastapi_app.py``.

The app makes its client in its lifespan, from ``BLAAIZ_*`` variables, on the event loop
FastAPI's ``TestClient`` runs it on. The plugin's ``blaaiz_sandbox`` runs on a thread of
its own, so it answers while the test (synchronous here) waits for the app; the tests set
the variables to point at it, then drive the app and look at what the sandbox saw.
"""

import contextlib
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from blaaiz_async.sandbox import Sandbox
from blaaiz_async.testing import SandboxFactory
from blaaiz_async.webhooks import sign_headers

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "fastapi_app.py"


@contextlib.contextmanager
def serve_example(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, *, scopes: object = None
) -> Iterator[TestClient]:
    """The example app, configured for ``sandbox`` with a credential holding ``scopes``,
    served by a ``TestClient`` (lifespan run: one client for the app, closed at the end)."""
    client_id, client_secret = sandbox.add_client(scopes)  # type: ignore[arg-type]
    monkeypatch.setenv("BLAAIZ_BASE_URL", sandbox.url)
    monkeypatch.setenv("BLAAIZ_CLIENT_ID", client_id)
    monkeypatch.setenv("BLAAIZ_CLIENT_SECRET", client_secret)
    monkeypatch.setenv("BLAAIZ_WEBHOOK_SECRET", sandbox.webhook_secret)
    monkeypatch.delenv("REDIS_URL", raising=False)
    name = "fastapi_app_under_testclient"  # a fresh import: its own client and records
    spec = importlib.util.spec_from_file_location(name, EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves the models' annotations through it
    try:
        spec.loader.exec_module(module)
        with TestClient(module.app) as http:
            yield http
    finally:
        del sys.modules[name]


@pytest.fixture
def app(blaaiz_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with serve_example(blaaiz_sandbox, monkeypatch) as http:
        yield http


def payout(sb: Sandbox, reference: str) -> dict[str, str]:
    return {
        "wallet_id": sb.wallet_id("NGN"),
        "customer_id": sb.customer_id,
        "amount": "1500.50",
        "bank_id": "058",
        "account_number": "0123456789",
        "merchant_reference": reference,
    }


def test_wallets_and_a_payout(blaaiz_sandbox: Sandbox, app: TestClient) -> None:
    wallets = app.get("/wallets")
    paid = app.post("/payouts", json=payout(blaaiz_sandbox, "order-1"))
    assert wallets.status_code == 200
    assert {w["currency"] for w in wallets.json()} >= {"NGN", "USD"}
    assert paid.status_code == 201, paid.text
    assert paid.json()["merchant_reference"] == "order-1"
    assert blaaiz_sandbox.count("payouts.create", 200) == 1
    assert blaaiz_sandbox.token_requests == 1  # one client, one token, for the app


def test_an_upstream_failure_is_a_502_and_the_payout_is_not_resent(
    blaaiz_sandbox: Sandbox, app: TestClient
) -> None:
    blaaiz_sandbox.fail_next("payouts.create", status=500)
    failed = app.post("/payouts", json=payout(blaaiz_sandbox, "order-2"))
    assert failed.status_code == 502
    assert failed.json()["upstream_status"] == 500
    assert blaaiz_sandbox.count("payouts.create") == 1  # a payout is never sent twice


def test_revoked_tokens_are_replaced_without_the_app_noticing(
    blaaiz_sandbox: Sandbox, app: TestClient
) -> None:
    assert app.get("/wallets").status_code == 200
    blaaiz_sandbox.revoke_all_tokens()
    assert app.get("/wallets").status_code == 200  # a 401, one new token, resent
    assert blaaiz_sandbox.token_requests == 2
    assert blaaiz_sandbox.count("wallets.list", 401) == 1


def test_a_signed_webhook_is_handled_once(blaaiz_sandbox: Sandbox, app: TestClient) -> None:
    body = json.dumps(
        {"type": "payout", "event_id": "evt-1", "transaction_amount": 10.5,
         "transaction_status": "SUCCESSFUL"}
    ).encode()  # fmt: skip
    signed = sign_headers(blaaiz_sandbox.webhook_secret, body)  # as the sandbox signs
    first = app.post("/webhooks/blaaiz", content=body, headers=signed)
    again = app.post("/webhooks/blaaiz", content=body, headers=signed)
    forged = app.post("/webhooks/blaaiz", content=body, headers=sign_headers("guess", body))
    assert first.json() == {"status": "handled"} and again.json() == {"status": "duplicate"}
    assert (forged.status_code, forged.json()) == (400, {"error": "signature_mismatch"})
    assert [e["event_id"] for e in app.get("/webhooks/received").json()] == ["evt-1"]


def test_a_read_only_credential_cannot_pay(
    blaaiz_sandbox_factory: SandboxFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = blaaiz_sandbox_factory.sandbox(token_ttl=600, rate_limit=100)
    with serve_example(sb, monkeypatch, scopes="read-only") as http:
        assert http.get("/wallets").status_code == 200
        refused = http.post("/payouts", json=payout(sb, "order-3"))
        assert refused.status_code == 502 and refused.json()["upstream_status"] == 403
    assert sb.count("payouts.create") == 0  # refused by the SDK, before any request
