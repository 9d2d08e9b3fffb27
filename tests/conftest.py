"""Shared fixtures: a sandbox on a real socket and a client with full access to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.retry import PROCESS_RETRY_BUDGET
from blaaiz_async.sandbox import Sandbox
from tests.redis_support import redis_cluster, redis_server  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_retry_budget() -> None:
    """The retry budget is per process: one test's failures must not spend the next's."""
    PROCESS_RETRY_BUDGET.tokens = PROCESS_RETRY_BUDGET.capacity


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sb:
        yield sb


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[BlaaizClient]:
    client_id, client_secret = sandbox.add_client()
    async with BlaaizClient(
        client_id=client_id,
        client_secret=client_secret,
        base_url=sandbox.url,
        scopes=None,
        rate_limit=None,
    ) as c:
        yield c
