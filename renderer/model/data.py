"""The data store behind `{% data %}`: variables (YAML under data/) and reusables (Markdown).

A dotted path names a file and then keys inside it: `variables.product.prodname_actions`
is key `prodname_actions` of `data/variables/product.yml`; `reusables.repositories.x` is
the file `reusables/repositories/x.md` (or `data/reusables/...` in older trees). Only
plain path segments are accepted, and every file must resolve inside its root, so no
path can read outside `data/` or `reusables/`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from renderer.errors import RenderError, limit_value, read_source
from renderer.limits import SITE_DATA_MAX_ENV, site_data_max
from renderer.model.safe_yaml import load_yaml

SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
DATA_REFERENCE = re.compile(r"\{%-?\s*data\s+([\w.-]+)\s*-?%\}")
CONTEXT_MARKERS = re.compile(
    r"\{\{|\bpage\b|\{%-?\s*(?:for|assign|capture|include|link\w*|topic_link\w*|homepage_link\w*"
    r"|indented_data_reference|increment|decrement|cycle)\b"
)


@dataclass(frozen=True)
class DataItem:
    """The text of one `{% data %}` reference and the file it came from."""

    path: str  # dotted path as written
    kind: str  # "reusable" or "variable"
    file: str  # file shown in errors, relative to the docs root
    text: str  # Liquid + Markdown source of the value
    file_text: str  # whole file text, for locating errors
    offset: int  # index of `text` in `file_text` (best effort for YAML values)


class DataStore:
    def __init__(self, root: Path):
        self.root = root
        self.data_dir = root / "data"
        own = root / "reusables"
        self.reusables_dir = own if own.is_dir() else self.data_dir / "reusables"
        self._items: dict[str, DataItem | None] = {}
        # (dotted path, version) -> (rendered text, data paths it used), for context-free items
        self.rendered: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}
        self._context_free: dict[str, bool] = {}
        self._listings: dict[Path, tuple[set[str], set[str]]] = {}
        self._yaml: dict[Path, tuple[object, str]] = {}
        self._weights: dict[tuple[str, int], int] = {}  # (dotted, limit) -> weight of a site.data value
        self._real_roots: dict[Path, str] = {}  # data/ and reusables/ with symlinks resolved, once

    def invalidate(self) -> None:
        self._items.clear()
        self._yaml.clear()
        self._weights.clear()
        self.rendered.clear()
        self._context_free.clear()
        self._listings.clear()
        self._real_roots.clear()

    def is_context_free(self, dotted: str) -> bool:
        """Does this item render the same for every page of a version?

        True when its Liquid uses only version conditions and `{% data %}` references
        that are context-free themselves: no output statements, page fields, loops,
        assignments, includes or link tags (whose warnings name the linking page).
        """
        if dotted not in self._context_free:
            self._context_free[dotted] = False  # a cycle is not context-free
            item = self.lookup(dotted)
            self._context_free[dotted] = item is not None and not CONTEXT_MARKERS.search(item.text) and all(
                self.is_context_free(ref) for ref in DATA_REFERENCE.findall(item.text)
            )
        return self._context_free[dotted]

    def lookup(self, dotted: str) -> DataItem | None:
        """The item for a dotted path, or None when nothing is there."""
        if dotted not in self._items:
            try:
                self._items[dotted] = self.load_item(dotted)
            except OSError:  # e.g. a name too long for the file system: nothing is there
                self._items[dotted] = None
        return self._items[dotted]

    @staticmethod
    def validate_path(dotted: str) -> str | None:
        """An error message when `dotted` is not a well-formed data path."""
        segments = dotted.split(".")
        if len(segments) < 2 or not all(SEGMENT.match(s) for s in segments):
            return f"invalid data path {dotted!r}: expected dotted names like variables.product.name"
        return None

    def load_item(self, dotted: str) -> DataItem | None:
        """The item for a dotted path read from its file (uncached: `lookup` keeps it)."""
        if self.validate_path(dotted):
            return None
        segments = dotted.split(".")
        if segments[0] == "reusables":
            base, rest = self.reusables_dir, segments[1:]
        else:
            base, rest = self.data_dir, segments
        return self._walk(dotted, base, base, rest)

    def _entries(self, base: Path) -> tuple[set[str], set[str]]:
        """Folders and files under `base` (relative, '/'-separated), listed once."""
        if base not in self._listings:
            dirs: set[str] = set()
            files: set[str] = set()
            for dirpath, dirnames, filenames in os.walk(base):
                rel = os.path.relpath(dirpath, base).replace(os.sep, "/")
                prefix = "" if rel == "." else rel + "/"
                dirs.update(prefix + name for name in dirnames)
                files.update(prefix + name for name in filenames)
            self._listings[base] = (dirs, files)
        return self._listings[base]

    def _walk(self, dotted: str, base: Path, current: Path, rest: list[str]) -> DataItem | None:
        dirs, files = self._entries(base)
        rel = ""
        for i, segment in enumerate(rest):
            candidate = f"{rel}/{segment}" if rel else segment
            if candidate in dirs:
                rel = candidate
                continue
            if f"{candidate}.md" in files and i == len(rest) - 1:
                md = base / f"{candidate}.md"
                if self._inside(md, base):
                    text = read_source(md, self._display(md))
                    return DataItem(dotted, "reusable", self._display(md), text.rstrip(), text, 0)
            if f"{candidate}.yml" in files:
                yml = base / f"{candidate}.yml"
                if self._inside(yml, base):
                    return self._yaml_item(dotted, yml, rest[i + 1 :])
            return None
        return None

    def structure(self, dotted: str) -> object | None:
        """A YAML list or mapping at a dotted path (for `site.data` loops), else None.

        A RenderError naming the data file when the value is larger than the site.data
        limit: a template printing it would build that much text in one go.
        """
        try:
            found = self._structure(dotted)
        except OSError:
            return None
        if found is not None:
            value, file = found
            limit = limit_value(site_data_max)
            weight = self._weights.get((dotted, limit))
            if weight is None:
                weight = self._weights[(dotted, limit)] = _weight(value, limit)
            if weight > limit:
                raise RenderError(f"site.data.{dotted} is too large for a template (more than {limit:,} elements "
                                  f"and characters; set {SITE_DATA_MAX_ENV} to change it)",
                                  file=self._display(file), line=1, column=1)
            return value
        return None

    def _structure(self, dotted: str) -> tuple[object, Path] | None:
        segments = dotted.split(".")
        current = self.data_dir
        for i, segment in enumerate(segments):
            if not SEGMENT.match(segment):
                return None
            if (current / segment).is_dir():
                current = current / segment
                continue
            yml = current / f"{segment}.yml"
            if not yml.is_file() or not self._inside(yml, self.data_dir):
                return None
            value, _ = self._load_yaml(yml)
            for key in segments[i + 1 :]:
                if not isinstance(value, dict) or key not in value:
                    return None
                value = value[key]
            return (value, yml) if isinstance(value, (dict, list)) else None
        return None

    def _yaml_item(self, dotted: str, file: Path, keys: list[str]) -> DataItem | None:
        value, text = self._load_yaml(file)
        for key in keys:
            if isinstance(value, list) and key.isdigit() and int(key) < len(value):
                value = value[int(key)]  # `glossaries.external[3].term` arrives as `...external.3.term`
                continue
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        if isinstance(value, (dict, list)) or value is None:
            return None
        value = str(value) if not isinstance(value, bool) else str(value).lower()
        offset = _key_offset(text, keys[-1]) if keys else 0
        return DataItem(dotted, "variable", self._display(file), value, text, offset)

    def _load_yaml(self, file: Path) -> tuple[object, str]:
        if file not in self._yaml:
            display = self._display(file)
            text = read_source(file, display)
            self._yaml[file] = (load_yaml(text, display), text)
        return self._yaml[file]

    def _inside(self, file: Path, base: Path) -> bool:
        """Refuse files that a symlink points outside their root."""
        if base not in self._real_roots:
            self._real_roots[base] = os.path.realpath(base)
        return os.path.realpath(file).startswith(self._real_roots[base] + os.sep)

    def _display(self, file: Path) -> str:
        try:
            return str(file.relative_to(self.root))
        except ValueError:
            return str(file)

    def all_reusables(self) -> list[str]:
        """Dotted paths of every reusable file, for checks of unused ones."""
        found = []
        for path in sorted(self.reusables_dir.rglob("*.md")):
            rel = path.relative_to(self.reusables_dir).with_suffix("")
            found.append("reusables." + ".".join(rel.parts))
        return found

    def all_variables(self) -> list[str]:
        """Dotted paths of every string variable under data/variables."""
        found: list[str] = []
        variables = self.data_dir / "variables"
        for file in sorted(variables.rglob("*.yml")) if variables.is_dir() else []:
            rel = file.relative_to(self.data_dir).with_suffix("")
            value, _ = self._load_yaml(file)
            _collect_keys(".".join(rel.parts), value, found)
        return found


def _weight(value: object, limit: int) -> int:
    """Elements plus characters of a YAML value, each shared (aliased) part counted per
    use, as printing it would; stops counting past `limit`."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        total += 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            total += len(item)
    return total


def _collect_keys(prefix: str, value: object, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _collect_keys(f"{prefix}.{key}", child, out)
    elif isinstance(value, str):
        out.append(prefix)


def _key_offset(text: str, key: str) -> int:
    """Best-effort index of a key's value in YAML text (for error locations)."""
    m = re.search(rf"^\s*{re.escape(key)}\s*:\s*['\"]?", text, re.M)
    return m.end() if m else 0
