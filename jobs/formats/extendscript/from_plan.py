"""Translate a :class:`~jobs.formats.render_plan.RenderPlan` into a script.

The script is a translation of the plan, as the preview is: every value the runtime sets
(text, anchor point, scale, mask) or checks (source size, pixel aspect, image size) comes from
the plan's placements. The only rule the runtime repeats is the plan's own, for keyframed
Anchor Point or Scale values, which the plan cannot list (see :mod:`.runtime_layers`).

Plain Python: no Django import.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from jobs.formats.render_plan import CollectedFile, FootagePlacement, RenderPlan, TextPlacement

from .paths import PathMapping, map_path
from .plan import DEFAULT_UNDO_GROUP, LOG_SUFFIX, Operation, Relink, ReplaceFootage, ScriptPlan, SetText
from .script import generate_script

SIZE_UNKNOWN_NOTE = "placeholder_size_unknown"  # the plan used the image's size as the box


def _text_operation(placement: TextPlacement) -> SetText:
    return SetText(placement.composition, placement.layer_name, placement.layer_index, placement.text)


def _footage_operation(
    placement: FootagePlacement, plan: RenderPlan, bundle_dir: str | PathLike, mappings: Sequence[PathMapping]
) -> ReplaceFootage:
    size_unknown = any(
        note.code == SIZE_UNKNOWN_NOTE and note.composition == placement.composition
        and note.layer == placement.layer_name
        for note in plan.notes
    )
    return ReplaceFootage(
        composition=placement.composition,
        layer_name=placement.layer_name,
        layer_index=placement.layer_index,
        file_path=map_path(Path(bundle_dir) / placement.image, mappings),
        image_size=placement.image_size,
        box=placement.box,
        anchor_map=placement.anchor_map,
        fit=placement.fit,
        anchor=placement.anchor,
        scale=placement.scale,
        mask=placement.mask if placement.fit == "fill" else None,
        pixel_aspect=placement.pixel_aspect,
        check_size=not size_unknown,
    )


def _relink(collected: CollectedFile, bundle_dir: str | PathLike, mappings: Sequence[PathMapping]) -> Relink:
    return Relink(
        footage_id=collected.footage_id,
        name=collected.name,
        recorded_path=collected.recorded_path,
        file_path=map_path(Path(bundle_dir) / collected.bundle_path, mappings),
    )


def script_plan_from_render_plan(
    plan: RenderPlan,
    *,
    template_path: str | PathLike | None,
    output_path: str | PathLike | None,
    bundle_dir: str | PathLike,
    path_mappings: Sequence[PathMapping] = (),
    mode: str = "open",
    log_path: str | PathLike | None = None,
    undo_group: str = DEFAULT_UNDO_GROUP,
) -> ScriptPlan:
    """The :class:`ScriptPlan` of ``plan`` (see :func:`script_from_render_plan`)."""
    operations: list[Operation] = [_footage_operation(p, plan, bundle_dir, path_mappings) for p in plan.footage]
    operations += [_text_operation(p) for p in plan.texts]
    output = map_path(output_path, path_mappings) if output_path is not None else None
    if log_path is not None:
        log: str | None = map_path(log_path, path_mappings)
    else:
        log = output + LOG_SUFFIX if output is not None else None
    return ScriptPlan(
        mode=mode,
        template_path=map_path(template_path, path_mappings) if template_path is not None else None,
        output_path=output,
        log_path=log,
        operations=tuple(operations),
        composition=plan.composition,
        undo_group=undo_group,
        relinks=tuple(_relink(f, bundle_dir, path_mappings) for f in plan.files),
    )


def script_from_render_plan(
    plan: RenderPlan,
    *,
    template_path: str | PathLike | None,
    output_path: str | PathLike | None,
    bundle_dir: str | PathLike,
    path_mappings: Sequence[PathMapping] = (),
    mode: str = "open",
    log_path: str | PathLike | None = None,
    undo_group: str = DEFAULT_UNDO_GROUP,
) -> str:
    """The ``.jsx`` that renders what ``plan`` says: pure ASCII, ES3, deterministic.

    Paths are this machine's and go through :func:`~.paths.map_path` (``path_mappings``); each
    footage placement's image is ``bundle_dir / placement.image`` (the deploy bundle), and each
    footage file the plan collected (``plan.files``) is relinked, in both modes, to its copy at
    ``bundle_dir / bundle_path`` before anything else changes (the bundle is self-contained).

    - ``mode="open"`` (the aerender folder flow, or AfterFX): close the current project without
      saving, open ``template_path``, populate it, save it as ``output_path``;
    - ``mode="current"`` (nexrender, which opens its own copy of the template and renders it
      after the script): populate ``app.project`` as it is and save nothing; ``template_path``
      and ``output_path`` may be None.

    The log (JSON lines) goes to ``log_path``, by default ``<output_path>.log`` (none in mode
    "current" without an output path). The script adds nothing to the render queue; it checks
    that ``plan.composition`` exists. Any failure makes it throw at the end (see
    :mod:`.runtime_project`). Raises :class:`~.plan.ScriptError` for a plan that cannot become a
    safe script (two placements for one layer, a value that is not finite, ...).
    """
    return generate_script(script_plan_from_render_plan(
        plan, template_path=template_path, output_path=output_path, bundle_dir=bundle_dir,
        path_mappings=path_mappings, mode=mode, log_path=log_path, undo_group=undo_group,
    ))
