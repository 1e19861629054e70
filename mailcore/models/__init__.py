"""The data: who has mailboxes (directory), what is in them (mailbox), what is in flight (queue).

Only mailcore.store writes mailbox state; everything else reads through it.
"""

from .directory import Account, Alias, Domain
from .mailbox import (
    Blob,
    Change,
    Folder,
    FolderChange,
    FolderKind,
    Item,
    ItemText,
    SpecialUse,
    Subscription,
)
from .queue import LocalDelivery, QueuedMessage, QueueRecipient, RecipientState

__all__ = [
    "Account",
    "Alias",
    "Blob",
    "Change",
    "Domain",
    "Folder",
    "FolderChange",
    "FolderKind",
    "Item",
    "ItemText",
    "LocalDelivery",
    "QueueRecipient",
    "QueuedMessage",
    "RecipientState",
    "SpecialUse",
    "Subscription",
]
