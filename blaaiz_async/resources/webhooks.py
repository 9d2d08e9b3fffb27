"""Webhook configuration: where the API sends events, replays, and the mock Interac event.

Verifying and parsing the events themselves is ``blaaiz_async.webhooks``' job.
"""

from __future__ import annotations

from typing import Unpack

from ..models.base import Ack
from ..models.webhooks import (
    InteracWebhookSimulation,
    Unset,
    WebhookConfig,
    WebhookRegistration,
    WebhookReplayRequest,
    WebhookUpdate,
)
from ..routes import webhooks as routes
from ..rules import webhooks as rules
from ..rules.base import request_body
from .base import Resource


class Webhooks(Resource):
    async def register(self, **fields: Unpack[WebhookRegistration]) -> WebhookConfig:
        """Set where events go: payouts, collections (and mock Interac events), customers,
        virtual accounts, and Signa KYC callbacks (``kyc_url``). Every URL must be https:
        the API refuses anything else (the local sandbox also takes ``http://127.0.0.1``
        URLs, to deliver to an app on this machine)."""
        route = routes.WEBHOOKS_REGISTER
        json = request_body(WebhookRegistration, fields, context=route.name)
        rules.validate_registration(json)
        return await self._call(route, json=json)

    async def get(self) -> WebhookConfig:
        """The configured URLs; raises ``NotFoundError`` when none are configured."""
        return await self._call(routes.WEBHOOKS_GET)

    async def update(self, **fields: Unpack[WebhookUpdate]) -> Ack:
        """Change some URLs. A URL left out (or ``UNSET``) is kept; ``None`` clears it
        (sent as null)."""
        route = routes.WEBHOOKS_UPDATE
        given = {k: v for k, v in fields.items() if not isinstance(v, Unset)}
        json = request_body(WebhookUpdate, given, context=route.name, nulls=True)
        rules.validate_update(json)
        return await self._call(route, json=json)

    async def replay(self, **fields: Unpack[WebhookReplayRequest]) -> Ack:
        """Send a transaction's webhook again; successful transactions only. Not retried
        automatically: each send is a delivery your endpoint will see."""
        route = routes.WEBHOOKS_REPLAY
        return await self._call(
            route, json=request_body(WebhookReplayRequest, fields, context=route.name)
        )

    async def simulate_interac(self, **fields: Unpack[InteracWebhookSimulation]) -> Ack:
        """Make the API send a mock Interac collection webhook to your ``collection_url``,
        to test your handler. Development only: production answers 400."""
        route = routes.WEBHOOKS_SIMULATE_INTERAC
        json = request_body(InteracWebhookSimulation, fields, context=route.name)
        rules.validate_interac_simulation(json)
        return await self._call(route, json=json or None)

    simulate_interac_webhook = simulate_interac
