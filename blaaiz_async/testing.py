"""Pytest plugin (registered through the ``pytest11`` entry point) for users' own tests.

Fixtures:

- ``blaaiz_sandbox``: a running ``Sandbox`` on a free loopback port, fresh per test, on its
  own event loop in a background thread: it answers whatever the test's thread does, so it
  serves async tests, sync tests, FastAPI's ``TestClient`` and code calling ``asyncio.run``.
- ``blaaiz_client``: a ``BlaaizClient`` with full access to that sandbox, opened on the
  test's event loop (an async fixture: it needs pytest-asyncio or anyio). Use it from the
  test's loop only; an app that owns its client (``TestClient`` runs the app on a loop of
  its own) gets a factory instead: ``blaaiz_sandbox_factory.client_factory(sb)``.
- ``blaaiz_sandbox_factory``: a ``SandboxFactory`` making more sandboxes (token TTL, rate
  limit, ``echo_scope``, latency, webhook timings), each on its own thread and stopped
  after the test, and clients for them with the scopes a test needs.

For unit tests without any socket, ``MockTransport(handler)`` answers every request with
``handler(request)``: ``BlaaizClient(transport=MockTransport(handler), ...)``.

Importing this module (pytest does for every run) imports neither ``aiohttp.web`` nor the
sandbox nor FastAPI; the fixtures import them when a test uses one.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from .transport import HTTPRequest, HTTPResponse, MockTransport, TransportError

if TYPE_CHECKING:
    from .client import BlaaizClient
    from .limits.limit import RateLimit
    from .sandbox import Sandbox
    from .scopes import ScopesArg

__all__ = ["HTTPRequest", "HTTPResponse", "MockTransport", "SandboxFactory", "TransportError"]

F = TypeVar("F", bound=Callable[..., Any])


class _SandboxLimit:
    """The default client budget: the sandbox's own limit (``Sandbox.client_rate_limit``)."""

    def __repr__(self) -> str:
        return "<the sandbox's limit>"


_SANDBOX_LIMIT = _SandboxLimit()


def _async_fixture(fn: F) -> F:
    """pytest-asyncio's fixture when installed (strict mode needs it), else pytest's."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - anyio users get plain fixtures
        return pytest.fixture(fn)  # type: ignore[return-value]
    return pytest_asyncio.fixture(fn)  # type: ignore[return-value]


class SandboxFactory:
    """Sandboxes on their own threads, and clients for them; everything it started stops
    when the test ends (the ``blaaiz_sandbox_factory`` fixture).

    ::

        def test_refresh(blaaiz_sandbox_factory):
            sb = blaaiz_sandbox_factory.sandbox(token_ttl=2, rate_limit=100, echo_scope=False)
            make_client = blaaiz_sandbox_factory.client_factory(sb, scopes="read-only")
            app = create_app(client_factory=make_client)   # the app owns its client
            with TestClient(app) as http: ...

    ``sandbox(**options)`` takes every ``Sandbox`` option: ``token_ttl``, ``rate_limit``
    and ``rate_window``, ``echo_scope`` (False: token answers carry no ``scope``, as some
    deployments send), ``latency``, ``webhook_secret``, ``webhook_retry_delays``, ...
    """

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._closed = False

    def __repr__(self) -> str:
        return "SandboxFactory()"

    def sandbox(self, **options: Any) -> Sandbox:
        """A running ``Sandbox`` (``Sandbox(**options)``) on its own event loop in a
        background thread, stopped at the end of the test."""
        if self._closed:
            raise RuntimeError("this SandboxFactory is closed: its test has ended")
        from .sandbox import background_sandbox

        return self._stack.enter_context(background_sandbox(**options))

    def credentials(self, sandbox: Sandbox, scopes: ScopesArg = None) -> tuple[str, str]:
        """New ``(client_id, client_secret)`` holding ``scopes`` (default: every scope)."""
        return sandbox.add_client(scopes)

    def client(
        self,
        sandbox: Sandbox,
        *,
        scopes: ScopesArg = None,
        rate_limit: RateLimit | _SandboxLimit | None = _SANDBOX_LIMIT,
        **options: Any,
    ) -> BlaaizClient:
        """A ``BlaaizClient`` on new credentials holding ``scopes``, not opened yet: open
        it on the loop that uses it (``async with factory.client(sb) as client``).

        ``rate_limit`` defaults to the sandbox's own limit (none when it has none);
        ``options`` go to ``BlaaizClient`` (``token_store=``, ``retry=``, ...)."""
        return self.client_factory(sandbox, scopes=scopes, rate_limit=rate_limit, **options)()

    def client_factory(
        self,
        sandbox: Sandbox,
        *,
        scopes: ScopesArg = None,
        rate_limit: RateLimit | _SandboxLimit | None = _SANDBOX_LIMIT,
        **options: Any,
    ) -> Callable[[], BlaaizClient]:
        """A function making clients on ONE new credential holding ``scopes``: what an app
        that owns its client takes (``Blaaiz(client_factory=...)``), so the client is made
        on the app's own event loop (FastAPI's ``TestClient``, uvicorn)."""
        from .client import BlaaizClient

        client_id, client_secret = self.credentials(sandbox, scopes)
        limit = sandbox.client_rate_limit if isinstance(rate_limit, _SandboxLimit) else rate_limit
        url = sandbox.url

        def make() -> BlaaizClient:
            return BlaaizClient(
                client_id=client_id,
                client_secret=client_secret,
                base_url=url,
                rate_limit=limit,
                **options,
            )

        return make

    def close(self) -> None:
        """Stop every sandbox this factory started."""
        self._closed = True
        self._stack.close()


@pytest.fixture
def blaaiz_sandbox_factory() -> Iterator[SandboxFactory]:
    factory = SandboxFactory()
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def blaaiz_sandbox(blaaiz_sandbox_factory: SandboxFactory) -> Sandbox:
    return blaaiz_sandbox_factory.sandbox()


@_async_fixture
async def blaaiz_client(
    blaaiz_sandbox: Sandbox, blaaiz_sandbox_factory: SandboxFactory
) -> AsyncIterator[BlaaizClient]:
    async with blaaiz_sandbox_factory.client(blaaiz_sandbox) as client:
        yield client
