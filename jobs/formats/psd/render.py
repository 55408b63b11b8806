"""Render a layer, or the flattened document, as an 8-bit sRGB RGBA image.

psd-tools applies the document's ICC profile where there is one; CMYK and Lab without a
profile are converted here, 16/32-bit channels end up as 8 bits, and the alpha of modes PIL
has no alpha variant for is fetched separately.

Plain Python (psd-tools, Pillow, NumPy), no Django.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageCms
from psd_tools import PSDImage
from psd_tools.api.utils import has_transparency
from psd_tools.composite import composite as composite_arrays
from psd_tools.constants import ChannelID

#: Kinds exported as images when visible. Groups, artboards and adjustment layers are not.
_RASTER_KINDS = frozenset({"pixel", "type", "smartobject"})


def _is_plain_raster(layer) -> bool:
    """Whether the layer's stored pixels alone are what it looks like (no mask, effects…)."""
    return (
        layer.kind in _RASTER_KINDS
        and layer.has_pixels()
        and not (layer.has_mask() and not layer.mask.disabled)
        and not layer.has_vector_mask()
        and not layer.has_effects()
        and not layer.has_clip_layers(visible=True)
        and layer.fill_opacity == 255
    )


def _render_layer(layer) -> Image.Image:
    """The layer as it looks in the document, over transparency, cropped to its box."""
    image = layer.topil() if _is_plain_raster(layer) else None
    if image is not None:
        alpha = _stored_alpha(layer) if image.mode in _NO_ALPHA_MODES else None
        return _apply_opacity(_to_srgba(image, alpha), layer.opacity)
    image = layer.composite(viewport=layer.bbox)
    if image is None:  # nothing visible in the box
        left, top, right, bottom = layer.bbox
        return Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
    alpha = _composited_alpha(layer, layer.bbox) if image.mode in _NO_ALPHA_MODES else None
    return _to_srgba(image, alpha)


def _render_flattened(psd: PSDImage) -> Image.Image:
    """The stored composite when the file has one, else a composite of the layers."""
    image = psd.composite()
    alpha = None
    if image.mode in _NO_ALPHA_MODES:
        if not psd.has_preview():
            alpha = _composited_alpha(psd, None)
        elif has_transparency(psd):
            alpha = psd.topil(channel=ChannelID.TRANSPARENCY_MASK)
    return _to_srgba(image, alpha)


#: Modes psd-tools returns when a CMYK or Lab document has no ICC profile: PIL has no alpha
#: variant of them, so the alpha is fetched separately.
_NO_ALPHA_MODES = frozenset({"CMYK", "LAB"})


def _stored_alpha(layer) -> Image.Image | None:
    return layer.topil(channel=ChannelID.TRANSPARENCY_MASK)


def _composited_alpha(layer, viewport) -> Image.Image:
    _, _, alpha = composite_arrays(layer, viewport=viewport)
    plane = np.clip(np.rint(alpha[:, :, 0] * 255), 0, 255).astype(np.uint8)
    return Image.fromarray(plane, "L")


def _to_srgba(image: Image.Image, alpha: Image.Image | None) -> Image.Image:
    """An 8-bit sRGB RGBA copy of what psd-tools returned.

    psd-tools has applied the document's ICC profile when there is one (giving RGB or RGBA);
    what is left is CMYK or Lab without a profile (converted here, with ``alpha`` attached),
    grayscale, bitmap and indexed images.
    """
    if image.mode == "LAB":
        image = ImageCms.applyTransform(image, _lab_to_srgb())
    if image.mode != "RGBA":
        image = image.convert("RGBA")
    if alpha is not None and alpha.size == image.size:
        image.putalpha(alpha.convert("L"))
    return image


_LAB_TRANSFORM = None


def _lab_to_srgb():
    global _LAB_TRANSFORM
    if _LAB_TRANSFORM is None:
        _LAB_TRANSFORM = ImageCms.buildTransform(
            ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
        )
    return _LAB_TRANSFORM


def _apply_opacity(image: Image.Image, opacity: int) -> Image.Image:
    if opacity >= 255:
        return image
    alpha = image.getchannel("A").point(lambda value: (value * opacity + 127) // 255)
    image.putalpha(alpha)
    return image
