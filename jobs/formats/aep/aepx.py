"""The .aepx XML form of a project, turned into the :class:`~.chunks.Chunk` tree of an .aep.

The mapping is the format note's section 2 (``docs/aepx-format.md``): ``<xxxx bdata="hex"/>``
is a leaf, an element without ``bdata`` a LIST, ``<string>`` a ``Utf8`` chunk,
``<fileReference>`` the ``alas`` JSON record (:func:`alas_json`), ``numS``/``ppSn`` numbers
written as text. The XML is parsed by an lxml parser built explicitly (:func:`_xml_parser`: no
DTD, no entity resolution, no network, no huge trees) and any DOCTYPE is refused.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from lxml import etree

from ..errors import FormatError
from ..limits import Limits
from .chunks import _U32, LEAF, LIST, NEST, NEST_TAGS, Chunk, _max_chunks

AE_NAMESPACE = "http://www.adobe.com/products/aftereffects"


def _xml_parser() -> etree.XMLParser:
    """The only way XML is parsed here: no DTD, no entities, no network, bounded nodes."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        attribute_defaults=False,
    )


def _parse_aepx(data: bytes, limits: Limits) -> tuple[Chunk, str]:
    if len(data) > limits.max_xml_bytes:
        raise FormatError(f"XML larger than {limits.max_xml_bytes} bytes", code="too_large")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise FormatError("XML with a DOCTYPE or entity declarations is refused", code="hostile")
    max_chunks = _max_chunks(limits)
    if data.count(b"<") > 2 * max_chunks:
        raise FormatError(f"more than {max_chunks} XML elements", code="too_large")
    try:
        root = etree.fromstring(data, _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"malformed XML: {_one_line(str(exc))}") from None
    except ValueError as exc:  # e.g. an encoding lxml does not know
        raise FormatError(f"unreadable XML: {_one_line(str(exc))}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise FormatError("XML with a DOCTYPE is refused", code="hostile")
    if etree.QName(root).localname != "AfterEffectsProject":
        raise FormatError(f"not an After Effects XML project (root element <{etree.QName(root).localname}>)")
    converter = _XmlConverter(limits.max_chunk_depth, max_chunks)
    children = converter.children(root, 1)
    return Chunk("Egg!", LIST, children=children), converter.xmp


class _XmlConverter:
    """Turns .aepx elements into chunks, following the mapping of the format note, section 2."""

    def __init__(self, max_depth: int, max_chunks: int):
        self.max_depth = max_depth
        self.max_chunks = max_chunks
        self.count = 0
        self.xmp = ""

    def children(self, element: Any, depth: int) -> list[Chunk]:
        if depth > self.max_depth:
            raise FormatError(f"XML nested deeper than {self.max_depth} levels")
        out = []
        append = out.append
        for child in element:
            tag = child.tag
            if tag.__class__ is not str:
                if isinstance(child, etree._Entity):
                    raise FormatError("XML entity references are refused", code="hostile")
                continue
            self.count += 1
            if self.count > self.max_chunks:
                raise FormatError(f"more than {self.max_chunks} XML elements", code="too_large")
            name = tag.rpartition("}")[2]
            bdata = child.get("bdata")
            if bdata is not None:  # the common case: a leaf chunk, inline for speed
                try:
                    payload = bytes.fromhex(bdata)
                except ValueError:
                    raise FormatError(f"<{name}> holds invalid hex data") from None
                append(Chunk(name, LIST, payload) if name == "btdk" else Chunk(name, LEAF, payload))
                continue
            chunk = self.convert(child, name, depth)
            if chunk is not None:
                append(chunk)
        return out

    def convert(self, element: Any, name: str, depth: int) -> Chunk | None:
        """An element without ``bdata``: a string, path record, number, or a container."""
        if name == "string":
            if len(element):
                raise FormatError("<string> with child elements")
            return Chunk("Utf8", LEAF, (element.text or "").encode("utf-8"))
        if name == "fileReference":
            return Chunk("alas", LEAF, alas_json(dict(element.attrib)).encode("utf-8"))
        if name == "ProjectXMPMetadata":
            self.xmp = element.text or ""
            return None
        if name in _TEXT_NUMBERS:
            return Chunk(name, LEAF, _text_number(name, element))
        kind = NEST if name in NEST_TAGS else LIST
        return Chunk(name, kind, children=self.children(element, depth + 1))


def _text_number(name: str, element: Any) -> bytes:
    """``numS`` (u32) and ``ppSn`` (f64): numbers the XML writes as a decimal ``<string>``."""
    texts = [c.text or "" for c in element if isinstance(c.tag, str)]
    try:
        value = texts[0].strip()
        return _U32.pack(int(value)) if name == "numS" else struct.pack(">d", float(value))
    except (IndexError, ValueError, struct.error):
        raise FormatError(f"<{name}> does not hold a number") from None


_TEXT_NUMBERS = ("numS", "ppSn")

_ALAS_PLATFORMS = {"MacPOSIX": 2, "Mac": 2, "Windows": 1, "Win": 1, "Win32": 1}


def alas_json(attrs: dict[str, str]) -> str:
    """The ``alas`` chunk body for the attributes of an .aepx ``<fileReference>``: compact JSON
    with sorted keys, numbers and booleans typed as After Effects writes them."""
    record: dict[str, Any] = {}
    for key, value in attrs.items():
        if key.startswith("ascendcount"):
            record[key] = int(value) if value.lstrip("-").isdigit() else value
        elif key == "platform":
            if value.isdigit():
                record[key] = int(value)
            else:
                path = attrs.get("fullpath", "")
                record[key] = _ALAS_PLATFORMS.get(value, 2 if path.startswith("/") else 1)
        elif key == "target_is_folder":
            record[key] = value.lower() in ("1", "true")
        else:
            record[key] = value
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
