"""The foundation against the sandbox over real sockets: tokens, guards, errors, payouts."""

from __future__ import annotations

import asyncio
import gc
import logging
import random
import time
import warnings
from decimal import Decimal

import aiohttp
import pytest

from blaaiz_async import BlaaizClient, ConfigurationError, Environment, Scope, ScopeBundle
from blaaiz_async.auth import AccessToken, ClientCredentialsProvider, MemoryTokenStore
from blaaiz_async.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    BlaaizError,
    DenialReason,
    InsufficientScopeError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TokenError,
    ValidationError,
)
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.routes import ROUTES
from blaaiz_async.sandbox import Sandbox, background_sandbox
from blaaiz_async.scopes import OAUTH_ONLY

FAST_RETRY = RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.02)


def oauth_client(sb: Sandbox, scopes: object = None, **kwargs: object) -> BlaaizClient:
    """A client of the sandbox; no client-side rate limit unless a test asks for one."""
    kwargs.setdefault("rate_limit", None)
    client_id, secret = sb.add_client(scopes)
    return BlaaizClient(
        client_id=client_id,
        client_secret=secret,
        base_url=sb.url,
        scopes=scopes,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


class CountingStore(MemoryTokenStore):
    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    async def load(self, key: str) -> AccessToken | None:
        self.loads += 1
        return await super().load(key)


def payout_args(sb: Sandbox, **overrides: object) -> dict[str, object]:
    args: dict[str, object] = {
        "wallet_id": sb.wallet_id("NGN"),
        "customer_id": sb.customer_id,
        "method": "bank_transfer",
        "from_currency_id": "NGN",
        "to_currency_id": "NGN",
        "from_amount": 1000,
        "bank_id": "058",
        "account_number": "0123456789",
    }
    args.update(overrides)
    return args


# -- tokens ------------------------------------------------------------------------------------


async def test_500_coroutines_from_cold_make_one_token_request(sandbox: Sandbox) -> None:
    sandbox.set_latency(0.05, "oauth.token")  # a slow token endpoint widens the race
    store = CountingStore()
    async with oauth_client(sandbox, token_store=store) as client:
        results = await asyncio.gather(*(client.wallets.list() for _ in range(500)))
    assert all(len(r) == len(sandbox.state.wallets) for r in results)
    assert sandbox.token_requests == 1
    assert store.loads == 2  # one refresh in this process (a read, and one inside the lock)
    assert sandbox.count("wallets.list") == 500


async def test_short_lived_tokens_are_refreshed_before_expiry() -> None:
    async with Sandbox(token_ttl=3) as sb:
        async with oauth_client(sb) as client:
            deadline = time.monotonic() + 10

            async def loop() -> int:
                calls = 0
                while time.monotonic() < deadline:
                    await client.wallets.list()
                    calls += 1
                    await asyncio.sleep(0.01)
                return calls

            calls = sum(await asyncio.gather(*(loop() for _ in range(20))))
        assert sb.status_count(401) == 0
        assert calls > 1000
        assert 4 <= sb.token_requests <= 6  # one per ~2.25 s refresh window


async def test_revoked_tokens_are_refetched_exactly_once(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox) as client:
        await client.wallets.list()
        assert sandbox.token_requests == 1
        sandbox.revoke_all_tokens()
        results = await asyncio.gather(*(client.wallets.list() for _ in range(100)))
    assert len(results) == 100
    assert sandbox.token_requests == 2
    assert sandbox.count("wallets.list", 401) == 100  # each in-flight call resent once


async def test_repeated_401_raises_authentication_error(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox) as client:
        await client.wallets.list()
        sandbox.fail_next("wallets.list", status=401, times=2, body={"message": "Unauthenticated."})
        with pytest.raises(AuthenticationError) as info:
            await client.wallets.list()
    assert info.value.status == 401
    assert "missing or malformed" in str(info.value) and "expired or invalid" in str(info.value)
    assert sandbox.token_requests == 2  # the failing token was dropped, one fresh fetch


async def test_token_endpoint_errors_surface_oauth_fields(sandbox: Sandbox) -> None:
    client_id, _ = sandbox.add_client()
    async with BlaaizClient(client_id=client_id, client_secret="wrong", base_url=sandbox.url) as c:
        with pytest.raises(TokenError) as info:
            await c.wallets.list()
    assert info.value.error == "invalid_client" and info.value.status == 401
    assert "invalid_client" in str(info.value)
    assert sandbox.count("wallets.list") == 0


async def test_invalid_scope_from_token_endpoint(sandbox: Sandbox) -> None:
    # Scopes asked for by name: a refusal is the caller's to see (left unspecified, the
    # client asks again for the credential's own set).
    sandbox.fail_next(
        "oauth.token", status=400, body={"error": "invalid_scope", "error_description": "nope"}
    )
    async with oauth_client(sandbox, "read-only") as client:
        with pytest.raises(TokenError) as info:
            await client.wallets.list()
    assert info.value.error == "invalid_scope" and info.value.error_description == "nope"


@pytest.mark.parametrize(
    "body",
    [
        b"<html>gateway</html>",
        b"",
        b'{"token_type": "Bearer", "expires_in": 60}',
        b'{"access_token": "x", "expires_in": "soon"}',
        b'{"access_token": "x", "expires_in": -5}',
        b'{"access_token": "x", "expires_in": 60, "token_type": "mac"}',
    ],
)
async def test_malformed_token_responses_are_token_errors(body: bytes) -> None:
    from aiohttp import web

    async def token(_: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with BlaaizClient(
            client_id="c", client_secret="s", base_url=f"http://127.0.0.1:{port}"
        ) as client:
            with pytest.raises(TokenError):
                await client.wallets.list()
    finally:
        await runner.cleanup()


async def test_granted_scopes_come_from_the_response(sandbox: Sandbox) -> None:
    # The credential holds only read-only scopes; the client asks for more.
    client_id, secret = sandbox.add_client(ScopeBundle.READ_ONLY)
    async with BlaaizClient(
        client_id=client_id, client_secret=secret, base_url=sandbox.url, scopes=None
    ) as client:
        await client.wallets.list()
        with pytest.raises(InsufficientScopeError) as info:
            await client.payouts.create(**payout_args(sandbox))  # type: ignore[arg-type]
    assert Scope.PAYOUT_CREATE in info.value.missing
    assert info.value.granted == ScopeBundle.READ_ONLY.scopes
    assert sandbox.count("payouts.create") == 0


async def test_without_scope_echo_requested_scopes_count() -> None:
    async with Sandbox(echo_scope=False) as sb:
        async with oauth_client(sb, scopes="wallet:read") as client:
            await client.wallets.list()
            token = await client.token_provider.get_token()  # type: ignore[union-attr]
    assert token.scopes == {Scope.WALLET_READ}


# -- scope guard -------------------------------------------------------------------------------


async def test_read_only_credentials_cannot_pay_out(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox, scopes="read-only") as client:
        with pytest.raises(PermissionDeniedError) as info:
            await client.payouts.create(**payout_args(sandbox))  # type: ignore[arg-type]
    assert isinstance(info.value, InsufficientScopeError)
    assert info.value.required == {Scope.PAYOUT_CREATE}
    assert info.value.granted == ScopeBundle.READ_ONLY.scopes
    assert sandbox.count("payouts.create") == 0
    assert sandbox.token_requests == 0  # the requested scopes already rule it out


async def test_escape_hatch_is_guarded_too(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox, scopes=[Scope.WALLET_READ]) as client:
        body = await client.request("GET", "/api/external/wallet")
        assert isinstance(body["data"], list)
        with pytest.raises(InsufficientScopeError):
            await client.request("GET", "/api/external/currency")
        with pytest.raises(InsufficientScopeError):
            await client.request("POST", "/api/external/payout", json={})
    assert sandbox.count("currencies.list") == 0 and sandbox.count("payouts.create") == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/external/./payout",
        "/api/external/x/../payout",
        "/api/external//payout",
        "/api/external/payout/",
        "/api/external/%70ayout",
        "/api/external/%2e/payout",
        "/api/external%2Fpayout",
    ],
)
async def test_paths_a_url_library_normalises_do_not_bypass_the_guard(
    sandbox: Sandbox, path: str
) -> None:
    async with oauth_client(sandbox, scopes="read-only") as client:
        with pytest.raises((InsufficientScopeError, ValidationError)):
            await client.request("POST", path, json=payout_args(sandbox))
    assert sandbox.count("payouts.create") == 0


async def test_server_side_403_is_told_apart(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox) as client:
        sandbox.state.api_access_enabled = False
        with pytest.raises(PermissionDeniedError) as info:
            await client.wallets.list()
        assert info.value.reason == DenialReason.NO_API_ACCESS
        sandbox.state.api_access_enabled = True
        sandbox.state.ip_allowlist = {"10.0.0.1"}
        with pytest.raises(PermissionDeniedError) as info:
            await client.wallets.list()
        assert info.value.reason == DenialReason.IP_POLICY
        assert not isinstance(info.value, InsufficientScopeError)


# -- payouts and money ---------------------------------------------------------------------------


async def test_payout_debits_wallet_and_records_transaction(sandbox: Sandbox) -> None:
    wallet = sandbox.wallet_id("NGN")
    before = sandbox.state.wallets[wallet]["amount"]
    async with oauth_client(sandbox) as client:
        tx = await client.payouts.create(
            **payout_args(sandbox, from_amount="1000.10", merchant_reference="order-1")  # type: ignore[arg-type]
        )
        assert tx.amount == tx.fee + tx.amount_without_fee  # type: ignore[operator]
        assert str(tx.amount) == "1000.10"
        again = await client.transactions.get("order-1")
        assert again.id == tx.id
        page = await client.transactions.list(merchant_reference="order-1")
        assert [t.id for t in page.items] == [tx.id]
        wallet_now = await client.wallets.get(wallet)
    assert wallet_now.available == before - tx.amount  # type: ignore[operator]


async def test_insufficient_funds_is_a_bad_request(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox) as client:
        with pytest.raises(BadRequestError, match="Insufficient funds"):
            await client.payouts.create(**payout_args(sandbox, from_amount=10**12))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"from_amount": None}, "from_amount"),
        ({"to_amount": 5}, "from_amount"),
        ({"bank_id": None}, "bank_id"),
        ({"method": "pigeon"}, "method"),
        ({"from_amount": -3}, "from_amount"),
        ({"from_amount": "ten"}, "from_amount"),
        ({"to_currency_id": "CAD"}, "to_currency_id"),
    ],
)
async def test_payout_validation_happens_before_sending(
    sandbox: Sandbox, overrides: dict[str, object], field: str
) -> None:
    async with oauth_client(sandbox) as client:
        with pytest.raises(ValidationError) as info:
            await client.payouts.create(**payout_args(sandbox, **overrides))  # type: ignore[arg-type]
    assert info.value.field == field
    assert sandbox.count("payouts.create") == 0


async def test_dropped_payout_connection_is_not_resent(sandbox: Sandbox) -> None:
    sandbox.drop_after_processing("payouts.create")
    async with oauth_client(sandbox, retry=FAST_RETRY) as client:
        with pytest.raises(APIConnectionError, match="NOT sent again"):
            await client.payouts.create(**payout_args(sandbox, merchant_reference="drop-1"))  # type: ignore[arg-type]
        # The payout happened exactly once; the caller can find it by its reference.
        tx = await client.transactions.get("drop-1")
    assert sandbox.count("payouts.create") == 1
    assert tx.merchant_reference == "drop-1"


async def test_payout_5xx_is_not_retried_but_reads_are(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox, retry=FAST_RETRY) as client:
        sandbox.fail_next("payouts.create", status=503)
        with pytest.raises(ServerError):
            await client.payouts.create(**payout_args(sandbox))  # type: ignore[arg-type]
        assert sandbox.count("payouts.create") == 1
        sandbox.fail_next("wallets.list", status=503, times=2)
        assert await client.wallets.list()
        assert sandbox.count("wallets.list") == 3
        sandbox.drop_before_processing("wallets.list")
        assert await client.wallets.list()


async def test_429_is_retried_after_the_given_wait(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox, retry=FAST_RETRY) as client:
        sandbox.fail_next("payouts.create", status=429, headers={"Retry-After": "0"})
        tx = await client.payouts.create(**payout_args(sandbox))  # type: ignore[arg-type]
        assert tx.id
        # 429s spend no retries: more of them than max_retries are still waited out
        sandbox.fail_next("wallets.list", status=429, times=3, headers={"Retry-After": "0"})
        assert await client.wallets.list()
        assert sandbox.count("wallets.list") == 4
        # ... within the call's time: a wait past it fails at once, with the server's wait
        sandbox.fail_next("wallets.list", status=429, headers={"Retry-After": "30"})
        with pytest.raises(RateLimitError) as info:
            await client.with_options(timeout=5).wallets.list()
    assert info.value.retry_after == 30
    assert "longer than the call's remaining" in info.value.message


async def test_fees_breakdown(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox) as client:
        fees = await client.fees.breakdown(
            from_currency_id="NGN", to_currency_id="NGN", from_amount="2500.55"
        )
        with pytest.raises(ValidationError):
            await client.fees.breakdown(from_currency_id="NGN", to_currency_id="NGN")
    assert str(fees.you_send) == "2500.55"
    assert fees.recipient_gets == fees.total_amount_to_send


FEE_PAIRS = [("NGN", "NGN"), ("USD", "USD"), ("USD", "NGN"), ("NGN", "USD"), ("GBP", "EUR"),
             ("EUR", "KES"), ("NGN", "GBP")]  # fmt: skip
FEE_METHODS = [None, "bank_transfer", "interac"]


async def test_fee_breakdowns_always_add_up(sandbox: Sandbox) -> None:
    """A sweep of awkward amounts, both ways, same and cross currency: the debit is the base
    plus the fees, and a fixed to_amount is exactly what the recipient gets."""
    rng = random.Random(20240607)
    cases = [
        (pair, side, Decimal(rng.randint(300, 5_000_000)) / 100, rng.choice(FEE_METHODS))
        for pair in FEE_PAIRS
        for side in ("from_amount", "to_amount")
        for _ in range(22)
    ]
    cases += [(("NGN", "NGN"), "from_amount", Decimal(c) / 100, None) for c in range(51, 120, 3)]
    cases += [(("USD", "NGN"), "to_amount", Decimal(c) / 100, None) for c in range(1, 60, 2)]
    assert len(cases) >= 300
    async with oauth_client(sandbox) as client:
        for (source, target), side, amount, method in cases:
            q = await client.fees.breakdown(
                from_currency_id=source, to_currency_id=target, method=method, **{side: amount}
            )
            seen = (source, target, side, amount, method, q)
            assert q.you_send is not None and q.total_amount_to_send is not None, seen
            assert q.total_fees is not None and q.recipient_gets is not None, seen
            assert q.you_send == q.total_amount_to_send + q.total_fees, seen
            assert q.total_fees == q.platform_fee + q.method_fee, seen  # type: ignore[operator]
            assert q.platform_fee is not None and q.platform_fee >= 0, seen
            if side == "from_amount":
                assert q.you_send == amount, seen
            else:
                assert q.recipient_gets == amount, seen
            if source == target:
                assert q.total_amount_to_send == q.recipient_gets, seen
    assert sandbox.count("fees.breakdown", 200) == len(cases)


@pytest.mark.parametrize(
    ("source", "to_amount"),
    [("USD", "1000"), ("USD", "1000.01"), ("GBP", "250000.37"), ("EUR", "7.77"),
     ("NGN", "1000"), ("NGN", "12345.67")],
)  # fmt: skip
async def test_a_to_amount_payout_delivers_exactly_that(
    sandbox: Sandbox, source: str, to_amount: str
) -> None:
    wallet = sandbox.wallet_id(source)
    before = sandbox.state.wallets[wallet]["amount"]
    async with oauth_client(sandbox) as client:
        quoted = await client.fees.breakdown(
            from_currency_id=source, to_currency_id="NGN", to_amount=to_amount,
            method="bank_transfer",
        )  # fmt: skip
        args = payout_args(sandbox, wallet_id=wallet, from_currency_id=source, to_amount=to_amount)
        del args["from_amount"]
        tx = await client.payouts.create(**args)  # type: ignore[arg-type]
    assert tx.recipient is not None and tx.recipient.currency == "NGN"
    assert tx.recipient.amount == Decimal(to_amount)
    assert tx.amount == tx.amount_without_fee + tx.fee  # type: ignore[operator]
    assert (tx.amount, tx.recipient.amount) == (quoted.you_send, quoted.recipient_gets)
    assert sandbox.state.wallets[wallet]["amount"] == before - tx.amount  # type: ignore[operator]


async def test_transactions_iterate_over_pages(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox) as client:
        for i in range(7):
            await client.payouts.create(**payout_args(sandbox, merchant_reference=f"it-{i}"))  # type: ignore[arg-type]
        refs = [t.merchant_reference async for t in client.transactions.iter(limit=3)]
    assert sorted(refs) == sorted(f"it-{i}" for i in range(7))  # type: ignore[type-var]
    assert sandbox.count("transactions.list") == 3


async def test_errors_are_typed_for_bad_bodies(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox, retry=FAST_RETRY) as client:
        with pytest.raises(NotFoundError) as info:
            await client.transactions.get("nope")
        assert info.value.body == {"status": False, "message": "Transaction not found"}
        sandbox.fail_next("wallets.list", status=502, body="<html>bad gateway</html>", times=3)
        with pytest.raises(ServerError) as server:
            await client.wallets.list()
        assert server.value.status == 502 and "bad gateway" in server.value.message
        sandbox.fail_next("wallets.list", status=200, body={"message": "ok", "data": "nonsense"})
        with pytest.raises(MalformedResponseError) as bad:
            await client.wallets.list()
        assert bad.value.body == {"message": "ok", "data": "nonsense"}


# -- legacy API key ---------------------------------------------------------------------------


async def test_api_key_sends_the_legacy_header_and_warns_once(sandbox: Sandbox) -> None:
    key = sandbox.add_api_key()
    with pytest.warns(DeprecationWarning, match="OAuth") as record:
        client = BlaaizClient(api_key=key, base_url=sandbox.url)
    async with client:
        await client.wallets.list()
        await client.currencies.list()
    assert len([w for w in record if w.category is DeprecationWarning]) == 1
    assert sandbox.token_requests == 0 and sandbox.count("wallets.list", 200) == 1
    with pytest.warns(DeprecationWarning):
        bad = BlaaizClient(api_key="wrong", base_url=sandbox.url)
    async with bad:
        with pytest.raises(AuthenticationError, match="API key"):
            await bad.wallets.list()


async def test_oauth_wins_over_api_key(sandbox: Sandbox) -> None:
    client_id, secret = sandbox.add_client()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.warns(UserWarning, match=r"api_key is not used: .*\(client_id/client_secret\)"):
            client = BlaaizClient(
                client_id=client_id, client_secret=secret, api_key="k", base_url=sandbox.url
            )
    async with client:
        await client.wallets.list()
    assert client.auth_mode == "oauth" and sandbox.token_requests == 1


async def test_an_api_key_losing_to_oauth_from_the_environment_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BLAAIZ_CLIENT_ID", "cid")
    monkeypatch.setenv("BLAAIZ_CLIENT_SECRET", "s3cret-value")
    with pytest.warns(
        UserWarning, match="BLAAIZ_CLIENT_ID/BLAAIZ_CLIENT_SECRET in the environment"
    ):
        client = BlaaizClient(api_key="legacy-key", base_url="http://127.0.0.1:9")
    assert client.auth_mode == "oauth"
    assert "s3cret-value" not in repr(client)
    await client.aclose()


async def test_the_server_refuses_api_keys_on_oauth_only_routes(sandbox: Sandbox) -> None:
    """The SDK refuses locally (above); the sandbox, like the API, refuses a raw request too."""
    key = sandbox.add_api_key()
    routes = [r for r in ROUTES.values() if r.scopes & OAUTH_ONLY]
    assert {r.name for r in routes} == {
        "signa_id.create_release_request", "signa_id.exchange_release_code",
        "signa_id.get_release", "signa_id.get_release_document",
    }  # fmt: skip
    body = {"idempotency_key": "k1", "purpose": "kyc", "scopes": ["identity"],
            "origin": "https://shop.example", "code": "c"}  # fmt: skip
    refused = {"status": False, "message": "This endpoint requires OAuth client credentials."}
    async with aiohttp.ClientSession() as http:
        for route in routes:
            url = sandbox.url + route.format_path({p: "x1" for p in route.params})
            async with http.request(
                route.method, url, headers={"x-blaaiz-api-key": key},
                json=body if route.method == "POST" else None,
            ) as resp:  # fmt: skip
                assert (resp.status, await resp.json()) == (403, refused), route.name
            async with http.request(route.method, url, headers={"x-blaaiz-api-key": "wrong"}) as r:
                assert r.status == 401, route.name  # an unknown key is still unauthenticated
        # The same key still works where keys are accepted.
        wallets = sandbox.url + ROUTES["wallets.list"].format_path()
        async with http.get(wallets, headers={"x-blaaiz-api-key": key}) as resp:
            assert resp.status == 200
    assert sandbox.state.signa_id_requests == {}
    # OAuth with the opt-in scope reaches the same route.
    async with oauth_client(sandbox, [ScopeBundle.FULL_ACCESS, Scope.SIGNA_ID_RELEASE]) as client:
        request = await client.signa_id.create_release_request(
            idempotency_key="k1", purpose="kyc", scopes=["identity"],
            origin="https://shop.example",
        )  # fmt: skip
    assert request.id in sandbox.state.signa_id_requests


# -- configuration ----------------------------------------------------------------------------


def test_configuration_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLAAIZ_CLIENT_ID", "env-id")
    monkeypatch.setenv("BLAAIZ_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("BLAAIZ_ENVIRONMENT", "production")
    client = BlaaizClient()
    assert client.environment is Environment.PRODUCTION
    assert client.base_url == "https://api-prod.blaaiz.com"
    assert BlaaizClient(base_url="http://127.0.0.1:9").base_url == "http://127.0.0.1:9"
    monkeypatch.delenv("BLAAIZ_ENVIRONMENT")
    assert BlaaizClient().base_url == "https://api-dev.blaaiz.com"


def test_configuration_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BLAAIZ_CLIENT_ID", "BLAAIZ_CLIENT_SECRET", "BLAAIZ_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="no credentials"):
        BlaaizClient()
    with pytest.raises(ConfigurationError, match="client_secret"):
        BlaaizClient(client_id="x")
    with pytest.raises(ConfigurationError, match="environment"):
        BlaaizClient(client_id="x", client_secret="y", environment="staging")
    with pytest.raises(ValueError, match="unknown scope"):
        BlaaizClient(client_id="x", client_secret="y", scopes="wallet:reed")
    provider = ClientCredentialsProvider(
        client_id="x", client_secret="y", base_url="http://127.0.0.1:9", scopes=frozenset()
    )
    with pytest.raises(ConfigurationError, match="client_secret, scopes"):
        BlaaizClient(token_provider=provider, client_secret="y", scopes="read-only")


async def test_unclosed_client_warns(sandbox: Sandbox) -> None:
    client = oauth_client(sandbox)
    await client.wallets.list()
    transports = client._transports
    with pytest.warns(ResourceWarning, match="unclosed BlaaizClient"):
        del client
        gc.collect()
    for transport in transports:
        await transport.aclose()


async def test_closed_client_refuses_calls(sandbox: Sandbox) -> None:
    client = oauth_client(sandbox)
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.wallets.list()


# -- secrets -----------------------------------------------------------------------------------


async def test_secrets_never_leak(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client_id, secret = sandbox.add_client("read-only")
    raised: list[BaseException] = []
    async with BlaaizClient(
        client_id=client_id, client_secret=secret, base_url=sandbox.url, scopes="read-only",
        retry=FAST_RETRY,
    ) as client:  # fmt: skip
        await client.wallets.list()
        sandbox.revoke_all_tokens()
        await client.wallets.list()
        sandbox.fail_next("wallets.list", status=401, times=2)
        sandbox.fail_next("currencies.list", status=500, times=3)
        for call in (
            client.wallets.list,
            client.currencies.list,
            lambda: client.payouts.create(**payout_args(sandbox)),  # type: ignore[arg-type]
            lambda: client.transactions.get("missing"),
        ):
            try:
                await call()
            except BlaaizError as exc:
                raised.append(exc)
        provider = client.token_provider
        texts = [repr(client), str(client), repr(provider), repr(provider.store)]  # type: ignore[union-attr]
        token = await provider.get_token()  # type: ignore[union-attr]
        texts += [repr(token), str(token)]
    bad = BlaaizClient(client_id=client_id, client_secret="wrong-" + secret, base_url=sandbox.url)
    async with bad:
        try:
            await bad.wallets.list()
        except TokenError as exc:
            raised.append(exc)
    assert len(raised) == 5
    texts += [repr(e) for e in raised] + [str(e) for e in raised]
    texts += [repr(getattr(e, "body", "")) for e in raised] + [caplog.text]
    issued = [t.value for t in sandbox.state.tokens.values()] + [token.value]
    blob = "\n".join(texts)
    assert "requesting access token" in caplog.text  # DEBUG logging was on
    for secret_value in [secret, *issued]:
        assert secret_value not in blob


# -- event loops -------------------------------------------------------------------------------


def test_store_survives_successive_event_loops() -> None:
    store = MemoryTokenStore()
    with background_sandbox() as sb:
        client_id, secret = sb.add_client()

        async def run() -> int:
            async with BlaaizClient(
                client_id=client_id, client_secret=secret, base_url=sb.url, token_store=store
            ) as client:
                results = await asyncio.gather(*(client.wallets.list() for _ in range(50)))
            return len(results)

        assert asyncio.run(run()) == 50
        assert asyncio.run(run()) == 50
        assert sb.token_requests == 1  # the second loop reused the stored token


def test_provider_survives_successive_event_loops() -> None:
    with background_sandbox(token_ttl=1) as sb:
        client_id, secret = sb.add_client()
        provider = ClientCredentialsProvider(
            client_id=client_id,
            client_secret=secret,
            base_url=sb.url,
            scopes=ScopeBundle.FULL_ACCESS.scopes,
        )

        async def run() -> None:
            async with BlaaizClient(token_provider=provider, base_url=sb.url) as client:
                await asyncio.gather(*(client.wallets.list() for _ in range(20)))

        asyncio.run(run())
        time.sleep(1.1)  # expired: the next loop must refresh, not reuse a dead lock
        asyncio.run(run())
        asyncio.run(provider.aclose())
        assert sb.token_requests == 2


class SlowDiscardStore(MemoryTokenStore):
    """A shared store whose compare-and-delete lands late, as a remote store's may."""

    async def discard(self, key: str, token: AccessToken) -> bool:
        await asyncio.sleep(0.2)
        return await super().discard(key, token)


async def test_a_rejected_token_is_never_adopted_again(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox, token_store=SlowDiscardStore()) as client:
        await client.wallets.list()
        sandbox.revoke_all_tokens()
        sandbox.set_latency(0.3, "wallets.list")

        async def later() -> object:
            # Starts after the first call's 401 (t=0.3) while its discard is in flight
            # (until t=0.5), so the store still holds the rejected token; that call then
            # looks for a token (t=0.5) while this one's request is in flight.
            await asyncio.sleep(0.35)
            return await client.wallets.list()

        results = await asyncio.gather(client.wallets.list(), later())
    assert all(results)
    assert sandbox.token_requests == 2


async def test_api_keys_cannot_reach_oauth_only_routes(sandbox: Sandbox) -> None:
    with pytest.warns(DeprecationWarning):
        client = BlaaizClient(api_key=sandbox.add_api_key(), base_url=sandbox.url)
    async with client:
        with pytest.raises(PermissionDeniedError, match="OAuth"):
            await client.signa_id.get_release("rel_1")
    assert sandbox.count("signa_id.get_release") == 0


async def test_payout_currencies_may_be_given_by_id(sandbox: Sandbox) -> None:
    ngn = sandbox.state.currencies["NGN"]["id"]
    cad = sandbox.state.currencies["CAD"]["id"]
    async with oauth_client(sandbox) as client:
        tx = await client.payouts.create(
            **payout_args(sandbox, from_currency_id=ngn, to_currency_id=ngn)  # type: ignore[arg-type]
        )
        assert tx.recipient is not None and tx.recipient.currency == "NGN"
        with pytest.raises(ValidationError) as info:  # interac pays CAD only: fields known
            await client.payouts.create(
                **payout_args(sandbox, method="interac", to_currency_id=cad)  # type: ignore[arg-type]
            )
    assert info.value.field == "email"
    assert sandbox.count("payouts.create") == 1


async def test_mobile_money_payouts(sandbox: Sandbox) -> None:
    kes = sandbox.state.currencies["KES"]["id"]
    usd = sandbox.state.currencies["USD"]["id"]
    args = payout_args(
        sandbox, method="mobile_money", from_currency_id="KES", wallet_id=sandbox.wallet_id("KES"),
        phone_number="+254700000001", account_name="Wanjiru K", bank_id=None,
        account_number=None,
    )  # fmt: skip
    del args["to_currency_id"]
    async with oauth_client(sandbox) as client:
        [operator, *_] = await client.momo_operators.list(currency_id=kes)
        with pytest.raises(ValidationError, match="currency's id") as info:
            await client.payouts.create(
                **args,
                to_currency_id="KES",
                mobile_money_operator_id=operator.id,  # type: ignore[arg-type]
            )
        assert info.value.field == "to_currency_id"
        assert sandbox.count("payouts.create") == 0
        with pytest.raises(BadRequestError, match="not available for USD"):
            await client.payouts.create(
                **args,
                to_currency_id=usd,
                mobile_money_operator_id=operator.id,  # type: ignore[arg-type]
            )
        with pytest.raises(NotFoundError, match="operator"):
            await client.payouts.create(
                **args,
                to_currency_id=kes,
                mobile_money_operator_id="nope",  # type: ignore[arg-type]
            )
        tx = await client.payouts.create(
            **args,
            to_currency_id=kes,
            mobile_money_operator_id=operator.id,  # type: ignore[arg-type]
        )
    assert tx.recipient is not None
    assert tx.recipient.account_number == "+254700000001"
    assert (tx.recipient.bank_name, tx.recipient.bank_code) == (operator.name, operator.code)


class FixedTokenProvider:
    """A TokenProvider of one's own: the protocol is three methods."""

    def __init__(self, value: str) -> None:
        self.token = AccessToken(
            value=value, expires_at=time.time() + 600, refresh_at=time.time() + 500,
            scopes=ScopeBundle.FULL_ACCESS.scopes,
        )  # fmt: skip

    async def get_token(self) -> AccessToken:
        return self.token

    async def invalidate(self, token: AccessToken) -> None:
        return None

    async def aclose(self) -> None:
        return None


async def test_connection_errors_carry_no_token() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 abc\r\n\r\n")  # not a status line
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    secret_token = "tok-" + "s3cr3t" * 4
    try:
        async with BlaaizClient(
            token_provider=FixedTokenProvider(secret_token), base_url=f"http://127.0.0.1:{port}"
        ) as client:
            with pytest.raises(APIConnectionError) as info:
                await client.payouts.create(**payout_args_static())  # type: ignore[arg-type]
    finally:
        server.close()
        await server.wait_closed()
    seen: list[BaseException] = []
    error: BaseException | None = info.value
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    texts = [repr(e) + str(e) + repr(vars(e)) for e in seen]
    assert all(secret_token not in t for t in texts)


def payout_args_static() -> dict[str, object]:
    return {
        "wallet_id": "w", "customer_id": "c", "method": "bank_transfer",
        "from_currency_id": "NGN", "to_currency_id": "NGN", "from_amount": 10,
        "bank_id": "058", "account_number": "0123456789",
    }  # fmt: skip


def test_a_client_is_refused_on_a_second_event_loop_with_the_fix_named() -> None:
    with background_sandbox() as sb:
        client_id, secret = sb.add_client()
        client = BlaaizClient(client_id=client_id, client_secret=secret, base_url=sb.url)
        assert asyncio.run(client.wallets.list())
        with pytest.raises(RuntimeError, match="create a client per event loop"):
            asyncio.run(client.wallets.list())


def test_shared_memory_store_keeps_no_ended_loop_alive() -> None:
    import weakref

    store = MemoryTokenStore()
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def contend() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))

        async def hold() -> None:
            async with store.refresh_lock("key"):
                await asyncio.sleep(0.01)

        await asyncio.gather(hold(), hold())  # the second waits: its lock binds this loop

    for _ in range(5):
        asyncio.run(contend())
    gc.collect()
    assert sum(ref() is not None for ref in loops) <= 1  # at most the last, until next use


async def test_a_late_401_does_not_drop_the_newer_token(sandbox: Sandbox) -> None:
    store = CountingStore()
    async with oauth_client(sandbox, token_store=store) as client:
        provider = client.token_provider
        assert provider is not None
        old = await provider.get_token()
        sandbox.revoke_all_tokens()
        await provider.invalidate(old)
        new = await provider.get_token()
        loads = store.loads
        await provider.invalidate(old)  # another call's 401, answered late, for the old one
        assert await provider.get_token() == new
        assert store.loads == loads  # still the hot path: the newer token was kept
        assert await client.wallets.list()
    assert new != old and sandbox.token_requests == 2


async def test_the_401_resend_is_not_counted_as_a_retry(sandbox: Sandbox) -> None:
    one_retry = RetryPolicy(max_retries=1, base_delay=0.01, max_delay=0.02)
    async with oauth_client(sandbox, retry=one_retry) as client:
        await client.wallets.list()
        sandbox.revoke_all_tokens()  # the next call is answered 401, then resent
        sandbox.fail_next("wallets.list", status=503)  # the resend meets a 503: one retry left
        assert await client.wallets.list()
    assert sandbox.count("wallets.list", 401) == 1 and sandbox.count("wallets.list", 503) == 1


async def test_memory_store_discard_compares_and_lock_excludes() -> None:
    store = MemoryTokenStore()
    a = AccessToken(value="a", expires_at=time.time() + 60, refresh_at=time.time() + 50,
                    scopes=frozenset())  # fmt: skip
    b = AccessToken(value="b", expires_at=a.expires_at, refresh_at=a.refresh_at, scopes=frozenset())
    await store.save("k", b)
    assert not await store.discard("k", a) and await store.load("k") == b
    assert await store.discard("k", b) and await store.load("k") is None
    inside = 0
    overlaps = 0

    async def hold() -> None:
        nonlocal inside, overlaps
        async with store.refresh_lock("k") as held:
            assert held
            inside += 1
            overlaps += inside > 1
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(hold() for _ in range(5)))
    assert overlaps == 0


async def test_two_clients_sharing_a_memory_store_make_one_token_request(sandbox: Sandbox) -> None:
    sandbox.set_latency(0.05, "oauth.token")
    store = MemoryTokenStore()
    client_id, secret = sandbox.add_client()
    clients = [
        BlaaizClient(
            client_id=client_id, client_secret=secret, base_url=sandbox.url, token_store=store
        )
        for _ in range(2)
    ]
    try:
        await asyncio.gather(*(c.wallets.list() for c in clients for _ in range(20)))
    finally:
        for c in clients:
            await c.aclose()
    assert sandbox.token_requests == 1


async def test_retry_after_is_honoured_over_the_backoff(sandbox: Sandbox) -> None:
    slow_backoff = RetryPolicy(max_retries=1, base_delay=20.0, max_delay=20.0)
    async with oauth_client(sandbox, retry=slow_backoff) as client:
        await client.wallets.list()
        sandbox.fail_next("wallets.list", status=429, headers={"Retry-After": "0"})
        started = time.monotonic()
        assert await client.wallets.list()
    assert time.monotonic() - started < 10  # the server's 0 s, not the policy's 20 s
    assert sandbox.count("wallets.list", 429) == 1
