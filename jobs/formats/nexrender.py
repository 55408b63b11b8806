"""Build nexrender job JSON (github.com/inlife/nexrender, ``@nexrender/types`` job format).

The shape follows nexrender's README and its own validation (``@nexrender/types/job``
``validate``, run by nexrender-server on every POSTed job):

- ``template``: ``src`` (a URI: ``file:///...``, ``http(s)://...``), ``composition`` (the one
  to render), optional ``outputModule``, ``settingsTemplate``, ``outputExt``,
  ``continueOnMissing``;
- ``assets``: footage items (``type`` ``image``/``video``/``audio``, ``src``, ``layerName`` or
  ``layerIndex``, ``composition``), data items (``type: "data"``, ``property`` such as
  ``"Source Text"`` or ``"Transform.Scale"``, ``value``, ``layerName``/``layerIndex``,
  ``composition``) and script items (``type: "script"``, ``src``). nexrender applies them in
  order, so footage comes first and the data items that target the same layer (its fitted
  Scale) come after it;
- ``actions``: ``prerender`` / ``postrender`` lists of ``{"module": ..., ...}``;
- ``priority``: a number; with ``NEXRENDER_ORDERING=priority`` the server picks the largest
  first (default 0). The CSV's high/medium/low map to :data:`PRIORITIES`;
- ``tags``: a comma-separated string (nexrender's default is ``""``); a worker started with
  ``--tag-selector`` takes jobs by these tags, which must be alphanumeric.

nexrender's README: "if ``layerName`` is used for footage file asset, it should always contain
the extension in the name as well". A footage layer whose name carries no extension is
therefore addressed by ``layerIndex``.

This module is plain Python: no Django import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from urllib.parse import quote

PRIORITIES = {"high": 100, "medium": 50, "low": 0}
DEFAULT_PRIORITY = "medium"
FOOTAGE_TYPES = ("image", "video", "audio")
TEXT_PROPERTY = "Source Text"
SCALE_PROPERTY = "Transform.Scale"
COPY_ACTION = "@nexrender/action-copy"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_TAG = re.compile(r"^[A-Za-z0-9]+$")


@dataclass(frozen=True)
class FootageAsset:
    """A footage layer to replace: ``src`` is a render-machine path or a URL."""

    layer_name: str
    src: str
    composition: str
    layer_index: int | None = None
    type: str = "image"
    scale: tuple[float, float] | None = None  # fitted Scale in percent, applied after the footage


@dataclass(frozen=True)
class TextAsset:
    """A text layer whose Source Text becomes ``value``."""

    layer_name: str
    value: str
    composition: str
    layer_index: int | None = None


def file_url(path: str | PathLike) -> str:
    """A ``file://`` URL for an absolute POSIX, Windows-drive or UNC path (percent-encoded)."""
    text = str(path)
    if _DRIVE.match(text):
        return "file:///" + text[0] + ":" + quote(text[2:].replace("\\", "/"), safe="/")
    if text.startswith("\\\\"):
        host, _, rest = text[2:].replace("\\", "/").partition("/")
        return "file://" + quote(host, safe="") + "/" + quote(rest, safe="/")
    if text.startswith("/"):
        return "file://" + quote(text, safe="/")
    raise ValueError(f"{text!r} is not an absolute path")


def source_uri(src: str | PathLike) -> str:
    """``src`` as nexrender wants it: URLs (``scheme://``, ``data:``) as given, paths as file URLs."""
    text = str(src)
    if _SCHEME.match(text) or text.startswith("data:"):
        return text
    return file_url(text)


def nexrender_priority(priority: str | int | None) -> int:
    """nexrender's numeric priority for the CSV's ``high``/``medium``/``low`` (empty: medium)."""
    if isinstance(priority, bool):
        raise ValueError("priority must be high, medium, low or an integer")
    if isinstance(priority, int):
        return priority
    if priority is not None and not isinstance(priority, str):
        raise ValueError(f"priority must be high, medium, low or an integer, not {priority!r}")
    key = (priority or DEFAULT_PRIORITY).strip().lower()
    if key not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
    return PRIORITIES[key]


def tag_from_text(text: str) -> str:
    """A nexrender tag made from free text (a client or project name): its letters and digits."""
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def nexrender_tags(tags: Iterable[str]) -> str:
    """The ``tags`` string: alphanumeric tags, first occurrence kept, joined with commas."""
    kept = []
    for tag in tags:
        if not isinstance(tag, str) or not _TAG.match(tag):
            raise ValueError(f"nexrender tags must be alphanumeric, not {tag!r}")
        if tag not in kept:
            kept.append(tag)
    return ",".join(kept)


def _name(what: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, not {value!r}")
    return value


def _index(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"layer_index must be a positive integer, not {value!r}")
    return value


def _footage_target(asset: FootageAsset) -> dict:
    """``layerName`` when the name carries a file extension, else ``layerIndex``."""
    name = _name("footage layer_name", asset.layer_name)
    index = _index(asset.layer_index)
    if _EXTENSION.search(name):
        target = {"layerName": name}
    elif index is not None:
        target = {"layerIndex": index}
    else:
        raise ValueError(f"footage layer {name!r} has no file extension and no layer_index")
    return {**target, "composition": _name("composition", asset.composition)}


def _text_target(asset: TextAsset) -> dict:
    """``layerName`` when given, else ``layerIndex``."""
    index = _index(asset.layer_index)
    if asset.layer_name:
        target = {"layerName": _name("text layer_name", asset.layer_name)}
    elif index is not None:
        target = {"layerIndex": index}
    else:
        raise ValueError("a text asset needs a layer_name or a layer_index")
    return {**target, "composition": _name("composition", asset.composition)}


def _footage_asset(asset: FootageAsset) -> dict:
    if asset.type not in FOOTAGE_TYPES:
        raise ValueError(f"footage type must be one of {', '.join(FOOTAGE_TYPES)}, not {asset.type!r}")
    return {"type": asset.type, "src": source_uri(_name("src", asset.src)), **_footage_target(asset)}


def _scale_asset(asset: FootageAsset) -> dict | None:
    if asset.scale is None:
        return None
    sx, sy = (float(v) for v in asset.scale)
    return {"type": "data", **_footage_target(asset), "property": SCALE_PROPERTY, "value": [sx, sy]}


def _text_asset(asset: TextAsset) -> dict:
    if not isinstance(asset.value, str):
        raise ValueError(f"text value must be a string, not {type(asset.value).__name__}")
    return {"type": "data", **_text_target(asset), "property": TEXT_PROPERTY, "value": asset.value}


def _coerce(items: Iterable, cls):
    """Accept dataclass instances or plain tuples in the dataclass's field order."""
    return [item if isinstance(item, cls) else cls(*item) for item in items]


def _actions(actions: Mapping[str, Sequence[Mapping]] | None, output: str | None) -> dict:
    """``prerender``/``postrender`` lists; ``output`` adds a final copy of the render there."""
    result: dict[str, list[dict]] = {"prerender": [], "postrender": []}
    for stage, items in (actions or {}).items():
        if stage not in result:
            raise ValueError(f"unknown action stage {stage!r}: prerender or postrender")
        for action in items:
            if not isinstance(action, Mapping) or not action.get("module"):
                raise ValueError(f"a nexrender action needs a module: {action!r}")
            result[stage].append(dict(action))
    if output is not None:
        result["postrender"].append({"module": COPY_ACTION, "output": _name("output", output)})
    return result


def _template(template_src, composition, output_module, render_settings, output_ext, continue_on_missing) -> dict:
    """The ``template`` object: source URI, composition to render, optional render options."""
    template = {
        "src": source_uri(_name("template_src", str(template_src))),
        "composition": _name("composition", composition),
    }
    optional = {"outputModule": output_module, "settingsTemplate": render_settings, "outputExt": output_ext}
    template.update({key: value for key, value in optional.items() if value is not None})
    if continue_on_missing:
        template["continueOnMissing"] = True
    return template


def nexrender_job(
    *,
    template_src: str | PathLike,
    composition: str,
    footage: Iterable[FootageAsset | tuple] = (),
    texts: Iterable[TextAsset | tuple] = (),
    priority: str | int | None = DEFAULT_PRIORITY,
    tags: Iterable[str] = (),
    output: str | None = None,
    output_module: str | None = None,
    render_settings: str | None = None,
    output_ext: str | None = None,
    actions: Mapping[str, Sequence[Mapping]] | None = None,
    scripts: Iterable[str | PathLike] = (),
    continue_on_missing: bool = False,
    uid: str | None = None,
) -> dict:
    """A nexrender job as a JSON-ready dict.

    ``footage`` items are :class:`FootageAsset` (or tuples ``(layer_name, src, composition,
    layer_index, type, scale)``), ``texts`` are :class:`TextAsset` (or ``(layer_name, value,
    composition, layer_index)``). Assets come out as: every footage item, then the Scale data
    items for footage that has a fitted ``scale`` (same layer target as its footage), then the
    Source Text items, then ``scripts``. ``priority`` is ``high``/``medium``/``low`` or a number;
    ``tags`` alphanumeric strings; ``output`` a render-machine path the rendered file is copied
    to (``@nexrender/action-copy``). ``uid`` is left to nexrender unless given.
    """
    footage_items = _coerce(footage, FootageAsset)
    text_items = _coerce(texts, TextAsset)
    assets = [_footage_asset(item) for item in footage_items]
    assets += [scale for scale in (_scale_asset(item) for item in footage_items) if scale]
    assets += [_text_asset(item) for item in text_items]
    assets += [{"type": "script", "src": source_uri(str(src))} for src in scripts]
    template = _template(template_src, composition, output_module, render_settings, output_ext, continue_on_missing)
    job: dict = {
        "template": template,
        "assets": assets,
        "actions": _actions(actions, output),
        "priority": nexrender_priority(priority),
    }
    tag_text = nexrender_tags(tags)
    if tag_text:
        job["tags"] = tag_text
    if uid is not None:
        job["uid"] = _name("uid", uid)
    return job
