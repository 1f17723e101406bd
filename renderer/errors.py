"""Located errors: every user mistake becomes a RenderError naming file, line, column, version."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field

from renderer.limits import MAX_SOURCE_BYTES_ENV, InvalidLimit, max_source_bytes


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


def limit_value(read: Callable[[], int]) -> int:
    """A configured limit (renderer.limits); a RenderError when its variable is malformed."""
    try:
        return read()
    except InvalidLimit as exc:
        raise RenderError(str(exc)) from None


_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind_of(mode: int) -> str:
    return next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")


def read_regular(path, display: str, limit: int | None = None) -> bytes:
    """The bytes of a regular file, at most `limit` (default: RENDER_MAX_SOURCE_BYTES).

    Devices, FIFOs and sockets are refused without reading (opening with O_NONBLOCK so a
    FIFO cannot block, then fstat on the open file so it cannot be swapped in between);
    a file over the limit is refused from its size, and at most limit + 1 bytes are read
    in case it grows meanwhile.
    """
    limit = limit if limit is not None else limit_value(max_source_bytes)

    def refuse(message: str) -> RenderError:
        return RenderError(message, file=display, line=1, column=1)

    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            raise refuse(f"not a regular file ({_kind_of(before.st_mode)}); only regular files are read")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refuse(f"not a regular file ({_kind_of(info.st_mode)}); only regular files are read")
        if info.st_size > limit:
            raise refuse(_too_large(info.st_size, limit))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise refuse(_too_large(size, limit))
        return b"".join(chunks)
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _too_large(size: int, limit: int) -> str:
    return (f"file is too large ({size:,} bytes; the limit is {limit:,}, "
            f"set {MAX_SOURCE_BYTES_ENV} to change it)")


def decode_source(data: bytes, display: str) -> str:
    """UTF-8 text of a source file's bytes; a located RenderError for other encodings."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", errors="replace")
        line, column = line_and_column(before, len(before))
        raise RenderError(f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
                          file=display, line=line, column=column) from None


def read_source(path, display: str) -> str:
    """The text of a source file; a located RenderError when it is not a readable regular
    file within the size limit, or not UTF-8."""
    return decode_source(read_regular(path, display), display)


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
