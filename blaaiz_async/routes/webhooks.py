"""Webhook configuration, replay and the mock Interac webhook.

``webhooks.update`` is ``PUT /webhook`` without an id (the OpenAPI file and the older
official SDKs): the official Python SDK's ``/webhook/{webhook_id}`` has no documented source
for the id.
"""

from __future__ import annotations

from ..models.base import Ack
from ..models.webhooks import WebhookConfig
from ..scopes import Scope as S
from .base import route

WEBHOOKS_REGISTER = route(
    "webhooks.register", "POST", "/webhook", WebhookConfig, scopes={S.WEBHOOK_WRITE},
    summary="Set the webhook URLs (https only).",
)  # fmt: skip
WEBHOOKS_GET = route(
    "webhooks.get", "GET", "/webhook", WebhookConfig, scopes={S.WEBHOOK_READ},
    summary="Read the webhook URLs; 404 when none are configured.",
)  # fmt: skip
WEBHOOKS_UPDATE = route(
    "webhooks.update", "PUT", "/webhook", Ack, scopes={S.WEBHOOK_WRITE}, envelope=(),
    summary="Change some URLs: omitted fields are kept, null clears.",
)  # fmt: skip
WEBHOOKS_REPLAY = route(
    "webhooks.replay", "POST", "/webhook-replay", Ack, scopes={S.WEBHOOK_REPLAY}, envelope=(),
    summary="Send a successful transaction's webhook again.",
)  # fmt: skip
WEBHOOKS_SIMULATE_INTERAC = route(
    "webhooks.simulate_interac", "POST", "/mock/simulate-webhook/interac", Ack,
    scopes={S.MOCK_WEBHOOK_TRIGGER}, envelope=(),
    summary="Send a mock Interac collection webhook (not in production).",
)  # fmt: skip
