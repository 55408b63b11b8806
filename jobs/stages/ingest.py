"""Stage 1: read the job's PSD and template, export the PSD's images, match, warn
(:mod:`.checks`: nothing about a layer the matches replace).

Parsing and exporting happen once per file content (the :class:`~jobs.models.ParsedFile`
cache, keyed by sha256 and reader version); a batch of 500 jobs sharing one PSD parses it
once. Everything here runs outside a transaction; :func:`ingest_job` returns an
:class:`~jobs.stages.base.Outcome` whose ``store`` replaces the job's Stage 1 assets and warnings
in the same transaction as the move to Stage 2.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from ..formats import aep as template_format
from ..formats import psd as psd_format
from ..formats.descriptions import MatchResult, PsdDocument, TemplateDocument
from ..formats.errors import FormatError
from ..formats.files import file_digest
from ..formats.matching import match_layers
from ..learned_mappings import count_applied, learned_patterns
from ..models import Job, JobAsset, ParsedFile, Stage
from ..storage import store_file
from .base import Outcome, StageWorkError, checked_input_path, reader_limits, replace_open_warnings
from .checks import configured_render_fonts, ingest_warnings

ASSET_KINDS = {
    "layer": "layer",
    "thumbnail": "layer_thumbnail",
    "flattened": "flattened",
    "flattened_thumbnail": "flattened_thumbnail",
}


def _cached(sha: str, reader: str, version: str) -> ParsedFile | None:
    return ParsedFile.objects.filter(sha256=sha, reader=reader, reader_version=version).first()


def _remember(sha: str, reader: str, version: str, description: dict, files: list) -> ParsedFile:
    try:
        with transaction.atomic():
            return ParsedFile.objects.create(
                sha256=sha, reader=reader, reader_version=version, description=description, files=files
            )
    except IntegrityError:  # another worker parsed the same content meanwhile
        return ParsedFile.objects.get(sha256=sha, reader=reader, reader_version=version)


def parse_psd_cached(path: Path) -> ParsedFile:
    """The PSD's description and exported images, parsed and exported once per content."""
    sha = file_digest(path)
    entry = _cached(sha, "psd", psd_format.READER_VERSION)
    if entry is not None:
        return entry
    with tempfile.TemporaryDirectory(prefix="aea-psd-") as tmp:
        export = psd_format.export_psd(path, Path(tmp), limits=reader_limits())
        files = []
        for image in export.images:
            name, file_sha, size = store_file(image.path)
            files.append(
                {
                    "role": image.role,
                    "layer_id": image.layer_id,
                    "name": name,
                    "sha256": file_sha,
                    "size": size,
                    "width": image.width,
                    "height": image.height,
                }
            )
    return _remember(sha, "psd", psd_format.READER_VERSION, export.document.to_dict(), files)


def parse_template_cached(path: Path) -> ParsedFile:
    sha = file_digest(path)
    entry = _cached(sha, "template", template_format.READER_VERSION)
    if entry is not None:
        return entry
    document = template_format.read_template(path, limits=reader_limits())
    return _remember(sha, "template", template_format.READER_VERSION, document.to_dict(), [])


def run_matcher(
    psd: PsdDocument, template: TemplateDocument, template_sha: str, exported: set[int]
) -> MatchResult:
    """Match, then keep footage placeholders to layers that have an exported image.

    Hidden layers are weak candidates for the matcher, but only visible layers are exported,
    so a footage placeholder the matcher gave a hidden layer is left unfilled with a reason
    saying how to use that layer (show it in the PSD).
    """
    result = match_layers(
        psd,
        template,
        threshold=settings.AEA_MATCH_REVIEW_THRESHOLD,
        learned=learned_patterns(template_sha256=template_sha),
    )
    matches = tuple(
        replace(m, psd_layer_id=None, psd_layer=None, confidence=0.0,
                reason=f"best fit {m.psd_layer!r} is hidden in the PSD (not exported); show it to use it")
        if m.placeholder_type == "footage" and m.psd_layer_id is not None and m.psd_layer_id not in exported
        else m
        for m in result.matches
    )
    return replace(result, matches=matches)


def exported_layer_ids(files: list[dict]) -> set[int]:
    return {f["layer_id"] for f in files if f["role"] == "layer" and f["layer_id"] is not None}


def ingest_job(job: Job) -> Outcome:
    psd_path = checked_input_path(job.psd_path)
    template_path = checked_input_path(job.aepx_path)
    try:
        psd_entry = parse_psd_cached(psd_path)
        template_entry = parse_template_cached(template_path)
    except FormatError as exc:
        raise StageWorkError(str(exc)) from exc
    psd = PsdDocument.from_dict(psd_entry.description)
    template = TemplateDocument.from_dict(template_entry.description)
    files = psd_entry.files
    result = run_matcher(psd, template, template_entry.sha256, exported_layer_ids(files))
    warnings = ingest_warnings(psd, template, result.matches, render_fonts=configured_render_fonts())

    def store(fresh: Job) -> None:
        JobAsset.objects.filter(job=fresh, stage=Stage.INGEST).delete()
        JobAsset.objects.bulk_create(
            [
                JobAsset(
                    job=fresh,
                    stage=Stage.INGEST,
                    kind=ASSET_KINDS[item["role"]],
                    key=str(item["layer_id"]) if item["layer_id"] is not None else "",
                    file=item["name"],
                    sha256=item["sha256"],
                    size=item["size"],
                    metadata={"layer_id": item["layer_id"], "width": item["width"], "height": item["height"]},
                )
                for item in files
            ]
        )
        replace_open_warnings(fresh, Stage.INGEST, warnings)
        count_applied(template_sha256=template_entry.sha256, matches=result.matches)

    return Outcome(
        action="ingested",
        fields={
            "psd_sha256": psd_entry.sha256,
            "template_sha256": template_entry.sha256,
            "psd_description": psd_entry.description,
            "template_description": template_entry.description,
            "matches": result.to_dict()["matches"],
            "last_error": "",
        },
        store=store,
        message=f"Read {len(psd.layers)} PSD layers and {len(template.compositions)} compositions; "
        f"{sum(m.psd_layer_id is not None for m in result.matches)} of {len(result.matches)} placeholders matched.",
        details={"warnings": len(warnings), "assets": len(files)},
    )
