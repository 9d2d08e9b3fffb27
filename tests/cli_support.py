"""Running ``blaaiz-async`` as a user would: a subprocess, a clean environment, its own folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "blaaiz_async.cli"]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any BLAAIZ_* setting of the machine's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLAAIZ_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_cli(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env if env is not None else clean_env(),
    )


def table_row(output: str, label: str) -> list[str]:
    """The cells of the summary-table row that starts with ``label``."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│┃").split("│")]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"no {label!r} row in:\n{output}")
