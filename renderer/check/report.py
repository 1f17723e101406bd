"""The report of a check run, written as text, GitHub annotations or JSON (the formats
of renderer.problems, which escape control characters)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import TextIO

from renderer.problems import Problem, format_github, format_text


@dataclass
class Report:
    problems: list[Problem]
    pages: int = 0
    renders: int = 0
    seconds: float = 0.0

    def count(self, severity: str) -> int:
        return sum(1 for p in self.problems if p.severity == severity)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    def by_kind(self) -> Counter:
        return Counter(p.kind for p in self.problems)


def summary(report: Report) -> str:
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.by_kind().items()))
    return (f"render check: {report.errors} error(s), {report.warnings} warning(s) in {report.pages} pages, "
            f"{report.renders} renders, {report.seconds:.1f}s" + (f" ({kinds})" if kinds else ""))


def write_report(report: Report, output_format: str, out: TextIO, err: TextIO) -> None:
    """Problems on `out`; the summary last on `out` for text, on `err` for github and json."""
    if output_format == "json":  # JSON strings escape control characters themselves
        json.dump([p.as_dict() for p in report.problems], out, ensure_ascii=False, indent=1)
        out.write("\n")
        print(summary(report), file=err)
        return
    formatter = format_github if output_format == "github" else format_text
    for problem in report.problems:
        out.write(formatter(problem) + "\n")
    print(summary(report), file=out if output_format == "text" else err)
