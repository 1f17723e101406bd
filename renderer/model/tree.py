"""A docs tree on disk: content/, data/, reusables/, and everything loaded from them.

Pages, data files and parsed templates are loaded lazily and cached, so rendering one
page touches only what that page uses; `all_pages()` loads the rest for a full build.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from renderer.errors import RenderError, decode_source, read_regular, read_source
from renderer.liquid.environment import make_environment
from renderer.markdown.link_rules import load_link_rules
from renderer.markdown.links import LinkLocalizer
from renderer.markdown.renderer import MarkdownRenderer
from renderer.model.data import DataStore
from renderer.model.features import with_features
from renderer.model.frontmatter import load_frontmatter_schema
from renderer.model.lru import LRUCache
from renderer.model.pages import Page, page_path_problem, parse_page, printable_path
from renderer.model.versions import VersionModel, load_version_model

if TYPE_CHECKING:
    from liquid import BoundTemplate


LIST_LINK = re.compile(r"\{%-?\s*(topic_link_in_list|link_in_list)\s+(\S+)\s*-?%\}")
# Parsed Liquid templates kept, keyed by source text. A full render of the 2020 corpus
# uses about 3,400 templates from 5 MB of source; a parsed template takes roughly 8x its
# source, so these bounds keep at most ~130 MB however often a writer saves a big page.
TEMPLATE_CACHE_ENTRIES = 20_000
TEMPLATE_CACHE_CHARS = 16_000_000
TEMPLATE_OVERHEAD_CHARS = 512  # per entry, so many tiny templates count too


class DocsTree:
    def __init__(self, root: Path | str, versions_file: Path | str | None = None, *, lenient: bool = False):
        self.root = Path(root).resolve()
        self.content_dir = self.root / "content"
        if not self.content_dir.is_dir():
            raise RenderError(f"no content/ folder in docs root {self.root}")
        self.real_content_dir = os.path.realpath(self.content_dir)  # resolved once: pages are checked against it
        self.versions_file = Path(versions_file) if versions_file else self._default_versions_file()
        self.model: VersionModel = with_features(load_version_model(self.versions_file), self.root)
        self.lenient = lenient
        self.data = DataStore(self.root)
        self.env = make_environment(lenient)
        self.markdown = MarkdownRenderer(lenient=lenient)
        self._pages: dict[str, Page | None] = {}
        # what depends on which pages exist: forgotten whenever a page is (see _pages_changed)
        self._links: dict[tuple[str, str], Page | None] = {}  # (linking folder, href) -> target
        self._map_topics: dict[str, list[tuple[str, int]]] = {}
        self._includes: dict[str, tuple[str, str] | None] = {}
        self._templates: LRUCache[str, BoundTemplate] = LRUCache(
            TEMPLATE_CACHE_ENTRIES, TEMPLATE_CACHE_CHARS, lambda text, _: len(text) + TEMPLATE_OVERHEAD_CHARS)
        self._globals: dict[str, object] | None = None
        self.link_rules = load_link_rules(self.root, self.model)
        self.links = LinkLocalizer(self.link_rules)
        self.frontmatter_schema = load_frontmatter_schema(self.root)

    def _default_versions_file(self) -> Path | None:
        candidate = self.root / "data" / "versions.yml"
        return candidate if candidate.is_file() else None

    # --- pages ---------------------------------------------------------------------------

    def display(self, path: Path) -> str:
        """A path as shown in messages: relative to the docs root."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def page(self, relpath: str) -> Page | None:
        """The page at content/<relpath>, or None. Raises RenderError for a broken page.

        None also for a symlink that leads out of content/ (a URL must not tell what is
        there); `all_pages()` and `read_page_bytes()` report it as an error.
        """
        if relpath not in self._pages:
            file = self.content_dir / relpath
            if not _is_entry(file) or not self._in_content(file):
                self._pages[relpath] = None
            else:
                display = self.display(file)
                self._check_page_path(relpath)
                text = decode_source(read_regular(file, display), display)
                self._pages[relpath] = parse_page(relpath, display, text, self.model, lenient=self.lenient,
                                                  schema=self.frontmatter_schema)
        return self._pages[relpath]

    def parse_page_bytes(self, relpath: str, raw: bytes) -> Page:
        """The page whose file `read_page_bytes` gave `raw` (not read again); `add_page`
        makes it the tree's."""
        display = self.display(self.content_dir / relpath)
        return parse_page(relpath, display, decode_source(raw, display), self.model, lenient=self.lenient,
                          schema=self.frontmatter_schema)

    def add_page(self, page: Page) -> None:
        """Use `page` for its relpath from now on (parsed by the caller, or from its cache)."""
        self._pages[page.relpath] = page
        self._pages_changed()

    def _pages_changed(self) -> None:
        self._links.clear()
        self._map_topics.clear()

    def read_page_bytes(self, relpath: str) -> bytes:
        """The bytes of a page file; a RenderError naming it when its name is not fit for a
        URL, it leads out of content/, or it is not a regular file within the size limit."""
        file = self.content_dir / relpath
        self._check_page_path(relpath)
        if _is_entry(file) and not self._in_content(file):
            raise RenderError("not read: a symbolic link that leads outside content/", file=self.display(file),
                              line=1, column=1)
        return read_regular(file, self.display(file))

    @staticmethod
    def _check_page_path(relpath: str) -> None:
        problem = page_path_problem(relpath)
        if problem is not None:
            raise RenderError(problem, file=printable_path(f"content/{relpath}"), line=1, column=1)

    def _in_content(self, file: Path) -> bool:
        """Is `file` inside content/ once symlinks are followed?"""
        return os.path.realpath(file).startswith(self.real_content_dir + os.sep)

    def page_relpaths(self) -> list[str]:
        """Every page file under content/, sorted (README.md files are not pages).

        Every name is listed, even one that is no regular file or no fit name for a URL:
        reading it gives the error that `render check` reports.
        """
        found = []
        for dirpath, dirnames, filenames in os.walk(self.content_dir):
            dirnames.sort()
            for name in filenames:
                if name.endswith(".md") and name.lower() != "readme.md":
                    found.append(os.path.relpath(os.path.join(dirpath, name), self.content_dir).replace(os.sep, "/"))
        return sorted(found)

    def all_pages(self, errors: list[RenderError] | None = None) -> list[Page]:
        """Every page that parses; broken ones go to `errors` (or raise if None)."""
        pages = []
        for relpath in self.page_relpaths():
            try:
                page = self.page(relpath)
                if page is None:  # listed, but no page: a symlink out of content/, or gone
                    self.read_page_bytes(relpath)
                    continue
            except RenderError as err:
                if errors is None:
                    raise
                errors.append(err)
                continue
            pages.append(page)
        return pages

    def find_page(self, url_path: str) -> Page | None:
        """The page for a URL path without language/version ('actions/guides/x')."""
        clean = normalize_url_path(url_path)
        if clean is None:
            return None
        if clean == "":
            return self.page("index.md")
        return self.page(f"{clean}.md") or self.page(f"{clean}/index.md")

    def resolve_link(self, from_page: Page, href_path: str) -> Page | None:
        """A link tag's target: relative to the linking page's folder, then from the root."""
        key = (from_page.relpath.rpartition("/")[0], href_path)
        if key not in self._links:
            folder = PurePosixPath(from_page.relpath).parent
            relative = str(folder / href_path.lstrip("/")) if str(folder) != "." else href_path
            self._links[key] = self.find_page(relative) or self.find_page(href_path)
        return self._links[key]

    def map_topic_children(self, topic: Page) -> list[tuple[str, int]]:
        """Links listed under a map topic in its category index: [(href, index offset)].

        A category index lists `{% topic_link_in_list /topic %}` followed by the topic's
        articles as indented `{% link_in_list /article %}` lines.
        """
        if topic.relpath not in self._map_topics:
            self._map_topics[topic.relpath] = self._find_map_topic_children(topic)
        return self._map_topics[topic.relpath]

    def _find_map_topic_children(self, topic: Page) -> list[tuple[str, int]]:
        index = self.page(str(PurePosixPath(topic.relpath).parent / "index.md"))
        if index is None:
            return []
        children: list[tuple[str, int]] = []
        inside = False
        for m in LIST_LINK.finditer(index.text):
            kind, href = m.group(1), m.group(2)
            if kind == "topic_link_in_list":
                target = self.resolve_link(index, href)
                inside = target is not None and target.relpath == topic.relpath
            elif inside:
                children.append((href, m.start()))
        return children

    # --- invalidation --------------------------------------------------------------

    def loaded_page(self, relpath: str) -> Page | None:
        """The page at content/<relpath> if it is parsed already (never reads the file)."""
        return self._pages.get(relpath)

    def loaded_pages(self) -> list[Page]:
        """Every page parsed so far."""
        return [page for page in list(self._pages.values()) if page is not None]

    def forget_page(self, relpath: str) -> Page | None:
        """Forget content/<relpath> after an edit; returns its previous parse, if any.

        The parsed template of the old body goes too (the redirect table is the site model's).
        """
        old = self._pages.pop(relpath, None)
        if old is not None:
            self._templates.pop(old.body)
        self._pages_changed()
        return old

    def forget_pages_under(self, folder: str) -> None:
        """Forget every page under content/<folder>/ (a folder was moved, added or deleted)."""
        prefix = folder.strip("/") + "/"
        for relpath in [key for key in self._pages if key.startswith(prefix)]:
            self.forget_page(relpath)

    def forget_missing(self) -> None:
        """Forget which page paths were looked up and not found (files were added)."""
        self._pages = {relpath: page for relpath, page in self._pages.items() if page is not None}
        self._pages_changed()

    def invalidate(self, paths: list[Path] | None = None) -> None:
        """Forget what edits to `paths` (files or folders) affect; everything when None.

        A changed page or folder under content/ forgets those pages and every cached
        miss; anything else (data, reusables, includes) forgets the data store and the
        rendered Markdown. A new versions file needs a new DocsTree.
        """
        if paths is None:
            self._pages.clear()
            self._pages_changed()
            self._templates.clear()
        else:
            for path in paths:
                self._forget_path(Path(path))
        self.data.invalidate()
        self._includes.clear()
        self.markdown.clear()

    def _forget_path(self, path: Path) -> None:
        try:
            relpath = path.resolve().relative_to(self.content_dir).as_posix()
        except ValueError:
            return  # not a page: the data store is reset by the caller
        if relpath == ".":
            self._pages.clear()
            self._pages_changed()
        elif relpath.endswith(".md"):
            self.forget_page(relpath)
        else:
            self.forget_pages_under(relpath)
        self.forget_missing()

    # --- templates -----------------------------------------------------------------------

    def parse_template(self, text: str) -> BoundTemplate:
        """Parse Liquid source once; pages and reusables render from the cached template."""
        template = self._templates.get(text)
        if template is None:
            template = self.env.from_string(text)
            self._templates.put(text, template)
        return template

    def find_include(self, name: str) -> tuple[str, str] | None:
        """(file shown in messages, text) of includes/<name>[.html], read once."""
        if name not in self._includes:
            self._includes[name] = self._read_include(name)
        return self._includes[name]

    def _read_include(self, name: str) -> tuple[str, str] | None:
        folder = self.root / "includes"
        for candidate in (folder / name, folder / f"{name}.html"):
            if _is_file(candidate) and _inside(candidate, folder):
                return self.display(candidate), read_source(candidate, self.display(candidate))
        return None

    def liquid_globals(self) -> dict[str, object]:
        """Template names shared by every render (computed once per tree)."""
        if self._globals is None:
            all_versions = {v.id: {"version": v.id, "versionTitle": v.title, "plan": v.plan,
                                   "planTitle": v.plan_title, "currentRelease": v.release} for v in self.model.versions}
            self._globals = {"currentLanguage": "en", "site": {"data": DataNamespace(self.data, "")},
                             "allVersions": all_versions, **self.model.liquid_globals()}
        return self._globals


def normalize_url_path(url_path: str) -> str | None:
    """'/actions/x/' -> 'actions/x'; None for paths that try to leave the tree."""
    path = url_path.split("#", 1)[0].split("?", 1)[0].strip("/")
    parts = [p for p in path.split("/") if p]
    if any(p in ("..", ".") or "\\" in p or "\x00" in p for p in parts):
        return None
    return "/".join(parts)


def _is_file(path: Path) -> bool:
    """Path.is_file(), but False for names the file system refuses (too long, ...)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _is_entry(path: Path) -> bool:
    """Something that is no folder is there (a file, a FIFO, a device, a symlink to one)."""
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):  # nothing there, or a name the file system refuses (too long, NUL, ...)
        return False


def _inside(file: Path, folder: Path) -> bool:
    real = os.path.realpath(file)
    return real.startswith(os.path.realpath(folder) + os.sep)


class DataNamespace(Mapping):
    """`site.data.variables.product.x` for templates: a lazy view of the data store."""

    def __init__(self, store: DataStore, prefix: str):
        self.store = store
        self.prefix = prefix

    def __getitem__(self, key: str) -> object:
        dotted = f"{self.prefix}.{key}" if self.prefix else str(key)
        if self.prefix and not DataStore.validate_path(dotted):
            item = self.store.lookup(dotted)
            if item is not None:
                return item.text
            structure = self.store.structure(dotted)
            if structure is not None:
                return structure
        return DataNamespace(self.store, dotted)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0
