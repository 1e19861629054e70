"""Domains, accounts and aliases: who has a mailbox here and which addresses reach it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Domain(models.Model):
    """A mail domain this server is the final destination for."""

    name = models.CharField(max_length=253, unique=True, help_text="e.g. example.com")
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = self.name.strip().lower().rstrip(".")
        super().save(*args, **kwargs)


class Account(models.Model):
    """A mailbox owner. Each has one Django user, whose username is the primary address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_account"
    )
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="accounts")
    address = models.CharField(max_length=320, unique=True, help_text="Primary address")
    display_name = models.CharField(max_length=200, blank=True)
    quota_bytes = models.BigIntegerField(default=0, help_text="0 means unlimited")
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    # Sequence of folder-hierarchy changes (create, rename, move, delete), for EWS
    # SyncFolderHierarchy and DAV; bumped under a row lock on this account.
    hierarchy_modseq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address


class Alias(models.Model):
    """An address that delivers to accounts and/or external addresses.

    With several targets it is a distribution group.
    """

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="aliases")
    address = models.CharField(max_length=320, unique=True)
    accounts = models.ManyToManyField(Account, blank=True, related_name="aliases")
    external = models.TextField(
        blank=True, help_text="External addresses to forward to, one per line"
    )
    description = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["address"]
        verbose_name_plural = "aliases"

    def __str__(self) -> str:
        return self.address

    @property
    def external_addresses(self) -> list[str]:
        return [line.strip() for line in self.external.splitlines() if line.strip()]
