"""The validation report as a self-contained HTML page (:func:`render_html`): inline CSS, no
scripts, every text escaped; it goes into the deploy bundle as ``validation.html``."""

from __future__ import annotations

import html
import json

from .model import SEVERITIES, Finding, ValidationReport

_SEVERITY_TITLES = {
    "error": "Errors (block the deploy)",
    "warning": "Warnings (need a sign-off)",
    "info": "Information",
}
_CSS = """
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em;color:#1d1d1f;background:#fafafa}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .5em}
.summary{padding:.7em 1em;border-radius:6px;font-weight:600}
.summary.ok{background:#e3f5e6;color:#1e6b2c}.summary.signoff{background:#fff4d6;color:#7a5200}
.summary.blocked{background:#fde3e1;color:#9b1c13}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{text-align:left;vertical-align:top;padding:.45em .7em;border-bottom:1px solid #e5e5e5}
th{background:#f0f0f0;font-weight:600}code{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
.error h2{color:#9b1c13}.warning h2{color:#7a5200}.info h2{color:#2b4f7a}
details pre{white-space:pre-wrap;word-break:break-word;margin:.3em 0 0}
.fix{color:#1e6b2c}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _location(finding: Finding) -> str:
    parts = []
    if finding.composition is not None:
        parts.append(f"<code>{_e(finding.composition)}</code>")
    if finding.layer_index is not None or finding.layer is not None:
        label = f"#{finding.layer_index}" if finding.layer_index is not None else ""
        name = f" <code>{_e(finding.layer)}</code>" if finding.layer is not None else ""
        parts.append(f"layer {_e(label)}{name}")
    return " / ".join(parts) or "&mdash;"


def _finding_row(finding: Finding) -> str:
    fix = f'<div class="fix">Fix: {_e(finding.fix.description)}</div>' if finding.fix else ""
    details = ""
    if finding.details:
        dump = json.dumps(finding.details, indent=2, ensure_ascii=False, default=str)
        details = f"<details><summary>details</summary><pre><code>{_e(dump)}</code></pre></details>"
    return (
        f"<tr><td><code>{_e(finding.rule)}</code></td><td>{_location(finding)}</td>"
        f"<td>{_e(finding.message)}{fix}{details}</td></tr>"
    )


def _summary(report: ValidationReport) -> str:
    counts = f"{len(report.errors)} errors, {len(report.warnings)} warnings, {len(report.infos)} notes"
    if not report.ok:
        return f'<p class="summary blocked">Blocked: {counts}.</p>'
    if report.warnings:
        return f'<p class="summary signoff">Needs a sign-off: {counts}.</p>'
    return f'<p class="summary ok">Ready to render: {counts}.</p>'


def render_html(report: ValidationReport, *, title: str = "Template validation") -> str:
    """A self-contained HTML page (inline CSS, no scripts, every text escaped) listing every
    finding grouped by severity, and the rules that were skipped."""
    sections = []
    for severity in SEVERITIES:
        findings = [f for f in report.findings if f.severity == severity]
        if not findings:
            continue
        rows = "\n".join(_finding_row(f) for f in findings)
        sections.append(
            f'<section class="{severity}"><h2>{_e(_SEVERITY_TITLES[severity])} &middot; {len(findings)}</h2>'
            f"<table><thead><tr><th>Rule</th><th>Where</th><th>Finding</th></tr></thead>"
            f"<tbody>\n{rows}\n</tbody></table></section>"
        )
    if report.skipped:
        items = "".join(f"<li><code>{_e(s.rule)}</code>: {_e(s.reason)}</li>" for s in report.skipped)
        sections.append(f'<section class="skipped"><h2>Not checked</h2><ul>{items}</ul></section>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n"
        f"<body><h1>{_e(title)}</h1>{_summary(report)}\n" + "\n".join(sections) + "\n</body></html>\n"
    )
