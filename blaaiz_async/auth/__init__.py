"""Auth: token values, providers, and the stores that share tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .provider import ClientCredentialsProvider, TokenProvider, token_cache_key
from .stores.base import TokenStore
from .stores.memory import MemoryTokenStore
from .token import AccessToken

if TYPE_CHECKING:
    from .stores.file import FileTokenStore


def __getattr__(name: str) -> Any:
    # File and Redis stores pull optional dependencies; import them on first use.
    if name == "FileTokenStore":
        from .stores.file import FileTokenStore

        return FileTokenStore
    if name == "RedisTokenStore":
    
        return RedisTokenStore
    raise AttributeError(name)


__all__ = [
    "AccessToken",
    "ClientCredentialsProvider",
    "FileTokenStore",
    "MemoryTokenStore",
    "RedisTokenStore",
    "TokenProvider",
    "TokenStore",
    "token_cache_key",
]
