"""Hooks that count 429s and retries, against the embedded sandbox.

    python examples/telemetry_hooks.py

The sandbox is told to answer the next list of wallets with a 429 and then a 503; the
client waits both out and resends, and the hooks see each step. In production the same
hooks would feed your metrics (statsd, Prometheus client, a log pipeline).
"""

from __future__ import annotations

import asyncio
import collections
import logging

from blaaiz_async import BlaaizClient
from blaaiz_async.retry import RetryPolicy
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.telemetry import Hooks, ResponseReceived, RetryScheduled, TokenFetched

counts: collections.Counter[str] = collections.Counter()


def on_response(event: ResponseReceived) -> None:
    """A sync hook runs inline: keep it this short."""
    counts[f"responses {event.route}"] += 1
    if event.status == 429:
        counts["429"] += 1


async def on_retry(event: RetryScheduled) -> None:
    """An async hook runs as a task of its own: it never delays the call."""
    counts["retries"] += 1
    print(f"retry {event.route} after attempt {event.attempt}: {event.reason}")


def on_token_fetched(event: TokenFetched) -> None:
    print(f"token {event.fingerprint} from the {event.source}, valid {event.expires_in:.0f}s")


async def main() -> None:
    logging.basicConfig(level=logging.WARNING)  # DEBUG shows one line per attempt
    hooks = Hooks(on_response=on_response, on_retry=on_retry, on_token_fetched=on_token_fetched)
    async with Sandbox() as sandbox:
        client_id, client_secret = sandbox.add_client()
        sandbox.fail_next("wallets.list", status=429, headers={"Retry-After": "0"})
        sandbox.fail_next("wallets.list", status=503)
        async with BlaaizClient(
            client_id=client_id,
            client_secret=client_secret,
            base_url=sandbox.url,
            hooks=hooks,
            retry=RetryPolicy(base_delay=0.05, max_delay=0.1),
        ) as client:
            wallets = await client.wallets.list()
        # Closing the client waited for the async hooks still running.
    print(f"{len(wallets)} wallets; 429s: {counts['429']}, retries: {counts['retries']}")
    print(f"responses of wallets.list: {counts['responses wallets.list']}")


if __name__ == "__main__":
    asyncio.run(main())
