"""Every code a stage stores as a :class:`~jobs.models.JobWarning`: its severity and meaning.

The one source of ``docs/warnings.md``: its table is :func:`markdown_table` (``python -m
jobs.warning_codes`` prints it; ``jobs/tests/test_warnings.py`` checks the two agree, and that
every code the stages and the format code emit is listed here).

Severities, most serious first:

- ``error``: blocks the deploy (Stage 4 refuses it, or the same problem will make it refuse);
- ``warning``: will render wrong, or differently from what the design and the preview show;
  a person decides (at Stage 4 a deployer signs it off with a reason);
- ``info``: for information; nothing renders differently because of it.

Most codes have one severity, which the stages store whatever the code that found the problem
proposed (:func:`severity_of`). A few are *graded*: the check that finds them tells the cases
apart (a template rule's error or warning, text overflowing a placeholder or the template's
own text), and the entry lists each severity with its case; the finder's severity is kept when
it is one of them.

Plain Python: no Django, no app code.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)  # most serious first
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class WarningCode:
    """One code: the stage that stores it (None: any) and its cases, most serious first."""

    code: str
    stage: int | None
    cases: tuple[tuple[str, str], ...]  # (severity, meaning)

    @property
    def severity(self) -> str:
        """The most serious severity the code is stored with."""
        return self.cases[0][0]

    @property
    def severities(self) -> tuple[str, ...]:
        return tuple(severity for severity, _ in self.cases)

    def meaning(self, severity: str | None = None) -> str:
        """What the code means (at ``severity``, for a graded code)."""
        return dict(self.cases).get(severity or "", self.cases[0][1])


def _code(code: str, stage: int | None, *cases: tuple[str, str]) -> WarningCode:
    ranks = [SEVERITY_RANK[severity] for severity, _ in cases]
    if not cases or ranks != sorted(set(ranks)):
        raise ValueError(f"{code}: give each severity once, most serious first")
    return WarningCode(code, stage, tuple(cases))


_ALL = (
    # --- Any stage
    _code("stage_failed", None,
          (ERROR, "The stage's work failed (a bad or missing file, a refused script, a database error): the job "
                  "waits, failed, until someone retries it.")),

    # --- Stage 1: reading the files and matching (checked again whenever the matching changes)
    _code("font_not_available", 1,
          (WARNING, "A text layer the render shows uses a font missing from the render machines' font list "
                    "(`AEA_FONTS`): After Effects substitutes another font, so the text looks different. "
                    "Fonts only the PSD or unrendered layers use are not reported (the render keeps the "
                    "template's font).")),
    _code("footage_missing", 1,
          (WARNING, "Footage that a layer the job keeps (does not replace) and renders uses is missing at its "
                    "recorded path on this machine: Stage 3 collects it when one file of that name lies in the "
                    "input roots, else the render machine must have it there (Stage 4 checks again). Footage "
                    "that only replaced, disabled or unrendered layers use is not reported.")),
    _code("placeholder_unfilled", 1,
          (WARNING, "No PSD layer fills a placeholder that renders: the template's own content (its dummy "
                    "text or image) renders in its place."),
          (INFO, "No PSD layer fills a placeholder that is disabled or in a composition that does not "
                 "render: the render does not change.")),
    _code("psd_layer_hidden", 1,
          (WARNING, "A PSD layer hidden in the design fills a placeholder: the render shows what the designer "
                    "hid."),
          (INFO, "A PSD layer is hidden in the design and fills no placeholder (hidden layers are not "
                 "exported as images).")),
    _code("psd_text_empty", 1,
          (WARNING, "A PSD type layer without text fills a text placeholder: the placeholder renders empty.")),
    _code("aspect_mismatch", 1,
          (INFO, "The PSD and a composition with placeholders differ in aspect ratio by more than 10 %: the "
                 "render follows the composition's layout; matching by position is less reliable there.")),

    # --- Stage 3: the render plan and the preview
    _code("placeholder_missing", 3,
          (ERROR, "A match names a layer the template's composition does not have: the populate script "
                  "would fail on it.")),
    _code("image_missing", 3,
          (ERROR, "A matched PSD layer has no exported image: the render plan leaves its placeholder out.")),
    _code("missing_image", 3,
          (ERROR, "The exported image of a PSD layer the plan places is not on disk: the script would fail."),
          (INFO, "The flattened design is not on disk: the design/preview comparison is not drawn.")),
    _code("image_unreadable", 3,
          (ERROR, "The exported image of a PSD layer the plan places cannot be decoded."),
          (INFO, "The flattened design cannot be decoded: the design/preview comparison is not drawn.")),
    _code("unknown_psd_layer", 3,
          (ERROR, "A match names a PSD layer id the PSD does not have.")),
    _code("unknown_placeholder", 3,
          (ERROR, "The render plan or a match names a layer the composition does not have.")),
    _code("unknown_composition", 3,
          (ERROR, "A match names a composition the template does not have.")),
    _code("not_in_plan", 3,
          (ERROR, "A placeholder is matched but the render plan does not fill it (the plan's notes say why).")),
    _code("nothing_to_preview", 3,
          (ERROR, "No composition holds a matched placeholder: nothing would be replaced or rendered.")),
    _code("empty_box", 3,
          (ERROR, "A filled text placeholder's paragraph box is empty: After Effects shows none of the text."),
          (INFO, "A template text layer that is no placeholder has an empty box: it renders as in the "
                 "template.")),
    _code("missing_text", 3,
          (WARNING, "The new text of a text placeholder is empty: it renders blank.")),
    _code("text_overflow", 3,
          (WARNING, "A placeholder's new text runs beyond its box (point text: beyond the composition): After "
                    "Effects neither shrinks nor rewraps it, so it renders cut off or outside the layout."),
          (INFO, "A template text layer that is no placeholder runs beyond its box: it renders as in the "
                 "template.")),
    _code("missing_glyphs", 3,
          (WARNING, "The font file of a placeholder's font has no glyph for some characters of its new text: "
                    "the render shows boxes or another font's glyphs."),
          (INFO, "The preview's substitute font (or the font of a template text that is no placeholder) lacks "
                 "some characters: the preview shows boxes for them.")),
    _code("upscaled", 3,
          (WARNING, "A replacement image is scaled beyond 100 % to fit its placeholder: it renders soft.")),
    _code("image_size_mismatch", 3,
          (WARNING, "A PSD layer's image is not the size the render plan was made for: it renders at another "
                    "size than planned.")),
    _code("unknown_fit", 3,
          (WARNING, "A match has an unknown fit mode: the image is placed with fit.")),
    _code("placeholder_size_unknown", 3,
          (WARNING, "The template does not record the size of a placeholder's source: the image keeps its own "
                    "pixel size instead of fitting the placeholder.")),
    _code("placement_not_derivable", 3,
          (WARNING, "A footage placeholder's transform is animated or unreadable: the preview cannot show where "
                    "After Effects puts the image (the script applies the plan's rules to each keyframe), so "
                    "what was approved is not what renders for that layer.")),
    _code("text_position_unknown", 3,
          (WARNING, "A text placeholder's transform is animated or unreadable: the preview cannot show where "
                    "After Effects sets the text.")),
    _code("composition_too_large", 3,
          (WARNING, "A composition is over the preview's pixel limit: it is not previewed, so nobody sees it "
                    "before it renders.")),
    _code("font_fallback", 3,
          (INFO, "The preview draws a text with a substitute font (no readable font file for its PostScript "
                 "name under `AEA_FONT_DIR`): only the preview's look changes; the render uses the template's "
                 "font (`font_not_available` and Stage 4's `font-missing` say whether the render machines have "
                 "it).")),
    _code("text_font_unknown", 3,
          (INFO, "The template records no font for a text layer: After Effects keeps the layer's own font; the "
                 "preview uses a substitute.")),
    _code("font_size_unknown", 3,
          (INFO, "The template records no font size for a text layer: the preview sizes it from its box.")),
    _code("text_transform", 3,
          (INFO, "A text layer is rotated, skewed or flipped in After Effects: the preview draws it upright.")),
    _code("not_in_frame", 3,
          (INFO, "A filled placeholder is disabled or not active at the preview's time: it is measured, not "
                 "drawn.")),
    _code("non_square_pixels", 3,
          (INFO, "A placeholder's source has non-square pixels: the plan scales the image for them.")),
    _code("motion_preview_failed", 3,
          (INFO, "The motion preview (the composition over time, the design video, the side-by-side video) "
                 "could not be made: a composition too long even at 1 fps for `AEA_MOTION_MAX_FRAMES`, an "
                 "unreadable image or an encoder error (the message says which). The still preview is "
                 "ready; the render does not change.")),
    _code("footage_not_collected", 3,
          (INFO, "Footage a kept layer uses is not inside the input roots: the bundle does not carry it and the "
                 "render machine must have it at its recorded path (Stage 4's `footage-missing` blocks the "
                 "deploy when it is missing and renders).")),

    # --- Stage 4: the template rules (only their errors and warnings are stored) and the render farm
    _code("footage-missing", 4,
          (ERROR, "Footage that a layer which renders and is not replaced uses is missing, and no single file "
                  "of that name in the input roots can stand in for it: aerender stops or renders colour bars."),
          (INFO, "Footage missing at its recorded path is collected from the one file of that name in the "
                 "input roots and relinked by the populate script (stored resolved: nothing to do).")),
    _code("font-missing", 4,
          (ERROR, "A text layer that renders uses a font the render machines do not have (`AEA_FONTS`).")),
    _code("render-comp-missing", 4,
          (ERROR, "A render composition is not in the template, two compositions share its name, or nothing "
                  "would render.")),
    _code("match-target-missing", 4,
          (ERROR, "A match or replacement file names a layer the composition does not have, or a PSD layer id "
                  "the PSD does not have.")),
    _code("layer-named-like-comp", 4,
          (ERROR, "A targeted layer is named like a composition (a lookup by name could take the wrong one).")),
    _code("duplicate-target-names", 4,
          (ERROR, "A lookup by a targeted layer's name cannot reach every layer it should.")),
    _code("low-confidence-unconfirmed", 4,
          (ERROR, "A match below the review threshold that no reviewer confirmed.")),
    _code("unsafe-name", 4,
          (ERROR, "The output name or a replacement file name is unsafe as a file name on a render machine.")),
    _code("footage-no-extension", 4,
          (ERROR, "A replacement file has no file extension.")),
    _code("replacement-missing", 4,
          (ERROR, "A replacement file does not exist or is not a file.")),
    _code("file-limits", 4,
          (ERROR, "A replacement file is over the size, dimension or pixel limits.")),
    _code("text-overflow", 4,
          (ERROR, "New text does not fit the template's own paragraph box: After Effects hides what does not "
                  "fit."),
          (WARNING, "New text may not fit: it was measured with a substitute font, against an estimated box "
                    "(point text) or in another box than the template's.")),
    _code("upscale", 4,
          (ERROR, "A replacement image is scaled over 200 %."),
          (WARNING, "A replacement image is scaled over 100 %: it renders soft.")),
    _code("placeholder-unfilled", 4,
          (WARNING, "An enabled placeholder of a render composition that nothing fills and nobody accepted "
                    "as empty: the template's dummy content renders.")),
    _code("aspect-mismatch", 4,
          (WARNING, "A replacement image's aspect ratio is more than 10 % off its placeholder's: fit leaves "
                    "bars, fill crops it.")),
    _code("layered-footage-left", 4,
          (WARNING, "A layer that renders keeps layered .psd/.psb/.ai footage: the render machine needs the "
                    "file and imports it slowly.")),
    _code("all-caps-text", 4,
          (WARNING, "The new text has lower-case letters that the template's All Caps shows upper-cased.")),
    _code("renderer-not-classic", 4,
          (WARNING, "A render composition uses a 3D renderer other than Classic 3D.")),
    _code("render_failed", 4,
          (ERROR, "nexrender reported that the job's render failed; Retry submits it again.")),
)

CODES: dict[str, WarningCode] = {entry.code: entry for entry in _ALL}


def severity_of(code: str, proposed: str | None = None) -> str:
    """The severity a warning of ``code`` is stored with.

    A code of one severity gets it, whatever ``proposed`` (the finder's) says; a graded code
    keeps ``proposed`` when it is one of its severities, else gets its most serious one. A code
    this module does not know (a test keeps that from happening) keeps ``proposed``.
    """
    entry = CODES.get(code)
    if entry is None:
        return proposed if proposed in SEVERITY_RANK else WARNING
    return proposed if proposed in entry.severities else entry.severity


def meaning_of(code: str, severity: str | None = None) -> str:
    entry = CODES.get(code)
    return entry.meaning(severity) if entry is not None else ""


def markdown_table() -> str:
    """The table of ``docs/warnings.md``: one row per code and severity, by stage."""
    lines = ["| code | stage | severity | meaning |", "|---|---|---|---|"]
    order = sorted(_ALL, key=lambda entry: -1 if entry.stage is None else entry.stage)
    for entry in order:
        for severity, meaning in entry.cases:
            stage = "any" if entry.stage is None else str(entry.stage)
            lines.append(f"| `{entry.code}` | {stage} | {severity} | {meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(markdown_table())
