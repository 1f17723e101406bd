"""When each page last changed, from git history (when the docs root is a git checkout).

One `git log --name-only` over content/ gives every file's newest commit date at once
(a git process per page would cost seconds on a large tree). Outside a checkout, or
without git, there are no dates and pages show none.
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

GIT_TIMEOUT_SECONDS = 120


class GitHistory:
    """Last commit dates of the files under `<root>/content`, read once on first use."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._dates: dict[str, str] | None = None

    def last_updated(self, page_relpath: str) -> str:
        """ISO date (YYYY-MM-DD) of the newest commit that touched content/<page_relpath>; '' if none."""
        if self._dates is None:
            self._dates = self._read()
        return self._dates.get(page_relpath, "")

    def _read(self) -> dict[str, str]:
        command = ["git", "-C", str(self.root), "log", "--format=%x00%cI", "--name-only", "--no-renames",
                   "--relative", "--", "content"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=GIT_TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.SubprocessError):
            return {}
        if done.returncode != 0:
            return {}
        dates: dict[str, str] = {}
        current = ""
        for line in done.stdout.splitlines():
            if line.startswith("\x00"):
                current = line[1:11]
            elif line.startswith("content/") and current:
                dates.setdefault(line[len("content/"):], current)  # git log lists the newest commits first
        return dates


def readable_date(iso: str) -> str:
    """'2020-10-05' -> 'October 5, 2020'; '' for ''."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day:%B} {day.day}, {day.year}"
