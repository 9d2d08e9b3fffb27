"""The base of every model, and the money type.

Models are frozen, slotted, keyword-only attrs classes. Fields the API sends that a model
does not declare land in ``extra``, so a new server field never breaks parsing and is
still reachable. Amounts are ``decimal.Decimal``: responses are decoded with
``parse_float=Decimal``, so ``100.10`` stays ``Decimal("100.10")``, never a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeAlias, TypedDict, TypeVar, dataclass_transform

import attrs

Money: TypeAlias = Decimal
# An amount in a request: exact types only, a float such as 0.1 is not the number it shows.
Amount: TypeAlias = Decimal | int | str
_T = TypeVar("_T")


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(attrs.field,))
def model(cls: type[_T]) -> type[_T]:
    """Class decorator: the one attrs configuration every model shares."""
    return attrs.frozen(kw_only=True, slots=True)(cls)


def masked(value: object) -> str:
    """``repr=`` for fields that are credentials or personal data: shows only presence."""
    return "None" if value is None else "'***'"


@attrs.frozen(kw_only=True, slots=True)
class Model:
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)


@model
class Ack(Model):
    """A bare acknowledgement, ``{message}`` (sometimes with ``status``): the API accepted
    the request and says so in ``message``."""

    message: str | None = None
    status: bool | str | None = None


class RequestBody(TypedDict, total=False):
    """The base of every request body: a ``TypedDict`` whose keys are the body's fields,
    so one declaration types the method's keywords (``**fields: Unpack[...]``), builds
    the body and is the value a caller may pass instead of keywords. ``None`` is the same
    as leaving a field out."""

    extra_body: Mapping[str, Any]  # fields the API added after this release, sent as given
