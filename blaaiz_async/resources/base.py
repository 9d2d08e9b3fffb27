"""What every resource shares: a handle on the pipeline, and request bodies as JSON data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, overload

from ..errors import ValidationError
from ..models.base import Model
from ..models.converter import converter
from ..pipeline import Pipeline
from ..routes import Route
from ..validation import compact

T = TypeVar("T")


class Resource:
    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def __repr__(self) -> str:
        return f"<{type(self).__name__} resource>"

    async def _call(
        self,
        route: Route[T],
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> T:
        return await self._pipeline.call(route, path=path, params=params, json=json)


@overload
def wire(value: Model) -> dict[str, Any]: ...
@overload
def wire(value: Any) -> Any: ...
def wire(value: Any) -> Any:
    """A request value as JSON-ready data: models unstructured (with their ``extra``),
    ``None`` fields dropped at every level."""
    if isinstance(value, Model):
        data = converter.unstructure(value)
        data.update(value.extra)
        return wire(data)
    if isinstance(value, Mapping):
        return {k: wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    return value


def request_body(request: Model | None, **fields: Any) -> dict[str, Any]:
    """The body from a request model or from keyword arguments, never a mix of both
    (which one would win is a guess; refusing it is clearer)."""
    given = {k: wire(v) for k, v in compact(**fields).items()}
    if request is None:
        return given
    if given:
        raise ValidationError(
            f"pass either a {type(request).__name__} or keyword arguments, not both "
            f"(got {', '.join(sorted(given))})",
            field=next(iter(sorted(given))),
        )
    return wire(request)
