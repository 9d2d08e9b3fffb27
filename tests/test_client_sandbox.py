"""The foundation against the sandbox over real sockets: tokens, guards, errors, payouts."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import warnings

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
from blaaiz_async.sandbox import Sandbox, background_sandbox

FAST_RETRY = RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.02)


def oauth_client(sb: Sandbox, scopes: object = None, **kwargs: object) -> BlaaizClient:
    client_id, secret = sb.add_client(scopes)
    return BlaaizClient(
        client_id=client_id,
        client_secret=secret,
        base_url=sb.url,
        scopes=scopes,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


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
    async with oauth_client(sandbox) as client:
        results = await asyncio.gather(*(client.wallets.list() for _ in range(500)))
    assert all(len(r) == len(sandbox.state.wallets) for r in results)
    assert sandbox.token_requests == 1
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
    sandbox.fail_next(
        "oauth.token", status=400, body={"error": "invalid_scope", "error_description": "nope"}
    )
    async with oauth_client(sandbox) as client:
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
        sandbox.fail_next("wallets.list", status=429, times=3, headers={"Retry-After": "0"})
        with pytest.raises(RateLimitError) as info:
            await client.wallets.list()
    assert info.value.retry_after == 0


async def test_fees_breakdown(sandbox: Sandbox) -> None:
    async with oauth_client(sandbox) as client:
        fees = await client.fees.breakdown(
            from_currency_id="NGN", to_currency_id="NGN", from_amount="2500.55"
        )
        with pytest.raises(ValidationError):
            await client.fees.breakdown(from_currency_id="NGN", to_currency_id="NGN")
    assert str(fees.you_send) == "2500.55"
    assert fees.recipient_gets == fees.total_amount_to_send


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
    bad = BlaaizClient(api_key="wrong", base_url=sandbox.url)
    async with bad:
        with pytest.raises(AuthenticationError, match="API key"):
            await bad.wallets.list()


async def test_oauth_wins_over_api_key(sandbox: Sandbox) -> None:
    client_id, secret = sandbox.add_client()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        client = BlaaizClient(
            client_id=client_id, client_secret=secret, api_key="k", base_url=sandbox.url
        )
    async with client:
        await client.wallets.list()
    assert client.auth_mode == "oauth" and sandbox.token_requests == 1


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
    session = client._session
    with pytest.warns(ResourceWarning, match="unclosed BlaaizClient"):
        del client
        gc.collect()
    assert session is not None
    await session.close()


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
