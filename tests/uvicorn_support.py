"""Serving ``examples/fastapi_app.py`` with a real uvicorn on a free loopback port."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fastapi_app.py"


async def start_example(env: dict[str, str]) -> tuple[asyncio.subprocess.Process, str]:
    """Start uvicorn (port 0: the kernel picks) and return it with its base URL."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "--app-dir", str(EXAMPLE.parent),
        "fastapi_app:app", "--host", "127.0.0.1", "--port", "0", "--no-access-log",
        cwd=ROOT, env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    seen: list[str] = []
    async with asyncio.timeout(60):
        while True:
            line = (await proc.stderr.readline()).decode()
            if not line:
                raise AssertionError("uvicorn exited:\n" + "".join(seen))
            seen.append(line)
            found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
            if found:
                return proc, found.group(1)
