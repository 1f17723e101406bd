"""What a build keeps per render and per site file, on disk: one SQLite file in the cache
folder, with a table of render records (record_table.py), one of the site's files
(file_table.py) and one of the layout's page shells (shell_table.py).

Held in the build process, the records and the file manifest grew it by about 6 KB per
render (about 115 MB for the corpus ×4, 19,205 renders); here SQLite keeps a few MB of
its pages in memory, whatever the site's size.

A build is one transaction: it starts from the tables the last build committed (a full
build from empty ones), changes them as its renders and files come in, and `finish`
commits them with a new token, which the cache file names. A build that fails or is
killed rolls back (SQLite's journal), so the tables stay the ones the last cache names.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from renderer.build.cache_shape import inside_site
from renderer.errors import RenderError

FILE_NAME = "build.sqlite"
LOCK_WAIT_SECONDS = 5.0  # how long a build waits for another one's lock on the file

_TABLES = {  # name -> (columns, key)
    "renders": (("version TEXT NOT NULL", "relpath TEXT NOT NULL", "cacheable INTEGER NOT NULL",
                 "warned INTEGER NOT NULL", "ids_key TEXT NOT NULL", "search_digest TEXT NOT NULL",
                 "record TEXT NOT NULL", "facts TEXT NOT NULL", "links TEXT NOT NULL", "written_by TEXT NOT NULL"),
                "version, relpath"),
    "files": (("path TEXT NOT NULL", "digest TEXT NOT NULL", "size INTEGER", "mtime_ns INTEGER", "inode INTEGER"),
              "path"),
    "shells": (("shape TEXT NOT NULL", "shell TEXT NOT NULL"), "shape"),
}
_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    *(f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(columns)}, PRIMARY KEY ({key}))"
      for name, (columns, key) in _TABLES.items()),
    "CREATE INDEX IF NOT EXISTS search_digests ON renders (version, relpath, search_digest)",
    # this build's site files, the last build's live ones still as it left them: not kept
    "CREATE TEMP TABLE IF NOT EXISTS new_files (path TEXT PRIMARY KEY, digest TEXT NOT NULL, size INTEGER,"
    " mtime_ns INTEGER, inode INTEGER)",
    "CREATE TEMP TABLE IF NOT EXISTS trusted (path TEXT PRIMARY KEY, digest TEXT NOT NULL)",
    "CREATE TEMP TABLE IF NOT EXISTS current (version TEXT, relpath TEXT)",  # (RecordTable.keep_only)
]
_EXTRAS = "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'trigger')"  # (never written here)


class TableDamaged(Exception):
    """The file is there but cannot be used (the message says why, in one line)."""


class BuildDatabase:
    def __init__(self, folder: Path, token: str | None):
        """`token`: the one the cache names (its tables are this build's start), or None for
        empty tables (the old rows are only deleted when this build commits)."""
        self.path = folder / FILE_NAME
        self.batches: list[Batch] = []  # (written before the commit)
        try:
            self.db = self._open(empty=token is None)
        except sqlite3.Error as err:
            if token is not None or _busy(err):  # (a file another build is using is not removed)
                raise self.damaged(err) from None
            _remove(self.path)  # not a database: a new one
            self.db = self._open(empty=True)

    def _open(self, empty: bool) -> sqlite3.Connection:
        # (check_same_thread: the builder's helper thread uses it while the main thread does not)
        db = sqlite3.connect(self.path, timeout=LOCK_WAIT_SECONDS, isolation_level=None, check_same_thread=False)
        try:
            _distrust(db)
            db.execute("PRAGMA synchronous = OFF")  # (a damaged file is a damaged cache: a full build)
            db.execute("BEGIN")
            if empty:  # (what else the file holds goes too: token_of refuses views and triggers)
                for kind, name in db.execute(_EXTRAS).fetchall():
                    db.execute(f'DROP {kind.upper()} IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"')
                for name in _TABLES:
                    db.execute(f"DROP TABLE IF EXISTS {name}")
            for statement in _SCHEMA:
                db.execute(statement)
        except sqlite3.Error:
            db.close()
            raise
        return db

    @staticmethod
    def token_of(folder: Path) -> str | None:
        """The token of the tables the last build committed, or None when there are none.
        Raises TableDamaged when the file is not one this version reads."""
        path = folder / FILE_NAME
        if not path.is_file():
            return None
        try:
            db = sqlite3.connect(path, timeout=LOCK_WAIT_SECONDS)  # (read-write: a killed build's journal is rolled back)
            try:
                _distrust(db)
                extra = db.execute(_EXTRAS).fetchone()
                row = db.execute("SELECT value FROM meta WHERE name = 'token'").fetchone()
                for name, (columns, _key) in _TABLES.items():  # (the columns this version reads)
                    db.execute(f"SELECT {', '.join(c.split()[0] for c in columns)} FROM {name} LIMIT 1").fetchall()
                outside = next((row for row in db.execute("SELECT * FROM files") if not _file_row_ok(row)), None)
            finally:
                db.close()
        except sqlite3.Error as err:
            raise TableDamaged(f"its tables ({FILE_NAME}) cannot be read: {err}") from None
        if extra is not None:
            raise TableDamaged(f"its tables ({FILE_NAME}) hold a {extra[0]} ({extra[1]!r}) this version never writes")
        if outside is not None:
            raise TableDamaged(f"it names a site file outside the site, or of the wrong shape: {outside[0]!r}")
        return row[0] if row and type(row[0]) is str else None

    def damaged(self, err: sqlite3.Error) -> RenderError:
        if _busy(err):
            return RenderError(f"another build is using the build cache {self.path.parent} (its --cache-dir); "
                               "try again when it has finished")
        return RenderError(f"the build cache's tables {self.path} cannot be used ({err}): "
                           "build again with --no-cache")

    def rows(self, sql: str, parameters: Iterable = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, tuple(parameters)).fetchall()
        except sqlite3.Error as err:
            raise self.damaged(err) from None

    def each(self, sql: str, parameters: Iterable = ()) -> Iterator[tuple]:
        """The rows of a query a few hundred at a time (they need not fit in memory)."""
        try:
            cursor = self.db.execute(sql, tuple(parameters))
            while batch := cursor.fetchmany(512):
                yield from batch
        except sqlite3.Error as err:
            raise self.damaged(err) from None

    def many(self, sql: str, rows: Iterable[tuple]) -> None:
        try:
            self.db.executemany(sql, rows)
        except sqlite3.Error as err:
            raise self.damaged(err) from None

    def finish(self) -> str:
        """Commit this build's tables; the token the cache is to name."""
        token = secrets.token_hex(16)
        for batch in self.batches:
            batch.flush()
        try:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('token', ?)", (token,))
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
        except sqlite3.Error as err:
            raise OSError(f"cannot save the build's tables {self.path}: {err}") from None
        return token

    def close(self) -> None:
        """Roll back whatever `finish` did not commit."""
        self.db.close()

    def __enter__(self) -> BuildDatabase:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Batch:
    """Rows for one statement, run a few hundred at a time (executemany costs a third of a
    statement per row); `flush` runs what is left, and so does the commit (`finish`)."""

    def __init__(self, db: BuildDatabase, sql: str, size: int = 512):
        self.db, self.sql, self.size = db, sql, size
        self.rows: list[tuple] = []
        db.batches.append(self)

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.db.many(self.sql, self.rows)
            self.rows.clear()


def _file_row_ok(row: tuple) -> bool:
    """A row of `files`: a path inside the site (files are linked and unlinked at these), its
    digest, and its stat (whole numbers; none makes the file untrusted, so written again)."""
    path, digest, *stat = row
    return (type(path) is str and inside_site(path) and type(digest) is str
            and all(n is None or type(n) is int for n in stat))


def _busy(err: sqlite3.Error) -> bool:
    """Another connection holds the file's lock (past the wait sqlite3 allows)."""
    return isinstance(err, sqlite3.OperationalError) and "locked" in str(err)


def _distrust(db: sqlite3.Connection) -> None:
    """The file is read as untrusted input: no SQL functions run from its schema, and its
    pages are checked as they are read."""
    db.execute("PRAGMA trusted_schema = OFF")
    db.execute("PRAGMA cell_size_check = ON")


def _remove(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-journal")):
        try:
            file.unlink()
        except FileNotFoundError:
            pass
