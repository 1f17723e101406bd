"""Loading every page for a build: unchanged files keep their frontmatter from the cache
(no YAML), files whose size, mtime and inode are as before are not even read, and a full
build of a big tree parses half of the rest in a forked helper meanwhile."""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import multiprocessing
import os
from dataclasses import dataclass, field

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
    def __init__(self, tree: DocsTree, cached: dict[str, PageEntry], racy_after_ns: int, use_helper: bool):
        self.tree = tree
        self.cached = cached
        self.racy_after_ns = racy_after_ns
        self.use_helper = use_helper and "fork" in multiprocessing.get_all_start_methods()
        self.known_versions = set(tree.model.ids)

    def load(self) -> LoadedPages:
        loaded = LoadedPages()
        to_parse: list[tuple[str, str, bytes]] = []
        for relpath in self.tree.page_relpaths():
            found = self._from_cache(relpath, loaded)
            if found is None:
                continue
            if isinstance(found, tuple):
                to_parse.append(found)
                continue
            loaded.pages.append(found)
        for relpath, digest, page in self._parse(to_parse, loaded.errors):
            loaded.parsed.add(relpath)
            loaded.digests[relpath] = digest
            loaded.frontmatter_digests[relpath] = sha1(page.text[: page.body_offset])
            loaded.pages.append(page)
        loaded.pages.sort(key=lambda p: p.relpath)
        return loaded

    def _from_cache(self, relpath: str, loaded: LoadedPages):
        """The page from its cache entry, or (relpath, digest, bytes) to parse, or None."""
        tree = self.tree
        file = tree.content_dir / relpath
        try:
            st = os.stat(file)
        except OSError:
            return None
        signature = (st.st_mtime_ns, st.st_size, st.st_ino)
        loaded.signatures[relpath] = signature if st.st_mtime_ns < self.racy_after_ns else None
        entry = self.cached.get(relpath)
        if entry is not None and not self._usable(entry):
            entry = None
        if entry is not None and entry[4] is not None and entry[4] == signature:
            digest, frontmatter, body_offset, versions, _signature, fm_digest, warnings = entry
            page: Page = CachedPage(relpath, tree.display(file), frontmatter, body_offset, list(versions), file)
        else:
            try:  # only regular files inside content/ within the size limit, named fit for a URL
                raw = tree.read_page_bytes(relpath)
            except RenderError as err:
                loaded.errors.append(err)
                return None
            digest = sha1(raw)
            if entry is None or entry[0] != digest:
                return (relpath, digest, raw)
            text = raw.decode("utf-8")
            _, frontmatter, body_offset, versions, _signature, fm_digest, warnings = entry
            page = Page(relpath, tree.display(file), text, frontmatter, body_offset, list(versions))
        page.warnings = [error_from_fields(w) for w in warnings]  # reported again by every render of the page
        tree.add_page(page)
        loaded.digests[relpath] = digest
        loaded.frontmatter_digests[relpath] = fm_digest
        return page

    def _usable(self, entry: PageEntry) -> bool:
        """An entry this tree's versions and frontmatter schema accept (else the page is parsed)."""
        return self.known_versions.issuperset(entry[3]) and self.tree.frontmatter_schema.first_error(entry[1]) is None

    def _parse(self, to_parse: list[tuple[str, str, bytes]], errors: list[RenderError]) -> list[tuple]:
        """Parse new and changed pages: (relpath, digest, page). Empties `to_parse`."""
        helper_share: list[tuple[str, str, bytes]] = []
        if len(to_parse) >= PARSE_HELPER_ABOVE and self.use_helper:
            half = len(to_parse) // 2
            helper_share = to_parse[half:]
            del to_parse[half:]
        parsed = []
        helper = future = None
        tree = self.tree
        try:
            if helper_share:
                helper = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                                initializer=die_with_parent, initargs=(os.getpid(),))
                future = helper.submit(parse_frontmatter, str(tree.root),
                                       str(tree.versions_file) if tree.versions_file else None, tree.lenient,
                                       [relpath for relpath, _, _ in helper_share])
            to_parse.reverse()
            while to_parse:  # (each file's bytes let go of once its page is parsed)
                relpath, digest, raw = to_parse.pop()
                try:
                    parsed.append((relpath, digest, tree.parse_page_bytes(relpath, raw)))
                except RenderError as err:
                    errors.append(err)
            if future is not None:
                parsed += self._adopt(helper_share, future.result(), errors)
        finally:
            if helper is not None:
                helper.shutdown(wait=True, cancel_futures=True)
        return parsed

    def _adopt(self, share: list[tuple[str, str, bytes]], results: list[tuple], errors: list[RenderError]) -> list:
        tree = self.tree
        parsed = []
        for (relpath, digest, raw), (fields, error) in zip(share, results, strict=True):
            if error is not None:
                errors.append(RenderError(**error))
            elif fields is not None:
                frontmatter, body_offset, versions, warnings = fields
                text = raw.decode("utf-8")
                page = Page(relpath, tree.display(tree.content_dir / relpath), text, frontmatter,
                            body_offset, versions, [error_from_fields(w) for w in warnings])
                tree.add_page(page)
                parsed.append((relpath, digest, page))
        return parsed


def parse_frontmatter(root: str, versions: str | None, lenient: bool, relpaths: list[str]) -> list[tuple]:
    """In a helper process: (frontmatter, body offset, versions, warnings) or an error, per page."""
    tree = DocsTree(root, versions, lenient=lenient)
    found: list[tuple] = []
    for relpath in relpaths:
        try:
            page = tree.page(relpath)
        except RenderError as err:
            found.append((None, dataclasses.asdict(err)))
            continue
        found.append(((page.frontmatter, page.body_offset, page.versions, [warning_fields(w) for w in page.warnings]),
                      None) if page is not None else (None, None))
    return found
