"""Export a Photoshop file's layers and its flattened image as PNGs: :func:`export_psd`.

Exported images are ``layer-<id>.png``, ``layer-<id>-thumb.png``, ``flattened.png`` and
``flattened-thumb.png``: 8-bit sRGB(A), whatever the document's mode and depth (psd-tools
applies the document's ICC profile where there is one; 16/32-bit channels are scaled to 8
bits). They are written to a staging folder and renamed into place only when every one has
been written, so a file that fails half-way leaves nothing behind. A re-run into the same
directory replaces them, and removes files of that naming pattern the new run did not write
(a layer deleted from the PSD since).

Plain Python (psd-tools, Pillow), no Django.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from ..descriptions import PsdDocument
from ..limits import DEFAULT_LIMITS, Limits
from .guard import _guard
from .reader import _load, _Loaded
from .render import _render_flattened, _render_layer

THUMBNAIL_SIZE = 256

#: zlib level of the PNGs written: 3 is about twice as fast as Pillow's default 6 for files a
#: few percent larger.
PNG_COMPRESS_LEVEL = 3

_EXPORT_NAME = re.compile(r"^(layer--?\d+(-thumb)?|flattened(-thumb)?)\.png$")


@dataclass(frozen=True)
class ExportedImage:
    """One PNG written by :func:`export_psd`."""

    layer_id: int | None  # None for the flattened image and its thumbnail
    role: str  # "layer", "thumbnail", "flattened" or "flattened_thumbnail"
    path: Path
    width: int
    height: int

    def to_dict(self) -> dict:
        return {
            "layer_id": self.layer_id,
            "role": self.role,
            "path": str(self.path),
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class PsdExport:
    """The description of a PSD and the images :func:`export_psd` wrote for it."""

    document: PsdDocument
    images: tuple[ExportedImage, ...] = ()

    def image(self, layer_id: int | None, role: str = "layer") -> ExportedImage | None:
        """The image of ``role`` for ``layer_id`` (None: the flattened image), if written."""
        return next(
            (img for img in self.images if img.layer_id == layer_id and img.role == role), None
        )

    def to_dict(self) -> dict:
        return {
            "document": self.document.to_dict(),
            "images": [image.to_dict() for image in self.images],
        }


def export_psd(
    path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    limits: Limits = DEFAULT_LIMITS,
    thumbnail_size: int = THUMBNAIL_SIZE,
) -> PsdExport:
    """Describe the file at ``path`` and write its images into ``out_dir`` (created if absent).

    Writes, for each visible content layer with a non-empty box (not groups, artboards or
    adjustment layers; a layer under a hidden group is not visible), an RGBA PNG of the layer
    as it looks in the document (mask, vector mask, effects and clipped layers applied where
    it has them; its opacity applied) cropped to its box, and a thumbnail whose longer side is
    at most ``thumbnail_size``; then the flattened image (the file's stored composite when it
    has one, else a composite of the layers) and its thumbnail. All or nothing: on
    :class:`FormatError` (any file it cannot accept or decode) no new file is left in
    ``out_dir``.
    """
    if thumbnail_size < 1:
        raise ValueError("thumbnail_size must be positive")
    source = Path(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".psd-export-", dir=out))
    try:
        with _guard(source, limits):
            loaded = _load(source, limits)
            staged = _write_images(loaded, staging, thumbnail_size)
        images = [_move_into(image, out) for image in staged]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _remove_stale(out, {image.path.name for image in images})
    return PsdExport(document=loaded.document, images=tuple(images))


def _write_images(loaded: _Loaded, folder: Path, thumbnail_size: int) -> list[ExportedImage]:
    """Each exportable layer and its thumbnail, in document order, then the flattened image."""
    images: list[ExportedImage] = []
    for description, layer in loaded.exportable():
        image = _render_layer(layer)
        stem = f"layer-{description.id}"
        images += _save_with_thumbnail(image, folder, stem, description.id, "layer", thumbnail_size)
    flattened = _render_flattened(loaded.psd)
    images += _save_with_thumbnail(flattened, folder, "flattened", None, "flattened", thumbnail_size)
    return images


def _save_with_thumbnail(
    image: Image.Image, out: Path, stem: str, layer_id: int | None, role: str, size: int
) -> list[ExportedImage]:
    thumb_role = "thumbnail" if role == "layer" else f"{role}_thumbnail"
    thumbnail = image.copy()
    thumbnail.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return [
        _save_png(image, out / f"{stem}.png", layer_id, role),
        _save_png(thumbnail, out / f"{stem}-thumb.png", layer_id, thumb_role),
    ]


def _save_png(image: Image.Image, path: Path, layer_id: int | None, role: str) -> ExportedImage:
    image.save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return ExportedImage(layer_id=layer_id, role=role, path=path, width=image.width, height=image.height)


def _move_into(image: ExportedImage, out: Path) -> ExportedImage:
    """Rename a staged PNG into ``out`` (atomic: a reader never sees half a file)."""
    target = out / image.path.name
    os.replace(image.path, target)
    return replace(image, path=target)


def _remove_stale(out: Path, written: set[str]) -> None:
    """Remove exports of an earlier run that this run did not write (layers since deleted)."""
    for entry in out.iterdir():
        if _EXPORT_NAME.match(entry.name) and entry.name not in written and entry.is_file():
            entry.unlink(missing_ok=True)
