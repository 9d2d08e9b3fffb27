"""What a failed token request most likely means, in a few lines a person can act on.

A pure function of the ``TokenError`` (its status and OAuth ``error``) and the URL, so the
table is tested without a server.
"""

from __future__ import annotations

from ..errors import TokenError

_WRONG_SECRET = (
    "the client secret is wrong, or was rotated: copy the current one from the dashboard "
    "(BLAAIZ_CLIENT_SECRET)"
)
_OTHER_ENVIRONMENT = (
    "the credentials belong to the other environment: development and production keys "
    "differ (BLAAIZ_ENVIRONMENT, or --base-url)"
)
_NO_API_ACCESS = "API access is not enabled for this business: ask Blaaiz to turn it on"
_IP_POLICY = (
    "in production the API answers only allow-listed IP addresses: add this host's public "
    "IP in the dashboard"
)
_SCOPE = (
    "a requested scope is unknown or not held by this credential: `blaaiz-async scopes` "
    "lists them; try without --scopes to get every scope it holds"
)
_WRONG_URL = (
    "the URL is not the API's: BLAAIZ_BASE_URL (or --base-url) is the origin alone, such as "
    "https://api-dev.blaaiz.com, without a path like /api/external; or leave it unset and "
    "set BLAAIZ_ENVIRONMENT"
)
_EXPIRED = (
    "a token that expired or was revoked is refused by API calls (401): the SDK fetches a "
    "new one once by itself, so a repeated 401 points to the credentials above"
)

CAUSES: dict[str, tuple[str, ...]] = {
    "invalid_client": (_WRONG_SECRET, _OTHER_ENVIRONMENT, _EXPIRED),
    "invalid_scope": (_SCOPE,),
    "forbidden": (_NO_API_ACCESS, _IP_POLICY, _SCOPE),
    "not_found": (_WRONG_URL,),
    "unavailable": (
        "the API is having trouble or is rate limiting the token endpoint: try again in a minute",
    ),
    "other": (_WRONG_SECRET, _SCOPE, _NO_API_ACCESS, _IP_POLICY),
}


def classify(exc: TokenError) -> str:
    """One of the keys of ``CAUSES``, or ``unreachable`` when no HTTP answer came."""
    if exc.error == "invalid_scope":
        return "invalid_scope"
    if exc.error in ("invalid_client", "unauthorized_client") or exc.status == 401:
        return "invalid_client"
    if exc.status == 403:
        return "forbidden"
    if exc.status is None:
        return "unreachable"
    if exc.status in (404, 405):  # no token endpoint there: a wrong URL, not a wrong secret
        return "not_found"
    if exc.status == 429 or exc.status >= 500:
        return "unavailable"
    return "other"


def explain(exc: TokenError, base_url: str) -> list[str]:
    """The headline and the likely causes, one line each."""
    kind = classify(exc)
    if kind == "unreachable":
        cause = exc.message.removeprefix("could not reach the token endpoint: ")
        return [
            f"cannot reach {base_url}: {cause}",
            "check the URL (BLAAIZ_BASE_URL or --base-url), the network and any proxy",
        ]
    lines = [f"the token endpoint refused: {exc.message}", "likely causes:"]
    lines += [f"  - {cause}" for cause in CAUSES[kind]]
    return lines
