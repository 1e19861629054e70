"""Blob files: where `write_bytes` puts them, and that it agrees with the Storage API."""

from __future__ import annotations

import hashlib
import os

from django.core.files.base import ContentFile

from mailcore.store.blobs import blob_storage, read_blob, write_bytes


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
