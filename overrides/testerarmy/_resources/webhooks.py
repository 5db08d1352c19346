"""``client.webhooks``: trigger a group webhook (authenticated by its secret, not the API key)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from . import _operations as ops
from ._base import AsyncCore, SyncCore

if TYPE_CHECKING:
    from testerarmy_api.models import TriggerGroupWebhookResponse

__all__ = ["AsyncWebhooks", "Webhooks"]

Environment = Literal["production", "staging", "preview"]


class Webhooks:
    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def trigger(
        self,
        webhook_id: str | uuid.UUID,
        secret: str,
        *,
        commit_sha: str | None = None,
        target_url: str | None = None,
        environment: Environment | None = None,
        mobile: Mapping[str, str] | None = None,
    ) -> TriggerGroupWebhookResponse:
        """POST /v1/groups/webhook/{id}/{secret}. ``mobile`` takes exactly one of ``bundleId`` (+
        ``buildId``), ``appId`` or ``artifactUrl`` (+ ``artifactFilename``, ``buildId``). The secret
        is redacted from logs and error messages; the API key is not sent."""
        return self._core.request(
            ops.trigger_group_webhook(
                webhook_id,
                secret,
                commit_sha=commit_sha,
                target_url=target_url,
                environment=environment,
                mobile=mobile,
            )
        )


class AsyncWebhooks:
    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def trigger(
        self,
        webhook_id: str | uuid.UUID,
        secret: str,
        *,
        commit_sha: str | None = None,
        target_url: str | None = None,
        environment: Environment | None = None,
        mobile: Mapping[str, str] | None = None,
    ) -> TriggerGroupWebhookResponse:
        return await self._core.request(
            ops.trigger_group_webhook(
                webhook_id,
                secret,
                commit_sha=commit_sha,
                target_url=target_url,
                environment=environment,
                mobile=mobile,
            )
        )
