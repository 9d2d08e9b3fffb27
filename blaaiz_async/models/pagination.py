"""Laravel-style pages: ``{data: [...], links, meta}``."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import attrs

from ..errors import MalformedResponseError
from .base import Model, model

T = TypeVar("T")


@model
class PageMeta(Model):
    current_page: int | None = None
    last_page: int | None = None
    per_page: int | None = None
    total: int | None = None
    from_: int | None = None
    to: int | None = None
    path: str | None = None


@model
class PageLinks(Model):
    first: str | None = None
    last: str | None = None
    prev: str | None = None
    next: str | None = None


@attrs.frozen(kw_only=True, slots=True)
class Page(Generic[T]):
    """One page of a list; ``has_next`` says whether asking for ``page + 1`` makes sense."""

    items: list[T]
    meta: PageMeta | None = None
    links: PageLinks | None = None

    @property
    def has_next(self) -> bool:
        if self.meta is not None and self.meta.current_page and self.meta.last_page:
            return self.meta.current_page < self.meta.last_page
        return self.links is not None and bool(self.links.next)


def check_advanced(route: str, asked: int, page: Page[Any], previous: Page[Any] | None) -> None:
    """Refuse a page that does not move on from the one before: ``iter`` would loop forever.

    Moving on means a higher ``meta.current_page`` when both pages have one, else items that
    differ (a server without ``meta`` that ignores ``page`` answers the same items again).
    Raising beats stopping: a silent stop would pass a truncated list off as complete.
    """
    if previous is None:
        return
    before = previous.meta.current_page if previous.meta is not None else None
    now = page.meta.current_page if page.meta is not None else None
    if before is not None and now is not None:
        if now > before:
            return
        repeated = now
    elif page.items != previous.items:
        return
    else:
        repeated = asked - 1
    raise MalformedResponseError(
        f"{route}: asked for page {asked}, the server repeated page {repeated} (and says more "
        "follow); stopped instead of asking forever",
        status=200,
        body=None,
        route=route,
    )
