"""Render ``docs/endpoints.md`` from the route table: ``python -m blaaiz_async.docs``."""

from __future__ import annotations

import sys
import types
import typing

from .routes import ROUTES
from .scopes import format_scopes

HEADER = """\
# Endpoints

Generated from `blaaiz_async/routes/` by `make endpoints` (`python -m blaaiz_async.docs`);
a test fails when this file is stale. Paths are relative to the API base URL.
"Retry" says whether the SDK may resend the call after a 5xx or a dropped connection:
state-changing POSTs are never resent once they may have reached the server.

| client method | verb | path | scopes | retry | response |
|---|---|---|---|---|---|
"""

# Where the sources (named in docs/sources.md) disagree, the choice this SDK made.
CHOICES = """
## Where the sources disagree

The sources are named in [sources.md](sources.md).

- `customers.update` uses `PUT` (the official Python SDK); the OpenAPI file says `PATCH`.
- `webhooks.update` uses `PUT /api/external/webhook` without an id (the OpenAPI file and the
  older official SDKs): no source says where the official Python SDK's `webhook_id` would
  come from.
- `webhooks.replay` uses `/api/external/webhook-replay` (the OpenAPI file and the official
  Python SDK; the older SDKs say `/webhook/replay`).
- `collections.accept_interac_money_request` uses the official SDKs' path under
  `/collection/`; the OpenAPI file has it at the root.
- Where no source names a route's scope, it is inferred from the auth guide's descriptions
  of the scopes (the closest one when none matches exactly); refund creation matches none,
  so the SDK guards nothing there and lets the server decide.
"""


def _type_name(t: object) -> str:
    """A response type as the table shows it: ``list[Wallet]``, ``KycApplicantData \\| None``
    (the bar escaped, since it would end the table's cell)."""
    if t is None:
        return "decoded JSON"
    if t is type(None):
        return "None"
    if isinstance(t, types.UnionType) or typing.get_origin(t) is typing.Union:
        return " \\| ".join(_type_name(a) for a in typing.get_args(t))
    args = getattr(t, "__args__", None)
    origin = getattr(t, "__origin__", None)
    if origin is not None and args:
        return f"{_type_name(origin)}[{', '.join(_type_name(a) for a in args)}]"
    return str(getattr(t, "__name__", t))


def render() -> str:
    rows = []
    for name, route in ROUTES.items():
        scopes = format_scopes(route.scopes) if route.scopes else "—"
        if not route.auth:
            scopes = "none (public)"
        response = _type_name(route.response)
        if route.paginated:
            response = f"Page[{response.removeprefix('list[').removesuffix(']')}]"
        retry = "yes" if route.idempotent else "no"
        rows.append(
            f"| `{name}` | {route.method} | `{route.path}` | {scopes} | {retry} | {response} |"
        )
    return HEADER + "\n".join(rows) + "\n" + CHOICES


if __name__ == "__main__":
    sys.stdout.write(render())
