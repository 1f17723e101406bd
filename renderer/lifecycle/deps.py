"""What a page's renders can read, found from its parsed templates without rendering.

A render's `deps` (renderer.pipeline) list what one render used. To know which renders
a change can affect without rendering everything first, this works out a superset for
every version at once: the page's file; each `{% data %}` item in any branch, and what
that item uses in turn; link targets (every file a link tag could resolve to, found or
not, and what their titles and intros use); includes; a map topic's category index and
its articles. Paths are relative to the docs root; one ending in `/` stands for every
file under it. `None` means "anything": a link whose href is built with Liquid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from liquid.exceptions import LiquidError

from renderer.errors import RenderError
from renderer.lifecycle.truth import walk_nodes
from renderer.liquid.tags.data import DataNode
from renderer.liquid.tags.include import IncludeNode
from renderer.liquid.tags.links import LinkNode
from renderer.model.pages import Page
from renderer.model.tree import DocsTree

TITLE_FIELDS = ("title", "shortTitle", "intro")


@dataclass
class TemplateFacts:
    """What one template refers to."""

    data_paths: set[str] = field(default_factory=set)
    hrefs: set[str] = field(default_factory=set)
    includes: set[str] = field(default_factory=set)
    dynamic: bool = False  # a link href built with Liquid
    site_data: bool = False  # `site.data...`: any data file


class DependencyIndex:
    """Static dependency sets of a tree's pages (templates are parsed once, through the tree)."""

    def __init__(self, tree: DocsTree):
        self.tree = tree
        self.facts: dict[str, TemplateFacts] = {}

    def template_facts(self, text: str) -> TemplateFacts:
        if text not in self.facts:
            facts = TemplateFacts(site_data="site.data" in text)
            if "{" in text:
                try:
                    nodes = self.tree.parse_template(text).nodes
                except LiquidError:
                    nodes = []  # a template that does not parse renders an error whatever it refers to
                for node in walk_nodes(nodes):
                    if isinstance(node, DataNode):
                        facts.data_paths.add(node.path)
                    elif isinstance(node, LinkNode):
                        facts.dynamic |= "{" in node.href
                        facts.hrefs.add(node.href.partition("#")[0])
                    elif isinstance(node, IncludeNode):
                        facts.includes.add(node.name)
            self.facts[text] = facts
        return self.facts[text]

    def page_deps(self, page: Page) -> set[str] | None:
        """Files (and folders, ending in `/`) the page's renders may read; None for anything."""
        deps = {page.file}
        texts = [page.body, *(page.frontmatter.get(k) for k in TITLE_FIELDS)]
        hrefs: set[str] = set()
        if not self.collect(deps, hrefs, [t for t in texts if isinstance(t, str)]):
            return None
        if page.is_map_topic:
            index = str(PurePosixPath(page.relpath).parent / "index.md")
            deps.add(f"content/{index}")
            index_page = self.tree.page(index)
            for href, _ in self.tree.map_topic_children(page):
                if not self.link_deps(deps, index_page, href):
                    return None
        for href in sorted(hrefs):
            if not self.link_deps(deps, page, href):
                return None
        return deps

    def collect(self, deps: set[str], hrefs: set[str], texts: list[str]) -> bool:
        """Add what the templates use, following data items and includes; False for anything."""
        pending = list(texts)
        seen: set[str] = set()
        while pending:
            facts = self.template_facts(pending.pop())
            if facts.dynamic:
                return False
            if facts.site_data:
                deps.add("data/")
            hrefs.update(facts.hrefs)
            for name in facts.includes:
                deps.update({f"includes/{name}", f"includes/{name}.html"})
                found = self.tree.find_include(name)
                if found is not None and found[0] not in seen:
                    seen.add(found[0])
                    pending.append(found[1])
            for dotted in facts.data_paths - seen:
                seen.add(dotted)
                pending.extend(self.data_deps(deps, dotted))
        return True

    def data_deps(self, deps: set[str], dotted: str) -> list[str]:
        """Add the file of a data item (or the folder it would be in); its text when it has Liquid."""
        try:
            item = self.tree.data.lookup(dotted)
        except Exception:  # noqa: BLE001 - a broken data file: it is a dependency all the same
            item = None
        if item is None:
            deps.add(f"{self.tree.display(self.tree.data.reusables_dir)}/" if dotted.startswith("reusables.") else "data/")
            return []
        deps.add(item.file)
        return [item.text] if "{" in item.text else []

    def link_deps(self, deps: set[str], page: Page | None, href: str) -> bool:
        """Every file the link could resolve to, and what the target's title and intro use."""
        clean = href.strip("/")
        folder = PurePosixPath(page.relpath).parent if page is not None else PurePosixPath(".")
        for base in {clean, str(folder / clean) if str(folder) != "." else clean}:
            deps.update({f"content/{base}.md" if base else "content/index.md", f"content/{base}/index.md"})
        try:
            target = self.tree.resolve_link(page, href) if page is not None else self.tree.find_page(href)
        except RenderError:  # a broken target page: its file is a dependency already
            target = None
        if target is None:
            return True
        texts = [target.frontmatter.get(k) for k in TITLE_FIELDS]
        more: set[str] = set()
        return self.collect(deps, more, [t for t in texts if isinstance(t, str)])


def affected(deps: set[str] | None, changed: set[str]) -> bool:
    """Does a dependency set meet the changed files?"""
    if deps is None:
        return True
    if deps & changed:
        return True
    folders = [d for d in deps if d.endswith("/")]
    return any(path.startswith(folder) for folder in folders for path in changed)
