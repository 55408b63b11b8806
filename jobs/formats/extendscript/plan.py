"""What a generated script does: the plan, its operations and their validation.

A :class:`ScriptPlan` holds the template, output and log paths (as the render machine sees
them) and the :class:`SetText` / :class:`ReplaceFootage` operations; every field is checked
when the dataclass is built, and anything that cannot become a safe script raises
:class:`ScriptError`.

Plain Python: no Django import.
"""

from __future__ import annotations

from dataclasses import dataclass

FIT_MODES = ("fit", "fill", "stretch")
DEFAULT_UNDO_GROUP = "aeautomation: populate template"
LOG_SUFFIX = ".log"


class ScriptError(ValueError):
    """The plan cannot be turned into a safe script (bad value, missing asset, ...)."""


@dataclass(frozen=True)
class SetText:
    """Set the Source Text of layer ``layer_name`` (index ``layer_index``) in ``composition``."""

    composition: str
    layer_name: str
    layer_index: int
    text: str

    def __post_init__(self) -> None:
        _check_target(self.composition, self.layer_name, self.layer_index)
        _check_str("text", self.text)


@dataclass(frozen=True)
class ReplaceFootage:
    """Replace a footage layer's source with the image at ``file_path`` (a render-machine path)."""

    composition: str
    layer_name: str
    layer_index: int
    file_path: str
    fit: str = "fit"

    def __post_init__(self) -> None:
        _check_target(self.composition, self.layer_name, self.layer_index)
        _check_str("file_path", self.file_path)
        if not self.file_path:
            raise ScriptError("file_path must not be empty")
        if self.fit not in FIT_MODES:
            raise ScriptError(f"fit must be one of {', '.join(FIT_MODES)}, not {self.fit!r}")


Operation = SetText | ReplaceFootage


@dataclass(frozen=True)
class ScriptPlan:
    """Everything the generated script does; all paths are as the render machine sees them."""

    template_path: str
    output_path: str
    log_path: str
    operations: tuple[Operation, ...] = ()
    render_queue: tuple[str, ...] = ()  # composition names to add to the render queue
    undo_group: str = DEFAULT_UNDO_GROUP

    def __post_init__(self) -> None:
        for name in ("template_path", "output_path", "log_path", "undo_group"):
            _check_str(name, getattr(self, name))
            if not getattr(self, name):
                raise ScriptError(f"{name} must not be empty")
        object.__setattr__(self, "operations", tuple(self.operations))
        object.__setattr__(self, "render_queue", tuple(self.render_queue))
        for op in self.operations:
            if not isinstance(op, (SetText, ReplaceFootage)):
                raise ScriptError(f"unknown operation {op!r}")
        for name in self.render_queue:
            _check_str("render queue composition", name)


def _check_str(what: str, value: object) -> None:
    if not isinstance(value, str):
        raise ScriptError(f"{what} must be a string, not {type(value).__name__}")


def _check_target(composition: str, layer_name: str, layer_index: int) -> None:
    _check_str("composition", composition)
    _check_str("layer_name", layer_name)
    if isinstance(layer_index, bool) or not isinstance(layer_index, int) or layer_index < 1:
        raise ScriptError(f"layer_index must be a positive integer, not {layer_index!r}")
