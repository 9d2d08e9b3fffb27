"""Running the programs of ``examples/`` as a user would: a child process of their own,
configured by ``BLAAIZ_*`` variables that point at a sandbox of the test."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from blaaiz_async.sandbox import Sandbox
from blaaiz_async.scopes import ScopesArg

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def sandbox_env(sandbox: Sandbox, scopes: ScopesArg = None) -> dict[str, str]:
    """What ``blaaiz-async sandbox`` prints, for a new credential holding ``scopes``."""
    client_id, client_secret = sandbox.add_client(scopes)
    env = {
        "BLAAIZ_BASE_URL": sandbox.url,
        "BLAAIZ_CLIENT_ID": client_id,
        "BLAAIZ_CLIENT_SECRET": client_secret,
        "BLAAIZ_WEBHOOK_SECRET": sandbox.webhook_secret,
        "BLAAIZ_SANDBOX_CUSTOMER_ID": sandbox.customer_id,
    }
    for wallet in sandbox.state.wallets.values():
        env[f"BLAAIZ_SANDBOX_WALLET_{wallet['currency']}"] = str(wallet["id"])
    return env


def child_env(env: Mapping[str, str]) -> dict[str, str]:
    """The test's environment without any BLAAIZ_* of its own, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("BLAAIZ_")}
    return {**base, "PYTHONPATH": str(EXAMPLES), **env}


async def run_example(
    name: str, *args: str, env: Mapping[str, str], within: float = 60.0
) -> tuple[int, str, str]:
    """``python examples/NAME ARGS``: exit code, stdout, stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / name), *args,
        cwd=ROOT, env=child_env(env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(within):
            out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
