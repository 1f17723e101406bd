"""The render records (records.py) of a build, on disk: a SQLite file in the cache folder.

Held as dicts, the records grew the build process by about 3.6 KB per render (70 MB for
19,205 renders); here SQLite keeps a few MB of its pages in memory, whatever the site's size.

A build is one transaction on the table: the rows of the renders it reuses stay, those it
renders or lays out again are replaced, those of renders that failed or are gone are
deleted (a full build starts by deleting them all). `finish` commits it with a new token, which the cache file names; a build that
fails or is killed rolls back (SQLite's journal), leaving the table the last cache names.
A row is checked (`record_problem`) each time it is read: one of another shape is no
record, so its render is made again.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from renderer.build.records import record_problem
from renderer.errors import RenderError

FILE_NAME = "renders.sqlite"
RenderKey = tuple[str, str]  # (relpath, version)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS renders (
    version TEXT NOT NULL, relpath TEXT NOT NULL,
    cacheable INTEGER NOT NULL, warned INTEGER NOT NULL,
    ids_key TEXT NOT NULL, search_digest TEXT NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (version, relpath));
CREATE INDEX IF NOT EXISTS search_digests ON renders (version, relpath, search_digest)
"""


class TableDamaged(Exception):
    """The table file is there but cannot be read (the message says why, in one line)."""


class RecordTable:
    """(relpath, version) -> record, for the renders of the build in progress."""

    def __init__(self, folder: Path, token: str | None):
        """`token`: the one the cache names (its rows are this build's start), or None for an
        empty table (the old rows are only deleted when this build commits)."""
        self.path = folder / FILE_NAME
        try:
            self.db = self._open(empty=token is None)
        except sqlite3.Error as err:
            if token is not None:
                raise self.damaged(err) from None
            _remove(self.path)  # not a table: a new one
            self.db = self._open(empty=True)

    def _open(self, empty: bool) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA synchronous = OFF")  # (a damaged table is a damaged cache: a full build)
            db.execute("BEGIN")
            if empty:
                db.execute("DROP TABLE IF EXISTS renders")
            for statement in _SCHEMA.split(";"):
                db.execute(statement)
        except sqlite3.Error:
            db.close()
            raise
        return db

    @staticmethod
    def token_of(folder: Path) -> str | None:
        """The token of the table the last build committed, or None when there is none.
        Raises TableDamaged when the file is not a table this version reads."""
        path = folder / FILE_NAME
        if not path.is_file():
            return None
        try:
            db = sqlite3.connect(path)  # (read-write: a killed build's journal is rolled back)
            try:
                row = db.execute("SELECT value FROM meta WHERE name = 'token'").fetchone()
                db.execute("SELECT version, relpath, cacheable, warned, ids_key, search_digest, record "
                           "FROM renders LIMIT 1").fetchall()
            finally:
                db.close()
        except sqlite3.Error as err:
            raise TableDamaged(f"its render table {FILE_NAME} cannot be read: {err}") from None
        return row[0] if row and type(row[0]) is str else None

    def damaged(self, err: sqlite3.Error) -> RenderError:
        return RenderError(f"the build cache's render table {self.path} cannot be used ({err}): "
                           "build again with --no-cache")

    def _rows(self, sql: str, parameters: Iterable = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, tuple(parameters)).fetchall()
        except sqlite3.Error as err:
            raise self.damaged(err) from None

    # -- one render --

    def get(self, key: RenderKey) -> dict | None:
        rows = self._rows("SELECT record FROM renders WHERE version = ? AND relpath = ?", (key[1], key[0]))
        if not rows:
            return None
        try:
            record = json.loads(rows[0][0])
        except ValueError:
            return None
        return None if record_problem(record) else record

    def put(self, key: RenderKey, record: dict) -> None:
        ids_key = record["ids_digest"] if record["complete"] else "incomplete"
        self._rows("INSERT OR REPLACE INTO renders VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (key[1], key[0], bool(record.get("cacheable")), bool(record["warnings"]), ids_key,
                    record["search_digest"], json.dumps(record, separators=(",", ":"), ensure_ascii=False)))

    def delete(self, key: RenderKey) -> None:
        self._rows("DELETE FROM renders WHERE version = ? AND relpath = ?", (key[1], key[0]))

    def ids_key(self, key: RenderKey) -> str:
        """What an anchor into a render depends on: the digest of its ids, "incomplete" when
        they cannot be trusted, "-" when there is no such render."""
        rows = self._rows("SELECT ids_key FROM renders WHERE version = ? AND relpath = ?", (key[1], key[0]))
        return rows[0][0] if rows else "-"

    # -- all of them --

    def __len__(self) -> int:
        return self._rows("SELECT count(*) FROM renders")[0][0]

    def keys(self) -> Iterator[RenderKey]:
        """Every render's key, in the order sorted() gives the tuples."""
        yield from self._rows("SELECT relpath, version FROM renders ORDER BY relpath, version")

    def search_digests(self, version: str) -> dict[str, str]:
        """relpath -> search digest of the renders of one version."""
        return dict(self._rows("SELECT relpath, search_digest FROM renders WHERE version = ?", (version,)))

    def rendered(self, version: str) -> set[str]:
        """The relpaths of the renders of one version."""
        return {relpath for relpath, in self._rows("SELECT relpath FROM renders WHERE version = ?", (version,))}

    def warned(self) -> Iterator[tuple[str, dict]]:
        """(version, record) of the renders with warnings, in key order."""
        for version, relpath in self._rows("SELECT version, relpath FROM renders WHERE warned ORDER BY relpath, version"):
            record = self.get((relpath, version))
            if record is not None:
                yield version, record

    def keep_only(self, keys: Iterable[RenderKey]) -> None:
        """Delete the rows of every render but these (the pages or versions that went)."""
        try:
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS current (version TEXT, relpath TEXT)")
            self.db.execute("DELETE FROM current")
            self.db.executemany("INSERT INTO current VALUES (?, ?)", ((v, r) for r, v in keys))
            self.db.execute("DELETE FROM renders WHERE (version, relpath) NOT IN (SELECT version, relpath FROM current)")
            self.db.execute("DELETE FROM current")
        except sqlite3.Error as err:
            raise self.damaged(err) from None

    # -- the end of the build --

    def finish(self) -> str:
        """Commit this build's table; the token the cache is to name."""
        token = secrets.token_hex(16)
        try:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('token', ?)", (token,))
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
        except sqlite3.Error as err:
            raise OSError(f"cannot save the render table {self.path}: {err}") from None
        return token

    def close(self) -> None:
        """Roll back whatever `finish` did not commit."""
        self.db.close()

    def __enter__(self) -> RecordTable:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _remove(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-journal")):
        try:
            file.unlink()
        except FileNotFoundError:
            pass
