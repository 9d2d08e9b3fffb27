"""The sandbox's world: credentials, tokens, business data and counters.

Plain data and plain functions, no aiohttp: handlers read and change this state, and
tests inspect it directly. Amounts are ``Decimal`` throughout.

Business data lives in ``Table`` attributes, one per kind of record (``state.customers``,
``state.refunds``, ``state.kyc_sessions``, ...): a dict of records by id that also knows
the record's noun, so ``state.customers.get_or_404(customer_id)`` is the one way a
handler loads a path object. It raises ``NotFound``, which the app answers with the
API's 404 body (``{"status": false, "message": "Customer not found"}``).
"""

from __future__ import annotations

import difflib
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import attrs

from ..config import API_RATE_LIMIT_WINDOW, ConfigurationError
from ..routes import ROUTES
from ..scopes import Scope, ScopesArg, format_scopes, parse_granted, parse_scopes
from .limiter import FixedWindowLimiter

# The longest token lifetime the sandbox issues: ten years. ``expires_in`` must stay a JSON
# number any client reads (a 64-bit integer); 1e308 seconds is not one.
MAX_TOKEN_TTL = 10 * 365 * 24 * 3600.0

Record = dict[str, Any]

SEED_WALLETS: dict[str, Decimal] = {
    "NGN": Decimal("50000000.00"),
    "USD": Decimal("1000000.00"),
    "GBP": Decimal("500000.00"),
    "EUR": Decimal("500000.00"),
    "CAD": Decimal("500000.00"),
    "KES": Decimal("5000000.00"),
    "GHS": Decimal("500000.00"),
}

# Units of each currency per USD: enough to price cross-currency transfers.
RATES_PER_USD: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "NGN": Decimal("1550"),
    "GBP": Decimal("0.79"),
    "EUR": Decimal("0.92"),
    "CAD": Decimal("1.36"),
    "KES": Decimal("129"),
    "GHS": Decimal("15.5"),
    "UGX": Decimal("3700"),
    "TZS": Decimal("2600"),
    "XOF": Decimal("605"),
}

COUNTRIES: dict[str, tuple[str, str]] = {
    "NGN": ("NG", "Nigeria"),
    "USD": ("US", "United States"),
    "GBP": ("GB", "United Kingdom"),
    "EUR": ("DE", "Germany"),
    "CAD": ("CA", "Canada"),
    "KES": ("KE", "Kenya"),
    "GHS": ("GH", "Ghana"),
    "UGX": ("UG", "Uganda"),
    "TZS": ("TZ", "Tanzania"),
    "XOF": ("BJ", "Benin"),
}


@attrs.define(kw_only=True)
class Credential:
    client_id: str
    client_secret: str = attrs.field(repr=False)
    scopes: frozenset[Scope]


@attrs.define(kw_only=True)
class IssuedToken:
    value: str = attrs.field(repr=False)
    client_id: str
    scopes: frozenset[Scope]
    expires_at: float


@attrs.define(kw_only=True)
class Fault:
    """Injected misbehaviour for the next ``times`` calls of a route."""

    kind: str  # "status" | "drop_after" | "drop_before"
    times: int = 1
    status: int = 500
    body: Any = None
    headers: dict[str, str] = attrs.field(factory=dict)


# What faults and latency can be injected into: every declared route, and the token endpoint.
FAULT_ROUTES: tuple[str, ...] = ("oauth.token", *ROUTES)
# What the request counters count: those, and the presigned-upload target.
COUNTED_ROUTES: tuple[str, ...] = (*FAULT_ROUTES, "storage.put")


def known_route(route: object, purpose: str, names: tuple[str, ...] = FAULT_ROUTES) -> str:
    """``route`` when it is one of ``names``, else ``ConfigurationError`` naming the close
    matches: a typo would otherwise set up (or count) something no call ever takes."""
    if isinstance(route, str) and route in names:
        return route
    if not isinstance(route, str):
        raise ConfigurationError(
            f"a route name is a string such as 'payouts.create', got {type(route).__name__}"
        )
    close = difflib.get_close_matches(route, names, n=3)
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    raise ConfigurationError(
        f"no route named {route!r} to {purpose}{hint}; use a route name such as "
        "'payouts.create' (blaaiz_async.routes.ROUTES) or 'oauth.token'"
    )


class NotFound(Exception):
    """A looked-up object that does not exist; the app answers 404 with ``message``."""

    def __init__(self, noun: str) -> None:
        super().__init__(f"{noun} not found")
        self.noun = noun

    @property
    def message(self) -> str:
        return str(self.args[0])


class Table(dict[str, Record]):
    """The records of one kind by id, and the one loader of path objects.

    ``noun`` names the record in the 404 message (``"Customer"``: "Customer not found").
    ``also_by``: fields a record is found by too when no id matches (a transaction by its
    ``reference`` or ``merchant_reference``).
    """

    def __init__(self, noun: str, *, also_by: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.noun = noun
        self.also_by = also_by

    def find(self, key: object) -> Record | None:
        """The record ``key`` names (an id, else an ``also_by`` field), or None. Any value
        is a key: a number or a list from a JSON body finds nothing instead of failing."""
        wanted = str(key)
        record = self.get(wanted)
        if record is not None or not self.also_by:
            return record
        return next(
            (r for r in self.values() if any(r.get(f) == wanted for f in self.also_by)), None
        )

    def get_or_404(self, key: object, **owned_by: object) -> Record:
        """The record ``key`` names, or ``NotFound``. ``owned_by`` fields must match too
        (``owners.get_or_404(owner_id, customer_id=customer["id"])``): another customer's
        owner is not found either."""
        record = self.find(key)
        if record is None or any(record.get(f) != v for f, v in owned_by.items()):
            raise self.not_found()
        return record

    def where(self, **fields: object) -> Iterator[Record]:
        """The records whose ``fields`` have these values, in insertion order."""
        return (r for r in self.values() if all(r.get(f) == v for f, v in fields.items()))

    def not_found(self) -> NotFound:
        return NotFound(self.noun)


def _credential_part(name: str, value: str | None) -> str | None:
    """A given client id or secret, as the token form carries it: printable, no spaces."""
    if value is None:
        return None
    if not isinstance(value, str) or not value or not value.isprintable() or " " in value:
        raise ConfigurationError(
            f"{name} must be a non-empty string of printable characters without spaces"
        )
    return value


def new_id() -> str:
    return str(uuid.uuid4())


def now_iso() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"


class SandboxState:
    """Everything the emulated API knows. Handlers are plain functions over it."""

    def __init__(
        self,
        *,
        token_ttl: float = 3600.0,
        echo_scope: bool = True,
        webhook_secret: str | None = None,
        rate_limit: int | None = None,
        rate_window: float = API_RATE_LIMIT_WINDOW,
    ) -> None:
        self.token_ttl = token_ttl
        self.echo_scope = echo_scope
        # Signs the webhooks this sandbox sends; random unless a test needs to know it.
        self.webhook_secret = webhook_secret or "sbxwh_" + secrets.token_urlsafe(24)
        # Called with each delivery recorded; the running Sandbox sends it over HTTP.
        self.delivery_hook: Callable[[Record], None] | None = None
        self.business_id = new_id()
        self.credentials: dict[str, Credential] = {}
        self.api_keys: set[str] = set()
        self.tokens: dict[str, IssuedToken] = {}
        self.api_access_enabled = True
        self.ip_allowlist: set[str] | None = None
        # The account limit (requests per window per principal; None: unlimited) and the
        # endpoint limits, all fixed windows; see ``limiter``.
        self.account_limiter: FixedWindowLimiter | None = None
        self._rate_window = FixedWindowLimiter(1, rate_window).window  # validated
        self.rate_limit = rate_limit
        self._endpoint_limiters: dict[tuple[str, int, float], FixedWindowLimiter] = {}
        self.faults: dict[str, list[Fault]] = {}
        # Counters, by route name ("oauth.token" for the token endpoint).
        self.requests: Counter[str] = Counter()
        self.responses: Counter[tuple[str, int]] = Counter()
        self.statuses: Counter[int] = Counter()
        # Business data, one table per kind of record (see the module notes).
        self.currencies = Table("Currency")  # by code
        self.wallets = Table("Wallet")
        self.customers = Table("Customer")
        self.transactions = Table("Transaction", also_by=("reference", "merchant_reference"))
        # A customer's owners, documents and beneficiaries (payout recipients).
        self.owners = Table("Owner")
        self.customer_documents = Table("Document")
        self.beneficiaries = Table("Beneficiary")
        self.virtual_bank_accounts = Table("Virtual bank account")
        self.refunds = Table("Refund")
        # Interac: requests sent to payers; incoming transfers by reference number.
        self.interac_money_requests = Table("Interac money request")
        self.interac_transfers = Table("Interac transfer")
        # Signa KYC sessions (their idempotency keys: key -> {session_id}) and the
        # Signa ID release flow; wallet statuses by lower-cased address.
        self.kyc_sessions = Table("Session")
        self.kyc_session_keys = Table("Session key")
        self.signa_id_requests = Table("Release request")
        self.signa_id_request_keys = Table("Release request key")
        self.signa_id_releases = Table("Release")
        self.signa_id_codes = Table("Release code")
        self.signa_id_wallets = Table("Wallet status")
        # Webhooks: the configuration (None until registered) and every delivery.
        self.webhook_config: Record | None = None
        self.webhook_deliveries = Table("Webhook delivery")
        # Presigned uploads: slots handed out (file_id -> slot) and bytes received.
        self.upload_slots = Table("File")
        self.uploads = Table("Upload")
        self._seed()

    # -- credentials and tokens -------------------------------------------------------------

    def add_client(
        self,
        scopes: ScopesArg = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> tuple[str, str]:
        """Register credentials (random unless given: fixed ones let a ``.env`` outlive a
        restart of the sandbox). A given id replaces the credential of that id."""
        granted = parse_scopes(scopes) if scopes is not None else frozenset(Scope)
        client_id = _credential_part("client_id", client_id) or "sbx_" + secrets.token_hex(8)
        secret = _credential_part("client_secret", client_secret) or (
            "sbxsec_" + secrets.token_urlsafe(24)
        )
        self.credentials[client_id] = Credential(
            client_id=client_id, client_secret=secret, scopes=granted
        )
        return client_id, secret

    # Refuse (invalid_scope) a requested scope the credential lacks, instead of ignoring it.
    strict_scopes = False

    def rotate_secret(self, client_id: str, *, client_secret: str | None = None) -> str:
        """Rotate a credential's secret: a new one (random unless given) is issued, and the
        old one and every token issued to the credential are revoked, at once."""
        cred = self.credentials.get(client_id)
        if cred is None:
            raise KeyError(f"no credential {client_id!r} in the sandbox")
        cred.client_secret = _credential_part("client_secret", client_secret) or (
            "sbxsec_" + secrets.token_urlsafe(24)
        )
        for value in [v for v, t in self.tokens.items() if t.client_id == client_id]:
            del self.tokens[value]
        return cred.client_secret

    def add_api_key(self) -> str:
        key = "sbxkey_" + secrets.token_urlsafe(24)
        self.api_keys.add(key)
        return key

    def issue_token(self, form: dict[str, str]) -> tuple[int, Record]:
        """The /oauth/token endpoint, as a pure function of the form."""
        if form.get("grant_type") != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "Only client_credentials is supported.",
            }
        cred = self.credentials.get(form.get("client_id", ""))
        if cred is None or not secrets.compare_digest(
            cred.client_secret.encode(), form.get("client_secret", "").encode()
        ):
            return 401, {
                "error": "invalid_client",
                "error_description": "Client authentication failed.",
            }
        requested = form.get("scope", "").strip()
        asked = parse_granted(requested) if requested else cred.scopes
        unknown = [w for w in requested.split() if not parse_granted(w)]
        if unknown:
            return 400, {
                "error": "invalid_scope",
                "error_description": f"Unknown scope(s): {' '.join(unknown)}",
            }
        if self.strict_scopes and asked - cred.scopes:
            return 400, {
                "error": "invalid_scope",
                "error_description": "The requested scope is invalid, unknown, or exceeds "
                f"the scopes granted to the client: {format_scopes(asked - cred.scopes)}",
            }
        granted = asked & cred.scopes  # else scopes the credential lacks are ignored
        value = secrets.token_urlsafe(32)
        self.tokens[value] = IssuedToken(
            value=value,
            client_id=cred.client_id,
            scopes=granted,
            expires_at=time.time() + self.token_ttl,
        )
        body: Record = {
            "access_token": value,
            "token_type": "Bearer",
            "expires_in": self.token_ttl if self.token_ttl % 1 else int(self.token_ttl),
        }
        if self.echo_scope:
            body["scope"] = format_scopes(granted)
        return 200, body

    def revoke_all_tokens(self) -> int:
        count = len(self.tokens)
        self.tokens.clear()
        return count

    def revoke_token(self, value: str) -> bool:
        return self.tokens.pop(value, None) is not None

    @property
    def token_ttl(self) -> float:
        """Seconds each issued token lives."""
        return self._token_ttl

    @token_ttl.setter
    def token_ttl(self, seconds: float) -> None:
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 < seconds <= MAX_TOKEN_TTL
        ):
            raise ConfigurationError(
                f"token_ttl must be a positive number of seconds, at most {MAX_TOKEN_TTL:.0f} "
                f"(ten years), got {seconds!r}"
            )
        self._token_ttl = seconds

    @property
    def token_requests(self) -> int:
        return self.requests["oauth.token"]

    # -- rate limits -------------------------------------------------------------------------

    @property
    def rate_limit(self) -> int | None:
        """Requests per ``rate_window`` seconds per principal; None: no account limit."""
        return None if self.account_limiter is None else self.account_limiter.limit

    @rate_limit.setter
    def rate_limit(self, limit: int | None) -> None:
        self.account_limiter = (
            None if limit is None else FixedWindowLimiter(limit, self._rate_window)
        )

    @property
    def rate_window(self) -> float:
        return self._rate_window

    @rate_window.setter
    def rate_window(self, seconds: float) -> None:
        self._rate_window = FixedWindowLimiter(1, seconds).window  # validated
        self.rate_limit = self.rate_limit  # a fresh limiter on the new window

    def rate_check(self, principal: str) -> tuple[bool, dict[str, str]]:
        """Count a request against the account limit: (allowed, its X-RateLimit headers)."""
        if self.account_limiter is None:
            return True, {}
        count = self.account_limiter.hit(principal, time.time())
        return count.allowed, count.headers()

    def endpoint_limiters(
        self, name: str, limits: tuple[tuple[int, float], ...]
    ) -> list[FixedWindowLimiter]:
        """The limiters of one endpoint's own limits ((count, window seconds) pairs)."""
        found = []
        for count, window in limits:
            limiter = self._endpoint_limiters.get((name, count, window))
            if limiter is None:
                limiter = self._endpoint_limiters[name, count, window] = FixedWindowLimiter(
                    count, window
                )
            found.append(limiter)
        return found

    # -- faults ----------------------------------------------------------------------------

    def add_fault(self, route: str, fault: Fault) -> None:
        """Queue ``fault`` for ``route``; a name that no call would ever take it under, or
        fewer than one time, is refused (it would silently test nothing)."""
        known_route(route, "inject a fault into")
        if isinstance(fault.times, bool) or not isinstance(fault.times, int) or fault.times < 1:
            raise ConfigurationError(
                f"times must be a whole number of calls, at least 1, got {fault.times!r}"
            )
        self.faults.setdefault(route, []).append(fault)

    def take_fault(self, route: str) -> Fault | None:
        queue = self.faults.get(route)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

    # -- data ------------------------------------------------------------------------------

    def _seed(self) -> None:
        for code, (short, name) in COUNTRIES.items():
            cid = new_id()
            self.currencies[code] = {
                "id": cid,
                "code": code,
                "name": code,
                "active": True,
                "country_id": short,
                "country": {
                    "id": short,
                    "name": name,
                    "short_name": short,
                    "alt_short_name": short,
                },
            }
        for code, balance in SEED_WALLETS.items():
            wid = new_id()
            self.wallets[wid] = {
                "id": wid,
                "business_id": self.business_id,
                "currency": code,
                "currency_id": self.currencies[code]["id"],
                "amount": balance,
                "is_active": True,
            }
        customer: Record = {
            "id": new_id(),
            "business_id": self.business_id,
            "type": "individual",
            "first_name": "Ada",
            "last_name": "Obi",
            "business_name": None,
            "email": "ada@example.com",
            "country": "NG",
            "id_type": "passport",
            "id_number": "A00000001",
            "verification_status": "VERIFIED",
            "created_at": now_iso(),
            "updated_at": now_iso(),
        }
        self.customers[customer["id"]] = customer
        self.default_customer_id: str = customer["id"]

    def wallet_for(self, currency: str) -> Record | None:
        return next((w for w in self.wallets.values() if w["currency"] == currency), None)

    def currency_code(self, value: str) -> str | None:
        """Payouts accept a currency code or its id."""
        if value.upper() in self.currencies:
            return value.upper()
        return next((c for c, r in self.currencies.items() if r["id"] == value), None)
