"""Search records between builds, out of the build cache and out of the build's memory.

A render's search record (its title, URL, intro and search document) is the largest
fact the build keeps of it, and the only one no later step reads but the search index.
So the build process does not hold them, nor do the workers send them: each worker
writes its fresh ones to spool files of its own (`SpoolWriter`), a file per version in the
build's scratch folder, and names the files in its results; the build process reads a
version's records from them when it indexes it (`SearchSpool`). Each version's records
are kept in a file of their own in `<cache folder>/search/` (`SearchStore`), read only
when that version's bundle is made again -- an incremental build that changes nothing
searchable never reads them. The build cache names each version's file with its stat,
and each file starts with the SHA-256 of the rest, like the cache itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from renderer.errors import RenderError

FOLDER = "search"
MAGIC = b"render-search lines sha256="
RenderKey = tuple[str, str]  # (relpath, version)
SearchRecord = list[str]  # [title, url, intro, document]
StoreFile = tuple[str, int, int, int]  # (file name, size, mtime_ns, inode)
SPOOL_PREFIX, SPOOL_SUFFIX = ".spool-", ".jsonl"

# Records go from file to file as the JSON text a worker made of them (`encode_record`): a line per
# render, `"<relpath>"<TAB><record as JSON>` (JSON escapes tabs and newlines inside; other
# line separators, U+2028 or NEL, stay as they are, so lines are split at "\n" only).


def encode_record(record: SearchRecord) -> str:
    """A record as the JSON text the spool, the store and the workers' jobs carry."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def decode_record(text: str) -> SearchRecord:
    """A record from its JSON text; ValueError when it is not four strings."""
    record = json.loads(text)
    if type(record) is not list or len(record) != 4 or not all(type(part) is str for part in record):
        raise ValueError("a search record of another shape")
    return record


def record_line(relpath: str, text: str) -> str:
    return f"{json.dumps(relpath)}\t{text}\n"


def parse_lines(lines) -> dict[str, str]:
    """relpath -> record text of `record_line` lines; ValueError for another line."""
    found: dict[str, str] = {}
    for line in lines:
        found[relpath_of(line)] = line.rstrip("\n").partition("\t")[2]
    return found


def relpath_of(line: str | bytes) -> str:
    """The relpath a `record_line` line (text or bytes) starts with; ValueError for another line."""
    key, tab, _ = line.partition("\t" if isinstance(line, str) else b"\t")  # type: ignore[arg-type]
    relpath = json.loads(key) if tab else None
    if type(relpath) is not str:
        raise ValueError("a line that is not a search record")
    return relpath


class RecordLines:
    """Where each render's line is in a file of `record_line` lines (from byte `start`), so
    that a version's records are copied in relpath order without holding their text.
    ValueError for a line of another shape; `digest` (a hashlib object) gets every line."""

    def __init__(self, path: Path | None = None, start: int = 0, digest=None):
        self.where: dict[str, tuple[int, int]] = {}  # relpath -> (offset, length) of its line
        self.file: BinaryIO | None = open(path, "rb") if path is not None else None  # (closed by close)
        if self.file is None:
            return
        try:
            self.file.seek(start)
            for line in self.file:  # (split at b"\n" only: other separators are text)
                if not line.endswith(b"\n"):
                    raise ValueError("a search record line cut short")
                if digest is not None:
                    digest.update(line)
                self.where[relpath_of(line)] = (start, len(line))
                start += len(line)
        except BaseException:
            self.close()
            raise

    def __contains__(self, relpath: str) -> bool:
        return relpath in self.where

    def line(self, relpath: str) -> bytes:
        offset, length = self.where[relpath]
        assert self.file is not None  # (there is a line)
        self.file.seek(offset)
        return self.file.read(length)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class SpoolWriter:
    """One worker's fresh search records: a spool file per version in `folder`, a line per
    render. `flush` makes what was written readable and names the files (for SearchSpool.take)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.spools: dict[str, tuple[str, TextIO]] = {}  # version -> (file name, file)

    def add(self, key: RenderKey, text: str) -> None:
        """A render's record, as the JSON text of `encode_record`."""
        relpath, version = key
        spool = self.spools.get(version) or self._open(version)
        spool[1].write(record_line(relpath, text))

    def _open(self, version: str) -> tuple[str, TextIO]:
        fd, name = tempfile.mkstemp(dir=self.folder, prefix=SPOOL_PREFIX, suffix=SPOOL_SUFFIX)
        spool = self.spools[version] = (Path(name).name, os.fdopen(fd, "w", encoding="utf-8"))
        return spool

    def flush(self) -> list[tuple[str, str]]:
        """(version, file name) of every spool file written so far, each flushed to the file."""
        for _name, file in self.spools.values():
            file.flush()
        return [(version, name) for version, (name, _file) in self.spools.items()]

    def close(self) -> None:
        for _name, file in self.spools.values():
            file.close()
        self.spools = {}


class SearchSpool:
    """This build's fresh search records: the spool files the workers name (`take`), in the
    build's scratch folder; the index of a version reads back its own records only."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.spools: dict[str, set[str]] = {}  # version -> the names of its spool files

    def take(self, spooled: list[tuple[str, str]]) -> None:
        """Spool files a worker names: (version, file name in the scratch folder)."""
        for version, name in spooled:
            if not (name.startswith(SPOOL_PREFIX) and name.endswith(SPOOL_SUFFIX) and "/" not in name and "\\" not in name):
                raise ValueError(f"a worker named a search spool {name!r} outside the scratch folder")
            self.spools.setdefault(version, set()).add(name)

    def lines(self, version: str) -> SpooledLines:
        """The lines of a version spooled so far (close it when done)."""
        return SpooledLines([RecordLines(self.folder / name) for name in sorted(self.spools.get(version, ()))])

    def close(self) -> None:
        for name in {name for names in self.spools.values() for name in names}:
            try:
                os.unlink(self.folder / name)
            except OSError:
                pass
        self.spools = {}


class SpooledLines:
    """The lines of a version in several spool files, read as one (a render has one line)."""

    def __init__(self, files: list[RecordLines]):
        self.files = files

    def __contains__(self, relpath: str) -> bool:
        return any(relpath in file for file in self.files)

    def line(self, relpath: str) -> bytes:
        return next(file for file in self.files if relpath in file).line(relpath)

    def close(self) -> None:
        for file in self.files:
            file.close()


class SearchStore:
    """The search records of each version as the last build left them."""

    def __init__(self, cache_folder: Path, files: dict[str, StoreFile]):
        self.folder = cache_folder / FOLDER
        self.files = dict(files)  # version -> its file

    def is_intact(self) -> bool:
        """Is every file the cache names still there, as it was written (size, mtime, inode)?"""
        for name, *stat in self.files.values():
            try:
                st = os.lstat(self.folder / name)
            except OSError:
                return False
            if [st.st_size, st.st_mtime_ns, st.st_ino] != stat:
                return False
        return True

    def lines(self, version: str) -> RecordLines:
        """The lines of a version's records (none when the store has none; close it when
        done). The records themselves are decoded, and their shape checked, where they are
        indexed."""
        entry = self.files.get(version)
        if entry is None:
            return RecordLines()
        path = self.folder / entry[0]
        body = hashlib.sha256()
        try:
            with open(path, "rb") as file:
                header = file.readline()
            lines = RecordLines(path, len(header), body)
        except OSError as err:
            raise RenderError(f"the build cache's search records {path} cannot be read ({err.strerror}); "
                              "build with --no-cache") from None
        except ValueError:
            raise RenderError(f"the build cache's search records {path} have an unexpected shape; "
                              "build with --no-cache") from None
        if header != MAGIC + body.hexdigest().encode("ascii") + b"\n":
            lines.close()
            raise RenderError(f"the build cache's search records {path} are damaged; build with --no-cache")
        return lines

    def write(self, version: str, lines: Iterable[bytes], copy_to: BinaryIO | None = None) -> None:
        """A new file for a version's records, `record_line` lines in relpath order (the old
        file stays until `remove_unnamed`), each copied to `copy_to` too. Written a line at a
        time, its SHA-256 put in the fixed-width header last."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".new-", suffix=".json")
        body = hashlib.sha256()
        with os.fdopen(fd, "wb") as file:
            file.write(MAGIC + b"0" * 64 + b"\n")
            for line in lines:
                body.update(line)
                file.write(line)
                if copy_to is not None:
                    copy_to.write(line)
            digest = body.hexdigest()
            file.seek(len(MAGIC))
            file.write(digest.encode("ascii"))
        name = f"{hashlib.sha1(version.encode()).hexdigest()[:16]}-{digest[:16]}.json"
        os.replace(tmp, self.folder / name)
        st = os.lstat(self.folder / name)
        self.files[version] = (name, st.st_size, st.st_mtime_ns, st.st_ino)

    def keep_only(self, versions: list[str]) -> None:
        for version in list(self.files):
            if version not in versions:
                del self.files[version]

    def remove_unnamed(self) -> None:
        """Delete the files no cache names: replaced ones, spools of killed builds."""
        named = {entry[0] for entry in self.files.values()}
        for path in _entries(self.folder):
            if path.name not in named:
                try:
                    os.unlink(path)
                except OSError:
                    pass


def _entries(folder: Path) -> Iterator[Path]:
    try:
        yield from (p for p in folder.iterdir() if p.is_file())
    except OSError:
        return

