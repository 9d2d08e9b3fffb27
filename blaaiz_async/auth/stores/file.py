"""Share a token between the processes of one host through a file: no server needed.

This is the embedded default for several worker processes on one machine (the demo's
payout pool, gunicorn/uvicorn workers, a Celery prefork pool). It relies on OS file locks
(``flock`` through the ``filelock`` package), which the kernel drops when the holding
process dies, so a worker SIGKILLed mid-refresh never blocks the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import os
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import filelock

from ..._files import PRIVATE_MODE, write_atomically
from ...errors import TokenStoreError
from ...limits.file import FileRateBudget
from ...limits.limit import RateLimit
from ..token import AccessToken

# A token file is a handful of small entries; anything much larger is not ours.
_MAX_FILE_BYTES = 1 << 20
_DIR_MODE = 0o700
# The write lock guards a read-modify-write of a tiny file: it is held for microseconds.
_WRITE_POLL_INTERVAL = 0.005
# Owners and mode bits mean something only where there are POSIX users.
_POSIX = hasattr(os, "geteuid")
# Waiters for the refresh lock re-try at this pace; a token fetch takes tens of ms.
_REFRESH_POLL_INTERVAL = 0.02


def _no_soft_fallback() -> dict[str, Any]:
    # Recent filelock releases fall back to a marker-file ("soft") lock on filesystems
    # without flock, and such a lock outlives a SIGKILLed holder. Opt out where the option
    # exists, so the lock is always a kernel lock, or fails loudly: the provider then
    # degrades to a per-process token with a warning.
    params = inspect.signature(filelock.FileLock.__init__).parameters
    return {"fallback_to_soft": False} if "fallback_to_soft" in params else {}


_LOCK_OPTIONS = _no_soft_fallback()


class FileTokenStore:
    """Shares tokens between the processes of one host through one JSON file.

    Layout: ``path`` holds a single JSON object ``{key: token}``, where ``key`` is the
    provider's opaque cache key (base URL host, client id, scope hash; never a secret) and
    ``token`` is the object ``AccessToken.to_json()`` produces (the access token, its
    times and scopes; nothing else). Beside it live the lock files, all mode 0600:

    - ``<path>.write.lock``: held only around the read-modify-write in ``save`` and
      ``discard``, so concurrent writers in other processes never lose an update;
    - ``<path>.<sha256(key)[:16]>.refresh.lock``: one per key, held across a whole
      token fetch (``refresh_lock``). It is a separate file, so ``save`` called while
      holding it never deadlocks.

    Readers never lock: every write goes to a 0600 temporary file in the same directory,
    is fsynced and then ``os.replace``-d over ``path``, so a reader sees the old file or
    the new one, never half of one. A missing, empty, truncated, non-JSON or wrong-shape
    file, and an expired or malformed entry, are cache misses; the next ``save``
    overwrites them. The parent directory is created (mode 0700) if missing.

    Nothing another user could have planted is read: a token file that is a symbolic link,
    or that is not owned by this process's user, or that group or others may write, and a
    folder that group or others may write (without the sticky bit of ``/tmp``) or that
    belongs to another user (root aside), make every call raise ``TokenStoreError``; the
    provider then runs on a per-process token with one warning that says what to fix.

    Locks are ``flock`` locks: the kernel releases them when the holder exits or dies, so
    there is no stale-lock TTL to wait out. A wait longer than ``lock_timeout`` seconds
    for the refresh lock yields False (the caller then fetches on its own). Nothing here
    binds to an event loop: one store works across successive ``asyncio.run`` calls.
    A temporary file is left behind only if a process dies in the middle of a write.
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 10.0) -> None:
        if not lock_timeout >= 0:  # also rejects NaN
            raise ValueError("lock_timeout must be a non-negative number of seconds")
        self.path = Path(os.fspath(path)).expanduser().absolute()
        self.lock_timeout = float(lock_timeout)
        self._write_lock_path = self.path.with_name(self.path.name + ".write.lock")

    def __repr__(self) -> str:
        return f"FileTokenStore(path={str(self.path)!r})"

    # -- the TokenStore protocol ---------------------------------------------------------

    async def load(self, key: str) -> AccessToken | None:
        return await asyncio.to_thread(self._load_sync, key)

    async def save(self, key: str, token: AccessToken) -> None:
        await asyncio.to_thread(self._save_sync, key, token)

    async def discard(self, key: str, token: AccessToken) -> bool:
        return await asyncio.to_thread(self._discard_sync, key, token)

    @asynccontextmanager
    async def refresh_lock(self, key: str) -> AsyncIterator[bool]:
        await asyncio.to_thread(self._ensure_dir)
        # A fresh lock object per acquisition: its own descriptor, so coroutines and
        # threads of this process exclude each other too (flock is per open file), and
        # no state stays bound to the event loop of an earlier ``asyncio.run``.
        lock = filelock.AsyncFileLock(
            self.refresh_lock_path(key),
            mode=PRIVATE_MODE,
            thread_local=False,
            **_LOCK_OPTIONS,
        )
        try:
            await lock.acquire(timeout=self.lock_timeout, poll_interval=_REFRESH_POLL_INTERVAL)
        except filelock.Timeout:
            held = False
        else:
            held = True
        if not held:
            yield False
            return
        try:
            yield True
        finally:
            await lock.release()

    async def aclose(self) -> None:
        return None  # no descriptor outlives a call

    def preflight(self) -> None:
        """Raise ``TokenStoreError`` if this store cannot work at all, as configured: its
        folder cannot be created or written (an ancestor is a file, a read-only or
        unwritable place), its path is a folder, or the checks every call makes refuse it
        (a symlinked file, a folder others could write). Creates nothing. The client calls
        it at construction; what goes wrong later degrades as any store failure does."""
        if self.path.is_dir() and not self.path.is_symlink():
            raise TokenStoreError(f"token file {self.path} is a folder; name a file in it")
        folder = self.path.parent
        existing = folder
        while not os.path.lexists(existing) and existing.parent != existing:
            existing = existing.parent
        if not existing.is_dir():
            raise TokenStoreError(
                f"token folder {folder} cannot be created: {existing} is not a folder"
            )
        if not os.access(existing, os.W_OK | os.X_OK):
            what = "folder" if existing == folder else f"folder cannot be created: {existing}"
            raise TokenStoreError(
                f"token {what} is not writable by this process "
                f"(uid {os.geteuid() if _POSIX else '?'}); use a folder of its own"
            )
        if existing == folder:
            self._check_dir()
            with suppress(FileNotFoundError):
                self._check_file(os.lstat(self.path))

    # -- paths -----------------------------------------------------------------------------

    def refresh_lock_path(self, key: str) -> Path:
        """The lock file for ``key``; named by a hash, so the key never shows in a file name."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return self.path.with_name(f"{self.path.name}.{digest}.refresh.lock")

    @property
    def write_lock_path(self) -> Path:
        return self._write_lock_path

    # -- the shared rate budget --------------------------------------------------------------

    def rate_budget(self, key: str, limit: RateLimit) -> FileRateBudget:
        """The host-wide budget of ``key``, in a state file beside the token file (named by
        a hash, so the key never shows in a file name)."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        path = self.path.with_name(f"{self.path.name}.{digest}.rate.json")
        return FileRateBudget(path, limit, lock_timeout=self.lock_timeout)

    # -- blocking work, run in a worker thread -------------------------------------------

    def _load_sync(self, key: str) -> AccessToken | None:
        token = _parse_entry(self._read_all().get(key))
        if token is None or token.is_expired():
            return None
        return token

    def _save_sync(self, key: str, token: AccessToken) -> None:
        with self._write_lock():
            entries = _live_entries(self._read_all())
            entries[key] = json.loads(token.to_json())
            self._write_all(entries)

    def _discard_sync(self, key: str, token: AccessToken) -> bool:
        with self._write_lock():
            stored = self._read_all()
            current = _parse_entry(stored.get(key))
            if current is None or current.value != token.value:
                return False
            entries = _live_entries(stored)
            entries.pop(key, None)
            self._write_all(entries)
            return True

    def _write_lock(self) -> filelock.BaseFileLock:
        self._ensure_dir()
        return filelock.FileLock(
            self._write_lock_path,
            timeout=self.lock_timeout,
            mode=PRIVATE_MODE,
            poll_interval=_WRITE_POLL_INTERVAL,
            **_LOCK_OPTIONS,
        )

    def _ensure_dir(self) -> None:
        self.path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        self._check_dir()
        with suppress(FileNotFoundError):
            self._check_file(os.lstat(self.path))

    def _check_dir(self) -> None:
        if not _POSIX:
            return
        folder = self.path.parent
        try:
            st = os.stat(folder)
        except FileNotFoundError:
            return  # nothing to read yet; _ensure_dir creates it private
        if st.st_uid not in (os.geteuid(), 0):
            raise TokenStoreError(
                f"token folder {folder} belongs to uid {st.st_uid}, not this process's "
                f"uid {os.geteuid()}: its owner could plant a token; use a folder of your own"
            )
        if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
            raise TokenStoreError(
                f"token folder {folder} is writable by group or others "
                f"(mode {stat.S_IMODE(st.st_mode):o}): they could swap the token file; "
                "chmod 700 it"
            )

    def _check_file(self, st: os.stat_result) -> None:
        if stat.S_ISLNK(st.st_mode):
            raise TokenStoreError(
                f"token file {self.path} is a symbolic link, which is never followed; "
                "remove it (the store writes a file of its own)"
            )
        if not _POSIX:
            return
        if not stat.S_ISREG(st.st_mode):
            raise TokenStoreError(f"token file {self.path} is not a regular file; remove it")
        if st.st_uid != os.geteuid():
            raise TokenStoreError(
                f"token file {self.path} belongs to uid {st.st_uid}, not this process's uid "
                f"{os.geteuid()}; remove it (the store writes a file of its own)"
            )
        if st.st_mode & 0o022:
            raise TokenStoreError(
                f"token file {self.path} is writable by group or others "
                f"(mode {stat.S_IMODE(st.st_mode):o}); chmod 600 it"
            )

    def _read_all(self) -> dict[str, Any]:
        """The file's object; ``{}`` for a missing or unreadable-as-JSON file.

        Opened without following a symlink and checked on the open descriptor, so the
        file checked is the file read."""
        self._check_dir()
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        flags |= getattr(os, "O_NONBLOCK", 0)  # a planted FIFO must not block the read
        try:
            fd = os.open(self.path, flags | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            return {}
        except OSError:
            if os.path.islink(self.path):  # ELOOP: O_NOFOLLOW met a symlink
                self._check_file(os.lstat(self.path))
            raise
        with open(fd, "rb") as f:
            self._check_file(os.fstat(f.fileno()))
            raw = f.read(_MAX_FILE_BYTES + 1)
        if len(raw) > _MAX_FILE_BYTES:
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_all(self, entries: dict[str, Any]) -> None:
        payload = json.dumps(entries, separators=(",", ":"), sort_keys=True).encode()
        write_atomically(self.path, payload, durable=True)


def _live_entries(stored: dict[str, Any]) -> dict[str, Any]:
    """Entries worth keeping on a rewrite: well-formed and unexpired; garbage is dropped."""
    kept: dict[str, Any] = {}
    for key, entry in stored.items():
        token = _parse_entry(entry)
        if token is not None and not token.is_expired():
            kept[key] = json.loads(token.to_json())
    return kept


def _parse_entry(entry: object) -> AccessToken | None:
    """A stored entry as a token; ``None`` for anything malformed (a cache miss)."""
    try:
        if isinstance(entry, dict):
            return AccessToken.from_json(json.dumps(entry))
        if isinstance(entry, str):
            return AccessToken.from_json(entry)
    except (ValueError, TypeError, RecursionError):
        return None
    return None


__all__ = ["FileTokenStore"]
