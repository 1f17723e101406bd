"""Loading render files (JSON Lines, plain or gzip) for the parity tool."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

Key = tuple[str, str]



class ParityInputError(Exception):
    """An input file is missing or malformed (message names file and line)."""


_REQUIRED_FIELDS = ("version", "path", "title", "html")


def _open_binary(path: Path) -> io.BufferedIOBase:
    """Open ``path`` for reading bytes, transparently gunzipping gzip data."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


def _parse_record(raw: bytes, where: str) -> dict:
    """Decode one UTF-8 JSON line and check it has the render fields."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParityInputError(f"{where}: not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ParityInputError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(record, dict):
        raise ParityInputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    for name in _REQUIRED_FIELDS:
        if not isinstance(record.get(name), str):
            raise ParityInputError(f"{where}: field {name!r} missing or not a string")
    return record


def load_renders(path: str | Path) -> dict[Key, dict]:
    """Read a ``.jsonl`` or ``.jsonl.gz`` render file keyed by ``(version, path)``.

    Blank lines are ignored.  Raises :class:`ParityInputError` when the file is
    missing or unreadable, a line is not a JSON object with string ``version``,
    ``path``, ``title`` and ``html`` fields, or a ``(version, path)`` repeats.
    """
    path = Path(path)
    renders: dict[Key, dict] = {}
    first_line: dict[Key, int] = {}
    lineno = 0
    try:
        with _open_binary(path) as stream:
            for lineno, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                record = _parse_record(raw, f"{path}:{lineno}")
                key = (record["version"], record["path"])
                if key in renders:
                    raise ParityInputError(
                        f"{path}:{lineno}: duplicate render {key[0]} {key[1]} "
                        f"(first at line {first_line[key]})"
                    )
                renders[key] = record
                first_line[key] = lineno
    except FileNotFoundError:
        raise ParityInputError(f"{path}: no such file") from None
    except (OSError, EOFError) as exc:
        raise ParityInputError(f"{path}: cannot read after line {lineno}: {exc}") from None
    return renders

