"""Deploy bundles: a folder of files plus a ``manifest.json``, published atomically.

A bundle is written by :func:`write_bundle` and checked by :func:`verify_bundle`.

Layout in the parent folder of ``target_dir`` (called ``NAME`` here)::

    NAME                  -> .v-NAME-<random>      (relative symlink: the stable path)
    .v-NAME-<random>/     a complete, published version: the files + manifest.json
    .tmp-NAME-<random>/   a version being written (never a bundle; see clean_stale_tmp)

How a bundle is published (POSIX):

1. Every file is written into a fresh temporary sibling folder ``.tmp-NAME-<random>`` and
   fsynced; ``manifest.json`` is written last and fsynced, then every folder is fsynced.
2. The temporary folder is renamed to ``.v-NAME-<random>`` (``os.rename``: atomic, same folder).
3. A temporary symlink to it is made and ``os.replace``-d over ``NAME``. Replacing a symlink is
   one atomic rename, so a reader opening ``NAME`` sees either the complete old version or the
   complete new one, never a missing or half-written bundle.
4. The previous version folder (if ``NAME`` pointed at one of ours) is removed.

Known windows, documented rather than hidden:

- A reader that resolved ``NAME`` to the *old* version and is still reading files from it when
  step 4 removes that folder can find the folder gone (files it already opened stay readable
  on POSIX). Readers that need a stable view resolve ``NAME`` once (``os.path.realpath``) and
  check the result with :func:`verify_bundle`.
- When ``NAME`` exists as a real directory (not a symlink: e.g. written by other code), it is
  first renamed aside to ``.old-NAME-<random>`` and the symlink is then renamed in: between
  those two renames ``NAME`` does not exist (it is never partial). This happens at most once
  per target; every later deploy swaps the symlink.
- Two processes deploying the same target at once: the last swap wins, the other's version
  folder is left unreferenced and removed by :func:`clean_stale_tmp`.

A process killed at any point leaves at most ``.tmp-*``, ``.old-*`` or unreferenced ``.v-*``
entries, which are never the stable path and which :func:`clean_stale_tmp` removes.

Deploying the same inputs twice writes a byte-identical ``manifest.json``: files are listed
sorted by path, JSON keys are sorted and nothing time- or host-dependent is added (metadata
is the caller's).

This module is plain Python: no Django import. It needs symlinks, so it targets POSIX
systems. The stable path is a *relative* symlink to a sibling, so the deploy root can be
moved or mounted elsewhere; machines reading it over a network share need the share to
follow symlinks (Samba does for links that stay inside the share, its default). Code that
removes or copies a bundle must treat ``NAME`` as a symlink (``shutil.rmtree`` refuses one).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePosixPath

from .files import file_digest

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "aeautomation-deploy-bundle"
MANIFEST_VERSION = 1
TMP_PREFIX = ".tmp-"
VERSION_PREFIX = ".v-"
OLD_PREFIX = ".old-"
_TOKEN_BYTES = 8  # 16 hex characters of randomness per folder name
_CHUNK = 1024 * 1024  # copy buffer for Path sources


@dataclass(frozen=True)
class BundleFile:
    """One file of a bundle as listed in its manifest."""

    path: str  # relative POSIX path inside the bundle
    sha256: str  # lowercase hex
    size: int


@dataclass(frozen=True)
class BundleResult:
    """What :func:`write_bundle` published.

    ``path`` is the stable path (a symlink), ``version_dir`` the real folder it points at,
    ``manifest_sha256`` the checksum of the exact ``manifest.json`` bytes (equal for equal
    inputs), ``replaced`` whether an earlier bundle was replaced.
    """

    path: Path
    version_dir: Path
    files: tuple[BundleFile, ...]
    manifest_sha256: str
    replaced: bool


# --- validation ------------------------------------------------------------------------------


def safe_relative_path(name: object) -> str:
    """``name`` checked as a bundle-relative POSIX path; ValueError when unsafe.

    Rejected: non-strings, empty paths, absolute paths, Windows drive letters and backslashes,
    NUL, and ``..``, ``.`` or empty components (``a//b``, trailing ``/``), so a path names
    exactly one file inside the bundle on every system that reads it.
    """
    if not isinstance(name, str):
        raise ValueError(f"bundle path must be a string, not {type(name).__name__}")
    if not name:
        raise ValueError("bundle path must not be empty")
    if "\x00" in name:
        raise ValueError(f"bundle path {name!r} contains NUL")
    if "\\" in name:
        raise ValueError(f"bundle path {name!r} contains a backslash; use '/'")
    if name.startswith("/"):
        raise ValueError(f"bundle path {name!r} is absolute")
    if len(name) >= 2 and name[1] == ":" and name[0].isalpha():
        raise ValueError(f"bundle path {name!r} starts with a drive letter")
    for part in name.split("/"):
        if part in ("", ".", ".."):
            raise ValueError(f"bundle path {name!r} has an empty, '.' or '..' component")
    return name


def _check_layout(paths: list[str]) -> None:
    """No reserved name, no file that is also a folder, no names equal but for case."""
    if MANIFEST_NAME in paths:
        raise ValueError(f"{MANIFEST_NAME!r} is reserved for the bundle's manifest")
    folders = {str(parent) for path in paths for parent in PurePosixPath(path).parents}
    clashes = sorted(set(paths) & folders)
    if clashes:
        raise ValueError(f"bundle path {clashes[0]!r} is both a file and a folder")
    seen: dict[str, str] = {}
    for path in sorted(paths):
        key = path.casefold()
        if key in seen:
            raise ValueError(f"bundle paths {seen[key]!r} and {path!r} differ only in case")
        seen[key] = path


def _check_sources(files: Mapping[str, bytes | Path]) -> None:
    """Every value is bytes-like content or a path to a regular file."""
    for name, source in files.items():
        if isinstance(source, (bytes, bytearray, memoryview)):
            continue
        if isinstance(source, os.PathLike):
            if not Path(source).is_file():
                raise FileNotFoundError(f"bundle file {name!r}: {os.fspath(source)!r} is not a regular file")
            continue
        raise TypeError(f"bundle file {name!r} must be bytes or a Path, not {type(source).__name__}")


def _check_target(target_dir: Path) -> Path:
    """``target_dir`` as an absolute path whose name can carry our sibling prefixes."""
    target = Path(os.path.abspath(target_dir))
    name = target.name
    if not name or name in (".", "..") or name.startswith("."):
        raise ValueError(f"bundle target {str(target_dir)!r} must have a name not starting with '.'")
    if "\x00" in str(target):
        raise ValueError("bundle target contains NUL")
    return target


# --- manifest --------------------------------------------------------------------------------


def manifest_bytes(files: list[BundleFile], metadata: dict) -> bytes:
    """The deterministic bytes of ``manifest.json``: sorted files, sorted keys, UTF-8, final newline."""
    document = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "files": [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in sorted(files, key=lambda f: f.path)],
        "metadata": metadata,
    }
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _check_metadata(metadata: object) -> None:
    """``metadata`` must be a dict that JSON can write deterministically (str keys, no NaN)."""
    if not isinstance(metadata, dict):
        raise TypeError(f"bundle metadata must be a dict, not {type(metadata).__name__}")
    try:
        manifest_bytes([], metadata)
    except (TypeError, ValueError) as error:
        raise ValueError(f"bundle metadata is not JSON-serialisable: {error}") from None


# --- low-level writing -----------------------------------------------------------------------


def _fsync_dir(path: Path) -> None:
    """Flush a folder's entries (new names, renames) to disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(dest: Path, source: bytes | bytearray | memoryview | os.PathLike) -> tuple[str, int]:
    """Write ``source`` to the new file ``dest``, fsync it; return its (sha256, size).

    A Path source is copied in chunks (PSDs and footage can be large). The checksum is read
    back from ``dest`` once it is written and fsynced (:func:`~jobs.formats.files.file_digest`),
    so it is of the bytes actually written.
    """
    with open(dest, "xb") as out:
        if isinstance(source, os.PathLike):
            with open(source, "rb") as src:
                shutil.copyfileobj(src, out, _CHUNK)
        else:
            out.write(bytes(source))
        out.flush()
        os.fsync(out.fileno())
        size = out.tell()
    return file_digest(dest), size


def _make_unique_dir(parent: Path, prefix: str) -> Path:
    """Create ``parent/<prefix><random>`` (mode from the umask, unlike mkdtemp's 0700)."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(_TOKEN_BYTES)}"
        try:
            os.mkdir(path)
        except FileExistsError:
            continue
        return path


def _write_tree(root: Path, files: Mapping[str, bytes | Path]) -> list[BundleFile]:
    """Write every file under ``root``, then fsync every folder (deepest first)."""
    written = []
    folders = {root}
    for name in sorted(files):
        dest = root.joinpath(*name.split("/"))
        dest.parent.mkdir(parents=True, exist_ok=True)
        folders.update(p for p in dest.parents if p == root or root in p.parents)
        sha256, size = _write_file(dest, files[name])
        written.append(BundleFile(path=name, sha256=sha256, size=size))
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        _fsync_dir(folder)
    return written


def _write_manifest(root: Path, data: bytes) -> None:
    """Write ``manifest.json`` last, fsync it and its folder."""
    with open(root / MANIFEST_NAME, "xb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    _fsync_dir(root)


def _remove(path: Path) -> None:
    """Remove a file, symlink or folder tree; a missing path is fine."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        pass


# --- publishing ------------------------------------------------------------------------------


def _our_version(target: Path) -> Path | None:
    """The ``.v-NAME-*`` sibling ``target`` (a symlink) points at, or None."""
    try:
        link = os.readlink(target)
    except OSError:
        return None
    prefix = f"{VERSION_PREFIX}{target.name}-"
    if "/" in link or not link.startswith(prefix):
        return None
    return target.parent / link


def _set_aside(target: Path) -> Path | None:
    """Rename a real folder at ``target`` to ``.old-NAME-*`` and return it; None for a symlink or nothing."""
    if not os.path.lexists(target) or target.is_symlink():
        return None
    if not target.is_dir():
        raise FileExistsError(errno.EEXIST, "bundle target exists and is not a folder", str(target))
    aside = target.parent / f"{OLD_PREFIX}{target.name}-{secrets.token_hex(_TOKEN_BYTES)}"
    os.rename(target, aside)
    return aside


def _swap_in(target: Path, version_dir: Path) -> tuple[bool, Path | None]:
    """Point ``target`` at ``version_dir`` atomically; return (replaced, old folder to remove).

    A symlink (or nothing) at ``target`` is replaced by one ``os.replace`` of a temporary
    symlink. A real folder is renamed aside first (the documented window where ``target`` is
    missing) and renamed back if the swap fails. If this raises, ``target`` is unchanged.
    """
    link = target.parent / f"{TMP_PREFIX}{target.name}-{secrets.token_hex(_TOKEN_BYTES)}.link"
    os.symlink(version_dir.name, link)
    replaced = os.path.lexists(target)
    old_version = _our_version(target)
    aside = None
    try:
        aside = _set_aside(target)
        os.replace(link, target)
    except BaseException:
        _remove(link)
        if aside is not None:
            os.rename(aside, target)
        raise
    return replaced, aside or old_version


def write_bundle(
    *,
    target_dir: Path,
    files: Mapping[str, bytes | Path],
    metadata: dict,
    before_publish: Callable[[Path], None] | None = None,
) -> BundleResult:
    """Write ``files`` and a ``manifest.json`` as the bundle ``target_dir``, atomically.

    ``files`` maps safe relative POSIX paths (see :func:`safe_relative_path`) to the content as
    bytes or to a Path whose file is copied. ``metadata`` is a JSON-serialisable dict stored in
    the manifest. Everything is checked before anything is written (ValueError / TypeError /
    FileNotFoundError). The parent folder is created if missing.

    ``before_publish`` is a test hook: it is called with the temporary folder once every file
    and the manifest are written and fsynced, right before the folder is renamed into place.
    A hook that raises aborts the deploy (the temporary folder is removed, the previous bundle
    stays); a hook that kills the process shows what a crash at that point leaves behind.

    Returns a :class:`BundleResult`. See the module docstring for the publishing protocol.
    """
    target = _check_target(Path(target_dir))
    names = [safe_relative_path(name) for name in files]
    _check_layout(names)
    _check_sources(files)
    _check_metadata(metadata)

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _make_unique_dir(target.parent, f"{TMP_PREFIX}{target.name}-")
    try:
        written = _write_tree(tmp, files)
        data = manifest_bytes(written, metadata)
        _write_manifest(tmp, data)
        if before_publish is not None:
            before_publish(tmp)
        version_dir = target.parent / f"{VERSION_PREFIX}{target.name}-{tmp.name.rsplit('-', 1)[1]}"
        os.rename(tmp, version_dir)
    except BaseException:
        _remove(tmp)
        raise
    try:
        replaced, old = _swap_in(target, version_dir)
    except BaseException:
        _remove(version_dir)  # never published: target still shows the previous bundle
        raise
    _fsync_dir(target.parent)
    if old is not None and old != version_dir:
        _remove(old)
    return BundleResult(
        path=target,
        version_dir=version_dir,
        files=tuple(sorted(written, key=lambda f: f.path)),
        manifest_sha256=hashlib.sha256(data).hexdigest(),
        replaced=replaced,
    )


# --- verification ----------------------------------------------------------------------------


def _read_manifest(root: Path) -> tuple[list[dict] | None, list[str]]:
    """The manifest's file entries, or None and the problem that prevents reading them."""
    try:
        document = json.loads((root / MANIFEST_NAME).read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None, [f"{MANIFEST_NAME} is missing"]
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, [f"{MANIFEST_NAME} cannot be read: {error}"]
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        return None, [f"{MANIFEST_NAME} is not a {MANIFEST_FORMAT} manifest"]
    entries = document.get("files")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return None, [f"{MANIFEST_NAME} has no valid 'files' list"]
    return entries, []


def _check_entry(root: Path, entry: dict) -> str | None:
    """The problem with one manifest entry's file, or None when it matches."""
    name = entry.get("path")
    try:
        safe_relative_path(name)
    except ValueError as error:
        return f"manifest lists an unsafe path: {error}"
    path = root.joinpath(*name.split("/"))
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return f"{name}: missing"
    if not stat.S_ISREG(info.st_mode):
        return f"{name}: not a regular file"
    if info.st_size != entry.get("size"):
        return f"{name}: size {info.st_size} != {entry.get('size')} in the manifest"
    if file_digest(path) != entry.get("sha256"):
        return f"{name}: sha256 mismatch"
    return None


def _unlisted(root: Path, listed: set[str]) -> list[str]:
    """Files (or other entries) in the bundle that the manifest does not list."""
    extra = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            rel = Path(dirpath, name).relative_to(root).as_posix()
            if rel != MANIFEST_NAME and rel not in listed:
                extra.append(f"{rel}: not listed in the manifest")
    return sorted(extra)


def verify_bundle(dir: Path) -> list[str]:
    """Problems with the bundle at ``dir`` (a stable symlink or a version folder); [] when ok.

    Checks that ``manifest.json`` is readable, that every listed file exists as a regular file
    with the listed size and sha256, and that no unlisted file is present.
    """
    root = Path(dir)
    if not root.is_dir():
        return [f"{root} is not a bundle folder"]
    entries, problems = _read_manifest(root)
    if entries is None:
        return problems
    problems = [p for p in (_check_entry(root, entry) for entry in entries) if p]
    listed = {e.get("path") for e in entries if isinstance(e.get("path"), str)}
    return problems + _unlisted(root, listed)


# --- cleaning --------------------------------------------------------------------------------


def _referenced_versions(parent: Path) -> set[str]:
    """Names of ``.v-*`` folders that a stable symlink in ``parent`` points at."""
    names = set()
    for entry in parent.iterdir():
        if entry.is_symlink() and not entry.name.startswith("."):
            version = _our_version(entry)
            if version is not None:
                names.add(version.name)
    return names


def _is_leftover(entry: Path, referenced: set[str]) -> bool:
    """A temporary, set-aside or unreferenced version entry written by this module."""
    name = entry.name
    if name.startswith((TMP_PREFIX, OLD_PREFIX)):
        return True
    return name.startswith(VERSION_PREFIX) and name not in referenced and not entry.is_symlink()


def clean_stale_tmp(parent: Path, older_than: float | timedelta) -> list[Path]:
    """Remove leftovers of killed or racing deploys in ``parent``; return what was removed.

    Removed when last modified more than ``older_than`` (seconds or a timedelta) ago:
    ``.tmp-*`` folders and links (unfinished writes), ``.old-*`` folders (a real folder set
    aside for a symlink) and ``.v-*`` folders no stable symlink points at. ``older_than`` must
    exceed the longest write, so a deploy in progress is never touched. A published bundle is
    never removed.
    """
    seconds = older_than.total_seconds() if isinstance(older_than, timedelta) else float(older_than)
    if seconds < 0:
        raise ValueError("older_than must not be negative")
    root = Path(parent)
    if not root.is_dir():
        return []
    cutoff = time.time() - seconds
    referenced = _referenced_versions(root)
    removed = []
    for entry in sorted(root.iterdir()):
        if not _is_leftover(entry, referenced):
            continue
        try:
            if os.lstat(entry).st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue
        _remove(entry)
        removed.append(entry)
    return removed
