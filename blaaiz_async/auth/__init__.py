"""Auth: token values, providers, and the stores that share tokens."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..config import CredentialsError
from .credentials import CredentialSource, EnvCredentials, FileCredentials
from .provider import ClientCredentialsProvider, TokenProvider, token_cache_key
from .stores.base import TokenStore
from .stores.file import FileTokenStore
from .stores.memory import MemoryTokenStore
from .token import AccessToken

if TYPE_CHECKING:
    from .stores.redis import RedisTokenStore


def __getattr__(name: str) -> Any:
    # The Redis store needs the `redis` extra: import it on first use only.
    if name == "RedisTokenStore":
        return importlib.import_module(f"{__name__}.stores.redis").RedisTokenStore
    raise AttributeError(name)


__all__ = [
    "AccessToken",
    "ClientCredentialsProvider",
    "CredentialSource",
    "CredentialsError",
    "EnvCredentials",
    "FileCredentials",
    "FileTokenStore",
    "MemoryTokenStore",
    "RedisTokenStore",
    "TokenProvider",
    "TokenStore",
    "token_cache_key",
]
