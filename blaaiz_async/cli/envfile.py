"""A tiny ``.env`` reader: ``KEY=VALUE`` lines, as the ``sandbox`` command prints them.

Blank lines and ``#`` comments are skipped, ``export KEY=VALUE`` is accepted, a value may
be quoted (``'...'`` taken as is, ``"..."`` with ``\\n``, ``\\"`` and ``\\\\`` escapes), and an
unquoted value ends at `` #``. Anything else is refused with its line number: a file that
holds credentials should not be half understood.
"""

from __future__ import annotations

import os
import re
from collections.abc import MutableMapping
from pathlib import Path

_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


class EnvFileError(ValueError):
    """A line the reader does not understand; the message names the file and line."""


def parse_env(text: str, *, source: str = ".env") -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise EnvFileError(f"{source} line {number} is not KEY=VALUE")
        key, rest = match.groups()
        values[key] = _value(rest, f"{source} line {number}")
    return values


def _value(rest: str, where: str) -> str:
    if rest[:1] in ("'", '"'):
        quote = rest[0]
        end = _closing(rest, quote)
        if end < 0:
            raise EnvFileError(f"{where}: the {quote} quote is not closed")
        tail = rest[end + 1 :].strip()
        if tail and not tail.startswith("#"):
            raise EnvFileError(f"{where}: text after the closing quote")
        inner = rest[1:end]
        if quote == "'":
            return inner
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), inner)
    value, _, _ = rest.partition(" #")
    return value.strip()


def _closing(rest: str, quote: str) -> int:
    i = 1
    while i < len(rest):
        if quote == '"' and rest[i] == "\\":
            i += 2
            continue
        if rest[i] == quote:
            return i
        i += 1
    return -1


def load_env_file(
    path: str | os.PathLike[str],
    environ: MutableMapping[str, str] | None = None,
    *,
    prefix: str = "BLAAIZ_",
) -> list[str]:
    """Put the file's ``prefix``-ed variables into ``environ`` (default ``os.environ``)
    where they are not set already: flags beat the environment, which beats the file.
    Returns the names it set."""
    target = os.environ if environ is None else environ
    source = Path(path)
    raw = source.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some editors write, is fine
    except UnicodeDecodeError as exc:
        raise EnvFileError(
            f"{source} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    values = parse_env(text, source=str(source))
    added = [k for k in values if k.startswith(prefix) and k not in target]
    for key in added:
        target[key] = values[key]
    return added
