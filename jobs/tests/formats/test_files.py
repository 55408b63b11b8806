"""The shared file helpers: paths inside roots, atomic writes, digests."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from jobs.formats.files import atomic_write, file_digest, resolve_inside, resolved_roots, within


def test_resolve_inside_accepts_paths_under_a_root(tmp_path):
    root = tmp_path / "in"
    (root / "a").mkdir(parents=True)
    (root / "a" / "x.psd").write_bytes(b"x")
    assert resolve_inside(root / "a" / "x.psd", [root]) == (root / "a" / "x.psd").resolve()
    assert resolve_inside(root / "a" / ".." / "a" / "x.psd", [tmp_path / "other", root]) is not None
    # a file that does not exist (yet) inside a root resolves too: existence is the caller's question
    assert resolve_inside(root / "missing.psd", [root]) == (root / "missing.psd").resolve()


def test_resolve_inside_refuses_dot_dot_and_symlink_escapes(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("s")
    (root / "link").symlink_to(outside)
    assert resolve_inside(root / ".." / "secret.txt", [root]) is None
    assert resolve_inside(root / "link", [root]) is None
    assert resolve_inside(outside, [root]) is None
    # a root that is itself a symbolic link is resolved before the comparison
    (tmp_path / "alias").symlink_to(root)
    (root / "ok.png").write_bytes(b"p")
    assert resolve_inside(tmp_path / "alias" / "ok.png", [tmp_path / "alias"]) == (root / "ok.png").resolve()


def test_within_compares_resolved_paths(tmp_path):
    roots = resolved_roots([tmp_path / "a", tmp_path / "b"])
    assert within((tmp_path / "b" / "c").resolve(), roots)
    assert not within((tmp_path / "ab").resolve(), roots)  # a prefix of the name is not inside


def test_atomic_write_bytes_and_callable(tmp_path):
    target = tmp_path / "f.bin"
    atomic_write(target, b"one")
    assert target.read_bytes() == b"one"
    atomic_write(target, lambda stream: stream.write(b"two"))
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]  # no temporary left behind


def test_atomic_write_leaves_the_old_file_on_error(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")

    def broken(stream):
        stream.write(b"half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_atomic_write_uses_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "f.bin", b"x")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "f.bin").stat().st_mode)
    assert mode == 0o644


def test_file_digest(tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)
    (tmp_path / "f").write_bytes(data)
    assert file_digest(tmp_path / "f") == hashlib.sha256(data).hexdigest()
