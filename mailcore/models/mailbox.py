"""Folders and the items in them, the bytes behind items, and the change log."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db import models


class FolderKind(models.TextChoices):
    MAIL = "mail"
    CALENDAR = "calendar"
    CONTACTS = "contacts"
    TASKS = "tasks"
    NOTES = "notes"


class SpecialUse(models.TextChoices):
    """RFC 6154 special-use attributes (Inbox is ours: IMAP names it by name)."""

    NONE = "", "none"
    INBOX = "\\Inbox"
    DRAFTS = "\\Drafts"
    SENT = "\\Sent"
    TRASH = "\\Trash"
    JUNK = "\\Junk"
    ARCHIVE = "\\Archive"


class Folder(models.Model):
    account = models.ForeignKey(
        "mailcore.Account", on_delete=models.CASCADE, related_name="folders"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=FolderKind.choices, default=FolderKind.MAIL)
    special_use = models.CharField(
        max_length=16, choices=SpecialUse.choices, default=SpecialUse.NONE, blank=True
    )
    # A default folder (Inbox, Sent Items, Calendar...) cannot be renamed or deleted.
    is_default = models.BooleanField(default=False)
    uidvalidity = models.BigIntegerField(default=0)
    uidnext = models.BigIntegerField(default=1)
    highestmodseq = models.BigIntegerField(default=1)
    # RFC 3501 2.3.2 \Recent: items with a UID at or above this have not yet been seen by
    # any IMAP session; the first session to select the folder claims them (store.recent).
    recent_uid = models.BigIntegerField(default=1)
    # Counters kept in step with the items under the same row lock that allocates UIDs,
    # so SELECT/STATUS and unread badges never count rows.
    exists_count = models.IntegerField(default=0)
    unseen_count = models.IntegerField(default=0)
    size_total = models.BigIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "parent", "name"], name="folder_unique_name_in_parent"
            ),
            models.UniqueConstraint(
                fields=["account", "name"],
                condition=models.Q(parent__isnull=True),
                name="folder_unique_name_at_top",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.name}"


class Subscription(models.Model):
    """A subscribed mailbox name (RFC 3501 6.3.6). A name, not a folder: it outlives the
    folder's deletion (the server "MUST NOT unilaterally remove" it); renaming a folder
    takes the subscriptions of it and its children along (mailcore.store.folders)."""

    account = models.ForeignKey(
        "mailcore.Account", on_delete=models.CASCADE, related_name="subscriptions"
    )
    # The folder path ("INBOX" for the Inbox); bounded so the unique index fits Postgres's
    # B-tree limit.
    name = models.CharField(max_length=1000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="subscription_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.name}"


class Blob(models.Model):
    """Raw bytes, content-addressed by SHA-256: small ones in `data`, the others in the
    "blobs" storage (mailcore.store.blobs)."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    # The bytes themselves, up to MAIL_INLINE_BLOB_MAX; null: they are in the storage.
    data = models.BinaryField(null=True, editable=False)

    def __str__(self) -> str:
        return self.sha256

    @property
    def storage_name(self) -> str:
        return f"{self.sha256[:2]}/{self.sha256[2:4]}/{self.sha256}"


class Item(models.Model):
    """One message, event, contact, task or note in a folder."""

    # No index of its own: item_unique_uid (folder, uid) leads with it, as do the others.
    folder = models.ForeignKey(
        Folder, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    uid = models.BigIntegerField()
    modseq = models.BigIntegerField()
    item_class = models.CharField(max_length=64, default="IPM.Note")
    # RFC 3501 system flags as columns (searchable and countable by index), keywords as a
    # space-delimited string with a leading and trailing space so " word " matches exactly.
    seen = models.BooleanField(default=False)
    answered = models.BooleanField(default=False)
    flagged = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    draft = models.BooleanField(default=False)
    keywords = models.TextField(default=" ", blank=True)
    internal_date = models.DateTimeField()
    # The zone the internal date was given in (minutes east of UTC: an IMAP APPEND's
    # date-time, else the server's TIME_ZONE at arrival), so FETCH INTERNALDATE gives it
    # back as it came; and the day in that zone, for BEFORE/ON/SINCE, which compare
    # dates "disregarding time and timezone" (RFC 3501 6.4.4).
    internal_offset = models.SmallIntegerField(default=0)
    internal_day = models.DateField(null=True, blank=True)
    size = models.BigIntegerField()
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="items", db_index=False)
    # Cached summary (mailcore.mime.MessageSummary.to_dict()): envelope, body structure,
    # decoded headers, attachments. Computed once at append; never recomputed per fetch.
    summary = models.JSONField(default=dict)
    message_id = models.CharField(max_length=255, blank=True)
    thread_id = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    sender = models.CharField(max_length=255, blank=True, help_text="First From, for lists")
    sent_date = models.DateTimeField(null=True, blank=True)
    # The day of the Date field in its own zone, for SENTBEFORE/SENTON/SENTSINCE, which
    # compare dates "disregarding time and timezone" (RFC 3501 6.4.4).
    sent_day = models.DateField(null=True, blank=True)
    preview = models.CharField(max_length=255, blank=True)
    has_attachments = models.BooleanField(default=False)
    # Groupware items (events, tasks): the iCalendar/vCard text in the blob is the truth,
    # these columns index it for time-range queries and free/busy.
    ical_uid = models.CharField(max_length=255, blank=True)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    recurrence_end = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["folder", "uid"], name="item_unique_uid"),
        ]
        indexes = [
            models.Index(fields=["folder", "modseq"], name="item_folder_modseq"),
            models.Index(fields=["folder", "internal_date"], name="item_folder_date"),
            models.Index(fields=["folder", "sent_day"], name="item_folder_sent_day"),
            models.Index(fields=["folder", "internal_day"], name="item_folder_internal_day"),
            models.Index(fields=["folder", "seen"], name="item_folder_seen"),
            models.Index(fields=["folder", "start", "end"], name="item_folder_timerange"),
            # The list view's other sort orders (store.listing.SORT_COLUMNS), uid last as
            # the tie-break, so a page of a 100k folder sorted by sender is read in order.
            models.Index(fields=["folder", "sender", "uid"], name="item_folder_sender"),
            models.Index(fields=["folder", "subject", "uid"], name="item_folder_subject"),
            models.Index(fields=["folder", "size", "uid"], name="item_folder_size"),
            # Exact lookups only. Declared here rather than with db_index=True, which on
            # Postgres adds a second, varchar_pattern_ops index per column for LIKE
            # 'prefix%' that nothing asks (migration 0013).
            models.Index(fields=["blob"], name="item_blob"),
            models.Index(fields=["message_id"], name="item_message_id"),
            models.Index(fields=["thread_id"], name="item_thread_id"),
            models.Index(fields=["ical_uid"], name="item_ical_uid"),
        ]

    def __str__(self) -> str:
        return f"{self.folder_id}/{self.uid}"

    @property
    def internal_date_as_given(self) -> datetime:
        """The internal date in the zone it was given in."""
        return self.internal_date.astimezone(dt_timezone(timedelta(minutes=self.internal_offset)))

    @property
    def keyword_list(self) -> list[str]:
        return self.keywords.split()


class ItemText(models.Model):
    """Search text of an item, kept apart so list and fetch queries read narrow rows.

    `body` is what IMAP SEARCH BODY reads (the body only, RFC 3501 6.4.4); the subject
    and the addresses have their own columns. On Postgres a tsvector column over
    subject, from, to, cc and body, GIN-indexed, sits beside them for full-text search,
    filled in just after the row commits (migration 0011, store/fulltext.py).
    """

    item = models.OneToOneField(
        Item, on_delete=models.CASCADE, primary_key=True, related_name="text"
    )
    from_text = models.TextField(blank=True)
    to_text = models.TextField(blank=True)
    cc_text = models.TextField(blank=True)
    bcc_text = models.TextField(blank=True)
    # The whole decoded subject (Item.subject is cut at 255 characters for lists).
    subject = models.TextField(blank=True)
    headers = models.TextField(blank=True)
    body = models.TextField(blank=True)


class ChangeAction(models.TextChoices):
    ADDED = "added"
    FLAGS = "flags"
    MODIFIED = "modified"
    EXPUNGED = "expunged"


class Change(models.Model):
    """The change log: one row per item per change, numbered by the folder's MODSEQ.

    It serves IMAP CONDSTORE/QRESYNC and EXPUNGE, POP3, EWS sync, DAV sync-collection and
    live UI updates. `flags` is the item's flag state after the change, so replaying the
    log gives the folder's state exactly.
    """

    # No index of its own: change_folder_modseq leads with it.
    folder = models.ForeignKey(
        Folder, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    modseq = models.BigIntegerField()
    uid = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=ChangeAction.choices)
    flags = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["folder", "modseq"], name="change_folder_modseq")]


class FolderChange(models.Model):
    """Hierarchy log of an account, numbered by Account.hierarchy_modseq."""

    account = models.ForeignKey(
        "mailcore.Account", on_delete=models.CASCADE, related_name="folder_changes"
    )
    modseq = models.BigIntegerField()
    folder_id_value = models.BigIntegerField(help_text="Folder id (kept after deletion)")
    action = models.CharField(max_length=10)  # created, renamed, deleted
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "modseq"], name="folderchange_acct_modseq")]
