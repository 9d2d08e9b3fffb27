"""Where the client id and secret come from, and how a rotated secret is picked up.

A credentials source is anything callable with no argument that returns
``(client_id, client_secret)``, directly or as an awaitable: ``FileCredentials(path)``,
``EnvCredentials()``, or a function of yours (a secrets-manager read, sync or async).
The built-in provider reads it at start and again when the token endpoint answers
``invalid_client`` (the secret was rotated), so a running process picks up the new secret
without a restart.

A read that fails (a file caught in the middle of a write, a secrets manager that times
out) keeps the credentials read before; only when nothing valid was ever read is it an
error, ``CredentialsError``. No value a source returns is ever put in a message, a log
line or a repr.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeAlias

from ..config import CredentialsError

log = logging.getLogger("blaaiz_async.auth")

CredentialPair: TypeAlias = tuple[str, str]
CredentialSource: TypeAlias = Callable[[], "CredentialPair | Awaitable[CredentialPair]"]

# A credentials file is two short strings; anything much larger is not one.
_MAX_FILE_BYTES = 64 * 1024
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
# A read that takes longer than this (a hung secrets manager or network mount) counts as a
# failed one, so no call waits on it for ever; the provider passes its token-request bound.
DEFAULT_READ_TIMEOUT = 30.0


class FileCredentials:
    """Credentials in a JSON file: ``{"client_id": "...", "client_secret": "..."}``.

    Read at start and again when the token endpoint refuses the secret. Write a new secret
    by replacing the file (write a temporary file beside it, then rename it over the old
    one); a reader that meets a half-written file keeps the credentials it had.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(os.fspath(path)).expanduser().absolute()

    def __repr__(self) -> str:
        return f"FileCredentials(path={str(self.path)!r})"

    def __call__(self) -> CredentialPair:
        # Locals that held file text are deleted before raising: a frame's locals end up
        # in error reports, and a half-written file holds part of a secret.
        problem: str | None = None
        regular = False
        try:
            # Opened without blocking, and read only when it is a regular file: a FIFO at
            # the path would hang the reader waiting for a writer, a device never ends.
            with open(os.open(self.path, os.O_RDONLY | _O_NONBLOCK), "rb") as f:
                regular = stat.S_ISREG(os.fstat(f.fileno()).st_mode)
                raw = f.read(_MAX_FILE_BYTES + 1) if regular else b""
        except FileNotFoundError:
            problem = "does not exist"
        except OSError as exc:
            problem = f"cannot be read ({type(exc).__name__}: {exc.strerror or 'error'})"
        if problem is None and not regular:
            problem = "is not a regular file (a folder, a FIFO or a device?)"
        if problem is not None:
            raise CredentialsError(f"credentials file {self.path} {problem}")
        data: Any = None
        if len(raw) > _MAX_FILE_BYTES:
            problem = "is larger than 64 KiB"
        else:
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError, RecursionError):
                # The decoder's message may quote the text: say only what is wrong.
                problem = (
                    "is not complete JSON (empty, truncated or being written?); expected "
                    '{"client_id": ..., "client_secret": ...}'
                )
        del raw
        if problem is None and not isinstance(data, dict):
            problem = "must hold a JSON object with client_id and client_secret"
        if problem is None:
            problem = pair_problem(data.get("client_id"), data.get("client_secret"))
        if problem is not None:
            del data
            raise CredentialsError(f"credentials file {self.path}: {problem}")
        return data["client_id"], data["client_secret"]


class EnvCredentials:
    """Credentials in environment variables, ``BLAAIZ_CLIENT_ID`` and
    ``BLAAIZ_CLIENT_SECRET`` by default (the names the client reads without this source).

    Read at start and again when the token endpoint refuses the secret, from
    ``os.environ`` of this process: a change made by the process itself is seen, one made
    outside it is not (use ``FileCredentials`` or a callable for that).
    """

    def __init__(
        self,
        client_id_var: str = "BLAAIZ_CLIENT_ID",
        client_secret_var: str = "BLAAIZ_CLIENT_SECRET",  # noqa: S107 - a variable name
    ) -> None:
        self.client_id_var = client_id_var
        self.client_secret_var = client_secret_var

    def __repr__(self) -> str:
        return (
            f"EnvCredentials(client_id_var={self.client_id_var!r}, "
            f"client_secret_var={self.client_secret_var!r})"
        )

    def __call__(self) -> CredentialPair:
        missing = [
            name
            for name in (self.client_id_var, self.client_secret_var)
            if not os.environ.get(name)
        ]
        if missing:
            raise CredentialsError(f"environment variable {' and '.join(missing)} not set")
        problem = pair_problem(os.environ[self.client_id_var], os.environ[self.client_secret_var])
        if problem is not None:
            raise CredentialsError(f"{self}: {problem}")
        return os.environ[self.client_id_var], os.environ[self.client_secret_var]


def pair_problem(client_id: Any, client_secret: Any) -> str | None:
    """What makes ``(client_id, client_secret)`` unusable in a token form, naming the field
    (never its value); None when both are fine."""
    for name, value in (("client_id", client_id), ("client_secret", client_secret)):
        if not isinstance(value, str) or not value:
            return f"{name} is missing or not a non-empty string"
        if not value.isprintable() or any(c.isspace() for c in value):
            return f"{name} holds whitespace or control characters (a stray newline?)"
    return None


class Secret:
    """The client secret, shown as ``'***'`` wherever it is printed (a frame's locals in an
    error report included); ``reveal()`` where it is sent."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("the client secret is not pickled")


def is_async_source(source: object) -> bool:
    """Does calling ``source`` give a coroutine (an ``async def`` function or ``__call__``)?"""
    return inspect.iscoroutinefunction(source) or inspect.iscoroutinefunction(
        getattr(source, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


class CredentialReader:
    """The credentials currently in use, and the source to read them again from.

    ``current`` is None until a read succeeded. ``read_now`` reads a synchronous source at
    once (at construction); ``read`` reads any source from a coroutine, within ``timeout``
    seconds (a synchronous one other than ``EnvCredentials`` runs in a worker thread: a
    callable of the user's may be a network call, a file may sit on a network mount).
    """

    def __init__(self, source: CredentialSource, *, timeout: float = DEFAULT_READ_TIMEOUT) -> None:
        if not callable(source):
            raise CredentialsError(
                "credentials= takes FileCredentials(path), EnvCredentials(), or a callable "
                f"returning (client_id, client_secret); got {type(source).__name__}"
            )
        self.source = source
        self.timeout = timeout
        self._thread_busy = False  # a read is running in a worker thread
        self.current: tuple[str, Secret] | None = None
        self.reads = 0  # successful reads, for tests and diagnostics

    def __repr__(self) -> str:
        return f"CredentialReader({self._name()})"

    def _name(self) -> str:
        if isinstance(self.source, FileCredentials | EnvCredentials):
            return repr(self.source)
        return getattr(self.source, "__qualname__", type(self.source).__name__)

    @property
    def is_async(self) -> bool:
        return is_async_source(self.source)

    def read_now(self) -> None:
        """Read a synchronous source now; a bad one raises ``CredentialsError``. An async
        source is left for ``read``."""
        if self.is_async:
            return
        result = self._call()
        if inspect.isawaitable(result):  # a plain function that returns a coroutine
            if inspect.iscoroutine(result):
                result.close()
            return
        try:
            self.current = self._checked(result)
        finally:
            del result  # a refused pair must not stay in this frame's locals either
        self.reads += 1

    async def read(self) -> bool:
        """Read the source again: True if it gave other credentials than the current ones.

        A failed read keeps the current credentials (one warning) and returns False; with
        no current credentials it raises ``CredentialsError``."""
        try:
            pair = await self._read_pair()
        except CredentialsError as exc:
            if self.current is None:
                raise
            log.warning("re-reading credentials failed; keeping the current ones: %s", exc)
            return False
        previous, self.current = self.current, pair
        self.reads += 1
        return previous is None or previous != pair

    async def _read_pair(self) -> tuple[str, Secret]:
        late = False
        try:
            async with asyncio.timeout(self.timeout):
                if self.is_async or isinstance(self.source, EnvCredentials):
                    result: Any = self._call()  # the environment is in memory; async awaits
                else:
                    result = await self._in_thread()  # it may block: off the loop
                if inspect.isawaitable(result):
                    result = await self._await(result)
        except TimeoutError:
            late = True
        if late:  # raised outside the handler: no chained traceback to keep
            raise CredentialsError(
                f"credentials source {self._name()} did not answer within {self.timeout:g} s"
            )
        try:
            return self._checked(result)
        finally:
            del result  # a refused pair must not stay in this frame's locals either

    async def _in_thread(self) -> Any:
        # A read that timed out still occupies its worker thread until the source returns;
        # starting another one on every refusal would fill the default executor, which the
        # file stores and the rest of the program share. One at a time, then.
        if self._thread_busy:
            raise CredentialsError(
                f"credentials source {self._name()} has not returned from the last read yet"
            )
        self._thread_busy = True

        def call() -> Any:
            try:
                return self._call()
            finally:
                self._thread_busy = False

        return await asyncio.to_thread(call)

    async def _await(self, pending: Awaitable[Any]) -> Any:
        failure: str | None = None
        try:
            return await pending
        except CredentialsError:
            raise
        except Exception as exc:  # a source of the user's: its message could hold anything
            failure = type(exc).__name__
        raise CredentialsError(f"credentials source {self._name()} raised {failure}")

    def _call(self) -> Any:
        failure: str | None = None
        try:
            return self.source()
        except CredentialsError:
            raise
        except Exception as exc:  # raised outside the handler: no chained traceback to keep
            failure = type(exc).__name__
        raise CredentialsError(f"credentials source {self._name()} raised {failure}")

    def _checked(self, result: Any) -> tuple[str, Secret]:
        if not isinstance(result, tuple | list) or len(result) != 2:
            problem: str | None = (
                f"must return (client_id, client_secret), got {type(result).__name__}"
            )
        else:
            problem = pair_problem(result[0], result[1])
        if problem is not None:
            del result
            raise CredentialsError(f"credentials source {self._name()}: {problem}")
        return result[0], Secret(result[1])


__all__ = [
    "DEFAULT_READ_TIMEOUT",
    "CredentialPair",
    "CredentialReader",
    "CredentialSource",
    "EnvCredentials",
    "FileCredentials",
    "Secret",
    "is_async_source",
    "pair_problem",
]
