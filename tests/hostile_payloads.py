"""Answers just under 2 MB built to cost the parser as much as possible.

Shared by ``tests/test_hostile_parse.py`` (each is a typed error) and
``benchmarks/hostile_parse.py`` (how long each takes on the event loop).
"""

from __future__ import annotations

import json

LIMIT = 2_000_000
BIG = 1_900_000


def _nested(depth: int) -> bytes:
    return b'{"data": ' + b"[" * depth + b"]" * depth + b"}"


def _unknown_keys(count: int) -> bytes:
    # A wallet without its required id, among many keys the model does not know.
    keys = ",".join(f'"k{i}":{i}' for i in range(count))
    return ('{"data": [{"currency": "NGN", "amount": "1", ' + keys + "}]}").encode()


def bodies() -> dict[str, tuple[str, bytes]]:
    """name -> (route name, raw body); every body is under ``LIMIT`` bytes."""
    out = {
        "string where a list belongs": (
            "wallets.list",
            json.dumps({"data": "x" * BIG}).encode(),
        ),
        "200k tiny bad items": (
            "wallets.list",
            b'{"data": [' + b",".join([b"1"] * 200_000) + b"]}",
        ),
        "200k empty objects": (
            "wallets.list",
            b'{"data": [' + b",".join([b"{}"] * 200_000) + b"]}",
        ),
        "200k bad page items": (
            "transactions.list",
            b'{"data": [' + b",".join([b'{"id": []}'] * 150_000) + b'], "meta": {}}',
        ),
        "50k-level nesting": ("wallets.list", _nested(50_000)),
        "1.9 MB of digits in an int field": (
            "transactions.list",
            b'{"data": [], "meta": {"total": ' + b"9" * BIG + b"}}",
        ),
        "1.9 MB of digits in a string int field": (
            "transactions.list",
            b'{"data": [], "meta": {"total": "' + b"9" * BIG + b'"}}',
        ),
        "1.9 MB string amount": (
            "wallets.list",
            b'{"data": [{"id": "w1", "currency": "NGN", "amount": "' + b"1" * BIG + b'"}]}',
        ),
        "1.9 MB number amount": (
            "wallets.list",
            b'{"data": [{"id": "w1", "currency": "NGN", "amount": 1.' + b"1" * BIG + b"}]}",
        ),
        "huge exponent amount": (
            "wallets.list",
            b'{"data": [{"id": "w1", "currency": "NGN", "amount": 1E+999999999}]}',
        ),
        "many unknown keys": ("wallets.list", _unknown_keys(100_000)),
        "1.9 MB payout payload string": (
            "payouts.create",
            json.dumps({"transaction": "x" * BIG}).encode(),
        ),
    }
    for name, (_, raw) in out.items():
        assert len(raw) < LIMIT, (name, len(raw))
    return out
