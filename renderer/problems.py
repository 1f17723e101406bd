"""One value for every problem any command reports: where, what, how bad, in which versions.

`render check`, `render build` and `render serve` all report `Problem`s; the same mistake
seen in several versions is one Problem listing those versions (`merge`). The formats
escape control characters, so a file name holding a newline cannot forge output lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from renderer.errors import RenderError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # C0, DEL, C1 (\x9b is CSI), line separators


@dataclass(frozen=True)
class Problem:
    kind: str
    severity: str  # "error" or "warning"
    message: str
    file: str
    line: int = 1
    column: int = 1
    versions: tuple[str, ...] = ()  # empty: not tied to versions
    chain: tuple[str, ...] = ()  # file:line of the {% data %} tags that led here, outermost first

    @classmethod
    def from_error(cls, err: RenderError, kind: str, severity: str | None = None,
                   versions: Iterable[str] = ()) -> Problem:
        found = tuple(versions) or ((err.version,) if err.version else ())
        return cls(kind, severity or err.severity, err.message, err.file or "(docs tree)", err.line or 1,
                   err.column or 1, found, tuple(err.chain))

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @property
    def identity(self) -> tuple[str, int, int, str, str, str]:
        """What makes two reports the same mistake (versions aside)."""
        return (self.file, self.line, self.column, self.kind, self.severity, self.message)

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column, "severity": self.severity,
                "kind": self.kind, "message": self.message, "versions": list(self.versions),
                "chain": list(self.chain)}


def merge(problems: Iterable[Problem], version_order: Sequence[str]) -> list[Problem]:
    """One Problem per mistake, with the versions of all its reports, in a stable order."""
    rank = {version: index for index, version in enumerate(version_order)}
    grouped: dict[tuple, tuple[Problem, set[str]]] = {}
    for problem in problems:
        key = (*problem.identity, problem.chain)
        if key in grouped:
            grouped[key][1].update(problem.versions)
        else:
            grouped[key] = (problem, set(problem.versions))
    merged = [_with_versions(problem, sorted(versions, key=lambda v: (rank.get(v, len(rank)), v)))
              for problem, versions in grouped.values()]
    return sorted(merged, key=lambda p: (p.file, p.line, p.column, p.kind, p.message, p.versions))


def _with_versions(problem: Problem, versions: list[str]) -> Problem:
    if tuple(versions) == problem.versions:
        return problem
    return Problem(problem.kind, problem.severity, problem.message, problem.file, problem.line, problem.column,
                   tuple(versions), problem.chain)


def printable(text: str) -> str:
    """`text` with control characters shown as escapes (\\n, \\x1b, ...)."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def format_text(problem: Problem) -> str:
    """`file:line:col: severity: [versions] message (kind)` on one line."""
    versions = f" [{', '.join(problem.versions)}]" if problem.versions else ""
    chain = f" (included from {' <- '.join(reversed(problem.chain))})" if problem.chain else ""
    line = f"{problem.location}: {problem.severity}:{versions} {problem.message}{chain} ({problem.kind})"
    return printable(line)


def _escape_data(text: str) -> str:
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(problem: Problem, tool: str = "render check") -> str:
    """A GitHub Actions workflow command that annotates the file in the pull request."""
    command = "error" if problem.severity == "error" else "warning"
    props = [f"file={_escape_property(problem.file)}", f"line={problem.line}", f"col={problem.column}",
             f"title={_escape_property(f'{tool}: {problem.kind}')}"]
    versions = f"[{', '.join(problem.versions)}] " if problem.versions else ""
    chain = f" (included from {' <- '.join(reversed(problem.chain))})" if problem.chain else ""
    return f"::{command} {','.join(props)}::{_escape_data(versions + problem.message + chain)}"
