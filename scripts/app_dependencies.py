"""Print the dependencies between caretrust's top-level packages as a Mermaid graph (Markdown).

Run: `.venv/bin/python scripts/app_dependencies.py > docs/architecture/dependencies-after.md`.
It reads the imports with grimp (import-linter's graph), so it agrees with `lint-imports`; an
edge is drawn when any module of one package imports any module of the other, at any depth.
"""

from __future__ import annotations

import sys

import grimp

# Upward or tangling edges by the layers contract in pyproject.toml are drawn in red.
LAYERS = [
    {"web"},
    {"demo"},
    {"portal", "outcomes"},
    {"careplans", "assessments"},
    {"funding"},
    {"workspace"},
    {"referrals"},
    {"fhir"},
    {"ingest"},
    {"record"},
    {"jobs"},
    {"people", "organisations", "access", "ui"},
    {"population", "synthetic"},
    {"config", "clock", "dates", "bulk", "contract"},
]
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
    sys.stdout.write("\n".join(lines))


if __name__ == "__main__":
    main()
