"""Stage 4: validate against the template rules, write the deploy bundle, hand it over.

No errors and no warnings (or warnings signed off) → the bundle is written atomically under
``DEPLOY_ROOT/batch-<id>/<job_id>/`` and delivered to the batch's deploy target → completed.
Otherwise the job waits in ``needs_attention`` with its findings. Writing the same job twice
gives the same bundle (no timestamps in it), and re-delivery to nexrender reuses the job uid
derived from the bundle, so a task run twice never renders twice.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from ..formats import bundle, nexrender, template_rules
from ..formats.descriptions import Match, PsdDocument, TemplateDocument
from ..formats.extendscript import map_path
from ..integrations.nexrender import FINAL_STATES, NexrenderClient, NexrenderError
from ..models import Job, JobAsset, JobWarning, Stage
from ..storage import media_path
from .base import SCRIPT_NAME, Outcome, StageWorkError, bundle_asset_name, bundle_dir, reader_limits, stage1_images


def deploy_target(job: Job) -> str:
    return job.batch.deploy_target or settings.AEA_DEPLOY_TARGET


def validation_context(job: Job, template: TemplateDocument, psd: PsdDocument, matches: list[Match]):
    layer_images, _ = stage1_images(job)
    replacement_files = {
        (m.composition, m.layer_index): str(layer_images[m.psd_layer_id])
        for m in matches
        if m.placeholder_type == "footage" and m.psd_layer_id in layer_images
    }
    main = (job.preview or {}).get("main_composition")
    return template_rules.ValidationContext(
        template=template,
        psd=psd,
        matches=matches,
        preview_metrics=(job.preview or {}).get("metrics") or {},
        review_threshold=settings.AEA_MATCH_REVIEW_THRESHOLD,
        render_fonts=frozenset(settings.AEA_FONTS) if settings.AEA_FONTS else None,
        input_roots=settings.INPUT_ROOTS,
        render_compositions=[main] if main else None,
        replacement_files=replacement_files,
        limits=reader_limits(),
        output_name=job.output_name,
    )


def nexrender_job_for(job: Job, template: TemplateDocument, psd: PsdDocument, matches: list[Match]) -> dict:
    base = bundle_dir(job)
    mappings = settings.AEA_PATH_MAPPINGS
    texts = {layer.id: layer.text or "" for layer in psd.layers if layer.kind == "type"}
    footage, data = [], []
    for m in matches:
        if m.psd_layer_id is None:
            continue
        layer = template.composition(m.composition).layer(m.layer_index)
        if m.placeholder_type == "footage":
            src = map_path(base / bundle_asset_name(m.psd_layer_id), mappings)
            footage.append(nexrender.FootageAsset(layer_name=layer.name, src=nexrender.source_uri(src),
                                                  composition=m.composition, layer_index=m.layer_index))
        else:
            data.append(nexrender.TextAsset(layer_name=layer.name, value=texts.get(m.psd_layer_id, ""),
                                            composition=m.composition, layer_index=m.layer_index))
    preview = job.preview or {}
    return nexrender.nexrender_job(
        template_src=nexrender.source_uri(map_path(job.aepx_path, mappings)),
        composition=preview.get("main_composition") or template.compositions[0].name,
        footage=footage,
        texts=data,
        priority=job.priority,
        tags=[tag for tag in map(nexrender.tag_from_text, (job.client_name, job.project_name, f"batch{job.batch_id}"))
              if tag],
        output_module=settings.AEA_OUTPUT_MODULE,
        render_settings=settings.AEA_RENDER_SETTINGS,
    )


def bundle_files(
    job: Job, matches: list[Match], nexrender_json: dict, report: template_rules.ValidationReport
) -> dict:
    layer_images, _ = stage1_images(job)
    script = JobAsset.objects.filter(job=job, stage=Stage.APPROVE_PREVIEW, kind="script").first()
    if script is None:
        raise StageWorkError("Stage 3 left no script; send the job back to stage 3.")
    files: dict[str, bytes | Path] = {SCRIPT_NAME: media_path(script.file.name)}
    for m in matches:
        if m.placeholder_type == "footage" and m.psd_layer_id is not None:
            files[bundle_asset_name(m.psd_layer_id)] = layer_images[m.psd_layer_id]
    commands = (job.preview or {}).get("aerender", {})
    files["aerender.json"] = json.dumps(commands, indent=2, sort_keys=True).encode()
    files["aerender.txt"] = "\n".join(
        commands[k] for k in ("populate_display", "render_display") if commands.get(k)
    ).encode() + b"\n"
    files["nexrender.json"] = json.dumps(nexrender_json, indent=2, sort_keys=True, ensure_ascii=False).encode()
    files["validation.json"] = json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False).encode()
    files["validation.html"] = template_rules.render_html(report, title=f"Validation of {job.job_id}").encode()
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
    uid = f"aea-{job.pk}-{manifest_sha256[:16]}"  # the same bundle is never submitted twice
    try:
        try:
            existing = client.get(uid)
        except NexrenderError as exc:
            if exc.status != 404:
                raise
            existing = client.submit({**nexrender_json, "uid": uid})
    except NexrenderError as exc:
        raise StageWorkError(f"nexrender refused the job: {exc}") from exc
    return {**state, "uid": existing.get("uid", uid), "state": existing.get("state", "queued")}


def validate_and_deploy(job: Job) -> Outcome:
    psd = PsdDocument.from_dict(job.psd_description)
    template = TemplateDocument.from_dict(job.template_description)
    matches = [Match.from_dict(m) for m in job.matches]
    report = template_rules.validate(validation_context(job, template, psd, matches))
    signed_off = bool((job.deploy or {}).get("signed_off"))
    findings = [f.to_dict() for f in report.findings]
    validation = {"ok": report.ok, "errors": len(report.errors), "warnings": len(report.warnings),
                  "findings": findings, "signed_off": signed_off}

    def store_findings(fresh: Job) -> None:
        stage_warnings = JobWarning.objects.filter(job=fresh, stage=Stage.DEPLOY)
        stage_warnings.filter(resolved_at__isnull=True).delete()
        signed = set(stage_warnings.values_list("code", "message"))  # signed off: kept as they are
        JobWarning.objects.bulk_create([
            JobWarning(job=fresh, stage=Stage.DEPLOY, severity=f.severity, code=f.rule, message=f.message,
                       details={"composition": f.composition, "layer": f.layer,
                                "fix": f.fix.to_dict() if f.fix else None})
            for f in report.findings if f.severity in ("error", "warning") and (f.rule, f.message) not in signed
        ])

    if report.errors or (report.warnings and not signed_off):
        return Outcome(
            action="deploy_blocked",
            fields={"validation": validation},
            store=store_findings,
            message=f"Validation: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
            + ("" if report.errors else "; a deployer may sign the warnings off"),
        )

    nexrender_json = nexrender_job_for(job, template, psd, matches)
    files = bundle_files(job, matches, nexrender_json, report)
    metadata = {"job_id": job.job_id, "batch": job.batch_id, "client": job.client_name,
                "project": job.project_name, "priority": job.priority, "output_name": job.output_name,
                "template_sha256": job.template_sha256, "psd_sha256": job.psd_sha256}
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


def refresh_nexrender_states() -> int:
    """Copy nexrender's job state into each deployed job still rendering; return how many."""
    if not settings.NEXRENDER_URL:
        return 0
    client = NexrenderClient(settings.NEXRENDER_URL, settings.NEXRENDER_SECRET)
    updated = 0
    for pk, deploy in Job.objects.filter(deploy__target="nexrender").values_list("pk", "deploy"):
        if not deploy.get("uid") or deploy.get("state") in FINAL_STATES:
            continue
        try:
            state = client.state(deploy["uid"])
        except NexrenderError as exc:
            state = f"unreachable: {exc}"
        if state != deploy.get("state"):
            Job.objects.filter(pk=pk).update(deploy={**deploy, "state": state})
            updated += 1
    return updated
