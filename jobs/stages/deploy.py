"""Stage 4: validate against the template rules, write the deploy bundle, hand it over.

No errors and no warnings (or warnings signed off) → the bundle is written atomically under
``DEPLOY_ROOT/batch-<id>/<job_id>/`` and delivered to the batch's deploy target → completed.
Otherwise the job waits in ``needs_attention`` with its findings. The bundle is self-contained
and made from Stage 3's render plan: the two scripts, the PSD layers' PNGs, the template and
the footage it renders (collected, with safe relinks applied by the scripts), the approved
preview, who approved what, the command lines for the render machine's platform, the
nexrender job and a README. Writing the same job twice gives the same bundle (no timestamps
of its own), and re-delivery to nexrender reuses the job uid derived from the bundle, so a task
run twice never renders twice.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath

from django.conf import settings
from django.utils import timezone

from ..formats import bundle, handoff, nexrender, template_rules
from ..formats.descriptions import Match, PsdDocument, TemplateDocument
from ..formats.extendscript import map_path
from ..formats.files import resolve_inside
from ..formats.render_plan import RenderPlan
from ..integrations.nexrender import FINAL_STATES, NexrenderClient, NexrenderError
from ..models import Job, JobAsset, JobLog, JobWarning, Stage
from ..storage import media_path
from ..transitions import CLEARED, TransitionError, job_transition
from ..warning_codes import ERROR, severity_of
from .base import Outcome, StageWorkError, bundle_dir, reader_limits, stage1_images

RELINKED = "relinked by the populate script"
APPROVAL_ACTIONS = {"approve_matching": (2, "matching"), "approve_preview": (3, "preview"),
                    "sign_off": (4, "warnings signed off")}


def deploy_target(job: Job) -> str:
    return job.batch.deploy_target or settings.AEA_DEPLOY_TARGET


def stage3_asset(job: Job, kind: str) -> JobAsset | None:
    return JobAsset.objects.filter(job=job, stage=Stage.APPROVE_PREVIEW, kind=kind).order_by("key").first()


def render_plan(job: Job) -> RenderPlan:
    """The plan Stage 3 stored, which the approver's preview was drawn from."""
    asset = stage3_asset(job, "render_plan")
    if asset is None:
        raise StageWorkError("Stage 3 left no render plan; send the job back to stage 3.")
    return RenderPlan.from_dict(json.loads(media_path(asset.file.name).read_bytes()))


def validation_context(job: Job, template: TemplateDocument, psd: PsdDocument, matches: list[Match],
                       plan: RenderPlan):
    layer_images, _ = stage1_images(job)
    replacement_files = {
        (m.composition, m.layer_index): str(layer_images[m.psd_layer_id])
        for m in matches
        if m.placeholder_type == "footage" and m.psd_layer_id in layer_images
    }
    return template_rules.ValidationContext(
        template=template,
        psd=psd,
        matches=matches,
        preview_metrics=(job.preview or {}).get("metrics") or {},
        relinked_footage={f.recorded_path: f.bundle_path for f in plan.files if f.relinked},
        review_threshold=settings.AEA_MATCH_REVIEW_THRESHOLD,
        render_fonts=frozenset(settings.AEA_FONTS) if settings.AEA_FONTS else None,
        input_roots=settings.INPUT_ROOTS,
        render_compositions=[plan.composition] if plan.composition else None,
        replacement_files=replacement_files,
        limits=reader_limits(),
        output_name=job.output_name,
    )


def delivery_folder(job: Job) -> str:
    """The folder nexrender copies the finished render to (a path on the nexrender worker)."""
    if settings.AEA_NEXRENDER_DELIVERY:
        base = settings.AEA_NEXRENDER_DELIVERY.rstrip("/\\")
        sep = "\\" if "\\" in base else "/"
        return f"{base}{sep}batch-{job.batch_id}{sep}{job.job_id}"
    return map_path(bundle_dir(job) / "delivery", settings.AEA_PATH_MAPPINGS)


def delivery_path(job: Job) -> str:
    """The delivered render's path: the output name with the render's extension, in the folder."""
    return nexrender.delivery_path(delivery_folder(job), job.output_name, render_extension())


def render_extension() -> str:
    return settings.AEA_RENDER_EXTENSION.lstrip(".")


def nexrender_job_for(job: Job, plan: RenderPlan) -> dict:
    """nexrender's job: the bundle's template, the plan's composition, the populate script run
    on nexrender's copy of the template, and a copy of the render to the delivery folder."""
    base = bundle_dir(job)
    mappings = settings.AEA_PATH_MAPPINGS
    template = base / (plan.template_file or PurePath(job.aepx_path).name)
    return nexrender.nexrender_job(
        template_src=nexrender.source_uri(map_path(template, mappings)),
        composition=plan.composition,
        scripts=[nexrender.source_uri(map_path(base / handoff.POPULATE_CURRENT_SCRIPT, mappings))],
        priority=job.priority,
        tags=[tag for tag in map(nexrender.tag_from_text, (job.client_name, job.project_name, f"batch{job.batch_id}"))
              if tag],
        deliver_to=delivery_folder(job),
        output_name=job.output_name,
        output_module=settings.AEA_OUTPUT_MODULE,
        output_ext=render_extension(),
        render_settings=settings.AEA_RENDER_SETTINGS,
    )


def approvals(job: Job) -> list[dict]:
    """Who approved each stage, when, with their notes (from the audit log)."""
    rows = JobLog.objects.filter(job=job, action__in=APPROVAL_ACTIONS).order_by("created_at", "id")
    found = []
    for log in rows:
        stage, what = APPROVAL_ACTIONS[log.action]
        details = log.details or {}
        found.append({"stage": stage, "what": what, "by": log.actor, "at": log.created_at.isoformat(),
                      "notes": details.get("notes") or details.get("reason") or "",
                      "approved_anyway": details.get("approved_anyway", [])})
    return found


def collected_sources(job: Job, plan: RenderPlan) -> dict[str, Path]:
    """The template and footage files the bundle carries, each checked to be still inside the
    input roots (the plan was made earlier; the file system may have changed since)."""
    files: dict[str, Path] = {}
    template = plan.template_file or PurePath(job.aepx_path).name
    wanted = [(template, job.aepx_path)] + [(f.bundle_path, f.local_path) for f in plan.files]
    for name, local in wanted:
        path = resolve_inside(local, settings.INPUT_ROOTS)
        if path is None or not path.is_file():
            raise StageWorkError(f"{local} is no longer inside the input roots; send the job back to stage 3.")
        files[name] = path
    return files


def bundle_files(job: Job, plan: RenderPlan, nexrender_json: dict, report: template_rules.ValidationReport) -> dict:
    layer_images, _ = stage1_images(job)
    files: dict[str, bytes | Path] = {}
    for kind, file_name in (("script", handoff.POPULATE_SCRIPT), ("script_current", handoff.POPULATE_CURRENT_SCRIPT),
                            ("render_plan", "render_plan.json")):
        asset = stage3_asset(job, kind)
        if asset is None:
            raise StageWorkError(f"Stage 3 left no {file_name}; send the job back to stage 3.")
        files[file_name] = media_path(asset.file.name)
    main_preview = JobAsset.objects.filter(job=job, stage=Stage.APPROVE_PREVIEW, kind="preview",
                                           metadata__composition=plan.composition).first()
    if main_preview is not None:
        files["preview.png"] = media_path(main_preview.file.name)
    comparison = stage3_asset(job, "comparison")
    if comparison is not None:
        files["comparison.png"] = media_path(comparison.file.name)
    for placement in plan.footage:
        files[placement.image] = layer_images[placement.psd_layer_id]
    files.update(collected_sources(job, plan))
    commands = (job.preview or {}).get("aerender", {})
    signed = approvals(job)
    files["approvals.json"] = json.dumps(signed, indent=2, sort_keys=True, ensure_ascii=False).encode()
    files["aerender.json"] = json.dumps(commands, indent=2, sort_keys=True).encode()
    files["aerender.txt"] = "\n".join(
        commands[k] for k in ("populate_display", "render_display", "populate_and_render_display") if commands.get(k)
    ).encode() + b"\n"
    files["nexrender.json"] = json.dumps(nexrender_json, indent=2, sort_keys=True, ensure_ascii=False).encode()
    files["validation.json"] = json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False).encode()
    files["validation.html"] = template_rules.render_html(report, title=f"Validation of {job.job_id}").encode()
    files["README.txt"] = handoff.bundle_readme(
        job_id=job.job_id, composition=plan.composition, commands=commands, approvals=signed,
        delivery=delivery_path(job),
    ).encode()
    return files


def deliver(job: Job, nexrender_json: dict, manifest_sha256: str) -> dict:
    """Hand the bundle to the job's deploy target; return the job's new ``deploy`` state."""
    target = deploy_target(job)
    state = {"target": target, "path": str(bundle_dir(job)), "manifest_sha256": manifest_sha256,
             "signed_off": (job.deploy or {}).get("signed_off")}
    if target == "folder":
        return {**state, "state": "delivered"}
    if target != "nexrender":
        raise StageWorkError(f"Unknown deploy target {target!r} (use folder or nexrender).")
    if not settings.NEXRENDER_URL:
        raise StageWorkError("The deploy target is nexrender but NEXRENDER_URL is not set.")
    client = NexrenderClient(settings.NEXRENDER_URL, settings.NEXRENDER_SECRET)
    # The same bundle is never submitted twice; a retry after a failed render submits it anew.
    uid = f"aea-{job.pk}-{manifest_sha256[:16]}" + (f"-r{job.retries}" if job.retries else "")
    try:
        try:
            existing = client.get(uid)
        except NexrenderError as exc:
            if exc.status != 404:
                raise
            existing = client.submit({**nexrender_json, "uid": uid})
    except NexrenderError as exc:
        raise StageWorkError(f"nexrender refused the job: {exc}") from exc
    return {**state, "uid": existing.get("uid", uid), "state": existing.get("state", "queued"),
            "delivery": nexrender_json.get("actions", {}).get("postrender", [{}])[-1].get("output")}


def _store_findings(report: template_rules.ValidationReport):
    """Store the report's errors and warnings (and what it fixed, resolved) as Stage 4 warnings.

    Findings signed off or fixed before are kept as they are, not stored again; warnings a
    send-back cleared are the record of an earlier run and do not count as signed off."""

    def store(fresh: Job) -> None:
        stage_warnings = JobWarning.objects.filter(job=fresh, stage=Stage.DEPLOY)
        stage_warnings.filter(resolved_at__isnull=True).delete()
        kept = set(stage_warnings.exclude(resolution__startswith=CLEARED).values_list("code", "message"))
        now = timezone.now()
        rows = []
        for f in report.findings:
            fixed = bool(f.details.get("resolved"))
            if (f.severity not in ("error", "warning") and not fixed) or (f.rule, f.message) in kept:
                continue
            rows.append(JobWarning(
                job=fresh, stage=Stage.DEPLOY, severity=severity_of(f.rule, f.severity), code=f.rule,
                message=f.message, details={"composition": f.composition, "layer": f.layer,
                                            "fix": f.fix.to_dict() if f.fix else None},
                resolved_at=now if fixed else None, resolution=RELINKED if fixed else "",
            ))
        JobWarning.objects.bulk_create(rows)

    return store


def validate_and_deploy(job: Job) -> Outcome:
    psd = PsdDocument.from_dict(job.psd_description)
    template = TemplateDocument.from_dict(job.template_description)
    matches = [Match.from_dict(m) for m in job.matches]
    plan = render_plan(job)
    report = template_rules.validate(validation_context(job, template, psd, matches, plan))
    signed_off = bool((job.deploy or {}).get("signed_off"))
    findings = [f.to_dict() for f in report.findings]
    validation = {"ok": report.ok, "errors": len(report.errors), "warnings": len(report.warnings),
                  "findings": findings, "signed_off": signed_off}
    store_findings = _store_findings(report)

    if report.errors or (report.warnings and not signed_off):
        return Outcome(
            action="deploy_blocked",
            fields={"validation": validation},
            store=store_findings,
            message=f"Validation: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
            + ("" if report.errors else "; a deployer may sign the warnings off"),
        )
    if not plan.composition:
        raise StageWorkError("The render plan names no composition to render.")

    nexrender_json = nexrender_job_for(job, plan)
    files = bundle_files(job, plan, nexrender_json, report)
    metadata = {"job_id": job.job_id, "batch": job.batch_id, "client": job.client_name,
                "project": job.project_name, "priority": job.priority, "output_name": job.output_name,
                "template_sha256": job.template_sha256, "psd_sha256": job.psd_sha256,
                "composition": plan.composition}
    try:
        written = bundle.write_bundle(target_dir=bundle_dir(job), files=files, metadata=metadata)
    except (OSError, ValueError) as exc:
        raise StageWorkError(f"Cannot write the deploy bundle: {exc}") from exc
    deploy = deliver(job, nexrender_json, written.manifest_sha256)
    return Outcome(
        action="deployed",
        fields={"validation": validation, "deploy": deploy, "last_error": ""},
        store=store_findings,
        message=f"Bundle written to {written.path}" + (f"; nexrender job {deploy['uid']}" if "uid" in deploy else ""),
        details={"manifest_sha256": written.manifest_sha256, "files": len(written.files)},
    )


def nexrender_error(found: dict) -> str:
    """nexrender's reason for a failed job (its ``error``: a message, a stack or a list)."""
    error = found.get("error")
    if isinstance(error, list):
        error = "; ".join(str(item) for item in error if item)
    text = str(error or "no reason given").strip().splitlines()
    return (text[0] if text else "no reason given")[:500]


def refresh_nexrender_states() -> int:
    """Copy nexrender's job state into each deployed job still rendering; return how many.

    A render nexrender reports failed moves the job to ``needs_attention`` with nexrender's
    reason (a warning, ``last_error`` and the audit log), where Retry deploys it again."""
    if not settings.NEXRENDER_URL:
        return 0
    client = NexrenderClient(settings.NEXRENDER_URL, settings.NEXRENDER_SECRET)
    updated = 0
    for pk, deploy in Job.objects.filter(deploy__target="nexrender").values_list("pk", "deploy"):
        if not deploy.get("uid") or deploy.get("state") in FINAL_STATES:
            continue
        try:
            found = client.get(deploy["uid"])
            state = str(found.get("state") or "unknown")
        except NexrenderError as exc:
            found, state = {}, f"unreachable: {exc}"
        if state == deploy.get("state"):
            continue
        if state == "error":
            _record_render_failure(pk, {**deploy, "state": state}, nexrender_error(found))
        else:
            Job.objects.filter(pk=pk).update(deploy={**deploy, "state": state})
        updated += 1
    return updated


def _record_render_failure(pk: int, deploy: dict, reason: str) -> None:
    message = f"nexrender could not render the job: {reason}"

    def warn(fresh: Job) -> None:
        JobWarning.objects.create(job=fresh, stage=Stage.DEPLOY, severity=severity_of("render_failed", ERROR),
                                  code="render_failed", message=message, details={"uid": deploy.get("uid")})

    try:
        job_transition(job=pk, action="render_failed", fields={"deploy": {**deploy, "error": reason},
                                                               "last_error": message},
                       message=message, within=warn)
    except TransitionError:  # moved meanwhile (sent back, retried): keep the state only
        Job.objects.filter(pk=pk).update(deploy={**deploy, "error": reason})
