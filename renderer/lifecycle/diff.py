"""`render diff`: what changes between two versions, or since a git ref.

- Two versions of one tree (`--from A --to B`): pages only in one of them, and for pages
  in both, the article text (title, intro, body) compared section by section.
- The tree against a git ref (`--base REF`): every (page, version) whose render changes.
  Only renders that can be affected are rendered: a page's static dependency set (deps.py,
  a superset of what any of its renders reads) must meet the changed files, or the
  versions file or a feature file changed (then every render is compared, which the
  result says). A render counts as changed when its title, intro or HTML differ at all.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass, field
from pathlib import Path

from renderer.errors import RenderError
from renderer.lifecycle.deps import DependencyIndex, affected
from renderer.lifecycle.gitbase import GitBase, temporary_folder
from renderer.lifecycle.htmltext import Section, article_sections, html_text
from renderer.model.pages import Page
from renderer.model.tree import DocsTree
from renderer.pipeline import RenderedPage, render_page


@dataclass
class SectionChange:
    heading: str
    status: str  # "added", "removed", "changed"
    lines: list[str]  # a unified diff for "changed", the section's lines otherwise


@dataclass
class RenderChange:
    path: str  # relative to content/
    version: str  # the version (base mode) or "A -> B" (versions mode)
    status: str  # "added", "removed", "changed", "error"
    title: str = ""
    sections: list[SectionChange] = field(default_factory=list)
    message: str = ""  # for "error": why one side did not render


@dataclass
class DiffResult:
    mode: str  # "versions" or "base"
    old: str
    new: str
    changes: list[RenderChange] = field(default_factory=list)
    renders: int = 0  # renders done
    total: int = 0  # renders that exist on either side
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for c in self.changes if c.status == status)

    def summary(self) -> str:
        parts = ", ".join(f"{self.count(s)} {s}" for s in ("added", "removed", "changed", "error"))
        unit = "pages" if self.mode == "versions" else "renders"
        return (f"render diff {self.old} -> {self.new}: {parts} {unit}; rendered {self.renders} of {self.total} renders, "
                f"{self.seconds:.1f}s")


def compare_sections(old: list[Section], new: list[Section]) -> list[SectionChange]:
    """Sections matched by heading (in order): added, removed, and changed with a diff."""
    keys_old = [s.heading for s in old]
    keys_new = [s.heading for s in new]
    found: list[SectionChange] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=keys_old, b=keys_new, autojunk=False).get_opcodes():
        if tag == "equal":
            for before, after in zip(old[i1:i2], new[j1:j2], strict=False):
                if before.lines != after.lines:
                    found.append(SectionChange(after.heading, "changed", line_diff(before.lines, after.lines)))
            continue
        found.extend(SectionChange(s.heading, "removed", list(s.lines)) for s in old[i1:i2])
        found.extend(SectionChange(s.heading, "added", list(s.lines)) for s in new[j1:j2])
    return found


def line_diff(before, after) -> list[str]:
    return [line for line in difflib.unified_diff(list(before), list(after), n=1, lineterm="")
            if not line.startswith(("---", "+++"))]


def sections_of(rendered: RenderedPage) -> list[Section]:
    return article_sections(rendered.title, rendered.intro, rendered.html)


# --- two versions -----------------------------------------------------------------------


def diff_versions(tree: DocsTree, old: str, new: str) -> DiffResult:
    """Pages added, removed and changed (by article text) from version `old` to version `new`."""
    started = time.perf_counter()
    tree.model.get(old)
    tree.model.get(new)
    result = DiffResult("versions", old, new)
    for page in tree.all_pages(errors=[]):
        in_old, in_new = old in page.versions, new in page.versions
        if not (in_old or in_new):
            continue
        result.total += in_old + in_new
        if in_old != in_new:
            result.changes.append(RenderChange(page.relpath, f"{old} -> {new}", "added" if in_new else "removed",
                                               page.title))
            continue
        change = compare_renders(tree, page, old, tree, page, new, result)
        if change is not None:
            change.version = f"{old} -> {new}"
            result.changes.append(change)
    result.seconds = time.perf_counter() - started
    return result


def compare_renders(old_tree: DocsTree, old_page: Page, old_version: str, new_tree: DocsTree, new_page: Page,
                    new_version: str, result: DiffResult, *, exact: bool = False) -> RenderChange | None:
    """The change between two renders, or None. `exact`: any difference in the HTML counts."""
    sides: list[RenderedPage | RenderError] = []
    for tree, page, version in ((old_tree, old_page, old_version), (new_tree, new_page, new_version)):
        result.renders += 1
        try:
            sides.append(render_page(tree, page, version))
        except RenderError as err:
            sides.append(err)
    before, after = sides
    if isinstance(after, RenderError):
        if isinstance(before, RenderError) and before.message == after.message:
            return None
        return RenderChange(new_page.relpath, new_version, "error", new_page.title, [], f"new: {after.headline()}")
    if isinstance(before, RenderError):
        return RenderChange(new_page.relpath, new_version, "error", new_page.title, [], f"old: {before.headline()}")
    same_record = before.export_record() | {"version": ""} == after.export_record() | {"version": ""}
    sections = compare_sections(sections_of(before), sections_of(after))
    if exact and not same_record and not sections:  # only markup changed: show the HTML lines
        sections = [SectionChange("(html)", "changed", line_diff(before.html.splitlines(), after.html.splitlines()))]
    if (exact and same_record) or (not exact and not sections):
        return None
    return RenderChange(new_page.relpath, new_version, "changed", after.title, sections)


# --- against a git ref ------------------------------------------------------------------


def diff_base(root: Path, ref: str, *, versions_file: str | None = None, lenient: bool = False) -> DiffResult:
    """Every (page, version) render that differs between `ref` and the working tree."""
    started = time.perf_counter()
    git = GitBase(root, ref)
    changed = git.changed_files()
    head = DocsTree(root, versions_file, lenient=lenient)
    with temporary_folder() as folder:
        base_root = git.extract(Path(folder))
        if not (base_root / "content").is_dir():
            raise RenderError(f"{ref} has no content/ folder under {git.prefix or 'the repository root'}")
        base = DocsTree(base_root, versions_file, lenient=lenient)
        result = DiffResult("base", f"{ref} ({git.commit[:12]})", "working tree")
        compare_trees(base, head, changed, result)
    result.seconds = time.perf_counter() - started
    return result


def global_change(tree: DocsTree, changed: set[str]) -> str | None:
    """A changed file every render depends on (the versions file, a feature file), if any."""
    versions = tree.display(tree.versions_file) if tree.versions_file else "data/versions.yml"
    return next((path for path in sorted(changed) if path == versions or path.startswith("data/features/")), None)


def compare_trees(base: DocsTree, head: DocsTree, changed: set[str], result: DiffResult) -> None:
    """Render and compare the renders a changed file can affect.

    The working tree's dependency sets are enough: a path from a page to a changed file
    runs through unchanged files, which read the same in both trees, so the base tree's
    path to it exists here too. (A page whose own file changed is affected either way.)
    """
    everything = global_change(head, changed)
    if everything:
        result.notes.append(f"{everything} changed: every render of both trees was compared")
    new_pages = {p.relpath: p for p in head.all_pages(errors=[])}
    gone = {path[len("content/"):] for path in changed if path.startswith("content/") and path.endswith(".md")}
    relpaths = sorted(new_pages.keys() | {r for r in gone if r not in new_pages})
    index = DependencyIndex(head)
    for relpath in relpaths:
        new_page = new_pages.get(relpath)
        if everything or new_page is None or affected(index.page_deps(new_page), changed):
            old_page = _page_or_none(base, relpath)
            versions = [v for v in head.model.ids if new_page and v in new_page.versions]
            versions += [v for v in base.model.ids if old_page and v in old_page.versions and v not in versions]
            result.total += len(versions)
            for version in versions:
                change = compare_one(base, old_page, head, new_page, version, result)
                if change is not None:
                    result.changes.append(change)
        else:
            result.total += len(new_page.versions)
    result.notes.append(f"{len(changed)} changed files; {result.renders} renders done (two per compared render)")


def _page_or_none(tree: DocsTree, relpath: str) -> Page | None:
    try:
        return tree.page(relpath)
    except RenderError:
        return None


def compare_one(base: DocsTree, old_page: Page | None, head: DocsTree, new_page: Page | None, version: str,
                result: DiffResult) -> RenderChange | None:
    """The change of one render; `version` is one of either page's versions."""
    in_old = old_page is not None and version in old_page.versions
    in_new = new_page is not None and version in new_page.versions
    if in_old and in_new and old_page is not None and new_page is not None:
        return compare_renders(base, old_page, version, head, new_page, version, result, exact=True)
    page, tree = (new_page, head) if in_new else (old_page, base)
    assert page is not None  # the page of the side that has `version`
    result.renders += 1
    try:
        text = html_text(render_page(tree, page, version).html)
    except RenderError as err:
        return RenderChange(page.relpath, version, "error", page.title, [], err.headline())
    return RenderChange(page.relpath, version, "added" if in_new else "removed", page.title,
                        [SectionChange("(page)", "added" if in_new else "removed", text)])
