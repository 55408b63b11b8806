"""Image files: reading sizes, decoding within the limits, decoding ahead on worker threads,
compositing an image onto a canvas (opaque, or transparent for a composition drawn inside
another), compositing a scaled image into a box, and writing PNGs atomically.

Footage the template names is read only from inside the roots the caller trusts.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Executor, Future
from pathlib import Path

from PIL import Image

from ..descriptions import Box
from ..files import atomic_write, resolve_inside
from ..limits import Limits
from .geometry import intersect

PNG_COMPRESS_LEVEL = 1  # previews are transient; fast compression keeps the render well under 1 s
DECODE_AHEAD = 2  # images decoded ahead of the painter at most, which bounds the memory held

# What Pillow raises for a file it cannot decode; the decompression-bomb warning is an error
# once configure_pillow() ran.
_IMAGE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    struct.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def _checked(image: Image.Image) -> Image.Image:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ValueError(f"unsupported size {width}x{height}")
    return image


def image_size(path: Path, limits: Limits) -> tuple[int, int]:
    """An image's size from its header; raises ``_IMAGE_ERRORS`` for what Pillow refuses."""
    if path.stat().st_size > limits.max_file_bytes:
        raise ValueError(f"larger than {limits.max_file_bytes} bytes")
    with open(path, "rb") as stream, Image.open(stream) as image:
        return _checked(image).size


def decode_image(path: Path, limits: Limits) -> Image.Image:
    """Decode an image and close the file: ``RGB`` when it is fully opaque (cheaper to scale
    and paste), else ``RGBA``. Raises ``_IMAGE_ERRORS`` for a file Pillow cannot or may not
    decode."""
    if path.stat().st_size > limits.max_file_bytes:
        raise ValueError(f"larger than {limits.max_file_bytes} bytes")
    with open(path, "rb") as stream:
        image = _checked(Image.open(stream))
        image.load()
    if image.mode == "RGB":
        return image
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    opaque = rgba.getchannel("A").getextrema() == (255, 255)
    return rgba.convert("RGB") if opaque else rgba


class _ImageDecoder:
    """Decodes the images a composition paints, in paint order, a few ahead on worker threads.

    ``decode(path)`` returns the decoded image or raises what :func:`decode_image` raises; a path
    asked for out of the planned order (an earlier one was skipped) still decodes.
    """

    def __init__(self, pool: Executor, limits: Limits, planned: Sequence[Path]):
        self._pool = pool
        self._limits = limits
        self._planned = deque(planned)
        self._running: deque[tuple[Path, Future]] = deque()
        self._fill()

    def _fill(self) -> None:
        while self._planned and len(self._running) < DECODE_AHEAD:
            path = self._planned.popleft()
            self._running.append((path, self._pool.submit(decode_image, path, self._limits)))

    def decode(self, path: Path) -> Image.Image:
        while self._running:
            queued, future = self._running.popleft()
            if queued == path:
                self._fill()
                return future.result()
            future.cancel()  # skipped: its result, if any, is dropped
            self._fill()
        return decode_image(path, self._limits)


def _composite(canvas: Image.Image, drawn: Image.Image, at: tuple[int, int]) -> Image.Image:
    """Put ``drawn`` (RGB or RGBA) over ``canvas`` (RGB, or RGBA for a transparent one) at
    ``at``; return its alpha."""
    if drawn.mode == "RGB":
        canvas.paste(drawn, at)
        return Image.new("L", drawn.size, 255)
    if canvas.mode == "RGBA":
        canvas.alpha_composite(drawn, at)
    else:
        canvas.paste(drawn, at, drawn.getchannel("A"))
    return drawn.getchannel("A")


def _draw_into(
    canvas: Image.Image, image: Image.Image, placed: Box, clip: Box
) -> tuple[Image.Image, Box] | None:
    """Composite ``image`` (RGB or RGBA) scaled to ``placed`` onto ``canvas``, only inside ``clip``.

    Only the visible part is resampled. Returns the alpha of what was drawn and the visible
    rectangle it covers, or None when nothing is visible.
    """
    inside = intersect(placed, clip)
    visible = intersect(inside, (0, 0, *canvas.size)) if inside is not None else None
    if visible is None:
        return None
    scale_x = image.width / (placed[2] - placed[0])
    scale_y = image.height / (placed[3] - placed[1])
    source_box = (
        (visible[0] - placed[0]) * scale_x,
        (visible[1] - placed[1]) * scale_y,
        (visible[2] - placed[0]) * scale_x,
        (visible[3] - placed[1]) * scale_y,
    )
    size = (visible[2] - visible[0], visible[3] - visible[1])
    resized = image.resize(size, Image.Resampling.BILINEAR, box=source_box, reducing_gap=3.0)
    return _composite(canvas, resized, visible[:2]), visible


def _save_png(image: Image.Image, path: Path) -> None:
    """Write ``image`` as PNG atomically (a reader never sees half a file); the file gets the
    usual permissions (umask), unlike a ``mkstemp`` file."""
    atomic_write(path, lambda stream: image.save(stream, "PNG", compress_level=PNG_COMPRESS_LEVEL))


def _inside_roots(path_text: str | None, roots: Sequence[Path]) -> Path | None:
    """``path_text`` resolved, when it is an existing file inside one of ``roots``."""
    if not path_text or not roots:
        return None
    path = resolve_inside(path_text, roots)
    return path if path is not None and path.is_file() else None
