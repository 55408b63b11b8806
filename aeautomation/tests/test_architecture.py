"""The layout holds: no import cycle between any two modules, modules of a readable size.

``lint-imports`` (``make test``) checks the contracts in ``pyproject.toml`` (format code
without Django, independent stages, acyclic siblings); this test checks the strongest form
directly: among all the project's modules, imports inside functions included, no module can
reach itself.
"""

from __future__ import annotations

from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("aeautomation", "batches", "jobs", "review")
FORMAT_PACKAGES = ("jobs/formats", "batches/csv_format", "jobs/integrations")


def _is_product(module: str) -> bool:
    parts = module.split(".")
    return "tests" not in parts and "migrations" not in parts


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                child = edges[node][i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_no_import_cycle_between_any_two_modules():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    modules = {m for m in graph.modules if _is_product(m)}
    assert len(modules) > 50
    assert _cycles(graph, modules) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph, {"p.a", "p.b", "p.c"}) == [["p.a", "p.b", "p.c"]]


def _lines(path: Path) -> int:
    return sum(1 for _ in path.open(encoding="utf-8"))


def test_modules_stay_readable():
    product = [
        p for package in PACKAGES for p in (REPO / package).rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts
    ]
    assert [str(p.relative_to(REPO)) for p in product if _lines(p) > 800] == []
    formats = [p for folder in FORMAT_PACKAGES for p in (REPO / folder).rglob("*.py")]
    assert formats
    assert [f"{p.relative_to(REPO)}: {_lines(p)}" for p in formats if _lines(p) > 600] == []
