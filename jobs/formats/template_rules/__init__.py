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
                            missing file; info when only disabled or non-rendered layers keep
                            it, or nothing uses it; nothing when every layer using it is
                            replaced. Fix: relink, when exactly one file of that name lies in
                            the input roots.
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

The package, one module per concern (each imports only the ones before it in this list):

- :mod:`.model`: :class:`Finding`, :class:`Fix`, :class:`ValidationContext`,
  :class:`ValidationReport` and the other plain data.
- :mod:`.job`: :class:`~.job.Job`, the context as the rules see it, and shared helpers.
- the rule families: :mod:`.footage` (missing and layered footage, relinks), :mod:`.fonts`,
  :mod:`.compositions` (compositions, layers and matches), :mod:`.replacements` (names and
  replacement files), :mod:`.fit` (how text and images fit their placeholders).
- :mod:`.registry`: :data:`RULES`, every rule in the order they run, and :func:`validate`.
- :mod:`.fixes`: :func:`apply_fixes` and :func:`relinked`.
- :mod:`.report`: :func:`render_html`.
"""

from .compositions import CLASSIC_RENDERERS
from .fixes import apply_fixes, relinked
from .footage import footage_locator
from .model import (
    DEFAULT_REVIEW_THRESHOLD,
    DEFAULT_SCAN_LIMIT,
    SEVERITIES,
    AppliedFix,
    Finding,
    Fix,
    SkippedRule,
    ValidationContext,
    ValidationReport,
)
from .registry import RULES, Rule, validate
from .replacements import name_problems
from .report import render_html

__all__ = [
    "AppliedFix",
    "CLASSIC_RENDERERS",
    "DEFAULT_REVIEW_THRESHOLD",
    "DEFAULT_SCAN_LIMIT",
    "Finding",
    "Fix",
    "RULES",
    "Rule",
    "SEVERITIES",
    "SkippedRule",
    "ValidationContext",
    "ValidationReport",
    "apply_fixes",
    "footage_locator",
    "name_problems",
    "relinked",
    "render_html",
    "validate",
]
