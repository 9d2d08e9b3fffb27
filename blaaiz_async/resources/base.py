"""What every resource shares: a handle on the pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..pipeline import Pipeline
from ..routes import Route


class Resource:
    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def __repr__(self) -> str:
        return f"<{type(self).__name__} resource>"

    async def _call(
        self,
        route: Route[Any],
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        return await self._pipeline.call(route, path=path, params=params, json=json)
