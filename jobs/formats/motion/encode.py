"""Writing motion-preview frames as a file: animated WebP (Pillow alone) or MP4 (H.264, through
PyAV, whose wheel ships its own FFmpeg and x264: no system binary). Files are written
atomically (a reader never sees half a file)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from ..files import atomic_write

FORMATS = (".webp", ".mp4")
WEBP_QUALITY = 80
WEBP_METHOD = 0  # the fastest encoder effort: previews are transient
MP4_CRF = "23"


class EncodeError(ValueError):
    """The frames cannot be written in the asked format."""


def write_frames(frames: Sequence[Image.Image], path: Path, fps: float) -> Path:
    """Write ``frames`` (same-size RGB images) to ``path``: ``.webp`` or ``.mp4`` by its suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not frames:
        raise EncodeError("no frames to write")
    if suffix == ".webp":
        return atomic_write(path, lambda stream: _webp(frames, stream, fps))
    if suffix == ".mp4":
        return atomic_write(path, _mp4(frames, fps))
    raise EncodeError(f"{path.name}: the output must end in .webp or .mp4")


def _webp(frames: Sequence[Image.Image], stream, fps: float) -> None:
    duration = max(1, round(1000 / fps))
    first, rest = frames[0], list(frames[1:])
    first.save(stream, "WEBP", save_all=True, append_images=rest, duration=duration, loop=0,
               quality=WEBP_QUALITY, method=WEBP_METHOD, minimize_size=False)


def _mp4(frames: Sequence[Image.Image], fps: float) -> bytes:
    try:
        import av  # the PyAV wheel (requirements.txt): FFmpeg and libx264 inside it
    except ImportError:
        raise EncodeError("MP4 needs PyAV (pip install -r requirements.txt); write .webp instead") from None
    from fractions import Fraction

    width, height = frames[0].size
    even = (width + width % 2, height + height % 2)  # H.264 in 4:2:0 needs even sizes
    buffer = io.BytesIO()
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height = even
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": MP4_CRF, "preset": "veryfast"}
        for image in frames:
            if image.size != even:
                padded = Image.new("RGB", even, (0, 0, 0))
                padded.paste(image, (0, 0))
                image = padded
            for packet in stream.encode(av.VideoFrame.from_image(image.convert("RGB"))):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()
