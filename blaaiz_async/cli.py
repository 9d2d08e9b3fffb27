"""The ``blaaiz-async`` command: ``demo`` (the main job), ``sandbox``, ``scopes``, ``token``,
``webhook verify``."""

from __future__ import annotations

import argparse
import asyncio
import functools
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .auth.stores.base import TokenStore
from .client import BlaaizClient
from .config import API_RATE_LIMIT_WINDOW, ConfigurationError
from .errors import WebhookVerificationError
from .sandbox import Sandbox
from .sandbox.fleet import FleetSpec, run_fleet
from .scopes import Scope, ScopeBundle, format_scopes
from .webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, construct_event


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="blaaiz-async", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="payout workers sharing one token, against the sandbox")
    demo.add_argument("--processes", type=int, default=4, help="worker processes (default 4)")
    demo.add_argument("--concurrency", type=int, default=25, help="coroutines per process")
    demo.add_argument("--payouts", type=int, default=4, help="payouts per coroutine")
    demo.add_argument("--token-ttl", type=float, default=3600.0, help="sandbox token lifetime")
    demo.add_argument(
        "--store", choices=["file", "memory", "redis"], default="file", help="shared token store"
    )
    demo.add_argument("--redis-url", default=None, help="for --store redis")

    sandbox = sub.add_parser("sandbox", help="run the sandbox until interrupted")
    sandbox.add_argument("--port", type=int, default=8787)
    sandbox.add_argument("--token-ttl", type=float, default=3600.0)
    sandbox.add_argument(
        "--rate-limit",
        type=_positive_int,
        default=None,
        metavar="N",
        help="requests per window per account, as the API limits them (default: no limit; "
        "the API's is 100)",
    )
    sandbox.add_argument(
        "--rate-window",
        type=_positive_seconds,
        default=API_RATE_LIMIT_WINDOW,
        metavar="S",
        help=f"length of the rate-limit window in seconds (default {API_RATE_LIMIT_WINDOW:g})",
    )

    sub.add_parser("scopes", help="list scopes and bundles")

    token = sub.add_parser("token", help="fetch a token and show its expiry and scopes")
    token.add_argument("--scopes", default=None, help="scopes or a bundle name")
    token.add_argument("--base-url", default=None)

    webhook = sub.add_parser("webhook", help="webhook tools")
    webhook_sub = webhook.add_subparsers(dest="webhook_command", required=True)
    verify = webhook_sub.add_parser(
        "verify", help="verify a saved delivery: its raw body and its headers"
    )
    verify.add_argument("body", help="file holding the raw request body ('-' for stdin)")
    verify.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help=f"a request header, e.g. '{SIGNATURE_HEADER}: ...' (repeatable)",
    )
    verify.add_argument("--signature", default=None, help=f"the {SIGNATURE_HEADER} value")
    verify.add_argument("--timestamp", default=None, help=f"the {TIMESTAMP_HEADER} value")
    verify.add_argument(
        "--secret", default=None, help="the webhook secret (default: $BLAAIZ_WEBHOOK_SECRET)"
    )
    verify.add_argument(
        "--tolerance",
        type=float,
        default=300.0,
        help="seconds the timestamp may be off, both ways (default 300; 'inf' for old saves)",
    )

    args = parser.parse_args(argv)
    if args.command == "demo":
        return asyncio.run(_demo(args))
    if args.command == "sandbox":
        try:
            return asyncio.run(_sandbox(args))
        except KeyboardInterrupt:
            return 0
    if args.command == "scopes":
        for scope in Scope:
            print(scope.value)
        for bundle in ScopeBundle:
            print(f"{bundle.value}: {format_scopes(bundle.scopes)}")
        return 0
    if args.command == "webhook":
        return _webhook_verify(args)
    return asyncio.run(_token(args))


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _store_factory(kind: str, workdir: Path, redis_url: str | None) -> Callable[[], TokenStore]:
    if kind == "file":
        from .auth.stores.file import FileTokenStore

        return functools.partial(FileTokenStore, workdir / "token.json")
    if kind == "redis":
        from .auth import RedisTokenStore  # needs the redis extra

        if not redis_url:
            raise SystemExit("--store redis needs --redis-url redis://127.0.0.1:PORT/0")
        return functools.partial(RedisTokenStore.from_url, redis_url)
    from .auth.stores.memory import MemoryTokenStore

    return functools.partial(MemoryTokenStore)


async def _demo(args: argparse.Namespace) -> int:
    async with Sandbox(token_ttl=args.token_ttl) as sb:
        client_id, secret = sb.add_client(ScopeBundle.PAYOUTS)
        wallet = sb.wallet_id("NGN")
        before = sb.state.wallets[wallet]["amount"]
        print(f"sandbox on {sb.url}; credentials with the 'payouts' bundle")
        with tempfile.TemporaryDirectory(prefix="blaaiz-demo-") as tmp:
            spec = FleetSpec(
                url=sb.url,
                client_id=client_id,
                client_secret=secret,
                scopes="payouts",
                store=_store_factory(args.store, Path(tmp), args.redis_url),
                concurrency=args.concurrency,
                calls=args.payouts,
                operation="payouts.create",
                wallet_id=wallet,
                customer_id=sb.customer_id,
            )
            total = args.processes * args.concurrency * args.payouts
            print(
                f"{args.processes} processes x {args.concurrency} coroutines x {args.payouts} "
                f"payouts = {total} payouts, token store: {args.store}"
            )
            started = time.monotonic()
            progress = asyncio.create_task(_progress(sb, total))
            report = await run_fleet(spec, processes=args.processes)
            progress.cancel()
        elapsed = time.monotonic() - started
        print(f"  {sb.count('payouts.create')}/{total} payouts sent")
        debited = before - sb.state.wallets[wallet]["amount"]
        print("summary")
        print(f"  payouts ok        {report.ok}")
        errors = f" {dict(report.errors)}" if report.errors else ""
        print(f"  payouts failed    {report.failed}{errors}")
        print(f"  payout requests   {sb.count('payouts.create')} (sandbox count)")
        print(f"  token requests    {sb.token_requests} (sandbox count)")
        print(f"  401 responses     {sb.status_count(401)}")
        print(f"  NGN debited       {debited}")
        print(
            f"  wall time         {elapsed:.2f}s ({report.ok / max(elapsed, 1e-9):.0f} payouts/s)"
        )
        return 0 if report.failed == 0 and report.ok == total else 1


async def _progress(sb: Sandbox, total: int) -> None:
    shown = -1
    while True:
        await asyncio.sleep(0.5)
        done = sb.count("payouts.create")
        if done != shown:
            shown = done
            print(f"  {done}/{total} payouts sent, {sb.token_requests} token request(s)")


async def _sandbox(args: argparse.Namespace) -> int:
    async with Sandbox(
        port=args.port,
        token_ttl=args.token_ttl,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
    ) as sb:
        client_id, secret = sb.add_client()
        print(f"sandbox on {sb.url}")
        if args.rate_limit is not None:
            print(f"rate limit: {args.rate_limit} requests per {args.rate_window:g}s per account")
        print(f"BLAAIZ_BASE_URL={sb.url}")
        print(f"BLAAIZ_CLIENT_ID={client_id}")
        print(f"BLAAIZ_CLIENT_SECRET={secret}  # sandbox-only credential", flush=True)
        await asyncio.Event().wait()  # until Ctrl-C
    return 0


async def _token(args: argparse.Namespace) -> int:
    async with BlaaizClient(base_url=args.base_url, scopes=args.scopes) as client:
        provider = client.token_provider
        if provider is None:
            print("API-key mode: there is no token", file=sys.stderr)
            return 1
        token = await provider.get_token()
        print(f"fingerprint {token.fingerprint}")
        print(f"expires in  {token.expires_at - time.time():.0f}s")
        print(f"scopes      {format_scopes(token.scopes)}")
    return 0


def _webhook_verify(args: argparse.Namespace) -> int:
    """Exit 0 printing the event's type and id, or 1 with a one-line reason."""
    headers: list[tuple[str, str]] = []
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            return _refuse(f"--header {item!r} is not 'NAME: VALUE'")
        headers.append((name.strip(), value.strip()))
    if args.signature is not None:
        headers.insert(0, (SIGNATURE_HEADER, args.signature))
    if args.timestamp is not None:
        headers.insert(0, (TIMESTAMP_HEADER, args.timestamp))
    secret = args.secret if args.secret is not None else os.environ.get("BLAAIZ_WEBHOOK_SECRET")
    if not secret:
        return _refuse("no secret: pass --secret or set BLAAIZ_WEBHOOK_SECRET")
    try:
        body = sys.stdin.buffer.read() if args.body == "-" else Path(args.body).read_bytes()
    except OSError as exc:
        return _refuse(f"cannot read {args.body}: {exc.strerror or type(exc).__name__}")
    try:
        event = construct_event(body, headers, secret, tolerance=args.tolerance)
    except WebhookVerificationError as exc:
        return _refuse(f"webhook verification failed: {exc.message}")
    except ConfigurationError as exc:
        return _refuse(str(exc))
    print(f"{event.type or '(no type)'} {event.event_id or '(no event_id)'}")
    return 0


def _refuse(reason: str) -> int:
    print(f"blaaiz-async: {reason}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
