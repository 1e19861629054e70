"""Content-addressed blobs: raw message and item bytes, never rewritten.

Each Blob row names its bytes by SHA-256. Small ones (up to MAIL_INLINE_BLOB_MAX, 64 KiB
by default: most mail) are kept in the row itself, and so become durable with the very
transaction that commits the rows pointing at them: a batch of messages costs one commit,
not two fsyncs (file and directory) each. Larger ones live in the "blobs" storage,
written and flushed to disk *before* the row that points at them commits, so a committed
row always has its bytes; a crash in between leaves at worst an orphan file, which
`collect_garbage` removes. See docs/decisions/0009-inline-blobs.md.

`stage_bytes` makes bytes ready (writes the large ones), `blob_rows` gives the rows to
insert with them, `read_blob` reads either kind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connections, router, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from ..models import Blob
from . import bulk


class DurableFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that fsyncs the file and its directory before returning.

    Names are content addresses, so saving an existing name keeps the same name
    (same bytes) instead of inventing an alternative one.
    """

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name

    def _save(self, name: str, content) -> str:
        content.seek(0)
        _write_durably(self.path(name), content.chunks())
        return name

    def write_digest(self, name: str, data: bytes) -> None:
        """`save` for a content address that `write_bytes` made (hex digits and
        slashes, nothing to check), without the Storage API's name checks and file
        objects: for a message they cost more than the write itself."""
        _write_durably(os.path.join(self.location, name), (data,))


def _write_durably(full: str, chunks: Iterable[bytes]) -> None:
    """Write the file unless it exists, through a temporary file, fsynced with its
    directory."""
    if os.path.exists(full):
        return
    directory = os.path.dirname(full)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, full)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def blob_storage() -> Storage:
    return storages["blobs"]


def inline(size: int) -> bool:
    """Bytes of this size are kept in their Blob row rather than in a file."""
    return size <= settings.MAIL_INLINE_BLOB_MAX


def stage_bytes(data: bytes) -> str:
    """Make bytes ready to be committed and return their SHA-256: large ones are written
    durably to the storage now (outside any transaction); small ones are only hashed, and
    go into their Blob row (`blob_rows`), inserted in the transaction that commits the
    rows pointing at them."""
    if inline(len(data)):
        return hashlib.sha256(data).hexdigest()
    return write_bytes(data)


def blob_rows(blobs: Mapping[str, bytes]) -> list[Blob]:
    """The Blob rows for bytes `stage_bytes` made ready (digest -> bytes), to insert
    with ignore_conflicts: the same bytes stored before keep their row."""
    return [
        bulk.new(Blob, sha256=digest, size=len(data), data=data if inline(len(data)) else None)
        for digest, data in blobs.items()
    ]


def write_bytes(data: bytes) -> str:
    """Write bytes durably to the storage, whatever their size (outside any
    transaction), and return their SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    name = f"{digest[:2]}/{digest[2:4]}/{digest}"
    storage = blob_storage()
    if isinstance(storage, DurableFileSystemStorage):
        storage.write_digest(name, data)
    elif not storage.exists(name):
        storage.save(name, ContentFile(data))
    return digest


def read_blob(blob: Blob | str) -> bytes:
    """The bytes of a blob, from its row or from the storage."""
    digest = blob if isinstance(blob, str) else blob.sha256
    connection = connections[router.db_for_read(Blob)]
    with connection.cursor() as cursor:
        cursor.execute(_read_sql(connection.alias), [digest])
        row = cursor.fetchone()
    if row is not None and row[0] is not None:
        return bytes(row[0])
    with blob_storage().open(f"{digest[:2]}/{digest[2:4]}/{digest}", "rb") as fh:
        return fh.read()


_read_statements: dict[str, str] = {}


def _read_sql(alias: str) -> str:
    """SELECT of a row's inline bytes, written once from the model (the ORM would
    compile it anew for every message read)."""
    if alias not in _read_statements:
        q = connections[alias].ops.quote_name
        meta = Blob._meta
        _read_statements[alias] = (
            f"SELECT {q(meta.get_field('data').column)} FROM {q(meta.db_table)}"
            f" WHERE {q(meta.pk.column)} = %s"
        )
    return _read_statements[alias]


def collect_garbage(grace: timedelta = timedelta(hours=1)) -> int:
    """Delete blobs no item or queued message refers to any more; returns how many.

    The grace period protects bytes written by an append still in flight (written, but
    its row not yet committed).
    """
    cutoff = timezone.now() - grace
    orphans = (
        Blob.objects.filter(created__lt=cutoff, items__isnull=True, queued__isnull=True)
        .annotate(in_storage=ExpressionWrapper(Q(data__isnull=True), BooleanField()))
        .values_list("sha256", "in_storage")
    )
    removed = 0
    storage = blob_storage()
    for digest, in_storage in list(orphans):
        with transaction.atomic():
            deleted, _ = Blob.objects.filter(
                sha256=digest, items__isnull=True, queued__isnull=True
            ).delete()
        if deleted:
            if in_storage:
                storage.delete(f"{digest[:2]}/{digest[2:4]}/{digest}")
            removed += 1
    return removed
