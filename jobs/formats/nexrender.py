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

Delivery (checked against ``@nexrender/core`` 1.63 and ``@nexrender/action-copy`` 1.49 by
jobs/tests/formats/test_nexrender_core.py, which runs jobs through them):

- nexrender renders into its work folder (``<workpath>/<uid>/result.<outputExt>``) and, after
  the post-render actions, deletes that folder (``tasks/cleanup.js``). A job is delivered only
  by a post-render action: this module appends ``@nexrender/action-copy`` to ``postrender``
  (after any other post-render action, so it copies their result), which runs after the render
  and before the cleanup (``src/index.js``);
- action-copy joins a relative ``output`` onto the work folder (lost in the cleanup) and, when
  ``output`` is not an EXISTING folder, writes a file of that very name: the copy's target is
  therefore an absolute path of the rendered file's final name (``deliver_to`` +
  ``output_name`` with the render's extension, or ``output`` as given);
- without ``outputExt`` nexrender names the render ``result.avi`` (``result.mov`` on macOS);
  After Effects gives the file its output module's extension, and nexrender looks for only a
  few swaps (``.avi``/``.mov``/``.mp4``). ``outputExt`` therefore follows the output module
  (:data:`OUTPUT_MODULE_EXTENSIONS` for After Effects' stock templates, or ``output_ext``);
- ``jpeg``/``jpg``/``png``/``tif``/``tga`` make nexrender render an image sequence
  (``result_[#####].ext``), which action-copy cannot copy (one file): refused for a delivery;
- nexrender 1.63 names a downloaded file after its URL's whole path (``tasks/download.js``:
  ``<random>-/jobs/exports/10.png``), a folder that does not exist in the work folder, so
  every ``file://`` or ``http(s)://`` asset fails with ENOENT, unless the asset carries a
  ``name`` (then used as is; fixed upstream after 1.63.3 by inlife/nexrender#1067). The
  template and every footage and script asset therefore get a ``name``: the file's own name,
  made unique within the job and kept clear of nexrender's ``result.*`` and ``nexrender-*``.

This module is plain Python: no Django import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from urllib.parse import quote, unquote, urlsplit

PRIORITIES = {"high": 100, "medium": 50, "low": 0}
DEFAULT_PRIORITY = "medium"
FOOTAGE_TYPES = ("image", "video", "audio")
TEXT_PROPERTY = "Source Text"
SCALE_PROPERTY = "Transform.Scale"
COPY_ACTION = "@nexrender/action-copy"
# The file extension After Effects gives a render with each of its stock output-module templates
# (English names, After Effects 2022 and later: "Lossless" is QuickTime there).
OUTPUT_MODULE_EXTENSIONS = {
    "Lossless": "mov",
    "Lossless with Alpha": "mov",
    "High Quality": "mov",
    "High Quality with Alpha": "mov",
    "Alpha Only": "mov",
    "H.264 - Match Render Settings - 5 Mbps": "mp4",
    "H.264 - Match Render Settings - 15 Mbps": "mp4",
    "H.264 - Match Render Settings - 40 Mbps": "mp4",
    "TIFF Sequence with Alpha": "tif",
}
# nexrender renders these as an image sequence, result_[#####].<ext> (tasks/setup.js).
IMAGE_SEQUENCE_EXTENSIONS = ("jpeg", "jpg", "png", "tif", "tga")

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_TAG = re.compile(r"^[A-Za-z0-9]+$")
_EXT = re.compile(r"^[A-Za-z0-9]{1,5}$")
_UNSAFE_NAME = re.compile(r"[\\/\x00-\x1f]")


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


def download_name(src: str) -> str:
    """The file name at the end of a source URI (percent-decoded), or ``""``."""
    if src.startswith("data:"):
        return ""
    path = unquote(urlsplit(src).path)
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _name_downloads(items: Sequence[dict]) -> None:
    """Give every downloaded item a unique ``name`` (see the module docstring).

    A data URI, or a URL without a file name, becomes ``asset-<n>`` (nexrender adds a data
    URI's extension from its MIME type).
    """
    taken: set[str] = set()
    for number, item in enumerate(items, start=1):
        name = download_name(item["src"])
        if not name or name in (".", "..") or _UNSAFE_NAME.search(name):
            name = f"asset-{number}"
        stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
        if stem.lower() == "result" or name.lower().startswith(("nexrender-", "aerender-")):
            stem = f"asset-{stem}"
        candidate, k = stem + dot + ext, 1
        while candidate.lower() in taken:
            k += 1
            candidate = f"{stem}-{k}{dot}{ext}"
        taken.add(candidate.lower())
        item["name"] = candidate


def _coerce(items: Iterable, cls):
    """Accept dataclass instances or plain tuples in the dataclass's field order."""
    return [item if isinstance(item, cls) else cls(*item) for item in items]


def is_absolute_path(text: str) -> bool:
    """An absolute POSIX, Windows-drive or UNC path (as action-copy needs, not a URL)."""
    return text.startswith("/") or text.startswith("\\\\") or bool(_DRIVE.match(text))


def _absolute(what: str, value: object) -> str:
    text = _name(what, str(value) if isinstance(value, PathLike) else value)
    if _SCHEME.match(text):
        raise ValueError(f"{what} {text!r} is a URL: @nexrender/action-copy copies to a path")
    if not is_absolute_path(text):
        raise ValueError(f"{what} {text!r} is not an absolute path: nexrender would put it in its work "
                         "folder, which it deletes after the job")
    return text


def render_extension(output_module: str | None, output_ext: str | None = None) -> str | None:
    """The rendered file's extension (no dot, lower case) for nexrender's ``outputExt``.

    ``output_ext`` (``"mov"`` or ``".mov"``, as in the ``AEA_RENDER_EXTENSION`` setting) wins;
    without it a stock output module gives its extension (:data:`OUTPUT_MODULE_EXTENSIONS`);
    otherwise None (nexrender then guesses). A stock module and a different ``output_ext`` are
    refused: After Effects would write the module's extension and nexrender miss the file.
    """
    known = OUTPUT_MODULE_EXTENSIONS.get(output_module) if output_module is not None else None
    if output_ext is None:
        return known
    if not isinstance(output_ext, str):
        raise ValueError(f"output_ext must be a string, not {output_ext!r}")
    ext = output_ext[1:] if output_ext.startswith(".") else output_ext
    if not _EXT.match(ext):
        raise ValueError(f"output_ext must be 1 to 5 letters or digits, not {output_ext!r}")
    ext = ext.lower()
    if known is not None and ext != known:
        raise ValueError(f"output module {output_module!r} renders .{known} files, not .{ext}")
    return ext


def delivery_path(folder: str | PathLike, output_name: str, ext: str) -> str:
    """``folder`` + ``output_name`` with its extension replaced by ``ext`` (the render's).

    ``folder`` is a render-machine path; the name is joined with its separator style
    (backslash for ``Z:\\renders``, slash otherwise).
    """
    base = _absolute("deliver_to", folder)
    name = _name("output_name", output_name)
    if _UNSAFE_NAME.search(name):
        raise ValueError(f"output_name must be a file name (no path separator or control character): {name!r}")
    stem = _EXTENSION.sub("", name) if _EXTENSION.search(name) else name
    if stem.strip(".") == "":
        raise ValueError(f"output_name {name!r} has no name before its extension")
    sep = "\\" if "\\" in base and "/" not in base else "/"
    return base.rstrip("/\\") + sep + f"{stem}.{ext}"


def _copy_output(output, deliver_to, output_name, ext) -> str | None:
    """The absolute path action-copy writes the render to, or None (no delivery)."""
    if output is not None and deliver_to is not None:
        raise ValueError("give output (a file path) or deliver_to (a folder), not both")
    if output is None and deliver_to is None:
        if output_name is not None:
            raise ValueError("output_name names the delivered file: it needs deliver_to")
        return None
    if ext in IMAGE_SEQUENCE_EXTENSIONS:
        raise ValueError(f"a .{ext} render is an image sequence (result_[#####].{ext}), which "
                         f"{COPY_ACTION} cannot deliver (it copies one file)")
    if output is not None:
        path = _absolute("output", output)
        found = _EXTENSION.search(path.replace("\\", "/").rsplit("/", 1)[-1])
        if ext is not None and found and found.group(0)[1:].lower() != ext:
            raise ValueError(f"output {path!r} does not end in .{ext}, the render's extension")
        return path
    if ext is None:
        raise ValueError("the rendered file's extension is unknown (a custom output module): give output_ext")
    return delivery_path(deliver_to, _name("output_name", output_name), ext)


def _actions(actions: Mapping[str, Sequence[Mapping]] | None, output: str | None) -> dict:
    """``prerender``/``postrender`` lists; ``output`` adds a final copy of the render there.

    The copy comes after every other post-render action (so it delivers their result, e.g. an
    encode) and nexrender runs the post-render actions before its cleanup.
    """
    result: dict[str, list[dict]] = {"prerender": [], "postrender": []}
    for stage, items in (actions or {}).items():
        if stage not in result:
            raise ValueError(f"unknown action stage {stage!r}: prerender or postrender")
        for action in items:
            if not isinstance(action, Mapping) or not action.get("module"):
                raise ValueError(f"a nexrender action needs a module: {action!r}")
            if action["module"] == COPY_ACTION:
                if stage != "postrender":
                    raise ValueError(f"{COPY_ACTION} runs only as a postrender action")
                _absolute("the output of a copy action", action.get("output"))
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
    output: str | PathLike | None = None,
    output_module: str | None = None,
    render_settings: str | None = None,
    output_ext: str | None = None,
    actions: Mapping[str, Sequence[Mapping]] | None = None,
    scripts: Iterable[str | PathLike] = (),
    continue_on_missing: bool = False,
    uid: str | None = None,
    deliver_to: str | PathLike | None = None,
    output_name: str | None = None,
) -> dict:
    """A nexrender job as a JSON-ready dict.

    ``footage`` items are :class:`FootageAsset` (or tuples ``(layer_name, src, composition,
    layer_index, type, scale)``), ``texts`` are :class:`TextAsset` (or ``(layer_name, value,
    composition, layer_index)``). Assets come out as: every footage item, then the Scale data
    items for footage that has a fitted ``scale`` (same layer target as its footage), then the
    Source Text items, then ``scripts`` (``script`` assets: nexrender runs them last, through
    its patched ``aerender -r``). ``priority`` is ``high``/``medium``/``low`` or a number;
    ``tags`` alphanumeric strings. ``uid`` is left to nexrender unless given.

    ``template.outputExt`` is :func:`render_extension` of ``output_module`` and ``output_ext``.
    The render is delivered by a final post-render ``@nexrender/action-copy`` to ``output`` (an
    absolute render-machine file path, or a folder that exists there) or to ``deliver_to`` (an
    absolute render-machine folder; the file is ``output_name`` with the render's extension,
    e.g. ``test001_final.aep`` → ``test001_final.mov``). Without either, nothing is delivered
    and nexrender's cleanup deletes the render.
    """
    footage_items = _coerce(footage, FootageAsset)
    text_items = _coerce(texts, TextAsset)
    assets = [_footage_asset(item) for item in footage_items]
    assets += [scale for scale in (_scale_asset(item) for item in footage_items) if scale]
    assets += [_text_asset(item) for item in text_items]
    assets += [{"type": "script", "src": source_uri(str(src))} for src in scripts]
    ext = render_extension(output_module, output_ext)
    copy_to = _copy_output(output, deliver_to, output_name, ext)
    template = _template(template_src, composition, output_module, render_settings, ext, continue_on_missing)
    _name_downloads([template] + [asset for asset in assets if asset["type"] != "data"])
    job: dict = {
        "template": template,
        "assets": assets,
        "actions": _actions(actions, copy_to),
        "priority": nexrender_priority(priority),
    }
    tag_text = nexrender_tags(tags)
    if tag_text:
        job["tags"] = tag_text
    if uid is not None:
        job["uid"] = _name("uid", uid)
    return job
