"""What the web UI keeps for a user beside the mailbox: preferences and pending uploads.

Mailbox state (folders, items, flags) is never here: it lives in the store.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Preference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ui_preference"
    )
    signature = models.TextField(blank=True, help_text="HTML added to new messages")
    # Senders whose remote images the user chose to always show, one address per line.
    trusted_senders = models.TextField(blank=True)
    conversations = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"

    @property
    def trusted(self) -> set[str]:
        return {line.strip().lower() for line in self.trusted_senders.splitlines() if line}


class Upload(models.Model):
    """A file picked or dropped in a compose window, kept until the message is sent
    or the user removes it (drafts refer to these until then)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    file = models.FileField(upload_to="uploads/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.BigIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename
