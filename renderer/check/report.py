"""The report of a check run, and its output formats: text, GitHub annotations, JSON."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import TextIO

from renderer.check.problem import Problem

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


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


def escape_controls(text: str) -> str:
    """Control characters as visible escapes, so no file name or message can forge a line."""
    return CONTROL.sub(_visible, text)


def _visible(match: re.Match) -> str:
    char = match.group(0)
    if char in NAMED_ESCAPES:
        return NAMED_ESCAPES[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def format_text(problem: Problem) -> str:
    versions = f" [{', '.join(problem.versions)}]" if problem.versions else ""
    chain = f" (included from {' <- '.join(reversed(problem.chain))})" if problem.chain else ""
    return escape_controls(f"{problem.location}: {problem.severity}:{versions} {problem.message}{chain} ({problem.kind})")


def _escape_data(text: str) -> str:
    return escape_controls(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(problem: Problem) -> str:
    """A GitHub Actions workflow command that annotates the file in the pull request."""
    command = "error" if problem.severity == "error" else "warning"
    title = f"render check: {problem.kind}"
    props = [f"file={_escape_property(problem.file)}", f"line={problem.line or 1}", f"col={problem.column or 1}",
             f"title={_escape_property(title)}"]
    versions = f"[{', '.join(problem.versions)}] " if problem.versions else ""
    chain = f" (included from {' <- '.join(reversed(problem.chain))})" if problem.chain else ""
    return f"::{command} {','.join(props)}::{_escape_data(versions + problem.message + chain)}"


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
