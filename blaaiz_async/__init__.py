"""blaaiz-async: an async-first SDK for the Blaaiz Platform API."""

from .client import BlaaizClient
from .config import ConfigurationError, Environment
from .limits.limit import RateLimit
from .scopes import Scope, ScopeBundle

__version__ = "0.1.0"

__all__ = [
    "BlaaizClient",
    "ConfigurationError",
    "Environment",
    "RateLimit",
    "Scope",
    "ScopeBundle",
]
