"""Tests of jobs.formats.bundle: atomic, verifiable, deterministic deploy bundles.

The crash tests run ``write_bundle`` in a child Python that SIGKILLs itself from the
``before_publish`` hook, i.e. after every file and the manifest are written and fsynced and
right before the temporary folder is renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jobs.formats.bundle import (
    MANIFEST_NAME,
    TMP_PREFIX,
    VERSION_PREFIX,
    clean_stale_tmp,
    safe_relative_path,
    verify_bundle,
    write_bundle,
)

REPO_ROOT = Path(__file__).resolve().parents[3]

# The child process: write the bundle given as JSON on argv, killing itself right before the rename.
KILLED_WRITER = """
import json, os, signal, sys
from pathlib import Path
from jobs.formats.bundle import write_bundle

def die(tmp):
    os.kill(os.getpid(), signal.SIGKILL)

spec = json.loads(sys.argv[2])
files = {name: text.encode("utf-8") for name, text in spec["files"].items()}
write_bundle(target_dir=Path(sys.argv[1]), files=files, metadata=spec["metadata"], before_publish=die)
print("NOT KILLED")
"""

V1 = {"files": {"job.aepx": "<AfterEffectsProject v1/>", "footage/10.png": "png one"}, "metadata": {"job": "J1", "rev": 1}}
V2 = {"files": {"job.aepx": "<AfterEffectsProject v2/>", "footage/11.png": "png two", "script.jsx": "app;"},
      "metadata": {"job": "J1", "rev": 2}}


def as_files(spec: dict) -> dict[str, bytes]:
    return {name: text.encode("utf-8") for name, text in spec["files"].items()}


def deploy(target: Path, spec: dict):
    return write_bundle(target_dir=target, files=as_files(spec), metadata=spec["metadata"])


def run_killed_writer(target: Path, spec: dict) -> None:
    """Run KILLED_WRITER and check it really died by SIGKILL before publishing."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target), json.dumps(spec)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout, proc.stderr)
    assert "NOT KILLED" not in proc.stdout


def manifest(path: Path) -> dict:
    return json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(TMP_PREFIX))


def test_manifest_lists_every_file_with_checksum_and_verifies(tmp_path):
    source = tmp_path / "src" / "plate.psd"
    source.parent.mkdir()
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 17))  # larger than one copy chunk
    target = tmp_path / "deploy" / "J1"

    result = write_bundle(target_dir=target, files={"job.aepx": b"<x/>", "psd/plate.psd": source},
                          metadata={"job": "J1", "client": "ACME"})

    doc = manifest(target)
    expected = {
        "job.aepx": (hashlib.sha256(b"<x/>").hexdigest(), 4),
        "psd/plate.psd": (hashlib.sha256(source.read_bytes()).hexdigest(), source.stat().st_size),
    }
    assert {f["path"]: (f["sha256"], f["size"]) for f in doc["files"]} == expected
    assert [f["path"] for f in doc["files"]] == sorted(expected)
    assert doc["metadata"] == {"job": "J1", "client": "ACME"}
    assert (target / "psd" / "plate.psd").read_bytes() == source.read_bytes()
    assert {(f.path, f.sha256, f.size) for f in result.files} == {(k, *v) for k, v in expected.items()}
    assert result.manifest_sha256 == hashlib.sha256((target / MANIFEST_NAME).read_bytes()).hexdigest()
    assert verify_bundle(target) == []
    assert target.is_symlink() and result.version_dir.is_dir() and not result.replaced
    assert leftovers(target.parent) == []


def test_verify_reports_missing_changed_and_unlisted_files(tmp_path):
    target = tmp_path / "J1"
    deploy(target, V2)
    (target / "job.aepx").write_bytes(b"<AfterEffectsProject v3, longer/>")  # another size
    (target / "script.jsx").write_bytes(b"APP;")  # same size, other bytes
    (target / "footage" / "11.png").unlink()
    (target / "stray.txt").write_bytes(b"")

    problems = verify_bundle(target)

    assert any(p.startswith("job.aepx: size") for p in problems)
    assert "script.jsx: sha256 mismatch" in problems
    assert "footage/11.png: missing" in problems
    assert "stray.txt: not listed in the manifest" in problems
    (target / MANIFEST_NAME).unlink()
    assert verify_bundle(target) == [f"{MANIFEST_NAME} is missing"]
    assert verify_bundle(tmp_path / "absent") != []


def test_deploying_twice_gives_an_identical_manifest(tmp_path):
    target = tmp_path / "J1"
    first = deploy(target, V2)
    first_bytes = (target / MANIFEST_NAME).read_bytes()
    reordered = {"files": dict(reversed(list(V2["files"].items()))), "metadata": {"rev": 2, "job": "J1"}}

    second = deploy(target, reordered)

    assert (target / MANIFEST_NAME).read_bytes() == first_bytes
    assert second.manifest_sha256 == first.manifest_sha256
    assert second.replaced and second.version_dir != first.version_dir
    assert not first.version_dir.exists()  # the old version is removed after the swap
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["J1", second.version_dir.name])
    assert verify_bundle(target) == []


def test_redeploy_replaces_the_previous_bundle_completely(tmp_path):
    target = tmp_path / "J1"
    deploy(target, V2)
    deploy(target, V1)
    assert manifest(target)["metadata"] == V1["metadata"]
    assert not (target / "script.jsx").exists() and not (target / "footage" / "11.png").exists()
    assert verify_bundle(target) == []


def test_readers_always_see_a_complete_bundle_while_it_is_redeployed(tmp_path):
    """A reader opening target/manifest.json during 40 redeploys never misses it or reads it half-written."""
    target = tmp_path / "J1"
    deploy(target, V1)
    failures: list[str] = []
    reads = 0
    done = threading.Event()

    def reader():
        nonlocal reads
        while not done.is_set():
            try:
                with open(target / MANIFEST_NAME, "rb") as fh:
                    rev = json.loads(fh.read())["metadata"]["rev"]
                if rev not in (1, 2):
                    failures.append(f"unexpected rev {rev}")
            except (OSError, ValueError) as error:
                failures.append(repr(error))
            reads += 1

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for round_ in range(40):
            deploy(target, V2 if round_ % 2 == 0 else V1)
    finally:
        done.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert failures == []
    assert reads > 0
    assert verify_bundle(target) == []


def test_killed_before_rename_leaves_no_bundle_on_first_deploy(tmp_path):
    target = tmp_path / "deploy" / "J1"

    run_killed_writer(target, V1)

    assert not os.path.lexists(target)
    [tmp_name] = leftovers(target.parent)
    assert tmp_name.startswith(f"{TMP_PREFIX}J1-")
    # The kill came after everything was written: the orphan is complete, just never published.
    assert verify_bundle(target.parent / tmp_name) == []
    assert [p.name for p in target.parent.iterdir()] == [tmp_name]


def test_killed_before_rename_keeps_the_complete_previous_bundle(tmp_path):
    target = tmp_path / "J1"
    previous = deploy(target, V1)
    previous_manifest = (target / MANIFEST_NAME).read_bytes()

    run_killed_writer(target, V2)

    assert (target / MANIFEST_NAME).read_bytes() == previous_manifest
    assert os.path.realpath(target) == str(previous.version_dir)
    assert verify_bundle(target) == []
    assert len(leftovers(tmp_path)) == 1

    removed = clean_stale_tmp(tmp_path, older_than=0)

    assert [p.name.startswith(TMP_PREFIX) for p in removed] == [True]
    assert leftovers(tmp_path) == []
    assert verify_bundle(target) == []
    assert (target / MANIFEST_NAME).read_bytes() == previous_manifest


def test_clean_stale_tmp_removes_only_old_leftovers(tmp_path):
    target = tmp_path / "J1"
    live = deploy(target, V1)
    other = deploy(tmp_path / "J2", V2)
    stale_tmp = tmp_path / f"{TMP_PREFIX}J1-0123456789abcdef"
    stale_tmp.mkdir()
    (stale_tmp / "half.aepx").write_bytes(b"<AfterEff")
    orphan = tmp_path / f"{VERSION_PREFIX}J1-fedcba9876543210"  # renamed but never linked
    orphan.mkdir()
    fresh_tmp = tmp_path / f"{TMP_PREFIX}J3-00000000aaaaaaaa"  # a deploy still being written
    fresh_tmp.mkdir()
    an_hour_ago = time.time() - 3600
    for path in (stale_tmp, orphan, live.version_dir, other.version_dir):
        os.utime(path, (an_hour_ago, an_hour_ago))

    assert clean_stale_tmp(tmp_path, older_than=7200) == []
    removed = clean_stale_tmp(tmp_path, older_than=600)

    assert sorted(p.name for p in removed) == sorted([stale_tmp.name, orphan.name])
    assert fresh_tmp.is_dir()
    assert verify_bundle(target) == [] and verify_bundle(tmp_path / "J2") == []
    assert clean_stale_tmp(tmp_path / "missing", older_than=0) == []
    with pytest.raises(ValueError):
        clean_stale_tmp(tmp_path, older_than=-1)


@pytest.mark.parametrize("name", [
    "/etc/passwd", "../escape.txt", "a/../../escape.txt", "a/./b", "./a", "", "a//b", "a/",
    "C:/Windows/x.dll", "c:x", "a\\b", "..\\x", "a\x00b", "..", ".", MANIFEST_NAME,
])
def test_unsafe_paths_are_rejected_before_writing(tmp_path, name):
    with pytest.raises(ValueError):
        write_bundle(target_dir=tmp_path / "J1", files={"ok.txt": b"1", name: b"x"}, metadata={})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("files", [
    {"a": b"", "a/b": b""},  # a file that is also a folder
    {"Footage/A.png": b"", "footage/a.png": b""},  # the same file on Windows and macOS
])
def test_clashing_paths_are_rejected(tmp_path, files):
    with pytest.raises(ValueError):
        write_bundle(target_dir=tmp_path / "J1", files=files, metadata={})
    assert list(tmp_path.iterdir()) == []


def test_bad_values_and_metadata_are_rejected(tmp_path):
    target = tmp_path / "J1"
    with pytest.raises(TypeError):
        write_bundle(target_dir=target, files={"a.txt": "text, not bytes"}, metadata={})
    with pytest.raises(FileNotFoundError):
        write_bundle(target_dir=target, files={"a.png": tmp_path / "nope.png"}, metadata={})
    with pytest.raises(ValueError):
        write_bundle(target_dir=target, files={}, metadata={"x": float("nan")})
    with pytest.raises(ValueError):
        write_bundle(target_dir=target, files={}, metadata={"x": object()})
    with pytest.raises(ValueError):
        write_bundle(target_dir=tmp_path / ".hidden", files={}, metadata={})
    assert list(tmp_path.iterdir()) == []
    assert safe_relative_path("footage/10 final.png") == "footage/10 final.png"


def test_failing_hook_aborts_and_keeps_the_previous_bundle(tmp_path):
    target = tmp_path / "J1"
    deploy(target, V1)

    def refuse(tmp: Path):
        assert (tmp / MANIFEST_NAME).is_file()  # the hook runs once the manifest is written
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_bundle(target_dir=target, files=as_files(V2), metadata=V2["metadata"], before_publish=refuse)

    assert manifest(target)["metadata"] == V1["metadata"]
    assert leftovers(tmp_path) == []
    assert len([p for p in tmp_path.iterdir() if p.name.startswith(VERSION_PREFIX)]) == 1


def test_a_real_folder_at_the_target_is_replaced(tmp_path):
    target = tmp_path / "J1"
    target.mkdir()
    (target / "old.txt").write_bytes(b"old")

    result = write_bundle(target_dir=target, files=as_files(V1), metadata=V1["metadata"])

    assert result.replaced and target.is_symlink()
    assert verify_bundle(target) == []
    assert not (target / "old.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["J1", result.version_dir.name])


def test_a_file_at_the_target_is_not_replaced(tmp_path):
    target = tmp_path / "J1"
    target.write_bytes(b"not a bundle")
    with pytest.raises(FileExistsError):
        write_bundle(target_dir=target, files=as_files(V1), metadata=V1["metadata"])
    assert target.read_bytes() == b"not a bundle"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["J1"]
