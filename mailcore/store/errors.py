"""Errors of the store. Doors translate them into their protocol's own error form."""


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class NotFound(StoreError):
    """No such folder or item *for this account*.

    Also raised for another account's objects, so a caller can never learn they exist.
    """


class AlreadyExists(StoreError):
    pass


class InvalidName(StoreError):
    pass


class NotPermitted(StoreError):
    """The operation is not allowed on this object (e.g. deleting the Inbox)."""


class HasChildren(StoreError):
    pass


class QuotaExceeded(StoreError):
    def __init__(self, usage: int, limit: int, needed: int) -> None:
        super().__init__(f"quota exceeded: {usage} + {needed} > {limit} bytes")
        self.usage, self.limit, self.needed = usage, limit, needed


class TooLarge(StoreError):
    pass


class InvalidFlag(StoreError):
    pass
