"""The pytest plugin users get: fixtures served by the installed ``pytest11`` entry point.

``blaaiz_sandbox`` runs on its own thread, so it answers while the test's thread is busy:
sync tests, ``asyncio.run``, FastAPI's ``TestClient`` (before: a client on it waited for
its read timeout, the sandbox's loop being the blocked test's). ``blaaiz_sandbox_factory``
makes sandboxes with options and clients with scopes.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime."""

import asyncio
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from blaaiz_async import BlaaizClient, Scope, ScopeBundle
from blaaiz_async.config import ConfigurationError
from blaaiz_async.errors import (
    APIConnectionError,
    InsufficientScopeError,
    PermissionDeniedError,
    RateLimitError,
)
from blaaiz_async.integrations.fastapi import Blaaiz
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.testing import SandboxFactory
from blaaiz_async.webhooks import CollectionEvent
from tests.test_sandbox_webhooks import Receiver, receiving


async def test_plugin_fixtures(blaaiz_sandbox: Sandbox, blaaiz_client: BlaaizClient) -> None:
    assert blaaiz_client.base_url == blaaiz_sandbox.url
    wallets = await blaaiz_client.wallets.list()
    assert {w.currency for w in wallets} >= {"NGN", "USD"}
    assert blaaiz_sandbox.token_requests == 1


def test_the_sandbox_answers_a_sync_test_that_runs_its_own_loop(blaaiz_sandbox: Sandbox) -> None:
    client_id, secret = blaaiz_sandbox.add_client()

    async def main() -> int:
        async with BlaaizClient(
            client_id=client_id, client_secret=secret, base_url=blaaiz_sandbox.url
        ) as client:
            return len(await client.wallets.list())

    started = time.monotonic()
    assert asyncio.run(main()) == len(blaaiz_sandbox.state.wallets)
    assert time.monotonic() - started < 10  # before: the token request's 30 s read timeout
    assert blaaiz_sandbox.token_requests == 1


def wallet_app(blaaiz: Blaaiz) -> FastAPI:
    """An app that owns its client: the lifespan makes it, a route uses it."""
    app = FastAPI(lifespan=blaaiz.lifespan)

    @app.get("/wallets")
    async def wallets(client: Annotated[BlaaizClient, Depends(blaaiz.client)]) -> list[str]:
        return [w.currency or "" for w in await client.wallets.list()]

    return app


def test_an_app_owning_its_client_under_testclient(
    blaaiz_sandbox: Sandbox, blaaiz_sandbox_factory: SandboxFactory
) -> None:
    app = wallet_app(Blaaiz(blaaiz_sandbox_factory.client_factory(blaaiz_sandbox)))
    with TestClient(app) as http:
        first, second = http.get("/wallets"), http.get("/wallets")
    assert first.status_code == second.status_code == 200, first.text
    assert "NGN" in first.json()
    assert blaaiz_sandbox.token_requests == 1  # one client for the app's lifetime
    assert blaaiz_sandbox.count("wallets.list") == 2


async def test_testclient_inside_an_async_test(
    blaaiz_sandbox: Sandbox, blaaiz_client: BlaaizClient, blaaiz_sandbox_factory: SandboxFactory
) -> None:
    """TestClient blocks the test's loop; the sandbox is on another one, so it answers."""
    await blaaiz_client.wallets.list()
    app = wallet_app(Blaaiz(blaaiz_sandbox_factory.client_factory(blaaiz_sandbox)))
    with TestClient(app) as http:
        assert http.get("/wallets").status_code == 200
    await blaaiz_client.wallets.list()
    assert blaaiz_sandbox.token_requests == 2  # the fixture's client and the app's


async def test_the_factory_makes_sandboxes_with_options_and_clients_with_scopes(
    blaaiz_sandbox_factory: SandboxFactory,
) -> None:
    sb = blaaiz_sandbox_factory.sandbox(token_ttl=2, rate_limit=5)
    other = blaaiz_sandbox_factory.sandbox()
    assert sb.url != other.url and sb.token_ttl == 2
    async with blaaiz_sandbox_factory.client(sb, scopes=ScopeBundle.READ_ONLY) as client:
        await client.wallets.list()
        assert client.token_provider is not None
        token = await client.token_provider.get_token()
        assert Scope.WALLET_READ in token.scopes and Scope.PAYOUT_CREATE not in token.scopes
        assert token.expires_at - time.time() <= 2
        with pytest.raises(InsufficientScopeError):  # refused locally: the token says so
            await client.payouts.create(**payout(sb))
    assert sb.count("payouts.create") == 0 and other.token_requests == 0


async def test_a_sandbox_that_does_not_echo_scopes_refuses_on_the_server(
    blaaiz_sandbox_factory: SandboxFactory,
) -> None:
    sb = blaaiz_sandbox_factory.sandbox(echo_scope=False)
    async with blaaiz_sandbox_factory.client(sb, scopes=ScopeBundle.READ_ONLY) as client:
        with pytest.raises(PermissionDeniedError):  # the server refuses: the client assumed all
            await client.payouts.create(**payout(sb))
    assert sb.count("payouts.create", 403) == 1


def payout(sb: Sandbox) -> dict[str, Any]:
    return {
        "wallet_id": sb.wallet_id("NGN"), "customer_id": sb.customer_id,
        "method": "bank_transfer", "from_currency_id": "NGN", "to_currency_id": "NGN",
        "from_amount": "10.00", "bank_id": "058", "account_number": "0123456789",
    }  # fmt: skip


async def test_factory_clients_budget_the_sandboxs_rate_limit_unless_told_not_to(
    blaaiz_sandbox_factory: SandboxFactory,
) -> None:
    budgeted = blaaiz_sandbox_factory.sandbox(rate_limit=2, rate_window=60.0)
    async with blaaiz_sandbox_factory.client(budgeted) as client:
        await client.wallets.list()
        await client.wallets.list()
        with pytest.raises(TimeoutError):  # the third waits for the window, locally
            async with asyncio.timeout(0.5):
                await client.wallets.list()
    assert budgeted.count("wallets.list") == 2 and budgeted.status_count(429) == 0
    unbudgeted = blaaiz_sandbox_factory.sandbox(rate_limit=2, rate_window=60.0)
    async with blaaiz_sandbox_factory.client(
        unbudgeted, rate_limit=None, retry=RetryPolicy(max_retries=0)
    ) as client:
        await client.wallets.list()
        await client.wallets.list()
        with pytest.raises(RateLimitError):
            await client.wallets.list()
    assert unbudgeted.count("wallets.list", 429) == 1


def test_set_up_from_the_tests_thread_runs_on_the_sandboxs_loop(
    blaaiz_sandbox: Sandbox,
) -> None:
    seen: list[bool] = []
    original = blaaiz_sandbox.state.add_fault

    def spy(route: str, fault: object) -> None:
        seen.append(threading.current_thread() is not threading.main_thread())
        original(route, fault)  # type: ignore[arg-type]

    blaaiz_sandbox.state.add_fault = spy  # type: ignore[method-assign]
    blaaiz_sandbox.fail_next("wallets.list", status=503)
    assert seen == [True]  # on the sandbox's thread, not the test's
    with pytest.raises(ConfigurationError, match=r"did you mean 'wallets\.list'"):
        blaaiz_sandbox.fail_next("walets.list")  # the error crosses the threads


def test_set_up_from_many_threads_at_once_while_requests_are_answered(
    blaaiz_sandbox: Sandbox, blaaiz_sandbox_factory: SandboxFactory
) -> None:
    sb = blaaiz_sandbox
    busy = threading.Event()
    stop = threading.Event()

    async def load() -> None:
        async with blaaiz_sandbox_factory.client(sb) as client:
            while not stop.is_set():
                await client.wallets.list()
                busy.set()

    loader = threading.Thread(target=asyncio.run, args=(load(),), daemon=True)
    loader.start()
    busy.wait(timeout=60)

    def set_up(i: int) -> str:
        client_id, _ = sb.add_client()
        sb.fail_next("wallets.get", status=503, times=2)
        sb.set_latency(0.0, f"wallets.{'get' if i % 2 else 'list'}")
        with pytest.raises(ConfigurationError):
            sb.fail_next("walets.get")
        return client_id

    with ThreadPoolExecutor(16) as pool:
        made = list(pool.map(set_up, range(160)))
    stop.set()
    loader.join(timeout=60)
    assert len(set(made)) == 160 and set(made) <= set(sb.state.credentials)
    queued = sb.state.faults["wallets.get"]
    assert len(queued) == 160 and sum(f.times for f in queued) == 320
    assert sb.count("wallets.list", 200) == sb.count("wallets.list") > 0


def test_the_factory_stops_its_sandboxes() -> None:
    factory = SandboxFactory()
    sb = factory.sandbox()
    url = sb.url
    factory.close()
    with pytest.raises(RuntimeError, match="not running"):
        _ = sb.url
    with pytest.raises(RuntimeError, match="closed"):
        factory.sandbox()
    assert url.startswith("http://127.0.0.1:")


def test_teardown_cuts_off_a_request_in_flight_and_leaves_nothing_behind() -> None:
    """Before: stopping waited for the request (aiohttp's 60 s grace), the thread join gave
    up after 10 s, and the sandbox thread, its loop and the answer outlived the test."""
    factory = SandboxFactory()
    before = set(threading.enumerate())
    sb = factory.sandbox()
    (serving,) = set(threading.enumerate()) - before
    sb.set_latency(3600, "wallets.list")  # an answer that would come long after the test
    client = factory.client(sb, retry=RetryPolicy(max_retries=0))
    outcome: list[BaseException | None] = []

    async def call() -> None:
        async with client:
            try:
                await client.wallets.list()
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

    caller = threading.Thread(target=asyncio.run, args=(call(),), daemon=True)
    caller.start()
    while sb.count("wallets.list") == 0:  # the request is in the handler's delay
        time.sleep(0.01)
    port = sb.port
    factory.close()
    assert not serving.is_alive()  # the sandbox's thread has ended
    caller.join(timeout=60)
    assert len(outcome) == 1 and isinstance(outcome[0], APIConnectionError)  # cut off
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))  # nothing listens there any more


def test_the_factory_passes_latency_and_start_failures_through(
    blaaiz_sandbox_factory: SandboxFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = blaaiz_sandbox_factory.sandbox(latency=0.01)
    assert slow.latency == {"*": 0.01}
    loops: list[asyncio.AbstractEventLoop] = []
    new_loop = asyncio.new_event_loop

    def recorded() -> asyncio.AbstractEventLoop:
        loops.append(new_loop())
        return loops[-1]

    monkeypatch.setattr(asyncio, "new_event_loop", recorded)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):  # the port is taken: the error, not a dead sandbox
            blaaiz_sandbox_factory.sandbox(port=taken.getsockname()[1])
    assert len(loops) == 1 and loops[0].is_closed()  # the failed sandbox's loop is closed


def test_waiting_for_deliveries_from_another_loop_drains_on_the_sandboxs_loop(
    blaaiz_sandbox: Sandbox,
) -> None:
    sender = blaaiz_sandbox._sender
    drained_on: list[object] = []
    original = sender.drain

    async def spy() -> None:
        drained_on.append(asyncio.get_running_loop())
        await original()

    sender.drain = spy  # type: ignore[method-assign]
    assert asyncio.run(blaaiz_sandbox.wait_for_deliveries()) == []
    assert drained_on == [blaaiz_sandbox._loop]  # not the test's loop


def test_a_sync_test_settles_a_collection_and_waits_for_its_webhook(
    blaaiz_sandbox_factory: SandboxFactory,
) -> None:
    """Set-up and settlement from the test's thread, the webhook sent from the sandbox's
    thread to a receiver on the test's own loop, the wait from that loop."""
    sb = blaaiz_sandbox_factory.sandbox(webhook_retry_delays=(0.05, 0.1))

    async def main() -> tuple[list[Any], Receiver]:
        async with receiving(Receiver(sb.webhook_secret)) as hook:
            async with blaaiz_sandbox_factory.client(sb) as client:
                await client.webhooks.register(payout_url=hook.url, collection_url=hook.url)
                pending = await client.collections.create(
                    method="open_banking", amount=100, wallet_id=sb.wallet_id("EUR")
                )
                assert await sb.wait_for_deliveries() == []  # nothing to tell yet
                sb.settle_collection(str(pending.transaction_id))
                return await sb.wait_for_deliveries(), hook

    deliveries, hook = asyncio.run(main())
    assert [d["status"] for d in deliveries] == ["delivered"]
    assert [type(e) for e in hook.events] == [CollectionEvent]
    assert hook.refused == []  # signed with the sandbox's secret


CHEAP_IMPORT = """
import sys
import blaaiz_async.testing
heavy = ("aiohttp.web", "fastapi", "starlette", "blaaiz_async.sandbox")
print(sorted(m for m in sys.modules if m.startswith(heavy)))
factory = blaaiz_async.testing.SandboxFactory()
factory.sandbox()
factory.close()
print("aiohttp.web" in sys.modules, "blaaiz_async.sandbox.app" in sys.modules)
"""


def test_importing_the_plugin_imports_no_server_until_a_fixture_is_used() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHEAP_IMPORT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.splitlines()
    assert before == "[]"
    assert after == "True True"  # the same check sees them once a sandbox is made


def test_the_plugins_public_names() -> None:
    import blaaiz_async.testing as plugin

    assert plugin.__all__ == sorted(plugin.__all__)
    assert all(hasattr(plugin, name) for name in plugin.__all__)
    for fixture in ("blaaiz_sandbox", "blaaiz_client", "blaaiz_sandbox_factory"):
        assert callable(getattr(plugin, fixture)), fixture
