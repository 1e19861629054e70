"""Live updates: a web socket per open mailbox page, fed by the store's change events.

The store publishes {"type": "mailbox.change", scope, folder, modseq, action, ...} on the
account's group after each commit (mailcore.store.events). This consumer only forwards
them; the page then asks the JSON endpoints for what changed, so an event carries no
message content and a lost event only delays (the page re-checks on reconnect).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from mailcore.store.accounts import account_for_user
from mailcore.store.events import group_name

_FORWARDED = ("scope", "folder", "modseq", "action", "uid")


@database_sync_to_async
def _account_id(user: Any) -> int | None:
    account = account_for_user(user)
    return account.pk if account else None


class MailboxConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        account_id = await _account_id(user)
        if account_id is None:
            await self.close(code=4403)
            return
        self.group = group_name(account_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The socket is one-way; anything the page sends is ignored.
        return

    async def mailbox_change(self, event: dict[str, Any]) -> None:
        await self.send_json({k: event[k] for k in _FORWARDED if k in event})
