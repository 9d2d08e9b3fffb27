"""The commands, on click (parsing, ``--help`` with defaults, environment fallbacks) and rich
(progress and tables).

Every failure ends in a short message and a non-zero exit: 2 for input the command
refuses (click's usage errors), 1 for a run that failed. No traceback reaches the user;
``BLAAIZ_CLI_DEBUG=1`` shows it for an unexpected error.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import logging
import math
import os
import signal
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import click
from rich.console import Console
from rich.table import Table

from .. import __version__
from ..config import API_RATE_LIMIT_WINDOW, ConfigurationError
from ..errors import BlaaizError, TokenError, WebhookVerificationError
from ..routes import ROUTES
from ..scopes import Scope, ScopeBundle, format_scopes
from ..webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, construct_event
from .envfile import EnvFileError, load_env_file

CONTEXT = {"help_option_names": ["-h", "--help"], "show_default": True, "max_content_width": 100}
DEBUG_ENV = "BLAAIZ_CLI_DEBUG"
MAX_PROCESSES = 64
MAX_CONCURRENCY = 10_000
MAX_TOKEN_TTL = 10 * 365 * 24 * 3600.0  # the sandbox's own limit (sandbox/state.py)
# The BLAAIZ_* settings the commands read (the client reads the first five).
SETTINGS = (
    "BLAAIZ_CLIENT_ID",
    "BLAAIZ_CLIENT_SECRET",
    "BLAAIZ_BASE_URL",
    "BLAAIZ_ENVIRONMENT",
    "BLAAIZ_API_KEY",
    "BLAAIZ_WEBHOOK_SECRET",
)


if TYPE_CHECKING:
    _IntParam: TypeAlias = click.ParamType[int, Any]
    _FloatParam: TypeAlias = click.ParamType[float, Any]
else:  # older clicks take no type parameters at run time
    _IntParam = _FloatParam = click.ParamType


class Count(_IntParam):
    """A whole number of at least ``low`` (and at most ``high``)."""

    name = "N"

    def __init__(self, low: int = 1, high: int | None = None) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"not a whole number: {value!r}", param, ctx)
        if number < self.low:
            self.fail(f"must be at least {self.low}, got {number}", param, ctx)
        if self.high is not None and number > self.high:
            self.fail(f"must be at most {self.high}, got {number}", param, ctx)
        return number


class Seconds(_FloatParam):
    """A positive, finite number of seconds (``zero_ok``: zero too; at most ``high``)."""

    name = "S"

    def __init__(self, *, zero_ok: bool = False, high: float | None = None) -> None:
        self.zero_ok, self.high = zero_ok, high

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"not a number of seconds: {value!r}", param, ctx)
        low_ok = seconds >= 0 if self.zero_ok else seconds > 0
        if not (low_ok and math.isfinite(seconds)):
            what = "zero or more" if self.zero_ok else "a positive number of"
            self.fail(f"must be {what} seconds, got {value}", param, ctx)
        if self.high is not None and seconds > self.high:
            self.fail(f"must be at most {self.high:.0f} seconds, got {value}", param, ctx)
        return seconds


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """A warning as one line, without the SDK's file name and source line."""
    click.echo(f"warning: {message}", err=True)


def run(argv: Sequence[str] | None) -> int:
    """Parse and run; every error becomes a message and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            result = cli.main(args=args, prog_name="blaaiz-async", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        return 130
    except BlaaizError as exc:
        click.echo(f"Error: {exc}", err=True)
        return 1
    except Exception as exc:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc} "
            f"(set {DEBUG_ENV}=1 to see the traceback)",
            err=True,
        )
        return 1
    return result if isinstance(result, int) else 0


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="blaaiz-async")
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="read BLAAIZ_* variables from this file (the environment wins over it) "
    "[default: .env in this folder, if there is one]",
)
def cli(env_file: Path | None) -> None:
    """The Blaaiz SDK's command line: a demo, a local sandbox, token, scope and webhook
    checks.

    Settings come from flags, then BLAAIZ_* environment variables, then a .env file.
    """
    path = env_file if env_file is not None else Path(".env")
    if env_file is None and not path.is_file():
        return
    try:
        added = load_env_file(path)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot read {path}: {exc.strerror or type(exc).__name__}", param_hint="--env-file"
        ) from None
    except EnvFileError as exc:
        raise click.ClickException(str(exc)) from None
    for name in added:  # a near miss of a setting is a typo: say so, or it is silently unset
        close = difflib.get_close_matches(name, SETTINGS, n=1, cutoff=0.8)
        if name not in SETTINGS and close and close[0] not in os.environ:
            click.echo(
                f"warning: {path} sets {name}, which no command reads; did you mean {close[0]}?",
                err=True,
            )


def _console(*, stderr: bool = False) -> Console:
    """Rich's console; 100 columns when the output is not a terminal (a log, a pipe), where
    rich would otherwise squeeze tables into 80."""
    console = Console(stderr=stderr)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(stderr=stderr, width=100)
    return console


# -- demo -----------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.option("--processes", type=Count(1, MAX_PROCESSES), default=4, help="worker processes")
@click.option(
    "--concurrency", type=Count(1, MAX_CONCURRENCY), default=25, help="coroutines per process"
)
@click.option("--payouts", type=Count(1), default=4, help="payouts per coroutine")
@click.option(
    "--store",
    type=click.Choice(["file", "memory", "redis"]),
    default="file",
    help="where the processes share the token and the rate budget",
)
@click.option(
    "--redis-url",
    default=None,
    metavar="URL",
    help="for --store redis [default: start a redis-server of its own]",
)
@click.option(
    "--rate-limit",
    type=Count(1),
    default=200,
    help="requests per window per account: the sandbox enforces it, the clients budget it",
)
@click.option("--rate-window", type=Seconds(), default=10.0, help="the rate limit's window")
@click.option(
    "--token-ttl",
    type=Seconds(high=MAX_TOKEN_TTL),
    default=3600.0,
    help="lifetime of sandbox tokens",
)
@click.option(
    "--latency",
    type=Seconds(zero_ok=True),
    default=0.02,
    help="the sandbox's delay before each answer, like a real API's",
)
@click.option(
    "--fault",
    "faults",
    type=click.Choice(["revoke-tokens", "kill-store"]),
    multiple=True,
    help="break something mid-run to show the recovery (repeatable): revoke every token, "
    "or kill the store (the redis-server; for --store file, garble the token file)",
)
def demo(
    processes: int,
    concurrency: int,
    payouts: int,
    store: str,
    redis_url: str | None,
    rate_limit: int,
    rate_window: float,
    token_ttl: float,
    latency: float,
    faults: tuple[str, ...],
) -> int:
    """Payout workers in several processes sharing ONE token, against the embedded sandbox.

    Shows a live progress bar, then a summary: calls, token requests, retries, 429s, the
    share of the rate budget used, latency percentiles and wall time.
    """
    from .demo import DemoOptions, run_demo

    opts = DemoOptions(
        processes=processes,
        concurrency=concurrency,
        payouts=payouts,
        store=store,
        redis_url=redis_url,
        rate_limit=rate_limit,
        rate_window=rate_window,
        token_ttl=token_ttl,
        latency=latency,
        faults=faults,
    )
    return asyncio.run(run_demo(opts, _console(), _console(stderr=True)))


# -- sandbox --------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, help="port on 127.0.0.1 (0: any free)"
)
@click.option("--client-id", default=None, help="fix the client id [default: a random one]")
@click.option("--client-secret", default=None, help="fix the client secret [default: a random one]")
@click.option(
    "--webhook-secret", default=None, help="fix the webhook secret [default: a random one]"
)
@click.option(
    "--scopes",
    default=None,
    help="scopes or a bundle the credential holds [default: every scope]",
)
@click.option(
    "--token-ttl", type=Seconds(high=MAX_TOKEN_TTL), default=3600.0, help="lifetime of tokens"
)
@click.option(
    "--rate-limit",
    type=Count(1),
    default=None,
    help="requests per window per account, as the API limits them (the API's is 100) "
    "[default: no limit]",
)
@click.option(
    "--rate-window",
    type=Seconds(),
    default=API_RATE_LIMIT_WINDOW,
    help="length of the rate-limit window",
)
@click.option(
    "--log-requests", is_flag=True, help="a line per request on stderr: method, path, status"
)
def sandbox(**options: Any) -> int:
    """Run the local sandbox until Ctrl-C; prints .env lines to use it.

    Standard output is a valid .env file (comments and KEY=VALUE lines); with fixed
    --client-id/--client-secret it stays valid across restarts.
    """
    if (options["client_id"] is None) != (options["client_secret"] is None):
        raise click.UsageError("give both --client-id and --client-secret, or neither")
    try:
        return asyncio.run(_serve_sandbox(**options))  # the options, typed there
    except KeyboardInterrupt:
        return 0


async def _serve_sandbox(
    *,
    port: int,
    client_id: str | None,
    client_secret: str | None,
    webhook_secret: str | None,
    scopes: str | None,
    token_ttl: float,
    rate_limit: int | None,
    rate_window: float,
    log_requests: bool,
) -> int:
    from ..sandbox import Sandbox, request_log

    if log_requests:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)
        request_log.propagate = False
    sb = Sandbox(
        port=port,
        token_ttl=token_ttl,
        rate_limit=rate_limit,
        rate_window=rate_window,
        webhook_secret=webhook_secret,
        log_requests=log_requests,
    )
    try:
        cid, secret = sb.add_client(scopes, client_id=client_id, client_secret=client_secret)
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        await sb.start()
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}"
            + (" (try another --port, or --port 0 for any free one)" if port else "")
        ) from None
    try:
        lines = [f"# blaaiz-async sandbox on {sb.url}; Ctrl-C stops it"]
        if rate_limit is not None:
            lines.append(f"# rate limit: {rate_limit} requests per {rate_window:g}s per account")
        lines.append("# sandbox-only credentials:")
        lines += [
            f"BLAAIZ_BASE_URL={sb.url}",
            f"BLAAIZ_CLIENT_ID={cid}",
            f"BLAAIZ_CLIENT_SECRET={secret}",
            f"BLAAIZ_WEBHOOK_SECRET={sb.webhook_secret}",
            f"BLAAIZ_SANDBOX_CUSTOMER_ID={sb.customer_id}",
        ]
        for wallet in sb.state.wallets.values():
            lines.append(f"BLAAIZ_SANDBOX_WALLET_{wallet['currency']}={wallet['id']}")
        print("\n".join(lines), flush=True)
        await _until_stopped()
    finally:
        await sb.stop()  # in-flight requests finish (and are logged) before it exits
    return 0


async def _until_stopped() -> None:
    """Wait for Ctrl-C or a SIGTERM (a supervisor, ``kill``): either ends the command
    the same, orderly way, so no request in flight loses its answer or its log line."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals: Ctrl-C only
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


# -- token ----------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.option("--client-id", envvar="BLAAIZ_CLIENT_ID", show_envvar=True, default=None)
@click.option(
    "--client-secret",
    envvar="BLAAIZ_CLIENT_SECRET",
    show_envvar=True,
    default=None,
    help="prefer the variable: a flag shows in the shell's history",
)
@click.option(
    "--base-url",
    envvar="BLAAIZ_BASE_URL",
    show_envvar=True,
    default=None,
    help="the API's origin (a sandbox, a proxy) [default: the environment's]",
)
@click.option(
    "--environment",
    type=click.Choice(["development", "production"]),
    envvar="BLAAIZ_ENVIRONMENT",
    show_envvar=True,
    default="development",
)
@click.option(
    "--scopes",
    default=None,
    help="scopes or a bundle [default: full-access, or all it holds when it holds less]",
)
@click.option("--show-token", is_flag=True, help="print the token itself (a secret)")
@click.option("--timeout", type=Seconds(), default=15.0, help="give up after this long")
def token(
    client_id: str | None,
    client_secret: str | None,
    base_url: str | None,
    environment: str,
    scopes: str | None,
    show_token: bool,
    timeout: float,
) -> int:
    """Fetch a token: print its scopes and expiry, or why it was refused."""
    if not client_id and not client_secret:
        raise click.ClickException(
            "no credentials: set BLAAIZ_CLIENT_ID and BLAAIZ_CLIENT_SECRET (environment or "
            ".env), or pass --client-id and --client-secret"
        )
    if not client_id or not client_secret:
        missing = "BLAAIZ_CLIENT_ID" if not client_id else "BLAAIZ_CLIENT_SECRET"
        raise click.ClickException(f"{missing} is not set (nor its flag)")
    return asyncio.run(
        _token(client_id, client_secret, base_url, environment, scopes, show_token, wait=timeout)
    )


async def _token(
    client_id: str,
    client_secret: str,
    base_url: str | None,
    environment: str,
    scopes: str | None,
    show_token: bool,
    *,
    wait: float,
) -> int:
    from ..client import BlaaizClient
    from .diagnosis import explain

    try:
        client = BlaaizClient(
            client_id=client_id,
            client_secret=client_secret,
            base_url=base_url,
            environment=environment,
            scopes=scopes,
            timeout=wait,
            connect_timeout=min(wait, 5.0),
            rate_limit=None,
        )
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from None
    async with client:
        provider = client.token_provider
        assert provider is not None  # OAuth credentials were given
        try:
            async with asyncio.timeout(wait):
                tok = await provider.get_token()
        except TokenError as exc:
            lines = explain(exc, client.base_url)
            raise click.ClickException("\n".join(lines)) from None
        except TimeoutError:
            raise click.ClickException(
                f"no answer from {client.base_url} within {wait:g}s (--timeout)"
            ) from None
    left = tok.expires_at - time.time()
    expiry = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(tok.expires_at))
    click.echo(f"url          {client.base_url}")
    click.echo(f"client_id    {client_id}")
    click.echo(f"expires      in {left:.0f}s (at {expiry})")
    click.echo(f"scopes       {format_scopes(tok.scopes) or '(none)'}")
    bundles = [b.value for b in ScopeBundle if b.scopes <= tok.scopes]
    click.echo(f"bundles      {', '.join(bundles) or '(none whole)'}")
    click.echo(f"fingerprint  {tok.fingerprint}")
    if show_token:
        click.echo(f"token        {tok.value}")
    return 0


# -- scopes ---------------------------------------------------------------------------------


@cli.group(context_settings=CONTEXT, invoke_without_command=True)
@click.pass_context
def scopes(ctx: click.Context) -> None:
    """A table of scopes and the bundles that hold them; `scopes check ROUTE` for one route."""
    if ctx.invoked_subcommand is not None:
        return
    console = _console()
    table = Table(title="scopes")
    table.add_column("scope")
    table.add_column("in bundles")
    table.add_column("routes", justify="right")
    for scope in Scope:
        holders = [b.value for b in ScopeBundle if scope in b.scopes]
        routes = sum(scope in r.scopes for r in ROUTES.values())
        table.add_row(scope.value, ", ".join(holders) or "none: granted on request", str(routes))
    console.print(table)
    bundles = Table(title="bundles")
    bundles.add_column("bundle")
    bundles.add_column("scopes")
    for bundle in ScopeBundle:
        bundles.add_row(bundle.value, format_scopes(bundle.scopes))
    console.print(bundles)


def _our_name(official: str) -> str | None:
    """The route named by an alias such as the official Python SDK's
    ``collections.initiate`` or ``signa.create_session``; None when there is none."""
    from ..client import BlaaizClient
    from ..resources.base import Resource

    group, _, method = official.partition(".")
    group = "compliance" if group == "signa" else group
    client = object.__new__(BlaaizClient)  # only its resources: no pipeline, no I/O
    client._bind(None)  # type: ignore[arg-type]
    resource = vars(client).get(group)
    if not isinstance(resource, Resource) or method.startswith("_"):
        return None
    name = getattr(getattr(type(resource), method, None), "__name__", None)
    ours = f"{group}.{name}"
    return ours if name and ours != official and ours in ROUTES else None


@scopes.command(context_settings=CONTEXT)
@click.argument("route")
def check(route: str) -> int:
    """Method, path and required scopes of ROUTE (e.g. payouts.create), and its bundles.
    The official Python SDK's names (collections.initiate, signa.create_session) work too."""
    found = ROUTES.get(route) or ROUTES.get(_our_name(route) or "")
    if found is None:
        names = list(ROUTES)
        close = difflib.get_close_matches(route, names, n=5, cutoff=0.5)
        close += [n for n in names if route and route in n and n not in close][: 5 - len(close)]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise click.ClickException(f"no route named {route!r}{hint}")
    needed = found.scopes
    alias = f" (the official Python SDK's {route})" if found.name != route else ""
    click.echo(f"route        {found.name}{alias}")
    click.echo(f"request      {found.method} {found.path}")
    if found.summary:
        click.echo(f"what         {found.summary}")
    if not found.auth:
        click.echo("scopes       none: no token needed")
        return 0
    click.echo(f"scopes       {format_scopes(needed) or '(any token)'}")
    bundles = [b.value for b in ScopeBundle if needed <= b.scopes]
    click.echo(
        f"bundles      {', '.join(bundles) or 'none: ask Blaaiz to grant the scope to the key'}"
    )
    click.echo(f"retried      {'yes' if found.idempotent else 'no: never sent twice'}")
    return 0


# -- webhook --------------------------------------------------------------------------------


@cli.group(context_settings=CONTEXT)
def webhook() -> None:
    """Webhook tools."""


@webhook.command(context_settings=CONTEXT)
@click.argument("body")
@click.option(
    "--header",
    "header_items",
    multiple=True,
    metavar="'NAME: VALUE'",
    help=f"a request header, e.g. '{SIGNATURE_HEADER}: ...' (repeatable)",
)
@click.option("--signature", default=None, help=f"the {SIGNATURE_HEADER} value")
@click.option("--timestamp", default=None, help=f"the {TIMESTAMP_HEADER} value")
@click.option(
    "--secret",
    envvar="BLAAIZ_WEBHOOK_SECRET",
    show_envvar=True,
    default=None,
    help="the webhook secret",
)
@click.option(
    "--tolerance",
    type=float,
    default=300.0,
    help="seconds the timestamp may be off, both ways ('inf' for old saves)",
)
def verify(
    body: str,
    header_items: tuple[str, ...],
    signature: str | None,
    timestamp: str | None,
    secret: str | None,
    tolerance: float,
) -> int:
    """Verify a saved delivery: BODY is a file of the raw request body ('-' for stdin).

    Prints the event's type and id, or exits 1 with the reason.
    """
    headers: list[tuple[str, str]] = []
    for item in header_items:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise click.ClickException(f"--header {item!r} is not 'NAME: VALUE'")
        headers.append((name.strip(), value.strip()))
    given = {name.lower() for name, _ in headers}
    for flag, header, flag_value in (
        ("--signature", SIGNATURE_HEADER, signature),
        ("--timestamp", TIMESTAMP_HEADER, timestamp),
    ):
        if flag_value is None:
            continue
        if header.lower() in given:  # two values: which one was meant is a guess
            raise click.ClickException(f"{flag} and --header '{header}: ...' both given; pass one")
        headers.insert(0, (header, flag_value))
    names = [name.lower() for name, _ in headers]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise click.ClickException(f"--header {repeated[0]!r} given more than once; pass it once")
    if not secret:
        raise click.ClickException("no secret: pass --secret or set BLAAIZ_WEBHOOK_SECRET")
    try:
        raw = sys.stdin.buffer.read() if body == "-" else Path(body).read_bytes()
    except OSError as exc:
        raise click.ClickException(
            f"cannot read {body}: {exc.strerror or type(exc).__name__}"
        ) from None
    try:
        event = construct_event(raw, headers, secret, tolerance=tolerance)
    except WebhookVerificationError as exc:
        raise click.ClickException(f"webhook verification failed: {exc.message}") from None
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{event.type or '(no type)'} {event.event_id or '(no event_id)'}")
    return 0
