"""blaaiz-async: an async-first SDK for the Blaaiz Platform API."""

import logging

from .client import BlaaizClient
from .config import ConfigurationError, Environment
from .limits.limit import RateLimit
from .scopes import Scope, ScopeBundle

__version__ = "0.1.0"

# Silent unless the application configures logging (the library convention): the loggers
# below ``blaaiz_async`` then follow the application's handlers and levels.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "BlaaizClient",
    "ConfigurationError",
    "Environment",
    "RateLimit",
    "Scope",
    "ScopeBundle",
]
