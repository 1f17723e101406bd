"""The layout's page shells (site/shells.py) that later builds reuse: a row each in the
build database (build_db.py), not in the build process's memory (a few thousand of them on
a big site).

A shell is the page template rendered once for a shape of chrome (version, open sidebar
sections, ...) with placeholders for the page's own values. The workers make them and send
the new ones; the next incremental build gives them all to its layout. A row of another
shape is no shell: that shape is rendered again.
"""

from __future__ import annotations

import json

from renderer.build.build_db import Batch, BuildDatabase

Shell = list  # text and (value index, escaped) parts, as shells.parse_shell makes them


class ShellTable:
    def __init__(self, db: BuildDatabase):
        self.db = db
        self._new = Batch(db, "INSERT OR REPLACE INTO shells VALUES (?, ?)")

    def put(self, shells: dict[tuple, Shell]) -> None:
        """Keep these shells (a shape seen before gets its new shell)."""
        for shape, shell in shells.items():
            self._new.add((_dumps(shape), _dumps(shell)))

    def all(self) -> dict[tuple, Shell]:
        """Every shell the table holds (after `put`'s of this build, those the last build committed)."""
        self._new.flush()
        found: dict[tuple, Shell] = {}
        for shape, shell in self.db.each("SELECT shape, shell FROM shells"):
            try:
                shape_data, shell_data = json.loads(shape), json.loads(shell)
            except (TypeError, ValueError):
                continue
            if type(shape_data) is list and shell_ok(shell_data):
                found[_tuples(shape_data)] = [part if type(part) is str else tuple(part) for part in shell_data]
        return found


def shell_ok(shell: object) -> bool:
    """A shell as JSON gives it back: text, and [value index, escaped] for each placeholder."""
    return type(shell) is list and all(
        type(part) is str or (type(part) is list and len(part) == 2 and type(part[0]) is int and part[0] >= 0
                              and type(part[1]) is bool) for part in shell)


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), check_circular=False)


def _tuples(value):
    return tuple(_tuples(v) for v in value) if type(value) is list else value
