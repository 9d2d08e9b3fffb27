"""Webhook configuration: where the API sends events, replays, and the mock Interac event.

Verifying and parsing the events themselves is ``blaaiz_async.webhooks``' job.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..models.base import Ack
from ..models.webhooks import (
    UNSET,
    InteracWebhookSimulation,
    Unset,
    WebhookConfig,
    WebhookRegistration,
    WebhookReplayRequest,
    WebhookUpdate,
)
from ..routes import webhooks as routes
from ..validation import Amount, check_email, check_https, positive, require, to_amount
from .base import Resource, wire

URL_FIELDS = ("payout_url", "collection_url", "customer_url", "virtual_account_url", "kyc_url")


class Webhooks(Resource):
    async def register(
        self,
        *,
        payout_url: str,
        collection_url: str,
        customer_url: str | None = None,
        virtual_account_url: str | None = None,
        kyc_url: str | None = None,
    ) -> WebhookConfig:
        """Set where events go: payouts, collections (and mock Interac events), customers,
        virtual accounts, and Signa KYC callbacks (``kyc_url``). Every URL must be https:
        the API refuses anything else (the local sandbox also takes ``http://127.0.0.1``
        URLs, to deliver to an app on this machine)."""
        body = wire(
            WebhookRegistration(
                payout_url=payout_url, collection_url=collection_url, customer_url=customer_url,
                virtual_account_url=virtual_account_url, kyc_url=kyc_url,
            )
        )  # fmt: skip
        require(body, "payout_url", "collection_url", context="webhook registration")
        check_https(body, *URL_FIELDS, context="webhook registration", allow_loopback=True)
        return await self._call(routes.WEBHOOKS_REGISTER, json=body)

    async def get(self) -> WebhookConfig:
        """The configured URLs; raises ``NotFoundError`` when none are configured."""
        return await self._call(routes.WEBHOOKS_GET)

    async def update(
        self,
        *,
        collection_url: str | Unset | None = UNSET,
        payout_url: str | Unset | None = UNSET,
        kyc_url: str | Unset | None = UNSET,
    ) -> Ack:
        """Change some URLs. A URL left out is kept; ``None`` clears it (sent as null)."""
        update = WebhookUpdate(
            collection_url=collection_url, payout_url=payout_url, kyc_url=kyc_url
        )
        body = update.body()
        if not body:
            raise ValidationError("webhook update: give at least one URL to change or clear")
        check_https(body, *body, context="webhook update", allow_loopback=True)
        return await self._call(routes.WEBHOOKS_UPDATE, json=body)

    async def replay(self, *, transaction_id: str) -> Ack:
        """Send a transaction's webhook again; successful transactions only. Not retried
        automatically: each send is a delivery your endpoint will see."""
        body = wire(WebhookReplayRequest(transaction_id=transaction_id))
        require(body, "transaction_id", context="webhook replay")
        return await self._call(routes.WEBHOOKS_REPLAY, json=body)

    async def simulate_interac(
        self,
        *,
        amount: Amount | None = None,
        collection_email: str | None = None,
        interac_email: str | None = None,
    ) -> Ack:
        """Make the API send a mock Interac collection webhook to your ``collection_url``,
        to test your handler. Development only: production answers 400."""
        ctx = "Interac webhook simulation"
        body = wire(
            InteracWebhookSimulation(
                amount=to_amount(amount, "amount", context=ctx) if amount is not None else None,
                collection_email=collection_email, interac_email=interac_email,
            )
        )  # fmt: skip
        positive(body, "amount", context=ctx)
        check_email(body, "collection_email", "interac_email", context=ctx)
        return await self._call(routes.WEBHOOKS_SIMULATE_INTERAC, json=body or None)

    simulate_interac_webhook = simulate_interac
