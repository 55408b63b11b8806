"""The driver: :func:`render_previews` chooses the compositions, draws each, and writes the
previews, the comparison and the thumbnail, with the metrics and warnings.

It groups the matches by composition, keeps the compositions holding a matched placeholder
that fit the pixel limit, picks the main one (the most matched placeholders), and runs the
drawing inline or with worker threads that decode and encode beside the painting.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType

from PIL import features

from ..descriptions import Composition, Match, PsdDocument, TemplateDocument
from ..limits import DEFAULT_LIMITS, Limits, configure_pillow
from .comparison import _load_flattened, _main_files
from .composition import _CompositionRenderer
from .fonts import _Fonts
from .geometry import frame_time
from .images import _save_png
from .results import DEFAULT_THRESHOLDS, PreviewFile, PreviewResult, PreviewThresholds, PreviewWarning

# Decoding, resampling and PNG encoding release the GIL: with threads > 1 they overlap with the
# painting, which shortens one preview on a machine with idle cores. A pipeline worker runs with
# one (inline, no thread): under a backlog every core already runs a worker, and threads inside
# each would only compete with the other workers. Images are decoded at most
# images.DECODE_AHEAD ahead of the painter, which bounds the memory held.
THREADS = 1


def slugify(name: str) -> str:
    """A file-name-safe lower-case ASCII form of ``name`` (``composition`` when nothing is left)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:80].strip("-") or "composition"


class _InlineExecutor(Executor):
    """Runs each submitted call at once in the caller's thread (``threads=1``); its future holds
    the result or the exception, as a pool's would."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # noqa: BLE001  (handed to whoever reads the future)
            future.set_exception(error)
        return future


def _group_matches(
    template: TemplateDocument, matches: Sequence[Match], warnings: list[PreviewWarning]
) -> dict[str, dict[int, Match]]:
    """Matches by composition name and layer index (the first match of a layer wins)."""
    grouped: dict[str, dict[int, Match]] = {}
    names = {comp.name for comp in template.compositions}
    for match in matches:
        if match.composition not in names:
            warnings.append(
                PreviewWarning(
                    "unknown_composition",
                    "warning",
                    f"a match names composition {match.composition!r}, which the template lacks",
                    match.composition,
                    match.placeholder,
                )
            )
            continue
        grouped.setdefault(match.composition, {}).setdefault(match.layer_index, match)
    return grouped


def _compositions_to_render(
    template: TemplateDocument, grouped: Mapping[str, Mapping[int, Match]]
) -> list[Composition]:
    """Compositions (first of each name, template order) with at least one matched placeholder."""
    seen: set[str] = set()
    chosen = []
    for comp in template.compositions:
        if comp.name in seen:
            continue
        seen.add(comp.name)
        if any(m.psd_layer_id is not None for m in grouped.get(comp.name, {}).values()):
            chosen.append(comp)
    return chosen


def _main_index(matches: Sequence[Mapping[int, Match]]) -> int:
    """The composition with the most matched placeholders (the first on a tie)."""
    counts = [sum(m.psd_layer_id is not None for m in found.values()) for found in matches]
    return counts.index(max(counts))


def render_previews(
    *,
    template: TemplateDocument,
    psd: PsdDocument,
    matches: Sequence[Match],
    layer_images: Mapping[int, Path],
    flattened: Path | None,
    out_dir: Path,
    time: float | None = None,
    font_files: Mapping[str, Path] = MappingProxyType({}),
    thresholds: PreviewThresholds = DEFAULT_THRESHOLDS,
    limits: Limits = DEFAULT_LIMITS,
    fallback_font: Path | None = None,
    footage_roots: Sequence[Path] = (),
    threads: int = THREADS,
) -> PreviewResult:
    """Draw the preview of every composition holding a matched placeholder, the comparison
    with the design and a thumbnail into ``out_dir``; return the files, metrics and warnings.

    ``layer_images`` maps PSD layer ids to exported RGBA PNGs; ``flattened`` is the PSD's
    flattened image; ``time`` overrides each composition's frame time (default a third of its
    duration); ``font_files`` maps PostScript names to font files; ``fallback_font`` replaces
    Pillow's bundled fallback; template footage is drawn only from files inside
    ``footage_roots`` (the template's paths are untrusted); ``threads`` > 1 decodes and encodes
    images in that many threads beside the painting. Files: ``preview-<slug>.png`` per
    composition, and ``comparison.png`` and ``preview-thumb.png`` of the main composition (the
    one with the most matched placeholders). Unreadable inputs become warnings, never errors.
    """
    if not features.check("freetype2"):
        raise RuntimeError("Pillow was built without FreeType; previews cannot draw text")
    configure_pillow(limits)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    warnings: list[PreviewWarning] = []
    grouped = _group_matches(template, matches, warnings)
    compositions = _renderable(_compositions_to_render(template, grouped), limits, warnings)
    if not compositions:
        warnings.append(
            PreviewWarning("nothing_to_preview", "warning", "no composition holds a matched placeholder")
        )
        return PreviewResult((), {"main_composition": None, "compositions": []}, tuple(warnings))
    main = compositions[_main_index([grouped[comp.name] for comp in compositions])]
    fonts = _Fonts(font_files, fallback_font)
    files: list[PreviewFile] = []
    comp_metrics: list[dict] = []
    slugs: set[str] = set()
    executor = (
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="preview") if threads > 1 else _InlineExecutor()
    )
    with executor as pool:
        design = pool.submit(_load_flattened, flattened, limits)
        writes: list[Future] = []
        for comp in compositions:
            renderer = _CompositionRenderer(
                composition=comp,
                time=frame_time(comp, time),
                matches=grouped[comp.name],
                psd=psd,
                layer_images=layer_images,
                fonts=fonts,
                thresholds=thresholds,
                limits=limits,
                footage_roots=footage_roots,
                pool=pool,
            )
            frame, metrics = renderer.render()
            warnings.extend(renderer.warnings)
            path = out_dir / f"preview-{_unique(slugify(comp.name), slugs)}.png"
            writes.append(pool.submit(_save_png, frame, path))
            metrics["file"] = path.name
            files.append(PreviewFile("preview", path, comp.name))
            comp_metrics.append(metrics)
            if comp is main:
                main_frame = frame
        design_image, design_warning = design.result()
        warnings.extend([design_warning] if design_warning else [])
        files.extend(_main_files(pool, writes, main_frame, main.name, psd, design_image, out_dir))
        for write in writes:
            write.result()
    metrics = {"main_composition": main.name, "compositions": comp_metrics}
    return PreviewResult(tuple(files), metrics, tuple(warnings), main.name)


def _renderable(
    compositions: Sequence[Composition], limits: Limits, warnings: list[PreviewWarning]
) -> list[Composition]:
    """The compositions whose frame fits the pixel limit; a warning for each other one."""
    kept = []
    for comp in compositions:
        if 0 < comp.width and 0 < comp.height and comp.width * comp.height <= limits.max_pixels:
            kept.append(comp)
            continue
        message = f"{comp.width}x{comp.height} is outside the preview limits"
        warnings.append(PreviewWarning("composition_too_large", "error", message, comp.name))
    return kept


def _unique(slug: str, taken: set[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3``… when already taken; records the result."""
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    taken.add(candidate)
    return candidate
