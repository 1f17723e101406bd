"""Digests of what renders depend on: page files, frontmatter, reusables, variables, includes.

A dependency is named as `RenderedPage.deps` names it: `file:<relpath>` is a whole page
file (the page itself; a map topic's category index), `<relpath>.md` a linked page's
frontmatter (link tags show its title, short title and intro), `includes/<name>` an
include, `shape:` which pages and includes exist, and a dotted name a data item.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

from renderer.errors import RenderError
from renderer.model.tree import DocsTree

# (mtime_ns, size, inode) of a file, or None when it cannot be trusted to stay put
Signature = tuple[int, int, int]
# what a build remembers of a data dependency: (file, signature, digest, uses site.data)
DepStat = tuple[str | None, Signature | None, str, bool]


def sha1(data: bytes | str) -> str:
    return hashlib.sha1(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def file_signature(path: str | os.PathLike) -> Signature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class Signatures:
    """File signatures, each taken once per build; a file changed moments before or during
    the build (as git does for racy files) has none, so the next build reads it again."""

    def __init__(self, racy_after_ns: int):
        self.racy_after_ns = racy_after_ns
        self.taken: dict[str, Signature | None] = {}

    def of(self, file: str) -> Signature | None:
        if file not in self.taken:
            self.taken[file] = file_signature(file)
        return self.taken[file]

    def trusted(self, file: str) -> Signature | None:
        signature = self.of(file)
        return None if signature is None or signature[0] >= self.racy_after_ns else signature


class Digests:
    """Current digests of render dependencies (memoized), in the main process.

    Data files whose signature is as in the last build keep their digests without
    being read.
    """

    def __init__(self, tree: DocsTree, page_digests: dict[str, str], frontmatter_digests: dict[str, str],
                 old_stats: dict[str, DepStat] | None = None, racy_after_ns: int = 0):
        self.tree = tree
        self.page_digests = page_digests
        self.frontmatter_digests = frontmatter_digests
        self.memo: dict[str, str] = {}
        self.uses_site_data: set[str] = set()
        self.old_stats = old_stats or {}
        self.stats: dict[str, DepStat] = {}
        self.signatures = Signatures(racy_after_ns)

    def of(self, dep: str) -> str:
        found = self.memo.get(dep)
        if found is None:
            found = self.memo[dep] = self._compute(dep)
        return found

    def unchanged(self, deps: dict[str, str]) -> bool:
        return all(self.of(dep) == digest for dep, digest in deps.items())

    def seed(self, stats: dict[str, DepStat]) -> None:
        """Digests a worker computed from the files it rendered with (see `DepStats`)."""
        for dep, entry in stats.items():
            if dep not in self.memo:
                self.memo[dep] = entry[2]
                if entry[0] is not None:
                    self.stats[dep] = entry
                if entry[3]:
                    self.uses_site_data.add(dep)

    def _compute(self, dep: str) -> str:
        if dep == "shape:":
            includes = self.tree.root / "includes"
            names = sorted(p.name for p in includes.iterdir()) if includes.is_dir() else []
            return sha1("\n".join([*sorted(self.page_digests), "", *names]))
        if dep.startswith("file:"):
            return self.page_digests.get(dep[len("file:"):], "missing")
        if dep.endswith(".md"):
            return self.frontmatter_digests.get(dep, "missing")
        if dep.startswith("includes/"):
            found = self.tree.find_include(dep[len("includes/"):])
            return sha1(found[1]) if found else "missing"
        old = self.old_stats.get(dep)
        if old is not None and old[1] is not None and old[0] is not None and self.signatures.of(old[0]) == old[1]:
            self.stats[dep] = old
            if old[3]:
                self.uses_site_data.add(dep)
            return old[2]
        return self._read_data(dep)

    def _read_data(self, dep: str) -> str:
        try:
            item = self.tree.data.lookup(dep)
        except RenderError:
            return "error"
        if item is None:
            return "missing"
        digest = sha1(item.text)
        site_data = "site.data" in item.text
        if site_data:
            self.uses_site_data.add(dep)
        file = str(self.tree.root / item.file)
        self.stats[dep] = (file, self.signatures.trusted(file), digest, site_data)
        return digest


class DepStats:
    """In a worker: the stats of the data and include deps of its renders, from the items
    the render used (the worker's tree has them in memory). One per worker and build."""

    def __init__(self, tree: DocsTree, racy_after_ns: int):
        self.tree = tree
        self.signatures = Signatures(racy_after_ns)
        self.known: dict[str, DepStat] = {}

    def of(self, deps: Iterable[str]) -> dict[str, DepStat]:
        found: dict[str, DepStat] = {}
        for dep in deps:
            if dep.endswith(".md") or dep.startswith("file:"):
                continue
            known = self.known.get(dep)
            if known is None:
                known = self._stat(dep)
                if known is None:
                    continue
                self.known[dep] = known
            found[dep] = known
        return found

    def _stat(self, dep: str) -> DepStat | None:
        tree = self.tree
        if dep.startswith("includes/"):
            include = tree.find_include(dep[len("includes/"):])
            return (None, None, sha1(include[1]) if include else "missing", False)
        try:
            item = tree.data.lookup(dep)
        except RenderError:
            return None
        if item is None:
            return None
        file = str(tree.root / item.file)
        return (file, self.signatures.trusted(file), sha1(item.text), "site.data" in item.text)
