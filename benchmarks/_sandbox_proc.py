"""Run the sandbox in its own process so the measured client does not share its loop."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sandbox_process(*extra: str) -> Iterator[dict[str, str]]:
    """Yields BLAAIZ_BASE_URL / BLAAIZ_CLIENT_ID / BLAAIZ_CLIENT_SECRET of a fresh sandbox."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "blaaiz_async", "sandbox", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    info: dict[str, str] = {}
    while len(info) < 3:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("sandbox process exited early")
        if line.startswith("BLAAIZ_"):
            key, _, value = line.strip().partition("=")
            info[key] = value.split()[0]
    try:
        yield info
    finally:
        proc.terminate()
        proc.wait(timeout=10)
