"""The driver: :func:`render_previews` chooses the compositions, draws each, and writes the
previews, the comparison and the thumbnail, with the metrics and warnings.

It turns the render plan's notes into warnings, groups the plan's placements and the matches
by composition, keeps the compositions the plan fills (and its render composition, the main
frame) that fit the pixel limit, and runs the drawing inline or with worker threads that
decode and encode beside the painting.
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
from ..render_plan.composition import precomp_of
from ..render_plan.model import RenderPlan
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
                    "error",
                    f"a match names composition {match.composition!r}, which the template lacks",
                    match.composition,
                    match.placeholder,
                )
            )
            continue
        grouped.setdefault(match.composition, {}).setdefault(match.layer_index, match)
    return grouped


def _compositions_to_render(
    template: TemplateDocument, plan: RenderPlan, grouped: Mapping[str, Mapping[int, Match]]
) -> list[Composition]:
    """Compositions (first of each name, template order) the plan fills or a match names with a
    PSD layer, and the plan's render composition when any is."""
    wanted = {p.composition for p in (*plan.footage, *plan.texts)}
    wanted |= {name for name, found in grouped.items() if any(m.psd_layer_id is not None for m in found.values())}
    if wanted and plan.composition is not None:
        wanted.add(plan.composition)
    seen: set[str] = set()
    chosen = []
    for comp in template.compositions:
        if comp.name not in seen and comp.name in wanted:
            chosen.append(comp)
        seen.add(comp.name)
    return chosen


def _main(compositions: Sequence[Composition], plan: RenderPlan) -> Composition:
    """The plan's render composition; when it is not drawn, the one the plan fills most."""
    for comp in compositions:
        if comp.name == plan.composition:
            return comp
    counts = [len(plan.placements(comp.name)[0]) + len(plan.placements(comp.name)[1]) for comp in compositions]
    return compositions[counts.index(max(counts))]


def _by_layer(placements) -> dict[int, object]:
    """Placements by layer index (the first of a layer wins)."""
    found: dict[int, object] = {}
    for placement in placements:
        found.setdefault(placement.layer_index, placement)
    return found


def _precomps(template: TemplateDocument, comp: Composition, names: set[str]) -> dict[int, str]:
    """The precomp layers of ``comp`` showing one of the compositions ``names``: index -> name."""
    shown = {}
    for layer in comp.layers:
        inner = precomp_of(template, layer.source) if layer.type == "precomp" else None
        if inner is not None and inner.name in names and inner.name != comp.name:
            shown[layer.index] = inner.name
    return shown


def _drawing_order(template: TemplateDocument, compositions: Sequence[Composition]) -> list[Composition]:
    """The compositions with each one after those its precomp layers show (cycles broken)."""
    names = {comp.name for comp in compositions}
    by_name = {comp.name: comp for comp in compositions}
    order: list[Composition] = []
    done: set[str] = set()

    def visit(comp: Composition, path: set[str]) -> None:
        if comp.name in done or comp.name in path:
            return
        for inner in _precomps(template, comp, names).values():
            visit(by_name[inner], path | {comp.name})
        done.add(comp.name)
        order.append(comp)

    for comp in compositions:
        visit(comp, set())
    return order


def _plan_warnings(template: TemplateDocument, plan: RenderPlan) -> list[PreviewWarning]:
    """The plan's notes as warnings, and placements in compositions the template lacks."""
    warnings = [PreviewWarning(n.code, n.severity, n.message, n.composition, n.layer) for n in plan.notes]
    names = {comp.name for comp in template.compositions}
    for placement in (*plan.footage, *plan.texts):
        if placement.composition not in names:
            warnings.append(PreviewWarning(
                "unknown_composition", "warning",
                f"the render plan fills {placement.layer_name!r} in {placement.composition!r}, which the template "
                "lacks", placement.composition, placement.layer_name))
    return warnings


def render_previews(
    *,
    plan: RenderPlan,
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
    """Draw the preview of ``plan`` (:func:`~jobs.formats.render_plan.build_render_plan` of
    these matches) into ``out_dir``: a frame of every composition the plan fills, the
    comparison with the design and a thumbnail; return the files, metrics and warnings.

    Every placeholder the plan fills is drawn where and as the plan says (the footage through
    its matrix and mask, the text in the template's font from its box or origin); the plan's
    notes are the first warnings. ``matches`` name the placeholders left empty (outlined) and
    label the metrics. ``layer_images`` maps PSD layer ids to exported RGBA PNGs; ``flattened``
    is the PSD's flattened image; ``time`` overrides each composition's frame time (default a
    third of its duration); ``font_files`` maps PostScript names to font files;
    ``fallback_font`` replaces Pillow's bundled fallback; template footage is drawn only from
    files inside ``footage_roots`` (the template's paths are untrusted); ``threads`` > 1 decodes
    and encodes images in that many threads beside the painting. Files:
    ``preview-<slug>.png`` per composition, and ``comparison.png`` and ``preview-thumb.png`` of
    the plan's render composition. Unreadable inputs become warnings, never errors.
    """
    if not features.check("freetype2"):
        raise RuntimeError("Pillow was built without FreeType; previews cannot draw text")
    configure_pillow(limits)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    warnings = _plan_warnings(template, plan)
    grouped = _group_matches(template, matches, warnings)
    compositions = _renderable(_compositions_to_render(template, plan, grouped), limits, warnings)
    if not compositions:
        warnings.append(
            PreviewWarning("nothing_to_preview", "error", "no composition holds a matched placeholder")
        )
        return PreviewResult((), {"main_composition": None, "compositions": []}, tuple(warnings))
    main = _main(compositions, plan)
    noted = {(n.composition, n.layer, n.code) for n in plan.notes}
    fonts = _Fonts(font_files, fallback_font)
    files: list[PreviewFile] = []
    comp_metrics: list[dict] = []
    slugs: set[str] = set()
    executor = (
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="preview") if threads > 1 else _InlineExecutor()
    )
    names = {comp.name for comp in compositions}
    shown_inside = {name for comp in compositions for name in _precomps(template, comp, names).values()}
    paths = {comp.name: out_dir / f"preview-{_unique(slugify(comp.name), slugs)}.png" for comp in compositions}
    drawn: dict[str, tuple] = {}  # name -> (frame, metrics, warnings, canvas, coverage)
    with executor as pool:
        design = pool.submit(_load_flattened, flattened, limits)
        writes: list[Future] = []
        for comp in _drawing_order(template, compositions):
            footage, texts = plan.placements(comp.name)
            renderer = _CompositionRenderer(
                composition=comp,
                time=frame_time(comp, time),
                footage=_by_layer(footage),
                texts=_by_layer(texts),
                matches=grouped.get(comp.name, {}),
                noted=noted,
                psd=psd,
                layer_images=layer_images,
                fonts=fonts,
                thresholds=thresholds,
                limits=limits,
                footage_roots=footage_roots,
                footage_paths={f.recorded_path: f.local_path for f in plan.files},
                pool=pool,
                nested={index: drawn[name][3:] for index, name in _precomps(template, comp, set(drawn)).items()},
                transparent=comp.name in shown_inside,
            )
            frame, metrics = renderer.render()
            writes.append(pool.submit(_save_png, frame, paths[comp.name]))
            drawn[comp.name] = (frame, metrics, renderer.warnings, renderer.canvas, renderer.coverage)
        for comp in compositions:  # files, metrics and warnings in template order
            _, metrics, found, _, _ = drawn[comp.name]
            warnings.extend(found)
            metrics["file"] = paths[comp.name].name
            files.append(PreviewFile("preview", paths[comp.name], comp.name))
            comp_metrics.append(metrics)
        main_frame = drawn[main.name][0]
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
        warnings.append(PreviewWarning("composition_too_large", "warning", message, comp.name))
    return kept


def _unique(slug: str, taken: set[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3``… when already taken; records the result."""
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    taken.add(candidate)
    return candidate
