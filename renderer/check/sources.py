"""Every Liquid source of a docs tree, located in its file: page bodies, Liquid in
frontmatter fields, every reusable (used or not), every variable value holding Liquid."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from renderer.check.findings import Findings
from renderer.errors import RenderError, line_and_column, read_source
from renderer.model.pages import Page
from renderer.model.tree import DocsTree
from renderer.problems import Problem

LIQUID_FIELDS = ("title", "shortTitle", "intro", "product", "permissions")
YAML_STR = "tag:yaml.org,2002:str"
BLOCK_INDENT = re.compile(r"[ \t]*")


@dataclass(frozen=True)
class Source:
    """A Liquid source to check: where it is, and which versions it is rendered in."""

    file: str
    file_text: str
    offset: int  # index of `text` in `file_text`
    text: str
    versions: tuple[str, ...]
    what: str  # "page", "frontmatter", "reusable", "variable"
    # A YAML literal block (`key: |`): each line of `text` is a line of the file, indented by this much.
    block_indent: int | None = None

    @property
    def on_page(self) -> bool:
        """Page sources show the page's versions; data sources are everyone's."""
        return self.what in ("page", "frontmatter")


def page_sources(page: Page) -> Iterator[Source]:
    versions = tuple(page.versions)
    yield Source(page.file, page.text, page.body_offset, page.body, versions, "page")
    for key in LIQUID_FIELDS:
        value = page.frontmatter.get(key)
        if isinstance(value, str) and "{" in value:
            yield Source(page.file, page.text, page.value_offset(key), value, versions, "frontmatter")


def reusable_sources(tree: DocsTree, findings: Findings) -> Iterator[Source]:
    everything = tuple(tree.model.ids)
    for dotted in tree.data.all_reusables():
        if dotted.rsplit(".", 1)[-1].lower() == "readme":
            continue  # a folder's notes for writers, not a reusable
        try:
            item = tree.data.lookup(dotted)
        except RenderError as err:
            findings.add_error(err, "yaml")
            continue
        if item is None:  # a symlink out of the reusables folder, or an unreadable name
            file = f"{tree.display(tree.data.reusables_dir)}/{dotted.split('.', 1)[1].replace('.', '/')}.md"
            findings.add(Problem("data", "error", f"reusable {dotted!r} cannot be read: it resolves outside the "
                                 "reusables folder or its name is not a valid data path", file))
            continue
        if "{" in item.text:
            yield Source(item.file, item.file_text, item.offset, item.text, everything, "reusable")


def variable_sources(tree: DocsTree, findings: Findings) -> Iterator[Source]:
    """String values holding Liquid in data/variables/**.yml, each file parsed once.

    Values are located from the YAML node positions in the same pass (searching the file
    for every key made a 40,000-key file take minutes).
    """
    folder = tree.data.data_dir / "variables"
    if not folder.is_dir():
        return
    everything = tuple(tree.model.ids)
    for file in sorted(folder.rglob("*.yml")):
        display = tree.display(file)
        try:
            text = read_source(file, display)
            root = _compose(text, display)
        except RenderError as err:
            findings.add_error(err, "yaml")
            continue
        for node in _string_values(root):
            if "{" in node.value:
                offset = _value_offset(text, node)
                indent = offset - (text.rfind("\n", 0, offset) + 1) if node.style == "|" else None
                yield Source(display, text, offset, node.value, everything, "variable", indent)


def _compose(text: str, display: str) -> yaml.Node | None:
    """The YAML node tree (aliases stay shared nodes, so an alias bomb costs only its text)."""
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:  # the same message the data store gives a lookup into this file
        mark = getattr(exc, "problem_mark", None)
        raise RenderError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=display,
                          line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None) from None


def _string_values(root: yaml.Node | None) -> Iterator[yaml.ScalarNode]:
    """String scalars under nested mappings, in file order, each node once."""
    seen: set[int] = set()
    stack = [root] if isinstance(root, yaml.MappingNode) else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children = [value for key, value in node.value if key.tag != "tag:yaml.org,2002:merge"]
        for child in children:
            if isinstance(child, yaml.ScalarNode) and child.tag == YAML_STR:
                yield child
        stack.extend(reversed([c for c in children if isinstance(c, yaml.MappingNode)]))


def _value_offset(text: str, node: yaml.ScalarNode) -> int:
    """Where a scalar's value starts in the file: exact when it is written verbatim."""
    start, end = node.start_mark.index, node.end_mark.index
    exact = text.find(node.value, start, end)
    if exact >= 0:
        return exact
    if node.style in ("'", '"'):
        return start + 1
    if node.style in ("|", ">"):  # the first content line, after its indentation
        first_line = text.find("\n", start, end) + 1
        indent = BLOCK_INDENT.match(text, first_line) if first_line else None
        return indent.end() if indent else start
    return start


def report_at(findings: Findings, source: Source, index: int, message: str, kind: str, *,
              severity: str = "error", versions: tuple[str, ...] | None = None) -> None:
    """A problem at `index` of a source's template text (a page's show its versions)."""
    if versions is None:
        versions = source.versions if source.on_page else ()
    index = max(index, 0)
    if source.block_indent is None or "\n" not in source.text[:index]:
        findings.add_at(source.file, source.file_text, source.offset + index, message, kind,
                        severity=severity, versions=versions)
        return
    first_line, _ = line_and_column(source.file_text, source.offset)
    line, column = line_and_column(source.text, index)
    findings.add(Problem(kind, severity, message, source.file, first_line + line - 1, source.block_indent + column,
                         tuple(versions)))
