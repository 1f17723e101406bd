"""`render build`: the complete static site, every page in every version it exists in.

Output, ready for any static host:

- `/en/<version>/<path>/index.html` for every page and version (home: `/en/<version>/`);
- redirect stubs (meta refresh + canonical) for every `redirect_from` and for
  version-less URLs (`/en/<path>/`, `/<path>/`), a root `/index.html`, `/404.html`;
- `/sitemap.xml`, `/search/<version>/` (offline search: results page and Pagefind bundle), `/static/` (CSS, JS).

How a build runs:

1. Load the tree (frontmatter of unchanged files comes from the cache) and compute the
   navigation of every version once.
2. Plan: a render is reused when the page file and everything it used (reusables,
   variables, linked pages' frontmatter, includes: `RenderedPage.deps`) are unchanged;
   its output file is kept when, in addition, nothing that every page's chrome is made
   of changed (navigation, titles, which pages exist in which versions).
3. Workers (a process pool, or a Dask cluster with `--executor dask://host:port`)
   render and lay out pages -- one task per few pages, every version of a page in the
   same task, so identical texts share the Markdown cache -- and write the HTML into a
   staging folder beside `--out`. Meanwhile the main process writes the redirect stubs.
4. Search indexes and sitemap; then the internal link check.
5. Commit. A build without a usable cache writes the whole site into the staging folder
   and swaps it in with one rename (renameat2 RENAME_EXCHANGE where Linux has it). An
   incremental build stages only the files that changed and then moves each into place
   (a rename each: readers never see half a file, but can see some files of the new
   build next to the old ones for those few milliseconds); an interrupted commit makes
   the next build a full one. Anything that fails before the commit -- render errors,
   --strict link errors, a crash, Ctrl-C -- leaves the previous site untouched and the
   staging folder removed.

The cache lives in `.render-cache/<out name>/` beside `--out` (one marshal file): page
frontmatter, a record per render (deps with digests, titles, search entry, links and
element ids, link-check results), the digest of every file in the site. Output is
byte-identical to a clean build: everything is iterated sorted and nothing depends on
time or order of completion.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import ctypes
import dataclasses
import hashlib
import html as html_lib
import marshal
import math
import multiprocessing
import os
import pickle
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote, urljoin

from renderer.errors import RenderError
from renderer.site.layout import SITE_DIR, SiteLayout, directory_digest
from renderer.model.pages import Page
from renderer.site.search import index_all, search_record, searchable
from renderer.model.tree import DocsTree, normalize_url_path

CACHE_FORMAT = 11
BODY_START = "<!-- docs:body -->"
BODY_END = "<!-- /docs:body -->"
RESERVED_TOP = {"en", "static", "search", "404.html", "index.html", "sitemap.xml", "assets"}
# engine modules that do not shape the site (editing them keeps the cache)
NOT_OUTPUT_CODE = {"commands", "serve", "check", "parity"}  # sub-packages
PARSE_HELPER_ABOVE = 200  # pages to parse: more than this, and a helper process parses half
CHUNKS_PER_WORKER = 12  # tasks per worker: small enough to balance, big enough to share caches
SERIAL_BELOW = 250  # renders: fewer than this run in-process (forking workers costs more than it saves)

_HREF = re.compile(r'<a\s[^<>]*?href="([^"]*)"', re.I)
_ID = re.compile(r' id="([^"]+)"')
_NAME = re.compile(r' name="([^"]+)"')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_VERSIONED = re.compile(r"^/en/([^/]+)(/.*)?$")


def sha1(data: bytes | str) -> str:
    return hashlib.sha1(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


# --- options and report -----------------------------------------------------------------


@dataclass
class BuildOptions:
    root: Path = Path(".")
    out: Path = Path("_site")
    versions: Path | None = None
    jobs: int | None = None
    executor: str | None = None
    use_cache: bool = True
    strict: bool = False
    keep_going: bool = False
    lenient: bool = False
    base_url: str = ""
    site_dir: Path | None = None
    cache_dir: Path | None = None
    progress: bool = True


@dataclass
class BrokenLink:
    file: str
    line: int | None
    version: str
    href: str
    reason: str

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class BuildReport:
    out: Path
    pages: int = 0
    versions: int = 0
    renders: int = 0
    rendered: int = 0  # rendered in this build (the rest came from the cache)
    laid_out: int = 0  # page files produced in this build
    files: int = 0
    files_written: int = 0
    seconds: float = 0.0
    mode: str = "full"
    warnings: list[RenderError] = field(default_factory=list)
    errors: list[RenderError] = field(default_factory=list)
    broken_links: list[BrokenLink] = field(default_factory=list)
    committed: bool = False
    rendered_keys: list[tuple[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds

    @property
    def ok(self) -> bool:
        return self.committed and not self.errors


class BuildFailed(Exception):
    """The build stopped before committing; the previous site is untouched."""

    def __init__(self, report: BuildReport, reason: str):
        super().__init__(reason)
        self.report = report


# --- the cache --------------------------------------------------------------------------


@dataclass
class Cache:
    key: str = ""
    out_id: tuple[int, int] | None = None
    pages: dict[str, tuple] = field(default_factory=dict)  # relpath -> (digest, frontmatter, body_offset, versions)
    renders: dict[tuple[str, str], dict] = field(default_factory=dict)
    manifest: dict[str, str] = field(default_factory=dict)  # site file -> digest
    chrome_state: str = ""  # digest of what every page's chrome is made of (see Builder._chrome_state)
    dep_stats: dict[str, tuple] = field(default_factory=dict)  # data dep -> (file, signature, digest, site.data)
    stubs_key: str = ""  # digest of what the redirect stubs are made of
    stubs: dict[str, str] = field(default_factory=dict)  # stub path -> target URL
    search_keys: dict[str, str] = field(default_factory=dict)  # version -> digest of its search entries
    shells: dict[tuple, list] = field(default_factory=dict)  # the layout's page shells

    @staticmethod
    def folder_for(out: Path) -> Path:
        return out.parent / ".render-cache" / out.name

    @classmethod
    def load(cls, folder: Path, key: str, out: Path) -> Cache | None:
        """The cache, if it belongs to this tree, code and the site now at `out`."""
        if (folder / "APPLYING").exists():
            return None  # a commit was interrupted: the site may not match the manifest
        data = cls.read(folder)
        if data is None or data.key != key:
            return None
        if data.out_id != _dir_id(out):
            return None  # the site was replaced or removed by someone else
        return data

    @classmethod
    def read(cls, folder: Path) -> Cache | None:
        """The cache as stored, unchecked; None when missing or unreadable."""
        try:
            raw = (folder / "index.bin").read_bytes()
            if raw.startswith(MARSHAL_MAGIC):
                fields = marshal.loads(raw[len(MARSHAL_MAGIC):])
            elif raw.startswith(PICKLE_MAGIC):
                fields = pickle.loads(raw[len(PICKLE_MAGIC):])
            else:
                return None
            return cls(**fields)
        except Exception:  # a cache that cannot be read is no cache
            return None

    def save(self, folder: Path) -> None:
        """Written with marshal (plain data, several times faster than pickle), or pickle
        when frontmatter holds something else (a YAML date)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        try:
            raw = MARSHAL_MAGIC + marshal.dumps(fields)
        except ValueError:
            raw = PICKLE_MAGIC + pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".index.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
            os.replace(tmp, folder / "index.bin")
        except BaseException:
            _unlink(tmp)
            raise


MARSHAL_MAGIC = b"render-cache marshal\n"
PICKLE_MAGIC = b"render-cache pickle\n"


def _dir_id(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def code_key(options: BuildOptions, tree: DocsTree, site_dir: Path) -> str:
    """What every render depends on: engine code, site templates, version model, options."""
    digest = hashlib.sha1(f"format {CACHE_FORMAT}\0{sys.version}\0{tree.root}\0{options.lenient}\0{options.base_url}\0".encode())
    package = Path(__file__).resolve().parents[1]
    for file in sorted(package.rglob("*.py")):
        relative = file.relative_to(package)
        if relative.parts[0] not in NOT_OUTPUT_CODE:
            digest.update(relative.as_posix().encode() + b"\0" + file.read_bytes())
    digest.update(directory_digest(site_dir).encode())
    versions_file = tree.versions_file
    digest.update(versions_file.read_bytes() if versions_file else b"<defaults>")
    products = tree.root / "data" / "products.yml"
    digest.update(products.read_bytes() if products.is_file() else b"")
    return digest.hexdigest()


class Digests:
    """Current digests of render dependencies (memoized).

    A page another page links to counts by its frontmatter only (link tags show its
    title, short title and intro, for the versions it lists); `file:<relpath>` is a
    whole page file (the page itself; a map topic's category index). Data files whose
    size, mtime and inode are as in the last build keep their digests without being read
    (unless they changed within two seconds of that build, as git does for racy files).
    """

    def __init__(self, tree: DocsTree, page_digests: dict[str, str], frontmatter_digests: dict[str, str],
                 old_stats: dict[str, tuple] | None = None, racy_after_ns: int = 0):
        self.tree = tree
        self.page_digests = page_digests
        self.frontmatter_digests = frontmatter_digests
        self.memo: dict[str, str] = {}
        self.uses_site_data: set[str] = set()
        self.old_stats = old_stats or {}
        self.stats: dict[str, tuple] = {}  # data dep -> (file, signature, digest, uses site.data)
        self.racy_after_ns = racy_after_ns
        self._signatures: dict[str, tuple | None] = {}

    def of(self, dep: str) -> str:
        found = self.memo.get(dep)
        if found is None:
            found = self.memo[dep] = self._compute(dep)
        return found

    def _signature(self, file: str) -> tuple | None:
        if file not in self._signatures:
            try:
                st = os.stat(file)
                self._signatures[file] = (st.st_mtime_ns, st.st_size, st.st_ino)
            except OSError:
                self._signatures[file] = None
        return self._signatures[file]

    def _compute(self, dep: str) -> str:
        if dep == "shape:":  # which pages and includes exist
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
        if old is not None and old[1] is not None and self._signature(old[0]) == old[1]:
            self.stats[dep] = old
            if old[3]:
                self.uses_site_data.add(dep)
            return old[2]
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
        signature = self._signature(file)
        if signature is not None and signature[0] >= self.racy_after_ns:
            signature = None  # changed moments before or during this build: read it next time
        self.stats[dep] = (file, signature, digest, site_data)
        return digest

    def seed(self, stats: dict[str, tuple]) -> None:
        """Digests a worker computed from the files it rendered with (see `data_dep_stats`)."""
        for dep, entry in stats.items():
            if dep not in self.memo:
                self.memo[dep] = entry[2]
                if entry[0] is not None:
                    self.stats[dep] = entry
                if entry[3]:
                    self.uses_site_data.add(dep)

    def unchanged(self, deps: dict[str, str]) -> bool:
        return all(self.of(dep) == digest for dep, digest in deps.items())


class _CachedPage(Page):
    """A page whose frontmatter came from the cache: its text is read when first needed."""

    def __init__(self, relpath: str, file: str, frontmatter: dict, body_offset: int, versions: list[str], path: Path):
        self.relpath = relpath
        self.file = file
        self.frontmatter = frontmatter
        self.body_offset = body_offset
        self.versions = versions
        self.warnings = []  # frontmatter warnings: reported by the build that parsed the file
        self._path = path

    def __getattr__(self, name: str):
        if name in ("text", "body"):
            text = self.__dict__["_path"].read_text(encoding="utf-8")
            self.text = text
            self.body = text[self.body_offset:]
            return self.__dict__[name]
        raise AttributeError(name)


# --- workers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerConfig:
    token: str
    root: str
    versions: str | None
    lenient: bool
    site_dir: str
    base_url: str
    staging: str
    live: str
    write_all: bool
    racy_after_ns: int


_SEED: tuple[str, DocsTree, SiteLayout] | None = None  # the main process's tree, for forked workers
_LOCAL = threading.local()
_MADE_DIRS: set[str] = set()


def _init_worker(config: WorkerConfig) -> None:
    """Process pool initializer: the tree and layout, once per worker.

    A forked worker starts with the main process's tree, pages already parsed and
    navigation computed; other workers load their own.
    """
    if _SEED is not None and _SEED[0] == config.token:
        _LOCAL.state = _SEED
    else:
        _LOCAL.state = _load_state(config)


def _load_state(config: WorkerConfig) -> tuple[str, DocsTree, SiteLayout]:
    tree = DocsTree(config.root, config.versions, lenient=config.lenient)
    layout = SiteLayout(tree, config.site_dir, base_url=config.base_url)
    return (config.token, tree, layout)


def _worker_state(config: WorkerConfig) -> tuple[str, DocsTree, SiteLayout]:
    state = getattr(_LOCAL, "state", None)
    if state is None or state[0] != config.token:
        state = _LOCAL.state = _load_state(config)  # Dask workers: one tree per thread
    return state


def run_task(config: WorkerConfig, task: list[tuple[str, list[tuple]]]) -> list[dict]:
    """Render and lay out the items of a few pages; write their files into staging."""
    _token, tree, layout = _worker_state(config)
    results = []
    for relpath, items in task:
        page = tree.page(relpath)
        for item in items:
            results.append(_do_item(tree, layout, config, page, relpath, item))
    if layout.new_shells and layout._shells_ok:  # page shells for the build cache
        results.append({"shells": {shape: layout._shells[shape] for shape in layout.new_shells}})
    layout.new_shells.clear()
    return results


def _do_item(tree: DocsTree, layout: SiteLayout, config: WorkerConfig, page: Page, relpath: str, item: tuple) -> dict:
    from renderer.pipeline import render_page

    version, action, out_path, old_digest, reuse = item
    result: dict = {"relpath": relpath, "version": version, "out": out_path, "record": None, "error": None,
                    "kept": False}
    chrome = layout.chrome(page, version)
    result["chrome_key"] = chrome_key = layout.chrome_digest(chrome)
    body = None
    if action == "relayout":  # the render is cached; its chrome may have changed
        if sha1(chrome_key + reuse["render_digest"]) == reuse["layout_key"] and old_digest == reuse["digest"]:
            result.update(kept=True, digest=old_digest, written=False)
            return result
        body = _extract_body(Path(config.live) / out_path, reuse["body_digest"])
        if body is not None:
            title, intro = reuse["title"], reuse["intro"]
    if body is None:
        try:
            rendered = render_page(tree, page, version)
        except RenderError as err:
            result["error"] = dataclasses.asdict(err)
            return result
        title, intro, body = rendered.title, rendered.intro, rendered.html
        result["record"] = record = _record(rendered, chrome["url"], page)
        record["dep_stats"] = data_dep_stats(tree, record["deps"], config)
    data = layout.compose(chrome, title, intro, body).encode("utf-8")
    digest = sha1(data)
    result["digest"] = digest
    result["written"] = config.write_all or digest != old_digest
    if result["written"]:
        _write_file(config.staging, out_path, data)
    return result


def _parse_frontmatter(root: str, versions: str | None, lenient: bool, relpaths: list[str]) -> list[tuple]:
    """In a helper process: (frontmatter, body offset, versions) or an error, per page."""
    tree = DocsTree(root, versions, lenient=lenient)
    found: list[tuple] = []
    for relpath in relpaths:
        try:
            page = tree.page(relpath)
        except RenderError as err:
            found.append((None, dataclasses.asdict(err)))
            continue
        found.append(((page.frontmatter, page.body_offset, page.versions), None) if page is not None else (None, None))
    return found


_SIGNATURES: dict[str, tuple | None] = {}  # file -> signature, within one build
_DEP_STATS: dict[str, tuple] = {}  # dep -> stats, within one build
_SIGNATURES_BUILD: list[str] = [""]


def data_dep_stats(tree: DocsTree, deps: Iterable[str], config: WorkerConfig) -> dict[str, tuple]:
    """(file, signature, digest, uses site.data) of the data and include deps of a render,
    from the items the render used (the worker's tree has them in memory)."""
    if _SIGNATURES_BUILD[0] != config.token:
        _SIGNATURES.clear()
        _DEP_STATS.clear()
        _SIGNATURES_BUILD[0] = config.token
    racy_after_ns = config.racy_after_ns
    found: dict[str, tuple] = {}
    for dep in deps:
        if dep.endswith(".md") or dep.startswith("file:"):
            continue
        known = _DEP_STATS.get(dep)
        if known is not None:
            found[dep] = known
            continue
        if dep.startswith("includes/"):
            include = tree.find_include(dep[len("includes/"):])
            found[dep] = (None, None, sha1(include[1]) if include else "missing", False)
            continue
        try:
            item = tree.data.lookup(dep)
        except RenderError:
            continue
        if item is None:
            continue
        file = str(tree.root / item.file)
        if file not in _SIGNATURES:
            try:
                st = os.stat(file)
                _SIGNATURES[file] = (st.st_mtime_ns, st.st_size, st.st_ino)
            except OSError:
                _SIGNATURES[file] = None
        signature = _SIGNATURES[file]
        if signature is not None and signature[0] >= racy_after_ns:
            signature = None
        found[dep] = _DEP_STATS[dep] = (file, signature, sha1(item.text), "site.data" in item.text)
    return found


def _record(rendered, url: str, page: Page) -> dict:
    deps = set(rendered.deps)
    deps.add(f"file:{page.relpath}")
    if page.is_map_topic:  # its article list comes from the category index
        deps.add("file:" + (page.relpath.rsplit("/", 1)[0] + "/index.md" if "/" in page.relpath else "index.md"))
    content = rendered.intro + "\n" + rendered.html
    found = _ID.findall(content)
    if " name=" in content:
        found += _NAME.findall(content)
    ids = sorted(set(html_lib.unescape(i) if "&" in i else i for i in found))
    search = search_record(rendered.title, url, rendered.intro, rendered.html)
    body_digest = sha1(rendered.html)
    return {
        "deps": sorted(deps),
        "warnings": [dataclasses.asdict(w) for w in rendered.warnings],
        "title": rendered.title,
        "short_title": rendered.short_title,
        "intro": rendered.intro,
        "body_digest": body_digest,
        "render_digest": sha1("\0".join((rendered.title, rendered.short_title, rendered.intro, body_digest))),
        "ids": ids,
        "ids_digest": sha1("\n".join(ids)),
        "hrefs": sorted(set(h for h in (html_lib.unescape(m) for m in _HREF.findall(content)) if _is_internal(h))),
        "search": search,
        "search_digest": sha1("\x1f".join(search)),
        "site_data": "site.data" in page.text,
    }


def _is_internal(href: str) -> bool:
    if not href or href.startswith("//") or _SCHEME.match(href):
        return False
    return True


def _extract_body(file: Path, expected: str) -> str | None:
    """The article body of a page file from the previous build, if it is the expected one."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    start, end = text.find(BODY_START), text.rfind(BODY_END)
    if start < 0 or end < start:
        return None
    body = text[start + len(BODY_START): end]
    return body if sha1(body) == expected else None


def _write_file(root: str, relpath: str, data: bytes) -> None:
    """Write a new file under `root` (raw system calls: the site has tens of thousands)."""
    path = os.path.join(root, relpath)
    folder = os.path.dirname(path)
    if folder not in _MADE_DIRS:
        try:
            os.mkdir(folder)
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
        _MADE_DIRS.add(folder)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


# --- the build ---------------------------------------------------------------------------


def out_path_for(page: Page, version: str) -> str:
    path = page.permalink_path
    return f"en/{version}/{path}/index.html" if path else f"en/{version}/index.html"


def _url_of_file(path: str) -> str:
    """'en/v/x/index.html' -> '/en/v/x'; 'static/site.css' -> '/static/site.css'."""
    if path == "index.html":
        return "/"
    if path.endswith("/index.html"):
        return "/" + path[: -len("/index.html")]
    return "/" + path


class Builder:
    def __init__(self, options: BuildOptions, console=None):
        self.options = options
        self.console = console
        self.out = Path(options.out).resolve()
        own = Path(options.root).resolve() / "site"  # a docs root may bring its own layouts
        self.site_dir = (Path(options.site_dir).resolve() if options.site_dir
                         else own if (own / "templates").is_dir() else SITE_DIR)
        self.report = BuildReport(out=self.out)

    # -- helpers --

    def log(self, message: str) -> None:
        if self.console is not None:
            self.console.print(message, highlight=False, markup=False)

    def phase(self, name: str) -> None:
        """Record the time since the previous phase ended under `name`."""
        now = time.perf_counter()
        self.report.timings[name] = self.report.timings.get(name, 0.0) + now - self._last
        self._last = now

    # -- main flow --

    def run(self) -> BuildReport:
        started = self._last = time.perf_counter()
        options = self.options
        tree = DocsTree(options.root, options.versions, lenient=options.lenient)
        self.tree = tree
        self._check_out(tree)
        key = self.code_key = code_key(options, tree, self.site_dir)
        cache_folder = Path(options.cache_dir).resolve() if options.cache_dir else Cache.folder_for(self.out)
        cache = Cache.load(cache_folder, key, self.out) if options.use_cache else None
        self.report.mode = "incremental" if cache is not None else "full"

        self.phase("setup")
        self.racy_after_ns = time.time_ns() - 2_000_000_000
        pages, page_digests, frontmatter_digests = self._load_pages(tree, cache)
        digests = Digests(tree, page_digests, frontmatter_digests, cache.dep_stats if cache else None,
                          self.racy_after_ns)
        self.phase("load pages")
        layout = SiteLayout(tree, self.site_dir, base_url=options.base_url, pages=pages)
        if cache is not None:
            layout._shells.update(cache.shells)  # page shells of these same templates
        self.layout = layout
        versions = tree.model.ids
        for version in versions:
            layout.nav(version)
        self.phase("navigation")

        self.report.pages = len(pages)
        self.by_relpath = {p.relpath: p for p in pages}
        self.failed: dict[tuple[str, str], RenderError] = {}  # renders that raised
        self.report.versions = len(versions)
        self.report.renders = sum(len(p.versions) for p in pages)

        # -- plan: what to render, what to lay out again, what to keep --
        records: dict[tuple[str, str], dict] = {}
        manifest: dict[str, str] = {}
        tasks_by_page: list[tuple[str, list[tuple]]] = []
        self.chrome_state = self._chrome_state(layout, pages, key)
        same_chrome = cache is not None and cache.chrome_state == self.chrome_state
        for page in pages:
            items = []
            for version in page.versions:
                out_path = out_path_for(page, version)
                old = cache.renders.get((page.relpath, version)) if cache else None
                old_digest = cache.manifest.get(out_path) if cache else None
                if old is not None and digests.unchanged(old["deps"]):
                    if same_chrome and old_digest == old["digest"]:
                        # neither the page nor anything around it changed: keep the file
                        records[(page.relpath, version)] = old
                        manifest[out_path] = old_digest
                        continue
                    reuse = {k: old[k] for k in ("title", "intro", "body_digest", "render_digest", "layout_key",
                                                 "digest")}
                    items.append((version, "relayout", out_path, old_digest, reuse))
                else:
                    items.append((version, "render", out_path, old_digest, None))
            if items:
                tasks_by_page.append((page.relpath, items))
        self.phase("plan")

        self.out.parent.mkdir(parents=True, exist_ok=True)
        _discard_stale(self.out)
        staging = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.build-{os.getpid()}-", dir=self.out.parent))
        try:
            config = WorkerConfig(
                token=f"{key}:{os.getpid()}:{id(self)}:{started}",
                root=str(tree.root), versions=str(tree.versions_file) if tree.versions_file else None,
                lenient=options.lenient, site_dir=str(self.site_dir), base_url=options.base_url,
                staging=str(staging), live=str(self.out), write_all=cache is None, racy_after_ns=self.racy_after_ns,
            )
            extras: list[str] = []

            def while_rendering() -> None:  # the main process is free while workers render
                extras.extend(self._write_static_extras(pages, staging, manifest, cache))

            written: list[str] = []
            self._run_tasks(config, tree, layout, tasks_by_page, while_rendering,
                            lambda done: written.extend(self._collect(done, records, manifest, digests, cache)))
            self._finish_collect(records)
            self.phase("render and lay out")
            if self.report.errors and not options.keep_going:
                raise BuildFailed(self.report, f"{len(self.report.errors)} render errors")
            written += self._write_error_pages(pages, staging, manifest, cache)
            written += extras + self._write_extras(pages, records, staging, manifest, cache)
            self.phase("redirects, search, sitemap")
            self.report.broken_links = self._check_links(pages, records, manifest)
            self.phase("link check")
            if self.report.broken_links and options.strict:
                raise BuildFailed(self.report, f"{len(self.report.broken_links)} broken links (--strict)")
            self.report.files = len(manifest)
            self.report.files_written = len(written)
            new_cache = Cache(key=key, pages=self._page_cache(pages, page_digests, frontmatter_digests),
                              manifest=manifest, chrome_state=self.chrome_state, dep_stats=digests.stats,
                              stubs_key=self.stubs_key, stubs=self.stubs, search_keys=self.search_keys,
                              shells=self.layout._shells,
                              renders={k: r for k, r in records.items() if r.get("cacheable")})
            self.phase("prepare commit")
            self._commit(staging, cache, new_cache, written, cache_folder)
            self.phase("commit")
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _check_out(self, tree: DocsTree) -> None:
        """Refuse an --out that a full build would replace but that is not a built site."""
        out = self.out
        content = tree.content_dir
        if out == tree.root or out in tree.root.parents or out == content or content in out.parents:
            raise RenderError(f"--out {out} would replace or sit in the docs tree; choose a folder of its own")
        if not out.exists():
            return
        if not out.is_dir():
            raise RenderError(f"--out {out} is a file, not a folder")
        if any(out.iterdir()) and not ((out / "en").is_dir() and (out / "404.html").is_file()):
            raise RenderError(f"--out {out} holds files that are not a site built by `render build`; "
                              "choose another folder or empty it")

    @staticmethod
    def _chrome_state(layout: SiteLayout, pages: list[Page], key: str) -> str:
        """What every page's chrome is made of: navigation and site title of each version,
        and which pages exist in which versions (version picker targets)."""
        digest = hashlib.sha1(key.encode())
        for version in layout.tree.model.ids:
            digest.update(f"{version}\0{layout.nav(version).digest()}\0{layout.site_title(version)}\0".encode())
        for page in pages:
            digest.update(f"{page.relpath}\0{','.join(page.versions)}\n".encode())
        return digest.hexdigest()

    # -- pages --

    def _load_pages(self, tree: DocsTree, cache: Cache | None) -> tuple[list[Page], dict[str, str], dict[str, str]]:
        """Every page. Unchanged files keep their frontmatter from the cache (no YAML), and
        files whose size, mtime and inode are as before are not even read now."""
        pages: list[Page] = []
        digests: dict[str, str] = {}
        frontmatter_digests: dict[str, str] = {}
        self.page_signatures: dict[str, tuple | None] = {}
        # Pages parsed in an earlier build go straight into the tree's page cache (a private
        # dict of DocsTree); without it, every page is parsed again.
        tree_pages = getattr(tree, "_pages", None)
        cached = cache.pages if cache and isinstance(tree_pages, dict) else {}
        to_parse: list[tuple[str, str, bytes]] = []
        for relpath in tree.page_relpaths():
            file = tree.content_dir / relpath
            try:
                st = os.stat(file)
            except OSError:
                continue
            signature = (st.st_mtime_ns, st.st_size, st.st_ino)
            self.page_signatures[relpath] = signature if st.st_mtime_ns < self.racy_after_ns else None
            entry = cached.get(relpath)
            if entry is not None and entry[4] is not None and entry[4] == signature:
                digest, frontmatter, body_offset, versions, _sig, fm_digest = entry
                page = _CachedPage(relpath, tree.display(file), frontmatter, body_offset, list(versions), file)
                tree_pages[relpath] = page
            else:
                try:  # only regular files inside content/ within the size limit, named fit for a URL
                    raw = tree.read_page_bytes(relpath)
                except RenderError as err:
                    self.report.errors.append(err)
                    continue
                digest = sha1(raw)
                if entry is not None and entry[0] == digest:
                    text = raw.decode("utf-8")
                    _, frontmatter, body_offset, versions, _sig, fm_digest = entry
                    page = Page(relpath, tree.display(file), text, frontmatter, text[body_offset:], body_offset,
                                list(versions))
                    tree_pages[relpath] = page
                else:
                    to_parse.append((relpath, digest, raw))
                    continue
            digests[relpath] = digest
            frontmatter_digests[relpath] = fm_digest
            pages.append(page)
        for relpath, digest, page in self._parse_pages(tree, to_parse, tree_pages):
            digests[relpath] = digest
            frontmatter_digests[relpath] = sha1(page.text[: page.body_offset])
            pages.append(page)
        pages.sort(key=lambda p: p.relpath)
        return self._unique_urls(pages), digests, frontmatter_digests

    def _parse_pages(self, tree: DocsTree, to_parse: list[tuple[str, str, bytes]], tree_pages) -> list[tuple]:
        """Parse new and changed pages: (relpath, digest, page). A full build of a big tree
        parses half of them in a forked helper meanwhile (YAML is most of loading)."""
        helper_share: list[tuple[str, str, bytes]] = []
        jobs = self.options.jobs or os.cpu_count() or 1
        if (len(to_parse) >= PARSE_HELPER_ABOVE and jobs > 1 and isinstance(tree_pages, dict) and not self.options.executor
                and "fork" in multiprocessing.get_all_start_methods()):
            half = len(to_parse) // 2
            to_parse, helper_share = to_parse[:half], to_parse[half:]
        parsed = []
        helper = future = None
        try:
            if helper_share:
                helper = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
                future = helper.submit(_parse_frontmatter, str(tree.root),
                                       str(tree.versions_file) if tree.versions_file else None, tree.lenient,
                                       [relpath for relpath, _, _ in helper_share])
            for relpath, digest, _raw in to_parse:
                try:
                    page = tree.page(relpath)
                except RenderError as err:
                    self.report.errors.append(err)
                    continue
                if page is not None:
                    parsed.append((relpath, digest, page))
            if future is not None:
                for (relpath, digest, raw), (fields, error) in zip(helper_share, future.result()):
                    if error is not None:
                        self.report.errors.append(RenderError(**error))
                    elif fields is not None:
                        frontmatter, body_offset, versions = fields
                        text = raw.decode("utf-8")
                        page = Page(relpath, tree.display(tree.content_dir / relpath), text, frontmatter,
                                    text[body_offset:], body_offset, versions)
                        tree_pages[relpath] = page
                        parsed.append((relpath, digest, page))
        finally:
            if helper is not None:
                helper.shutdown(wait=True, cancel_futures=True)
        return parsed

    def _unique_urls(self, pages: list[Page]) -> list[Page]:
        """Two files for one URL ('a/b.md' and 'a/b/index.md'): the second is an error."""
        seen: dict[str, Page] = {}
        unique = []
        for page in pages:
            other = seen.setdefault(page.permalink_path, page)
            if other is page:
                unique.append(page)
            else:
                self.report.errors.append(RenderError(
                    f"this page has the same URL (/{page.permalink_path}/) as {other.file}; rename one of them",
                    file=page.file, line=1, column=1))
        return unique

    def _page_cache(self, pages: list[Page], digests: dict[str, str], frontmatter_digests: dict[str, str]):
        return {p.relpath: (digests[p.relpath], p.frontmatter, p.body_offset, tuple(p.versions),
                            self.page_signatures.get(p.relpath), frontmatter_digests[p.relpath]) for p in pages}

    # -- running the work --

    def _executor(self, config: WorkerConfig, work: int):
        """(executor, closer) for this build; (None, None) to run in this process."""
        options = self.options
        if options.executor:
            if not options.executor.startswith("dask://"):
                raise RenderError(f"unknown executor {options.executor!r} (expected dask://HOST:PORT)")
            try:
                from distributed import Client
            except ImportError:
                raise RenderError("--executor dask:// needs the 'distributed' package (pip install docs-renderer[dask])") from None
            client = Client(options.executor[len("dask://"):], timeout=30)
            return client.get_executor(), client.close
        jobs = options.jobs or os.cpu_count() or 1
        if jobs <= 1 or work < SERIAL_BELOW:
            return None, None
        global _SEED
        _SEED = (config.token, self.tree, self.layout)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(config,))
        return pool, lambda: pool.shutdown(wait=True, cancel_futures=True)

    def _run_tasks(self, config, tree, layout, tasks_by_page, while_rendering, on_results) -> None:
        """Run the work; `on_results` takes each finished batch (in completion order)."""
        work = sum(len(items) for _, items in tasks_by_page)
        executor, close = self._executor(config, work)
        progress = self._progress(work)
        try:
            if executor is None:
                global _SEED
                _SEED = (config.token, tree, layout)
                _init_worker(config)
                while_rendering()
                with progress as bar:
                    task_id = bar.add_task("Rendering", total=work)
                    for relpath, items in tasks_by_page:
                        done = run_task(config, [(relpath, items)])
                        on_results(done)
                        bar.update(task_id, advance=len(items))
            else:
                jobs = getattr(executor, "_max_workers", None) or self.options.jobs or os.cpu_count() or 2
                chunks = _chunks(tasks_by_page, max(1, math.ceil(len(tasks_by_page) / (jobs * CHUNKS_PER_WORKER))))
                futures = [executor.submit(run_task, config, chunk) for chunk in chunks]
                while_rendering()
                with progress as bar:
                    task_id = bar.add_task("Rendering", total=work)
                    for future, chunk in _completed(futures, chunks):
                        on_results(future.result())
                        bar.update(task_id, advance=sum(len(items) for _, items in chunk))
        finally:
            if close is not None:
                close()

    def _progress(self, total: int):
        console = self.console
        if not self.options.progress or console is None or not console.is_terminal:
            return _NoProgress()
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, transient=True)

    def _collect(self, results, records, manifest, digests, cache) -> list[str]:
        written = []
        for res in results:
            if "shells" in res:
                for shape, shell in res["shells"].items():
                    self.layout._shells.setdefault(shape, shell)
                continue
            key = (res["relpath"], res["version"])
            if res["error"] is not None:
                err = RenderError(**res["error"])
                if err.version is None:
                    err.version = res["version"]
                self.report.errors.append(err)
                self.failed[key] = err
                continue
            if res["kept"]:  # its chrome changed elsewhere, not the page's: nothing to do
                records[key] = cache.renders[key]
                manifest[res["out"]] = res["digest"]
                continue
            record = res["record"]
            if record is None:  # laid out again around the cached render
                record = dict(cache.renders[key])
            else:
                self.report.rendered += 1
                self.report.rendered_keys.append(key)
                digests.seed(record.pop("dep_stats"))
                record["deps"] = deps = {dep: digests.of(dep) for dep in record["deps"]}
                if record["warnings"]:  # e.g. a missing link target or include: it may appear later
                    deps["shape:"] = digests.of("shape:")
                record["cacheable"] = not (record["site_data"] or any(d in digests.uses_site_data for d in deps))
            record["chrome_key"] = res["chrome_key"]
            record["layout_key"] = sha1(res["chrome_key"] + record["render_digest"])
            record["digest"] = res["digest"]
            records[key] = record
            manifest[res["out"]] = res["digest"]
            self.report.laid_out += 1
            if res["written"]:
                written.append(res["out"])
        return written

    def _finish_collect(self, records) -> None:
        report = self.report
        order = {v: i for i, v in enumerate(self.tree.model.ids)}
        report.rendered_keys.sort()
        report.errors.sort(key=lambda e: (e.file or "", e.line or 0, e.column or 0, order.get(e.version or "", -1)))
        for key in sorted(records, key=lambda k: (k[0], order.get(k[1], 0))):
            for warning in records[key]["warnings"]:
                report.warnings.append(RenderError(**warning))

    # -- everything besides pages --

    def _emit(self, files: dict[str, bytes], staging: Path, manifest: dict[str, str], cache: Cache | None) -> list[str]:
        written = []
        old = cache.manifest if cache else {}
        for path in sorted(files):
            data = files[path]
            digest = sha1(data)
            manifest[path] = digest
            if cache is None or old.get(path) != digest:
                _write_file(str(staging), path, data)
                written.append(path)
        return written

    def _write_error_pages(self, pages, staging, manifest, cache) -> list[str]:
        """--keep-going: a page that failed to render shows its error instead of a 404."""
        files = {}
        for (relpath, version), err in sorted(self.failed.items()):
            files[out_path_for(self.by_relpath[relpath], version)] = self.layout.render_error_page(err).encode("utf-8")
        return self._emit(files, staging, manifest, cache)

    def _redirects(self, pages: list[Page]) -> dict[str, str]:
        """Stub path (no leading slash, no index.html) -> target URL."""
        model = self.tree.model
        layout = self.layout
        taken = {_url_of_file(out_path_for(p, v)).lstrip("/") for p in pages for v in p.versions}
        stubs: dict[str, str] = {}

        def add(path: str, target: str) -> None:
            if path and path not in taken and path not in stubs and path.split("/", 1)[0] not in RESERVED_TOP - {"en"}:
                stubs[path] = target

        def default_version(page: Page) -> str | None:
            if not page.versions:
                return None
            return model.default if model.default in page.versions else page.versions[0]

        for page in pages:  # sorted by relpath: the first page claiming an old URL wins
            for old in page.redirect_from:
                clean = normalize_url_path(old)
                if not clean or any(c in clean for c in '%?"<>\\ '):
                    continue
                for version in page.versions:
                    add(f"en/{version}/{clean}", layout.url_for(page, version))
        for page in pages:
            fallback = default_version(page)
            if fallback is None:
                continue
            target = layout.url_for(page, fallback)
            for old in page.redirect_from:
                clean = normalize_url_path(old)
                if not clean or any(c in clean for c in '%?"<>\\ '):
                    continue
                if clean.split("/", 1)[0] in model.by_id:
                    continue
                add(f"en/{clean}", target)
                if clean.split("/", 1)[0] not in RESERVED_TOP:
                    add(clean, target)
            if page.permalink_path:
                add(f"en/{page.permalink_path}", target)
                if page.permalink_path.split("/", 1)[0] not in RESERVED_TOP:
                    add(page.permalink_path, target)
        return stubs

    def _home_url(self, pages: list[Page]) -> str:
        model = self.tree.model
        home = next((p for p in pages if p.relpath == "index.md"), None)
        if home is not None and home.versions:
            version = model.default if model.default in home.versions else home.versions[0]
            return self.layout.url_for(home, version)
        first = next((p for p in pages if p.versions), None)
        return self.layout.url_for(first, first.versions[0]) if first else f"/en/{model.default}/"

    def _write_static_extras(self, pages, staging, manifest, cache) -> list[str]:
        """Files that do not depend on rendered bodies: redirect stubs, 404, static assets."""
        layout = self.layout
        files: dict[str, bytes] = {}
        home = self._home_url(pages)
        digest = hashlib.sha1(f"{self.code_key}\0{home}\0".encode())
        for page in pages:
            digest.update(f"{page.relpath}\0{','.join(page.versions)}\0{page.redirect_from}\n".encode())
        self.stubs_key = digest.hexdigest()
        if cache is not None and cache.stubs_key == self.stubs_key:
            # the same redirects as last time: their files are in place
            self.stubs = cache.stubs
            for path in self.stubs:
                manifest[f"{path}/index.html"] = cache.manifest[f"{path}/index.html"]
        else:
            self.stubs = self._redirects(pages)
            self.stubs.setdefault("en", home)
            for path, target in self.stubs.items():
                files[f"{path}/index.html"] = layout.render_redirect(target).encode("utf-8")
        files["index.html"] = layout.render_redirect(home).encode("utf-8")
        files["404.html"] = layout.render_404(None).encode("utf-8")
        static = self.site_dir / "static"
        for file in sorted(static.rglob("*")) if static.is_dir() else []:
            if file.is_file():
                files["static/" + file.relative_to(static).as_posix()] = file.read_bytes()
        assets = self.tree.root / "assets"
        for file in sorted(assets.rglob("*")) if assets.is_dir() else []:
            if file.is_file():
                files["assets/" + file.relative_to(assets).as_posix()] = file.read_bytes()
        return self._emit(files, staging, manifest, cache)

    def _write_extras(self, pages, records, staging, manifest, cache) -> list[str]:
        """Files made from the renders: search indexes and the sitemap."""
        files: dict[str, bytes] = {}
        to_index: dict[str, list] = {}  # versions whose search bundle changed -> their records
        self.search_keys: dict[str, str] = {}
        for version in self.tree.model.ids:
            keys = [(p.relpath, version) for p in pages if (p.relpath, version) in records and searchable(p)]
            digest = hashlib.sha1(self.code_key.encode())
            for key in keys:
                digest.update(f"{key}\0{records[key]['search_digest']}\n".encode())
            folder = f"search/{version}/"
            self.search_keys[version] = digest.hexdigest()
            previous = [path for path in cache.manifest if path.startswith(folder)] if cache is not None else []
            if cache is not None and cache.search_keys.get(version) == self.search_keys[version] and previous:
                manifest.update({path: cache.manifest[path] for path in previous})  # the same entries as last time
            else:
                to_index[version] = [records[key]["search"] for key in keys]
                files[folder + "index.html"] = self.layout.render_search_page(version).encode("utf-8")
        files.update(index_all(to_index))
        files["sitemap.xml"] = self._sitemap(pages, records)
        return self._emit(files, staging, manifest, cache)

    def _sitemap(self, pages, records) -> bytes:
        base = self.options.base_url.rstrip("/")
        urls = sorted(base + self.layout.url_for(p, v) for p in pages for v in p.versions if (p.relpath, v) in records)
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
        lines += [f"<url><loc>{html_lib.escape(u)}</loc></url>" for u in urls]
        lines.append("</urlset>")
        return ("\n".join(lines) + "\n").encode("utf-8")

    # -- link check --

    def _check_links(self, pages: list[Page], records, manifest) -> list[BrokenLink]:
        """Every internal href and #anchor in rendered pages must resolve.

        A page's result is kept from the previous build when its links did not change
        and neither did what links can point at: pages and versions, redirects, other
        files, element ids.
        """
        universe = hashlib.sha1(f"{self.chrome_state}\0{self.stubs_key}\0".encode())
        page_files = {out_path_for(p, v) for (relpath, v) in records for p in (self.by_relpath[relpath],)}
        for path in sorted(set(manifest) - page_files - {f"{s}/index.html" for s in self.stubs}):
            universe.update(f"{path}\n".encode())
        for key in sorted(records):
            universe.update(f"{key}\0{records[key]['ids_digest']}\n".encode())
        universe_key = universe.hexdigest()
        by_relpath = self.by_relpath
        urls: dict[str, tuple[str, str] | None] | None = None
        stubs: dict[str, str] = {}
        self._href_memo: dict[str, str] = {}
        id_sets: dict[tuple[str, str], frozenset[str]] = {}
        broken: list[BrokenLink] = []
        order = {v: i for i, v in enumerate(self.tree.model.ids)}
        for (relpath, version) in sorted(records, key=lambda k: (k[0], order.get(k[1], 0))):
            record = records[(relpath, version)]
            if record.get("links_checked") != universe_key:
                if urls is None:  # normalized URL -> (relpath, version) of the page there, if one
                    urls = {_url_of_file(path): None for path in manifest}
                    for key in records:
                        urls[_url_of_file(out_path_for(by_relpath[key[0]], key[1]))] = key
                    stubs = {"/" + path: target for path, target in self.stubs.items()}
                page = by_relpath[relpath]
                base = self.layout.url_for(page, version)
                found = []
                for href in record["hrefs"]:
                    reason = self._check_href(href, base, record, urls, stubs, records, id_sets)
                    if reason:
                        file, line = self._locate_once(page, record, href, version)
                        found.append((file, line, href, reason))
                record["broken"] = found
                record["links_checked"] = universe_key
            broken.extend(BrokenLink(file, line, version, href, reason) for file, line, href, reason in record["broken"])
        return broken

    def _check_href(self, href, base, record, urls, stubs, records, id_sets) -> str | None:
        if href.startswith("#"):
            anchor = unquote(href[1:])
            return None if not anchor or anchor in record["ids"] else f"no element with id '{anchor}' on this page"
        if not href.startswith("/"):
            href = urljoin(base, href)  # relative: as the browser resolves it
        found = self._href_memo.get(href)
        if found is None:
            found = self._href_memo[href] = self._check_absolute(href, urls, stubs, records, id_sets) or ""
        return found or None

    def _check_absolute(self, href, urls, stubs, records, id_sets) -> str | None:
        path, _, anchor = href.partition("#")
        path = unquote(path.split("?", 1)[0])
        if path.endswith("/index.html"):
            path = path[: -len("/index.html")]
        normalized = path.rstrip("/") or "/"
        if normalized in stubs:
            target = urls.get(stubs[normalized].rstrip("/") or "/")
        elif normalized in urls:
            target = urls[normalized]
        else:
            return "no such page"
        anchor = unquote(anchor)
        if anchor and target is not None:
            ids = id_sets.get(target)
            if ids is None:
                ids = id_sets[target] = frozenset(records[target]["ids"])
            if anchor not in ids:
                return f"no element with id '{anchor}' in {target[0]} ({target[1]})"
        return None

    def _locate_once(self, page: Page, record: dict, href: str, version: str) -> tuple[str, int | None]:
        """`_locate`, once per page and link (a link is usually broken in several versions)."""
        memo = self.__dict__.setdefault("_locate_memo", {})
        key = (page.relpath, _strip_version(href, version), tuple(sorted(record["deps"])))
        found = memo.get(key)
        if found is None:
            found = memo[key] = self._locate(page, record, href, version)
        return found

    def _locate(self, page: Page, record: dict, href: str, version: str) -> tuple[str, int | None]:
        """Best effort: the file and line where a link was written (page, then its reusables)."""
        candidates = []
        path, _, anchor = href.partition("#")
        m = _VERSIONED.match(path)
        tail = (m.group(2) or "/") if m else path
        if tail and tail != "/":
            candidates.append(tail.rstrip("/"))
            legacy = re.sub(r"^/enterprise-server@[\d.]+", "", tail)
            if legacy != tail:
                candidates.append(legacy.rstrip("/"))
        if anchor:
            candidates.append("#" + anchor)
        if tail and "/" in tail.strip("/"):
            candidates.append(tail.rstrip("/").rsplit("/", 1)[-1])
        sources = [(page.file, page.text)]
        for dep in sorted(record["deps"]):
            if not dep.endswith(".md") and not dep.startswith("includes/"):
                try:
                    item = self.tree.data.lookup(dep)
                except RenderError:
                    item = None
                if item is not None:
                    sources.append((item.file, item.file_text))
        for needle in candidates:
            for file, text in sources:
                index = text.find(needle)
                if index >= 0:
                    return file, text.count("\n", 0, index) + 1
        return page.file, None

    # -- commit --

    def _commit(self, staging: Path, old_cache: Cache | None, cache: Cache, written: list[str], folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        marker = folder / "APPLYING"
        marker.write_text("a commit of the site is in progress; an interrupted one makes the next build a full one\n")
        if old_cache is None:
            trash = _swap_in(staging, self.out)
            cache.out_id = _dir_id(self.out)
            cache.save(folder)
            _unlink(marker)
            if trash is not None:
                _discard(trash, self.out)
        else:
            for path in written:
                target = self.out / path
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / path, target)
            for path in sorted(set(old_cache.manifest) - set(cache.manifest)):
                _unlink(self.out / path)
                _prune_dirs((self.out / path).parent, self.out)
            cache.out_id = _dir_id(self.out)
            cache.save(folder)
            _unlink(marker)
        self.report.committed = True


class _NoProgress:
    """The progress bar's interface, showing nothing (no terminal, or --no-progress)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def add_task(self, *args, **kwargs) -> int:
        return 0

    def update(self, *args, **kwargs) -> None:
        return None


def _completed(futures: list, chunks: list):
    """(future, its chunk) as each finishes."""
    by_future = dict(zip(futures, chunks))
    for future in cf.as_completed(futures):
        yield future, by_future[future]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i: i + size] for i in range(0, len(items), size)]


def _prune_dirs(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


_RENAME_EXCHANGE = 2
_STAGING = re.compile(r"\.(?P<name>.+)\.build-(?P<pid>\d+)-[^/]+$")


def _discard(folder: Path, out: Path) -> None:
    """Delete a replaced site without waiting: tens of thousands of files take seconds on
    some disks, and the new site is already in place. A detached `rm -rf` does it."""
    trash = folder
    if not folder.name.startswith(f".{out.name}.old-"):
        trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rename(folder, trash / "site")
    rm = shutil.which("rm")
    if rm and os.name == "posix":
        try:
            import subprocess

            subprocess.Popen([rm, "-rf", "--", str(trash)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
            return
        except OSError:
            pass
    shutil.rmtree(trash, ignore_errors=True)


def _discard_stale(out: Path) -> None:
    """Staging folders of builds that were killed (their process is gone), and old sites."""
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        m = _STAGING.match(entry.name)
        if m and m.group("name") == out.name and not _alive(int(m.group("pid"))):
            _discard(entry, out)
        elif entry.name.startswith(f".{out.name}.old-") and entry.is_dir():
            _discard(entry, out)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _swap_in(staging: Path, out: Path) -> Path | None:
    """Put the staged site at `out` in one step; returns where the old site went (to delete)."""
    if not out.exists():
        os.rename(staging, out)
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
        renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        at_fdcwd = -100
        if renameat2(at_fdcwd, os.fsencode(staging), at_fdcwd, os.fsencode(out), _RENAME_EXCHANGE) == 0:
            return staging  # now holds the old site
    except (AttributeError, OSError):
        pass
    trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rename(out, trash / "site")  # (no renameat2 here: a moment without a site)
    os.rename(staging, out)
    return trash


# --- command line ------------------------------------------------------------------------


def build(options: BuildOptions, console=None) -> BuildReport:
    """Build the site; raises BuildFailed (site untouched) or RenderError."""
    return Builder(options, console).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="render build", description="Build the complete static site.")
    parser.add_argument("--root", default=".", help="docs root holding content/ and data/ (default: current folder)")
    parser.add_argument("--versions", default=None, help="versions file (default: <root>/data/versions.yml)")
    parser.add_argument("--out", default="_site", help="output folder (default: _site)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores; 1 = no pool)")
    parser.add_argument("--executor", default=None,
                        help="run the work on a Dask cluster: dask://HOST:PORT (its workers need the docs root "
                        "and the folder of --out at the same paths)")
    parser.add_argument("--no-cache", dest="use_cache", action="store_false", help="ignore the incremental cache")
    parser.add_argument("--strict", action="store_true", help="broken internal links fail the build")
    parser.add_argument("--keep-going", action="store_true",
                        help="publish the site even when pages fail to render (they show their error); exit 1")
    parser.add_argument("--lenient", action="store_true", help="tolerate what GitHub's 2020 engine tolerated")
    parser.add_argument("--base-url", default="", help="absolute site URL for sitemap and canonical links")
    parser.add_argument("--site-dir", default=None, help="layouts folder (default: <root>/site if it has templates/, else the engine's site/)")
    parser.add_argument("--cache-dir", default=None, help="cache folder (default: .render-cache/<out name> beside --out)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    args = parser.parse_args(argv)

    console = None
    if args.progress and sys.stderr.isatty():  # rich only for the progress bar (it costs imports)
        from rich.console import Console

        console = Console(stderr=True)
    options = BuildOptions(
        root=Path(args.root), out=Path(args.out), versions=Path(args.versions) if args.versions else None,
        jobs=args.jobs, executor=args.executor, use_cache=args.use_cache, strict=args.strict,
        keep_going=args.keep_going, lenient=args.lenient, base_url=args.base_url,
        site_dir=Path(args.site_dir) if args.site_dir else None,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None, progress=args.progress,
    )
    try:
        report = build(options, console)
        failed_reason = None
    except BuildFailed as failure:
        report, failed_reason = failure.report, str(failure)
    except RenderError as err:  # before anything was built: a broken versions file, a bad --out
        print(f"error: {err if err.file else err.message}", file=sys.stderr)
        return 1
    print_report(report, console, failed_reason)
    if failed_reason or report.errors:
        return 1
    return 0


def print_report(report: BuildReport, console, failed_reason: str | None = None) -> None:
    out = sys.stderr
    for err in report.errors:
        print(f"error: {err}", file=out)
    for headline, versions in _grouped((_headline(w), w.version) for w in report.warnings):
        print(f"warning: {headline}{_versions_note(versions)}", file=out)
    for text, versions in _grouped((f"{b.location}: broken link {_strip_version(b.href, b.version)}: {b.reason}", b.version)
                                   for b in report.broken_links):
        print(f"warning: {text}{_versions_note(versions)}", file=out)
    status = "FAILED, previous site left as it was" if failed_reason else (
        "done with errors" if report.errors else "done")
    summary = (
        f"{status}: {report.pages} pages, {report.versions} versions, {report.renders} renders "
        f"({report.rendered} rendered, {report.renders - report.rendered - len(report.errors)} from cache), "
        f"{report.files_written} of {report.files} files written, {report.mode} build, "
        f"{report.seconds:.2f} s; {len(report.warnings)} warnings, {len(report.errors)} errors, "
        f"{len(report.broken_links)} broken links"
    )
    if failed_reason:
        summary += f" ({failed_reason})"
    print(summary, file=out)
    if os.environ.get("RENDER_BUILD_TIMINGS"):
        print("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items()), file=out)


def _headline(err: RenderError) -> str:
    return f"{err.location}: {err.message}"


def _strip_version(href: str, version: str) -> str:
    prefix = f"/en/{version}"
    return href[len(prefix):] or "/" if href.startswith(prefix) else href


def _grouped(pairs: Iterable[tuple[str, str | None]]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for text, version in pairs:
        versions = grouped.setdefault(text, [])
        if version and version not in versions:
            versions.append(version)
    return list(grouped.items())


def _versions_note(versions: list[str]) -> str:
    return f" [{', '.join(versions)}]" if versions else ""
