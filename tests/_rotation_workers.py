"""Child-process entry point for tests/test_credentials_rotation_fleet.py.

One worker process: a ``BlaaizClient`` reading ``FileCredentials``, sharing its token
through a ``FileTokenStore`` or Redis, running a few coroutines of calls against the
sandbox until a stop file appears. Imported by module name under the spawn start method.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from blaaiz_async import BlaaizClient
from blaaiz_async.auth import ClientCredentialsProvider, FileCredentials, FileTokenStore
from blaaiz_async.errors import BlaaizError


def write_credentials(path: str | os.PathLike[str], client_id: str, client_secret: str) -> None:
    """Replace the credentials file atomically, as a secrets agent would."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"client_id": client_id, "client_secret": client_secret}))
    os.replace(tmp, target)


def _store(kind: str, where: str) -> Any:
    if kind == "file":
        return FileTokenStore(where)
    from blaaiz_async.auth import RedisTokenStore

    return RedisTokenStore.from_url(where)


def run(
    base_url: str,
    credentials_path: str,
    store_kind: str,
    store_where: str,
    coroutines: int,
    pause: float,
    run_dir: str,
) -> None:
    """Call ``wallets.list`` in ``coroutines`` loops until ``run_dir/stop`` exists; write
    ``run_dir/<pid>.json``: calls ok, failures with their times, token requests."""
    me = str(os.getpid())
    stop = Path(run_dir) / "stop"
    ok: list[float] = []
    failures: list[list[Any]] = []

    async def loop(client: BlaaizClient) -> None:
        while not stop.exists():
            try:
                await client.wallets.list()
            except BlaaizError as exc:
                failures.append([time.time(), type(exc).__name__, str(exc)[:200]])
            else:
                ok.append(time.time())
                if len(ok) == 1:
                    (Path(run_dir) / f"{me}.ready").write_text("1")
            await asyncio.sleep(pause)

    async def main() -> int:
        async with BlaaizClient(
            credentials=FileCredentials(credentials_path),
            base_url=base_url,
            token_store=_store(store_kind, store_where),
            rate_limit=None,
        ) as client:
            await asyncio.gather(*(loop(client) for _ in range(coroutines)))
            provider = client.token_provider
            assert isinstance(provider, ClientCredentialsProvider)
            return provider.token_requests

    requests = asyncio.run(main())
    result = {"ok": len(ok), "last_ok": max(ok, default=0.0), "failures": failures}
    result["token_requests"] = requests
    (Path(run_dir) / f"{me}.json").write_text(json.dumps(result))
