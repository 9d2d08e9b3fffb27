"""The sandbox's webhook sender: signs each recorded delivery and POSTs it, with retries.

Handlers stay plain functions: they record a delivery and call ``state.delivery_hook``,
which hands it to this sender on the sandbox's event loop. Each attempt is signed afresh
(a new ``x-blaaiz-timestamp``, as a real sender's retry would be) with the sandbox's
webhook secret. A non-2xx answer, a refused connection or no answer within ``timeout``
is retried after each of ``retry_delays``; then the delivery is ``failed``. Every attempt
is kept in the delivery record (``at``, and ``status`` or ``error``).

Only URLs on this machine (loopback hosts) are sent to: a configuration pointing
anywhere else is recorded as ``not_sent``, so tests and demos never reach the network.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import aiohttp

from ..config import ConfigurationError
from ..models.converter import dumps
from ..rules.base import on_this_machine
from ..webhooks.signature import sign_headers
from .state import Record, SandboxState, now_iso

DEFAULT_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
DEFAULT_TIMEOUT = 5.0
MAX_IN_FLIGHT = 16
USER_AGENT = "blaaiz-sandbox-webhooks"


class WebhookSender:
    """Sends the deliveries of one ``SandboxState`` from the loop it was started on."""

    def __init__(
        self,
        state: SandboxState,
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        seconds = (*retry_delays, timeout)
        if (
            any(isinstance(s, bool) or not isinstance(s, int | float) for s in seconds)
            or any(not 0 <= d < 3600 for d in retry_delays)
            or not 0 < timeout < 3600
        ):
            raise ConfigurationError(
                "webhook retry delays and timeout must be numbers of seconds below an hour "
                "(the timeout above 0)"
            )
        self.state = state
        self.retry_delays = tuple(float(d) for d in retry_delays)
        self.timeout = float(timeout)
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._gate: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._gate = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.state.delivery_hook = self.enqueue

    def enqueue(self, delivery: Record) -> None:
        if not on_this_machine(str(delivery["url"])):
            delivery["status"] = "not_sent"
            delivery["reason"] = "the sandbox only delivers to loopback URLs"
            return
        loop = self._loop
        assert loop is not None, "WebhookSender.start() was not called"
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is loop:
            self._schedule(delivery)
        else:  # recorded from another thread (a sandbox on its own thread): hand it over
            loop.call_soon_threadsafe(self._schedule, delivery)

    def _schedule(self, delivery: Record) -> None:
        assert self._loop is not None
        task = self._loop.create_task(self._send(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until every delivery so far is delivered or failed."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def aclose(self) -> None:
        self.state.delivery_hook = None
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _send(self, delivery: Record) -> None:
        body = dumps(delivery["payload"])
        delivery["body"] = body
        assert self._gate is not None
        for delay in (0.0, *self.retry_delays):
            if delay:
                await asyncio.sleep(delay)
            async with self._gate:
                outcome = await self._attempt(str(delivery["url"]), body)
            delivery["attempts"].append({"at": now_iso(), **outcome})
            status = outcome.get("status")
            if isinstance(status, int) and 200 <= status < 300:
                delivery["status"] = "delivered"
                return
        delivery["status"] = "failed"

    async def _attempt(self, url: str, body: bytes) -> Record:
        headers = sign_headers(self.state.webhook_secret, body)
        headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
        session = self._session
        if session is None or session.closed:
            session = self._session = aiohttp.ClientSession()
        try:
            async with session.post(
                url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                allow_redirects=False,
            ) as response:
                await response.read()
                return {"status": response.status}
        except (aiohttp.ClientError, TimeoutError) as exc:
            return {"error": type(exc).__name__}
