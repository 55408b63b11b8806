"""Template rules: decide whether a populated job is safe to hand to a render node.

Stage 4 runs :func:`validate` on a job's template description, PSD description, layer matches,
preview metrics and replacement files before After Effects' ``aerender`` (through nexrender)
sees the job. Each rule catches one failure render nodes keep reporting: missing fonts or
footage, a composition that is not in the project, layers a by-name lookup cannot tell apart,
footage files without an extension, text that does not fit, images blown up past their size.

Plain Python with no Django import. Nothing here writes files; the rules read the replacement
files' headers and sizes and walk the input roots (bounded, without following symlinks) to
find relink candidates.

Severities: ``error`` blocks the deploy; ``warning`` needs a sign-off with a reason; ``info``
is shown and needs nothing.

=========================== =================================================================
rule                        severity
=========================== =================================================================
footage-missing             error when a layer that renders (enabled, in a render composition
                            or a pre-comp it reaches) and is not being replaced uses the
                            missing file; info otherwise (only replaced, disabled or
                            non-rendered layers use it, or nothing does). Fix: relink, when
                            exactly one file of that name lies in the input roots.
font-missing                error for a font a rendering text layer of the template uses;
                            info for a font only in the project's font list or in
                            compositions that do not render, and for a PSD text's font (the
                            render keeps the template layer's font: only its text changes).
render-comp-missing         error: a render composition is not in the template, two
                            compositions share its name, or nothing would render.
match-target-missing        error: a match or replacement file names a layer the composition
                            does not have, or a PSD layer id the PSD does not have.
layer-named-like-comp       error: a targeted layer is named like a composition.
duplicate-target-names      error: a lookup by a targeted layer's name cannot reach every
                            layer it should (two targets share the name, or a layer above the
                            target has it).
footage-no-extension        error: a replacement file has no file extension.
placeholder-unfilled        warning for an enabled placeholder in a render composition that
                            nothing fills (the template's dummy content would render); info
                            when the placeholder is disabled.
low-confidence-unconfirmed  error: a match below the review threshold no reviewer confirmed.
text-overflow               error when replacement text does not fit the template's own
                            paragraph box (After Effects hides what does not fit); warning when
                            it was measured with a fallback font, against an estimated box
                            (point text), or in another box than the template's (stale).
upscale                     warning over 100 %, error over 200 %.
aspect-mismatch             warning: the image's aspect ratio is more than 10 % off the
                            placeholder's.
layered-footage-left        warning when a layer that renders keeps layered .psd/.psb/.ai
                            footage; info when only other layers do.
all-caps-text               warning when the replacement text has lower-case letters that
                            All Caps will show upper-cased; info otherwise.
renderer-not-classic        warning: a render composition uses a 3D renderer other than
                            Classic 3D.
unsafe-name                 error: the output name or a replacement file name is unsafe as a
                            file name on a render node (macOS, Windows or Linux).
replacement-missing         error: a replacement file does not exist or is not a file.
file-limits                 error: a replacement file is over the size, dimension or pixel
                            limits.
=========================== =================================================================

Rules that lack their input are skipped, not passed: the report lists them in ``skipped``
with the reason (``font-missing`` without ``render_fonts``, ``text-overflow`` and ``upscale``
without preview metrics).
"""

from __future__ import annotations

import html
import json
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from PIL import Image

from .descriptions import Composition, Footage, Match, PsdDocument, TemplateDocument, TemplateLayer
from .limits import DEFAULT_LIMITS, Limits

__all__ = [
    "AppliedFix",
    "CLASSIC_RENDERERS",
    "DEFAULT_REVIEW_THRESHOLD",
    "Finding",
    "Fix",
    "RULES",
    "Rule",
    "SEVERITIES",
    "SkippedRule",
    "ValidationContext",
    "ValidationReport",
    "apply_fixes",
    "name_problems",
    "relinked",
    "render_html",
    "validate",
]

SEVERITIES = ("error", "warning", "info")
DEFAULT_REVIEW_THRESHOLD = 0.6  # the settings' AEA_MATCH_REVIEW_THRESHOLD default
DEFAULT_SCAN_LIMIT = 20_000  # files looked at per validation when searching for relinks
MAX_CANDIDATES_SHOWN = 10

UPSCALE_WARNING = 1.0  # scale factors (1.0 = 100 %)
UPSCALE_ERROR = 2.0
ASPECT_TOLERANCE = 0.10  # relative difference of aspect ratios
LAYERED_EXTENSIONS = (".psd", ".psb", ".ai")

# The 3D renderer match names that mean Classic 3D: "ADBE Escher" is what the project file
# records (its PRin chunk, beside the display name "Classic 3D"); "ADBE Advanced 3d" is what
# ExtendScript's CompItem.renderer reports.
CLASSIC_RENDERERS = frozenset({"ADBE Escher", "ADBE Advanced 3d"})
RENDERER_NAMES = {
    "ADBE Picasso": "Ray-traced 3D",
    "ADBE Ernst": "Cinema 4D",
    "ADBE Calder": "Advanced 3D",
}

# nexrender's own test for a footage name that carries an extension.
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_FORBIDDEN_CHARACTERS = frozenset(':*?"<>|')
_RESERVED_WINDOWS_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}
)
MAX_NAME_BYTES = 255

Key = tuple[str, int]  # (composition name, layer index)


# --------------------------------------------------------------------------------------------
# Public data


@dataclass(frozen=True)
class Fix:
    """An automatic correction. ``kind`` is ``relink``: point footage item ``footage_id`` /
    ``footage_name`` from ``old_path`` to ``new_path``. ``safe`` fixes may be applied without
    a person (:func:`apply_fixes`)."""

    kind: str
    footage_id: int | None
    footage_name: str
    old_path: str | None
    new_path: str
    safe: bool = True

    @property
    def description(self) -> str:
        return f"Relink footage {self.footage_name!r} from {self.old_path!r} to {self.new_path!r}."

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "footage_id": self.footage_id,
            "footage_name": self.footage_name,
            "old_path": self.old_path,
            "new_path": self.new_path,
            "safe": self.safe,
            "description": self.description,
        }


@dataclass(frozen=True)
class Finding:
    """One problem: ``message`` is one sentence naming the composition, layer, file or font."""

    rule: str
    severity: str
    message: str
    composition: str | None = None
    layer_index: int | None = None
    layer: str | None = None
    details: dict = field(default_factory=dict)
    fix: Fix | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "composition": self.composition,
            "layer_index": self.layer_index,
            "layer": self.layer,
            "details": self.details,
            "fix": self.fix.to_dict() if self.fix is not None else None,
        }


@dataclass(frozen=True)
class SkippedRule:
    """A rule that did not run, and why."""

    rule: str
    reason: str

    def to_dict(self) -> dict:
        return {"rule": self.rule, "reason": self.reason}


@dataclass(frozen=True)
class ValidationContext:
    """Everything the rules look at.

    ``render_compositions`` defaults (None) to the compositions that hold matched placeholders
    or replacement files, in match order. ``replacement_files`` maps ``(composition,
    layer_index)`` to the file that will replace that footage layer's source; a relative path
    is looked up in each input root in turn. ``render_fonts`` holds the PostScript names
    installed on the render machines (None: not checked). ``preview_metrics`` is
    :attr:`jobs.formats.preview.PreviewResult.metrics` (may be empty).
    """

    template: TemplateDocument
    psd: PsdDocument
    matches: Sequence[Match] = ()
    preview_metrics: Mapping = field(default_factory=dict)
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD
    render_fonts: frozenset[str] | None = None
    input_roots: Sequence[Path] = ()
    render_compositions: Sequence[str] | None = None
    replacement_files: Mapping[Key, str] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS
    output_name: str | None = None
    scan_limit: int = DEFAULT_SCAN_LIMIT


@dataclass(frozen=True)
class ValidationReport:
    """The findings, most severe first, and the rules that were skipped."""

    findings: tuple[Finding, ...]
    skipped: tuple[SkippedRule, ...] = ()

    def _of(self, severity: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return self._of("error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return self._of("warning")

    @property
    def infos(self) -> tuple[Finding, ...]:
        return self._of("info")

    @property
    def ok(self) -> bool:
        """No errors: the job may deploy (warnings still need a sign-off)."""
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "counts": {s: len(self._of(s)) for s in SEVERITIES},
            "findings": [f.to_dict() for f in self.findings],
            "skipped": [s.to_dict() for s in self.skipped],
        }


@dataclass(frozen=True)
class AppliedFix:
    """A fix :func:`apply_fixes` accepted, with the footage item before and after it."""

    fix: Fix
    before: Footage
    after: Footage

    def to_dict(self) -> dict:
        return {"fix": self.fix.to_dict(), "before": self.before.to_dict(), "after": self.after.to_dict()}


class RuleSkipped(Exception):
    """Raised by a rule whose input is absent; the message is the reason."""


@dataclass(frozen=True)
class Rule:
    """A named check; ``check`` yields findings for one job."""

    id: str
    check: Callable[[_Job], Iterable[Finding]]

    @property
    def description(self) -> str:
        return (self.check.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")


RULES: list[Rule] = []  # every rule, in the order validate() runs them (filled by @_rule)


def _rule(rule_id: str) -> Callable:
    def register(check: Callable[[_Job], Iterable[Finding]]) -> Callable:
        RULES.append(Rule(rule_id, check))
        return check

    return register


# --------------------------------------------------------------------------------------------
# Helpers


def _basename(path: str) -> str:
    """The last component of a POSIX or Windows path (After Effects records either)."""
    return re.split(r"[\\/]", path.rstrip("\\/"))[-1] if path else ""


def _box_size(box: Sequence[float] | None) -> tuple[float, float] | None:
    if box is None or len(box) < 4:
        return None
    width, height = box[2] - box[0], box[3] - box[1]
    return (width, height) if width > 0 and height > 0 else None


def name_problems(name: str) -> list[str]:
    """Why ``name`` is unsafe as a file name on a macOS, Windows or Linux render node
    (empty when it is safe)."""
    problems = []
    if not name:
        return ["it is empty"]
    if "/" in name or "\\" in name:
        problems.append("it contains a path separator")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        problems.append("it contains a control character")
    forbidden = sorted({ch for ch in name if ch in _FORBIDDEN_CHARACTERS})
    if forbidden:
        problems.append(f"it contains {' '.join(forbidden)}")
    if name.startswith("."):
        problems.append("it starts with a dot (hidden file)")
    if name.endswith((" ", ".")):
        problems.append("it ends with a space or a dot (Windows drops them)")
    if name.split(".")[0].rstrip(" ").upper() in _RESERVED_WINDOWS_NAMES:
        problems.append(f"{name.split('.')[0].rstrip(' ').upper()} is a reserved Windows name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        problems.append(f"it is longer than {MAX_NAME_BYTES} bytes")
    return problems


@dataclass(frozen=True)
class _Probe:
    """What a file's header says: its pixel size, or why it has none."""

    size: tuple[int, int] | None = None
    error: str | None = None
    too_many_pixels: bool = False


def _probe_image(path: Path) -> _Probe:
    """The image size from the header only (nothing is decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return _Probe(size=image.size)
    except Image.DecompressionBombError as error:
        return _Probe(error=str(error), too_many_pixels=True)
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        return _Probe(error=f"not a readable image ({type(error).__name__})")


@dataclass
class _Relinker:
    """Finds files by name inside the input roots, in one bounded walk.

    Directories are not followed through symlinks; a symlinked file counts only when it
    resolves inside a root. The walk stops after ``limit`` files and is then ``truncated``.
    """

    roots: Sequence[Path]
    limit: int
    wanted: frozenset[str]
    truncated: bool = False
    found: dict[str, list[Path]] = field(default_factory=dict)

    def run(self) -> _Relinker:
        if not self.wanted:
            return self
        resolved_roots = [Path(root).resolve() for root in self.roots if Path(root).is_dir()]
        seen: set[Path] = set()
        scanned = 0
        for root in resolved_roots:
            for directory, _dirs, files in os.walk(root, followlinks=False):
                for name in files:
                    scanned += 1
                    if scanned > self.limit:
                        self.truncated = True
                        return self
                    if name in self.wanted:
                        self._consider(Path(directory) / name, resolved_roots, seen)
        return self

    def _consider(self, path: Path, roots: list[Path], seen: set[Path]) -> None:
        target = path.resolve()
        if target in seen or not target.is_file():
            return
        if not any(target.is_relative_to(root) for root in roots):
            return
        seen.add(target)
        self.found.setdefault(path.name, []).append(path)


# --------------------------------------------------------------------------------------------
# The job as the rules see it


class _Job:
    """The context plus what several rules derive from it, computed once."""

    def __init__(self, ctx: ValidationContext):
        self.ctx = ctx
        self.template = ctx.template
        self._probes: dict[Path, _Probe] = {}

    @cached_property
    def compositions(self) -> dict[str, Composition]:
        """Compositions by name (the first one when names repeat, as After Effects finds)."""
        out: dict[str, Composition] = {}
        for comp in self.template.compositions:
            out.setdefault(comp.name, comp)
        return out

    def layer(self, key: Key) -> TemplateLayer | None:
        comp = self.compositions.get(key[0])
        return comp.layer(key[1]) if comp is not None else None

    @cached_property
    def filled(self) -> dict[Key, Match]:
        """Matches that bring a PSD layer, by (composition, layer index)."""
        return {(m.composition, m.layer_index): m for m in self.ctx.matches if m.psd_layer_id is not None}

    @cached_property
    def replacements(self) -> dict[Key, str]:
        return {(str(k[0]), int(k[1])): str(v) for k, v in self.ctx.replacement_files.items()}

    def is_text(self, key: Key) -> bool:
        layer = self.layer(key)
        if layer is not None and layer.type in ("text", "footage"):
            return layer.type == "text"
        match = self.filled.get(key)
        return match is not None and match.placeholder_type == "text"

    @cached_property
    def targets(self) -> list[Key]:
        """Layers the render job addresses: filled matches and replacement files, in order."""
        return list(dict.fromkeys([*self.filled, *self.replacements]))

    @cached_property
    def replaced_footage(self) -> set[Key]:
        """Layers whose footage source will be replaced."""
        return set(self.replacements) | {k for k in self.filled if not self.is_text(k)}

    @cached_property
    def render_names(self) -> list[str]:
        if self.ctx.render_compositions is not None:
            return list(dict.fromkeys(self.ctx.render_compositions))
        return list(dict.fromkeys(key[0] for key in self.targets))

    @cached_property
    def rendered(self) -> set[str]:
        """Render compositions and every composition an enabled pre-comp layer reaches."""
        by_id = {c.id: c for c in self.template.compositions if c.id is not None}
        seen: set[str] = set()
        stack = [name for name in self.render_names if name in self.compositions]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            for layer in self.compositions[name].layers:
                inner = self._precomp(layer, by_id)
                if inner is not None and layer.enabled:
                    stack.append(inner.name)
        return seen

    def _precomp(self, layer: TemplateLayer, by_id: Mapping[int, Composition]) -> Composition | None:
        source = layer.source
        if layer.type != "precomp" or source is None:
            return None
        return by_id.get(source.id) or self.compositions.get(source.name)

    def renders(self, composition: str, layer: TemplateLayer) -> bool:
        """The layer is enabled in a composition that renders."""
        return layer.enabled and composition in self.rendered

    def replacement_path(self, key: Key) -> Path:
        """The replacement file; a relative path is taken from the first input root that holds
        it (and only when it stays inside that root)."""
        path = Path(self.replacements[key])
        if path.is_absolute():
            return path
        for root in self.ctx.input_roots:
            candidate = Path(root) / path
            if candidate.exists() and candidate.resolve().is_relative_to(Path(root).resolve()):
                return candidate
        return path

    def probe(self, path: Path) -> _Probe:
        if path not in self._probes:
            self._probes[path] = _probe_image(path)
        return self._probes[path]

    @cached_property
    def metrics(self) -> dict[str, dict]:
        """Preview metrics per composition name."""
        comps = (self.ctx.preview_metrics or {}).get("compositions") or []
        return {m["name"]: m for m in comps if isinstance(m, Mapping) and "name" in m}

    def require_metrics(self) -> None:
        if not self.metrics:
            raise RuleSkipped("no preview metrics were given")

    def footage_items(self) -> list[Footage]:
        """Every footage item: the project's list and any layer source missing from it."""
        items = list(self.template.footage)
        known = {_footage_key(f) for f in items}
        for comp in self.template.compositions:
            for layer in comp.layers:
                if layer.source is not None and _footage_key(layer.source) not in known:
                    known.add(_footage_key(layer.source))
                    items.append(layer.source)
        return items

    def users(self, footage: Footage) -> list[tuple[Composition, TemplateLayer]]:
        """The layers whose source is ``footage``."""
        key = _footage_key(footage)
        return [
            (comp, layer)
            for comp in self.template.compositions
            for layer in comp.layers
            if layer.source is not None and _footage_key(layer.source) == key
        ]


def _footage_key(footage: Footage) -> tuple:
    return ("id", footage.id) if footage.id is not None else ("path", footage.name, footage.path)


def _layer_refs(pairs: Iterable[tuple[Composition, TemplateLayer]]) -> list[dict]:
    """JSON references to layers, for a finding's details."""
    return [{"composition": comp.name, "layer_index": layer.index, "layer": layer.name} for comp, layer in pairs]


def _where(comp: str, layer: TemplateLayer | None, index: int | None = None) -> dict:
    """The location fields of a finding."""
    return {
        "composition": comp,
        "layer_index": layer.index if layer is not None else index,
        "layer": layer.name if layer is not None else None,
    }


# --------------------------------------------------------------------------------------------
# Rules: files and fonts


@_rule("footage-missing")
def footage_missing(job: _Job) -> Iterator[Finding]:
    """A footage file the project refers to does not exist at its recorded path
    (``Footage.missing``, as the template reader recorded it on this machine).

    Error when a layer that renders and is not being replaced uses it (aerender stops, or
    renders colour bars with ``continueOnMissing``); info otherwise. When exactly one file of
    the same name lies inside the input roots (and the bounded search was complete), the
    finding carries a safe relink fix.
    """
    missing = [f for f in job.footage_items() if f.kind == "file" and f.missing]
    if not missing:
        return
    wanted = frozenset(_basename(f.path or "") for f in missing) - {""}
    relinker = _Relinker(job.ctx.input_roots, job.ctx.scan_limit, wanted).run()
    for footage in missing:
        blocking = [
            (comp, layer)
            for comp, layer in job.users(footage)
            if job.renders(comp.name, layer) and (comp.name, layer.index) not in job.replaced_footage
        ]
        yield _missing_footage_finding(footage, blocking, relinker)


def _missing_footage_finding(
    footage: Footage, blocking: list[tuple[Composition, TemplateLayer]], relinker: _Relinker
) -> Finding:
    """One finding for one missing footage item, with a relink fix when it is unambiguous."""
    name = _basename(footage.path or "") or footage.name
    candidates = relinker.found.get(name, [])
    details = {
        "footage_id": footage.id,
        "path": footage.path,
        "candidates": [str(p) for p in candidates[:MAX_CANDIDATES_SHOWN]],
        "candidate_count": len(candidates),
        "search_truncated": relinker.truncated,
        "used_by": _layer_refs(blocking),
    }
    fix = None
    if len(candidates) == 1 and not relinker.truncated:
        fix = Fix("relink", footage.id, footage.name, footage.path, str(candidates[0]))
    where = _where(blocking[0][0].name, blocking[0][1]) if blocking else {}
    if blocking:
        users = ", ".join(f"{c.name!r} layer {lay.index} {lay.name!r}" for c, lay in blocking)
        message = f"Footage {footage.name!r} is missing (file {footage.path!r}) and is rendered by {users}."
    else:
        message = (
            f"Footage {footage.name!r} is missing (file {footage.path!r}); no rendered layer that is kept uses it."
        )
    if fix is not None:
        message += f" One file of that name was found: {fix.new_path!r}."
    elif len(candidates) > 1:
        message += f" {len(candidates)} files of that name were found in the input roots; pick one."
    return Finding("footage-missing", "error" if blocking else "info", message, details=details, fix=fix, **where)


@_rule("font-missing")
def font_missing(job: _Job) -> Iterator[Finding]:
    """A font (PostScript name) the template or the PSD text uses is not installed on the
    render machines.

    Error for a font of a text layer that renders (After Effects substitutes another font);
    info for a font only in the project's font list or in compositions that do not render, and
    for the PSD design's font (the render keeps the template layer's font and changes only the
    text). Names are compared case-insensitively.
    """
    if job.ctx.render_fonts is None:
        raise RuleSkipped("no render machine font list was given")
    installed = {name.casefold() for name in job.ctx.render_fonts}
    users: dict[str, list[tuple[Composition, TemplateLayer]]] = {}
    for comp in job.template.compositions:
        for layer in comp.layers:
            font = layer.font
            if layer.type == "text" and font and font.casefold() not in installed and job.renders(comp.name, layer):
                users.setdefault(font, []).append((comp, layer))
    for font, rendering in users.items():
        comp, layer = rendering[0]
        others = f" and {len(rendering) - 1} more layers" if len(rendering) > 1 else ""
        yield Finding(
            "font-missing",
            "error",
            f"Font {font!r} used by text layer {layer.name!r} in {comp.name!r}{others} "
            "is not installed on the render machines.",
            details={
                "font": font,
                "source": "template",
                "used_by": _layer_refs(rendering),
            },
            **_where(comp.name, layer),
        )
    reported = set(users)
    yield from _unrendered_fonts(job, installed, reported)
    yield from _psd_fonts(job, installed, reported)


def _unrendered_fonts(job: _Job, installed: set[str], reported: set[str]) -> Iterator[Finding]:
    """Template fonts no rendering layer uses."""
    names = list(job.template.fonts) + [
        layer.font for comp in job.template.compositions for layer in comp.layers if layer.type == "text" and layer.font
    ]
    for font in dict.fromkeys(names):
        if font.casefold() in installed or font in reported:
            continue
        reported.add(font)
        yield Finding(
            "font-missing",
            "info",
            f"Font {font!r} in the template is not installed on the render machines; no rendered layer uses it.",
            details={"font": font, "source": "template"},
        )


def _psd_fonts(job: _Job, installed: set[str], reported: set[str]) -> Iterator[Finding]:
    """Fonts of PSD type layers matched into text placeholders."""
    for key, match in job.filled.items():
        psd_layer = job.ctx.psd.layer(match.psd_layer_id)
        font = psd_layer.font if psd_layer is not None else None
        if not font or font.casefold() in installed or font in reported or not job.is_text(key):
            continue
        reported.add(font)
        yield Finding(
            "font-missing",
            "info",
            f"Font {font!r} of PSD text layer {psd_layer.name!r} is not installed on the render machines; "
            f"the render keeps the font of layer {match.placeholder!r} in {key[0]!r}.",
            details={"font": font, "source": "psd", "psd_layer_id": psd_layer.id},
            **_where(key[0], job.layer(key), key[1]),
        )


@_rule("layered-footage-left")
def layered_footage_left(job: _Job) -> Iterator[Finding]:
    """Layered Photoshop or Illustrator footage (.psd, .psb, .ai) stays in the populated
    project because layers that are not replaced still use it.

    Warning when one of those layers renders (the render node needs the layered file and
    imports it slowly); info when none does.
    """
    for footage in job.footage_items():
        if footage.kind != "file" or not (footage.path or "").lower().endswith(LAYERED_EXTENSIONS):
            continue
        kept = [(c, lay) for c, lay in job.users(footage) if (c.name, lay.index) not in job.replaced_footage]
        if not kept:
            continue
        rendering = [(c, lay) for c, lay in kept if job.renders(c.name, lay)]
        first_comp, first_layer = (rendering or kept)[0]
        users = ", ".join(f"{c.name!r} layer {lay.index} {lay.name!r}" for c, lay in kept)
        yield Finding(
            "layered-footage-left",
            "warning" if rendering else "info",
            f"Layered footage {footage.name!r} ({_basename(footage.path or '')}) stays in the project, "
            f"used by {users}.",
            details={"footage_id": footage.id, "path": footage.path, "psd_layer": footage.psd_layer},
            **_where(first_comp.name, first_layer),
        )


# --------------------------------------------------------------------------------------------
# Rules: compositions, layers and matches


@_rule("render-comp-missing")
def render_comp_missing(job: _Job) -> Iterator[Finding]:
    """A composition to render is not in the template, or its name is ambiguous (two
    compositions share it, and a lookup by name takes the first), or there is none."""
    counts: dict[str, int] = {}
    for comp in job.template.compositions:
        counts[comp.name] = counts.get(comp.name, 0) + 1
    available = sorted(counts)
    if not job.render_names:
        yield Finding(
            "render-comp-missing",
            "error",
            "No composition would render: no placeholder is filled and no render composition was named.",
            details={"available": available},
        )
    for name in job.render_names:
        if counts.get(name, 0) == 0:
            yield Finding(
                "render-comp-missing",
                "error",
                f"Render composition {name!r} is not in the template {job.template.source!r}.",
                composition=name,
                details={"available": available},
            )
        elif counts[name] > 1:
            yield Finding(
                "render-comp-missing",
                "error",
                f"Render composition {name!r} is ambiguous: {counts[name]} compositions have that name.",
                composition=name,
                details={"count": counts[name]},
            )


@_rule("match-target-missing")
def match_target_missing(job: _Job) -> Iterator[Finding]:
    """A match or replacement file names a layer its composition does not have, or a PSD layer
    id the PSD does not have (the job would fill the wrong layer, or nothing)."""
    for key in job.targets:
        comp = job.compositions.get(key[0])
        if comp is not None and comp.layer(key[1]) is None:
            yield Finding(
                "match-target-missing",
                "error",
                f"Composition {key[0]!r} has no layer {key[1]}, which the job fills.",
                composition=key[0],
                layer_index=key[1],
            )
    for key, match in job.filled.items():
        if job.ctx.psd.layer(match.psd_layer_id) is None:
            yield Finding(
                "match-target-missing",
                "error",
                f"Layer {match.placeholder!r} in {key[0]!r} is matched to PSD layer id {match.psd_layer_id}, "
                f"which {job.ctx.psd.source!r} does not have.",
                details={"psd_layer_id": match.psd_layer_id},
                **_where(key[0], job.layer(key), key[1]),
            )


@_rule("layer-named-like-comp")
def layer_named_like_comp(job: _Job) -> Iterator[Finding]:
    """A targeted layer has the name of a composition: lookups by name in nexrender and
    ExtendScript then find the composition item instead of the layer (or the reverse)."""
    for key in job.targets:
        layer = job.layer(key)
        if layer is not None and layer.name in job.compositions:
            yield Finding(
                "layer-named-like-comp",
                "error",
                f"Layer {layer.index} {layer.name!r} in {key[0]!r} has the name of a composition; rename one of them.",
                **_where(key[0], layer),
            )


@_rule("duplicate-target-names")
def duplicate_target_names(job: _Job) -> Iterator[Finding]:
    """A lookup by a targeted layer's name cannot reach every layer it should: two targeted
    layers of one composition share a name, or a layer above the target (lower index) has it;
    a by-name lookup returns the topmost layer of that name."""
    seen: set[tuple[str, str]] = set()
    targets = set(job.targets)
    for key in job.targets:
        layer = job.layer(key)
        if layer is None or (key[0], layer.name) in seen:
            continue
        seen.add((key[0], layer.name))
        same = sorted(other.index for other in job.compositions[key[0]].layers if other.name == layer.name)
        targeted = [i for i in same if (key[0], i) in targets]
        if len(targeted) > 1 or same[0] not in targeted:
            yield Finding(
                "duplicate-target-names",
                "error",
                f"Composition {key[0]!r} has {len(same)} layers named {layer.name!r} (indexes "
                f"{', '.join(map(str, same))}); a lookup by name reaches only layer {same[0]}.",
                details={"indexes": same, "targeted": targeted},
                **_where(key[0], layer),
            )


@_rule("placeholder-unfilled")
def placeholder_unfilled(job: _Job) -> Iterator[Finding]:
    """A placeholder in a composition that renders gets nothing from the PSD and no
    replacement file: the template's dummy text or image would render.

    Warning when the layer is enabled; info when it is disabled.
    """
    filled = set(job.targets)
    matched = {(m.composition, m.layer_index) for m in job.ctx.matches}
    for comp in job.template.compositions:
        if comp.name not in job.rendered:
            continue
        for layer in comp.layers:
            key = (comp.name, layer.index)
            if key in filled or not (layer.placeholder or key in matched):
                continue
            state = "" if layer.enabled else " (disabled)"
            yield Finding(
                "placeholder-unfilled",
                "warning" if layer.enabled else "info",
                f"Placeholder {layer.name!r}{state} in {comp.name!r} is not filled; "
                "the template's own content would render.",
                details={"type": layer.type},
                **_where(comp.name, layer),
            )


@_rule("low-confidence-unconfirmed")
def low_confidence_unconfirmed(job: _Job) -> Iterator[Finding]:
    """A match below the review threshold that no reviewer confirmed."""
    threshold = job.ctx.review_threshold
    for key, match in job.filled.items():
        if match.confidence < threshold and not match.confirmed:
            yield Finding(
                "low-confidence-unconfirmed",
                "error",
                f"Layer {match.placeholder!r} in {key[0]!r} is matched to PSD layer {match.psd_layer!r} "
                f"with confidence {match.confidence:.2f} (below {threshold:.2f}) and no reviewer confirmed it.",
                details={"confidence": match.confidence, "threshold": threshold, "reason": match.reason},
                **_where(key[0], job.layer(key), key[1]),
            )


@_rule("all-caps-text")
def all_caps_text(job: _Job) -> Iterator[Finding]:
    """A text layer that receives new text has All Caps set (where the file records it): the
    replacement text will show upper-cased.

    Warning when the replacement text has lower-case letters; info otherwise.
    """
    for key, match in job.filled.items():
        layer = job.layer(key)
        if layer is None or layer.type != "text" or layer.all_caps is not True:
            continue
        psd_layer = job.ctx.psd.layer(match.psd_layer_id)
        text = (psd_layer.text if psd_layer is not None else None) or ""
        lowered = text != text.upper()
        shown = "its text will show upper-cased."
        if lowered:
            shown = f"{_clip(text)!r} will show as {_clip(text.upper())!r}."
        yield Finding(
            "all-caps-text",
            "warning" if lowered else "info",
            f"Text layer {layer.name!r} in {key[0]!r} has All Caps: {shown}",
            details={"text": text},
            **_where(key[0], layer),
        )


def _clip(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


@_rule("renderer-not-classic")
def renderer_not_classic(job: _Job) -> Iterator[Finding]:
    """A composition that renders uses a 3D renderer other than Classic 3D (where the file
    records it): Cinema 4D and Advanced 3D render differently and need more from the render
    node (GPU, the renderer installed)."""
    for comp in job.template.compositions:
        if comp.name not in job.rendered or comp.renderer is None or comp.renderer in CLASSIC_RENDERERS:
            continue
        label = RENDERER_NAMES.get(comp.renderer, comp.renderer)
        yield Finding(
            "renderer-not-classic",
            "warning",
            f"Composition {comp.name!r} uses the {label} renderer ({comp.renderer}), not Classic 3D.",
            composition=comp.name,
            details={"renderer": comp.renderer},
        )


# --------------------------------------------------------------------------------------------
# Rules: names and replacement files


@_rule("unsafe-name")
def unsafe_name(job: _Job) -> Iterator[Finding]:
    """The output name or a replacement file's name is unsafe as a file name on a render node:
    path separators, control characters, ``: * ? " < > |``, a leading dot, a trailing space
    or dot, a reserved Windows name (CON, PRN, AUX, NUL, COM1-9, LPT1-9), over 255 bytes."""
    if job.ctx.output_name is not None:
        problems = name_problems(job.ctx.output_name)
        if problems:
            yield Finding(
                "unsafe-name",
                "error",
                f"Output name {job.ctx.output_name!r} is unsafe: {'; '.join(problems)}.",
                details={"name": job.ctx.output_name, "problems": problems},
            )
    for key, value in job.replacements.items():
        name = Path(value).name
        problems = name_problems(name)
        if problems:
            yield Finding(
                "unsafe-name",
                "error",
                f"Replacement file name {name!r} for layer {key[1]} in {key[0]!r} is unsafe: {'; '.join(problems)}.",
                details={"name": name, "path": value, "problems": problems},
                **_where(key[0], job.layer(key), key[1]),
            )


@_rule("footage-no-extension")
def footage_no_extension(job: _Job) -> Iterator[Finding]:
    """Footage is replaced by a file without a file extension: After Effects picks the
    importer by extension, and nexrender needs one to address footage by layer name."""
    for key, value in job.replacements.items():
        name = Path(value).name
        if not _EXTENSION.search(name):
            yield Finding(
                "footage-no-extension",
                "error",
                f"Replacement file {name!r} for layer {key[1]} in {key[0]!r} has no file extension.",
                details={"path": value},
                **_where(key[0], job.layer(key), key[1]),
            )


@_rule("replacement-missing")
def replacement_missing(job: _Job) -> Iterator[Finding]:
    """A replacement file does not exist or is not a regular file."""
    for key in job.replacements:
        path = job.replacement_path(key)
        if not path.is_file():
            yield Finding(
                "replacement-missing",
                "error",
                f"Replacement file {str(path)!r} for layer {key[1]} in {key[0]!r} does not exist.",
                details={"path": str(path)},
                **_where(key[0], job.layer(key), key[1]),
            )


@_rule("file-limits")
def file_limits(job: _Job) -> Iterator[Finding]:
    """A replacement file is larger than the byte limit, or its image is wider or taller than
    the dimension limit or holds more pixels than the pixel limit."""
    limits = job.ctx.limits
    for key in job.replacements:
        path = job.replacement_path(key)
        if not path.is_file():
            continue
        problems = _limit_problems(path, job.probe(path), limits)
        if problems:
            yield Finding(
                "file-limits",
                "error",
                f"Replacement file {path.name!r} for layer {key[1]} in {key[0]!r} is over the limits: "
                f"{'; '.join(problems)}.",
                details={"path": str(path), "problems": problems},
                **_where(key[0], job.layer(key), key[1]),
            )


def _limit_problems(path: Path, probe: _Probe, limits: Limits) -> list[str]:
    problems = []
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        problems.append(f"{size} bytes (limit {limits.max_file_bytes})")
    if probe.too_many_pixels:
        problems.append(f"more than {limits.max_pixels} pixels")
    if probe.size is not None:
        width, height = probe.size
        if max(width, height) > limits.max_dimension:
            problems.append(f"{width}x{height} pixels (limit {limits.max_dimension} a side)")
        if width * height > limits.max_pixels:
            problems.append(f"{width * height} pixels (limit {limits.max_pixels})")
    return problems


# --------------------------------------------------------------------------------------------
# Rules: how the content fits


@_rule("text-overflow")
def text_overflow(job: _Job) -> Iterator[Finding]:
    """Replacement text does not fit its placeholder, measured by the preview renderer.

    With the template's own box (paragraph text) the text is compared wrapped to that box:
    error, since After Effects hides lines that do not fit; warning when the preview measured
    it with a fallback font, or measured it in another box than the template's (stale
    metrics: the fit is unknown). Without one (point text) the preview's box is an estimate
    (the PSD layer's box or the composition) and the unwrapped text is compared: warning.
    """
    job.require_metrics()
    for comp_name, metrics in job.metrics.items():
        for entry in metrics.get("texts") or []:
            if entry.get("placeholder") and entry.get("index") is not None:
                finding = _overflow_finding(job, comp_name, entry)
                if finding is not None:
                    yield finding


def _overflow_finding(job: _Job, comp_name: str, entry: Mapping) -> Finding | None:
    """The finding for one measured text placeholder, or None when its text fits."""
    index = int(entry["index"])
    layer = job.layer((comp_name, index))
    measured_box = entry.get("box")
    real_box = list(layer.bbox) if layer is not None and layer.bbox is not None else None
    if real_box is not None and measured_box != real_box:
        return _stale_measure(comp_name, layer, entry, real_box)
    if real_box is not None:
        size, box, box_source = entry.get("wrapped_size"), real_box, "template"
    else:
        size, box, box_source = entry.get("text_size"), measured_box, entry.get("box_source") or "estimate"
    box_size = _box_size(box)
    if not size or box_size is None:
        return None
    ratio = max(size[0] / box_size[0], size[1] / box_size[1])
    if ratio <= 1.0:
        return None
    fallback = bool(entry.get("fallback_font"))
    severity = "error" if real_box is not None and not fallback else "warning"
    qualifier = "its box" if real_box is not None else f"its estimated box (from the {box_source})"
    font_note = " (measured with a fallback font)" if fallback else ""
    return Finding(
        "text-overflow",
        severity,
        f"Text {_clip(str(entry.get('text', '')))!r} in layer {entry.get('name')!r} of {comp_name!r} is "
        f"{ratio:.0%} of {qualifier}, {size[0]}x{size[1]} into {box_size[0]:g}x{box_size[1]:g}{font_note}.",
        details={
            "ratio": round(ratio, 4),
            "text_size": list(size),
            "box": list(box),
            "box_source": box_source,
            "fallback_font": fallback,
            "font": entry.get("font"),
        },
        **_where(comp_name, layer, index),
    )


def _stale_measure(comp_name: str, layer: TemplateLayer, entry: Mapping, real_box: list) -> Finding:
    """The preview measured the text in another box than the template's: the fit is unknown."""
    return Finding(
        "text-overflow",
        "warning",
        f"The preview measured layer {layer.name!r} of {comp_name!r} in the box {entry.get('box')}, but the "
        f"template's box is {real_box}; render the preview again to check that the text fits.",
        details={"stale": True, "measured_box": entry.get("box"), "box": real_box},
        **_where(comp_name, layer),
    )


@_rule("upscale")
def upscale(job: _Job) -> Iterator[Finding]:
    """An image is scaled up to fill its placeholder (preview metrics): warning over 100 %,
    error over 200 % (visibly soft)."""
    job.require_metrics()
    for comp_name, metrics in job.metrics.items():
        for entry in metrics.get("images") or []:
            if entry.get("index") is None:
                continue
            scale = max(float(entry.get(k) or 0.0) for k in ("scale", "scale_x", "scale_y"))
            if scale <= UPSCALE_WARNING:
                continue
            layer = job.layer((comp_name, int(entry["index"])))
            yield Finding(
                "upscale",
                "error" if scale > UPSCALE_ERROR else "warning",
                f"Image {entry.get('psd_layer')!r} in layer {entry.get('name')!r} of {comp_name!r} is scaled up to "
                f"{scale:.0%} ({_size_text(entry.get('source_size'))} into {_size_text(_box_size(entry.get('box')))}).",
                details={"scale": round(scale, 4), "source_size": entry.get("source_size"), "box": entry.get("box")},
                **_where(comp_name, layer, int(entry["index"])),
            )


def _size_text(size: Sequence[float] | None) -> str:
    return f"{size[0]:g}x{size[1]:g}" if size else "unknown size"


@_rule("aspect-mismatch")
def aspect_mismatch(job: _Job) -> Iterator[Finding]:
    """The image that fills a footage placeholder has an aspect ratio more than 10 % off the
    placeholder's (letterboxed with fit, cropped with fill, distorted with stretch).

    The image size is read from the replacement file, else taken from the preview metrics; the
    placeholder's from its box in the template, else its current footage, else the preview.
    """
    for key in job.targets:
        if job.is_text(key):
            continue
        image = _image_size(job, key)
        box = _placeholder_size(job, key)
        if image is None or box is None:
            continue
        image_ratio, box_ratio = image[0] / image[1], box[0] / box[1]
        off = max(image_ratio, box_ratio) / min(image_ratio, box_ratio) - 1.0
        if off > ASPECT_TOLERANCE:
            layer = job.layer(key)
            fit = job.filled[key].fit if key in job.filled else "fit"
            yield Finding(
                "aspect-mismatch",
                "warning",
                f"The image for layer {layer.name if layer else key[1]!r} in {key[0]!r} is {_size_text(image)} "
                f"(aspect {image_ratio:.2f}) but the placeholder is {_size_text(box)} (aspect {box_ratio:.2f}), "
                f"{off:.0%} off; fit mode {fit!r}.",
                details={
                    "image_size": list(image),
                    "placeholder_size": list(box),
                    "difference": round(off, 4),
                    "fit": fit,
                },
                **_where(key[0], layer, key[1]),
            )


def _metrics_image(job: _Job, key: Key) -> Mapping | None:
    entries = (job.metrics.get(key[0]) or {}).get("images") or []
    return next((e for e in entries if int(e.get("index", -1)) == key[1]), None)


def _image_size(job: _Job, key: Key) -> tuple[int, int] | None:
    if key in job.replacements:
        path = job.replacement_path(key)
        size = job.probe(path).size if path.is_file() else None
    else:
        entry = _metrics_image(job, key)
        size = tuple(entry["source_size"]) if entry and entry.get("source_size") else None
    return size if size and size[0] > 0 and size[1] > 0 else None


def _placeholder_size(job: _Job, key: Key) -> tuple[float, float] | None:
    layer = job.layer(key)
    if layer is not None and _box_size(layer.bbox):
        return _box_size(layer.bbox)
    source = layer.source if layer is not None else None
    if source is not None and source.width and source.height:
        return (source.width, source.height)
    entry = _metrics_image(job, key)
    return _box_size(entry.get("box")) if entry else None


# --------------------------------------------------------------------------------------------
# Running the rules


_RULE_ORDER = {rule.id: i for i, rule in enumerate(RULES)}


def validate(ctx: ValidationContext) -> ValidationReport:
    """Run every rule in :data:`RULES` on one job; findings come most severe first, then in
    rule order, composition and layer index."""
    job = _Job(ctx)
    findings: list[Finding] = []
    skipped: list[SkippedRule] = []
    for rule in RULES:
        try:
            findings.extend(rule.check(job))
        except RuleSkipped as reason:
            skipped.append(SkippedRule(rule.id, str(reason)))
    findings.sort(
        key=lambda f: (
            SEVERITIES.index(f.severity),
            _RULE_ORDER[f.rule],
            f.composition or "",
            f.layer_index if f.layer_index is not None else -1,
        )
    )
    return ValidationReport(tuple(findings), tuple(skipped))


def apply_fixes(report: ValidationReport, template: TemplateDocument) -> list[AppliedFix]:
    """The report's safe fixes that still apply to ``template``: the footage item exists with
    the recorded old path and the new file exists. Pure data: nothing is written; pass the
    result to :func:`relinked` for the corrected description."""
    applied: list[AppliedFix] = []
    for finding in report.findings:
        fix = finding.fix
        if fix is None or not fix.safe or fix.kind != "relink":
            continue
        footage = _footage_for(template, fix)
        if footage is None or not Path(fix.new_path).is_file():
            continue
        if any(a.before == footage for a in applied):
            continue
        applied.append(AppliedFix(fix, footage, replace(footage, path=fix.new_path, missing=False)))
    return applied


def _footage_for(template: TemplateDocument, fix: Fix) -> Footage | None:
    candidates = list(template.footage) + [
        layer.source for comp in template.compositions for layer in comp.layers if layer.source is not None
    ]
    for footage in candidates:
        same = footage.id == fix.footage_id if fix.footage_id is not None else footage.name == fix.footage_name
        if same and footage.path == fix.old_path:
            return footage
    return None


def relinked(template: TemplateDocument, applied: Sequence[AppliedFix]) -> TemplateDocument:
    """A copy of ``template`` with the applied fixes' footage items replaced, in the project's
    footage list and in every layer's source."""
    swap = {_footage_key(a.before): a.after for a in applied}

    def new(footage: Footage | None) -> Footage | None:
        return swap.get(_footage_key(footage), footage) if footage is not None else None

    compositions = tuple(
        replace(comp, layers=tuple(replace(layer, source=new(layer.source)) for layer in comp.layers))
        for comp in template.compositions
    )
    return replace(template, compositions=compositions, footage=tuple(new(f) for f in template.footage))


# --------------------------------------------------------------------------------------------
# HTML report

_SEVERITY_TITLES = {
    "error": "Errors (block the deploy)",
    "warning": "Warnings (need a sign-off)",
    "info": "Information",
}
_CSS = """
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em;color:#1d1d1f;background:#fafafa}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .5em}
.summary{padding:.7em 1em;border-radius:6px;font-weight:600}
.summary.ok{background:#e3f5e6;color:#1e6b2c}.summary.signoff{background:#fff4d6;color:#7a5200}
.summary.blocked{background:#fde3e1;color:#9b1c13}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{text-align:left;vertical-align:top;padding:.45em .7em;border-bottom:1px solid #e5e5e5}
th{background:#f0f0f0;font-weight:600}code{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
.error h2{color:#9b1c13}.warning h2{color:#7a5200}.info h2{color:#2b4f7a}
details pre{white-space:pre-wrap;word-break:break-word;margin:.3em 0 0}
.fix{color:#1e6b2c}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _location(finding: Finding) -> str:
    parts = []
    if finding.composition is not None:
        parts.append(f"<code>{_e(finding.composition)}</code>")
    if finding.layer_index is not None or finding.layer is not None:
        label = f"#{finding.layer_index}" if finding.layer_index is not None else ""
        name = f" <code>{_e(finding.layer)}</code>" if finding.layer is not None else ""
        parts.append(f"layer {_e(label)}{name}")
    return " / ".join(parts) or "&mdash;"


def _finding_row(finding: Finding) -> str:
    fix = f'<div class="fix">Fix: {_e(finding.fix.description)}</div>' if finding.fix else ""
    details = ""
    if finding.details:
        dump = json.dumps(finding.details, indent=2, ensure_ascii=False, default=str)
        details = f"<details><summary>details</summary><pre><code>{_e(dump)}</code></pre></details>"
    return (
        f"<tr><td><code>{_e(finding.rule)}</code></td><td>{_location(finding)}</td>"
        f"<td>{_e(finding.message)}{fix}{details}</td></tr>"
    )


def _summary(report: ValidationReport) -> str:
    counts = f"{len(report.errors)} errors, {len(report.warnings)} warnings, {len(report.infos)} notes"
    if not report.ok:
        return f'<p class="summary blocked">Blocked: {counts}.</p>'
    if report.warnings:
        return f'<p class="summary signoff">Needs a sign-off: {counts}.</p>'
    return f'<p class="summary ok">Ready to render: {counts}.</p>'


def render_html(report: ValidationReport, *, title: str = "Template validation") -> str:
    """A self-contained HTML page (inline CSS, no scripts, every text escaped) listing every
    finding grouped by severity, and the rules that were skipped."""
    sections = []
    for severity in SEVERITIES:
        findings = [f for f in report.findings if f.severity == severity]
        if not findings:
            continue
        rows = "\n".join(_finding_row(f) for f in findings)
        sections.append(
            f'<section class="{severity}"><h2>{_e(_SEVERITY_TITLES[severity])} &middot; {len(findings)}</h2>'
            f"<table><thead><tr><th>Rule</th><th>Where</th><th>Finding</th></tr></thead>"
            f"<tbody>\n{rows}\n</tbody></table></section>"
        )
    if report.skipped:
        items = "".join(f"<li><code>{_e(s.rule)}</code>: {_e(s.reason)}</li>" for s in report.skipped)
        sections.append(f'<section class="skipped"><h2>Not checked</h2><ul>{items}</ul></section>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n"
        f"<body><h1>{_e(title)}</h1>{_summary(report)}\n" + "\n".join(sections) + "\n</body></html>\n"
    )
