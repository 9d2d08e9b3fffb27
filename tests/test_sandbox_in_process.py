"""The sandbox reached in-process: the same behaviour as over a socket, with no socket."""

from __future__ import annotations

import pytest

from blaaiz_async import BlaaizClient, ScopeBundle
from blaaiz_async.errors import (
    InsufficientScopeError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
)
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.sandbox.inprocess import IN_PROCESS_URL
from tests.test_client_sandbox import payout_args


def in_process(sb: Sandbox, scopes: object = None, **kw: object) -> BlaaizClient:
    client_id, secret = sb.add_client(scopes)
    return BlaaizClient(
        client_id=client_id, client_secret=secret, base_url=IN_PROCESS_URL,
        transport=sb.transport(), rate_limit=None, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_calls_reach_the_sandbox_without_a_server() -> None:
    sb = Sandbox()  # never started: no socket at all
    async with in_process(sb) as client:
        wallets = await client.wallets.list()
        tx = await client.payouts.create(**payout_args(sb, merchant_reference="inproc-1"))  # type: ignore[arg-type]
        found = await client.transactions.get("inproc-1")
        with pytest.raises(NotFoundError):
            await client.transactions.get("no-such-reference")
    assert wallets and found.id == tx.id
    assert sb.token_requests == 1 and sb.count("payouts.create") == 1


async def test_auth_scopes_and_revocation_behave_as_over_a_socket() -> None:
    sb = Sandbox()
    async with in_process(sb, ScopeBundle.READ_ONLY) as client:
        await client.wallets.list()
        sb.revoke_all_tokens()
        await client.wallets.list()  # 401, one refetch, resent
        with pytest.raises(InsufficientScopeError):
            await client.payouts.create(**payout_args(sb))  # type: ignore[arg-type]
    assert sb.token_requests == 2 and sb.count("payouts.create") == 0


async def test_faults_and_limits_reach_the_client() -> None:
    sb = Sandbox(rate_limit=2, rate_window=60.0)
    async with in_process(sb, retry=RetryPolicy(max_retries=0)) as client:
        sb.drop_after_processing("payouts.create")
        with pytest.raises(OutcomeUnknownError):
            await client.payouts.create(**payout_args(sb, merchant_reference="inproc-2"))  # type: ignore[arg-type]
        await client.wallets.list()
        with pytest.raises(RateLimitError) as info:
            await client.wallets.list()
    assert sb.count("payouts.create") == 1  # processed once, its answer lost
    assert info.value.headers["X-RateLimit-Limit"] == "2"


async def test_a_file_upload_goes_through_presigned_storage_in_process() -> None:
    sb = Sandbox()
    async with in_process(sb) as client:
        result = await client.customers.upload_file(
            sb.customer_id, file_category="identity", data=b"%PDF-1.4 scan"
        )
    assert result.file_id
    assert [u["size"] for u in sb.state.uploads.values()] == [len(b"%PDF-1.4 scan")]
