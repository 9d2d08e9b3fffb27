"""What every resource shares: a handle on the pipeline.

Request bodies are built by ``rules.base.body`` from their ``TypedDict`` declarations in
``blaaiz_async.models``; a method only names its route, its declaration and its rules.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

from ..pipeline import Pipeline
from ..routes import Route
from ..rules.base import check_path_values

T = TypeVar("T")


class Resource:
    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def __repr__(self) -> str:
        return f"<{type(self).__name__} resource>"

    def _call(
        self,
        route: Route[T],
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Coroutine[Any, Any, T]:
        """The engine's call, handed back to await (no coroutine of its own per call)."""
        return self._pipeline.call(route, path=path, params=params, json=json)


def check_path(route: Route[Any], **values: Any) -> None:
    """The path-parameter check of ``route``, made now: for a flow whose first request is
    another route (an upload presigns first), so a bad id fails before any of it."""
    check_path_values(route.name, route.params, values)
