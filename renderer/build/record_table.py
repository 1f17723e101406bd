"""The render records (records.py) of a build, a row each in the build database (build_db.py).

The rows of the renders a build reuses stay, those it renders or lays out again are
replaced, those of renders that failed or are gone are deleted. A row is checked
(`record_problem`) when it is read, unless this build wrote it: one of another shape is no
record, so its render is made again. A render's links and ids, and the link check's
results, are columns of their own: the link check reads and writes them, not whole records.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator

from renderer.build.build_db import Batch, BuildDatabase
from renderer.build.records import (
    FACT_FIELDS,
    LINK_FIELDS,
    body_problem,
    facts_problem,
    link_results_problem,
    record_problem,
)

RenderKey = tuple[str, str]  # (relpath, version)
_APART = frozenset((*FACT_FIELDS, *LINK_FIELDS))  # (columns of their own)


class RecordTable:
    """(relpath, version) -> record, for the renders of the build in progress."""

    def __init__(self, db: BuildDatabase):
        self.db = db
        self._links = Batch(db, "UPDATE renders SET links = ? WHERE version = ? AND relpath = ?", size=128)  # (~2 KB a row)
        self.build_id = secrets.token_hex(16)  # marks the rows this build wrote (no other can forge it)

    # -- one render --

    def get(self, key: RenderKey) -> dict | None:
        rows = self._rows("SELECT record, facts, links, written_by FROM renders WHERE version = ? AND relpath = ?",
                          (key[1], key[0]))
        if not rows:
            return None
        text, facts, links, written_by = rows[0]
        try:
            record = json.loads(text)
            record.update(zip(FACT_FIELDS, json.loads(facts), strict=True))
            record.update(zip(LINK_FIELDS, json.loads(links), strict=True))
        except (ValueError, TypeError, AttributeError):
            return None
        if written_by == self.build_id:
            return record
        return None if record_problem(record) else record

    def body_of(self, key: RenderKey) -> dict | None:
        """A record's BODY_KEYS (what a build reuses of a render), without its links and ids;
        None when there is no such render or they have another shape."""
        rows = self.db.rows("SELECT record, written_by FROM renders WHERE version = ? AND relpath = ?",
                            (key[1], key[0]))
        if not rows:
            return None
        try:
            body = json.loads(rows[0][0])
        except ValueError:
            return None
        return body if rows[0][1] == self.build_id or not body_problem(body) else None

    def put(self, key: RenderKey, record: dict) -> None:
        ids_key = record["ids_digest"] if record["complete"] else "incomplete"
        body = {name: value for name, value in record.items() if name not in _APART}
        self._rows("INSERT OR REPLACE INTO renders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (key[1], key[0], bool(record.get("cacheable")), bool(record["warnings"]), ids_key,
                    record["search_digest"], _dumps(body), _dumps([record[name] for name in FACT_FIELDS]),
                    _dumps([record[name] for name in LINK_FIELDS]), self.build_id))

    def facts_of(self, key: RenderKey) -> dict | None:
        """A render's FACT_FIELDS, without reading the rest of its record; None when there is
        no such render or they have another shape."""
        return self._part(key, "facts", FACT_FIELDS, facts_problem)

    def links_of(self, key: RenderKey) -> dict | None:
        """The link check's results of a render (LINK_FIELDS), without reading its record;
        None when there is no such render, or no such results."""
        return self._part(key, "links", LINK_FIELDS, link_results_problem)

    def _part(self, key: RenderKey, column: str, fields: tuple[str, ...], problem) -> dict | None:
        # (only the links column has pending writes: other reads need not wait for them)
        read = self._rows if column == "links" else self.db.rows
        rows = read(f"SELECT {column} FROM renders WHERE version = ? AND relpath = ?", (key[1], key[0]))
        return _decoded(rows[0][0], fields, problem) if rows else None

    def all_links(self, chunk: int = 128) -> Iterator[tuple[RenderKey, dict | None]]:
        """(key, links_of(key)) of every render, a chunk of rows read at a time (the links of
        the rows read may be written meanwhile; the rows themselves must stay)."""
        after = ("", "")
        while True:
            rows = self._rows("SELECT version, relpath, links FROM renders WHERE (version, relpath) > (?, ?) "
                              "ORDER BY version, relpath LIMIT ?", (*after, chunk))
            for version, relpath, text in rows:
                yield (relpath, version), _decoded(text, LINK_FIELDS, link_results_problem)
            if len(rows) < chunk:
                return
            after = rows[-1][:2]

    def deps_of(self, key: RenderKey) -> dict[str, str]:
        """What a render used (its record's deps; {} when it has no record)."""
        record = self.get(key)
        return record["deps"] if record is not None else {}

    def put_links(self, key: RenderKey, results: dict) -> None:
        """Store the link check's results of a render (LINK_FIELDS of `results`), a few
        hundred renders at a time: every read of the table writes what is pending first."""
        self._links.add((_dumps([results[name] for name in LINK_FIELDS]), key[1], key[0]))

    def _rows(self, sql: str, parameters: Iterable = ()) -> list[tuple]:
        self._links.flush()
        return self.db.rows(sql, parameters)

    def _each(self, sql: str) -> Iterator[tuple]:
        self._links.flush()
        return self.db.each(sql)

    def delete(self, key: RenderKey) -> None:
        self._rows("DELETE FROM renders WHERE version = ? AND relpath = ?", (key[1], key[0]))

    def ids_key(self, key: RenderKey) -> str:
        """What an anchor into a render depends on: the digest of its ids, "incomplete" when
        they cannot be trusted, "-" when there is no such render."""
        rows = self.db.rows("SELECT ids_key FROM renders WHERE version = ? AND relpath = ?", (key[1], key[0]))
        return rows[0][0] if rows else "-"

    # -- all of them --

    def keys(self) -> Iterator[RenderKey]:
        """Every render's key, in the order sorted() gives the tuples."""
        yield from self._each("SELECT relpath, version FROM renders ORDER BY relpath, version")

    def search_digests(self, version: str) -> dict[str, str]:
        """relpath -> search digest of the renders of one version."""
        return dict(self._rows("SELECT relpath, search_digest FROM renders WHERE version = ?", (version,)))

    def rendered(self, version: str) -> set[str]:
        """The relpaths of the renders of one version."""
        return {relpath for relpath, in self._rows("SELECT relpath FROM renders WHERE version = ?", (version,))}

    def warned(self) -> Iterator[tuple[str, dict]]:
        """(version, record) of the renders with warnings, in key order."""
        for version, relpath in self._each("SELECT version, relpath FROM renders WHERE warned ORDER BY relpath, version"):
            record = self.get((relpath, version))
            if record is not None:
                yield version, record

    def keep_only(self, keys: Iterable[RenderKey]) -> None:
        """Delete the rows of every render but these (the pages or versions that went)."""
        self._rows("DELETE FROM current")
        self.db.many("INSERT INTO current VALUES (?, ?)", ((v, r) for r, v in keys))
        self._rows("DELETE FROM renders WHERE (version, relpath) NOT IN (SELECT version, relpath FROM current)")
        self._rows("DELETE FROM current")


def _decoded(text: str, fields: tuple[str, ...], problem) -> dict | None:
    """The JSON list `text` as a dict of `fields`; None when `problem` finds it of another shape."""
    try:
        part = dict(zip(fields, json.loads(text), strict=True))
    except (ValueError, TypeError):
        return None
    return None if problem(part) else part


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
