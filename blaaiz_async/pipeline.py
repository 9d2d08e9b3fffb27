"""The one path every call takes: guard -> auth -> send -> map, with 401 and retry handling.

Pure decisions (scope checks, error mapping, retry policy, folding variant bodies,
envelope unwrapping) live in their own modules; this module wires them to aiohttp.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import aiohttp
import attrs

from .auth.provider import TokenProvider
from .auth.token import AccessToken
from .config import USER_AGENT
from .errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    InsufficientScopeError,
    MalformedResponseError,
    PermissionDeniedError,
    error_for_status,
)
from .models.converter import dumps, explain, fast_converter, loads
from .models.pagination import Page, PageLinks, PageMeta
from .retry import RetryPolicy, parse_retry_after
from .routes import Route, find_route, normal_method, normal_path
from .scopes import OAUTH_ONLY, Scope, format_scopes

log = logging.getLogger("blaaiz_async.http")

_AUTH_HINT = (
    "the API rejected the access token again after a fresh one was fetched: either no valid "
    "token reached it (missing or malformed), or the token is expired or invalid for this API "
    "(revoked, rotated credential, or a credential of another environment)"
)
_API_KEY_HINT = "the API key is missing, malformed or disabled"


@attrs.frozen
class _Failure:
    """No response. Only the failure's kind is kept: aiohttp's exception carries the
    request headers (the bearer token), so it must not ride along in an error chain."""

    kind: str
    timeout: bool
    connected: bool  # False: the connection was never made, nothing was sent


class Pipeline:
    def __init__(
        self,
        *,
        base_url: str,
        session: Callable[[], Awaitable[aiohttp.ClientSession]],
        provider: TokenProvider | None,
        api_key: str | None,
        requested_scopes: frozenset[Scope] | None,
        retry: RetryPolicy,
        timeout: aiohttp.ClientTimeout,
    ) -> None:
        self.base_url = base_url
        self._session = session
        self._provider = provider
        self._api_key = api_key
        self._requested = requested_scopes
        self.retry = retry
        self._timeout = timeout

    # -- entry points ----------------------------------------------------------------------

    async def call(
        self,
        route: Route[Any],
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Call a declared route and return its structured model."""
        body = await self.send(route, route.method, route.format_path(path), params, json)
        return parse_response(route, body)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """The escape hatch: decoded JSON back, guarded by the route that serves ``path``."""
        path, method = normal_path(path), normal_method(method)
        route = find_route(method, path)
        if route is None:
            from .routes import route as declare

            route = declare(f"request {method} {path}", method, path, None, scopes=())
        return await self.send(route, method, path, params, json)

    # -- the loop --------------------------------------------------------------------------

    async def send(
        self,
        route: Route[Any],
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
    ) -> Any:
        if route.auth and self._provider is not None and self._requested is not None:
            _guard(route, self._requested)  # nothing to fetch for: fail before any I/O
        if route.auth and self._provider is None and route.scopes & OAUTH_ONLY:
            raise PermissionDeniedError(
                f"{route.name} needs OAuth client credentials: the API refuses legacy API keys "
                f"for {format_scopes(route.scopes & OAUTH_ONLY)}",
                status=403,
                route=route.name,
            )
        query = _encode_params(params)
        data = dumps(json) if json is not None else None
        attempt = 0
        resent_after_401 = False
        while True:
            attempt += 1
            headers, token = await self._auth_headers(route)
            outcome = await self._send_once(method, path, query, data, headers)
            if isinstance(outcome, _Failure):
                if self.retry.should_retry(
                    attempt=attempt, idempotent=route.idempotent, status=None,
                    connected=outcome.connected,
                ):  # fmt: skip
                    await asyncio.sleep(self.retry.delay(attempt))
                    continue
                raise _connection_error(route, outcome)
            status, resp_headers, raw = outcome
            if 200 <= status < 300:
                return _decode_success(route, status, raw)
            if status == 401 and token is not None and not resent_after_401:
                resent_after_401 = True
                attempt -= 1  # the resend is not a retry
                assert self._provider is not None
                await self._provider.invalidate(token)
                continue
            retry_after = parse_retry_after(resp_headers) if status == 429 else None
            error = error_for_status(
                status, _decode_error_body(raw), route=route.name, headers=resp_headers,
                retry_after=retry_after,
            )  # fmt: skip
            error.scrub((token.value,) if token is not None else (self._api_key or "",))
            if isinstance(error, AuthenticationError):
                hint = _API_KEY_HINT if self._api_key is not None else _AUTH_HINT
                error.message = f"{error.message} ({hint})"
            if self.retry.should_retry(
                attempt=attempt, idempotent=route.idempotent, status=status, connected=True
            ):
                delay = self.retry.delay(attempt, retry_after)
                log.info("%s answered %s; retry %d in %.2fs", route.name, status, attempt, delay)
                await asyncio.sleep(delay)
                continue
            raise error

    async def _auth_headers(self, route: Route[Any]) -> tuple[dict[str, str], AccessToken | None]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if not route.auth:
            return headers, None
        if self._provider is None:
            assert self._api_key is not None
            headers["x-blaaiz-api-key"] = self._api_key
            return headers, None
        token = await self._provider.get_token()
        _guard(route, token.scopes)
        headers["Authorization"] = token.authorization
        return headers, token

    async def _send_once(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None,
        data: bytes | None,
        headers: dict[str, str],
    ) -> tuple[int, Mapping[str, str], bytes] | _Failure:
        if data is not None:
            headers["Content-Type"] = "application/json"
        session = await self._session()
        started = time.perf_counter()
        log.debug("-> %s %s", method, path)
        try:
            async with session.request(
                method, self.base_url + path, params=query, data=data, headers=headers,
                timeout=self._timeout, allow_redirects=False,
            ) as resp:  # fmt: skip
                raw = await resp.read()
                status, resp_headers = resp.status, resp.headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            connected = not isinstance(
                exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError
            )
            return _Failure(type(exc).__name__, isinstance(exc, TimeoutError), connected)
        log.debug(
            "<- %s %s %s in %.1fms", status, method, path, (time.perf_counter() - started) * 1e3
        )
        return status, resp_headers, raw

    async def put_external(
        self, url: str, data: bytes | AsyncIterator[bytes], headers: Mapping[str, str]
    ) -> tuple[int, Mapping[str, str]]:
        """PUT bytes to a URL outside the API (a presigned storage URL), on the pooled session.

        No Blaaiz credential goes with it (any Authorization or API-key header given is
        dropped): the URL's signature is the authorization, and storage refuses both. Never
        retried here, and the URL (a short-lived credential) is kept out of every error.
        The URL is sent as given, already encoded, so its signature stays intact.
        """
        from yarl import URL

        clean = {
            k: v
            for k, v in headers.items()
            if k.lower() not in ("authorization", "x-blaaiz-api-key")
        }
        session = await self._session()
        try:
            async with session.put(
                URL(url, encoded=True), data=data, headers=clean, timeout=self._timeout,
                allow_redirects=False,
            ) as resp:  # fmt: skip
                await resp.read()
                return resp.status, resp.headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The signed URL is a credential: keep neither it nor aiohttp's exception.
            failure = type(exc).__name__, isinstance(exc, TimeoutError)
        cls = APITimeoutError if failure[1] else APIConnectionError
        raise cls(f"PUT to presigned storage URL failed: {failure[0]}")


def _guard(route: Route[Any], granted: frozenset[Scope]) -> None:
    if not route.scopes <= granted:
        raise InsufficientScopeError(required=route.scopes, granted=granted, route=route.name)


def _encode_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Drop ``None``; booleans as ``true``/``false``, like the API's own SDKs."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out or None


def _connection_error(route: Route[Any], failed: _Failure) -> APIConnectionError:
    cls = APITimeoutError if failed.timeout else APIConnectionError
    if failed.connected and not route.idempotent:
        detail = (
            "the request may have reached the server and was NOT sent again; "
            "check its outcome (e.g. transactions.get by merchant_reference) before retrying"
        )
    elif failed.connected:
        detail = "no response after retries"
    else:
        detail = "could not connect"
    return cls(f"{route.name}: {failed.kind}: {detail}", route=route.name)


def _decode_error_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")


def _decode_success(route: Route[Any], status: int, raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError):
        text = raw.decode("utf-8", "replace")
        raise MalformedResponseError(
            f"{route.name}: HTTP {status} with a body that is not JSON"
            + ("" if route.idempotent else " (the server may have acted on the request)"),
            status=status,
            body=text,
            route=route.name,
        ) from None


def unwrap(route: Route[Any], body: Any) -> Any:
    """Follow the route's envelope to its payload."""
    payload = body
    for key in route.envelope:
        if not isinstance(payload, Mapping) or key not in payload:
            raise MalformedResponseError(
                f"{route.name}: response has no {'.'.join(route.envelope)!r}",
                status=200,
                body=body,
                route=route.name,
            )
        payload = payload[key]
    return payload


def parse_response(route: Route[Any], body: Any) -> Any:
    """Turn a decoded 2xx body (``None`` when empty) into the route's model (or a ``Page``
    of them). The route's ``normalize`` first folds the endpoint's known variants into the
    declared shape; the envelope is followed from there."""
    if route.normalize is not None:
        body = route.normalize(body)
    if route.response is None:
        return body
    payload = unwrap(route, body)
    try:
        return _structure(route, body, payload)
    except Exception:  # raised below, outside this block: no chain to raw values
        problem = _explain(route, body, payload)
    raise MalformedResponseError(
        f"{route.name}: response does not match {_type_name(route.response)}: {problem}",
        status=200,
        body=body,
        route=route.name,
    )


def _structure(route: Route[Any], body: Any, payload: Any) -> Any:
    if not route.paginated:
        return fast_converter.structure(payload, route.response)
    if not isinstance(payload, list):
        raise ValueError("paginated payload is not a list")
    meta = body.get("meta") if isinstance(body, Mapping) else None
    links = body.get("links") if isinstance(body, Mapping) else None
    return Page(
        items=fast_converter.structure(payload, route.response),
        meta=fast_converter.structure(meta, PageMeta) if isinstance(meta, Mapping) else None,
        links=fast_converter.structure(links, PageLinks) if isinstance(links, Mapping) else None,
    )


def _explain(route: Route[Any], body: Any, payload: Any) -> str:
    """Where the body went wrong, at a cost bounded by its size (see ``explain``)."""
    problem = explain(payload, route.response)
    if problem or not route.paginated or not isinstance(body, Mapping):
        return problem
    for key, model in (("meta", PageMeta), ("links", PageLinks)):
        part = body.get(key)
        if isinstance(part, Mapping) and (problem := explain(part, model, key)):
            return problem
    return "unreadable page"


def _type_name(t: Any) -> str:
    return getattr(t, "__name__", None) or str(t)
