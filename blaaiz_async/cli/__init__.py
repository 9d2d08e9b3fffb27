"""The ``blaaiz-async`` command: ``demo`` (the main job), ``sandbox``, ``token``, ``scopes``,
``webhook verify``.

It needs the ``cli`` extra (click and rich). Importing this package imports neither, so
the SDK stays free of them; ``main`` does, and says how to install them when they are
missing instead of failing with an ``ImportError``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

INSTALL_HINT = (
    "blaaiz-async: the command line needs click and rich: pip install 'blaaiz-async[cli]'"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    try:
        import click  # noqa: F401
        import rich  # noqa: F401
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 1
    from .app import run

    return run(argv)


__all__ = ["INSTALL_HINT", "main"]
