"""What a batch of file changes affects: which cached renders to drop, what to reload.

`plan_changes` reads the changes (forgetting changed pages in the tree as it goes, to
compare old and new frontmatter) and returns a Plan; `Plan.affects` then decides for
each cached render whether it must go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from renderer.errors import RenderError
from renderer.model.pages import path_from_relpath
from renderer.model.tree import DocsTree
from renderer.serve.paths import SourcePaths

# Added (1), modified (2), deleted (3): the values of watchfiles.Change.
ADDED, MODIFIED, DELETED = 1, 2, 3


@dataclass
class Plan:
    drop_all: bool = False  # the layout (navigation, titles, templates) may have changed
    rebuild_tree: bool = False  # the versions file changed
    new_layout: bool = False  # site/ changed
    structural: bool = False  # pages appeared or went: links, routes and lookups change
    pages: set[str] = field(default_factory=set)  # content relpaths (files or folders) changed
    index_dirs: set[str] = field(default_factory=set)  # folders whose index.md changed
    data_prefixes: set[str] = field(default_factory=set)  # dotted data paths changed
    includes: set[str] = field(default_factory=set)
    tree: DocsTree | None = None

    @property
    def touches_sources(self) -> bool:
        return bool(self.drop_all or self.pages or self.data_prefixes or self.includes)

    @cached_property
    def changed_urls(self) -> list[str]:
        """URL paths (without language and version) of the changed pages and folders (read once planned)."""
        paths = {path_from_relpath(p) if p.endswith(".md") else p for p in self.pages}
        return [f"/{path}" for path in paths if path]

    def affects(self, key: tuple[str, str], deps: frozenset[str], hrefs: tuple[str, ...] = (), *, volatile: bool,
                link_problem: bool) -> bool:
        """Must the cached render `key` ((relpath, version)) be dropped?

        `hrefs` are the render's internal links: a page linking to a changed page is checked
        again (its anchors may be gone); `link_problem`: it has broken links, which a new page
        may fix.
        """
        if self.drop_all or volatile:
            return True
        relpath = key[0]
        if relpath in self.pages or any(relpath.startswith(p + "/") for p in self.pages):
            return True
        if self.structural and link_problem:
            return True
        if hrefs and any(url in href for url in self.changed_urls for href in hrefs):
            return True
        if self.index_dirs and str(PurePosixPath(relpath).parent) in self.index_dirs:
            return True  # a map topic lists what its category index links
        for dep in deps:
            if dep in self.pages or dep in self.includes:
                return True
            if any(dep == prefix or dep.startswith(prefix + ".") for prefix in self.data_prefixes):
                return True
        if self.data_prefixes:  # `site.data.x` lookups are not recorded as dependencies
            page = self.tree.loaded_page(relpath) if self.tree else None
            if page is None or "site.data" in page.text:
                return True
        return False


def plan_changes(tree: DocsTree, sources: SourcePaths, changes: list[tuple[int, tuple[str, ...]]]) -> Plan:
    """Read (change, parts relative to the docs root) pairs into a Plan."""
    plan = Plan(tree=tree)
    for change, parts in changes:
        top = parts[0]
        if sources.is_versions_file(parts):
            plan.rebuild_tree = True
        elif top == "content":
            _content_change(plan, tree, change, parts, sources.root.joinpath(*parts))
        elif top in ("data", "reusables"):
            prefix = data_prefix(tree, sources.root, parts)
            if prefix is None:
                plan.drop_all = True  # a data file the layout or `site.data` may read
            else:
                plan.data_prefixes.add(prefix)
        elif top == "includes":
            name = parts[-1]
            plan.includes.update({f"includes/{name}", f"includes/{name.removesuffix('.html')}"})
        elif top == "site":
            plan.new_layout = plan.drop_all = True
    if plan.data_prefixes and not plan.drop_all and titles_use(tree, plan.data_prefixes):
        plan.drop_all = True
    return plan


def _content_change(plan: Plan, tree: DocsTree, change: int, parts: tuple[str, ...], full: Path) -> None:
    relpath = "/".join(parts[1:])
    if not relpath:  # content/ itself
        plan.drop_all = plan.structural = True
        return
    plan.pages.add(relpath)
    if not relpath.endswith(".md"):  # a folder (or a non-page file): forget everything below it
        tree.forget_pages_under(relpath)
        if change != MODIFIED or full.is_dir():
            plan.structural = plan.drop_all = True
        return
    old = tree.forget_page(relpath)
    if (old is None) == full.is_file() or change in (ADDED, DELETED):
        plan.structural = True
    try:
        new = tree.page(relpath)
    except RenderError:
        new = None
    if old is None or new is None or old.frontmatter != new.frontmatter:
        plan.drop_all = True  # titles, versions, hidden...: the navigation shows them
    if PurePosixPath(relpath).name == "index.md":
        plan.index_dirs.add(str(PurePosixPath(relpath).parent))
        plan.drop_all = True  # an index lists its children: the navigation follows it


def data_prefix(tree: DocsTree, root: Path, parts: tuple[str, ...]) -> str | None:
    """Dotted data path of a changed file or folder: reusables/a/b.md -> 'reusables.a.b'.

    None for data files outside variables/ and reusables/ (products, glossaries...).
    """
    full = root.joinpath(*parts)
    try:
        rest = full.relative_to(tree.data.reusables_dir).parts
        head = ["reusables"]
    except ValueError:
        if parts[0] != "data" or len(parts) < 2 or parts[1] != "variables":
            return None
        rest, head = parts[1:], []
    names = [*head, *rest[:-1], _strip_suffix(rest[-1])] if rest else head
    return ".".join(names) or None


def titles_use(tree: DocsTree, prefixes: set[str]) -> bool:
    """Does any page title (shown in the navigation) use one of these data paths?"""
    for page in tree.loaded_pages():
        for name in ("title", "shortTitle"):
            value = page.frontmatter.get(name)
            if isinstance(value, str) and "{" in value and any(p in value for p in prefixes):
                return True
    return False


def _strip_suffix(name: str) -> str:
    for suffix in (".md", ".yml", ".yaml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
