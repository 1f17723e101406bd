"""Request targets and watched file names: what the server accepts and what it ignores."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

WATCHED_DIRS = ("content", "data", "reusables", "includes", "site")
IGNORED_DIRS = frozenset({"_site", ".render-cache", ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv",
                          ".idea", ".vscode"})


def request_segments(raw: str) -> list[str] | None:
    """Decoded path segments of a request target, or None for anything suspicious.

    Percent-decoding happens once; a '%' left after it (double encoding), '.'/'..'
    segments, dot-files, backslashes, NUL and other control characters are refused.
    """
    if raw.startswith("/"):
        path = raw.split("#", 1)[0].split("?", 1)[0]
    else:  # absolute-form request target
        path = urlsplit(raw).path
    if not path.startswith("/"):
        return None
    try:
        decoded = unquote(path, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return None
    if "%" in decoded or "\\" in decoded or any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
        return None
    parts = [p for p in decoded.split("/") if p]
    if any(p.startswith(".") for p in parts):
        return None
    return parts


def is_temp_file(name: str) -> bool:
    """Editor swap, backup and temporary files (vim, emacs, JetBrains, gedit, ...)."""
    return (
        name.startswith((".#", ".goutputstream", "~$"))
        or (name.startswith("#") and name.endswith("#"))
        or name.endswith(("~", ".swp", ".swo", ".swx", ".tmp", ".temp", ".bak", ".crdownload", "___jb_tmp___",
                          "___jb_old___"))
        or name in ("4913", ".DS_Store")
        or (name.startswith(".") and not name.endswith((".md", ".yml", ".yaml")))
    )


def static_file(folder: Path, parts: list[str]) -> Path | None:
    """The file `folder/<parts>`, or None when it is missing or a symlink takes it out of `folder`."""
    if not parts:
        return None
    base = os.path.realpath(folder)
    real = os.path.realpath(folder.joinpath(*parts))
    if not real.startswith(base + os.sep) or not os.path.isfile(real):
        return None
    return Path(real)


class SourcePaths:
    """Maps a changed file to its parts relative to the docs root (None: not a source)."""

    def __init__(self, root: Path, site_dir: Path, versions_file: Path | None):
        self.root = root
        self.site_dir = site_dir
        self.versions_file = versions_file

    def relative(self, path: str) -> tuple[str, ...] | None:
        """Files of the layout's site folder count as site/ even when it lies outside the root."""
        if self.versions_file and Path(path) == self.versions_file:
            return ("data", "versions.yml")
        real = Path(os.path.realpath(path))  # the watcher also reports files through symlinked folders
        try:
            parts = real.relative_to(self.root).parts
        except ValueError:
            try:
                parts = ("site", *real.relative_to(self.site_dir).parts)
            except ValueError:
                return None
        if not parts or parts[0] not in WATCHED_DIRS:
            return None
        if any(p in IGNORED_DIRS for p in parts) or is_temp_file(parts[-1]):
            return None
        return parts

    def is_versions_file(self, parts: tuple[str, ...]) -> bool:
        full = self.root.joinpath(*parts)
        return full == self.root / "data" / "versions.yml" or (self.versions_file is not None
                                                               and full == self.versions_file)

    def watched(self) -> list[str]:
        """The folders (and versions file) to watch."""
        found = [str(self.root / name) for name in WATCHED_DIRS if (self.root / name).is_dir()]
        site = self.site_dir  # the layout's templates and assets, wherever they live
        if site.is_dir() and not any(str(site) == p or str(site).startswith(p + os.sep) for p in found):
            found.append(str(site))
        versions = self.versions_file
        if versions and versions.is_file() and not any(str(versions).startswith(p + os.sep) for p in found):
            found.append(str(versions))
        return found
