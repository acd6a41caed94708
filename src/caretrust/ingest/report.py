"""What an import found: problems named by file, line or bundle entry, field and reason; counts."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class Problem:
    file: str
    location: str  # "line 12", "entry 3", "row 7" or "file"
    field: str  # FHIR path or CSV column; "" when the whole record is unreadable
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, {self.location}"
        return f"{where}, {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass
class FileResult:
    file: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0  # an older version than the one held: ignored (counted in unchanged too)
    rejected: int = 0
    unresolved_references: int = 0
    committed: bool = True
    problems: list[Problem] = field(default_factory=list)
    # Kept, but worth a look (e.g. an NHS number failing its check digit, stored flagged).
    warnings: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = [str(p) for p in self.problems]
        data["warnings"] = [str(p) for p in self.warnings]
        return data


@dataclass
class ImportSummary:
    files: list[FileResult] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def ok(self) -> bool:
        return all(f.committed and not (f.problems and f.rejected == 0) for f in self.files)

    @property
    def failed_files(self) -> list[FileResult]:
        return [f for f in self.files if not f.committed]


class RejectsWriter:
    """With --skip-invalid: one JSON line per rejected record, with where and why."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._handle: IO[str] | None = None
        self.count = 0

    def write(self, problem: Problem, record: Any) -> None:
        if self.path is None:
            return
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", encoding="utf-8")
        line = {
            "file": problem.file,
            "location": problem.location,
            "field": problem.field,
            "reason": problem.reason,
            "record": record,
        }
        self._handle.write(json.dumps(line, default=str) + "\n")
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
