"""The sandbox's fixed-window limiter: a decision table, then the headers over real sockets."""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.config import ConfigurationError
from blaaiz_async.errors import RateLimitError
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.routes import API, ROUTES
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.sandbox.limiter import Count, FixedWindowLimiter, hit_all, merge_headers

WALLETS = ROUTES["wallets.list"].path
RELEASES = API + "/signa-id/release-requests"  # 30 a minute per business, of its own

# (limit, window, request times) -> the count of the last request
TABLE = [
    pytest.param(2, 60.0, [120.0], Count(True, 2, 1, 180), id="first in the window"),
    pytest.param(2, 60.0, [120.0, 130.0], Count(True, 2, 0, 180), id="the last one allowed"),
    pytest.param(2, 60.0, [120.0, 130.0, 150.0], Count(False, 2, 0, 180, 30), id="refused"),
    pytest.param(
        2, 60.0, [120.0, 130.0, 179.2], Count(False, 2, 0, 180, 1), id="Retry-After rounds up"
    ),
    pytest.param(
        2, 60.0, [120.0, 130.0, 150.4], Count(False, 2, 0, 180, 30), id="never short of reset"
    ),
    pytest.param(2, 60.0, [120.0, 130.0, 150.0, 180.0], Count(True, 2, 1, 240), id="next window"),
    pytest.param(1, 2.5, [1.0], Count(True, 1, 0, 3), id="reset rounds a window end up"),
    pytest.param(1, 2.5, [1.0, 2.2], Count(False, 1, 0, 3, 1), id="at least one second"),
    pytest.param(1, 2.5, [1.0, 2.6], Count(True, 1, 0, 5), id="fractional window rolls"),
]


@pytest.mark.parametrize(("limit", "window", "times", "expected"), TABLE)
def test_fixed_window_decision_table(
    limit: int, window: float, times: list[float], expected: Count
) -> None:
    limiter = FixedWindowLimiter(limit, window)
    counts = [limiter.hit("acct", t) for t in times]
    assert counts[-1] == expected
    if not expected.allowed:
        assert expected.retry_after is not None
        assert times[-1] + expected.retry_after >= expected.reset  # honouring it is enough


def test_a_refusal_is_not_counted_and_keys_are_separate() -> None:
    limiter = FixedWindowLimiter(1, 60.0)
    assert limiter.hit("a", 0.0).allowed
    assert not limiter.hit("a", 1.0).allowed
    assert not limiter.hit("a", 2.0).allowed
    assert limiter.hit("b", 2.0).allowed
    assert limiter.hit("a", 60.0) == Count(True, 1, 0, 120)


def test_several_limits_count_all_or_nothing_and_report_the_tightest() -> None:
    minute, hour = FixedWindowLimiter(2, 60.0), FixedWindowLimiter(3, 3600.0)
    assert hit_all([minute, hour], "biz", 10.0) == Count(True, 2, 1, 60)
    assert hit_all([minute, hour], "biz", 20.0) == Count(True, 2, 0, 60)
    assert hit_all([minute, hour], "biz", 30.0) == Count(False, 2, 0, 60, 30)
    assert hour.peek("biz", 30.0).remaining == 0  # the refusal did not count: one is left
    assert hit_all([minute, hour], "biz", 70.0) == Count(True, 3, 0, 3600)
    assert hit_all([minute, hour], "biz", 80.0) == Count(False, 3, 0, 3600, 3520)


def test_merged_headers_keep_the_tighter_limit_and_a_refusal_its_own() -> None:
    account = Count(True, 100, 57, 120).headers()
    endpoint = Count(True, 30, 29, 60).headers()
    assert merge_headers(account, {**endpoint, "Cache-Control": "no-store"}) == {
        **endpoint,
        "Cache-Control": "no-store",
    }
    nearly_out = Count(True, 100, 3, 120).headers()
    assert merge_headers(nearly_out, endpoint) == nearly_out
    refused = Count(False, 30, 0, 60, 12).headers()
    assert merge_headers(Count(True, 100, 0, 120).headers(), refused) == refused
    assert merge_headers({}, endpoint) == endpoint


@pytest.mark.parametrize(
    ("limit", "window"),
    [(0, 60.0), (True, 60.0), ("5", 60.0), (5, 0.0), (5, math.inf), (5, "60"), (5, True)],
)
def test_bad_limits_are_refused(limit: int, window: float) -> None:
    with pytest.raises(ConfigurationError, match="rate"):
        FixedWindowLimiter(limit, window)
    with pytest.raises(ConfigurationError, match="rate"):
        Sandbox(rate_limit=limit, rate_window=window)


# -- over real sockets --------------------------------------------------------------------------


class Raw:
    """Plain aiohttp against the sandbox, to see every header of every answer."""

    def __init__(self, sb: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sb = sb
        self.session = session
        self.token = ""

    async def login(self, scopes: str | None = None) -> None:
        client_id, secret = self.sb.add_client(scopes)
        form = {"grant_type": "client_credentials", "client_id": client_id}
        form["client_secret"] = secret
        async with self.session.post(self.sb.url + "/oauth/token", data=form) as resp:
            self.token = (await resp.json())["access_token"]

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Mapping[str, str]]:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.session.request(method, self.sb.url + path, headers=headers, **kwargs) as r:
            await r.read()
            return r.status, r.headers


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def assert_agrees(headers: Mapping[str, str], sent: float, received: float) -> int:
    """Retry-After is whole seconds from the server's now to X-RateLimit-Reset, rounded up
    and at least 1 (the server's now lies between sending and receiving)."""
    reset, retry_after = int(headers["X-RateLimit-Reset"]), int(headers["Retry-After"])
    assert max(1, math.ceil(reset - received)) <= retry_after <= max(1, math.ceil(reset - sent))
    return retry_after


async def test_every_answer_carries_the_headers_and_a_429_agrees_with_the_reset(
    session: aiohttp.ClientSession,
) -> None:
    async with Sandbox(rate_limit=4, rate_window=60.0) as sb:
        raw = Raw(sb, session)
        await raw.login("read-only")
        answers = [
            await raw.call("GET", WALLETS),
            await raw.call("GET", WALLETS + "/no-such-wallet"),  # 404 from the handler
            await raw.call("POST", ROUTES["payouts.create"].path, json={}),  # 403: scope
        ]
        sb.fail_next("wallets.list", status=500)
        answers.append(await raw.call("GET", WALLETS))  # an injected fault
        assert [status for status, _ in answers] == [200, 404, 403, 500]
        assert [h["X-RateLimit-Remaining"] for _, h in answers] == ["3", "2", "1", "0"]
        assert {h["X-RateLimit-Limit"] for _, h in answers} == {"4"}
        resets = {int(h["X-RateLimit-Reset"]) for _, h in answers}
        assert len(resets) == 1 and resets.pop() % 60 == 0
        sent = time.time()
        status, headers = await raw.call("GET", WALLETS)
        received = time.time()
    assert status == 429 and headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= assert_agrees(headers, sent, received) <= 60


async def test_waiting_out_retry_after_is_enough(session: aiohttp.ClientSession) -> None:
    # A 2 s window: a Retry-After rounded down would come back before the reset.
    async with Sandbox(rate_limit=1, rate_window=2.0) as sb:
        raw = Raw(sb, session)
        await raw.login()
        for _ in range(2):
            status = 200
            while status == 200:  # at most two calls: the window holds one
                sent = time.time()
                status, headers = await raw.call("GET", WALLETS)
                received = time.time()
            assert status == 429
            await asyncio.sleep(assert_agrees(headers, sent, received))
            status, headers = await raw.call("GET", WALLETS)
            assert status == 200, headers


async def test_an_endpoint_limit_shows_on_its_answers_the_tighter_one_wins(
    session: aiohttp.ClientSession,
) -> None:
    async with Sandbox() as sb:  # no account limit: the endpoint's own still applies
        raw = Raw(sb, session)
        await raw.login()
        status, headers = await raw.call("POST", RELEASES, json={})
        assert status == 422
        assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == ("30", "29")
        status, headers = await raw.call("GET", WALLETS)
        assert "X-RateLimit-Limit" not in headers  # no limit set: no headers
    async with Sandbox(rate_limit=100) as sb:
        raw = Raw(sb, session)
        await raw.login()
        _, headers = await raw.call("POST", RELEASES, json={})
        assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == ("30", "29")
    async with Sandbox(rate_limit=2) as sb:
        raw = Raw(sb, session)
        await raw.login()
        _, headers = await raw.call("POST", RELEASES, json={})
        assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == ("2", "1")


async def test_an_endpoint_429_agrees_with_its_reset(session: aiohttp.ClientSession) -> None:
    async with Sandbox() as sb:
        raw = Raw(sb, session)
        await raw.login()
        for _ in range(30):
            assert (await raw.call("POST", RELEASES, json={}))[0] == 422
        sent = time.time()
        status, headers = await raw.call("POST", RELEASES, json={})
        received = time.time()
        assert status == 429 and headers["X-RateLimit-Limit"] == "30"
        assert_agrees(headers, sent, received)


async def test_the_sdk_sees_the_sandbox_429_as_a_rate_limit_error() -> None:
    async with Sandbox(rate_limit=1) as sb:
        client_id, secret = sb.add_client()
        async with BlaaizClient(
            client_id=client_id,
            client_secret=secret,
            base_url=sb.url,
            retry=RetryPolicy(max_retries=0),
            rate_limit=None,  # the server's 429, not the client's own budget
        ) as client:
            await client.wallets.list()
            with pytest.raises(RateLimitError) as info:
                await client.wallets.list()
    assert info.value.retry_after is not None and 1 <= info.value.retry_after <= 60
    assert info.value.headers["X-RateLimit-Limit"] == "1"


def test_the_cli_sandbox_takes_the_rate_limit() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "blaaiz_async.cli", "sandbox", "--port", "0"]
    proc = subprocess.Popen(
        [*argv, "--rate-limit", "2", "--rate-window", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines: dict[str, str] = {}
        saw_limit = False
        while "BLAAIZ_CLIENT_SECRET" not in lines:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "no output"
            name, sep, value = line.partition("=")
            if line.startswith("# rate limit:"):
                assert line.strip() == "# rate limit: 2 requests per 30s per account"
                saw_limit = True
            elif sep:
                lines[name] = value.split()[0]
        assert saw_limit

        async def probe() -> list[tuple[int, str]]:
            async with BlaaizClient(
                client_id=lines["BLAAIZ_CLIENT_ID"],
                client_secret=lines["BLAAIZ_CLIENT_SECRET"],
                base_url=lines["BLAAIZ_BASE_URL"],
                retry=RetryPolicy(max_retries=0),
                rate_limit=None,
            ) as client:
                await client.wallets.list()
                await client.wallets.list()
                with pytest.raises(RateLimitError) as info:
                    await client.wallets.list()
                return [(info.value.status, info.value.headers["X-RateLimit-Limit"])]

        assert asyncio.run(probe()) == [(429, "2")]
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--rate-limit", "0"], "must be at least 1"),
        (["--rate-limit", "many"], "not a whole number"),
        (["--rate-window", "-3"], "positive number of seconds"),
    ],
)
def test_the_cli_refuses_a_bad_rate_limit_without_a_traceback(args: list[str], reason: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "blaaiz_async.cli", "sandbox", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert reason in done.stderr and "Traceback" not in done.stderr
