"""The files a render needs besides the placeholders' new content: the template and the footage
it renders, collected into the bundle with relative paths (After Effects' "Collect Files")."""

from __future__ import annotations

import re
from collections.abc import Callable, Set
from pathlib import PurePosixPath, PureWindowsPath

from ..descriptions import Footage, TemplateDocument
from .model import CollectedFile, PlanNote

Located = tuple[str, bool]  # (the file on this machine, found by name elsewhere than recorded)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(path: str) -> str:
    """The last part of a path recorded on a Windows or a POSIX machine."""
    return PureWindowsPath(path).name if "\\" in path else PurePosixPath(path).name


def bundle_name(prefix: str, name: str) -> str:
    """A name safe on every render machine's file system (the extension kept)."""
    return f"{prefix}-{_UNSAFE.sub('_', name).strip('._') or 'file'}"


def template_bundle_path(template_path: str) -> str:
    return "template/" + bundle_name("template", file_name(template_path))


def collect_files(
    template: TemplateDocument,
    *,
    replaced: Set[tuple[str, int]],
    locate: Callable[[Footage], Located | None],
) -> tuple[list[CollectedFile], list[PlanNote]]:
    """Each file footage item a layer that is not replaced uses, where ``locate`` finds it.

    A file ``locate`` cannot find is left out with a note (Stage 4's rules say whether a
    rendered layer needs it); footage only replaced layers used is not needed at all.
    """
    needed: dict[object, Footage] = {}
    for comp in template.compositions:
        for layer in comp.layers:
            source = layer.source
            if source is None or source.kind != "file" or (comp.name, layer.index) in replaced:
                continue
            needed.setdefault(source.id if source.id is not None else source.name, source)
    files: list[CollectedFile] = []
    notes: list[PlanNote] = []
    for footage in needed.values():
        found = locate(footage)
        if found is None:
            notes.append(PlanNote("footage_not_collected",
                                  f"Footage {footage.name!r} ({footage.path}) is not inside the input roots: "
                                  "the render machine must have it at its recorded path.", severity="info"))
            continue
        local, relinked = found
        prefix = str(footage.id) if footage.id is not None else str(len(files) + 1)
        files.append(CollectedFile(
            footage_id=footage.id, name=footage.name, recorded_path=footage.path or "", local_path=local,
            bundle_path="footage/" + bundle_name(prefix, file_name(local)), relinked=relinked,
        ))
    return files, notes
