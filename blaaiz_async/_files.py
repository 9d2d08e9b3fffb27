"""Writing a private file so that a reader never sees it half written."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

PRIVATE_MODE = 0o600


def write_atomically(path: Path, payload: bytes, *, durable: bool) -> None:
    """Write ``payload`` to a new owner-only file beside ``path`` and rename it over
    ``path``: readers see the old file or the new one, never a part. The new file is
    created exclusively, without following a link a third party planted; ``durable``
    syncs it to disk before the rename (a token file, written rarely; not the rate
    budget's state, written on every admission)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, PRIVATE_MODE)
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, PRIVATE_MODE)  # in case a default ACL widened it
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
