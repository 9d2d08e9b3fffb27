"""Receiving Blaaiz webhooks: verify the signature, read typed events, handle each once.

::

    from blaaiz_async.webhooks import WebhookReceiver, RedisReplayGuard

    receiver = WebhookReceiver(secret, replay_guard=RedisReplayGuard.from_url(redis_url))

    async def on_event(event: WebhookEvent) -> None:
        if isinstance(event, PayoutEvent) and not event.initiated:
            ...

    handled = await receiver.handle(raw_body, request_headers, on_event)

``verify_signature`` and ``construct_event`` are the pure building blocks;
``blaaiz_async.integrations.fastapi`` wires all of it into a FastAPI/Starlette app.
``RedisReplayGuard`` needs the ``redis`` extra and is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..errors import VerificationReason, WebhookVerificationError
from .events import (
    CollectionEvent,
    CustomerEvent,
    EventType,
    InteracInstruction,
    KycEvent,
    PayoutEvent,
    PayoutExtras,
    TransactionEvent,
    VirtualAccountEvent,
    WebhookEvent,
    decode_body,
    event_class,
    parse_event,
)
from .receiver import MemoryReplayGuard, ReplayGuard, WebhookReceiver, replay_key
from .signature import (
    DEFAULT_TOLERANCE,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Headers,
    Secrets,
    compute_signature,
    sign_headers,
    verify,
    verify_signature,
)

if TYPE_CHECKING:
    from .redis_guard import RedisReplayGuard


def __getattr__(name: str) -> Any:
    # The Redis guard needs the `redis` extra: import it on first use only.
    if name == "RedisReplayGuard":
        return importlib.import_module(f"{__name__}.redis_guard").RedisReplayGuard
    raise AttributeError(name)


def construct_event(
    payload: bytes | str,
    headers: Headers,
    secret: Secrets,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> WebhookEvent:
    """Verify a delivery (as ``verify_signature``) and parse it into a typed event.
    Raises ``WebhookVerificationError``, with reason ``invalid_json`` for a signed body
    that is not a JSON object."""
    body, _ = verify(payload, headers, secret, tolerance=tolerance, now=now)
    return parse_event(decode_body(body))


__all__ = [
    "DEFAULT_TOLERANCE",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "CollectionEvent",
    "CustomerEvent",
    "EventType",
    "InteracInstruction",
    "KycEvent",
    "MemoryReplayGuard",
    "PayoutEvent",
    "PayoutExtras",
    "RedisReplayGuard",
    "ReplayGuard",
    "TransactionEvent",
    "VerificationReason",
    "VirtualAccountEvent",
    "WebhookEvent",
    "WebhookReceiver",
    "WebhookVerificationError",
    "compute_signature",
    "construct_event",
    "decode_body",
    "event_class",
    "parse_event",
    "replay_key",
    "sign_headers",
    "verify_signature",
]
