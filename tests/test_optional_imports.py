"""Optional integrations stay optional: importing the SDK pulls in no web framework, no
test library, and (for webhooks) no Redis client until one is asked for."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# opentelemetry is imported when a client is made (tracing needs no configuration), never
# by importing the package.
OPTIONAL = ["fastapi", "starlette", "hypothesis", "pydantic", "uvicorn", "httpx", "opentelemetry"]


def modules_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(done.stdout))


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize(
    "statement",
    [
        "import blaaiz_async",
        "import blaaiz_async.webhooks",
        "from blaaiz_async.webhooks import construct_event, WebhookReceiver, MemoryReplayGuard",
        "import blaaiz_async.cli",
        "import blaaiz_async.telemetry",
    ],
)
def test_the_sdk_imports_no_optional_framework(statement: str) -> None:
    loaded = top_level(modules_after(statement))
    assert not loaded & set(OPTIONAL), sorted(loaded & set(OPTIONAL))


def test_webhooks_import_redis_only_when_the_redis_guard_is_used() -> None:
    assert "redis" not in top_level(modules_after("import blaaiz_async.webhooks"))
    used = modules_after("from blaaiz_async.webhooks import RedisReplayGuard")
    assert "redis" in top_level(used)


def test_the_fastapi_integration_imports_fastapi_when_asked() -> None:
    loaded = top_level(modules_after("from blaaiz_async.integrations.fastapi import Blaaiz"))
    assert {"fastapi", "starlette"} <= loaded
    assert "hypothesis" not in loaded
