"""Rules on footage files: footage that is missing (with a relink fix), layered footage left.

``footage-missing`` searches the input roots for a file of the missing file's name, in one
bounded walk (:class:`_Relinker`) that does not follow directory symlinks and counts a
symlinked file only when it resolves inside a root; exactly one candidate gives a safe relink
:class:`~.model.Fix`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..descriptions import Composition, Footage, TemplateDocument, TemplateLayer
from ..files import resolve_inside, resolved_roots, within
from .job import Job, basename, layer_refs, location_fields
from .model import Finding, Fix

MAX_CANDIDATES_SHOWN = 10
LAYERED_EXTENSIONS = (".psd", ".psb", ".ai")


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
        roots = resolved_roots(root for root in self.roots if Path(root).is_dir())
        seen: set[Path] = set()
        scanned = 0
        for root in roots:
            for directory, _dirs, files in os.walk(root, followlinks=False):
                for name in files:
                    scanned += 1
                    if scanned > self.limit:
                        self.truncated = True
                        return self
                    if name in self.wanted:
                        self._consider(Path(directory) / name, roots, seen)
        return self

    def _consider(self, path: Path, roots: Sequence[Path], seen: set[Path]) -> None:
        target = path.resolve()
        if target in seen or not target.is_file():
            return
        if not within(target, roots):
            return
        seen.add(target)
        self.found.setdefault(path.name, []).append(path)


def footage_locator(
    template: TemplateDocument, roots: Sequence[Path], limit: int
) -> Callable[[Footage], tuple[str, bool] | None]:
    """Where each of ``template``'s footage files is on this machine, inside ``roots``: at its
    recorded path, else the one file of that name the (complete, bounded) search finds there
    (``(path, True)``: a safe relink). None when neither holds."""
    items = [f for f in template.footage if f.kind == "file"] + [
        layer.source for comp in template.compositions for layer in comp.layers
        if layer.source is not None and layer.source.kind == "file"
    ]
    at_recorded = {}
    for footage in items:
        path = resolve_inside(footage.path, roots) if footage.path else None
        at_recorded[footage.path] = path if path is not None and path.is_file() else None
    wanted = frozenset(basename(f.path or "") for f in items if at_recorded.get(f.path) is None) - {""}
    relinker = _Relinker(roots, limit, wanted).run()

    def locate(footage: Footage) -> tuple[str, bool] | None:
        if at_recorded.get(footage.path) is not None:
            return str(at_recorded[footage.path]), False
        candidates = relinker.found.get(basename(footage.path or ""), [])
        if len(candidates) == 1 and not relinker.truncated:
            return str(candidates[0]), True
        return None

    return locate


def footage_missing(job: Job) -> Iterator[Finding]:
    """A footage file the project refers to does not exist at its recorded path
    (``Footage.missing``, as the template reader recorded it on this machine).

    Error when a layer that renders and is not being replaced uses it (aerender stops, or
    renders colour bars with ``continueOnMissing``); info when only disabled or unrendered
    layers keep it, or no layer uses it. Footage that only layers being replaced use is not
    reported at all: the job replaces it. When exactly one file of the same name lies inside
    the input roots (and the bounded search was complete), the finding carries a safe relink
    fix.
    """
    missing = [f for f in job.footage_items() if f.kind == "file" and f.missing]
    if not missing:
        return
    wanted = frozenset(basename(f.path or "") for f in missing) - {""}
    relinker = _Relinker(job.ctx.input_roots, job.ctx.scan_limit, wanted).run()
    for footage in missing:
        users = job.users(footage)
        kept = [(comp, layer) for comp, layer in users if (comp.name, layer.index) not in job.replaced_footage]
        if users and not kept:
            continue  # every layer using it is replaced: nothing of it renders
        blocking = [(comp, layer) for comp, layer in kept if job.renders(comp.name, layer)]
        relinked_to = job.ctx.relinked_footage.get(footage.path or "")
        if relinked_to is not None:
            yield _relinked_finding(footage, relinked_to, relinker)
            continue
        yield _missing_footage_finding(footage, blocking, relinker)


def _relinked_finding(footage: Footage, relinked_to: str, relinker: _Relinker) -> Finding:
    """A missing footage item the populate script relinks: fixed, said so, nothing to sign off."""
    found = relinker.found.get(basename(footage.path or ""), [])
    return Finding(
        "footage-missing", "info",
        f"Footage {footage.name!r} was not at its recorded path {footage.path!r}; the populate script relinks it "
        f"to {relinked_to!r}, collected from the one file of that name in the input roots"
        + (f" ({found[0]})." if found else "."),
        details={"footage_id": footage.id, "path": footage.path, "relinked_to": relinked_to,
                 "candidates": [str(p) for p in found[:MAX_CANDIDATES_SHOWN]], "resolved": True},
    )


def _missing_footage_finding(
    footage: Footage, blocking: list[tuple[Composition, TemplateLayer]], relinker: _Relinker
) -> Finding:
    """One finding for one missing footage item, with a relink fix when it is unambiguous."""
    name = basename(footage.path or "") or footage.name
    candidates = relinker.found.get(name, [])
    details = {
        "footage_id": footage.id,
        "path": footage.path,
        "candidates": [str(p) for p in candidates[:MAX_CANDIDATES_SHOWN]],
        "candidate_count": len(candidates),
        "search_truncated": relinker.truncated,
        "used_by": layer_refs(blocking),
    }
    fix = None
    if len(candidates) == 1 and not relinker.truncated:
        fix = Fix("relink", footage.id, footage.name, footage.path, str(candidates[0]))
    where = location_fields(blocking[0][0].name, blocking[0][1]) if blocking else {}
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


def layered_footage_left(job: Job) -> Iterator[Finding]:
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
            f"Layered footage {footage.name!r} ({basename(footage.path or '')}) stays in the project, "
            f"used by {users}.",
            details={"footage_id": footage.id, "path": footage.path, "psd_layer": footage.psd_layer},
            **location_fields(first_comp.name, first_layer),
        )
