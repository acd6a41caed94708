"""Print the dependencies between caretrust's top-level packages as a Mermaid graph (Markdown).

Run: `.venv/bin/python scripts/app_dependencies.py after > docs/architecture/app-dependencies-after.md`
(for another checkout, put its `src` first: `PYTHONPATH=../other/src .venv/bin/python ...`). It
also counts the cycles between packages (pairs importing each other; strongly connected groups).
It reads the imports with grimp (import-linter's graph), so it agrees with `lint-imports`; an
edge is drawn when any module of one package imports any module of the other, at any depth.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import grimp

# Upward edges by the layers contract in this checkout's pyproject.toml (what `lint-imports`
# checks) are drawn in red; an older checkout is measured against today's layers.
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _layers() -> list[set[str]]:
    config = tomllib.loads(PYPROJECT.read_text())
    (contract,) = (
        c for c in config["tool"]["importlinter"]["contracts"] if c.get("id") == "layers"
    )
    return [
        {name.strip().removeprefix("caretrust.") for name in re.split(r"[|:]", layer)}
        for layer in contract["layers"]
    ]


LAYERS = _layers()
LEAVE_OUT = {"cli"}  # gathers every area's commands by name at run time


def level(package: str) -> int | None:
    for index, members in enumerate(LAYERS):
        if package in members:
            return index
    return None


def main() -> None:
    graph = grimp.build_graph("caretrust")
    packages = sorted(
        name.split(".")[1]
        for name in graph.find_children("caretrust")
        if name.split(".")[1] not in LEAVE_OUT
    )
    lines = [
        f"# caretrust package dependencies ({sys.argv[1] if len(sys.argv) > 1 else 'now'})",
        "",
    ]
    lines += [
        "Red arrows point upward through the layers (ADR 75).",
        "",
        "```mermaid",
        "flowchart TD",
    ]
    red = []
    edge_count = 0
    for importer in packages:
        for imported in packages:
            if importer == imported:
                continue
            if graph.direct_import_exists(
                importer=f"caretrust.{importer}", imported=f"caretrust.{imported}", as_packages=True
            ):
                lines.append(f"  {importer} --> {imported}")
                up, down = level(importer), level(imported)
                if up is not None and down is not None and down < up:
                    red.append(edge_count)
                edge_count += 1
    for index in red:
        lines.append(f"  linkStyle {index} stroke:#d5281b,stroke-width:3px")
    lines += ["```", "", f"{edge_count} edges, {len(red)} pointing upward.", ""]
    lines += cycle_lines(graph, packages)
    sys.stdout.write("\n".join(lines))


def _strongly_connected(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components: the groups of packages that reach one another."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            groups.append(sorted(group))

    for node in nodes:
        if node not in index:
            visit(node)
    return sorted((g for g in groups if len(g) > 1), key=lambda g: (-len(g), g))


def cycle_lines(graph, packages: list[str]) -> list[str]:
    """The cycles between packages: pairs that import each other (two-package cycles) and the
    groups of packages that reach one another through any chain of imports."""
    edges = {p: set() for p in packages}
    for importer in packages:
        for imported in packages:
            if importer != imported and graph.direct_import_exists(
                importer=f"caretrust.{importer}", imported=f"caretrust.{imported}", as_packages=True
            ):
                edges[importer].add(imported)
    mutual = sorted((a, b) for a in packages for b in edges[a] if a < b and a in edges[b])
    groups = _strongly_connected(packages, edges)
    lines = [
        "## Cycles",
        "",
        f"{len(mutual)} pairs of packages import each other"
        + (": " + ", ".join(f"{a} ⇄ {b}" for a, b in mutual) if mutual else "."),
        "",
        f"{len(groups)} group(s) of packages that reach one another through a chain of imports"
        + (
            ": " + "; ".join(f"{len(g)} packages ({', '.join(g)})" for g in groups)
            if groups
            else "."
        ),
        "",
    ]
    return lines


if __name__ == "__main__":
    main()
