"""The sandbox's fault injection does what it says, or refuses to be set up."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.config import ConfigurationError
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.sandbox.state import MAX_TOKEN_TTL


async def test_drop_after_processing_on_the_token_route_issues_the_token_and_drops(
    sandbox: Sandbox,
) -> None:
    client_id, secret = sandbox.add_client()
    sandbox.drop_after_processing("oauth.token")
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    async with aiohttp.ClientSession() as session:
        # Before: an empty 500, and no token issued.
        with pytest.raises(aiohttp.ServerDisconnectedError):
            async with session.post(sandbox.url + "/oauth/token", data=form) as resp:
                await resp.read()
    assert len(sandbox.state.tokens) == 1  # done, but the answer was lost
    assert sandbox.count("oauth.token", 0) == 1 and sandbox.status_count(500) == 0


async def test_a_client_retries_a_token_request_whose_answer_was_lost(sandbox: Sandbox) -> None:
    client_id, secret = sandbox.add_client()
    sandbox.drop_after_processing("oauth.token")
    async with BlaaizClient(client_id=client_id, client_secret=secret, base_url=sandbox.url) as c:
        await c.wallets.list()
    assert sandbox.token_requests == 2 and len(sandbox.state.tokens) == 2


FAULTS: dict[str, Callable[[Sandbox, str, int], None]] = {
    "fail_next": lambda sb, route, times: sb.fail_next(route, times=times),
    "drop_after": lambda sb, route, times: sb.drop_after_processing(route, times=times),
    "drop_before": lambda sb, route, times: sb.drop_before_processing(route, times=times),
}


@pytest.mark.parametrize("inject", FAULTS.values(), ids=FAULTS.keys())
@pytest.mark.parametrize("times", [0, -1])
def test_a_fault_for_fewer_than_one_call_is_refused(
    inject: Callable[[Sandbox, str, int], None], times: int
) -> None:
    sandbox = Sandbox()
    with pytest.raises(ConfigurationError, match="at least 1") as info:
        inject(sandbox, "wallets.list", times)  # before: times=0 still fired once
    assert isinstance(info.value, ValueError)
    assert sandbox.state.faults == {}


@pytest.mark.parametrize("inject", FAULTS.values(), ids=FAULTS.keys())
@pytest.mark.parametrize(
    ("route", "hint"),
    [
        ("payout.create", "did you mean 'payouts.create'"),
        ("walets.list", "did you mean 'wallets.list'"),
        ("oauth/token", "'oauth.token'"),
        ("nothing-like-it", "use a route name such as 'payouts.create'"),
        ("storage.put", "no route named 'storage.put'"),  # counted, but takes no faults
    ],
)
def test_a_fault_for_an_unknown_route_is_refused_with_close_matches(
    inject: Callable[[Sandbox, str, int], None], route: str, hint: str
) -> None:
    sandbox = Sandbox()
    with pytest.raises(ConfigurationError, match=hint):
        inject(sandbox, route, 1)  # before: accepted, and never fired
    assert sandbox.state.faults == {}


@pytest.mark.parametrize(
    ("route", "hint"),
    [
        ("payout.create", "did you mean 'payouts.create'"),
        ("oauth/token", "'oauth.token'"),
        ("nothing-like-it", "use a route name such as 'payouts.create'"),
    ],
)
def test_latency_and_counters_refuse_unknown_routes_too(route: str, hint: str) -> None:
    sandbox = Sandbox()
    with pytest.raises(ConfigurationError, match=hint):
        sandbox.set_latency(0.5, route)  # before: accepted, and never waited
    with pytest.raises(ConfigurationError, match=hint):
        sandbox.count(route)  # before: 0, so "assert count == 0" passed on a typo
    assert sandbox.latency == {}
    assert sandbox.count("payouts.create") == 0 and sandbox.count("storage.put") == 0
    sandbox.set_latency(0.25, "oauth.token")
    sandbox.set_latency(0.5)
    assert sandbox.latency == {"oauth.token": 0.25, "*": 0.5}


@pytest.mark.parametrize("seconds", [-1, "1", True, float("nan"), float("inf")])
def test_bad_latencies_and_token_lifetimes_are_refused(seconds: object) -> None:
    with pytest.raises(ConfigurationError, match="latency"):
        Sandbox(latency=seconds)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="token_ttl"):
        Sandbox(token_ttl=seconds)  # type: ignore[arg-type]
    sandbox = Sandbox()
    with pytest.raises(ConfigurationError, match="latency"):
        sandbox.set_latency(seconds, "wallets.list")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="token_ttl"):
        sandbox.token_ttl = seconds  # type: ignore[assignment]
    assert sandbox.latency == {} and sandbox.token_ttl == 3600.0


async def test_a_token_lifetime_beyond_ten_years_is_refused_and_ten_years_is_served() -> None:
    """``expires_in`` must be a number clients read: 1e308 s once made every token request
    a 500 (an integer beyond 64 bits cannot be written as JSON)."""
    with pytest.raises(ConfigurationError, match="at most 315360000"):
        Sandbox(token_ttl=1e308)
    async with Sandbox(token_ttl=MAX_TOKEN_TTL) as sb:
        client_id, client_secret = sb.add_client(scopes="read-only")
        async with BlaaizClient(
            client_id=client_id, client_secret=client_secret, base_url=sb.url
        ) as client:
            assert len(await client.wallets.list()) > 0
