"""Stage 3: the After Effects script, the aerender command and the preview, before anyone looks.

The script and the aerender command refer to files where the deploy bundle will hold them
(``DEPLOY_ROOT/<batch>/<job_id>/``), mapped to the render machines' paths; Stage 4 writes
that bundle. The preview frames, the comparison and the thumbnail are drawn with Pillow.
Everything becomes a :class:`~jobs.models.JobAsset` of stage 3, replaced on a re-run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath

from django.conf import settings

from ..formats import aerender, extendscript, preview
from ..formats.descriptions import Match, PsdDocument, TemplateDocument
from ..models import Job, JobAsset, JobWarning, Stage
from ..storage import store_bytes, store_file
from .base import SCRIPT_NAME, Outcome, StageWorkError, bundle_asset_name, bundle_dir, reader_limits, stage1_images


def font_files() -> dict[str, Path]:
    """PostScript name → font file, from AEA_FONT_DIR (files named after the PostScript name)."""
    folder = Path(settings.AEA_FONT_DIR) if settings.AEA_FONT_DIR else None
    if folder is None or not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in (".ttf", ".otf", ".ttc")}


def render_paths(job: Job, main_composition: str | None) -> dict:
    """The populated project, render output and script paths on the render machine."""
    base = bundle_dir(job)
    mappings = settings.AEA_PATH_MAPPINGS
    project = base / "output" / job.output_name
    render = project.with_suffix(settings.AEA_RENDER_EXTENSION)
    return {
        "script": extendscript.map_path(base / SCRIPT_NAME, mappings),
        "project": extendscript.map_path(project, mappings),
        "render_output": extendscript.map_path(render, mappings),
        "template": extendscript.map_path(job.aepx_path, mappings),
        "composition": main_composition,
    }


def aerender_commands(paths: dict) -> dict:
    script = aerender.aerender_script_command(
        aerender_path=settings.AEA_AERENDER_PATH, script_path=paths["script"], project_path=paths["template"]
    )
    commands = {"populate": script, "populate_display": aerender.shell_quote(script)}
    if paths["composition"]:
        render = aerender.aerender_command(
            aerender_path=settings.AEA_AERENDER_PATH,
            project_path=paths["project"],
            composition=paths["composition"],
            output_path=paths["render_output"],
            render_settings=settings.AEA_RENDER_SETTINGS,
            output_module=settings.AEA_OUTPUT_MODULE,
        )
        commands.update(render=render, render_display=aerender.shell_quote(render))
    return commands


def main_composition(template: TemplateDocument, matches: list[Match]) -> str | None:
    """The composition to render: the one with the most filled placeholders."""
    counts: dict[str, int] = {}
    for match in matches:
        if match.psd_layer_id is not None:
            counts[match.composition] = counts.get(match.composition, 0) + 1
    if not counts:
        return template.compositions[0].name if template.compositions else None
    return max(counts, key=lambda name: (counts[name], -[c.name for c in template.compositions].index(name)))


def build_script(job: Job, psd: PsdDocument, matches: list[Match]) -> str:
    texts = {layer.id: layer.text or "" for layer in psd.layers if layer.kind == "type"}
    base = bundle_dir(job)
    assets = {
        m.psd_layer_id: base / bundle_asset_name(m.psd_layer_id)
        for m in matches
        if m.psd_layer_id is not None and m.placeholder_type == "footage"
    }
    try:
        plan = extendscript.plan_from_matches(
            matches,
            template_path=job.aepx_path,
            output_path=base / "output" / job.output_name,
            assets=assets,
            texts=texts,
            path_mappings=settings.AEA_PATH_MAPPINGS,
            add_to_render_queue=settings.AEA_ADD_TO_RENDER_QUEUE,
        )
    except extendscript.ScriptError as exc:
        raise StageWorkError(f"Cannot write the After Effects script: {exc}") from exc
    return extendscript.generate_script(plan)


def prepare_preview(job: Job) -> Outcome:
    psd = PsdDocument.from_dict(job.psd_description)
    template = TemplateDocument.from_dict(job.template_description)
    matches = [Match.from_dict(m) for m in job.matches]
    if not template.compositions:
        raise StageWorkError("The template has no compositions to preview.")
    layer_images, flattened = stage1_images(job)
    missing = [m.psd_layer for m in matches if m.placeholder_type == "footage" and m.psd_layer_id is not None
               and m.psd_layer_id not in layer_images]
    if missing:
        raise StageWorkError(f"Stage 1 images are missing for PSD layers {', '.join(missing)}; retry Stage 1.")

    script = build_script(job, psd, matches)
    main = main_composition(template, matches)
    paths = render_paths(job, main)
    commands = aerender_commands(paths)

    stored = []  # (kind, key, name, sha, size, metadata)
    name, sha, size = store_bytes(script.encode("ascii"), ".jsx")
    stored.append(("script", "", name, sha, size, {"file_name": SCRIPT_NAME}))
    with tempfile.TemporaryDirectory(prefix="aea-preview-") as tmp:
        result = preview.render_previews(
            template=template,
            psd=psd,
            matches=matches,
            layer_images=layer_images,
            flattened=flattened,
            out_dir=Path(tmp),
            time=settings.AEA_PREVIEW_TIME,
            font_files=font_files(),
            limits=reader_limits(),
            threads=settings.AEA_PREVIEW_THREADS,
        )
        for item in result.files:
            kind = {"preview": "preview", "comparison": "comparison", "thumbnail": "preview_thumbnail"}.get(
                item.role, item.role
            )
            name, sha, size = store_file(item.path)
            key = preview.slugify(item.composition) if kind == "preview" and item.composition else ""
            stored.append((kind, key, name, sha, size, {"composition": item.composition,
                                                        "file_name": PurePath(item.path).name}))
    warnings = [
        JobWarning(stage=Stage.APPROVE_PREVIEW, severity=w.severity, code=w.code, message=w.message,
                   details={"composition": w.composition, "layer": w.layer})
        for w in result.warnings
    ]

    def store(fresh: Job) -> None:
        JobAsset.objects.filter(job=fresh, stage=Stage.APPROVE_PREVIEW).delete()
        JobWarning.objects.filter(job=fresh, stage=Stage.APPROVE_PREVIEW, resolved_at__isnull=True).delete()
        JobAsset.objects.bulk_create(
            [JobAsset(job=fresh, stage=Stage.APPROVE_PREVIEW, kind=kind, key=key, file=name, sha256=sha, size=size,
                      metadata=meta) for kind, key, name, sha, size, meta in stored]
        )
        for warning in warnings:
            warning.job = fresh
        JobWarning.objects.bulk_create(warnings)

    return Outcome(
        action="preview_ready",
        fields={
            "preview": {
                "main_composition": main,
                "metrics": result.metrics,
                "paths": paths,
                "aerender": commands,
                "script_sha256": stored[0][3],
            },
            "last_error": "",
        },
        store=store,
        message=f"Script and {sum(1 for s in stored if s[0] == 'preview')} preview frame(s) ready",
        details={"warnings": len(warnings)},
    )
