"""Customer files: which categories there are (the closed set is ``FileCategory``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models.files import FileCategory
from .base import check_choice, require

FILE_CATEGORIES = tuple(c.value for c in FileCategory)


def check_file_category(body: Mapping[str, Any], *, context: str) -> None:
    require(body, "file_category", context=context)
    check_choice(body, "file_category", FILE_CATEGORIES, context=context)
