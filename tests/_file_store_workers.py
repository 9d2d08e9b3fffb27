"""Child-process entry points for tests/test_file_store.py.

``multiprocessing`` with the spawn start method imports these by module name in a fresh
interpreter, so they live at module level in an importable module (``tests`` is a package).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from blaaiz_async.auth import ClientCredentialsProvider, FileTokenStore
from blaaiz_async.scopes import Scope

SCOPES = frozenset({Scope.WALLET_READ, Scope.PAYOUT_CREATE})


def _append(path: str, line: str) -> None:
    # One write(2) on an O_APPEND descriptor: lines from several processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def _write(path: str, text: str) -> None:
    Path(path).write_text(text)


def hold_and_log(
    store_path: str, key: str, log_path: str, rounds: int, hold: float, barrier: Any
) -> None:
    """Take the refresh lock ``rounds`` times, logging enter/exit while holding it."""
    store = FileTokenStore(store_path, lock_timeout=30.0)
    me = f"{os.getpid()}"

    async def main() -> None:
        for _ in range(rounds):
            async with store.refresh_lock(key) as held:
                _append(log_path, f"enter {me} {int(held)}")
                await asyncio.sleep(hold)
                _append(log_path, f"exit {me}")

    barrier.wait()
    asyncio.run(main())


def hold_forever(store_path: str, key: str, ready_path: str) -> None:
    """Take the refresh lock, say so through ``ready_path``, then hang until killed."""
    store = FileTokenStore(store_path)

    async def main() -> None:
        async with store.refresh_lock(key) as held:
            _write(ready_path, str(int(held)))
            while True:
                await asyncio.sleep(3600)

    asyncio.run(main())


def save_many(store_path: str, prefix: str, count: int, barrier: Any) -> None:
    """Save ``count`` distinct keys as fast as possible (concurrent read-modify-writes)."""
    from blaaiz_async.auth import AccessToken

    store = FileTokenStore(store_path)
    now = time.time()

    async def main() -> None:
        for i in range(count):
            token = AccessToken(
                value=f"{prefix}-{i}",
                expires_at=now + 3600,
                refresh_at=now + 3000,
                scopes=SCOPES,
            )
            await store.save(f"{prefix}|{i}", token)

    barrier.wait()
    asyncio.run(main())


def provider_fleet(
    base_url: str,
    store_path: str,
    client_secret: str,
    coroutines: int,
    out_path: str,
    barrier: Any,
) -> None:
    """One worker process: ``coroutines`` concurrent ``get_token`` calls from cold."""

    async def main() -> dict[str, Any]:
        provider = ClientCredentialsProvider(
            client_id="fleet-client",
            client_secret=client_secret,
            base_url=base_url,
            scopes=SCOPES,
            store=FileTokenStore(store_path),
        )
        results = await asyncio.gather(
            *(provider.get_token() for _ in range(coroutines)), return_exceptions=True
        )
        await provider.aclose()
        errors = [repr(r) for r in results if isinstance(r, BaseException)]
        values = sorted({r.value for r in results if not isinstance(r, BaseException)})
        return {"errors": errors, "values": values, "requests": provider.token_requests}

    barrier.wait()
    result = asyncio.run(main())
    Path(out_path).write_text(json.dumps(result))
