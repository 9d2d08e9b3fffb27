"""examples/every_resource.py runs against the sandbox and covers the whole API surface:
every declared route, and every public method of every resource of the client."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

from blaaiz_async import BlaaizClient
from blaaiz_async.resources.base import Resource
from blaaiz_async.routes import ROUTES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "every_resource.py"


def test_example_runs_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.stdout.strip(), "the example printed nothing"


def test_example_calls_every_route() -> None:
    source = EXAMPLE.read_text()
    missing = [name for name in ROUTES if f".{name}(" not in source]
    assert not missing, f"routes the example never calls: {missing}"


def test_example_calls_every_public_method_of_every_resource() -> None:
    """Helpers (upload_file, iter, ...) and the official SDK's alias names are no routes of
    their own, but are public methods too."""
    client = BlaaizClient(client_id="id", client_secret="secret", base_url="http://127.0.0.1:9")
    resources = {name: r for name, r in vars(client).items() if isinstance(r, Resource)}
    assert len(resources) >= 17
    source = EXAMPLE.read_text()
    missing = [
        f"{name}.{method}"
        for name, resource in resources.items()
        for method, _ in inspect.getmembers(type(resource), inspect.isfunction)
        if not method.startswith("_") and f".{name}.{method}(" not in source
    ]
    assert not missing, f"public methods the example never calls: {missing}"
