"""Webhook configuration: where the API sends events, and the update/replay requests.

Parsing the events themselves is ``blaaiz_async.webhooks``' job, not this module's.
"""

from __future__ import annotations

import enum
from typing import Required

from .base import Amount, Model, RequestBody, model


class Unset(enum.Enum):
    """Marks a field left out of an update: omitted keeps the server's value, while
    ``None`` is sent as JSON ``null`` and clears it."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET


@model
class WebhookConfig(Model):
    """The business's webhook URLs; which events go to which is in the docs site's guides."""

    payout_url: str | None = None
    collection_url: str | None = None
    customer_url: str | None = None
    virtual_account_url: str | None = None
    kyc_url: str | None = None
    id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class WebhookRegistration(RequestBody, total=False):
    """Body of ``POST /webhook``; every URL must be https."""

    payout_url: Required[str]
    collection_url: Required[str]
    customer_url: str | None
    virtual_account_url: str | None
    kyc_url: str | None


class WebhookUpdate(RequestBody, total=False):
    """Body of ``PUT /webhook``: a URL left out (or ``UNSET``) is kept, ``None`` clears it
    (sent as ``null``)."""

    collection_url: str | Unset | None
    payout_url: str | Unset | None
    kyc_url: str | Unset | None


class WebhookReplayRequest(RequestBody, total=False):
    """Body of ``POST /webhook-replay``: only successful transactions can be replayed."""

    transaction_id: Required[str]


class InteracWebhookSimulation(RequestBody, total=False):
    """Body of the mock Interac webhook. The Python SDK sends ``collection_email``, the
    Node SDK ``interac_email``; give whichever your account expects."""

    amount: Amount | None
    collection_email: str | None
    interac_email: str | None
