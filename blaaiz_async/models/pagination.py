"""Laravel-style pages: ``{data: [...], links, meta}``."""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs

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
