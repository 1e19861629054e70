"""Blobs: small ones in their row, large ones in files where `write_bytes` puts them
(agreeing with the Storage API), and `read_blob` reading either."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from mailcore import store
from mailcore.models import Blob
from mailcore.store import bulk
from mailcore.store.blobs import blob_rows, blob_storage, read_blob, stage_bytes, write_bytes

pytestmark = pytest.mark.django_db


def _files(tmp_path) -> list[str]:
    root = tmp_path / "blobs"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_small_bytes_live_in_their_row(tmp_path, settings):
    settings.MAIL_INLINE_BLOB_MAX = 100
    data = b"Subject: small\r\n\r\nbody\r\n"
    digest = stage_bytes(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert _files(tmp_path) == []  # nothing written: the row will hold them
    [row] = blob_rows({digest: data})
    assert bytes(row.data) == data and row.size == len(data)
    bulk.insert([row], ignore_conflicts=True)
    bulk.insert(blob_rows({digest: data}), ignore_conflicts=True)  # again: kept as it was
    assert Blob.objects.count() == 1
    assert read_blob(digest) == data == read_blob(Blob.objects.get())
    assert _files(tmp_path) == []


def test_large_bytes_go_to_the_storage_before_their_row(tmp_path, settings):
    settings.MAIL_INLINE_BLOB_MAX = 10
    data = b"Subject: large\r\n\r\n" + b"x" * 100
    digest = stage_bytes(data)
    assert _files(tmp_path) == [digest]  # durable before any row points at it
    [row] = blob_rows({digest: data})
    assert row.data is None
    bulk.insert([row])
    assert read_blob(digest) == data


def test_appended_mail_reads_back_byte_exact_either_way(tmp_path, settings, alice, message):
    settings.MAIL_INLINE_BLOB_MAX = 2000
    inbox = store.find_folder(alice, "INBOX")
    small, large = message("small", "short"), message("large", "long line\r\n" * 500)
    assert len(small) <= 2000 < len(large)
    first = store.append(alice, inbox, small)
    second = store.append(alice, inbox, large)
    assert store.read_raw(alice, first.item_id) == small
    assert store.read_raw(alice, second.item_id) == large
    assert _files(tmp_path) == [hashlib.sha256(large).hexdigest()]
    store.expunge(alice, inbox, [first.uid, second.uid], only_deleted=False)
    assert store.collect_garbage(grace=timedelta(0)) == 2
    assert Blob.objects.count() == 0 and _files(tmp_path) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TOAST compression: Postgres")
def test_stored_mail_is_compressed_with_lz4_and_reads_back(alice, message):
    """Migration 0012: a message's bytes and text, over the TOAST threshold, are
    compressed with lz4 (where the server has it) and read back byte-exact."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        if not cursor.fetchone()[0]:
            pytest.skip("this Postgres was built without lz4")
    raw = message("long", "A line of text that compresses well enough.\r\n" * 200)
    item = store.append(alice, store.find_folder(alice, "INBOX"), raw)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(b.data), pg_column_compression(t.body)"
            " FROM mailcore_item i JOIN mailcore_blob b ON b.sha256 = i.blob_id"
            " JOIN mailcore_itemtext t ON t.item_id = i.id WHERE i.id = %s",
            [item.item_id],
        )
        assert cursor.fetchone() == ("lz4", "lz4")
    assert store.read_raw(alice, item.item_id) == raw


def test_write_bytes_writes_the_content_address_once(tmp_path):
    data = b"Subject: x\r\n\r\nbody\r\n"
    digest = write_bytes(data)
    assert digest == hashlib.sha256(data).hexdigest()
    path = tmp_path / "blobs" / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == data == read_blob(digest)
    before = os.stat(path).st_mtime_ns
    assert write_bytes(data) == digest  # present: not written again
    assert os.stat(path).st_mtime_ns == before
    assert sorted(p.name for p in path.parent.iterdir()) == [digest]  # no temporary left


def test_the_storage_api_writes_the_same_file(tmp_path):
    data = b"through the API"
    digest = hashlib.sha256(data).hexdigest()
    name = f"{digest[:2]}/{digest[2:4]}/{digest}"
    assert blob_storage().save(name, ContentFile(data)) == name
    assert write_bytes(data) == digest
    assert (tmp_path / "blobs" / name).read_bytes() == data
