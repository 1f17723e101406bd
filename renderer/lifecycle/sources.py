"""The Liquid sources of a docs tree as editable spans of files, and a set of file changes.

Pages (body and Liquid frontmatter fields), reusables, variables and includes each give
one `LiquidSource`: its template text, where that text sits in its file, and the versions
it renders in. A source is editable when its template text appears verbatim in the file
(a YAML value with escapes does not); an edit of a YAML value is kept only when the
edited file still loads to exactly the intended value.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from renderer.errors import RenderError, read_source
from renderer.lifecycle.edits import Edit, apply_edits, shift, unified_diff
from renderer.model.pages import FRONTMATTER, Page
from renderer.model.tree import DocsTree

FIELDS_WITH_LIQUID = ("title", "shortTitle", "intro", "product", "permissions")


@dataclass
class LiquidSource:
    path: Path  # the file on disk
    file: str  # as shown in messages (relative to the docs root)
    file_text: str
    offset: int  # where `text` starts in `file_text` (meaningful when `editable`)
    text: str  # the template
    scope: tuple[str, ...]  # versions it renders in: a page's versions, every version for data
    kind: str  # "page", "frontmatter", "reusable", "variable", "include"
    editable: bool = True
    yaml_keys: tuple[str, ...] = ()  # for frontmatter and variables: where the value lives
    page: Page | None = None
    quoted: bool = False  # a single-quoted YAML value: each ' of the text is '' in the file

    def file_edits(self, template_edits: list[Edit]) -> list[Edit]:
        """Template edits in the coordinates (and quoting) of the file."""
        if not self.quoted:
            return shift(template_edits, self.offset)
        def at(index: int) -> int:
            return self.offset + index + self.text.count("'", 0, index)
        return [Edit(at(e.start), at(e.end), e.text.replace("'", "''")) for e in template_edits]


def liquid_sources(tree: DocsTree, errors: list[RenderError] | None = None) -> Iterator[LiquidSource]:
    """Every Liquid source of the tree that holds a tag (`{%`)."""
    for page in tree.all_pages(errors if errors is not None else []):
        yield from _page_sources(tree, page)
    everything = tuple(tree.model.ids)
    data = tree.data
    for dotted in data.all_reusables():
        item = data.lookup(dotted)
        if item is not None and "{%" in item.text:
            yield LiquidSource(data.root / item.file, item.file, item.file_text, item.offset, item.text, everything,
                               "reusable", item.file_text.startswith(item.text, item.offset))
    for dotted in data.all_variables():
        item = data.lookup(dotted)
        if item is None or "{%" not in item.text:
            continue
        offset = _verbatim_offset(item.file_text, item.text, item.offset)
        keys = tuple(dotted.split(".")[len(Path(item.file).relative_to("data").with_suffix("").parts):])
        source = LiquidSource(data.root / item.file, item.file, item.file_text, max(offset, 0), item.text, everything,
                              "variable", offset >= 0, keys)
        yield source if offset >= 0 else _single_quoted(source, item.offset)
    includes = tree.root / "includes"
    for file in sorted(includes.rglob("*")) if includes.is_dir() else []:
        if file.is_file() and not file.is_symlink():
            text = read_source(file, tree.display(file))
            if "{%" in text:
                yield LiquidSource(file, tree.display(file), text, 0, text, everything, "include")


def _page_sources(tree: DocsTree, page: Page) -> Iterator[LiquidSource]:
    path = tree.content_dir / page.relpath
    scope = tuple(page.versions)
    if "{%" in page.body:
        yield LiquidSource(path, page.file, page.text, page.body_offset, page.body, scope, "page", page=page)
    for key in FIELDS_WITH_LIQUID:
        value = page.frontmatter.get(key)
        if isinstance(value, str) and "{%" in value:
            offset = page.value_offset(key)
            source = LiquidSource(path, page.file, page.text, offset, value, scope, "frontmatter",
                                  page.text.startswith(value, offset), (key,), page)
            yield source if source.editable else _single_quoted(source, offset)


def _single_quoted(source: LiquidSource, offset: int) -> LiquidSource:
    """The source as a single-quoted YAML value starting at `offset`, if that is what the file holds."""
    escaped = source.text.replace("'", "''")
    if offset > 0 and source.file_text[offset - 1] == "'" and source.file_text.startswith(escaped + "'", offset):
        source.offset, source.editable, source.quoted = offset, True, True
    return source


def _verbatim_offset(file_text: str, text: str, guess: int) -> int:
    """Where `text` appears verbatim in the file: at the guess, or its only occurrence; else -1."""
    if file_text.startswith(text, guess):
        return guess
    first = file_text.find(text)
    return first if first >= 0 and file_text.find(text, first + 1) < 0 else -1


def yaml_value_matches(source: LiquidSource, new_file_text: str, new_value: str) -> bool:
    """Does the edited file still load, with the source's value now exactly `new_value`?"""
    try:
        if source.kind == "frontmatter":
            match = FRONTMATTER.match(new_file_text)
            value = yaml.load(match.group(1), Loader=yaml.CSafeLoader) if match else None
        else:
            value = yaml.load(new_file_text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return False
    for key in source.yaml_keys:
        if not isinstance(value, dict) or key not in value:
            return False
        value = value[key]
    return value == new_value


@dataclass
class FileChange:
    path: Path
    file: str
    before: str
    edits: list[Edit] = field(default_factory=list)
    removed: bool = False

    @property
    def after(self) -> str:
        return "" if self.removed else apply_edits(self.before, self.edits)


class Changeset:
    """Edits to the files of a docs tree, collected, then shown as a diff or written."""

    def __init__(self, root: Path):
        self.root = root
        self.files: dict[Path, FileChange] = {}

    def change(self, path: Path, file: str, text: str) -> FileChange:
        if path not in self.files:
            self.files[path] = FileChange(path, file, text)
        return self.files[path]

    def edit_source(self, source: LiquidSource, template_edits: list[Edit]) -> bool:
        """Add edits of a source's template; False (nothing added) when they cannot be applied exactly."""
        if not template_edits:
            return True
        if not source.editable:
            return False
        file_edits = source.file_edits(template_edits)
        if source.kind in ("frontmatter", "variable"):
            new_value = apply_edits(source.text, template_edits)
            if not yaml_value_matches(source, apply_edits(source.file_text, file_edits), new_value):
                return False
        self.change(source.path, source.file, source.file_text).edits.extend(file_edits)
        return True

    def edit_file(self, path: Path, file: str, text: str, edits: list[Edit]) -> None:
        self.change(path, file, text).edits.extend(edits)

    def remove_file(self, path: Path, file: str, text: str) -> None:
        self.change(path, file, text).removed = True

    def changed(self) -> list[FileChange]:
        return [c for _, c in sorted(self.files.items()) if c.removed or c.after != c.before]

    def diff(self) -> str:
        """Every change as one unified diff (removed files diff against nothing)."""
        return "".join(unified_diff(c.file, c.before, c.after) for c in self.changed())

    def write(self) -> list[str]:
        """Apply the changes on disk (each file replaced atomically); the files changed."""
        written = []
        for change in self.changed():
            if change.removed:
                change.path.unlink()
            else:
                _write_atomic(change.path, change.after)
            written.append(change.file)
        return written


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
