"""Content-addressed blob storage: raw message and item bytes, never rewritten.

Bytes are written and flushed to disk *before* the row that points at them commits, so a
committed row always has its bytes. A crash in between leaves at worst an orphan file,
which `collect_garbage` removes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Blob


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


def write_bytes(data: bytes) -> str:
    """Write bytes durably (outside any transaction) and return their SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    name = f"{digest[:2]}/{digest[2:4]}/{digest}"
    storage = blob_storage()
    if isinstance(storage, DurableFileSystemStorage):
        storage.write_digest(name, data)
    elif not storage.exists(name):
        storage.save(name, ContentFile(data))
    return digest


def blob_row(digest: str, size: int) -> Blob:
    """The Blob row for bytes already written by `write_bytes`, inside the caller's
    transaction. Concurrent writers of the same bytes race harmlessly."""
    try:
        with transaction.atomic():
            return Blob.objects.get_or_create(sha256=digest, defaults={"size": size})[0]
    except IntegrityError:
        return Blob.objects.get(sha256=digest)


def read_blob(blob: Blob | str) -> bytes:
    digest = blob if isinstance(blob, str) else blob.sha256
    with blob_storage().open(f"{digest[:2]}/{digest[2:4]}/{digest}", "rb") as fh:
        return fh.read()


def collect_garbage(grace: timedelta = timedelta(hours=1)) -> int:
    """Delete blobs no item or queued message refers to any more; returns how many.

    The grace period protects bytes written by an append still in flight (written, but
    its row not yet committed).
    """
    cutoff = timezone.now() - grace
    orphans = Blob.objects.filter(
        created__lt=cutoff, items__isnull=True, queued__isnull=True
    ).values_list("sha256", flat=True)
    removed = 0
    storage = blob_storage()
    for digest in list(orphans):
        with transaction.atomic():
            deleted, _ = Blob.objects.filter(
                sha256=digest, items__isnull=True, queued__isnull=True
            ).delete()
        if deleted:
            storage.delete(f"{digest[:2]}/{digest[2:4]}/{digest}")
            removed += 1
    return removed
