"""Webhook configuration: where the API sends events, and the update/replay requests.

Parsing the events themselves is ``blaaiz_async.webhooks``' job, not this module's.
"""

from __future__ import annotations

import enum

import attrs

from .base import Model, Money, model


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


@model
class WebhookRegistration(Model):
    """Body of ``POST /webhook``; every URL must be https."""

    payout_url: str
    collection_url: str
    customer_url: str | None = None
    virtual_account_url: str | None = None
    kyc_url: str | None = None


@model
class WebhookUpdate(Model):
    """Body of ``PUT /webhook``: ``UNSET`` fields are omitted (kept), ``None`` clears."""

    collection_url: str | Unset | None = UNSET
    payout_url: str | Unset | None = UNSET
    kyc_url: str | Unset | None = UNSET

    def body(self) -> dict[str, str | None]:
        """The JSON body: every field that was set, ``None`` included."""
        return {
            a.name: value
            for a in attrs.fields(type(self))
            if a.name != "extra" and not isinstance(value := getattr(self, a.name), Unset)
        }


@model
class WebhookReplayRequest(Model):
    """Body of ``POST /webhook-replay``: only successful transactions can be replayed."""

    transaction_id: str


@model
class InteracWebhookSimulation(Model):
    """Body of the mock Interac webhook. The Python SDK sends ``collection_email``, the
    Node SDK ``interac_email``; give whichever your account expects."""

    amount: Money | None = None
    collection_email: str | None = None
    interac_email: str | None = None
