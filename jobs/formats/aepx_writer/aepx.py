"""A chunk tree serialised as .aepx XML (:func:`to_aepx`), the mapping of the format note's
section 2 (``docs/aepx-format.md``) that :mod:`jobs.formats.aep.aepx` reads back.
"""

from __future__ import annotations

import json
import struct

from lxml import etree

from ..aep.aepx import AE_NAMESPACE
from ..aep.chunks import LEAF, LIST, Chunk


def to_aepx(root: Chunk, xmp: str = "") -> bytes:
    """Serialise a chunk tree as .aepx XML (the mapping of the format note, section 2)."""
    element = etree.Element(f"{{{AE_NAMESPACE}}}AfterEffectsProject", nsmap={None: AE_NAMESPACE})
    element.set("majorVersion", "1")
    element.set("minorVersion", "0")
    for child in root.children:
        if xmp and child.tag == "Fold" and child.kind == LIST:
            _xmp_element(element, xmp)
            xmp = ""
        _xml_chunk(element, child)
    if xmp:
        _xmp_element(element, xmp)
    etree.indent(element, space="\t")
    body = etree.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _xmp_element(parent: etree._Element, xmp: str) -> None:
    node = etree.SubElement(parent, f"{{{AE_NAMESPACE}}}ProjectXMPMetadata")
    node.text = etree.CDATA(xmp)


def _xml_chunk(parent: etree._Element, chunk: Chunk) -> None:
    if chunk.kind == LEAF and chunk.tag == "Utf8":
        node = etree.SubElement(parent, f"{{{AE_NAMESPACE}}}string")
        text = chunk.data.decode("utf-8")
        if text:
            node.text = text
        return
    if chunk.kind == LEAF and chunk.tag == "alas":
        _file_reference(parent, chunk.data)
        return
    if chunk.kind == LEAF and chunk.tag in ("numS", "ppSn"):
        node = etree.SubElement(parent, f"{{{AE_NAMESPACE}}}{chunk.tag}")
        string = etree.SubElement(node, f"{{{AE_NAMESPACE}}}string")
        if chunk.tag == "numS":
            string.text = str(struct.unpack(">I", chunk.data)[0])
        else:
            string.text = f"{struct.unpack('>d', chunk.data)[0]:.9f}"
        return
    node = etree.SubElement(parent, f"{{{AE_NAMESPACE}}}{chunk.tag}")
    if chunk.kind == LEAF or (chunk.kind == LIST and chunk.tag == "btdk"):
        node.set("bdata", chunk.data.hex())
        return
    for child in chunk.children:
        _xml_chunk(node, child)


def _file_reference(parent: etree._Element, data: bytes) -> None:
    record = json.loads(data.decode("utf-8"))
    node = etree.SubElement(parent, f"{{{AE_NAMESPACE}}}fileReference")
    for key in sorted(record):
        value = record[key]
        if key == "platform":
            text = "MacPOSIX" if value == 2 else str(value)
        elif isinstance(value, bool):
            text = "1" if value else "0"
        else:
            text = str(value)
        node.set(key, text)
