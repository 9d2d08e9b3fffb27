"""``blaaiz-async demo``: P processes x C coroutines of payouts sharing ONE token, against an
embedded sandbox that enforces a rate limit, with a live progress bar and a summary.

The numbers in the summary come from where they can be checked: the sandbox counts the
requests it got and how it answered them (token requests, 401s, 429s), the workers count
their calls and time them. ``--fault`` breaks something mid-run to show the recovery:
``revoke-tokens`` revokes every token (the fleet should fetch ONE new one), ``kill-store``
takes the shared store away (the redis-server is killed and started again, or the token
file is overwritten with garbage).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..auth.stores.base import TokenStore
from ..limits.limit import RateLimit
from ..sandbox import Sandbox
from ..scopes import ScopeBundle
from .fleet import FleetReport, FleetSpec, FleetStartError, run_fleet
from .redis_server import LocalRedis, redis_server_binary

FAULTS = ("revoke-tokens", "kill-store")
STORES = ("file", "memory", "redis")
ROUTE = "payouts.create"
REDIS_DOWN_FOR = 1.0  # seconds between killing the demo's redis-server and starting it again
POLL = 0.005  # seconds between looks at the sandbox's counters (progress and faults)


@attrs.frozen(kw_only=True)
class DemoOptions:
    processes: int
    concurrency: int
    payouts: int
    store: str
    redis_url: str | None
    rate_limit: int
    rate_window: float
    token_ttl: float
    latency: float
    faults: tuple[str, ...]

    @property
    def total(self) -> int:
        return self.processes * self.concurrency * self.payouts


def check_options(opts: DemoOptions) -> None:
    """Refuse combinations that cannot run, before anything starts (``UsageError``)."""
    if opts.redis_url is not None and opts.store != "redis":
        raise click.UsageError("--redis-url is for --store redis")
    if opts.redis_url is not None:
        check_redis_url(opts.redis_url)
    if "kill-store" in opts.faults:
        if opts.store == "memory":
            raise click.UsageError(
                "--fault kill-store needs a shared store: --store file or --store redis "
                "(each process's memory store dies with it)"
            )
        if opts.store == "redis" and opts.redis_url is not None:
            raise click.UsageError(
                "--fault kill-store kills the demo's own redis-server: leave out --redis-url"
            )
    if opts.store == "redis" and opts.redis_url is None and redis_server_binary() is None:
        raise click.UsageError(
            "--store redis needs --redis-url redis://HOST:PORT/0, or redis-server on PATH "
            "for the demo to start its own"
        )
    if len(set(opts.faults)) != len(opts.faults):
        raise click.UsageError("each --fault may be given once")


def check_redis_url(url: str) -> None:
    """The URL's shape, checked here: a bad one would only fail inside every worker."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        raise click.UsageError(f"--redis-url is not a URL: {url!r}") from None
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise click.UsageError(
            f"--redis-url must start with redis://, rediss:// or unix://, got {url!r} "
            "(e.g. redis://127.0.0.1:6379/0)"
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise click.UsageError(f"--redis-url has no host: {url!r}")
    if parts.scheme == "unix" and not parts.path:
        raise click.UsageError(f"--redis-url has no socket path: {url!r}")


async def check_redis_reachable(url: str) -> None:
    """Fail in a second with the cause, rather than degrade every worker to its own token."""
    try:
        import redis.asyncio as aioredis
        from redis.exceptions import RedisError
    except ImportError:
        raise click.ClickException(
            "--store redis needs redis-py: pip install 'blaaiz-async[redis]'"
        ) from None
    from ..auth.stores.redis import redact_url

    client = aioredis.from_url(url, socket_connect_timeout=2.0, socket_timeout=2.0)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        raise click.ClickException(f"cannot reach Redis at {redact_url(url)}: {exc}") from None
    finally:
        await client.aclose()


def _store_factory(kind: str, token_file: Path, redis_url: str | None) -> Callable[[], TokenStore]:
    """A picklable factory: each worker process builds its own store from it."""
    assert kind != "redis" or redis_url is not None
    if kind == "file":
        from ..auth.stores.file import FileTokenStore

        return functools.partial(FileTokenStore, token_file)
    if kind == "redis":
        from ..auth.stores.redis import RedisTokenStore

        return functools.partial(RedisTokenStore.from_url, str(redis_url))
    from ..auth.stores.memory import MemoryTokenStore

    return MemoryTokenStore


@attrs.define
class _Faults:
    """Each fault fires once the sandbox has seen its share of the payout requests, so it
    lands while requests are in flight (they wait out the sandbox's latency)."""

    opts: DemoOptions
    sandbox: Sandbox
    token_file: Path
    redis: LocalRedis | None
    notes: list[str] = attrs.field(factory=list)
    _pending: list[tuple[int, str]] = attrs.field(factory=list)
    _tasks: list[asyncio.Task[None]] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        steps = len(self.opts.faults) + 1
        self._pending = [
            (max(1, self.opts.total * (i + 1) // steps), fault)
            for i, fault in enumerate(self.opts.faults)
        ]

    def poll(self) -> list[str]:
        """Fire the faults that are due; returns what was done, for the console."""
        done: list[str] = []
        seen = self.sandbox.count(ROUTE)
        while self._pending and seen >= self._pending[0][0]:
            _, fault = self._pending.pop(0)
            note = self._fire(fault, seen)
            self.notes.append(note)
            done.append(note)
        return done

    def _fire(self, fault: str, seen: int) -> str:
        at = f"after {seen} of {self.opts.total} payout requests"
        if fault == "revoke-tokens":
            revoked = self.sandbox.revoke_all_tokens()
            return f"revoked {revoked} token(s) {at}"
        if self.redis is not None:
            self.redis.kill()
            self._tasks.append(asyncio.create_task(self._restart_redis()))
            return f"killed redis-server {at}; started it again, empty, {REDIS_DOWN_FOR:g}s later"
        with contextlib.suppress(FileNotFoundError):
            self.token_file.write_bytes(b"\x00 not a token file \x00")
        return f"overwrote the token file with garbage {at}"

    async def _restart_redis(self) -> None:
        await asyncio.sleep(REDIS_DOWN_FOR)
        assert self.redis is not None
        await asyncio.to_thread(self.redis.start)

    def fired(self) -> set[str]:
        return set(self.opts.faults) - set(self.unfired())

    def unfired(self) -> list[str]:
        return [fault for _, fault in self._pending]

    async def aclose(self) -> None:
        for task in self._tasks:
            with contextlib.suppress(Exception):
                await task


async def run_demo(opts: DemoOptions, out: Console, err: Console) -> int:
    """Run the demo; 0 when every payout went through."""
    check_options(opts)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="blaaiz-demo-")))
        token_file = tmp / "token.json"
        redis: LocalRedis | None = None
        redis_url = opts.redis_url
        if opts.store == "redis" and redis_url is None:
            binary = redis_server_binary()
            assert binary is not None  # check_options said so
            try:
                redis = stack.enter_context(LocalRedis(binary))
            except RuntimeError as exc:
                raise click.ClickException(str(exc)) from None
            redis_url = redis.url
        if redis_url is not None:
            await check_redis_reachable(redis_url)
        async with Sandbox(
            token_ttl=opts.token_ttl,
            latency=opts.latency,
            rate_limit=opts.rate_limit,
            rate_window=opts.rate_window,
        ) as sb:
            return await _run(opts, sb, token_file, redis, redis_url, out, err)
    raise AssertionError("unreachable")  # pragma: no cover - the with block returns


async def _run(
    opts: DemoOptions,
    sb: Sandbox,
    token_file: Path,
    redis: LocalRedis | None,
    redis_url: str | None,
    out: Console,
    err: Console,
) -> int:
    client_id, secret = sb.add_client(ScopeBundle.PAYOUTS)
    wallet = sb.wallet_id("NGN")
    balance_before = Decimal(sb.state.wallets[wallet]["amount"])
    limit = RateLimit(opts.rate_limit, per=opts.rate_window)
    # The clients keep a little under the server's count: a request admitted at the end of
    # one of their windows can reach the server in its next fixed window.
    budget = RateLimit(max(1, opts.rate_limit * 95 // 100), per=opts.rate_window)
    where = {"file": "file (one host)", "memory": "memory (one per process)"}
    store_shown = where.get(opts.store, f"redis ({_shown_redis(redis_url)})")
    out.print(f"sandbox {sb.url}: enforces {limit} per account; clients budget {budget}")
    out.print(
        f"{opts.processes} processes x {opts.concurrency} coroutines x {opts.payouts} payouts "
        f"= {opts.total} payouts; token store: {store_shown}",
        markup=False,
    )
    spec = FleetSpec(
        url=sb.url,
        client_id=client_id,
        client_secret=secret,
        scopes=ScopeBundle.PAYOUTS.value,
        store=_store_factory(opts.store, token_file, redis_url),
        concurrency=opts.concurrency,
        calls=opts.payouts,
        operation=ROUTE,
        wallet_id=wallet,
        customer_id=sb.customer_id,
        rate_limit=budget,
    )
    faults = _Faults(opts, sb, token_file, redis)
    began = time.monotonic()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counters]}"),
        TimeElapsedColumn(),
        console=err,
    )
    fleet = asyncio.create_task(run_fleet(spec, processes=opts.processes))
    with progress:
        task = progress.add_task("payouts", total=opts.total, counters="")
        while not fleet.done():
            for note in faults.poll():
                progress.console.print(f"fault: {note}", markup=False)
            counters = f"starting {opts.processes} processes"
            if sb.token_requests or sb.count(ROUTE):
                counters = (
                    f"token requests {sb.token_requests}, "
                    f"429s {sb.count(ROUTE, 429)}, 401s {sb.count(ROUTE, 401)}"
                )
            progress.update(task, completed=sb.count(ROUTE, 200), counters=counters)
            await asyncio.wait({fleet}, timeout=POLL)
        progress.update(task, completed=sb.count(ROUTE, 200))
    await faults.aclose()
    try:
        report = fleet.result()
    except FleetStartError as exc:
        raise click.ClickException(f"the demo's workers could not start: {exc}") from None
    wall = time.monotonic() - began
    debited = balance_before - Decimal(sb.state.wallets[wallet]["amount"])
    out.print(_summary(opts, sb, report, wall, debited, faults))
    for fault in faults.unfired():
        out.print(f"note: --fault {fault} did not fire: the run ended first", markup=False)
    return 0 if report.failed == 0 and report.ok == opts.total else 1


def _shown_redis(url: str | None) -> str:
    from ..auth.stores.redis import redact_url

    return redact_url(url or "")


def _token_note(opts: DemoOptions, faults: _Faults) -> str:
    """What the token count should be, given the store and the faults that fired."""
    if opts.store == "memory":
        return "sandbox; one per process: memory stores share nothing"
    note = "sandbox; one for the whole fleet"
    fired = faults.fired()
    if "revoke-tokens" in fired:
        note += ", one more after the revocation"
    if "kill-store" in fired and opts.store == "redis":
        note += "; while Redis is down a process needing one fetches its own"
    return note


def _ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _summary(
    opts: DemoOptions,
    sb: Sandbox,
    report: FleetReport,
    wall: float,
    debited: Decimal,
    faults: _Faults,
) -> Table:
    requests = sb.count(ROUTE)
    unauthorized = sb.count(ROUTE, 401)
    limited = sb.count(ROUTE, 429)
    resends = max(requests - report.ok - report.answered_failures, 0)
    served = requests - unauthorized - limited  # answered within the account's limit
    windows = max(1, math.ceil(report.elapsed / opts.rate_window))
    share = served / (opts.rate_limit * windows)
    p50, p95, p99 = report.latency_percentiles(50, 95, 99)
    errors = ", ".join(f"{name} {n}" for name, n in sorted(report.errors.items()))
    table = Table(title="summary", title_justify="left")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_column("counted by / how")
    table.add_row("calls ok", str(report.ok), f"workers, of {opts.total}")
    table.add_row("calls failed", str(report.failed), errors or "workers")
    table.add_row("token requests", str(sb.token_requests), _token_note(opts, faults))
    table.add_row("retries", str(resends), "sandbox requests - calls answered")
    table.add_row("429 responses", str(limited), "sandbox")
    table.add_row("401 responses", str(unauthorized), "sandbox")
    denials = report.errors.get("InsufficientScopeError", 0)
    table.add_row("local scope denials", str(denials), "workers; nothing was sent")
    budget_note = (
        f"{served} served of {opts.rate_limit} x {windows} window(s) of {opts.rate_window:g}s"
    )
    if share > 1:
        budget_note += "; over it: processes that budget alone overshoot"
    table.add_row("rate budget used", f"{share:.0%}", budget_note)
    table.add_row(
        "latency p50/p95/p99",
        f"{_ms(p50)} / {_ms(p95)} / {_ms(p99)}",
        "per call, waiting for a rate slot included",
    )
    rate = report.ok / max(report.elapsed, 1e-9)
    table.add_row(
        "wall time",
        f"{wall:.1f} s",
        f"{report.elapsed:.1f} s of calls ({rate:.0f}/s); the rest starts and stops processes",
    )
    table.add_row("NGN debited", f"{debited:,.2f}", "sandbox wallet")
    for note in faults.notes:
        table.add_row("fault", "", note)
    return table
