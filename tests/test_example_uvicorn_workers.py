"""examples/uvicorn_workers.py under a real ``uvicorn --workers 3``: the worker processes
share one token through the ``FileTokenStore``, so the token endpoint sees one request."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from blaaiz_async.sandbox import Sandbox
from tests.example_support import EXAMPLES, ROOT, child_env, sandbox_env
from tests.redis_support import free_port

WORKERS = 3


@pytest.fixture
async def served(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[str]:
    env = {**sandbox_env(sandbox), "BLAAIZ_TOKEN_FILE": str(tmp_path / "token.json")}
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "--app-dir", str(EXAMPLES), "uvicorn_workers:app",
        "--workers", str(WORKERS), "--host", "127.0.0.1", "--port", str(port),
        "--no-access-log", cwd=ROOT, env=child_env(env),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    log: list[str] = []
    try:
        async with asyncio.timeout(60):
            started = 0
            while started < WORKERS:  # each worker logs this once its lifespan has run
                line = (await proc.stderr.readline()).decode()
                if not line:
                    raise AssertionError("uvicorn exited:\n" + "".join(log))
                log.append(line)
                started += bool(re.search(r"Application startup complete", line))
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            async with asyncio.timeout(20):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def test_the_workers_share_one_token(served: str, sandbox: Sandbox, tmp_path: Path) -> None:
    seen: dict[int, str] = {}
    async with asyncio.timeout(60):
        while len(seen) < 2:  # new connections until two worker processes have answered
            answers = await asyncio.gather(*(fresh_get(served + "/worker") for _ in range(12)))
            seen.update({a["pid"]: a["token"] for a in answers})
    balances = await asyncio.gather(*(fresh_get(served + "/balances") for _ in range(12)))
    assert all("NGN" in b for b in balances)
    assert len(set(seen.values())) == 1, f"workers used different tokens: {seen}"
    assert sandbox.token_requests == 1
    assert (tmp_path / "token.json").exists()


async def fresh_get(url: str) -> dict[str, object]:
    """A GET on a connection of its own, so the kernel may hand it to any worker."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        async with http.get(url) as response:
            assert response.status == 200, await response.text()
            answer: dict[str, object] = await response.json()
            return answer
