"""Content sniffing: what a file is from its first bytes, reading only a bounded head."""

from __future__ import annotations

import os
import struct
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.formats import sniff
from jobs.formats.sniff import (
    AEP,
    AEPX,
    EXPECTED_KINDS,
    PSB,
    PSD,
    describe_content,
    extensions_for,
    kind_from_extension,
    sniff_bytes,
    sniff_file,
    xml_root_name,
)

SHARED_FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures"

# --------------------------------------------------------------------------------------------
# Sample files, shared with batches/tests/test_csv_format.py


def psd_bytes(*, version: int = 1, width: int = 2, height: int = 2, channels: int = 3) -> bytes:
    """A complete minimal Photoshop file (version 1: PSD, 2: PSB), 8-bit RGB, no layers.

    Header (26 bytes), color mode data (length 0), image resources (length 0), layer and mask
    information (length 0; 8 bytes wide in a PSB), image data (compression 0 = raw, then one
    plane per channel).
    """
    header = b"8BPS" + struct.pack(">H6xHIIHH", version, channels, height, width, 8, 3)
    layer_and_mask = struct.pack(">Q" if version == 2 else ">I", 0)
    sections = struct.pack(">II", 0, 0) + layer_and_mask
    image = struct.pack(">H", 0) + bytes(i % 256 for i in range(channels * width * height))
    return header + sections + image


MINIMAL_AEPX = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<AfterEffectsProject xmlns="http://www.adobe.com/products/aftereffects" majorVersion="1" '
    b'minorVersion="0"></AfterEffectsProject>\n'
)


def aep_bytes() -> bytes:
    """A RIFX header as After Effects writes it: ``RIFX``, a big-endian size, ``Egg!``, chunks."""
    body = b"Egg!" + b"LIST" + struct.pack(">I", 4) + b"Fold"
    return b"RIFX" + struct.pack(">I", len(body)) + body


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------------------------
# The sample files are genuine


def test_minimal_psd_and_psb_are_genuine_photoshop_files(tmp_path):
    psd_tools = pytest.importorskip("psd_tools")
    for version, suffix in ((1, "psd"), (2, "psb")):
        doc = psd_tools.PSDImage.open(write(tmp_path / f"x.{suffix}", psd_bytes(version=version, width=3, height=2)))
        assert (doc.version, doc.width, doc.height, len(doc)) == (version, 3, 2, 0)


def test_minimal_aepx_is_well_formed_xml_with_the_after_effects_root():
    from xml.etree import ElementTree

    root = ElementTree.fromstring(MINIMAL_AEPX)
    assert root.tag == "{http://www.adobe.com/products/aftereffects}AfterEffectsProject"


# --------------------------------------------------------------------------------------------
# Binary signatures


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (psd_bytes(version=1), PSD),
        (psd_bytes(version=2), PSB),
        (psd_bytes(version=3), None),  # no such Photoshop version
        (b"8BPS\x00", None),  # cut before the version
        (b"8BPS", None),
        (aep_bytes(), AEP),
        (b"RIFX\x00\x00\x00\x10Egg!", AEP),
        (b"RIFX\x00\x00\x00\x10WAVE", None),  # RIFX, but not After Effects
        (b"RIFF\x00\x00\x00\x10Egg!", None),  # little-endian RIFF is not an AEP
        (b"RIFX\x00\x00\x00", None),
        (PNG_BYTES, None),
        (b"\xff\xd8\xff\xe0JFIF", None),
        (b"", None),
    ],
)
def test_sniff_bytes_recognises_signatures(data, kind):
    assert sniff_bytes(data) == kind


def test_sniff_file_reads_real_files(tmp_path):
    assert sniff_file(write(tmp_path / "a.psd", psd_bytes())) == PSD
    assert sniff_file(write(tmp_path / "a.psb", psd_bytes(version=2))) == PSB
    assert sniff_file(write(tmp_path / "a.aep", aep_bytes())) == AEP
    assert sniff_file(write(tmp_path / "a.aepx", MINIMAL_AEPX)) == AEPX
    assert sniff_file(write(tmp_path / "renamed.psd", PNG_BYTES)) is None
    assert sniff_file(write(tmp_path / "empty.psd", b"")) is None


def test_the_name_does_not_matter_only_the_content(tmp_path):
    assert sniff_file(write(tmp_path / "template.aepx", psd_bytes())) == PSD
    assert sniff_file(write(tmp_path / "design.psd", MINIMAL_AEPX)) == AEPX


# --------------------------------------------------------------------------------------------
# XML prolog


@pytest.mark.parametrize(
    "data",
    [
        MINIMAL_AEPX,
        b"<AfterEffectsProject/>",  # no declaration, self-closing
        b"<AfterEffectsProject>",  # the head may end inside the document
        b"\xef\xbb\xbf" + MINIMAL_AEPX,  # UTF-8 byte-order mark
        MINIMAL_AEPX.decode().replace("UTF-8", "UTF-16").encode("utf-16"),  # UTF-16 with BOM
        b"\xfe\xff" + MINIMAL_AEPX.decode().replace("UTF-8", "UTF-16").encode("utf-16-be"),
        b'<?xml version="1.0"?>\n<!-- saved by AE -->\n\t <?ae-hint x?>\r\n<!--x--><AfterEffectsProject\n a="1">',
        b'<?xml version="1.0"?><!-- a comment with <AfterEffectsProject> inside --><AfterEffectsProject>',
    ],
)
def test_aepx_prolog_variants_are_recognised(data):
    assert sniff_bytes(data) == AEPX


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><AfterEffectsProject>', "a DOCTYPE"),
        (b"<!DOCTYPE AfterEffectsProject><AfterEffectsProject>", "a DOCTYPE"),
        (b' <?xml version="1.0"?><AfterEffectsProject>', "a declaration that is not first"),
        (b'<!-- x --><?xml version="1.0"?><AfterEffectsProject>', "a declaration after a comment"),
        (b"<ae:AfterEffectsProject xmlns:ae='x'>", "a prefixed root"),
        (b"<AfterEffectsProjectX>", "another name"),
        (b"<afterEffectsProject>", "case matters in XML"),
        (b"<svg><AfterEffectsProject>", "another root"),
        (b"text<AfterEffectsProject>", "text before the root"),
        (b"<![CDATA[x]]><AfterEffectsProject>", "CDATA in the prolog"),
        (b"<!-- never closed <AfterEffectsProject>", "an unterminated comment"),
        (b'<?xml version="1.0"', "an unterminated declaration"),
        (b"<AfterEffectsProject", "a name that runs off the head"),
        (b"< AfterEffectsProject>", "space before the name"),
        (b"AfterEffectsProject", "no markup"),
        (b"\x00<AfterEffectsProject>", "a NUL before the root"),
    ],
)
def test_not_an_aepx(data, why):
    assert sniff_bytes(data) is None, why


def test_xml_root_name_of_other_documents():
    assert xml_root_name(b'<?xml version="1.0"?><svg xmlns="x"/>') == "svg"
    assert xml_root_name(b"<!DOCTYPE html><html>") is None
    assert xml_root_name(b"") is None


def test_only_the_head_is_read(tmp_path, monkeypatch):
    comment = b"<!--" + b"x" * 10_000 + b"-->"
    path = write(tmp_path / "long-prolog.aepx", b'<?xml version="1.0"?>' + comment + b"<AfterEffectsProject>")
    assert sniff_file(path) is None  # the root lies past the default 8 KiB head
    assert sniff_file(path, head_bytes=20_000) == AEPX

    big = write(tmp_path / "big.aepx", MINIMAL_AEPX[:-23] + b"<x/>" * 2_000_000)  # 8 MB, never closed
    requested: list[int] = []
    real_read = os.read

    def counting_read(fd, n):
        requested.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(sniff.os, "read", counting_read)
    assert sniff_file(big, head_bytes=4096) == AEPX
    assert sum(requested) <= 4096


def test_entity_expansion_is_never_attempted(tmp_path):
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;">'
        % ((i,) + (i - 1,) * 10)
        for i in range(1, 10)
    ) + b"]><AfterEffectsProject>&lol9;</AfterEffectsProject>"
    assert sniff_file(write(tmp_path / "lol.aepx", laughs)) is None


# --------------------------------------------------------------------------------------------
# Things that are not files


def test_a_directory_is_not_a_kind(tmp_path):
    (tmp_path / "folder.psd").mkdir()
    assert sniff_file(tmp_path / "folder.psd") is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_not_a_kind_and_does_not_block(tmp_path):
    fifo = tmp_path / "pipe.psd"
    os.mkfifo(fifo)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(sniff_file(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "sniff_file blocked on a FIFO"
    assert result == [None]


def test_a_missing_file_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        sniff_file(tmp_path / "absent.psd")


# --------------------------------------------------------------------------------------------
# Helpers for messages and columns


def test_expected_kinds_and_extensions():
    assert EXPECTED_KINDS == {"psd_path": {PSD, PSB}, "aepx_path": {AEP, AEPX}}
    assert extensions_for("psd_path") == [".psd", ".psb"]
    assert extensions_for("aepx_path") == [".aep", ".aepx"]
    assert kind_from_extension("a/B.PSD") == PSD
    assert kind_from_extension("x.Psb") == PSB
    assert kind_from_extension("t.AEPX") == AEPX
    assert kind_from_extension("t.aep") == AEP
    assert kind_from_extension("t.png") is None
    assert kind_from_extension("psd") is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (PNG_BYTES, "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"GIF89a\x01\x00", "GIF image"),
        (b"%PDF-1.7\n", "PDF document"),
        (b"PK\x03\x04rest", "ZIP archive"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP image"),
        (b"", "empty file"),
        (b"job_id,psd_path\nJ1,a.psd\n", "text file"),
        (b'<?xml version="1.0"?><svg/>', "root is <svg>"),
        (bytes(range(256)), "binary file"),
        (psd_bytes(), "Photoshop document (PSD)"),
        (MINIMAL_AEPX, "After Effects XML project"),
    ],
)
def test_describe_content(data, words):
    assert words in describe_content(data)


# --------------------------------------------------------------------------------------------
# Properties


@given(st.binary(max_size=512))
def test_sniffing_arbitrary_bytes_never_raises(data):
    assert sniff_bytes(data) in (None, PSD, PSB, AEP, AEPX)
    assert isinstance(describe_content(data), str)


@given(st.binary(max_size=64), st.sampled_from([psd_bytes(), aep_bytes(), MINIMAL_AEPX]))
def test_a_known_header_decides_whatever_follows(tail, head):
    assert sniff_bytes(head + tail) == sniff_bytes(head)


@given(
    st.text(alphabet=" \t\r\n", max_size=20),
    st.lists(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="-"), max_size=20), max_size=3),
)
def test_comments_and_whitespace_before_the_root_are_skipped(space, comments):
    prolog = "".join(f"<!--{c}-->{space}" for c in comments)
    data = ('<?xml version="1.0"?>' + space + prolog + "<AfterEffectsProject>").encode("utf-8")
    assert sniff_bytes(data) == AEPX


@pytest.mark.skipif(not SHARED_FIXTURES.is_dir(), reason="shared real-world fixtures not present")
def test_real_photoshop_and_after_effects_files():
    psd_dir = SHARED_FIXTURES / "psd"
    for path in sorted(psd_dir.iterdir()):
        assert sniff_file(path) == kind_from_extension(path), path.name
    assert sniff_file(SHARED_FIXTURES / "aepx" / "split-screen.aepx") == AEPX
    for png in (SHARED_FIXTURES / "aepx" / "footage").glob("*.png"):
        assert sniff_file(png) is None
        assert describe_content(sniff.read_head(png)) == "a PNG image"
