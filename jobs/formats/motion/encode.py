"""Writing motion-preview frames as a file: animated WebP (Pillow alone) or MP4 (H.264, through
PyAV, whose wheel ships its own FFmpeg and x264: no system binary). Files are written
atomically (a reader never sees half a file).

The MP4 is for browsers: H.264 in 4:2:0 (each side padded to an even size) with its index
(``moov``) before the media (``mdat``), "faststart", so a page plays it while it downloads and
can seek in it at once. :func:`write_mp4` takes any iterable of frames, so a caller can compose
them one at a time."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from fractions import Fraction
from itertools import chain
from pathlib import Path

from PIL import Image

from ..files import atomic_output, atomic_write

FORMATS = (".webp", ".mp4")
WEBP_QUALITY = 80
WEBP_METHOD = 0  # the fastest encoder effort: previews are transient
MP4_CRF = "23"
MP4_PRESET = "ultrafast"  # x264's fastest: a preview is watched once, at 480 px; its files stay small


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
        return write_mp4(frames, path, fps)
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


def even_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size an MP4 of frames of ``size`` has: each side rounded up to even (4:2:0)."""
    return size[0] + size[0] % 2, size[1] + size[1] % 2


def write_mp4(frames: Iterable[Image.Image], path: Path, fps: float, *, threads: int = 0) -> Path:
    """Write ``frames`` (same-size RGB images, any iterable) as an H.264 MP4 at ``fps``, its
    ``moov`` before its ``mdat``; odd sizes are padded with black to even ones (:func:`even_size`).
    ``threads``: the encoder's threads (0: x264 chooses, about 1.5 per core).

    A frame that is the same object as the one before is encoded from the same converted
    picture (a still composition converts once: the encoder's own cost is what remains)."""
    try:
        import av  # the PyAV wheel (requirements.txt): FFmpeg and libx264 inside it
    except ImportError:
        raise EncodeError("MP4 needs PyAV (pip install -r requirements.txt); write .webp instead") from None
    path = Path(path)
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise EncodeError("no frames to write")
    even = even_size(first.size)
    rate = Fraction(fps).limit_denominator(1001)
    # faststart: FFmpeg's muxer reopens the file by name at the end to move the index to the
    # front, so it writes to a path (a memory buffer fails there), renamed into place after.
    with atomic_output(path) as temporary:
        with av.open(str(temporary), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=rate)
            stream.width, stream.height = even
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": MP4_CRF, "preset": MP4_PRESET}
            if threads:
                stream.thread_count = threads
            previous, picture = None, None
            for number, image in enumerate(chain([first], frames)):
                if image.size != first.size:
                    raise EncodeError(f"frames of different sizes: {image.size} after {first.size}")
                if image is not previous:
                    picture = av.VideoFrame.from_image(_even_rgb(image, even)).reformat(format="yuv420p")
                    previous = image
                picture.pts = number
                for packet in stream.encode(picture):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
    return path


def _even_rgb(image: Image.Image, even: tuple[int, int]) -> Image.Image:
    image = image.convert("RGB")
    if image.size == even:
        return image
    padded = Image.new("RGB", even, (0, 0, 0))
    padded.paste(image, (0, 0))
    return padded
