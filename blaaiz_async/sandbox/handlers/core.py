"""Wallets and currencies."""

from __future__ import annotations

from ..state import SandboxState
from . import Call, Reply, error, handles, ok


@handles("wallets.list")
def wallets_list(state: SandboxState, call: Call) -> Reply:
    return ok(list(state.wallets.values()))


@handles("wallets.get")
def wallets_get(state: SandboxState, call: Call) -> Reply:
    wallet = state.wallets.get(call.path["wallet_id"])
    if wallet is None:
        return error(404, "Wallet not found")
    return 200, wallet  # the API returns this one unwrapped


@handles("currencies.list")
def currencies_list(state: SandboxState, call: Call) -> Reply:
    return ok(list(state.currencies.values()))
