"""Fonts: the configured font files by PostScript name, the bundled fallback, label fonts.

Everything is laid out with Pillow's basic engine (:data:`LAYOUT`) and at most
:data:`MAX_FONT_SIZE` pixels.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

LABEL_FONT_SIZE = 12  # smallest label text
MAX_FONT_SIZE = 2000.0  # sizes are clamped to this so a hostile box cannot ask FreeType for more
# Pillow's basic layout everywhere: Raqm needs the system's FriBiDi, which a fresh machine may
# lack, and the two engines measure differently; previews must not change with the machine.
LAYOUT = ImageFont.Layout.BASIC


def _font_size_bound(size: float) -> float:
    """A font size within 1..MAX_FONT_SIZE pixels."""
    return min(MAX_FONT_SIZE, max(1.0, float(size)))


@dataclass(frozen=True)
class _FontSource:
    """Font bytes with where they came from (``path`` None for the bundled fallback)."""

    data: bytes
    path: Path | None


class _Fonts:
    """Fonts for one call: the configured files by PostScript name, else the fallback.

    The fallback is Pillow's bundled Aileron Regular (needs Pillow with FreeType, nothing on
    the machine). It covers ASCII and a little Latin-1 punctuation only, so characters it
    lacks are reported (``missing_glyphs``); ``fallback_font`` replaces it. Text is laid out with
    Pillow's basic engine: no complex-script shaping, but the same result on every machine.
    """

    def __init__(self, font_files: Mapping[str, Path], fallback_font: Path | None):
        self._files = {name: Path(path) for name, path in font_files.items()}
        self._folded = {name.casefold(): path for name, path in self._files.items()}
        self._sources: dict[Path, _FontSource | OSError] = {}
        self._fonts: dict[tuple[int, float], ImageFont.FreeTypeFont] = {}
        self._notdef: dict[int, tuple] = {}
        if fallback_font is not None:
            self.fallback = _FontSource(Path(fallback_font).read_bytes(), Path(fallback_font))
        else:
            self.fallback = _FontSource(ImageFont.load_default(size=12).font_bytes, None)

    def resolve(self, name: str | None) -> tuple[_FontSource, str | None]:
        """The source for a PostScript name and, when falling back, why."""
        if not name:
            return self.fallback, "the layer names no font"
        path = self._files.get(name) or self._folded.get(name.casefold())
        if path is None:
            return self.fallback, f"no font file is configured for {name}"
        source = self._sources.get(path)
        if source is None:
            try:
                data = path.read_bytes()
                ImageFont.truetype(io.BytesIO(data), 12, layout_engine=LAYOUT)
                source = _FontSource(data, path)
            except OSError as error:
                source = error
            self._sources[path] = source
        if isinstance(source, OSError):
            return self.fallback, f"the font file for {name} cannot be read ({path.name})"
        return source, None

    def at(self, source: _FontSource, size: float) -> ImageFont.FreeTypeFont:
        """``source`` at ``size`` pixels (clamped to 1..MAX_FONT_SIZE), cached."""
        size = _font_size_bound(size)
        key = (id(source), size)
        font = self._fonts.get(key)
        if font is None:
            font = ImageFont.truetype(io.BytesIO(source.data), size, layout_engine=LAYOUT)
            self._fonts[key] = font
        return font

    def missing_glyphs(self, source: _FontSource, text: str) -> str:
        """The characters of ``text`` the font draws as its missing-glyph box."""
        font = self.at(source, 24)
        if id(source) not in self._notdef:
            self._notdef[id(source)] = _mask_signature(font, "\U0010ffff")
        notdef = self._notdef[id(source)]
        missing = {ch for ch in set(text) if not ch.isspace() and _mask_signature(font, ch) == notdef}
        return "".join(sorted(missing))


def _mask_signature(font: ImageFont.FreeTypeFont, char: str) -> tuple:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


_LABEL_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def _label_font(size: int) -> ImageFont.FreeTypeFont:
    """The bundled font at ``size`` for labels, cached."""
    if size not in _LABEL_FONTS:
        _LABEL_FONTS[size] = ImageFont.load_default(size=size)
    return _LABEL_FONTS[size]


def label_size(canvas_size: tuple[int, int]) -> int:
    """Label text size for a canvas: readable on a 1080p frame, never below LABEL_FONT_SIZE."""
    return max(LABEL_FONT_SIZE, round(min(canvas_size) / 50))
