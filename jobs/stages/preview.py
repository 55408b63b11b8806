"""Stage 3: the render plan, and its translations, before anyone looks.

One :class:`~jobs.formats.render_plan.RenderPlan` is computed from the template and PSD
descriptions and the approved matches; the preview frames, the two After Effects scripts and
the aerender command lines are each a translation of it, so what the approver sees is what
renders. The scripts and commands refer to files where the deploy bundle will hold them
(``DEPLOY_ROOT/<batch>/<job_id>/``), mapped to the render machines' paths; Stage 4 writes that
bundle from the same plan. Everything becomes a :class:`~jobs.models.JobAsset` of stage 3
(the plan as ``render_plan.json``), replaced on a re-run.

Beside the still frames, :mod:`.motion` renders the same plan's composition over its duration:
the motion preview, the design video, the side-by-side video, their thumbnail and metrics
(summarised in ``job.preview["motion"]``). When it fails, the stage still succeeds with the
still preview and an information warning (``motion_preview_failed``).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path, PurePath

from django.conf import settings

from ..formats import extendscript, handoff, preview, template_rules
from ..formats.descriptions import Match, PsdDocument, TemplateDocument
from ..formats.render_plan import RenderPlan, build_render_plan
from ..models import Job, JobAsset, Stage
from ..storage import store_bytes, store_file
from ..warning_codes import severity_of
from .base import Outcome, StageWorkError, bundle_dir, reader_limits, replace_open_warnings, stage1_images
from .motion import prepare_motion

PLAN_NAME = "render_plan.json"


def font_files() -> dict[str, Path]:
    """PostScript name → font file, from AEA_FONT_DIR (files named after the PostScript name)."""
    folder = Path(settings.AEA_FONT_DIR) if settings.AEA_FONT_DIR else None
    if folder is None or not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in (".ttf", ".otf", ".ttc")}


def image_sizes(job: Job) -> dict[int, tuple[int, int]]:
    """Each exported PSD layer's PNG size, as Stage 1 recorded it."""
    rows = JobAsset.objects.filter(job=job, stage=Stage.INGEST, kind="layer").values_list("key", "metadata")
    return {int(key): (int(meta.get("width") or 0), int(meta.get("height") or 0)) for key, meta in rows}


def job_render_plan(job: Job, template: TemplateDocument, psd: PsdDocument, matches: list[Match]) -> RenderPlan:
    """The job's render plan: placements, the render composition, and the template and footage
    collected from the input roots (a missing footage file found once by name is relinked)."""
    locate = template_rules.footage_locator(template, settings.INPUT_ROOTS, template_rules.DEFAULT_SCAN_LIMIT)
    return build_render_plan(template=template, psd=psd, matches=matches, image_sizes=image_sizes(job),
                             template_path=job.aepx_path, locate=locate)


def render_paths(job: Job, plan: RenderPlan) -> handoff.RenderPaths:
    """The bundle's files as the render machine sees them."""
    base = bundle_dir(job)
    mappings = settings.AEA_PATH_MAPPINGS
    project = base / "output" / job.output_name
    return handoff.RenderPaths(
        template=extendscript.map_path(base / (plan.template_file or PurePath(job.aepx_path).name), mappings),
        populate_script=extendscript.map_path(base / handoff.POPULATE_SCRIPT, mappings),
        populate_current_script=extendscript.map_path(base / handoff.POPULATE_CURRENT_SCRIPT, mappings),
        project=extendscript.map_path(project, mappings),
        render_output=extendscript.map_path(project.with_suffix(settings.AEA_RENDER_EXTENSION), mappings),
    )


def render_commands(job: Job, plan: RenderPlan) -> dict:
    platform = handoff.render_platform(settings.AEA_RENDER_PLATFORM, settings.AEA_AERENDER_PATH)
    return handoff.render_commands(
        paths=render_paths(job, plan), composition=plan.composition, platform=platform,
        aerender_path=settings.AEA_AERENDER_PATH, render_settings=settings.AEA_RENDER_SETTINGS,
        output_module=settings.AEA_OUTPUT_MODULE, after_effects_app=settings.AEA_AFTER_EFFECTS_APP,
    )


def build_scripts(job: Job, plan: RenderPlan) -> dict[str, str]:
    """The two scripts of the plan: ``populate.jsx`` opens the bundle's template, fills it and
    saves the populated project; ``populate-current.jsx`` fills the project already open
    (nexrender's copy, or patched aerender's ``-project``) and saves nothing."""
    base = bundle_dir(job)
    template = base / (plan.template_file or PurePath(job.aepx_path).name)
    common = dict(bundle_dir=base, path_mappings=settings.AEA_PATH_MAPPINGS)
    try:
        return {
            handoff.POPULATE_SCRIPT: extendscript.script_from_render_plan(
                plan, template_path=template, output_path=base / "output" / job.output_name, mode="open", **common),
            handoff.POPULATE_CURRENT_SCRIPT: extendscript.script_from_render_plan(
                plan, template_path=None, output_path=None, log_path=base / "output" / "populate-current.log",
                mode="current", **common),
        }
    except extendscript.ScriptError as exc:
        raise StageWorkError(f"Cannot write the After Effects script: {exc}") from exc


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

    plan = job_render_plan(job, template, psd, matches)
    scripts = build_scripts(job, plan)
    commands = render_commands(job, plan)

    stored = []  # (kind, key, name, sha, size, metadata)
    name, sha, size = store_bytes(json.dumps(plan.to_dict(), sort_keys=True).encode(), ".json")
    stored.append(("render_plan", "", name, sha, size, {"file_name": PLAN_NAME}))
    for file_name, text in scripts.items():
        name, sha, size = store_bytes(text.encode("ascii"), ".jsx")
        kind = "script" if file_name == handoff.POPULATE_SCRIPT else "script_current"
        stored.append((kind, "", name, sha, size, {"file_name": file_name}))
    fonts = font_files()
    with tempfile.TemporaryDirectory(prefix="aea-preview-") as tmp:
        result = preview.render_previews(
            plan=plan,
            template=template,
            psd=psd,
            matches=matches,
            layer_images=layer_images,
            flattened=flattened,
            out_dir=Path(tmp),
            time=settings.AEA_PREVIEW_TIME,
            font_files=fonts,
            limits=reader_limits(),
            footage_roots=settings.INPUT_ROOTS,
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
        {"code": w.code, "severity": severity_of(w.code, w.severity), "message": w.message,
         "details": {"composition": w.composition, "layer": w.layer}}
        for w in result.warnings
    ]
    motion = prepare_motion(job, plan=plan, template=template, psd=psd, matches=matches, layer_images=layer_images,
                            flattened=flattened, font_files=fonts)
    stored += motion.stored
    warnings += motion.warnings

    def store(fresh: Job) -> None:
        JobAsset.objects.filter(job=fresh, stage=Stage.APPROVE_PREVIEW).delete()
        JobAsset.objects.bulk_create(
            [JobAsset(job=fresh, stage=Stage.APPROVE_PREVIEW, kind=kind, key=key, file=name, sha256=sha, size=size,
                      metadata=meta) for kind, key, name, sha, size, meta in stored]
        )
        replace_open_warnings(fresh, Stage.APPROVE_PREVIEW, warnings)

    return Outcome(
        action="preview_ready",
        fields={
            "preview": {
                "main_composition": plan.composition,
                "metrics": result.metrics,
                "paths": vars(render_paths(job, plan)),
                "aerender": commands,
                "plan_sha256": stored[0][3],
                "script_sha256": stored[1][3],
                **({"motion": motion.summary} if motion.summary is not None else {}),
            },
            "last_error": "",
        },
        store=store,
        message=f"Render plan, scripts and {sum(1 for s in stored if s[0] == 'preview')} preview frame(s) "
        f"{'and the motion preview ' if motion.summary is not None else ''}ready; renders {plan.composition!r}",
        details={"warnings": len(warnings)},
    )
