"""The site's files in the build database (build_db.py): the last build's, each with its
digest and the stat it had when written (`files`), and this build's (`new_files`, a
temporary table the commit copies over `files`).

A file of the live site is *trusted* when it is still as the last build left it (size,
mtime, inode): the build keeps it instead of writing it again when its digest is the same.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from renderer.build.build_db import Batch, BuildDatabase
from renderer.build.cache import FileStat
from renderer.build.output import stat_of


class FileTable:
    def __init__(self, db: BuildDatabase):
        self.db = db
        self._added = Batch(db, "INSERT OR REPLACE INTO new_files VALUES (?, ?, ?, ?, ?)")

    # -- the last build's site --

    def mark_trusted(self, out: Path) -> None:
        """Stat every file of the last build in the live site; those still as it left them
        are trusted (the others -- edited, replaced, deleted -- are written again)."""
        root = str(out) + os.sep
        trusted = Batch(self.db, "INSERT OR REPLACE INTO trusted VALUES (?, ?)")
        for path, digest, *when_written in self.db.each("SELECT path, digest, size, mtime_ns, inode FROM files"):
            try:
                st = os.lstat(root + path)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and stat_of(st) == tuple(when_written):
                trusted.add((path, digest))
        trusted.flush()

    def trusted_digest(self, path: str) -> str | None:
        """The digest of a live file that is as the last build left it, or None."""
        rows = self.db.rows("SELECT digest FROM trusted WHERE path = ?", (path,))
        return rows[0][0] if rows else None

    def trusted_under(self, folder: str) -> dict[str, str]:
        """path -> digest of the trusted files under a folder ("search/")."""
        return dict(self.db.rows("SELECT path, digest FROM trusted WHERE path GLOB ?", (_glob_under(folder),)))

    def last_under(self, folder: str) -> list[str]:
        """The last build's files under a folder."""
        return [path for path, in self.db.rows("SELECT path FROM files WHERE path GLOB ?", (_glob_under(folder),))]

    # -- this build's site --

    def add(self, path: str, digest: str, written: FileStat | None) -> None:
        """A file of the new site: written into staging (its stat), or kept from the live site (None)."""
        self._added.add((path, digest, *(written or (None,) * 3)))

    def _new(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        """A query that reads the new site's files (all of them added so far)."""
        self._added.flush()
        return self.db.rows(sql, parameters)

    def has(self, path: str) -> bool:
        return bool(self._new("SELECT 1 FROM new_files WHERE path = ?", (path,)))

    def was_written(self, path: str) -> bool:
        return bool(self._new("SELECT 1 FROM new_files WHERE path = ? AND size IS NOT NULL", (path,)))

    def count(self) -> int:
        return self._new("SELECT count(*) FROM new_files")[0][0]

    def written_count(self) -> int:
        return self._new("SELECT count(*) FROM new_files WHERE size IS NOT NULL")[0][0]

    def paths(self) -> Iterator[str]:
        """The new site's files, in path order."""
        self._added.flush()
        for path, in self.db.each("SELECT path FROM new_files ORDER BY path"):
            yield path

    def kept(self) -> list[str]:
        """The new site's files that the live site has (to be linked into staging)."""
        return [path for path, in self._new("SELECT path FROM new_files WHERE size IS NULL ORDER BY path")]

    def changed(self) -> list[str]:
        """Where the new site differs from the live one: the files written, and those gone."""
        return [path for path, in self._new(
            "SELECT path FROM new_files WHERE size IS NOT NULL UNION "
            "SELECT path FROM files WHERE path NOT IN (SELECT path FROM new_files) ORDER BY path")]

    def same_paths(self) -> bool:
        """Does the new site have the same files as the last one?"""
        return not self._new("SELECT 1 FROM files WHERE path NOT IN (SELECT path FROM new_files) UNION "
                             "SELECT 1 FROM new_files WHERE path NOT IN (SELECT path FROM files) LIMIT 1")

    def publish(self, copied: dict[str, FileStat]) -> None:
        """The new site's files become the last build's: each with the stat it was written
        with, `copied` (kept files copied into staging, not linked), or the one it had."""
        self._added.flush()
        self.db.many("UPDATE new_files SET size = ?, mtime_ns = ?, inode = ? WHERE path = ?",
                     ((*stat_, path) for path, stat_ in copied.items()))
        self.db.rows("UPDATE new_files SET (size, mtime_ns, inode) = (SELECT size, mtime_ns, inode FROM files"
                     " WHERE files.path = new_files.path) WHERE size IS NULL")
        self.db.rows("DELETE FROM files")
        self.db.rows("INSERT INTO files SELECT * FROM new_files")


def _glob_under(folder: str) -> str:
    return folder.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]") + "*"
