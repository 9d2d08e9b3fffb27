"""Send one payout exactly once, and find it again by its reference.

Run it against the sandbox (or, with your own credentials, against Blaaiz)::

    blaaiz-async sandbox > .env &
    set -a; . ./.env; set +a
    python examples/payout_with_lookup.py --customer-id "$BLAAIZ_SANDBOX_CUSTOMER_ID" \\
        --amount 1500.00 --reference order-1001

The steps:

1. the fee, from ``fees.breakdown``, before committing to anything;
2. the payout, through ``payouts.ensure``: sent once with your ``merchant_reference``; when
   its answer is lost (a dropped connection, a timeout, a 5xx) it looks the reference up
   and resends with the same reference only when the payout is not there, so it never
   runs twice;
3. the lookup by reference, ``transactions.get``, which is also how a later run, or your
   support team, finds the payout.

The credential needs the ``payouts`` bundle plus ``transaction:read``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from decimal import Decimal

from blaaiz_async import BlaaizClient, Scope, ScopeBundle
from blaaiz_async.errors import BlaaizError, InsufficientScopeError

SCOPES: list[Scope | ScopeBundle] = [ScopeBundle.PAYOUTS, Scope.TRANSACTION_READ]


async def pay(
    client: BlaaizClient,
    *,
    customer_id: str,
    amount: Decimal,
    currency: str,
    bank_id: str,
    account_number: str,
    reference: str,
) -> str:
    """The three steps; returns the status the lookup found."""
    wallet = next(w for w in await client.wallets.list() if w.currency == currency)
    fee = await client.fees.breakdown(
        from_currency_id=currency, to_currency_id=currency, from_amount=amount
    )
    print(f"fee: {fee.total_fees} {currency}; the recipient gets {fee.recipient_gets}")
    payout = await client.payouts.ensure(
        wallet_id=wallet.id,
        customer_id=customer_id,
        method="bank_transfer",
        from_currency_id=currency,
        to_currency_id=currency,
        from_amount=amount,
        bank_id=bank_id,
        account_number=account_number,
        merchant_reference=reference,
    )
    print(f"payout {payout.id}: {payout.status}, reference {reference}")
    found = await client.transactions.get(reference)
    print(f"looked up by reference: {found.id} {found.status} {found.amount} {found.currency}")
    return found.status or "unknown"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Send one payout and look it up.")
    parser.add_argument("--customer-id", default=os.environ.get("BLAAIZ_SANDBOX_CUSTOMER_ID"))
    parser.add_argument("--amount", type=Decimal, default=Decimal("1000.00"))
    parser.add_argument("--currency", default="NGN")
    parser.add_argument("--bank-id", default="058")
    parser.add_argument("--account-number", default="0123456789")
    parser.add_argument("--reference", default=None, help="default: a new order-<uuid>")
    return parser.parse_args(argv)


async def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if not args.customer_id:
        print("give --customer-id (or set BLAAIZ_SANDBOX_CUSTOMER_ID)", file=sys.stderr)
        return 2
    reference = args.reference or f"order-{uuid.uuid4()}"
    try:
        async with BlaaizClient(scopes=SCOPES) as client:  # BLAAIZ_* from the environment
            await pay(
                client,
                customer_id=args.customer_id,
                amount=args.amount,
                currency=args.currency,
                bank_id=args.bank_id,
                account_number=args.account_number,
                reference=reference,
            )
    except InsufficientScopeError as err:
        print(f"the credential cannot do this: {err}", file=sys.stderr)
        return 1
    except BlaaizError as err:
        # Still unknown after every lookup: the reference is what to search for later.
        print(f"payout {reference} failed: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
