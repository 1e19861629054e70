"""The mail queue: every message in flight, per recipient, as durable rows.

SMTP answers "250" only after these rows (and the blob) are committed; delivery and relay
tasks work from them, and a periodic sweep picks up anything due or stranded.
"""

from __future__ import annotations

from django.db import models


class QueuedMessage(models.Model):
    blob = models.ForeignKey(
        "mailcore.Blob", on_delete=models.PROTECT, related_name="queued", db_index=False
    )
    mail_from = models.CharField(
        max_length=998, blank=True, help_text="Envelope sender; empty for <>"
    )
    source = models.CharField(max_length=16, default="smtp")  # smtp, submission, web, ews, local
    account = models.ForeignKey(
        "mailcore.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Authenticated submitter",
    )
    # RFC 3461 DSN parameters of the transaction.
    envid = models.CharField(max_length=100, blank=True)
    ret = models.CharField(max_length=4, blank=True)  # FULL or HDRS
    # BODY=BINARYMIME of the transaction (RFC 3030 3): the bytes may hold bare CR, LF
    # and NUL and can only be relayed by BDAT to a peer that takes them as they are.
    binary = models.BooleanField(default=False)
    size = models.BigIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "queued message"
        # Declared here rather than by the foreign key, which on Postgres would add a
        # varchar_pattern_ops twin for LIKE queries on a hash (migration 0013).
        indexes = [models.Index(fields=["blob"], name="queuedmessage_blob")]

    def __str__(self) -> str:
        return f"#{self.pk} from <{self.mail_from}>"


class RecipientState(models.TextChoices):
    QUEUED = "queued"
    DEFERRED = "deferred"
    DELIVERED = "delivered"
    RELAYED = "relayed"
    FAILED = "failed"


class QueueRecipient(models.Model):
    message = models.ForeignKey(QueuedMessage, on_delete=models.CASCADE, related_name="recipients")
    address = models.CharField(max_length=998)
    orcpt = models.CharField(max_length=998, blank=True)
    notify = models.CharField(max_length=40, blank=True)  # RFC 3461 NOTIFY, comma-separated
    is_local = models.BooleanField(default=False)
    state = models.CharField(
        max_length=10, choices=RecipientState.choices, default=RecipientState.QUEUED
    )
    attempts = models.IntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt"], name="queue_due")]

    def __str__(self) -> str:
        return f"{self.address} ({self.state})"


class LocalDelivery(models.Model):
    """One row per (message, account) delivered, written in the same transaction as the
    append: an account reached twice (directly and through an alias, or after a crash and
    retry) gets the message exactly once."""

    # No index of its own: local_delivery_once (message, account) leads with it.
    message = models.ForeignKey(
        QueuedMessage, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    account = models.ForeignKey("mailcore.Account", on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "account"], name="local_delivery_once")
        ]
