"""Located errors: every user mistake becomes a RenderError naming file, line, column, version."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RenderError(Exception):
    """A mistake in the docs source, located in the file where it was made.

    `line` and `column` are 1-based and counted in the source file as the writer sees
    it (frontmatter included). `chain` lists the files that included this one, outermost
    first, as ``path:line`` strings, so an error in a reusable names the page using it.
    """

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    version: str | None = None
    snippet: str = ""
    chain: tuple[str, ...] = field(default_factory=tuple)
    severity: str = "error"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def location(self) -> str:
        parts = [self.file or "<unknown>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def headline(self) -> str:
        """One line: ``file:line:col: [version] message``."""
        version = f" [{self.version}]" if self.version else ""
        return f"{self.location}:{version} {self.message}"

    def __str__(self) -> str:
        text = self.headline()
        for outer in reversed(self.chain):
            text += f"\n    included from {outer}"
        if self.snippet:
            text += "\n" + self.snippet
        return text


def line_and_column(source: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of character `index` in `source`."""
    index = max(0, min(index, len(source)))
    line = source.count("\n", 0, index) + 1
    column = index - (source.rfind("\n", 0, index) + 1) + 1
    return line, column


def read_source(path, display: str) -> str:
    """The text of a source file; a located RenderError when it is not UTF-8 or unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RenderError(f"cannot read file: {exc.strerror or exc}", file=display, line=1, column=1) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", errors="replace")
        line, column = line_and_column(before, len(before))
        raise RenderError(f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
                          file=display, line=line, column=column) from None


def caret_snippet(source_line: str, line: int, column: int, length: int = 1) -> str:
    """A two-line excerpt with a caret under the offending text."""
    gutter = f"{line:>5} | "
    shown = source_line.rstrip("\n")
    if len(shown) > 160:  # keep huge lines readable: window around the column
        start = max(0, column - 80)
        shown = shown[start : start + 160]
        column -= start
    pointer = " " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^" * max(1, min(length, 80))
    return f"{gutter}{shown}\n{pointer}"


def error_at(
    message: str,
    *,
    file: str,
    file_text: str,
    index: int,
    version: str | None = None,
    length: int = 1,
    chain: tuple[str, ...] = (),
) -> RenderError:
    """Build a RenderError for character `index` of the whole file text."""
    line, column = line_and_column(file_text, index)
    lines = file_text.splitlines() or [""]
    source_line = lines[line - 1] if line - 1 < len(lines) else ""
    return RenderError(
        message,
        file=file,
        line=line,
        column=column,
        version=version,
        snippet=caret_snippet(source_line, line, column, length),
        chain=chain,
    )
