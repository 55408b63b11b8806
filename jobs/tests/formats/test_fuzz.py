"""Mutation fuzzing of the readers of untrusted files: PSD/PSB, .aep, .aepx and the batch CSV.

Every generated input must end in the documented outcome, and nothing else:

- ``read_psd`` / ``read_template``: a valid description, or :class:`FormatError` (one line);
- ``export_psd`` on a mutated PSD that still parses: PNGs in its out dir and nowhere else, or
  :class:`FormatError` leaving nothing new behind;
- ``parse_batch_csv``: a :class:`CsvReport` (rows only when it has no error, each one inside
  the input root), never an exception;

in bounded time (a per-input timer) and bounded memory (``RLIMIT_AS`` of 1.5 GiB: a MemoryError,
even one a reader turned into FormatError, is a failure: the readers' own limits and budgets
must refuse first). Inputs are built from
valid seeds (our writers' output and, when present, the shared real fixtures) by deterministic
mutators: truncations, bit flips, range overwrites, splices, huge or off-by-one values patched
into the header, section, layer, channel and RLE fields of a PSD and the chunk lengths of a
RIFX, chunk-tree surgery (both template formats), hostile text documents, DOCTYPE / entity
injections, deep nesting, chunk floods, invalid UTF-8, and random bytes behind valid magic.

They run in worker subprocesses (``python -m jobs.tests.formats.test_fuzz worker JOB``), many
inputs per worker, two workers at a time, so a crash, hang or memory blow-up is recorded
against the input that caused it (which is saved to disk) instead of taking the run down: a
worker that dies or stalls is replaced and carries on after that input.

Input ``n`` of a mutator on a seed is ``mutator(seed bytes, random.Random(key))`` with ``key``
= ``"{AEA_FUZZ_SEED}|{family}|{seed}|{mutator}|{n}"``, so every failure reproduces. The
environment variables ``AEA_FUZZ_SEED`` (default ``aea-fuzz-1``) and ``AEA_FUZZ_SCALE``
(default 1: about 1,350 inputs) explore further. A failing input is saved under the test's
``tmp_path`` (pytest keeps the last three runs); replay it, or regenerate it from its key::

    .venv/bin/python -m jobs.tests.formats.test_fuzz replay psd path/to/input.bin
    AEA_FUZZ_SEED=... .venv/bin/python -m jobs.tests.formats.test_fuzz case aep writer.aep tree 28 /tmp/in.aep
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import random
import re
import resource
import selectors
import shutil
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from jobs.formats.aep import LEAF, LIST, NEST, Chunk, load_chunks, read_template, to_rifx
from jobs.formats.descriptions import PsdDocument, TemplateDocument
from jobs.formats.errors import FormatError
from jobs.formats.limits import DEFAULT_LIMITS

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_FIXTURES = Path(os.environ.get("AEA_SHARED_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures"))

FUZZ_SEED = os.environ.get("AEA_FUZZ_SEED", "aea-fuzz-1")
FUZZ_SCALE = float(os.environ.get("AEA_FUZZ_SCALE", "1"))
WORKERS = int(os.environ.get("AEA_FUZZ_WORKERS", "2"))

MEMORY_LIMIT_BYTES = 1536 * 1024 * 1024  # RLIMIT_AS of a worker: a blow-up is a MemoryError
READ_TIMEOUT = 10.0  # seconds for one read_psd / read_template / parse_batch_csv
EXPORT_TIMEOUT = 30.0  # seconds for one export_psd
STARTUP_TIMEOUT = 120.0  # a worker importing psd-tools, numpy, lxml
STALL_MARGIN = 20.0  # beyond the timer: a worker silent this long is stuck in C code; killed
EXPORT_MAX_PIXELS = 200_000  # mutations of seeds up to this size are also exported

OK_OUTCOMES = ("accepted", "refused")
FAILURE_OUTCOMES = ("crashed", "invalid", "hang", "memory", "died")

AE_NS = "http://www.adobe.com/products/aftereffects"


# ============================================================================================
# Seeds


@dataclass(frozen=True)
class Seed:
    family: str  # psd, aep, aepx, csv
    name: str
    path: Path
    export: bool = False  # export_psd is also run on this seed's accepted mutations
    shared: bool = False  # one of the real files of ../shared/fixtures


def _writer_psds(folder: Path) -> list[Seed]:
    from PIL import Image

    from jobs.formats.psd_writer import GroupSpec, PixelLayerSpec, TypeLayerSpec, write_psd

    layers = [
        GroupSpec("Names", children=[
            TypeLayerSpec("BEN FORMAN\nNo. 7", font="Futura-Medium", size=12, left=4, top=4, layer_id=3),
        ], layer_id=2),
        PixelLayerSpec("Photo", Image.new("RGBA", (20, 16), (200, 50, 50, 180)), left=10, top=8, opacity=0.5, layer_id=4),
        GroupSpec("hidden", visible=False, children=[
            PixelLayerSpec("under", Image.new("RGB", (6, 6), "green"), layer_id=6),
        ], layer_id=5),
        PixelLayerSpec("Background", Image.new("RGB", (48, 32), "navy"), layer_id=7),
    ]
    variants = {
        "writer-rgb8.psd": {},
        "writer-rgb16.psd": {"depth": 16},
        "writer-cmyk8-opaque.psd": {"mode": "CMYK", "background": (0, 0, 0, 0)},
        "writer-gray32.psd": {"mode": "L", "depth": 32},
        "writer-rgb8.psb": {"large_document": True},
    }
    seeds = []
    for name, options in variants.items():
        path = write_psd(folder / name, width=48, height=32, layers=layers, **options)
        seeds.append(Seed("psd", name, path, export=True))
    return seeds


def _template_specs():
    from jobs.formats.aepx_writer import (
        CompSpec,
        FootageLayerSpec,
        NullLayerSpec,
        PrecompLayerSpec,
        SolidLayerSpec,
        TextLayerSpec,
    )

    return [
        CompSpec(name="Main", width=640, height=360, fps=29.97, duration=6, layers=[
            TextLayerSpec(name="title", text="Line one\nLine two", font="Futura-Bold", font_size=48,
                          position=(320, 80), box=(400, 100), all_caps=True),
            TextLayerSpec(name="point", text="point", position=(10, 10)),
            FootageLayerSpec(name="photo", path="/media/in/photo.png", width=200, height=100, scale=(50, 50),
                             position=(100, 100)),
            FootageLayerSpec(path="/media/in/music.wav", width=0, height=0, duration=6.5),
            SolidLayerSpec(name="bg", color=(0.1, 0.2, 0.3)),
            NullLayerSpec(name="ctrl", position=(50, 50)),
            FootageLayerSpec(name="child", path="/media/in/logo.png", width=50, height=50, parent="ctrl",
                             position=(20, 20), rotation=30),
            PrecompLayerSpec(composition="Inner", position=(320, 180), in_point=1.0, out_point=4.0),
            SolidLayerSpec(name="flat", color=(1, 0, 0), width=10, height=10, three_d=True),
        ]),
        CompSpec(name="Inner", width=160, height=90, fps=25, duration=3, layers=[
            FootageLayerSpec(name="", path="/media/in/poster.psd", width=100, height=50, psd_layer="Logo",
                             psd_bbox=(1, 2, 101, 52)),
        ]),
    ]


def build_seeds(folder: Path) -> list[Seed]:
    """Seeds of every family, written into ``folder``: our writers' output, the shared real
    fixtures when present, and the input root the CSV seed refers to."""
    from jobs.formats.aepx_writer import to_aepx, write_template

    folder.mkdir(parents=True, exist_ok=True)
    seeds = _writer_psds(folder)
    for fmt in ("aep", "aepx"):
        path = folder / f"writer.{fmt}"
        write_template(path, compositions=_template_specs(), format=fmt)
        seeds.append(Seed(fmt, path.name, path))
    shared_psd = sorted((SHARED_FIXTURES / "psd").glob("*.ps[db]")) if SHARED_FIXTURES.is_dir() else []
    for path in shared_psd:
        height, width = struct.unpack(">II", path.read_bytes()[14:22])
        seeds.append(Seed("psd", path.name, path, export=width * height <= EXPORT_MAX_PIXELS, shared=True))
    shared_aepx = SHARED_FIXTURES / "aepx" / "split-screen.aepx"
    if shared_aepx.is_file():
        seeds.append(Seed("aepx", shared_aepx.name, shared_aepx, shared=True))
        chunks = load_chunks(shared_aepx.read_bytes())
        as_aep = folder / "split-screen.aep"
        as_aep.write_bytes(to_rifx(chunks.root, chunks.xmp))
        seeds.append(Seed("aep", as_aep.name, as_aep, shared=True))
        # and back to XML with our writer: a second, differently laid out, aepx of a real project
        rewritten = folder / "split-screen.rewritten.aepx"
        rewritten.write_bytes(to_aepx(chunks.root, chunks.xmp))
        seeds.append(Seed("aepx", rewritten.name, rewritten, shared=True))
    seeds.append(_csv_seed(folder, seeds))
    return seeds


CSV_HEADER = ["job_id", "psd_path", "aepx_path", "output_name", "client_name", "project_name", "priority", "notes"]


def _csv_seed(folder: Path, seeds: list[Seed]) -> Seed:
    """A valid batch CSV, and the input root (with traps) it and its mutations point into."""
    root = folder / "csv-root" / "in"
    outside = folder / "csv-root" / "outside"
    (root / "sub").mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    by_name = {seed.name: seed.path for seed in seeds}
    shutil.copyfile(by_name["writer-rgb8.psd"], root / "design.psd")
    shutil.copyfile(by_name["writer-rgb8.psb"], root / "large.psb")
    shutil.copyfile(by_name["writer.aepx"], root / "template.aepx")
    shutil.copyfile(by_name["writer.aep"], root / "template.aep")
    shutil.copyfile(by_name["writer-rgb8.psd"], root / "sub" / "nested.psd")
    shutil.copyfile(by_name["writer-rgb8.psd"], outside / "evil.psd")
    shutil.copyfile(by_name["writer.aepx"], outside / "evil.aepx")
    (root / "dir.psd").mkdir(exist_ok=True)
    (root / "empty.psd").write_bytes(b"")
    (root / "fake.psd").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    for link, target in (("link_out.psd", outside / "evil.psd"), ("link_in.psd", root / "design.psd"),
                         ("linkdir", outside), ("loop.psd", root / "loop.psd"), ("dangling.psd", root / "nope.psd")):
        if not (root / link).is_symlink():
            os.symlink(target, root / link)
    rows = [
        CSV_HEADER,
        ["J1", "design.psd", "template.aepx", "J1_final.aep", "Acme", "Spring", "high", "note"],
        ["J2", "sub/nested.psd", "template.aep", "J2 final.aepx", "Émilie & Co", "", "", "a, \"quoted\" note"],
        ["J3", "large.psb", "template.aepx", "J3.aep", "", "Spring", "LOW", "line one\nline two"],
        ["J4", "link_in.psd", "template.aepx", "J4.aep", "", "", "medium", ""],
    ]
    path = folder / "batch.csv"
    path.write_bytes(_render_csv(rows, random.Random(0), styles=("csv",), endings=("\n",)).encode("utf-8"))
    return Seed("csv", path.name, path)


# ============================================================================================
# Structure: where the length and size fields of a seed are


def _u(data: bytes, pos: int, size: int) -> int:
    if pos < 0 or pos + size > len(data):
        raise IndexError(pos)
    return int.from_bytes(data[pos : pos + size], "big")


_PSB_LONG_KEYS = frozenset(
    {b"LMsk", b"Lr16", b"Lr32", b"Layr", b"Mt16", b"Mt32", b"Mtrn", b"Alph", b"FMsk", b"lnk2", b"FEid", b"FXid", b"PxSD"}
)
_SIGNATURES = (b"8BIM", b"8B64")


def _realign(data: bytes, pos: int) -> int:
    """Tagged blocks are padded to 2 or 4 bytes depending on the writer: find the next one."""
    for skip in range(4):
        if data[pos + skip : pos + skip + 4] in _SIGNATURES:
            return pos + skip
    return pos


def psd_fields(data: bytes) -> list[tuple[int, int, str]]:
    """``(offset, size, label)`` of the integer fields of a PSD/PSB that declare sizes, counts
    and lengths: header, section lengths, image resources, layer records, channel lengths,
    compression and RLE row counts, tagged-block lengths. Best effort: stops where it stops
    understanding the file."""
    fields = [(4, 2, "version"), (12, 2, "channels"), (14, 4, "height"), (18, 4, "width"), (22, 2, "depth"),
              (24, 2, "color_mode")]
    psb = data[4:6] == b"\x00\x02"
    wide = 8 if psb else 4
    try:
        channels, height = _u(data, 12, 2), _u(data, 14, 4)
        pos = 26
        fields.append((pos, 4, "color_mode_data_length"))
        pos += 4 + _u(data, pos, 4)
        fields.append((pos, 4, "image_resources_length"))
        end = pos + 4 + _u(data, pos, 4)
        p = pos + 4
        while p + 12 <= end and data[p : p + 4] == b"8BIM":
            fields.append((p + 4, 2, "resource_id"))
            name_length = data[p + 6]
            q = p + 6 + name_length + 1 + ((name_length + 1) & 1)
            fields.append((q, 4, "resource_length"))
            size = _u(data, q, 4)
            p = q + 4 + size + (size & 1)
        pos = end
        fields.append((pos, wide, "layer_and_mask_length"))
        section_end = pos + wide + _u(data, pos, wide)
        pos += wide
        fields.append((pos, wide, "layer_info_length"))
        info_length = _u(data, pos, wide)
        if info_length:
            _layer_info_fields(data, pos + wide, psb, fields)
        pos += wide + info_length
        if pos + 4 <= section_end:
            fields.append((pos, 4, "global_mask_length"))
            pos = _realign(data, pos + 4 + _u(data, pos, 4))
        while pos + 12 <= section_end and data[pos : pos + 4] in _SIGNATURES:
            key = data[pos + 4 : pos + 8]
            size = 8 if psb and key in _PSB_LONG_KEYS else 4
            fields.append((pos + 8, size, f"block_length:{key.decode('latin-1')}"))
            length = _u(data, pos + 8, size)
            if key in (b"Lr16", b"Lr32", b"Layr"):
                _layer_info_fields(data, pos + 8 + size, psb, fields)
            pos = _realign(data, pos + 8 + size + length)
        fields.append((section_end, 2, "image_compression"))
        if _u(data, section_end, 2) == 1:
            count_size = 4 if psb else 2
            rows = channels * height
            for row in sorted({0, 1, 2, rows // 2, rows - 2, rows - 1} & set(range(rows))):
                fields.append((section_end + 2 + row * count_size, count_size, "image_rle_count"))
    except (IndexError, struct.error):
        pass
    return [f for f in fields if f[0] + f[1] <= len(data)]


def _layer_info_fields(data: bytes, pos: int, psb: bool, fields: list) -> None:
    wide = 8 if psb else 4
    fields.append((pos, 2, "layer_count"))
    count = abs(struct.unpack_from(">h", data, pos)[0])
    p = pos + 2
    layers = []
    for _ in range(min(count, 200)):
        fields += [(p, 4, "layer_top"), (p + 4, 4, "layer_left"), (p + 8, 4, "layer_bottom"), (p + 12, 4, "layer_right"),
                   (p + 16, 2, "layer_channel_count")]
        top, _, bottom, _ = struct.unpack_from(">4i", data, p)
        channel_count = _u(data, p + 16, 2)
        q = p + 18
        lengths = []
        for _ in range(min(channel_count, 60)):
            fields += [(q, 2, "channel_id"), (q + 2, wide, "channel_length")]
            lengths.append(_u(data, q + 2, wide))
            q += 2 + wide
        if data[q : q + 4] != b"8BIM":
            return
        fields += [(q + 8, 1, "layer_opacity"), (q + 9, 1, "layer_clipping"), (q + 10, 1, "layer_flags"),
                   (q + 12, 4, "layer_extra_length")]
        r = q + 16
        extra_end = r + _u(data, q + 12, 4)
        fields.append((r, 4, "layer_mask_length"))
        r += 4 + _u(data, r, 4)
        fields.append((r, 4, "blending_ranges_length"))
        r += 4 + _u(data, r, 4)
        fields.append((r, 1, "layer_name_length"))
        r += (data[r] + 1 + 3) // 4 * 4
        r = _realign(data, r)
        while r + 12 <= extra_end and data[r : r + 4] in _SIGNATURES:
            key = data[r + 4 : r + 8]
            size = 8 if psb and key in _PSB_LONG_KEYS else 4
            fields.append((r + 8, size, f"layer_block_length:{key.decode('latin-1')}"))
            r = _realign(data, r + 8 + size + _u(data, r + 8, size))
        layers.append((bottom - top, lengths))
        p = extra_end
    for rows, lengths in layers:
        for length in lengths:
            fields.append((p, 2, "channel_compression"))
            if _u(data, p, 2) == 1 and rows > 0:
                count_size = 4 if psb else 2
                fields.append((p + 2, count_size, "channel_rle_count"))
                fields.append((p + 2 + count_size * (rows - 1), count_size, "channel_rle_count"))
            p += length


def rifx_fields(data: bytes) -> list[tuple[int, int, str]]:
    """``(offset, size, label)`` of the RIFX form length and of every chunk's id, length and
    list type (``id:``, ``len:``, ``type:`` labels)."""
    fields = [(4, 4, "len:RIFX")]
    try:
        end = min(len(data), 8 + _u(data, 4, 4))
    except IndexError:
        return fields
    stack = [(12, end)]
    while stack and len(fields) < 20_000:
        pos, end = stack.pop()
        while pos + 8 <= end:
            cid = data[pos : pos + 4]
            length = _u(data, pos + 4, 4)
            label = cid.decode("latin-1")
            fields += [(pos, 4, f"id:{label}"), (pos + 4, 4, f"len:{label}")]
            body, stop = pos + 8, pos + 8 + length
            if stop > end:
                break
            if cid == b"LIST" and length >= 4:
                fields.append((body, 4, f"type:{data[body:body + 4].decode('latin-1')}"))
                if data[body : body + 4] != b"btdk":
                    stack.append((body + 4, stop))
            elif cid in (b"tdsn", b"fnam", b"pdnm", b"RCom"):
                stack.append((body, stop))
            pos = stop + (length & 1)
    return [f for f in fields if f[0] + f[1] <= len(data)]


# ============================================================================================
# Mutators. Each is ``fn(seed: bytes, rng: random.Random, ctx: Context) -> bytes``.


class Context:
    """What mutators share inside one worker: parsed structure of the seeds, the CSV root."""

    def __init__(self, csv_root: Path | None = None, csv_outside: Path | None = None, *,
                 read_timeout: float = READ_TIMEOUT, export_timeout: float = EXPORT_TIMEOUT):
        self.csv_root = csv_root
        self.csv_outside = csv_outside
        self.read_timeout = read_timeout
        self.export_timeout = export_timeout
        self._cache: dict = {}

    def cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


_INTERESTING = (0, 1, 2, 3, 4, 7, 8, 15, 16, 0x7F, 0x80, 0xFF, 0x100, 0x3FFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
                8_000, 8_001, 30_000, 30_001, 1_000_000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF,
                2**40, 2**62, 2**63 - 1, 2**63, 2**64 - 1)


def _interesting_value(rng: random.Random, original: int, size: int, data_length: int) -> int:
    mask = (1 << (8 * size)) - 1
    candidates = [v for v in _INTERESTING if v <= mask or rng.random() < 0.2]
    candidates += [original + 1, original - 1, original * 2, original + 2, original // 2, original ^ 1,
                   data_length, data_length - 1, original + data_length, original + 0x10000]
    value = rng.choice(candidates)
    if rng.random() < 0.1:
        value = rng.getrandbits(8 * size)
    return value & mask


def _flip_bits(data: bytes, rng: random.Random, focus: int = 4096) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 8, 32))):
        limit = min(len(out), focus) if rng.random() < 0.5 else len(out)
        if limit:
            out[rng.randrange(limit)] ^= 1 << rng.randrange(8)
    return bytes(out)


def m_truncate(seed: bytes, rng: random.Random, ctx: Context, fields=None) -> bytes:
    roll = rng.random()
    if fields and roll < 0.45:
        offset, size, _ = rng.choice(fields)
        cut = offset + rng.randrange(size + 1)
    elif roll < 0.6:
        cut = rng.randrange(min(len(seed), 64) or 1)
    else:
        cut = rng.randrange(len(seed) or 1)
    return seed[:cut]


def m_bitflip(seed: bytes, rng: random.Random, ctx: Context) -> bytes:
    return _flip_bits(seed, rng)


def m_overwrite(seed: bytes, rng: random.Random, ctx: Context) -> bytes:
    out = bytearray(seed)
    length = rng.choice((1, 2, 4, 8, 16, 64, 512, 4096))
    start = rng.randrange(len(out) or 1)
    fill = rng.choice(("random", "zero", "ones", "byte"))
    if fill == "random":
        chunk = rng.randbytes(length)
    elif fill == "zero":
        chunk = bytes(length)
    elif fill == "ones":
        chunk = b"\xff" * length
    else:
        chunk = bytes([rng.randrange(256)]) * length
    out[start : start + length] = chunk
    return bytes(out)


def m_splice(seed: bytes, rng: random.Random, ctx: Context) -> bytes:
    start = rng.randrange(len(seed) or 1)
    length = rng.choice((1, 3, 16, 100, 1000))
    action = rng.choice(("delete", "duplicate", "insert"))
    if action == "delete":
        return seed[:start] + seed[start + length :]
    if action == "duplicate":
        return seed[:start] + seed[start : start + length] * rng.choice((2, 10, 1000)) + seed[start:]
    return seed[:start] + rng.randbytes(length) + seed[start:]


def _patch_fields(seed: bytes, rng: random.Random, fields: list, count: int) -> bytes:
    out = bytearray(seed)
    for _ in range(count):
        offset, size, _ = rng.choice(fields)
        original = int.from_bytes(out[offset : offset + size], "big")
        value = _interesting_value(rng, original, size, len(seed))
        out[offset : offset + size] = value.to_bytes(size, "big")
    return bytes(out)


# -- PSD


def _psd_fields(seed: bytes, ctx: Context) -> list:
    return ctx.cached(("psd", hashlib.sha1(seed).digest()), lambda: psd_fields(seed))


def psd_truncate(seed, rng, ctx):
    return m_truncate(seed, rng, ctx, _psd_fields(seed, ctx))


def psd_field(seed, rng, ctx):
    """Huge, zero, negative-as-unsigned and off-by-one values in 1-3 size/count/length fields."""
    return _patch_fields(seed, rng, _psd_fields(seed, ctx), rng.choice((1, 1, 1, 2, 3)))


def psd_magic_random(seed, rng, ctx):
    """``8BPS``, sometimes a valid version, then random bytes."""
    head = b"8BPS" + (rng.choice((b"\x00\x01", b"\x00\x02")) if rng.random() < 0.7 else b"")
    return head + rng.randbytes(rng.choice((0, 1, 20, 22, 100, 1000, 30_000)))


def psd_header_random(seed, rng, ctx):
    """A seed's valid header (and sometimes its first sections), then random bytes."""
    fields = _psd_fields(seed, ctx)
    cuts = [26] + [offset for offset, _, label in fields if label in ("image_resources_length", "layer_and_mask_length",
                                                                        "layer_info_length", "image_compression")]
    keep = rng.choice(cuts)
    return seed[:keep] + rng.randbytes(rng.choice((4, 64, 1000, 20_000)))


def _rle_plane(row_bytes: int, rows: int) -> bytes:
    """Compression 1 (PackBits) data of ``rows`` all-zero rows: a few bytes per 128 pixels."""
    runs, left = [], row_bytes
    while left:
        n = min(128, left)
        runs.append(bytes([257 - n, 0]) if n > 1 else b"\x00\x00")
        left -= n
    row = b"".join(runs)
    return struct.pack(">H", 1) + struct.pack(">H", len(row)) * rows + row * rows


def psd_bomb(seed, rng, ctx):
    """Valid, consistent, small files declaring the most pixels the limits allow (or a few
    more): an RLE merged image of up to 8000 x 8000 or 30000 x 2133, sometimes a layer as large,
    in 1-5 channels at 1-32 bits. read_psd decodes no pixel; export_psd must stay in budget."""
    width, height = rng.choice(((8000, 8000), (30000, 2133), (2133, 30000), (8001, 8000), (4000, 4000), (7999, 8001)))
    channels, mode = rng.choice(((3, 3), (4, 3), (1, 1), (4, 4), (5, 4), (3, 0)))
    depth = 1 if mode == 0 else rng.choice((8, 8, 8, 16, 32))
    channels = 1 if mode == 0 else channels
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, channels, height, width, depth, mode)
    merged = _rle_plane((width * depth + 7) // 8, channels * height)
    layer_section = b""
    if rng.random() < 0.5 and mode == 3 and depth == 8:
        layer_width, layer_height = rng.choice(((width, height), (width // 2, height // 2), (100, 100)))
        plane = _rle_plane(layer_width, layer_height)
        ids = (-1, 0, 1, 2)
        record = struct.pack(">4iH", 0, 0, layer_height, layer_width, len(ids))
        record += b"".join(struct.pack(">hI", i, len(plane)) for i in ids)
        extra = struct.pack(">II", 0, 0) + b"\x05bomb\x00\x00"
        record += b"8BIMnorm" + bytes([255, 0, 0, 0]) + struct.pack(">I", len(extra)) + extra
        info = struct.pack(">h", 1) + record + plane * len(ids)
        info += b"\x00" * (len(info) % 2)
        layer_section = struct.pack(">I", len(info)) + info + struct.pack(">I", 0)
    return header + struct.pack(">II", 0, 0) + struct.pack(">I", len(layer_section)) + layer_section + merged


# -- RIFX (.aep) bytes


def _rifx_fields(seed: bytes, ctx: Context) -> list:
    return ctx.cached(("rifx", hashlib.sha1(seed).digest()), lambda: rifx_fields(seed))


def aep_truncate(seed, rng, ctx):
    return m_truncate(seed, rng, ctx, _rifx_fields(seed, ctx))


def aep_chunk_field(seed, rng, ctx):
    """Chunk lengths (huge, odd, off by one, past the container), ids and list types."""
    fields = _rifx_fields(seed, ctx)
    out = bytearray(seed)
    for _ in range(rng.choice((1, 1, 2))):
        offset, size, label = rng.choice(fields)
        if label.startswith("len:"):
            original = int.from_bytes(out[offset : offset + 4], "big")
            value = _interesting_value(rng, original, 4, len(seed))
            out[offset : offset + 4] = value.to_bytes(4, "big")
        elif label.startswith("id:"):
            out[offset : offset + 4] = rng.choice((b"LIST", b"\x00\x00\x00\x00", b"tdsn", b"RIFX", b"Utf8", b"ab\x7fd",
                                                   rng.randbytes(4)))
        else:
            out[offset : offset + 4] = rng.choice((b"btdk", b"Layr", b"Item", b"Fold", b"Sfdr", b"tdgp", b"\xff\xff\xff\xff"))
    return bytes(out)


def _form_end(data: bytes) -> int:
    return 8 + _u(data, 4, 4)


def _insert_in_form(seed: bytes, blob: bytes) -> bytes:
    """``blob`` (whole chunks) appended to the top level of a RIFX form, lengths fixed up."""
    end = _form_end(seed)
    out = seed[:end] + blob + seed[end:]
    return out[:4] + struct.pack(">I", end - 8 + len(blob)) + out[8:]


def _nested_lists(depth: int, tag: bytes = b"Fold") -> bytes:
    return b"".join(b"LIST" + struct.pack(">I", 4 + 12 * (depth - 1 - i)) + tag for i in range(depth))


def aep_nesting(seed, rng, ctx):
    """LIST chunks nested 63 to 100,000 deep (the limit is 64), lengths all consistent."""
    depth = rng.choice((63, 64, 65, 66, 500, 1_000, 100_000))
    return _insert_in_form(seed, _nested_lists(depth, rng.choice((b"Fold", b"Item", b"tdgp", b"Layr"))))


def aep_flood(seed, rng, ctx):
    """Hundreds of thousands of empty chunks, at the top level or inside one LIST."""
    count = rng.choice((300_000, 330_000, 400_000))
    flood = b"abcd\x00\x00\x00\x00" * count
    if rng.random() < 0.5:
        flood = b"LIST" + struct.pack(">I", 4 + len(flood)) + b"Fold" + flood
    return _insert_in_form(seed, flood)


def aep_magic_random(seed, rng, ctx):
    body = rng.randbytes(rng.choice((0, 3, 8, 100, 1000, 20_000)))
    if rng.random() < 0.5:
        return b"RIFX" + struct.pack(">I", len(body) + 4) + b"Egg!" + body
    return b"RIFX" + body


# -- chunk-tree surgery (both template formats)


_RECORD_FIELDS = {
    "ldta": [(0, "I"), (8, "i"), (12, "i"), (16, "I"), (20, "i"), (24, "I"), (28, "i"), (32, "I"), (37, "B"), (38, "B"),
             (39, "B"), (40, "I"), (108, "I"), (131, "B"), (132, "I")],
    "cdta": [(44, "I"), (48, "I"), (52, "B"), (140, "H"), (142, "H"), (156, "H"), (158, "H")],
    "idta": [(0, "H"), (16, "I")],
    "sspc": [(32, "H"), (36, "H"), (38, "I"), (42, "I")],
    "tdb4": [(2, "H"), (68, "B")],
    "cdat": [(0, "d"), (8, "d"), (16, "d"), (24, "d")],
    "head": [(4, "I")],
    "opti": [(0, "4s"), (4, "H"), (14, "f"), (18, "f"), (22, "f")],
}
_FLOATS = (math.nan, math.inf, -math.inf, 1e308, -1e308, 0.0, -0.0, 5e-324, 1e20, -1e20, 3.4e38)
_TAGS = ("LIST", "Layr", "Item", "Fold", "Sfdr", "ldta", "cdta", "idta", "sspc", "opti", "tdgp", "tdbs", "tdb4", "cdat",
         "tdmn", "btds", "btdk", "Utf8", "Pin", "Als2", "alas", "tdsn", "head", "PRin", "prin")
_SERIALISE_SENSITIVE = frozenset({"Utf8", "alas", "numS", "ppSn"})  # to_aepx decodes these
_HOSTILE_TEXT = ("", " ", "\u202eevil.psd", "🎬" * 500, "a" * 100_000, "\ufeff", "line\r\nbreak\rcr", "<tag>&amp;\"'",
                 "%s%n%x", "Ω≈ç√∫", "ADBE Group End", "../../etc/passwd", "=cmd|' /C calc'!A0", "\u0301" * 50)
_HOSTILE_ALAS = ('[]', '{"fullpath": 5}', '{"fullpath": ""}', '{"fullpath": "' + "x" * 100_000 + '"}',
                 '{"fullpath": "/etc/passwd"}', '{"fullpath": "\\u0000/etc"}', '{"fullpath": "C:\\\\Windows\\\\x.png"}',
                 '{"fullpath": "\\ud800"}', '{"fullpath": "/media/\\ud83c\\udfac.png", "platform": 2}', "null", '"str"',
                 '{"fullpath": ["a"]}')


def _tree_nodes(root: Chunk) -> list[tuple[Chunk | None, int, Chunk]]:
    out, stack = [], [(None, -1, root)]
    while stack:
        parent, index, node = stack.pop()
        out.append((parent, index, node))
        stack.extend((node, k, child) for k, child in enumerate(node.children))
    return out


def _set_field(data: bytes, offset: int, fmt: str, rng: random.Random) -> bytes | None:
    size = struct.calcsize(">" + fmt)
    if offset + size > len(data):
        return None
    if fmt in ("d", "f"):
        raw = struct.pack(">" + fmt, rng.choice(_FLOATS)) if fmt == "d" else rng.choice(
            (struct.pack(">f", math.nan), struct.pack(">f", math.inf), b"\x7f\x7f\xff\xff", bytes(4)))
    elif fmt == "4s":
        raw = rng.choice((b"Soli", b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"))
    else:
        original = int.from_bytes(data[offset : offset + size], "big")
        raw = _interesting_value(rng, original, size, len(data)).to_bytes(size, "big")
    return data[:offset] + raw + data[offset + size :]


def _ids(nodes, tag: str, offset: int) -> list[int]:
    return [_u(node.data, offset, 4) for _, _, node in nodes
            if node.tag == tag and node.kind == LEAF and len(node.data) >= offset + 4]


def _tree_op(root: Chunk, rng: random.Random, for_xml: bool) -> None:
    nodes = _tree_nodes(root)
    leaves = [n for n in nodes if n[2].kind == LEAF and not (for_xml and n[2].tag in _SERIALISE_SENSITIVE)]
    op = rng.choice(("flip", "resize", "field", "field", "field", "dup", "delete", "move", "retag", "refs", "cos",
                     "text", "alas"))
    if op == "flip" and leaves:
        node = rng.choice(leaves)[2]
        node.data = _flip_bits(node.data, rng)
    elif op == "resize" and leaves:
        preferred = [n for n in leaves if n[2].tag in _RECORD_FIELDS] or leaves
        node = rng.choice(preferred)[2]
        if rng.random() < 0.6 and node.data:
            node.data = node.data[: rng.randrange(len(node.data))]
        else:
            node.data += rng.randbytes(rng.choice((1, 7, 100, 10_000)))
    elif op == "field":
        records = [n for n in nodes if n[2].kind == LEAF and n[2].tag in _RECORD_FIELDS]
        if records:
            node = rng.choice(records)[2]
            offset, fmt = rng.choice(_RECORD_FIELDS[node.tag])
            patched = _set_field(node.data, offset, fmt, rng)
            if patched is not None:
                node.data = patched
    elif op == "dup" and len(nodes) > 1:
        parent, index, node = rng.choice(nodes[1:])
        for _ in range(rng.choice((1, 1, 10, 100))):
            parent.children.insert(index, node)  # the same object twice: written out twice
    elif op == "delete" and len(nodes) > 1:
        parent, index, _ = rng.choice(nodes[1:])
        del parent.children[index]
    elif op == "move" and len(nodes) > 2:
        parent, index, node = rng.choice(nodes[1:])
        inside = {id(n[2]) for n in _tree_nodes(node)}  # never into itself: the tree stays acyclic
        targets = [n[2] for n in nodes if n[2].kind in (LIST, NEST) and n[2].tag != "btdk" and id(n[2]) not in inside]
        if targets:
            del parent.children[index]
            target = rng.choice(targets)
            target.children.insert(rng.randrange(len(target.children) + 1), node)
    elif op == "retag" and len(nodes) > 1:
        node = rng.choice(nodes[1:])[2]
        tag = rng.choice(_TAGS)
        if tag == "btdk":
            node.kind, node.children, node.data = LIST, [], node.data or b"<<"
        elif node.kind == LEAF and tag in ("LIST", "Layr", "Item", "Fold", "Sfdr", "tdgp", "tdbs", "btds", "Pin", "Als2", "PRin"):
            node.kind, node.children = LIST, []
        elif for_xml and tag in _SERIALISE_SENSITIVE:
            return
        node.tag = tag if tag != "LIST" else "Fold"
    elif op == "refs":
        _reference_op(nodes, rng)
    elif op == "cos":
        documents = [n[2] for n in nodes if n[2].tag == "btdk" and n[2].kind == LIST]
        if documents:
            node = rng.choice(documents)
            node.data = hostile_cos(node.data, rng)
    elif op == "text":
        strings = [n[2] for n in nodes if n[2].tag == "Utf8" and n[2].kind == LEAF]
        if strings:
            rng.choice(strings).data = rng.choice(_HOSTILE_TEXT).encode("utf-8")
    elif op == "alas":
        records = [n[2] for n in nodes if n[2].tag == "alas" and n[2].kind == LEAF]
        if records:
            rng.choice(records).data = rng.choice(_HOSTILE_ALAS).encode("utf-8", "surrogatepass")


def _reference_op(nodes, rng: random.Random) -> None:
    """Point a layer at itself, at its own composition, or at a parent that points back."""
    layer_records = [n[2] for n in nodes if n[2].tag == "ldta" and n[2].kind == LEAF and len(n[2].data) >= 136]
    item_ids = _ids(nodes, "idta", 16)
    if not layer_records:
        return
    record = rng.choice(layer_records)
    own = _u(record.data, 0, 4)
    data = bytearray(record.data)
    choice = rng.randrange(4)
    if choice == 0:
        data[132:136] = struct.pack(">I", own)  # parented to itself
    elif choice == 1 and item_ids:
        data[40:44] = struct.pack(">I", rng.choice(item_ids))  # any item as the source, own comp included
    elif choice == 2:
        other = rng.choice(layer_records)
        other_data = bytearray(other.data)
        other_data[132:136] = struct.pack(">I", own)
        data[132:136] = other.data[0:4]
        other.data = bytes(other_data)  # a two-layer parent cycle (or a self-cycle)
    else:
        data[0:4] = rng.choice(layer_records).data[0:4]  # a duplicate layer id
    record.data = bytes(data)


_COS_NUMBER = re.compile(rb"(?<![A-Za-z0-9/.])[+-]?(?:\d+\.?\d*|\.\d+)")
#: Well-formed COS numbers at the edges: 1e400 written out parses as infinity, 10**300 is an
#: int whose float is finite, 4,300 digits is the most int() accepts and more than a float holds.
_EXTREME_NUMBERS = (b"1" + b"0" * 400 + b".0", b"-1" + b"0" * 400 + b".0", b"1" + b"0" * 300, b"-" + b"9" * 4300,
                    b"0.0", b"-0.0", b"0", b"-1", b"65535", b"4294967296", b"2147483648", b".000001",
                    b"00000000000000000000000000000000000001")
#: Malformed ones: over int()'s digit limit, exponents (not COS), lone signs and dots.
_BROKEN_NUMBERS = (b"9" * 5000, b"1e5", b".", b"-", b"1.2.3", b"+-1", b"0x10")


def _replace_numbers(base: bytes, rng: random.Random, choices: tuple, share: float) -> bytes:
    out = bytearray(base)
    for match in reversed(list(_COS_NUMBER.finditer(base))):
        if rng.random() < share:
            out[match.start() : match.end()] = rng.choice(choices)
    return bytes(out)


def hostile_cos(base: bytes, rng: random.Random) -> bytes:
    """A text document (``btdk``) that is deep, huge, unterminated, malformed, or the seed's own
    with each number, at random, replaced by an extreme or a malformed one."""
    roll = rng.randrange(13)
    if roll <= 3:  # the real structure, extreme values: font sizes, indexes, box coordinates
        return _replace_numbers(base, rng, _EXTREME_NUMBERS, rng.choice((0.02, 0.05, 0.2, 1.0)))
    if roll == 12:
        return _replace_numbers(base, rng, _BROKEN_NUMBERS, 0.05)
    if roll == 4:
        return rng.choice((b"<<", b"[", b"<< /0 ")) * rng.choice((64, 65, 10_000, 200_000))
    if roll == 5:
        return b"(" + b"\\" * rng.choice((1, 2, 3, 100_001)) + rng.choice((b"", b")"))
    if roll == 6:
        return b"<< /0 [ " + b"1 " * rng.choice((1000, 500_000)) + b"] >>"
    if roll == 7:
        return base[: rng.randrange(len(base) or 1)]
    if roll == 8:
        return b"<" + b"0" * rng.choice((1, 3, 1_000_001)) + b">" + rng.choice((b"", b"<ZZ>", b">>"))
    if roll == 9:
        return _flip_bits(base, rng, focus=len(base))
    if roll == 10:
        return rng.choice((b">>", b"]", b"/0 /1 /2", b"<< /0 >>", b"<< 1 2 >>", b"truefalse", b"%" * 1000, b"(\xfe\xff\xd8\x00)",
                           b"<< /0 (\xfe\xff" + b"\x00" * 3 + b") >>", b"/0 (\xef\xbb\xbf\xff)", b"\xff" * 10))
    return rng.randbytes(rng.choice((1, 100, 10_000)))


def _tree_mutation(seed: bytes, rng: random.Random, ctx: Context, fmt: str) -> bytes:
    from jobs.formats.aepx_writer import to_aepx

    for _ in range(8):
        chunks = load_chunks(seed)  # a fresh tree each time: operations edit it in place
        try:
            for _ in range(rng.choice((1, 1, 2, 3, 6))):
                _tree_op(chunks.root, rng, for_xml=fmt == "aepx")
            if len(_tree_nodes(chunks.root)) > 400_000:
                continue  # nested duplications: too big to be worth writing
            if fmt == "aep":
                return to_rifx(chunks.root, chunks.xmp)
            return to_aepx(chunks.root, chunks.xmp)
        except (ValueError, TypeError, UnicodeError, struct.error, KeyError, RecursionError):
            continue  # our serialiser cannot write that tree: draw another mutation
    return _flip_bits(seed, rng)


def aep_tree(seed, rng, ctx):
    return _tree_mutation(seed, rng, ctx, "aep")


def aepx_tree(seed, rng, ctx):
    return _tree_mutation(seed, rng, ctx, "aepx")


def _replace_documents(seed: bytes, rng: random.Random, fmt: str) -> bytes:
    from jobs.formats.aepx_writer import to_aepx

    chunks = load_chunks(seed)
    documents = [n[2] for n in _tree_nodes(chunks.root) if n[2].tag == "btdk" and n[2].kind == LIST]
    for node in documents:
        if rng.random() < 0.7:
            node.data = hostile_cos(node.data, rng)
    return to_rifx(chunks.root, chunks.xmp) if fmt == "aep" else to_aepx(chunks.root, chunks.xmp)


def aep_cos(seed, rng, ctx):
    return _replace_documents(seed, rng, "aep")


def aepx_cos(seed, rng, ctx):
    return _replace_documents(seed, rng, "aepx")


# -- AEPX text


_AEPX_PREFIX = f'<?xml version="1.0" encoding="UTF-8"?>\n<AfterEffectsProject xmlns="{AE_NS}" majorVersion="1">'.encode()
_BILLION_LAUGHS = (b'<!DOCTYPE AfterEffectsProject [<!ENTITY lol "lol">'
                   + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                              for i in range(1, 10))
                   + b"]>")
_DOCTYPES = (
    b'<!DOCTYPE AfterEffectsProject [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    _BILLION_LAUGHS,
    b'<!DOCTYPE AfterEffectsProject SYSTEM "http://127.0.0.1:9/evil.dtd">',
    b'<!DOCTYPE AfterEffectsProject [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
    b"<!DOCTYPE AfterEffectsProject>",
    b'<!DOCTYPE AfterEffectsProject [<!ATTLIST string bdata CDATA "ffff">]>',
    b'<!DOCTYPE AfterEffectsProject [<!ENTITY big "' + b"A" * 50_000 + b'">]>',
    b'<!DOCTYPE AfterEffectsProject PUBLIC "-//x//y" "file:///dev/zero">',
)
_REFERENCES = (b"&xxe;", b"&lol9;", b"&big;" * 2000, b"&p;", b"&undefined;", b"&#0;", b"&#x1F3AC;", b"&#xD800;", b"&amp;",
               b"<![CDATA[</string>]]>", b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/>',
               b'<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?>')


def _after_declaration(xml: bytes) -> int:
    end = xml.find(b"?>") if xml.lstrip().startswith(b"<?xml") else -1
    return end + 2 if end >= 0 else 0


def aepx_inject(seed, rng, ctx):
    """DOCTYPEs (external entities, billion laughs, external DTDs, attribute defaults) and
    entity references, sometimes re-encoded as BOM-less UTF-16 so no byte pattern shows them."""
    at = _after_declaration(seed)
    out = seed
    if rng.random() < 0.85:
        out = out[:at] + b"\n" + rng.choice(_DOCTYPES) + b"\n" + out[at:]
    spots = [m.end() for m in re.finditer(rb"<string>", out)] or [out.find(b">", at + 1) + 1]
    where = rng.choice(spots)
    if rng.random() < 0.3:  # in an attribute value instead
        attributes = [m.start(1) for m in re.finditer(rb'(?:bdata|fullpath)="()', out)]
        if attributes:
            where = rng.choice(attributes)
    out = out[:where] + rng.choice(_REFERENCES) + out[where:]
    encoding = rng.choice(("utf-8", "utf-8", "utf-16-le", "utf-16-be", "utf-16"))
    if encoding != "utf-8":
        text = out.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        out = text.encode(encoding)  # "utf-16" writes a BOM; -le/-be do not
    elif rng.random() < 0.2:
        out = out.replace(b"<!DOCTYPE", rng.choice((b"<!doctype", b"<! DOCTYPE", b"<!DOCTYPE\x00")))
    return out


def aepx_nesting(seed, rng, ctx):
    """Elements nested 63 to 100,000 deep (our limit 64, libxml2's 256), closed or not."""
    depth = rng.choice((63, 65, 255, 257, 5_000, 100_000))
    tag = rng.choice((b"Fold", b"Item", b"tdgp", b"string"))
    close = seed.rfind(b"</AfterEffectsProject>")
    blob = b"<%s>" % tag * depth
    if rng.random() < 0.8:
        blob += b"</%s>" % tag * depth
    return seed[:close] + blob + seed[close:]


def aepx_bdata(seed, rng, ctx):
    """Hex payloads: huge (up to over libxml2's 10 MB attribute limit), odd, not hex."""
    spans = [m.span(1) for m in re.finditer(rb'bdata="([^"]*)"', seed)]
    start, end = rng.choice(spans)
    original = seed[start:end]
    payload = rng.choice((
        b"0" * rng.choice((2_000, 200_000, 2_000_000)),
        b"ab" * 5_000_001,
        original + b"0",
        b"zz" + original,
        b" 00 ff ",
        "é".encode() * 4,
        original * rng.choice((2, 100)),
        b"",
        b"&#x30;&#x30;",
    ))
    return seed[:start] + payload + seed[end:]


def aepx_truncate_mid(seed, rng, ctx):
    """Cut just inside a tag, an attribute value or a text node."""
    marks = [m.start() for m in re.finditer(rb'[<"]', seed)]
    cut = rng.choice(marks) + rng.choice((0, 1, 2, 5))
    return seed[:cut]


_INVALID_UTF8 = (b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80", b"\x00",
                 b"\x1b", b"\xef\xbf\xbe")


def aepx_invalid_utf8(seed, rng, ctx):
    spots = [m.end() for m in re.finditer(rb'<string>|bdata="|fullpath="|<AfterEffectsProject', seed)]
    where = rng.choice(spots) if spots and rng.random() < 0.7 else rng.randrange(len(seed))
    return seed[:where] + rng.choice(_INVALID_UTF8) + seed[where:]


def aepx_encoding(seed, rng, ctx):
    declaration = rng.choice((b'<?xml version="1.0" encoding="ISO-8859-1"?>', b'<?xml version="1.0" encoding="UTF-16"?>',
                              b'<?xml version="1.0" encoding="EBCDIC-US"?>', b'<?xml version="1.0" encoding="x-nope"?>',
                              b'<?xml version="1.0" encoding="UTF-32"?>', b'<?xml version="1.1"?>', b"",
                              b'<?xml version="2.0"?>', b'<?xml encoding="UTF-8"?>', b"\xef\xbb\xbf\xef\xbb\xbf"))
    at = _after_declaration(seed)
    return declaration + seed[at:]


def aepx_magic_random(seed, rng, ctx):
    body = rng.randbytes(rng.choice((0, 10, 1000, 20_000)))
    tail = b"</AfterEffectsProject>" if rng.random() < 0.5 else b""
    return _AEPX_PREFIX + body + tail


# -- CSV


def _render_csv(rows: list[list[str]], rng: random.Random, styles=("csv", "csv", "csv", "raw", "broken"),
                endings=("\n", "\n", "\r\n", "\r")) -> str:
    lines = []
    for row in rows:
        cells = []
        for value in row:
            style = rng.choice(styles)
            if style == "raw":
                cells.append(value)
            elif style == "broken":
                cells.append('"' + value)
            elif any(c in value for c in ',"\r\n') or rng.random() < 0.1:
                cells.append('"' + value.replace('"', '""') + '"')
            else:
                cells.append(value)
        lines.append(",".join(cells) + rng.choice(endings))
    return "".join(lines)


def csv_hostile_values(root: Path, outside: Path) -> list[str]:
    return [
        "../design.psd", "../../../../../../etc/passwd", "../outside/evil.psd", "/etc/passwd", "/etc/passwd.psd",
        str(outside / "evil.psd"), str(outside / "evil.aepx"), str(root / "design.psd"), str(root / ".." / "in" / "design.psd"),
        str(root) + "/../outside/evil.psd", "link_out.psd", "linkdir/evil.psd", "linkdir/../in/design.psd", "loop.psd",
        "dangling.psd", "dir.psd", "fake.psd", "empty.psd", "design.psd/..", "./design.psd", "sub/../design.psd",
        "sub//../../outside/evil.psd", "..\\design.psd", "..\\..\\outside\\evil.psd", "C:\\Windows\\win.ini.psd",
        "\\\\server\\share\\x.psd", "~/design.psd", "file:///etc/passwd", "%2e%2e/outside/evil.psd", "design.psd\x00.png",
        "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\u202edesign.psd", "design.psd\u200b", "🎬.psd",
        "x" * 70_000, "a\r\nb", "a\rb", 'a"b', '"', '""', ",", "\n", " design.psd ", "DESIGN.PSD", "design.PSD",
        "template.AEPX", "large.psb", "large.psd", "J1", "J" * 65, "..", ".", "ok.aep", "con.aep", "a/b.aep",
        "x" * 300 + ".aep", "high", "HIGH", "urgent", "", " ", "\ufeffjob_id", "job_id", "TAKEN", "ok.AEPX", "é" * 200 + ".aep",
        "\x7f.aep", "a:b.aep", "psd_path", str(root) * 40 + ".psd",
    ]


def _csv_rows(seed: bytes) -> list[list[str]]:
    return [list(row) for row in csv.reader(io.StringIO(seed.decode("utf-8"), newline=""))]


def csv_cell(seed, rng, ctx):
    """Hostile values (traversal, absolute, symlinks, NUL, formulas, huge, RTL, quotes, CR/LF)
    in random cells, header included, quoted properly or not."""
    rows = _csv_rows(seed)
    values = ctx.cached("csv-values", lambda: csv_hostile_values(ctx.csv_root, ctx.csv_outside))
    for _ in range(rng.choice((1, 1, 2, 4))):
        row = rng.choice(rows) if rng.random() < 0.9 else rows[0]
        row[rng.randrange(len(row))] = rng.choice(values)
    styles = rng.choice((("csv",),) * 8 + (("csv", "raw"), ("csv", "csv", "csv", "broken")))
    return _render_csv(rows, rng, styles=styles).encode("utf-8")


def csv_structure(seed, rng, ctx):
    """Columns dropped, repeated, unknown, reordered or recased; rows repeated by the
    thousand, cut short or made long; empty rows and blank lines."""
    rows = _csv_rows(seed)
    action = rng.randrange(7)
    if action == 0:
        drop = rng.randrange(len(rows[0]))
        rows = [row[:drop] + row[drop + 1 :] for row in rows]
    elif action == 1:
        rows[0].append(rng.choice(rows[0] + ["extra", "", "JOB_ID "]))
        for row in rows[1:]:
            row.append("x")
    elif action == 2:
        order = list(range(len(rows[0])))
        rng.shuffle(order)
        rows = [[row[i] for i in order] for row in rows]
        rows[0] = [name.upper() if rng.random() < 0.5 else f"  {name} " for name in rows[0]]
    elif action == 3:
        body = rows[1:]
        count = rng.choice((50, 2_000, 20_000))
        rows = [rows[0]] + [[f"R{i}"] + body[i % len(body)][1:] for i in range(count)]
    elif action == 4:
        row = rng.choice(rows[1:])
        del row[rng.randrange(len(row)) :]
    elif action == 5:
        rng.choice(rows[1:]).extend(["surplus"] * rng.choice((1, 1000)))
    else:
        rows.insert(rng.randrange(1, len(rows) + 1), [""] * rng.choice((1, len(rows[0]))))
    return _render_csv(rows, rng, styles=("csv",)).encode("utf-8")


def csv_line_endings(seed, rng, ctx):
    text = seed.decode("utf-8")
    out = []
    for char in text:
        out.append(rng.choice(("\n", "\r\n", "\r", "\n\n", "\r\r\n")) if char == "\n" else char)
    data = "".join(out).encode("utf-8")
    return rng.choice((b"", b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) + data


def csv_quotes(seed, rng, ctx):
    out = bytearray(seed)
    for _ in range(rng.choice((1, 2, 5))):
        out.insert(rng.randrange(len(out) + 1), ord('"'))
    return bytes(out)


def csv_reencode(seed, rng, ctx):
    text = seed.decode("utf-8")
    return text.encode(rng.choice(("utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "utf-8-sig")), "replace")


def csv_random(seed, rng, ctx):
    prefix = seed[: seed.find(b"\n") + 1] if rng.random() < 0.6 else b""
    body = rng.randbytes(rng.choice((1, 100, 5_000)))
    if rng.random() < 0.5:
        body = bytes(b % 0x60 + 0x20 for b in body)  # printable-ish: gets past the UTF-8 check
    return prefix + body


SELFTEST_EXPECTED = {
    "refuse": "refused", "accept": "accepted", "raise": "crashed", "one-line": "invalid", "loop": "hang",
    "allocate": "memory", "allocate-wrapped": "memory", "block-timer": "hang", "abort": "died",
}


def _selftest_reader(data: bytes):
    """The harness's own check: misbehaviours it must classify (crash, hang, memory, death)."""
    action = data.decode()
    if action == "refuse":
        raise FormatError("refused on purpose")
    if action == "raise":
        raise KeyError("a crash on purpose")
    if action == "one-line":
        raise FormatError("two\nlines")
    if action == "loop":
        while True:
            pass
    if action == "allocate":
        return bytearray(4 * 1024**3)
    if action == "allocate-wrapped":  # what psd.py does with a MemoryError: still a blow-up here
        try:
            bytearray(4 * 1024**3)
        except MemoryError as error:
            raise FormatError("needs more memory than is available") from error
    if action == "block-timer":  # like C code that never returns to the interpreter
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        while True:
            pass
    if action == "abort":
        os.abort()
    return "accepted"


MUTATORS = {
    "selftest": {action: (lambda seed, rng, ctx, action=action: action.encode()) for action in SELFTEST_EXPECTED},
    "psd": {"truncate": psd_truncate, "bitflip": m_bitflip, "overwrite": m_overwrite, "splice": m_splice,
            "field": psd_field, "magic_random": psd_magic_random, "header_random": psd_header_random,
            "bomb": psd_bomb},
    "aep": {"truncate": aep_truncate, "bitflip": m_bitflip, "overwrite": m_overwrite, "splice": m_splice,
            "chunk_field": aep_chunk_field, "tree": aep_tree, "cos": aep_cos, "nesting": aep_nesting,
            "flood": aep_flood, "magic_random": aep_magic_random},
    "aepx": {"truncate": m_truncate, "truncate_mid": aepx_truncate_mid, "bitflip": m_bitflip,
             "overwrite": m_overwrite, "tree": aepx_tree, "cos": aepx_cos, "bdata": aepx_bdata,
             "inject": aepx_inject, "invalid_utf8": aepx_invalid_utf8, "encoding": aepx_encoding,
             "nesting": aepx_nesting, "magic_random": aepx_magic_random},
    "csv": {"truncate": m_truncate, "bitflip": m_bitflip, "overwrite": m_overwrite, "splice": m_splice,
            "cell": csv_cell, "structure": csv_structure, "line_endings": csv_line_endings, "quotes": csv_quotes,
            "reencode": csv_reencode, "random": csv_random},
}

#: Inputs per mutator at scale 1, spread round-robin over the family's seeds.
PLAN = {
    "psd": {"truncate": 90, "bitflip": 90, "overwrite": 70, "splice": 40, "field": 260, "magic_random": 25,
            "header_random": 25, "bomb": 8},
    "aep": {"truncate": 25, "bitflip": 25, "overwrite": 15, "splice": 10, "chunk_field": 50, "tree": 80, "cos": 40,
            "nesting": 10, "flood": 4, "magic_random": 15},
    "aepx": {"truncate": 15, "truncate_mid": 15, "bitflip": 15, "overwrite": 10, "tree": 70, "cos": 40, "bdata": 14,
             "inject": 40, "invalid_utf8": 15, "encoding": 12, "nesting": 10, "magic_random": 12},
    "csv": {"truncate": 20, "bitflip": 20, "overwrite": 15, "splice": 15, "cell": 110, "structure": 30,
            "line_endings": 20, "quotes": 20, "reencode": 10, "random": 15},
}


def build_cases(seeds: list[Seed], scale: float = FUZZ_SCALE) -> list[dict]:
    cases = []
    for family, plan in PLAN.items():
        family_seeds = [seed for seed in seeds if seed.family == family]
        for mutator, count in plan.items():
            for n in range(max(1, round(count * scale))):
                seed = family_seeds[n % len(family_seeds)]
                cases.append({"i": len(cases), "family": family, "seed": seed.name, "mutator": mutator, "n": n,
                              "export": family == "psd" and (seed.export or mutator == "bomb")})
    return cases


def case_rng(case: dict) -> random.Random:
    return random.Random(f"{FUZZ_SEED}|{case['family']}|{case['seed']}|{case['mutator']}|{case['n']}")


def make_input(case: dict, seed_bytes: bytes, ctx: Context) -> bytes:
    return MUTATORS[case["family"]][case["mutator"]](seed_bytes, case_rng(case), ctx)


# ============================================================================================
# Checking one input (in the worker)


class InputTimeout(BaseException):
    """Raised by the per-input timer; a BaseException so no ``except Exception`` swallows it."""


def _on_alarm(signum, frame):
    raise InputTimeout()


def _caused_by_memory(error: BaseException) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, MemoryError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _strict_json(value) -> None:
    """Interchange JSON: no NaN or infinity (not JSON; PostgreSQL's jsonb refuses them) and text
    that UTF-8 can encode (a lone surrogate cannot be written out: ``inspect_* --json`` fails)."""
    json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")


def check_psd_document(doc, data: bytes) -> None:
    """What a returned description must satisfy (interchange.md and psd.py's docstring)."""
    limits = DEFAULT_LIMITS
    assert isinstance(doc, PsdDocument), type(doc)
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert 1 <= doc.width <= limits.max_dimension and 1 <= doc.height <= limits.max_dimension, (doc.width, doc.height)
    assert doc.width * doc.height <= limits.max_pixels
    assert len(doc.layers) <= limits.max_layers
    ids = [layer.id for layer in doc.layers]
    assert len(set(ids)) == len(ids), f"layer ids repeat: {ids}"
    kinds = {}
    for order, layer in enumerate(doc.layers):
        assert layer.order == order
        assert 0.0 <= layer.opacity <= 1.0, layer.opacity
        assert layer.bbox is None or (len(layer.bbox) == 4 and all(isinstance(v, int) for v in layer.bbox)), layer.bbox
        if layer.parent_id is not None:
            assert kinds.get(layer.parent_id) in ("group", "artboard"), f"parent {layer.parent_id} is not an earlier group"
        if layer.kind not in ("group", "artboard"):
            assert layer.width <= limits.max_dimension and layer.height <= limits.max_dimension
            assert layer.width * layer.height <= limits.max_pixels
        kinds[layer.id] = layer.kind
    _strict_json(doc.to_dict())


def check_template_document(doc, data: bytes) -> None:
    assert isinstance(doc, TemplateDocument), type(doc)
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.format == ("aep" if data[:4] == b"RIFX" else "aepx"), doc.format
    for comp in doc.compositions:
        assert [layer.index for layer in comp.layers] == list(range(1, len(comp.layers) + 1))
        for layer in comp.layers:
            assert layer.bbox is None or (len(layer.bbox) == 4 and all(isinstance(v, int) for v in layer.bbox))
    _strict_json(doc.to_dict())


def check_csv_report(report, data: bytes, root: Path) -> None:
    from batches.csv_format import JOB_ID_RE, CsvReport

    assert isinstance(report, CsvReport), type(report)
    _strict_json(report.to_dict())
    assert report.ok == (not report.errors)
    if not report.ok:
        assert report.rows == [], "rows returned with errors"
        return
    assert report.rows, "no error and no job"
    assert report.row_count >= len(report.rows)
    resolved_root = root.resolve()
    ids = [row.job_id for row in report.rows]
    assert len(set(ids)) == len(ids), "duplicate job ids accepted"
    for row in report.rows:
        assert JOB_ID_RE.fullmatch(row.job_id) and row.job_id.strip("."), row.job_id
        for path in (row.psd_path, row.aepx_path):
            real = Path(os.path.realpath(path))
            assert real.is_relative_to(resolved_root), f"{path!r} resolves outside the input root"
            assert stat.S_ISREG(os.stat(real).st_mode), f"{path!r} is not a regular file"
        assert row.psd_kind in ("psd", "psb") and row.template_kind in ("aep", "aepx")
        assert "/" not in row.output_name and "\\" not in row.output_name and "\x00" not in row.output_name
        assert row.priority in ("high", "medium", "low")


_EXPORT_NAME = re.compile(r"^(layer--?\d+(-thumb)?|flattened(-thumb)?)\.png$")


def _tree_listing(folder: Path) -> set[str]:
    found = set()
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), folder))
    return found


def check_export(sandbox: Path, before: set[str], result) -> None:
    """export_psd wrote PNGs into ``sandbox/out`` and nothing anywhere else."""
    from PIL import Image

    out = sandbox / "out"
    after = _tree_listing(sandbox)
    written = {f"out/{image.path.name}" for image in result.images}
    assert after == before | written, f"unexpected files: {sorted(after - before - written)[:5]}"
    for image in result.images:
        assert image.path.parent == out and _EXPORT_NAME.match(image.path.name), image.path
        with Image.open(image.path) as png:
            assert png.format == "PNG" and png.size == (image.width, image.height) and png.mode == "RGBA"
    assert any(image.role == "flattened" for image in result.images)


def _outcome(kind: str, started: float, **extra) -> dict:
    return {"outcome": kind, "secs": round(time.perf_counter() - started, 4), **extra}


def _failure(kind: str, started: float, error: BaseException | None = None, detail: str = "") -> dict:
    if error is not None:
        detail = "".join(traceback.format_exception(type(error), error, error.__traceback__))[-4000:]
    return _outcome(kind, started, detail=detail)


def _timed(seconds: float, call):
    """``call()`` under the per-input timer (SIGALRM raises InputTimeout in this thread)."""
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return call()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def run_reader(family: str, path: Path, data: bytes, ctx: Context) -> dict:
    """One reader call under the timer: its outcome, classified."""
    from batches.csv_format import parse_batch_csv
    from jobs.formats.psd import read_psd

    def read():
        if family == "psd":
            return read_psd(path)
        if family in ("aep", "aepx"):
            return read_template(path)
        if family == "csv":
            return parse_batch_csv(data, input_roots=[ctx.csv_root], existing_job_ids=lambda ids: ids & {"TAKEN"})
        return _selftest_reader(data)

    started = time.perf_counter()
    try:
        result = _timed(ctx.read_timeout, read)
    except InputTimeout:
        return _failure("hang", started, detail=f"no answer within {ctx.read_timeout} s")
    except FormatError as error:
        if family == "csv":
            return _failure("crashed", started, error)  # parse_batch_csv reports, never raises
        if _caused_by_memory(error):
            return _failure("memory", started, error)
        if "\n" in str(error) or not str(error).strip():
            return _failure("invalid", started, detail=f"FormatError message is not one line: {str(error)!r}")
        return _outcome("refused", started, code=error.code, message=str(error)[:300])
    except MemoryError as error:
        return _failure("memory", started, error)
    except BaseException as error:  # noqa: BLE001 - anything else is the finding
        return _failure("crashed", started, error)
    try:
        if family == "psd":
            check_psd_document(result, data)
        elif family in ("aep", "aepx"):
            check_template_document(result, data)
        elif family == "csv":
            check_csv_report(result, data, ctx.csv_root)
            if not result.ok:
                return _outcome("refused", started, code=result.errors[0].code, message=str(result.errors[0])[:300])
    except Exception as error:  # noqa: BLE001
        return _failure("invalid", started, error)
    return _outcome("accepted", started)


def run_export(path: Path, sandbox: Path, ctx: Context) -> dict:
    from jobs.formats.psd import export_psd

    if sandbox.exists():
        shutil.rmtree(sandbox)
    (sandbox / "out").mkdir(parents=True)
    (sandbox / "sentinel.txt").write_text("not to be touched")
    (sandbox / "out" / "notes.txt").write_text("a file of the user's")
    before = _tree_listing(sandbox)
    started = time.perf_counter()
    try:
        result = _timed(ctx.export_timeout, lambda: export_psd(path, sandbox / "out"))
    except InputTimeout:
        return _failure("hang", started, detail=f"export_psd did not finish within {ctx.export_timeout} s")
    except FormatError as error:
        if _caused_by_memory(error):
            return _failure("memory", started, error)
        left = _tree_listing(sandbox) - before
        if left:
            return _failure("invalid", started, detail=f"FormatError but files left behind: {sorted(left)[:5]}")
        return _outcome("refused", started, code=error.code, message=str(error)[:300])
    except MemoryError as error:
        return _failure("memory", started, error)
    except BaseException as error:  # noqa: BLE001
        return _failure("crashed", started, error)
    try:
        check_export(sandbox, before, result)
    except Exception as error:  # noqa: BLE001
        return _failure("invalid", started, error)
    return _outcome("accepted", started, images=len(result.images))


_SUFFIX = {"psd": ".psd", "aep": ".aep", "aepx": ".aepx", "csv": ".csv", "selftest": ".txt"}


def run_case(case: dict, seed_bytes: bytes, ctx: Context, scratch: Path) -> dict:
    path = scratch / f"input{_SUFFIX[case['family']]}"
    path.unlink(missing_ok=True)  # a failure never points at the previous case's input
    try:
        data = make_input(case, seed_bytes, ctx)
    except Exception as error:  # noqa: BLE001  (a bug of this test, not of the readers: reported loudly)
        return {"outcome": "generator-error", "detail": "".join(traceback.format_exception(error))[-3000:]}
    path.write_bytes(data)
    result = run_reader(case["family"], path, data, ctx)
    result["size"] = len(data)
    result["sha256"] = hashlib.sha256(data).hexdigest()
    if case.get("export") and result["outcome"] == "accepted":
        result["export"] = run_export(path, scratch / "sandbox", ctx)
    result["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def worker_main(job_path: str) -> None:
    """Run the cases of a job file, one JSON line per event on the original stdout."""
    job = json.loads(Path(job_path).read_text())
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever a library prints goes to stderr, not into the protocol
    scratch = Path(job["scratch"])
    scratch.mkdir(parents=True, exist_ok=True)
    crash_dir = Path(job["crash_dir"])
    ctx = Context(Path(job["csv_root"]), Path(job["csv_outside"]), read_timeout=job["read_timeout"],
                  export_timeout=job["export_timeout"])
    seeds = {name: Path(path).read_bytes() for name, path in job["seeds"].items()}
    import batches.csv_format  # noqa: F401  (import everything before the memory limit)
    import jobs.formats.psd  # noqa: F401

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    signal.signal(signal.SIGALRM, _on_alarm)
    protocol.write(json.dumps({"ready": True}) + "\n")
    for case in job["cases"]:
        protocol.write(json.dumps({"start": case["i"]}) + "\n")
        result = run_case(case, seeds[case["seed"]], ctx, scratch)
        failed = result["outcome"] not in OK_OUTCOMES or result.get("export", {}).get("outcome", "accepted") not in OK_OUTCOMES
        if failed:
            saved = crash_dir / _input_name(case)
            source = scratch / f"input{_SUFFIX[case['family']]}"
            if source.exists():
                shutil.copyfile(source, saved)
            result["saved"] = str(saved)
            if "export" in result:
                result["export"].update(saved=str(saved), size=result.get("size"), sha256=result.get("sha256"))
        protocol.write(json.dumps({"result": case["i"], **result}) + "\n")
    protocol.close()


def _input_name(case: dict) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", case["seed"])
    return f"{case['family']}-{safe}-{case['mutator']}-{case['n']}.bin"


# ============================================================================================
# Running cases (in the test process)


def _run_shard(cases: list[dict], job_base: dict, workdir: Path, results: dict, lock: threading.Lock) -> None:
    """Run ``cases`` in a worker, replacing it when it dies or stalls, until each has a result."""
    pending = list(cases)
    attempt = 0
    while pending:
        attempt += 1
        scratch = workdir / f"scratch-{attempt}"
        job = dict(job_base, cases=pending, scratch=str(scratch))
        job_path = workdir / f"job-{attempt}.json"
        job_path.write_text(json.dumps(job))
        stderr_path = workdir / f"stderr-{attempt}.txt"
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONFAULTHANDLER="1")
        env.pop("DJANGO_SETTINGS_MODULE", None)
        with open(stderr_path, "wb") as stderr:
            proc = subprocess.Popen([sys.executable, "-m", "jobs.tests.formats.test_fuzz", "worker", str(job_path)],
                                    cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr)
        current, ready, buffer = None, False, b""
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        stalled = False
        try:
            while True:
                wait = STARTUP_TIMEOUT if not ready else job_base["stall_timeout"]
                if not selector.select(timeout=wait):
                    stalled = True
                    break
                chunk = os.read(proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    event = json.loads(line)
                    if "ready" in event:
                        ready = True
                    elif "start" in event:
                        current = event["start"]
                    else:
                        index = event.pop("result")
                        with lock:
                            results[index] = event
                        current = None
        finally:  # stalled, or the test run interrupted: never leave a worker behind
            if proc.poll() is None and (stalled or sys.exc_info()[0] is not None):
                proc.kill()
            selector.close()
            returncode = proc.wait()
            proc.stdout.close()
        if current is not None:
            case = next(c for c in pending if c["i"] == current)
            saved = Path(job_base["crash_dir"]) / _input_name(case)
            source = scratch / f"input{_SUFFIX[case['family']]}"
            if source.exists():
                shutil.copyfile(source, saved)
            tail = stderr_path.read_text(errors="replace")[-3000:]
            kind = "hang" if stalled else ("memory" if returncode == -signal.SIGKILL else "died")
            with lock:
                results[current] = {"outcome": kind, "saved": str(saved), "secs": None,
                                    "detail": f"worker {'stalled and was killed' if stalled else f'exited with {returncode}'}"
                                              f"; stderr tail:\n{tail}"}
        progressed = [c for c in pending if c["i"] in results]
        if not ready or (current is None and not progressed):
            raise RuntimeError(f"fuzz worker failed to run (exit {returncode}): "
                               f"{stderr_path.read_text(errors='replace')[-3000:]}")
        pending = [c for c in pending if c["i"] not in results]


def run_cases(cases: list[dict], seeds: list[Seed], workdir: Path, *, read_timeout: float = READ_TIMEOUT,
              export_timeout: float = EXPORT_TIMEOUT, stall_margin: float = STALL_MARGIN) -> dict[int, dict]:
    """Each case's result, keyed by its index, from ``WORKERS`` worker processes."""
    crash_dir = workdir / "failing-inputs"
    crash_dir.mkdir(parents=True, exist_ok=True)
    csv_folder = next((seed.path.parent for seed in seeds if seed.family == "csv"), workdir)
    job_base = {
        "seeds": {seed.name: str(seed.path) for seed in seeds},
        "crash_dir": str(crash_dir),
        "csv_root": str(csv_folder / "csv-root" / "in"),
        "csv_outside": str(csv_folder / "csv-root" / "outside"),
        "read_timeout": read_timeout,
        "export_timeout": export_timeout,
        "stall_timeout": max(read_timeout, export_timeout) + stall_margin,
    }
    # Spread expensive inputs evenly: interleave the cases over the workers.
    shards = [cases[k::WORKERS] for k in range(WORKERS)]
    results: dict[int, dict] = {}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def run(k: int, shard: list[dict]) -> None:
        try:
            folder = workdir / f"worker-{k}"
            folder.mkdir(parents=True, exist_ok=True)
            _run_shard(shard, job_base, folder, results, lock)
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(k, shard)) for k, shard in enumerate(shards) if shard]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


# ============================================================================================
# Tests


@dataclass
class FuzzRun:
    seeds: list[Seed]
    cases: list[dict]
    results: dict[int, dict]
    seconds: float

    def family(self, family: str) -> list[tuple[dict, dict]]:
        return [(case, self.results[case["i"]]) for case in self.cases if case["family"] == family]

    def exports(self) -> list[tuple[dict, dict]]:
        return [(case, result["export"]) for case, result in self.family("psd") if "export" in result]


@pytest.fixture(scope="module")
def fuzz_run(tmp_path_factory) -> FuzzRun:
    workdir = tmp_path_factory.mktemp("fuzz")
    seeds = build_seeds(workdir / "seeds")
    cases = build_cases(seeds)
    started = time.perf_counter()
    results = run_cases(cases, seeds, workdir)
    return FuzzRun(seeds, cases, results, time.perf_counter() - started)


def _summary(title: str, pairs: list[tuple[dict, dict]]) -> str:
    outcomes = Counter(result["outcome"] for _, result in pairs)
    by_mutator: dict[str, Counter] = {}
    for case, result in pairs:
        by_mutator.setdefault(case["mutator"], Counter())[result["outcome"]] += 1
    timed = [(result["secs"], case) for case, result in pairs if result.get("secs") is not None]
    rss = [result["rss_mb"] for _, result in pairs if result.get("rss_mb") is not None]
    slowest = max(timed, key=lambda item: item[0]) if timed else None
    lines = [
        f"{title}: {len(pairs)} inputs: "
        + ", ".join(f"{outcomes.get(k, 0)} {k}" for k in OK_OUTCOMES + FAILURE_OUTCOMES if outcomes.get(k) or k in OK_OUTCOMES)
        + (f"; slowest {slowest[0]:.2f} s ({slowest[1]['mutator']} {slowest[1]['n']} on {slowest[1]['seed']})"
           if slowest else "")
        + (f"; workers' peak RSS so far {max(rss):.0f} MiB" if rss else ""),
    ]
    for mutator, counts in sorted(by_mutator.items()):
        lines.append(f"    {mutator:<14} " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return "\n".join(lines)


def _failures_message(pairs: list[tuple[dict, dict]]) -> str:
    failed = [(case, result) for case, result in pairs if result["outcome"] not in OK_OUTCOMES]
    parts = [f"{len(failed)} input(s) did not end in the domain outcome:"]
    for case, result in failed[:8]:
        parts.append(
            f"\n--- {result['outcome']}: family={case['family']} seed={case['seed']} mutator={case['mutator']} n={case['n']}"
            f" (rng key {FUZZ_SEED}|{case['family']}|{case['seed']}|{case['mutator']}|{case['n']})\n"
            f"input saved as {result.get('saved')} ({result.get('size')} bytes, sha256 {result.get('sha256')})\n"
            f"{result.get('detail', '')}"
        )
    return "\n".join(parts)


def _report(capsys, text: str) -> None:
    with capsys.disabled():
        print("\n" + text)


@pytest.mark.parametrize("family", ["psd", "aep", "aepx", "csv"])
def test_mutated_inputs_end_in_a_description_or_the_domain_error(fuzz_run, family, capsys):
    pairs = fuzz_run.family(family)
    _report(capsys, _summary(f"[fuzz {family}]", pairs))
    assert pairs
    assert not [p for p in pairs if p[1]["outcome"] == "generator-error"], _failures_message(
        [p for p in pairs if p[1]["outcome"] == "generator-error"])
    assert all(result["outcome"] in OK_OUTCOMES for _, result in pairs), _failures_message(pairs)


def test_export_of_mutated_psds_that_still_parse_writes_only_into_its_folder(fuzz_run, capsys):
    pairs = fuzz_run.exports()
    _report(capsys, _summary("[fuzz export_psd]", pairs))
    assert len(pairs) >= 50, "too few mutated PSDs parsed to exercise export_psd"
    assert all(result["outcome"] in OK_OUTCOMES for _, result in pairs), _failures_message(pairs)


def test_run_size_and_time(fuzz_run, capsys):
    counts = Counter(case["family"] for case in fuzz_run.cases)
    exports = len(fuzz_run.exports())
    _report(capsys, f"[fuzz] {len(fuzz_run.cases)} generated inputs ({dict(counts)}) plus {exports} exports "
                    f"in {fuzz_run.seconds:.1f} s on {WORKERS} worker(s); seed {FUZZ_SEED!r}, scale {FUZZ_SCALE}")
    assert len(fuzz_run.cases) >= 1000 * min(FUZZ_SCALE, 1)
    assert all(counts[family] >= 100 * min(FUZZ_SCALE, 1) for family in PLAN)


def test_real_fixture_seeds_were_fuzzed(fuzz_run):
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"real Photoshop/After Effects fixtures not found at {SHARED_FIXTURES}: fuzzed writer seeds only")
    shared = {seed.name for seed in fuzz_run.seeds if seed.shared}
    fuzzed = {case["seed"] for case in fuzz_run.cases}
    assert shared and shared <= fuzzed, sorted(shared - fuzzed)


def test_the_harness_catches_crashes_hangs_memory_blowups_and_dead_workers(tmp_path):
    """Each misbehaviour ends as its own outcome, and a dead or stuck worker is replaced: the
    inputs after it still run."""
    (tmp_path / "empty").write_bytes(b"")
    seeds = [Seed("selftest", "-", tmp_path / "empty")]
    actions = ["refuse", "abort", "accept", "raise", "block-timer", "one-line", "loop", "allocate", "allocate-wrapped",
               "accept", "abort", "refuse"]
    cases = [{"i": i, "family": "selftest", "seed": "-", "mutator": a, "n": i, "export": False} for i, a in enumerate(actions)]
    results = run_cases(cases, seeds, tmp_path / "run", read_timeout=1.0, export_timeout=1.0, stall_margin=3.0)
    assert {i: results[i]["outcome"] for i in results} == {i: SELFTEST_EXPECTED[a] for i, a in enumerate(actions)}
    assert Path(results[actions.index("abort")]["saved"]).read_bytes() == b"abort"


def _template_with(tmp_path: Path, fmt: str, specs, edit) -> Path:
    """A template written by our writer, its chunk tree then edited by ``edit(chunk)`` on every
    chunk: the reproducers of what the fuzzer found, kept as fixed regression inputs."""
    from jobs.formats.aepx_writer import to_aepx, write_template

    path = tmp_path / f"finding.{fmt}"
    write_template(path, compositions=specs, format=fmt)
    chunks = load_chunks(path.read_bytes())
    for _, _, node in _tree_nodes(chunks.root):
        edit(node)
    path.write_bytes(to_rifx(chunks.root, chunks.xmp) if fmt == "aep" else to_aepx(chunks.root, chunks.xmp))
    return path


def _finding_solid_colour(tmp_path, fmt):
    from jobs.formats.aepx_writer import CompSpec, SolidLayerSpec

    specs = [CompSpec(name="Main", layers=[SolidLayerSpec(name="bg", color=(math.nan, math.inf, 0.0))])]
    return _template_with(tmp_path, fmt, specs, lambda node: None)


def _finding_font_size(tmp_path, fmt):
    from jobs.formats.aepx_writer import CompSpec, TextLayerSpec

    def edit(node):
        if node.tag == "btdk" and node.kind == LIST:  # 1e400 written out: a COS number, float('inf')
            node.data = node.data.replace(b"/1 48.0 ", b"/1 1" + b"0" * 400 + b".0 ")

    specs = [CompSpec(name="Main", layers=[TextLayerSpec(name="t", text="hi", font_size=48)])]
    return _template_with(tmp_path, fmt, specs, edit)


def _finding_footage_path(tmp_path, fmt):
    from jobs.formats.aepx_writer import CompSpec, FootageLayerSpec

    def edit(node):
        if node.tag == "alas":  # the path record's JSON escapes a lone surrogate
            node.data = b'{"fullpath": "/media/\\ud800.png"}'

    specs = [CompSpec(name="Main", layers=[FootageLayerSpec(name="", path="/media/photo.png", width=10, height=10)])]
    return _template_with(tmp_path, fmt, specs, edit)


@pytest.mark.parametrize("make, fmt", [
    (_finding_solid_colour, "aep"), (_finding_solid_colour, "aepx"), (_finding_font_size, "aep"),
    (_finding_font_size, "aepx"), (_finding_footage_path, "aep"),
])
def test_fuzz_findings_give_a_valid_description_or_the_domain_error(tmp_path, make, fmt):
    """Inputs the fuzzer found that read_template accepted with a description that is not
    interchange JSON: NaN/infinite solid colours (opti floats), an infinite font size (a COS
    number too large for a float), a lone surrogate in a footage path (alas JSON escape)."""
    path = make(tmp_path, fmt)
    try:
        document = read_template(path, exists=lambda _: False)
    except FormatError:
        return
    check_template_document(document, path.read_bytes())


def test_mutations_are_deterministic(tmp_path):
    """The same case gives the same bytes: a failure reproduces from its rng key."""
    seeds = build_seeds(tmp_path / "seeds")
    ctx = Context(tmp_path / "seeds" / "csv-root" / "in", tmp_path / "seeds" / "csv-root" / "outside")
    by_name = {seed.name: seed.path.read_bytes() for seed in seeds}
    sample = build_cases(seeds, scale=0.05)
    for case in sample:
        first = make_input(case, by_name[case["seed"]], ctx)
        assert make_input(case, by_name[case["seed"]], Context(ctx.csv_root, ctx.csv_outside)) == first, case


def test_structure_locators_find_the_fields_they_mutate(tmp_path):
    seeds = {seed.name: seed.path.read_bytes() for seed in build_seeds(tmp_path / "seeds")}
    for name in ("writer-rgb8.psd", "writer-rgb8.psb", "writer-rgb16.psd"):
        labels = {label.split(":")[0] for _, _, label in psd_fields(seeds[name])}
        assert {"width", "height", "channels", "layer_and_mask_length", "layer_count", "layer_top", "channel_length",
                "channel_compression", "image_compression", "layer_extra_length"} <= labels, (name, labels)
    assert any(label == "channel_rle_count" for _, _, label in psd_fields(seeds["writer-rgb8.psd"]))
    rle_merged = SHARED_FIXTURES / "psd" / "group.psd"  # our writer stores the merged image raw
    if rle_merged.is_file():
        assert any(label == "image_rle_count" for _, _, label in psd_fields(rle_merged.read_bytes()))
    labels = [label for _, _, label in rifx_fields(seeds["writer.aep"])]
    assert "len:LIST" in labels and "type:Layr" in labels and "len:ldta" in labels


# ============================================================================================
# Command line: the worker, and replaying one saved input


def replay(family: str, path: str) -> None:
    """Run one saved input through its reader in this process and print what happened."""
    from batches.csv_format import parse_batch_csv
    from jobs.formats.psd import read_psd

    data = Path(path).read_bytes()
    print(f"{path}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    if family == "psd":
        print(read_psd(path))
    elif family in ("aep", "aepx"):
        print(read_template(path))
    else:
        root = Path(os.environ.get("AEA_FUZZ_CSV_ROOT", "."))
        print(parse_batch_csv(data, input_roots=[root]))


def regenerate(family: str, seed: str, mutator: str, n: int, out: str) -> None:
    """Rebuild the seeds (our writers are deterministic), write case ``n`` of ``mutator`` on
    ``seed`` (under ``AEA_FUZZ_SEED``) to ``out``, and replay it."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="fuzz-seeds-"))
    seeds = {s.name: s for s in build_seeds(folder)}
    ctx = Context(folder / "csv-root" / "in", folder / "csv-root" / "outside")
    case = {"family": family, "seed": seed, "mutator": mutator, "n": n}
    Path(out).write_bytes(make_input(case, seeds[seed].path.read_bytes(), ctx))
    os.environ.setdefault("AEA_FUZZ_CSV_ROOT", str(ctx.csv_root))
    replay(family, out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker_main(sys.argv[2])
    elif sys.argv[1:2] == ["replay"] and len(sys.argv) == 4:
        replay(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["case"] and len(sys.argv) == 7:
        regenerate(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
    else:
        sys.exit("usage: python -m jobs.tests.formats.test_fuzz (worker JOB.json | replay FAMILY FILE"
                 " | case FAMILY SEED MUTATOR N OUT)")
