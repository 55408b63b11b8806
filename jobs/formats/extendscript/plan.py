"""What a generated script does: the plan, its operations and their validation.

A :class:`ScriptPlan` holds the mode, the template, output and log paths (as the render
machine sees them), the :class:`Relink` of each footage file collected into the bundle, and the
:class:`SetText` / :class:`ReplaceFootage` operations, each a translation of one placement of a
:class:`~jobs.formats.render_plan.RenderPlan` (the values come from the plan; the script
computes no placement of its own). Every field is checked when
the dataclass is built, and anything that cannot become a safe script raises
:class:`ScriptError`.

Plain Python: no Django import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FIT_MODES = ("fit", "fill", "stretch")
MODES = ("open", "current")
DEFAULT_UNDO_GROUP = "aeautomation: populate template"
LOG_SUFFIX = ".log"


class ScriptError(ValueError):
    """The plan cannot be turned into a safe script (bad value, missing asset, ...)."""


@dataclass(frozen=True)
class SetText:
    """Set the Source Text of layer ``layer_name`` (index ``layer_index``) in ``composition``;
    the template's text document keeps its font, size and every other style."""

    composition: str
    layer_name: str
    layer_index: int
    text: str

    def __post_init__(self) -> None:
        _check_target(self.composition, self.layer_name, self.layer_index)
        _check_str("text", self.text)


@dataclass(frozen=True)
class ReplaceFootage:
    """Replace a footage layer's source with the image at ``file_path`` (a render-machine path)
    and set its Anchor Point and Scale as the render plan's placement says.

    ``box`` is the placeholder's source rectangle in layer pixels (left, top, right, bottom),
    ``anchor_map`` the plan's ``new = old * m + b`` per axis as ``(mx, bx, my, by)``, ``anchor``
    and ``scale`` the new static values (None where the template's transform is animated or
    unreadable: the script then applies the plan's rules to the values it finds), ``mask`` the
    image region (image pixels) to keep for ``fill``. ``check_size``: compare the layer's source
    size with ``box`` (False where the template did not record it and the plan used the image's).
    """

    composition: str
    layer_name: str
    layer_index: int
    file_path: str
    image_size: tuple[int, int]
    box: tuple[float, float, float, float]
    anchor_map: tuple[float, float, float, float]
    fit: str = "fit"
    anchor: tuple[float, float] | None = None
    scale: tuple[float, float] | None = None
    mask: tuple[float, float, float, float] | None = None
    pixel_aspect: float = 1.0
    check_size: bool = True

    def __post_init__(self) -> None:
        _check_target(self.composition, self.layer_name, self.layer_index)
        _check_str("file_path", self.file_path)
        if not self.file_path:
            raise ScriptError("file_path must not be empty")
        if self.fit not in FIT_MODES:
            raise ScriptError(f"fit must be one of {', '.join(FIT_MODES)}, not {self.fit!r}")
        size = tuple(self.image_size)
        if len(size) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in size):
            raise ScriptError(f"image_size must be two positive integers, not {self.image_size!r}")
        object.__setattr__(self, "image_size", size)
        object.__setattr__(self, "box", _numbers("box", self.box, 4))
        if self.box[2] <= self.box[0] or self.box[3] <= self.box[1]:
            raise ScriptError(f"box {self.box!r} is empty")
        object.__setattr__(self, "anchor_map", _numbers("anchor_map", self.anchor_map, 4))
        if not self.anchor_map[0] or not self.anchor_map[2]:
            raise ScriptError(f"anchor_map {self.anchor_map!r} is not invertible")
        for name, size_ in (("anchor", 2), ("scale", 2), ("mask", 4)):
            value = getattr(self, name)
            object.__setattr__(self, name, None if value is None else _numbers(name, value, size_))
        pixel_aspect = _numbers("pixel_aspect", (self.pixel_aspect,), 1)[0]
        if pixel_aspect <= 0:
            raise ScriptError(f"pixel_aspect must be positive, not {self.pixel_aspect!r}")
        object.__setattr__(self, "pixel_aspect", pixel_aspect)
        if not isinstance(self.check_size, bool):
            raise ScriptError("check_size must be a boolean")


Operation = SetText | ReplaceFootage


@dataclass(frozen=True)
class Relink:
    """Point the template's footage item ``footage_id`` (or, without an id or when the id names
    another item, the one whose file is ``recorded_path`` or, failing that, the one named
    ``name``) at ``file_path``, its copy in the bundle (a render-machine path)."""

    footage_id: int | None
    name: str
    recorded_path: str
    file_path: str

    def __post_init__(self) -> None:
        if self.footage_id is not None and (
            isinstance(self.footage_id, bool) or not isinstance(self.footage_id, int) or self.footage_id < 1
        ):
            raise ScriptError(f"footage_id must be a positive integer or None, not {self.footage_id!r}")
        for name in ("name", "recorded_path", "file_path"):
            _check_str(name, getattr(self, name))
        if not self.name:
            raise ScriptError("a relink needs the footage's name")
        if not self.file_path:
            raise ScriptError("file_path must not be empty")


@dataclass(frozen=True)
class ScriptPlan:
    """Everything the generated script does; all paths are as the render machine sees them.

    ``mode="open"``: close the current project without saving, open ``template_path``, populate
    it and save it as ``output_path`` (both required). ``mode="current"``: populate
    ``app.project`` as it is and save nothing (nexrender opened its own copy and renders it
    afterwards). ``log_path`` None: no log file. ``composition`` is the composition that renders
    (checked to exist; nothing is added to the render queue). ``relinks`` are done (in both
    modes) before the operations.
    """

    mode: str = "open"
    template_path: str | None = None
    output_path: str | None = None
    log_path: str | None = None
    operations: tuple[Operation, ...] = ()
    composition: str | None = None
    undo_group: str = DEFAULT_UNDO_GROUP
    relinks: tuple[Relink, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ScriptError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        for name in ("template_path", "output_path", "log_path", "composition"):
            value = getattr(self, name)
            if value is not None:
                _check_str(name, value)
                if not value:
                    raise ScriptError(f"{name} must not be empty")
        if self.mode == "open" and (self.template_path is None or self.output_path is None):
            raise ScriptError('mode "open" needs template_path and output_path')
        _check_str("undo_group", self.undo_group)
        if not self.undo_group:
            raise ScriptError("undo_group must not be empty")
        object.__setattr__(self, "operations", tuple(self.operations))
        seen: set[tuple[str, str, int]] = set()
        for op in self.operations:
            if not isinstance(op, (SetText, ReplaceFootage)):
                raise ScriptError(f"unknown operation {op!r}")
            key = (op.composition, op.layer_name, op.layer_index)
            if key in seen:
                raise ScriptError(f"two operations target {op.composition!r} / {op.layer_name!r}")
            seen.add(key)
        object.__setattr__(self, "relinks", tuple(self.relinks))
        relinked: set[object] = set()
        for relink in self.relinks:
            if not isinstance(relink, Relink):
                raise ScriptError(f"unknown relink {relink!r}")
            item = relink.footage_id if relink.footage_id is not None else (relink.name, relink.recorded_path)
            if item in relinked:
                raise ScriptError(f"two relinks for the footage {relink.name!r}")
            relinked.add(item)

    @property
    def texts(self) -> tuple[SetText, ...]:
        return tuple(op for op in self.operations if isinstance(op, SetText))

    @property
    def footage(self) -> tuple[ReplaceFootage, ...]:
        return tuple(op for op in self.operations if isinstance(op, ReplaceFootage))


def _check_str(what: str, value: object) -> None:
    if not isinstance(value, str):
        raise ScriptError(f"{what} must be a string, not {type(value).__name__}")


def _numbers(what: str, value: object, size: int) -> tuple[float, ...]:
    try:
        numbers = tuple(float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ScriptError(f"{what} must be {size} numbers, not {value!r}") from None
    if len(numbers) != size or not all(math.isfinite(v) for v in numbers):
        raise ScriptError(f"{what} must be {size} finite numbers, not {value!r}")
    return numbers


def _check_target(composition: str, layer_name: str, layer_index: int) -> None:
    _check_str("composition", composition)
    _check_str("layer_name", layer_name)
    if isinstance(layer_index, bool) or not isinstance(layer_index, int) or layer_index < 1:
        raise ScriptError(f"layer_index must be a positive integer, not {layer_index!r}")
