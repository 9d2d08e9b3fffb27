"""docs/endpoints.md as a reader sees it: every row of the table has its six cells, and
response types print as they are written in Python (unions included)."""

from __future__ import annotations

import re
from typing import Optional, Union

import pytest

from blaaiz_async.docs import _type_name, render
from blaaiz_async.models import KycApplicantData, Transaction, Wallet


@pytest.mark.parametrize(
    ("annotation", "shown"),
    [
        (Wallet, "Wallet"),
        (list[Wallet], "list[Wallet]"),
        (KycApplicantData | None, "KycApplicantData \\| None"),
        (Optional[Wallet], "Wallet \\| None"),  # noqa: UP045 - the old spelling prints alike
        (Union[Wallet, Transaction], "Wallet \\| Transaction"),  # noqa: UP007
        (list[Wallet | Transaction], "list[Wallet \\| Transaction]"),
        (None, "decoded JSON"),
    ],
)
def test_response_types_print_as_written(annotation: object, shown: str) -> None:
    assert _type_name(annotation) == shown


def test_every_row_has_six_cells() -> None:
    rows = [line for line in render().splitlines() if line.startswith("| `")]
    assert len(rows) >= 70
    for row in rows:
        cells = re.split(r"(?<!\\)\|", row)[1:-1]  # a \| inside a cell does not end it
        assert len(cells) == 6, row
    assert not [row for row in rows if "blaaiz_async." in row], "qualified names leak"
