"""Loading every page for a build: unchanged files keep their frontmatter from the cache
(no YAML), files whose size, mtime and inode are as before are not even read, and a full
build of a big tree parses half of the rest in a forked helper meanwhile."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from sys import intern

from renderer.build.cache import PageEntry
from renderer.build.cache_shape import plain_data
from renderer.build.digests import Signature, sha1
from renderer.build.records import error_from_fields, warning_fields
from renderer.build.workers import die_with_parent
from renderer.errors import RenderError
from renderer.model.pages import Page
from renderer.model.tree import DocsTree

PARSE_HELPER_ABOVE = 200  # pages to parse: more than this, and a helper process parses half


class CachedPage(Page):
    """A page whose frontmatter came from the cache: its text is read when first needed."""

    def __init__(self, relpath: str, file: str, frontmatter: dict, body_offset: int, versions: list[str], path):
        self.relpath = relpath
        self.file = file
        self.frontmatter = frontmatter
        self.body_offset = body_offset
        self.versions = versions
        self.warnings = []  # the frontmatter's, from the cache entry
        self._path = path

    def __getattr__(self, name: str):
        if name == "text" and not {"_text_file", "_deferred"} & self.__dict__.keys():  # (`body` is sliced from it)
            self.text = self.__dict__["_path"].read_text(encoding="utf-8")
            return self.text
        return super().__getattr__(name)


@dataclass
class LoadedPages:
    pages: list[Page] = field(default_factory=list)  # sorted by relpath
    digests: dict[str, str] = field(default_factory=dict)  # relpath -> digest of the file
    frontmatter_digests: dict[str, str] = field(default_factory=dict)
    signatures: dict[str, Signature | None] = field(default_factory=dict)
    errors: list[RenderError] = field(default_factory=list)
    parsed: set[str] = field(default_factory=set)  # relpaths whose frontmatter was parsed in this build

    def defer_texts(self, tree: DocsTree) -> None:
        """The build process lets go of the pages' texts until they are asked for (see
        Page.defer_text): forked workers read the ones they render."""
        for page in self.pages:
            if "text" in page.__dict__:
                page.defer_text(f"{tree.content_dir}/{page.relpath}", self.digests[page.relpath], sha1)

    def forget_texts(self, tree: DocsTree) -> None:
        """The build process lets go of the pages' texts once the workers have rendered them."""
        for page in self.pages:
            page.forget_text(f"{tree.content_dir}/{page.relpath}")  # (a str: a Path per page costs more)

    def cache_entries(self) -> dict[str, PageEntry]:
        """Entries for the cache: every page whose frontmatter JSON can hold (the ones from
        the cache came from JSON)."""
        return {p.relpath: (self.digests[p.relpath], p.frontmatter, p.body_offset, tuple(p.versions),
                            self.signatures.get(p.relpath), self.frontmatter_digests[p.relpath],
                            [warning_fields(w) for w in p.warnings])
                for p in self.pages if p.relpath not in self.parsed or plain_data(p.frontmatter)}


class PageLoader:
    """Loads every page of a tree for a build. Each file is read once, by this process or
    (for half of many) by a forked helper; unless `keep_texts`, a page's text is let go of
    as soon as its frontmatter is parsed (Page.defer_text: the workers read the pages they
    render), so the build process never holds the texts of the whole tree."""

    def __init__(self, tree: DocsTree, cached: dict[str, PageEntry], racy_after_ns: int, use_helper: bool,
                 keep_texts: bool = True):
        self.tree = tree
        self.cached = cached
        self.racy_after_ns = racy_after_ns
        self.use_helper = use_helper and "fork" in multiprocessing.get_all_start_methods()
        self.keep_texts = keep_texts
        self.known_versions = set(tree.model.ids)
        self.version_ids = {version: version for version in tree.model.ids}  # (one str per version, not per page)

    def load(self) -> LoadedPages:
        loaded = LoadedPages()
        to_read: list[tuple[str, str | None]] = []  # (relpath, digest of its usable cache entry)
        for relpath in self.tree.page_relpaths():
            if self._stat(relpath, loaded):
                entry = self.cached.get(relpath)
                to_read.append((relpath, entry[0] if entry is not None and self._usable(entry) else None))
        helper_share: list[tuple[str, str | None]] = []
        if len(to_read) >= PARSE_HELPER_ABOVE and self.use_helper:
            half = len(to_read) // 2
            helper_share, to_read = to_read[half:], to_read[:half]
        with _Helper(self.tree, helper_share) as helper:
            for relpath, entry_digest in to_read:
                self._take(relpath, read_page(self.tree, relpath, entry_digest, self.keep_texts), loaded)
            for (relpath, _), found in zip(helper_share, helper.results(), strict=True):
                self._take(relpath, found, loaded)
        loaded.pages.sort(key=lambda p: p.relpath)
        return loaded

    def _stat(self, relpath: str, loaded: LoadedPages) -> bool:
        """Is the file to be read? Not when it is gone, nor when its page comes from the cache
        unread (a usable entry, and size, mtime and inode as before)."""
        file = self.tree.content_dir / relpath
        try:
            st = os.stat(file)
        except OSError:
            return False
        signature = (st.st_mtime_ns, st.st_size, st.st_ino)
        loaded.signatures[relpath] = signature if st.st_mtime_ns < self.racy_after_ns else None
        entry = self.cached.get(relpath)
        if entry is None or entry[4] != signature or not self._usable(entry):
            return True
        digest, frontmatter, body_offset, versions, _signature, fm_digest, warnings = entry
        page = CachedPage(relpath, self.tree.display(file), frontmatter, body_offset, self._versions(versions), file)
        self._add(page, digest, fm_digest, warnings, loaded)
        return False

    def _usable(self, entry: PageEntry) -> bool:
        """An entry this tree's versions and frontmatter schema accept (else the page is parsed)."""
        return self.known_versions.issuperset(entry[3]) and self.tree.frontmatter_schema.first_error(entry[1]) is None

    def _take(self, relpath: str, found: tuple, loaded: LoadedPages) -> None:
        """Add the page `read_page` found (or its error)."""
        tree = self.tree
        if found[0] == "error":
            loaded.errors.append(error_from_fields(found[1]))
            return
        if found[0] == "same":  # the bytes the cache entry was made from
            _, digest, text = found
            _, frontmatter, body_offset, versions, _signature, fm_digest, warnings = self.cached[relpath]
        else:
            _, digest, text, fm_digest, frontmatter, body_offset, versions, warnings = found
            loaded.parsed.add(relpath)
        page = Page(relpath, tree.display(tree.content_dir / relpath), text or "", shared_keys(frontmatter),
                    body_offset, self._versions(versions))
        if text is None:
            page.defer_text(f"{tree.content_dir}/{relpath}", digest, sha1)
        self._add(page, digest, fm_digest, warnings, loaded)

    def _versions(self, versions: Iterable[str]) -> list[str]:
        return [self.version_ids.get(version, version) for version in versions]

    def _add(self, page: Page, digest: str, fm_digest: str, warnings: list[dict], loaded: LoadedPages) -> None:
        page.warnings = [error_from_fields(w) for w in warnings]  # reported again by every render of the page
        self.tree.add_page(page)
        loaded.pages.append(page)
        loaded.digests[page.relpath] = digest
        loaded.frontmatter_digests[page.relpath] = fm_digest


def shared_keys(frontmatter: dict) -> dict:
    """The frontmatter with its keys (and those of the mappings in it) interned: every page
    has its `title`, `versions`, ... and would otherwise hold a str of each."""
    return {intern(key) if type(key) is str else key: shared_keys(value) if type(value) is dict else value
            for key, value in frontmatter.items()}


def read_page(tree: DocsTree, relpath: str, entry_digest: str | None, keep_text: bool) -> tuple:
    """One page file, read once: ("error", fields of the RenderError), or ("same", digest,
    text) when its digest is `entry_digest`, or ("parsed", digest, text, frontmatter digest,
    frontmatter, body offset, versions, warnings as fields); `text` is None unless `keep_text`."""
    try:  # only regular files inside content/ within the size limit, named fit for a URL
        raw = tree.read_page_bytes(relpath)
        digest = sha1(raw)
        if digest == entry_digest:
            return ("same", digest, raw.decode("utf-8") if keep_text else None)
        page = tree.parse_page_bytes(relpath, raw)
    except RenderError as err:
        return ("error", warning_fields(err))
    return ("parsed", digest, page.text if keep_text else None, sha1(page.text[: page.body_offset]),
            page.frontmatter, page.body_offset, page.versions, [warning_fields(w) for w in page.warnings])


class _Helper:
    """A forked process that reads its share of the pages meanwhile (read_page, texts let go of)."""

    def __init__(self, tree: DocsTree, share: list[tuple[str, str | None]]):
        self.pool = self.future = None
        if share:
            self.pool = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                               initializer=die_with_parent, initargs=(os.getpid(),))
            self.future = self.pool.submit(read_pages, str(tree.root),
                                           str(tree.versions_file) if tree.versions_file else None, tree.lenient, share)

    def __enter__(self) -> _Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def results(self) -> list[tuple]:
        return self.future.result() if self.future is not None else []


def read_pages(root: str, versions: str | None, lenient: bool, share: list[tuple[str, str | None]]) -> list[tuple]:
    """In the helper process: read_page of each (relpath, entry digest), texts let go of."""
    tree = DocsTree(root, versions, lenient=lenient)
    return [read_page(tree, relpath, entry_digest, keep_text=False) for relpath, entry_digest in share]
