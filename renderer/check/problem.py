"""One finding of `render check`, and the collection that reports each finding once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from renderer.errors import RenderError, line_and_column


@dataclass
class Problem:
    """One finding: where, what, how bad, and in which versions it shows."""

    kind: str
    severity: str  # "error" or "warning"
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    versions: list[str] = field(default_factory=list)  # empty: not tied to versions
    chain: tuple[str, ...] = ()

    @property
    def key(self) -> tuple:
        return (self.file, self.line, self.column, self.message)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line or 1}:{self.column or 1}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file, "line": self.line, "column": self.column, "severity": self.severity,
            "kind": self.kind, "message": self.message, "versions": self.versions, "chain": list(self.chain),
        }


def problem_from_error(err: RenderError, kind: str, versions: Iterable[str] = (), severity: str | None = None,
                       default_file: str = ".") -> Problem:
    """A located RenderError as a Problem (`default_file` when the error names no file)."""
    versions = list(versions) or ([err.version] if err.version else [])
    return Problem(kind, severity or err.severity, err.message, err.file or default_file, err.line, err.column,
                   versions, tuple(err.chain))


class Findings:
    """Problems found so far; the same mistake seen again only adds its versions."""

    def __init__(self, version_order: list[str]):
        self.version_order = version_order
        self.by_key: dict[tuple, Problem] = {}

    def add(self, problem: Problem) -> None:
        existing = self.by_key.get(problem.key)
        if existing is None:
            self.by_key[problem.key] = problem
        elif existing.versions:
            existing.versions.extend(v for v in problem.versions if v not in existing.versions)

    def add_error(self, err: RenderError, kind: str, versions: Iterable[str] = (), severity: str | None = None) -> None:
        self.add(problem_from_error(err, kind, versions, severity))

    def add_at(self, file: str, text: str, index: int, message: str, kind: str, *, severity: str = "error",
               versions: Iterable[str] = ()) -> None:
        """A problem at character `index` of a file's text."""
        line, column = line_and_column(text, max(index, 0))
        self.add(Problem(kind, severity, message, file, line, column, list(versions)))

    def sorted(self) -> list[Problem]:
        order = {v: i for i, v in enumerate(self.version_order)}
        for problem in self.by_key.values():
            problem.versions.sort(key=lambda v: order.get(v, len(order)))
        return sorted(self.by_key.values(), key=lambda p: (p.file, p.line or 0, p.column or 0, p.message))
