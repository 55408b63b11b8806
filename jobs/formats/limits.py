"""Resource limits for parsing untrusted files, shared by every reader and renderer.

The defaults are safe for several workers on one machine; the Django settings pass their own
values (``AEA_MAX_FILE_BYTES``, ``AEA_MAX_ALLOC_BYTES``, ``AEA_MAX_PIXELS``; see
:func:`jobs.stages.base.reader_limits`) where a deployment needs others.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * 1024 * 1024  # a PSD, template or image we accept
    max_alloc_bytes: int = 768 * 1024 * 1024  # psd-tools' allocation budget per file
    max_pixels: int = 64_000_000  # one image's width x height (8000 x 8000)
    max_dimension: int = 30_000  # Photoshop's own PSD limit; PSB allows more, we do not
    max_layers: int = 2_000
    max_xml_bytes: int = 64 * 1024 * 1024
    max_chunk_depth: int = 64


DEFAULT_LIMITS = Limits()


def configure_pillow(limits: Limits = DEFAULT_LIMITS) -> None:
    """Bound what Pillow decodes and make its decompression-bomb warning an error.

    Idempotent; readers call it before opening any image.
    """
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)
