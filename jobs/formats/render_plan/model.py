"""The render plan: everything a renderer needs to draw or build a job's render, computed once.

The preview (:mod:`jobs.formats.preview`), the After Effects script
(:mod:`jobs.formats.extendscript`), the aerender commands and the nexrender job are
translations of one :class:`RenderPlan`; none of them computes a placement of its own.
Coordinates are composition pixels unless a field says "layer" (the placeholder layer's own
pixel space, as After Effects' ``sourceRectAtTime`` gives it) or "image" (the replacement
PNG's pixels, which become the layer's pixels once it replaces the source).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from .affine import Affine, Point, Rect

PLAN_VERSION = 1


def _tuple(value, size: int | None = None):
    if value is None:
        return None
    values = tuple(float(v) for v in value)
    return values if size is None or len(values) == size else None


@dataclass(frozen=True)
class PlanNote:
    """Something the plan could not derive or a renderer must know (shown in the preview)."""

    code: str
    message: str
    composition: str | None = None
    layer: str | None = None
    severity: str = "warning"  # warning (will render differently than it looks) or info


@dataclass(frozen=True)
class FootagePlacement:
    """A footage placeholder whose source becomes a PSD layer's PNG, and where that lands.

    After Effects keeps the layer's Position (and parents, rotation); the plan sets its Anchor
    Point and Scale so that the image sits where the placeholder's source did:

    - ``anchor = anchor_map(old anchor)``: the same relative point of the image as the old
      anchor was of the placeholder's source rectangle ``box`` (layer pixels);
    - ``scale``: ``fit`` (the whole image inside the box, uniform), ``fill`` (covers the box,
      uniform; ``mask`` crops it to the box, in image pixels) or ``stretch`` (exactly the box);
    - ``matrix`` maps image pixels to composition pixels once that is done (None where the
      template's transform is animated or not readable: see the plan's notes), and ``visible``
      is the image region that shows there (the mask, else the whole image) in composition
      pixels, as its four corners (top-left, top-right, bottom-right, bottom-left).

    Keyframed Anchor Point or Scale values are changed key by key by the same rules
    (``anchor_map`` is linear; the scale rule is ``fit``/``fill``/``stretch`` of ``box`` and
    ``image_size`` applied to each key's value), which is what the script does.
    """

    composition: str
    layer_index: int
    layer_name: str
    psd_layer_id: int
    image: str  # the PNG, relative to the bundle (assets/layer-<id>.png)
    image_size: tuple[int, int]
    fit: str
    box: Rect  # the placeholder's source rectangle, layer pixels: left, top, right, bottom
    anchor_map: tuple[float, float, float, float]  # new = old * m + b: (mx, bx, my, by)
    anchor: Point | None = None  # the new Anchor Point (static templates)
    scale: Point | None = None  # the new Scale, percent (static templates)
    mask: Rect | None = None  # image pixels: left, top, right, bottom (fill only)
    matrix: Affine | None = None  # image pixels -> composition pixels
    visible: tuple[Point, Point, Point, Point] | None = None
    pixel_aspect: float = 1.0  # of the placeholder's source (the PNG's is 1): widths scale by it


@dataclass(frozen=True)
class TextPlacement:
    """A text placeholder whose Source Text becomes a PSD layer's text, in the TEMPLATE's style.

    After Effects keeps the text document's font, size and justification when a script sets
    only its text, so the plan records those, and where the text sits: ``box`` for paragraph
    text (its box in composition pixels: After Effects does not shrink text that overflows it),
    ``origin`` for point text (the first baseline's anchor in composition pixels, text laid
    out from it by ``justification``). Both None when the template does not let them be
    derived (an animated transform): the plan's notes say so and the preview marks it.
    """

    composition: str
    layer_index: int
    layer_name: str
    psd_layer_id: int
    text: str
    font: str | None
    font_size: float | None  # points in layer space
    justification: str  # left, center, right (justified paragraphs as their last line)
    scale: float = 1.0  # layer pixels -> composition pixels (mean; the font is drawn at size * scale)
    box: Rect | None = None
    origin: Point | None = None
    matrix: Affine | None = None


@dataclass(frozen=True)
class CollectedFile:
    """A footage file the template renders, collected into the bundle (After Effects' "Collect
    Files"): the script points the project's footage item at ``bundle_path``.

    ``relinked``: the file was not at the path the template recorded, and ``local_path`` is the
    one file of that name inside the input roots (a safe relink).
    """

    footage_id: int | None
    name: str
    recorded_path: str
    local_path: str
    bundle_path: str  # relative to the bundle: footage/<id>-<file name>
    relinked: bool = False


@dataclass(frozen=True)
class RenderPlan:
    """What renders for one job: the composition and every placeholder's new content."""

    composition: str | None  # the one composition to render (aerender -comp, nexrender's)
    width: int = 0
    height: int = 0
    frame_rate: float = 30.0
    duration: float = 0.0
    footage: tuple[FootagePlacement, ...] = ()
    texts: tuple[TextPlacement, ...] = ()
    notes: tuple[PlanNote, ...] = ()
    template_file: str | None = None  # the template's copy, relative to the bundle
    files: tuple[CollectedFile, ...] = ()
    version: int = PLAN_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RenderPlan:
        known = {f.name for f in fields(cls)}
        rest = {k: v for k, v in data.items() if k in known and k not in ("footage", "texts", "notes", "files")}
        return cls(
            footage=tuple(_footage(item) for item in data.get("footage", [])),
            texts=tuple(_text(item) for item in data.get("texts", [])),
            notes=tuple(PlanNote(**item) for item in data.get("notes", [])),
            files=tuple(CollectedFile(**item) for item in data.get("files", [])),
            **rest,
        )

    def placements(self, composition: str) -> tuple[list[FootagePlacement], list[TextPlacement]]:
        """The footage and text placements in ``composition``."""
        return ([p for p in self.footage if p.composition == composition],
                [p for p in self.texts if p.composition == composition])


def _footage(item: dict) -> FootagePlacement:
    data = dict(item)
    data["image_size"] = tuple(int(v) for v in data["image_size"])
    for name, size in (("box", 4), ("anchor_map", 4), ("anchor", 2), ("scale", 2), ("mask", 4), ("matrix", 6)):
        data[name] = _tuple(data.get(name), size)
    if data.get("visible") is not None:
        data["visible"] = tuple(tuple(float(v) for v in point) for point in data["visible"])
    return FootagePlacement(**data)


def _text(item: dict) -> TextPlacement:
    data = dict(item)
    for name, size in (("box", 4), ("origin", 2), ("matrix", 6)):
        data[name] = _tuple(data.get(name), size)
    return TextPlacement(**data)


__all__ = ["PLAN_VERSION", "CollectedFile", "FootagePlacement", "PlanNote", "RenderPlan", "TextPlacement"]
