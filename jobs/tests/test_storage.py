"""Content-addressed storage: one copy per content, atomic, readable by other users."""

import hashlib
import os
import stat

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from jobs.storage import ContentAddressedStorage, media_path, store_bytes, store_file


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_default_storage_is_content_addressed():
    assert isinstance(default_storage, ContentAddressedStorage)


def test_same_bytes_are_stored_once_under_their_hash(tmp_path):
    name, sha, size = store_bytes(b"hello", ".TXT")
    assert sha == hashlib.sha256(b"hello").hexdigest() and size == 5
    assert name == f"cas/{sha[:2]}/{sha[2:]}.txt"
    source = tmp_path / "copy.txt"
    source.write_bytes(b"hello")
    assert store_file(source) == (name, sha, size)  # same content, same key, nothing rewritten
    assert media_path(name).read_bytes() == b"hello"
    assert sorted(p.name for p in media_path(name).parent.iterdir()) == [f"{sha[2:]}.txt"]  # no temp files


def test_an_existing_key_is_never_overwritten():
    name, _, _ = store_bytes(b"first", ".bin")
    # A file stored under an existing key is the same content by construction; the storage does
    # not rename it (no "_abc123" suffix) and does not write it again.
    mtime = media_path(name).stat().st_mtime_ns
    assert default_storage.save(name, ContentFile(b"first")) == name
    assert media_path(name).stat().st_mtime_ns == mtime


def test_stored_files_are_readable_by_group_and_others_under_umask_022(tmp_path, umask_022):
    name, _, _ = store_bytes(b"render me", ".png")
    source = tmp_path / "layer.png"
    source.write_bytes(b"a layer")
    other, _, _ = store_file(source)
    for stored in (name, other):
        mode = stat.S_IMODE(media_path(stored).stat().st_mode)
        assert mode == 0o644, oct(mode)
        assert mode & stat.S_IRGRP and mode & stat.S_IROTH
