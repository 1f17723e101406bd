"""The problems a check run finds, reported once each (renderer.problems.merge unions
the versions of the same mistake seen in several renders)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from renderer.errors import RenderError, line_and_column
from renderer.problems import Problem, merge


class Findings:
    def __init__(self, version_order: list[str]):
        self.version_order = version_order
        self.problems: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def add_error(self, err: RenderError, kind: str, versions: Iterable[str] = (), severity: str | None = None) -> None:
        self.add(Problem.from_error(err, kind, severity, versions))

    def add_at(self, file: str, text: str, index: int, message: str, kind: str, *, severity: str = "error",
               versions: Iterable[str] = ()) -> None:
        """A problem at character `index` of a file's text."""
        line, column = line_and_column(text, max(index, 0))
        self.add(Problem(kind, severity, message, file, line, column, tuple(versions)))

    def merged(self) -> list[Problem]:
        """One Problem per mistake. A mistake found statically (a `data` or `liquid` problem)
        and again when rendering keeps its first report's kind, severity and chain; one
        not tied to versions (a reusable's syntax) stays so."""
        first: dict[tuple, Problem] = {}
        unified = []
        for problem in self.problems:
            seen = first.setdefault((problem.file, problem.line, problem.column, problem.message), problem)
            if seen is not problem:
                problem = replace(problem, kind=seen.kind, severity=seen.severity, chain=seen.chain,
                                  versions=problem.versions if seen.versions else ())
            unified.append(problem)
        return merge(unified, self.version_order)
