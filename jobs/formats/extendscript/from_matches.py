"""Build a :class:`~.plan.ScriptPlan` from approved matches (PSD layer -> template placeholder).

Plain Python: no Django import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from os import PathLike

from jobs.formats.descriptions import Match

from .paths import PathMapping, map_path
from .plan import DEFAULT_UNDO_GROUP, LOG_SUFFIX, Operation, ReplaceFootage, ScriptError, ScriptPlan, SetText


def _render_queue(add: bool | Sequence[str], operations: Sequence[Operation]) -> tuple[str, ...]:
    """Composition names for the render queue: the touched ones (True), given names, or none."""
    if isinstance(add, bool):
        names = [op.composition for op in operations] if add else []
    elif isinstance(add, str):
        names = [add]
    else:
        names = list(add)
    return tuple(dict.fromkeys(names))


def _operation(
    match: Match, assets: Mapping[int, str | PathLike], texts: Mapping[int, str], mappings
) -> Operation:
    """The operation one approved match asks for."""
    where = f"{match.composition!r} / {match.placeholder!r} (PSD layer {match.psd_layer_id})"
    if match.placeholder_type == "text":
        if match.psd_layer_id not in texts:
            raise ScriptError(f"no text given for {where}")
        return SetText(match.composition, match.placeholder, match.layer_index, texts[match.psd_layer_id])
    if match.placeholder_type == "footage":
        if match.psd_layer_id not in assets:
            raise ScriptError(f"no exported image given for {where}")
        path = map_path(assets[match.psd_layer_id], mappings)
        return ReplaceFootage(match.composition, match.placeholder, match.layer_index, path, match.fit)
    raise ScriptError(f"unknown placeholder type {match.placeholder_type!r} for {where}")


def plan_from_matches(
    matches: Sequence[Match],
    *,
    template_path: str | PathLike,
    output_path: str | PathLike,
    assets: Mapping[int, str | PathLike],
    texts: Mapping[int, str],
    path_mappings: Sequence[PathMapping] = (),
    add_to_render_queue: bool | Sequence[str] = False,
    log_path: str | PathLike | None = None,
    undo_group: str = DEFAULT_UNDO_GROUP,
) -> ScriptPlan:
    """Turn approved matches into a :class:`ScriptPlan`.

    ``matches`` are the approved ones (the caller filters by review state); a match without a
    PSD layer (``psd_layer_id is None``) places nothing and is skipped. ``texts`` maps a PSD
    layer id to the text for a text placeholder, ``assets`` maps it to the exported PNG (a local
    path) for a footage placeholder; a missing entry, an unknown placeholder type or two
    matches for one layer raise :class:`ScriptError` rather than being dropped silently.

    Every path (template, output, log, images) goes through :func:`map_path`. The log defaults to
    ``<output>.log``. ``add_to_render_queue``: ``True`` queues every composition the plan
    touches, a sequence of names queues those, ``False`` nothing. Order follows ``matches``.
    """
    operations: list[Operation] = []
    seen: set[tuple[str, str, int]] = set()
    for match in matches:
        if match.psd_layer_id is None:
            continue
        op = _operation(match, assets, texts, path_mappings)
        key = (op.composition, op.layer_name, op.layer_index)
        if key in seen:
            raise ScriptError(f"two matches target {op.composition!r} / {op.layer_name!r}")
        seen.add(key)
        operations.append(op)
    output = map_path(output_path, path_mappings)
    log = map_path(log_path, path_mappings) if log_path is not None else output + LOG_SUFFIX
    return ScriptPlan(
        template_path=map_path(template_path, path_mappings),
        output_path=output,
        log_path=log,
        operations=tuple(operations),
        render_queue=_render_queue(add_to_render_queue, operations),
        undo_group=undo_group,
    )
