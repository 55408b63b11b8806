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
    """An animated WebP that holds every frame (``docs/animation.md``, "Motion preview").

    Pillow's encoder (libwebp's animation encoder) stores a run of equal frames as one longer
    frame, which changes the frame count (and leaves a still for a composition that does not
    move). So the container is assembled here: each frame that differs from the one before
    is a full lossy frame, shown without blending; a frame equal to the one before is a
    1x1 fully transparent frame blended over it, which leaves the canvas as it was.
    """
    width, height = frames[0].size
    duration = max(1, round(1000 / fps))
    same = _chunks(_still(Image.new("RGBA", (1, 1), (0, 0, 0, 0)), lossless=True))
    body = bytearray()
    body += _chunk(b"VP8X", bytes([0b0001_0010, 0, 0, 0]) + _u24(width - 1) + _u24(height - 1))  # animation, alpha
    body += _chunk(b"ANIM", bytes([0, 0, 0, 0]) + (0).to_bytes(2, "little"))  # background, loop forever
    previous = None
    for image in frames:
        if previous is not None and (image is previous or image.tobytes() == previous.tobytes()):
            header = _u24(0) + _u24(0) + _u24(0) + _u24(0) + _u24(duration) + bytes([0b00])  # blend, keep
            body += _chunk(b"ANMF", header + same)
            continue
        data = _chunks(_still(image.convert("RGB"), lossless=False))
        header = _u24(0) + _u24(0) + _u24(width - 1) + _u24(height - 1) + _u24(duration) + bytes([0b10])  # no blend
        body += _chunk(b"ANMF", header + data)
        previous = image
    stream.write(b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + bytes(body))


def _still(image: Image.Image, *, lossless: bool) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD, lossless=lossless, exact=lossless)
    return buffer.getvalue()


def _chunks(still: bytes) -> bytes:
    """The image chunks (ALPH, VP8, VP8L) of a still WebP file, as an animation frame holds them."""
    out, at = bytearray(), 12
    while at + 8 <= len(still):
        fourcc, size = still[at:at + 4], int.from_bytes(still[at + 4:at + 8], "little")
        if fourcc in (b"ALPH", b"VP8 ", b"VP8L"):
            out += _chunk(fourcc, still[at + 8:at + 8 + size])
        at += 8 + size + (size & 1)
    return bytes(out)


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + len(payload).to_bytes(4, "little") + payload + (b"\0" if len(payload) & 1 else b"")


def _u24(value: int) -> bytes:
    return int(value).to_bytes(3, "little")


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
