"""OAuth scopes and the bundles the dashboard offers.

Scope strings are the API's own (``Scope.PAYOUT_CREATE == "payout:create"``), so a
scope can be compared with, logged as, and sent as the plain string the server knows.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from typing import NoReturn, TypeAlias


class Scope(enum.StrEnum):
    """One permission the token endpoint can grant."""

    WALLET_READ = "wallet:read"
    CURRENCY_READ = "currency:read"
    BANK_READ = "bank:read"
    CUSTOMER_READ = "customer:read"
    CUSTOMER_WRITE = "customer:write"
    BENEFICIARY_READ = "beneficiary:read"
    VIRTUAL_ACCOUNT_READ = "virtual-account:read"
    VIRTUAL_ACCOUNT_CREATE = "virtual-account:create"
    VIRTUAL_ACCOUNT_CLOSE = "virtual-account:close"
    COLLECTION_CREATE = "collection:create"
    COLLECTION_CRYPTO_CREATE = "collection:crypto:create"
    COLLECTION_INTERAC_ACCEPT = "collection:interac:accept"
    PAYOUT_CREATE = "payout:create"
    SWAP_CREATE = "swap:create"
    TRANSACTION_READ = "transaction:read"
    FEES_READ = "fees:read"
    FILE_UPLOAD = "file:upload"
    WEBHOOK_READ = "webhook:read"
    WEBHOOK_WRITE = "webhook:write"
    WEBHOOK_REPLAY = "webhook:replay"
    MOCK_WEBHOOK_TRIGGER = "mock:webhook:trigger"
    RATES_READ = "rates:read"
    COMPLIANCE_KYC_READ = "compliance-kyc:read"
    COMPLIANCE_KYC_CREATE = "compliance-kyc:create"
    COMPLIANCE_KYC_CANCEL = "compliance-kyc:cancel"
    COMPLIANCE_KYC_PII_READ = "compliance-kyc:pii:read"
    SIGNA_ID_RELEASE = "signa-id:release"


S = Scope

# Scopes granted only on request (PII) or only to businesses with the feature (Signa ID):
# they are in no bundle and are never asked for unless named.
_OPT_IN = frozenset({S.COMPLIANCE_KYC_PII_READ, S.SIGNA_ID_RELEASE})
# Routes needing these refuse the legacy x-blaaiz-api-key outright.
OAUTH_ONLY = frozenset({S.SIGNA_ID_RELEASE})


class ScopeBundle(enum.Enum):
    """The named scope sets of the dashboard; ``.scopes`` lists the members."""

    FULL_ACCESS = "full-access"
    READ_ONLY = "read-only"
    COLLECTIONS = "collections"
    PAYOUTS = "payouts"
    VIRTUAL_ACCOUNTS = "virtual-accounts"
    CUSTOMERS = "customers"

    @property
    def scopes(self) -> frozenset[Scope]:
        return _BUNDLE_MEMBERS[self]


_BUNDLE_MEMBERS: dict[ScopeBundle, frozenset[Scope]] = {
    ScopeBundle.FULL_ACCESS: frozenset(Scope) - _OPT_IN,
    ScopeBundle.READ_ONLY: frozenset(
        {S.WALLET_READ, S.CURRENCY_READ, S.CUSTOMER_READ, S.TRANSACTION_READ, S.FEES_READ}
        | {S.WEBHOOK_READ}
    ),
    ScopeBundle.COLLECTIONS: frozenset(
        {S.COLLECTION_CREATE, S.CUSTOMER_READ, S.CUSTOMER_WRITE, S.TRANSACTION_READ}
    ),
    ScopeBundle.PAYOUTS: frozenset(
        {S.PAYOUT_CREATE, S.WALLET_READ, S.BANK_READ, S.BENEFICIARY_READ, S.FEES_READ}
    ),
    ScopeBundle.VIRTUAL_ACCOUNTS: frozenset(
        {S.VIRTUAL_ACCOUNT_READ, S.VIRTUAL_ACCOUNT_CREATE, S.VIRTUAL_ACCOUNT_CLOSE}
        | {S.CUSTOMER_READ, S.CUSTOMER_WRITE}
    ),
    ScopeBundle.CUSTOMERS: frozenset(
        {S.CUSTOMER_READ, S.CUSTOMER_WRITE, S.BENEFICIARY_READ, S.FILE_UPLOAD}
    ),
}

ScopeLike: TypeAlias = "Scope | ScopeBundle | str"
ScopesArg: TypeAlias = "ScopeLike | Iterable[ScopeLike] | None"


def _wrong_type(value: object) -> NoReturn:
    from .errors import ArgumentTypeError  # errors imports this module

    raise ArgumentTypeError(
        f"scopes must be a Scope, a ScopeBundle, a string such as 'wallet:read fees:read', "
        f"or an iterable of those; got {type(value).__name__}"
    )


def parse_scopes(value: ScopesArg) -> frozenset[Scope]:
    """Turn scopes as users write them into a set of ``Scope``.

    Accepts a ``Scope``, a ``ScopeBundle``, a bundle name (``"read-only"``), a
    space-separated string (``"wallet:read fees:read"``), or any iterable mixing these.
    ``None`` means full access. Unknown names raise ``ConfigurationError`` (a
    ``ValueError``) naming them, with the closest known name for each.
    """
    if value is None:
        return ScopeBundle.FULL_ACCESS.scopes
    items = [value] if isinstance(value, str | ScopeBundle) else value
    if isinstance(items, bytes | bytearray) or not isinstance(items, Iterable):
        _wrong_type(items)
    result: set[Scope] = set()
    unknown: list[str] = []
    for item in items:
        if isinstance(item, ScopeBundle):
            result |= item.scopes
        elif isinstance(item, Scope):
            result.add(item)
        elif not isinstance(item, str):
            _wrong_type(item)
        else:
            for word in str(item).split():
                parsed = _parse_word(word)
                if parsed is None:
                    unknown.append(word)
                else:
                    result |= parsed
    if unknown:
        from .config import ConfigurationError  # config imports errors, which imports this

        raise ConfigurationError(unknown_scopes_message(unknown))
    return frozenset(result)


# Every name ``parse_scopes`` knows: the scopes and the bundles.
_KNOWN_NAMES = tuple(s.value for s in Scope) + tuple(b.value for b in ScopeBundle)


def unknown_scopes_message(unknown: Iterable[str]) -> str:
    """Names the unknown scopes, each with the closest known name when there is one."""
    parts = []
    for word in sorted(set(unknown)):
        close = difflib.get_close_matches(word, _KNOWN_NAMES, n=1)
        parts.append(f"{word!r} (did you mean {close[0]!r}?)" if close else repr(word))
    return (
        f"unknown scope(s): {', '.join(parts)}; use Scope values such as 'wallet:read' or "
        f"a bundle ({', '.join(b.value for b in ScopeBundle)}); `blaaiz-async scopes` lists them"
    )


def _parse_word(word: str) -> frozenset[Scope] | None:
    try:
        return frozenset({Scope(word)})
    except ValueError:
        pass
    try:
        return ScopeBundle(word).scopes
    except ValueError:
        return None


def parse_granted(value: str) -> frozenset[Scope]:
    """Read the token response's ``scope`` field, keeping only scopes this SDK knows.

    The server may grant scopes newer than this release; they cannot guard any
    route we declare, so they are dropped rather than failing the token.
    """
    granted: set[Scope] = set()
    for word in value.split():
        parsed = _parse_word(word)
        if parsed is not None:
            granted |= parsed
    return frozenset(granted)


def format_scopes(scopes: Iterable[Scope]) -> str:
    """Space-joined, sorted: one canonical spelling for requests and cache keys."""
    return " ".join(sorted(str(s) for s in scopes))


def missing_scopes(required: frozenset[Scope], granted: frozenset[Scope]) -> frozenset[Scope]:
    return required - granted
