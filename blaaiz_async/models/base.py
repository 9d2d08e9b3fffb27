"""The base of every model, and the money type.

Models are frozen, slotted, keyword-only attrs classes. Fields the API sends that a model
does not declare land in ``extra``, so a new server field never breaks parsing and is
still reachable. Amounts are ``decimal.Decimal``: responses are decoded with
``parse_float=Decimal``, so ``100.10`` stays ``Decimal("100.10")``, never a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeAlias

import attrs

Money: TypeAlias = Decimal


def model(cls: type[Any]) -> type[Any]:
    """Class decorator: the one attrs configuration every model shares."""
    return attrs.frozen(kw_only=True, slots=True)(cls)


@attrs.frozen(kw_only=True, slots=True)
class Model:
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)
