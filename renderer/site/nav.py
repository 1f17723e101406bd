"""Site navigation: the content tree as product -> category -> map topic -> article.

The order comes from the index pages themselves: a folder's `index.md` lists its
children with link tags (`{% link_in_list %}`, `{% topic_link_in_list %}`,
`{% link_with_intro %}`, ...), and the articles listed after a `topic_link_in_list`
belong to that map topic. Children an index does not list follow in file order, so
every page stays reachable; `hidden: true` pages stay out of the navigation.

The tree's shape does not depend on the version. `NavTree.for_version()` filters it to
the pages that exist in one version and titles each node with the page's short title
for that version; the result is computed once per version and reused for every page.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from renderer.errors import RenderError, read_source
from renderer.model.pages import Page
from renderer.model.safe_yaml import load_yaml
from renderer.model.tree import DocsTree

# Entries one sidebar list shows at most; a longer list shows the window holding the page,
# with links to the entries before and after it (so a flat folder of thousands of pages
# does not put thousands of links into every one of them).
NAV_LIST_LIMIT = 100

# Every link tag that can list a child page in an index, in source order.
CHILD_LINK = re.compile(
    r"\{%-?\s*(topic_link_in_list|link_in_list|link_with_intro|homepage_link_with_intro|link_with_short_title|link)"
    r"\s+(/[^\s%]*)\s*-?%\}"
)


@dataclass
class NavNode:
    relpath: str
    children: list[NavNode] = field(default_factory=list)


@dataclass(slots=True)  # (one per page and version)
class VersionNode:
    """A nav node in one version: its URL path, title and children in that version."""

    relpath: str
    path: str  # permalink path ('' for the home page)
    title: str
    children: list[VersionNode] = field(default_factory=list)
    parent: VersionNode | None = field(default=None, repr=False)
    is_map_topic: bool = False

    __eq__ = object.__eq__  # identity: comparing by fields would walk whole subtrees
    __hash__ = object.__hash__

    def ancestors(self) -> list[VersionNode]:
        """From the outermost (the home page) down to the parent."""
        chain = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


def _parent_index(relpath: str) -> str | None:
    """The index page a page belongs to: 'a/b/x.md' -> 'a/b/index.md', 'a/b/index.md' -> 'a/index.md'."""
    if relpath == "index.md":
        return None
    parts = relpath.split("/")
    if parts[-1] == "index.md":
        parts = parts[:-1]
    return "/".join([*parts[:-1], "index.md"])


def product_order(tree: DocsTree) -> list[str]:
    """Product folder names from data/products.yml (`productsInOrder`), if the tree has one."""
    file = tree.root / "data" / "products.yml"
    if not file.is_file():
        return []
    try:
        data = load_yaml(read_source(file, tree.display(file)), tree.display(file))
    except RenderError:  # the order is a nicety: a broken file leaves the index order
        return []
    order = data.get("productsInOrder") if isinstance(data, dict) else None
    return [str(p) for p in order] if isinstance(order, list) else []


class NavTree:
    """The version-independent navigation tree of a docs tree."""

    def __init__(self, tree: DocsTree, pages: Iterable[Page]):
        self.tree = tree
        self.pages = {p.relpath: p for p in pages}
        self.root = self._build()

    # --- shape ---------------------------------------------------------------------

    def _build(self) -> NavNode:
        by_parent: dict[str, list[str]] = {}
        for relpath in sorted(self.pages):
            parent = _parent_index(relpath)
            while parent is not None and parent != "index.md" and parent not in self.pages:
                parent = _parent_index(parent)  # a folder without an index: hang it on the next one up
            if parent is not None:
                by_parent.setdefault(parent, []).append(relpath)
        if "index.md" not in self.pages:
            # a tree without a home page: an implicit root over the top-level folders
            self.pages.setdefault("index.md", None)  # type: ignore[arg-type]
        return self._node("index.md", by_parent)

    def _node(self, relpath: str, by_parent: dict[str, list[str]]) -> NavNode:
        node = NavNode(relpath)
        candidates = [r for r in by_parent.get(relpath, []) if not self._hidden(r)]
        listed = self._listed_children(relpath, set(candidates))
        placed: set[str] = set()
        ordered: list[tuple[str, list[str]]] = []
        for child, topic_children in listed:
            if child in placed:
                continue
            placed.add(child)
            kids = [k for k in topic_children if k not in placed]
            placed.update(kids)
            ordered.append((child, kids))
        for child in candidates:
            if child not in placed:
                ordered.append((child, []))
        if relpath == "index.md":
            ordered.sort(key=self._product_rank(ordered))
        for child, topic_kids in ordered:
            sub = self._node(child, by_parent) if child.endswith("/index.md") else NavNode(child)
            sub.children.extend(NavNode(k) for k in topic_kids)
            node.children.append(sub)
        return node

    def _product_rank(self, ordered: list[tuple[str, list[str]]]) -> Callable[[tuple[str, list[str]]], int]:
        order = product_order(self.tree)
        listed = [c for c, _ in ordered]

        def rank(item: tuple[str, list[str]]) -> int:
            name = item[0].split("/", 1)[0]
            if name in order:
                return order.index(name)
            return len(order) + listed.index(item[0])

        return rank

    def _hidden(self, relpath: str) -> bool:
        page = self.pages.get(relpath)
        return bool(page and page.frontmatter.get("hidden"))

    def _listed_children(self, index_relpath: str, candidates: set[str]) -> list[tuple[str, list[str]]]:
        """Children named by the index's link tags, in order, with each map topic's articles."""
        index = self.pages.get(index_relpath)
        if index is None:
            return []
        result: list[tuple[str, list[str]]] = []
        topic: tuple[str, list[str]] | None = None
        for m in CHILD_LINK.finditer(index.body):
            kind, href = m.group(1), m.group(2)
            if "{" in href:
                continue
            try:
                target = self.tree.resolve_link(index, href.split("#", 1)[0])
            except RenderError:  # a page that does not parse is no child (its error is reported elsewhere)
                target = None
            if target is None or target.relpath not in candidates:
                if kind == "topic_link_in_list":
                    topic = None
                continue
            if kind == "topic_link_in_list":
                topic = (target.relpath, [])
                result.append(topic)
            elif kind == "link_in_list" and topic is not None:
                topic[1].append(target.relpath)
            else:
                result.append((target.relpath, []))
        return result

    # --- per version ---------------------------------------------------------------

    def for_version(self, version: str, title_of: Callable[[Page, str], str],
                    exists: Callable[[Page, str], bool] | None = None) -> VersionNav:
        exists = exists or (lambda page, v: v in page.versions)

        def build(node: NavNode, parent: VersionNode | None) -> VersionNode | None:
            page = self.pages.get(node.relpath)
            if page is None:
                if node.relpath != "index.md":
                    return None
                vnode = VersionNode("index.md", "", "", parent=None)
            else:
                if not exists(page, version):
                    return None
                vnode = VersionNode(page.relpath, page.permalink_path, title_of(page, version), parent=parent,
                                    is_map_topic=page.is_map_topic)
            for child in node.children:
                sub = build(child, vnode)
                if sub is not None:
                    vnode.children.append(sub)
            return vnode

        root = build(self.root, None)
        return VersionNav(version, root or VersionNode("index.md", "", ""))


class VersionNav:
    """The navigation of one version, with pre-rendered sidebar fragments."""

    def __init__(self, version: str, root: VersionNode):
        self.version = version
        self.root = root
        self.by_relpath: dict[str, VersionNode] = {}
        self.position: dict[str, int] = {}  # relpath -> index among its parent's children
        self._index(root)
        self._sidebars: dict[tuple[str, str], str] = {}

    def _index(self, node: VersionNode) -> None:
        self.by_relpath[node.relpath] = node
        for position, child in enumerate(node.children):
            self.position[child.relpath] = position
            self._index(child)

    def digest(self) -> str:
        """A digest of the navigation's shape and titles (what every sidebar is made of)."""
        parts: list[str] = []

        def walk(node: VersionNode, depth: int) -> None:
            parts.append(f"{depth}\t{node.relpath}\t{node.is_map_topic}\t{node.title}")
            for child in node.children:
                walk(child, depth + 1)

        walk(self.root, 0)
        return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()

    def url(self, path: str) -> str:
        return f"/en/{self.version}/{path}/" if path else f"/en/{self.version}/"

    @property
    def products(self) -> list[VersionNode]:
        return list(self.root.children)

    def section_of(self, relpath: str) -> tuple[str, str]:
        """(product relpath, category relpath) a page belongs to; '' when it has none."""
        node = self.by_relpath.get(relpath)
        if node is None:
            return "", ""
        chain = [*node.ancestors(), node][1:]  # drop the home page
        product = chain[0].relpath if chain else ""
        category = chain[1].relpath if len(chain) > 1 else ""
        return product, category

    def sidebar_key(self, relpath: str) -> tuple[str, str, str, int]:
        """What a page's sidebar is made of: (product, category, focus, block).

        `focus` is the deepest node below the category that is open on the page's path
        (a map topic, or the page itself when it has children); `block` is which window of
        NAV_LIST_LIMIT entries of the innermost open list holds the page. Pages with the
        same key share one rendered sidebar.
        """
        product, category = self.section_of(relpath)
        node = self.by_relpath.get(relpath)
        if node is None or node.parent is None or len(node.ancestors()) <= 2:  # the home page, a product, a category
            return product, category, "", 0
        focus = node if node.children else node.parent
        focus_rel = "" if focus.relpath == category else focus.relpath
        block = 0 if node.children else self.position[node.relpath] // NAV_LIST_LIMIT
        return product, category, focus_rel, block

    def sidebar(self, key: tuple) -> str:
        """Sidebar HTML for a sidebar key (see `sidebar_key`; a (product, category) pair
        works too): the products list when there is no product."""
        key = (*key, "", 0)[:4] if len(key) < 4 else tuple(key)
        if key not in self._sidebars:
            self._sidebars[key] = self._render_sidebar(*key)
        return self._sidebars[key]

    def _render_sidebar(self, product: str, category: str, focus: str = "", block: int = 0) -> str:
        """Only what is on the page's path is open: the product's categories, the
        current category's entries, the current map topic's articles; nothing else."""
        out: list[str] = ['<nav class="sidebar-nav" aria-label="Navigation">']
        if not product or product not in self.by_relpath:
            self._render_list(self.products, [], 0, out, "nav-products")
            out.append("</nav>")
            return "".join(out)
        pnode = self.by_relpath[product]
        out.append(f'<a class="nav-product" href="{_attr(self.url(pnode.path))}">{_esc(pnode.title)}</a>')
        open_path: list[VersionNode] = []
        cnode = self.by_relpath.get(category)
        if cnode is not None and cnode.parent is pnode:
            open_path = [cnode]
            fnode = self.by_relpath.get(focus) if focus else None
            chain = fnode.ancestors() if fnode is not None else []
            below = [i for i, n in enumerate(chain) if n is cnode]  # by identity: nodes compare by value
            if fnode is not None and below:
                open_path += [*chain[below[0] + 1:], fnode]
        self._render_list(pnode.children, open_path, block, out, "nav-categories")
        out.append("</nav>")
        return "".join(out)

    def _render_list(self, nodes: list[VersionNode], open_path: list[VersionNode], block: int, out: list[str],
                     list_css: str) -> None:
        """One list of the sidebar: a window of at most NAV_LIST_LIMIT entries (the one
        holding the open entry), with links to the entries before and after it."""
        here = open_path[0] if open_path else None
        if here is not None and nodes and here.parent is nodes[0].parent:
            window = self.position[here.relpath] // NAV_LIST_LIMIT
        else:
            window = block
        start = min(window * NAV_LIST_LIMIT, max(0, len(nodes) - 1) // NAV_LIST_LIMIT * NAV_LIST_LIMIT)
        shown = nodes[start:start + NAV_LIST_LIMIT]
        out.append(f'<ul class="{list_css}">')
        if start > 0:
            earlier = nodes[start - NAV_LIST_LIMIT]
            out.append(f'<li class="nav-more"><a class="nav-more-link" href="{_attr(self.url(earlier.path))}">'
                       f"&hellip; {start} earlier</a></li>")
        for node in shown:
            is_open = node is here and bool(node.children)
            if list_css == "nav-products":
                css = ""
            elif list_css == "nav-categories":
                css = ' class="nav-category is-open"' if is_open else ' class="nav-category"'
            else:
                css = ' class="nav-topic"' if node.is_map_topic or node.children else ' class="nav-article"'
            out.append(f'<li{css}><a href="{_attr(self.url(node.path))}">{_esc(node.title)}</a>')
            if is_open:
                self._render_list(node.children, open_path[1:], block, out, "nav-articles")
            out.append("</li>")
        after = len(nodes) - start - len(shown)
        if after > 0:
            later = nodes[start + NAV_LIST_LIMIT]
            out.append(f'<li class="nav-more"><a class="nav-more-link" href="{_attr(self.url(later.path))}">'
                       f"{after} more &hellip;</a></li>")
        out.append("</ul>")

    def pager(self, relpath: str) -> list[dict[str, str]]:
        """Previous/next links inside a map topic: the topic, then its articles in order."""
        node = self.by_relpath.get(relpath)
        if node is None:
            return []
        topic = node if node.is_map_topic and node.children else node.parent
        if topic is None or not topic.is_map_topic:
            return []
        sequence = [topic, *topic.children]
        at = next(i for i, n in enumerate(sequence) if n.relpath == relpath)
        links = []
        if at > 0:
            links.append({"rel": "prev", "label": "Previous", "title": sequence[at - 1].title,
                          "url": self.url(sequence[at - 1].path)})
        if at + 1 < len(sequence):
            links.append({"rel": "next", "label": "Next", "title": sequence[at + 1].title,
                          "url": self.url(sequence[at + 1].path)})
        return links

    def breadcrumbs(self, relpath: str) -> list[tuple[str, str]]:
        """[(title, url)] from the product down to the page itself (the home page is left out)."""
        node = self.by_relpath.get(relpath)
        if node is None:
            return []
        chain = [*node.ancestors(), node][1:]
        return [(n.title, self.url(n.path)) for n in chain]


def mark_current(sidebar_html: str, url: str) -> str:
    """Highlight the page being read in a pre-rendered sidebar."""
    needle = f'<a href="{_attr(url)}">'
    return sidebar_html.replace(needle, f'<a href="{_attr(url)}" class="is-current" aria-current="page">', 1)


def _esc(text: str) -> str:
    """Text between tags."""
    return html.escape(text, quote=False)


def _attr(value: str) -> str:
    """A value inside a double-quoted attribute: quotes escaped too."""
    return html.escape(value, quote=True)
