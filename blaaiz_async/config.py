"""Configuration values and their defaults, in one place.

Arguments win over ``BLAAIZ_*`` environment variables, which win over defaults.
"""

from __future__ import annotations

import enum
import ipaddress
import os
import urllib.parse
import warnings

import attrs

from .errors import BlaaizError, InsecureTransportWarning, TokenError


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"

    @property
    def base_url(self) -> str:
        return _BASE_URLS[self]


_BASE_URLS = {
    Environment.DEVELOPMENT: "https://api-dev.blaaiz.com",
    Environment.PRODUCTION: "https://api-prod.blaaiz.com",
}

TOKEN_PATH = "/oauth/token"

# Timeouts (seconds). Connect is short so a dead host fails fast; total bounds a stuck call.
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_TOTAL_TIMEOUT = 60.0

# Tokens are refreshed this long before they expire: a quarter of the lifetime, at most 60 s.
REFRESH_SKEW_FRACTION = 0.25
REFRESH_SKEW_MAX = 60.0
# The official Python SDK's fallback for a token with no usable lifetime is not ours: refused.

# Connection pool per client.
DEFAULT_POOL_SIZE = 100

# Retries of idempotent calls (429, 5xx, connection errors).
DEFAULT_MAX_RETRIES = 2
RETRY_BASE_DELAY = 0.5
RETRY_MAX_DELAY = 8.0
RETRY_AFTER_CAP = 60.0

# The API's documented rate limit: 100 requests per minute per account (all endpoints).
API_RATE_LIMIT_REQUESTS = 100
API_RATE_LIMIT_WINDOW = 60.0

USER_AGENT = "blaaiz-async/0.1.0"


class ConfigurationError(BlaaizError, ValueError):
    """The client was configured inconsistently; the message says how to fix it."""


class ClientStateError(ConfigurationError, RuntimeError):
    """The client cannot serve this call in its state: closed, or on another event loop."""


class CredentialsError(ConfigurationError, TokenError):
    """A credentials source (``credentials=``) gave nothing usable: a missing or malformed
    file, an unset variable, a callable that raised or returned something else. The message
    names the source and the problem, never a value it read. Raised when nothing valid was
    ever read (at construction, or at the first read of an async source); a re-read that
    fails later keeps the credentials read before and only logs a warning."""

    def __init__(self, message: str) -> None:
        TokenError.__init__(self, message)
        self.retryable = False


@attrs.frozen(kw_only=True)
class Credentials:
    """OAuth client credentials; the secret never shows in repr."""

    client_id: str
    client_secret: str = attrs.field(repr=False)


def resolve_environment(value: str | Environment | None) -> Environment:
    raw = value if value is not None else os.environ.get("BLAAIZ_ENVIRONMENT") or "development"
    try:
        return Environment(str(raw).lower())
    except ValueError:
        choices = ", ".join(e.value for e in Environment)
        raise ConfigurationError(
            f"unknown environment {raw!r}; use one of: {choices} (or pass base_url=)"
        ) from None


# Set to 1 to allow plain http:// to a non-loopback host in production (a TLS-terminating
# proxy on a private network, say); a warning is still given.
ALLOW_INSECURE_HTTP_ENV = "BLAAIZ_ALLOW_INSECURE_HTTP"


def resolve_base_url(base_url: str | None, environment: Environment) -> str:
    """The API's origin, checked: no credentials in it, and no plain HTTP across a network
    without a word (a warning; refused for production unless ``BLAAIZ_ALLOW_INSECURE_HTTP=1``).
    Messages show scheme and host only, never what stood before an ``@``."""
    url = base_url or os.environ.get("BLAAIZ_BASE_URL") or environment.base_url
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - a malformed port raises here, not on the first request
    except ValueError:
        raise ConfigurationError(
            f"base_url is not a valid URL ({_shown(url)}); use e.g. https://api-dev.blaaiz.com"
        ) from None
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(f"base_url must start with http:// or https://, got {_shown(url)}")
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"base_url must not carry credentials (user:password@): they would show in reprs, "
            f"cache keys and logs; pass client_id and client_secret instead "
            f"(got {_shown(url)})"
        )
    if not parts.hostname:
        raise ConfigurationError(f"base_url has no host: {_shown(url)}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        if environment is Environment.PRODUCTION and os.environ.get(ALLOW_INSECURE_HTTP_ENV) != "1":
            raise ConfigurationError(
                f"base_url {_shown(url)} is plain http:// to another host: in production the "
                f"client secret and tokens would cross the network in clear; use https://, or "
                f"set {ALLOW_INSECURE_HTTP_ENV}=1 if a TLS-terminating proxy stands in between"
            )
        warnings.warn(
            f"base_url {_shown(url)} is plain http:// to another host: the client secret and "
            "tokens cross the network in clear; use https://",
            InsecureTransportWarning,
            stacklevel=3,  # the caller of BlaaizClient(...)
        )
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1: traffic that never leaves this machine."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, a form safe for messages: whatever stands before
    the last ``@`` (a password, even one holding ``/``), a port that is not a number, and
    path and query are left out."""
    scheme, sep, rest = url.partition("://")
    host = (rest if sep else url).rpartition("@")[2].split("/", 1)[0].split("?", 1)[0]
    name, colon, port = host.rpartition(":")
    if colon and not name.endswith(":") and not port.isdigit():  # not IPv6 brackets
        host = name
    return repr(f"{scheme}://{host}" if sep else host[:40])


def resolve_credentials(client_id: str | None, client_secret: str | None) -> Credentials | None:
    cid = client_id if client_id is not None else os.environ.get("BLAAIZ_CLIENT_ID")
    secret = client_secret if client_secret is not None else os.environ.get("BLAAIZ_CLIENT_SECRET")
    if cid and secret:
        return Credentials(client_id=cid, client_secret=secret)
    if cid or secret:
        missing = "client_secret" if cid else "client_id"
        raise ConfigurationError(
            f"{missing} is missing: pass both client_id and client_secret "
            "(or set BLAAIZ_CLIENT_ID and BLAAIZ_CLIENT_SECRET)"
        )
    return None


def refresh_skew(lifetime: float) -> float:
    return min(lifetime * REFRESH_SKEW_FRACTION, REFRESH_SKEW_MAX)
