"""Turn every failure of reading a Photoshop file into one one-line ``FormatError``.

Inside :func:`_guard`, psd-tools' large-image and decompression warnings and Pillow's
decompression-bomb warning are errors, and whatever psd-tools or Pillow raises (parse and
allocation limits, memory, recursion, ``struct.error``, ...) becomes a
:class:`~jobs.formats.errors.FormatError` naming the file, with a code.

Plain Python, no Django.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image
from psd_tools import PSDDecompressionWarning, PSDLargeImageWarning
from psd_tools.compression import DecompressionLimitError
from psd_tools.psd.parse_limits import ParseLimitError

from ..errors import FormatError
from ..limits import Limits, configure_pillow


@contextmanager
def _guard(source: Path, limits: Limits) -> Iterator[None]:
    """Turn every failure of reading ``source`` into one FormatError naming it.

    psd-tools' large-image and decompression warnings and Pillow's decompression-bomb warning
    are raised as errors inside. (``warnings.catch_warnings`` changes process-wide state: run
    one reader per thread, as the workers do.)
    """
    configure_pillow(limits)
    name = source.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PSDLargeImageWarning)
            warnings.simplefilter("error", PSDDecompressionWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except FormatError as error:
        raise FormatError(error.message, source=name, code=error.code) from error
    except (ParseLimitError, DecompressionLimitError) as error:
        raise FormatError(f"refused by the parser's limits: {_one_line(error)}", source=name, code="limit") from error
    except PSDDecompressionWarning as error:
        raise FormatError(f"corrupt image data: {_one_line(error)}", source=name, code="corrupt") from error
    except (PSDLargeImageWarning, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise FormatError(f"image too large: {_one_line(error)}", source=name, code="limit") from error
    except MemoryError as error:
        raise FormatError("decoding needs more memory than is available", source=name, code="limit") from error
    except RecursionError as error:
        raise FormatError("the file's structure is nested too deeply", source=name, code="limit") from error
    except ImportError as error:
        raise FormatError(
            f"rendering this file needs an optional package: {_one_line(error)}", source=name, code="unsupported"
        ) from error
    except Exception as error:  # psd-tools raises struct.error, KeyError, AssertionError, …
        raise FormatError(_psd_tools_message(error), source=name, code="invalid") from error


def _psd_tools_message(error: Exception) -> str:
    text = _one_line(error)
    if "over the configured budget" in text:
        return "decoding an image would need more memory than the configured budget allows"
    if not text:
        return f"cannot read the file ({type(error).__name__})"
    return f"cannot read the file ({type(error).__name__}: {text})"


def _one_line(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
