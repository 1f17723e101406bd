"""The render records (records.py) of a build, a row each in the build database (build_db.py).

The rows of the renders a build reuses stay, those it renders or lays out again are
replaced, those of renders that failed or are gone are deleted. A row is checked
(`record_problem`) each time it is read: one of another shape is no record, so its render
is made again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from renderer.build.build_db import BuildDatabase
from renderer.build.records import record_problem

RenderKey = tuple[str, str]  # (relpath, version)


class RecordTable:
    """(relpath, version) -> record, for the renders of the build in progress."""

    def __init__(self, db: BuildDatabase):
        self.db = db
        self._rows = db.rows

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
        yield from self.db.each("SELECT relpath, version FROM renders ORDER BY relpath, version")

    def search_digests(self, version: str) -> dict[str, str]:
        """relpath -> search digest of the renders of one version."""
        return dict(self._rows("SELECT relpath, search_digest FROM renders WHERE version = ?", (version,)))

    def rendered(self, version: str) -> set[str]:
        """The relpaths of the renders of one version."""
        return {relpath for relpath, in self._rows("SELECT relpath FROM renders WHERE version = ?", (version,))}

    def warned(self) -> Iterator[tuple[str, dict]]:
        """(version, record) of the renders with warnings, in key order."""
        for version, relpath in self.db.each("SELECT version, relpath FROM renders WHERE warned ORDER BY relpath, version"):
            record = self.get((relpath, version))
            if record is not None:
                yield version, record

    def keep_only(self, keys: Iterable[RenderKey]) -> None:
        """Delete the rows of every render but these (the pages or versions that went)."""
        self.db.rows("CREATE TEMP TABLE IF NOT EXISTS current (version TEXT, relpath TEXT)")
        self.db.rows("DELETE FROM current")
        self.db.many("INSERT INTO current VALUES (?, ?)", ((v, r) for r, v in keys))
        self.db.rows("DELETE FROM renders WHERE (version, relpath) NOT IN (SELECT version, relpath FROM current)")
        self.db.rows("DELETE FROM current")
