"""Pytest plugin (registered through the ``pytest11`` entry point) for users' own tests.

Fixtures:

- ``blaaiz_sandbox``: a running ``Sandbox`` on a free loopback port, fresh per test.
- ``blaaiz_client``: a ``BlaaizClient`` with full access to that sandbox.

For unit tests without any socket, ``MockTransport(handler)`` answers every request with
``handler(request)``: ``BlaaizClient(transport=MockTransport(handler), ...)``.

Both are async fixtures; they need an asyncio pytest plugin (pytest-asyncio, anyio).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import pytest

from .client import BlaaizClient
from .sandbox import Sandbox
from .transport import HTTPRequest, HTTPResponse, MockTransport, TransportError

__all__ = ["HTTPRequest", "HTTPResponse", "MockTransport", "TransportError"]

F = TypeVar("F", bound=Callable[..., Any])


def _async_fixture(fn: F) -> F:
    """pytest-asyncio's fixture when installed (strict mode needs it), else pytest's."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - anyio users get plain fixtures
        return pytest.fixture(fn)  # type: ignore[return-value]
    return pytest_asyncio.fixture(fn)  # type: ignore[return-value]


@_async_fixture
async def blaaiz_sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@_async_fixture
async def blaaiz_client(blaaiz_sandbox: Sandbox) -> AsyncIterator[BlaaizClient]:
    client_id, client_secret = blaaiz_sandbox.add_client()
    async with BlaaizClient(
        client_id=client_id,
        client_secret=client_secret,
        base_url=blaaiz_sandbox.url,
        rate_limit=blaaiz_sandbox.client_rate_limit,  # the sandbox's limit, or none
    ) as client:
        yield client
