"""Replace exact spans of a text, and find the spans of Liquid tags.

Every change the lifecycle tools make is an `Edit` of a file's text: a half-open span
[start, end) and its replacement. Applying a set of edits leaves every other character
as it was, so a rewrite touches only what it must.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

# The tag rule of python-liquid's lexer, so spans match what the parser saw.
TAG = re.compile(r"\{%(?P<ltrim>-?)\s*(?P<name>#|\w+)\s*(?P<expr>(?:(?!-?%\})[\s\S])*(?<!\s))\s*(?P<rtrim>-?)%\}")


@dataclass(frozen=True, order=True)
class Edit:
    start: int
    end: int
    text: str


class EditConflict(ValueError):
    """Two edits of one text overlap."""


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """`text` with each edit's span replaced; the same edit twice counts once."""
    ordered = sorted(set(edits))
    parts: list[str] = []
    position = 0
    for edit in ordered:
        if edit.start < position or edit.end < edit.start or edit.end > len(text):
            raise EditConflict(f"overlapping or invalid edit at {edit.start}..{edit.end}")
        parts.append(text[position : edit.start])
        parts.append(edit.text)
        position = edit.end
    parts.append(text[position:])
    return "".join(parts)


def shift(edits: Iterable[Edit], offset: int) -> list[Edit]:
    """Edits of a template moved into the coordinates of the file holding it."""
    return [Edit(e.start + offset, e.end + offset, e.text) for e in edits]


@dataclass(frozen=True)
class TagSpan:
    """Where one `{% name expr %}` tag is in its source."""

    start: int  # the `{`
    end: int  # just after the `}`
    name_start: int
    name_end: int
    expr_start: int  # the expression without surrounding whitespace (empty span if none)
    expr_end: int
    trimmed: bool  # `{%-` or `-%}`: the tag eats whitespace around it

    @property
    def name_span(self) -> tuple[int, int]:
        return self.name_start, self.name_end


def tag_span(source: str, name_index: int) -> TagSpan:
    """The span of the tag whose name starts at `name_index` (a tag token's start_index)."""
    start = source.rfind("{%", 0, name_index + 1)
    match = TAG.match(source, start) if start >= 0 else None
    if match is None or match.start("name") != name_index:
        raise ValueError(f"no tag name at index {name_index}")
    expr_start = match.start("expr") if match.group("expr") else match.end("name")
    return TagSpan(start, match.end(), match.start("name"), match.end("name"), expr_start,
                   match.end("expr") if match.group("expr") else expr_start,
                   bool(match.group("ltrim") or match.group("rtrim")))


def trim_reaches(source: str, start: int, end: int) -> bool:
    """Would removing [start, end) let a neighbour's whitespace control (`-%}`, `{%-`) eat other text?

    The tag or output statement before the span (past whitespace) must not trim to its
    right, and the one after the span must not trim to its left.
    """
    left = source[:start].rstrip()
    right = source[end:].lstrip()
    return left.endswith(("-%}", "-}}")) or right.startswith(("{%-", "{{-"))


def unified_diff(name: str, before: str, after: str) -> str:
    """A unified diff of one file, as `git diff` shows it."""
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{name}", tofile=f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
