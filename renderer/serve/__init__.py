"""`render serve`: a live preview server for writers.

Pages are rendered on request (no build first) with the same pipeline and layout as
`render build`, cached per (page, version) together with the data files and pages they
used, and re-rendered only when one of those changes. A watcher on content/, data/,
reusables/, includes/ and site/ drops the affected cache entries and tells the browser
tabs showing them to reload, over server-sent events (`/__reload`), through a small
script injected into every served page.

Safety: the server binds to loopback by default, answers GET and HEAD only, and reads
files only through the docs tree (pages, data) or from site/static after resolving
symlinks; anything else is the 404 page.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import html
import json
import mimetypes
import os
import queue
import re
import socket
import sys
import threading
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, unquote, urlsplit

from renderer.errors import RenderError
from renderer.markdown.links import LEGACY_ENTERPRISE, localize_href
from renderer.model.pages import Page
from renderer.pipeline import RenderedPage, render_page
from renderer.site.search import index_files, search_record, searchable
from renderer.model.tree import DocsTree

LANGUAGE = "en"
RELOAD_PATH = "/__reload"
STATIC_PREFIX = "/static/"  # site/static/<file> is served at /static/<file>, as the build writes it
WATCHED_DIRS = ("content", "data", "reusables", "includes", "site")
IGNORED_DIRS = {"_site", ".render-cache", ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", ".idea", ".vscode"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0:0:0:0:0:0:0:1"}
LIQUID_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
CACHE_SIZE = 2000  # rendered pages kept (their dependency sets are kept for all)
SSE_PING_SECONDS = 15.0

# Added (1), modified (2), deleted (3): the values of watchfiles.Change.
ADDED, MODIFIED, DELETED = 1, 2, 3

RELOAD_SCRIPT = """<script data-render-serve>(function(){{if(!window.EventSource)return;\
var es=new EventSource("{endpoint}?path="+encodeURIComponent(location.pathname)+"&gen={gen}");\
es.addEventListener("reload",function(){{es.close();location.reload();}});}})();</script>"""


# --- layout -------------------------------------------------------------------------


def make_layout(tree: DocsTree, site_dir: Path):
    """The site build's SiteLayout, or a minimal stand-in while renderer/layout.py is missing."""
    try:
        from renderer.site.layout import SiteLayout
    except ImportError as exc:
        if getattr(exc, "name", None) not in ("renderer.layout", __package__ + ".layout"):
            print(f"render serve: renderer/layout.py failed to import ({exc}); using the minimal layout", file=sys.stderr)
        return FallbackLayout(tree, site_dir)
    return SiteLayout(tree, site_dir=site_dir if (site_dir / "templates").is_dir() else None)


class FallbackLayout:
    """A plain page shell with a version picker: used only when renderer.layout is absent."""

    def __init__(self, tree: DocsTree, site_dir: Path | None = None):
        self.tree = tree
        self.site_dir = site_dir

    def url_for(self, page: Page, version: str) -> str:
        path = page.permalink_path
        return f"/{LANGUAGE}/{version}/{path}/" if path else f"/{LANGUAGE}/{version}/"

    def _shell(self, title: str, body: str) -> str:
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
            "pre{background:#f6f8fa;padding:1rem;overflow:auto}.error{color:#b31d28}</style>\n"
            f"</head>\n<body>\n{body}\n</body>\n</html>\n"
        )

    def render_page(self, page: Page, version: str, rendered: RenderedPage) -> str:
        options = []
        for vid in page.versions:
            title = self.tree.model.get(vid).title
            selected = ' aria-current="page"' if vid == version else ""
            options.append(f'<li><a href="{html.escape(self.url_for(page, vid))}"{selected}>{html.escape(title)}</a></li>')
        picker = f'<nav class="version-picker" aria-label="Versions"><ul>{"".join(options)}</ul></nav>'
        body = (
            f"{picker}\n<main>\n<h1>{html.escape(rendered.title)}</h1>\n"
            f'<div class="intro">{rendered.intro}</div>\n<article>{rendered.html}</article>\n</main>'
        )
        return self._shell(rendered.title, body)

    def render_404(self, version: str | None = None) -> str:
        home = f"/{LANGUAGE}/{version or self.tree.model.default}/"
        return self._shell("Page not found", f'<h1>Page not found</h1>\n<p><a href="{home}">Home</a></p>')

    def render_redirect(self, target_url: str) -> str:
        target = html.escape(target_url)
        return self._shell("Redirecting", f'<meta http-equiv="refresh" content="0; url={target}">\n<p><a href="{target}">{target}</a></p>')

    def render_error_page(self, error: RenderError) -> str:
        return self._shell("Render error", error_page_body(error))


def error_page_body(error: RenderError) -> str:
    rows = [("File", error.location), ("Version", error.version or "(all versions)")]
    table = "".join(f"<tr><th>{k}</th><td><code>{html.escape(v)}</code></td></tr>" for k, v in rows)
    return (
        f'<h1 class="error">Render error</h1>\n<p class="error">{html.escape(error.message)}</p>\n'
        f"<table>{table}</table>\n<pre>{html.escape(str(error))}</pre>"
    )


# --- request paths ------------------------------------------------------------------


def request_segments(raw: str) -> list[str] | None:
    """Decoded path segments of a request target, or None for anything suspicious.

    Percent-decoding happens once; a '%' left after it (double encoding), '.'/'..'
    segments, dot-files, backslashes, NUL and other control characters are refused.
    """
    if raw.startswith("/"):
        path = raw.split("#", 1)[0].split("?", 1)[0]
    else:  # absolute-form request target
        path = urlsplit(raw).path
    if not path.startswith("/"):
        return None
    try:
        decoded = unquote(path, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return None
    if "%" in decoded or "\\" in decoded or any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
        return None
    parts = [p for p in decoded.split("/") if p]
    if any(p.startswith(".") for p in parts):
        return None
    return parts


@dataclass
class Route:
    kind: str  # "page" | "redirect" | "static" | "search" | "notfound"
    relpath: str | None = None
    version: str | None = None
    location: str | None = None
    status: int = 200
    file: Path | None = None


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    digest: str | None = None  # of the HTML page, before the reload script


@dataclass
class Entry:
    """A rendered page (or its error page) as served, with the digest of its HTML."""

    key: tuple[str, str]
    status: int
    body: bytes  # with the reload script
    digest: str  # of the HTML before the script: the tab's token for "what I show"
    volatile: bool = False  # an error page: dropped on every change


def digest_of(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


# --- subscribers --------------------------------------------------------------------


@dataclass(eq=False)
class Subscriber:
    """One open tab: the URL path it shows and the digest of what it shows."""

    path: str
    token: str
    queue: queue.Queue = field(default_factory=queue.Queue)


class ReloadHub:
    """The open tabs listening for reloads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[Subscriber] = set()
        self.closed = False

    def add(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.add(sub)

    def remove(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    def snapshot(self) -> list[Subscriber]:
        with self._lock:
            return list(self._subscribers)

    def count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            for sub in self._subscribers:
                sub.queue.put(None)


# --- the application ----------------------------------------------------------------


class PreviewApp:
    """Routing, rendering with a dependency-tracked cache, and change handling."""

    def __init__(self, root: Path | str, versions_file: Path | str | None = None, *, lenient: bool = False,
                 log=None):
        self.root = Path(root).resolve()
        self.versions_file = Path(versions_file).resolve() if versions_file else None
        self.lenient = lenient
        self.log = log or (lambda message: None)
        self.lock = threading.RLock()  # guards the tree, the layout and the cache
        self.hub = ReloadHub()
        self.cache: OrderedDict[tuple[str, str], Entry] = OrderedDict()
        self.deps: dict[tuple[str, str], frozenset[str]] = {}  # kept for evicted entries too
        self.link_warnings: set[tuple[str, str]] = set()  # renders with unresolved link targets
        self.tree_error: RenderError | None = None
        self._search: dict[str, dict[str, bytes]] = {}  # version -> search bundle
        self.tree = DocsTree(self.root, self.versions_file, lenient=lenient)
        self._set_layout(make_layout(self.tree, self.root / "site"))

    def _set_layout(self, layout) -> None:
        self.layout = layout
        site = Path(getattr(layout, "site_dir", None) or self.root / "site")
        self.site_dir = Path(os.path.realpath(site))
        self.static_dir = self.site_dir / "static"

    # --- routing ----------------------------------------------------------------------

    def url_for(self, page: Page, version: str) -> str:
        return self.layout.url_for(page, version)

    def home_url(self, version: str | None = None) -> str:
        version = version or self.tree.model.default
        try:
            home = self.tree.page("index.md")
        except RenderError:
            home = None
        if home is not None and version in home.versions:
            return self.url_for(home, version)
        return f"/{LANGUAGE}/{version}/"

    def _best_version(self, page: Page, wanted: str | None) -> str | None:
        if wanted and wanted in page.versions:
            return wanted
        if self.tree.model.default in page.versions:
            return self.tree.model.default
        return page.versions[0] if page.versions else None

    def route(self, raw_path: str) -> Route:
        """What a request path shows. Raises RenderError when a page involved is broken."""
        parts = request_segments(raw_path)
        if parts is None:
            return Route("notfound")
        if parts and parts[0] == STATIC_PREFIX.strip("/"):
            return self._static_route(self.static_dir, parts[1:])
        if parts and parts[0] == "assets":  # images of the docs tree (<root>/assets/images/...)
            return self._static_route(self.root / "assets", parts[1:])
        if self.tree_error is not None:
            raise self.tree_error
        if len(parts) >= 2 and parts[0] == "search" and parts[1] in self.tree.model.by_id:
            return Route("search", version=parts[1], location="/".join(parts))
        if not parts or parts == [LANGUAGE]:
            return Route("redirect", location=self.home_url(), status=302)
        has_language = parts[0] == LANGUAGE
        rest = parts[1:] if has_language else parts
        version = None
        if rest and rest[0] in self.tree.model.by_id:
            version, rest = rest[0], rest[1:]
        url_path = "/".join(rest)
        page = self.tree.find_page(url_path)
        if page is not None:
            if has_language and version is not None:
                if version in page.versions:
                    return Route("page", page.relpath, version)
                return Route("notfound", version=version)
            target = self._best_version(page, version)
            if target is None:
                return Route("notfound", version=version)
            return Route("redirect", location=self.url_for(page, target), status=302)
        old = self.tree.find_redirect(url_path) if url_path else None
        if old is not None:
            page = self.tree.page(old.relpath)  # the table may hold an older parse
            target = None
            if page is not None:  # like the build: /en/<v>/<old> only where the page exists in <v>
                target = (version if version in page.versions else None) if version else self._best_version(page, None)
            if target is not None:
                return Route("redirect", location=self.url_for(page, target), status=301)
        if version is None and LEGACY_ENTERPRISE.match("/" + url_path):
            return self._legacy_route(url_path)
        return Route("notfound", version=version)

    def _legacy_route(self, url_path: str) -> Route:
        """/enterprise/2.22/admin/x and /enterprise/admin/x, as the 2020 site redirected them."""
        enterprise = self.tree.liquid_globals().get("enterpriseServerVersions") or [None]
        moved = localize_href("/" + url_path, self.tree.model.default, enterprise[0])
        parts = [p for p in moved.split("/") if p]
        if len(parts) >= 2 and parts[1] in self.tree.model.by_id:
            page = self.tree.find_page("/".join(parts[2:]))
            if page is not None and parts[1] in page.versions:
                return Route("redirect", location=self.url_for(page, parts[1]), status=301)
        return Route("notfound")

    def _static_route(self, folder: Path, parts: list[str]) -> Route:
        """A file under `folder`, refusing anything a symlink takes out of it."""
        if not parts:
            return Route("notfound")
        base = os.path.realpath(folder)
        real = os.path.realpath(folder.joinpath(*parts))
        if not real.startswith(base + os.sep) or not os.path.isfile(real):
            return Route("notfound")
        return Route("static", file=Path(real))

    # --- responses --------------------------------------------------------------------

    def respond(self, raw_path: str) -> Response:
        with self.lock:
            try:
                route = self.route(raw_path)
            except RenderError as err:
                return self._error_response(err, _requested_version(raw_path, self))
            if route.kind == "page":
                entry = self.page_entry(route.relpath, route.version)
                return Response(entry.status, entry.body, headers={"Cache-Control": "no-store"}, digest=entry.digest)
            if route.kind == "redirect":
                return self._redirect_response(route.location, route.status)
            if route.kind == "search":
                return self._search_response(route.version, route.location)
            if route.kind != "static":
                return self._not_found(route.version)
        return self._static_response(route.file)

    def page_entry(self, relpath: str, version: str) -> Entry:
        key = (relpath, version)
        with self.lock:
            entry = self.cache.get(key)
            if entry is not None:
                self.cache.move_to_end(key)
                return entry
            deps: set[str] = set()
            volatile = True
            try:
                page = self.tree.page(relpath)
                if page is None:
                    raise RenderError("the page file is gone", file=f"content/{relpath}", version=version)
                rendered = render_page(self.tree, page, version)
                text = self.layout.render_page(page, version, rendered)
                status, deps, volatile = 200, set(rendered.deps), False
                if any("is not a page" in w.message for w in rendered.warnings):
                    self.link_warnings.add(key)
                else:
                    self.link_warnings.discard(key)
            except RenderError as err:
                err = _with_version(err, version)
                self.log(f"error: {err}")
                status, text = 500, self._error_html(err)
            except Exception:  # a bug, not a writer's mistake: show it, keep serving
                trace = traceback.format_exc()
                self.log(f"internal error rendering {relpath} [{version}]:\n{trace}")
                status, text = 500, internal_error_html(trace)
            digest = digest_of(text)
            entry = Entry(key, status, inject_reload(text, digest).encode("utf-8"), digest, volatile)
            self.cache[key] = entry
            self.deps[key] = frozenset(deps)
            while len(self.cache) > CACHE_SIZE:
                self.cache.popitem(last=False)
            return entry

    def search_files(self, version: str) -> dict[str, bytes]:
        """The search bundle of a version, as the build writes it: every searchable page rendered
        and indexed (on the first search of the version after a change)."""
        files = self._search.get(version)
        if files is None:
            records = []
            for page in self.tree.all_pages(errors=[]):
                if version not in page.versions or not searchable(page):
                    continue
                try:
                    rendered = render_page(self.tree, page, version)
                except RenderError:  # shown on the page itself; the build leaves it out too
                    continue
                records.append(search_record(rendered.title, self.url_for(page, version), rendered.intro, rendered.html))
            files = self._search[version] = index_files(version, records)
        return files

    def _search_response(self, version: str, path: str) -> Response:
        if path in (f"search/{version}", f"search/{version}/index.html"):
            return self._html_response(200, self.layout.render_search_page(version))
        data = self.search_files(version).get(path)
        if data is None:
            return self._not_found(version)
        ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return Response(200, data, ctype + ("; charset=utf-8" if ctype.startswith(("text/", "application/j")) else ""),
                        {"Cache-Control": "no-store"})

    def _html_response(self, status: int, text: str, headers: dict[str, str] | None = None) -> Response:
        digest = digest_of(text)
        return Response(status, inject_reload(text, digest).encode("utf-8"),
                        headers={"Cache-Control": "no-store", **(headers or {})}, digest=digest)

    def _error_html(self, err: RenderError) -> str:
        try:
            return self.layout.render_error_page(err)
        except Exception:
            return FallbackLayout(self.tree).render_error_page(err)

    def _error_response(self, err: RenderError, version: str | None) -> Response:
        err = _with_version(err, version)
        self.log(f"error: {err}")
        return self._html_response(500, self._error_html(err))

    def _not_found(self, version: str | None) -> Response:
        if version is not None and version not in self.tree.model.by_id:
            version = None
        try:
            text = self.layout.render_404(version)
        except Exception:
            text = FallbackLayout(self.tree).render_404(version)
        return self._html_response(404, text)

    def _redirect_response(self, location: str, status: int) -> Response:
        try:
            text = self.layout.render_redirect(location)
        except Exception:
            text = FallbackLayout(self.tree).render_redirect(location)
        response = self._html_response(status, text, {"Location": location})
        response.body = text.encode("utf-8")  # a redirect stub needs no reload script
        return response

    def _static_response(self, file: Path) -> Response:
        try:
            data = file.read_bytes()
        except OSError:
            with self.lock:
                return self._not_found(None)
        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json", "image/svg+xml"):
            ctype += "; charset=utf-8"
        return Response(200, data, ctype, {"Cache-Control": "no-cache"})

    # --- live reload ------------------------------------------------------------------

    def subscribe(self, raw_path: str, token: str) -> tuple[Subscriber, bool]:
        """Register a tab; True when what it shows is already out of date."""
        sub = Subscriber(raw_path, token)
        self.hub.add(sub)  # before looking: a change from now on reaches the queue
        stale = bool(token) and self.respond(raw_path).digest != token
        return sub, stale

    def apply_changes(self, changes) -> int:
        """Invalidate what `changes` ((change, path) pairs) affect; reload the tabs whose page changed.

        Dropped renders of pages that open tabs show are rendered again at once and
        compared with what each tab shows, so only tabs whose page really changed
        reload (and find their page ready).
        """
        relevant = []
        for change, path in changes:
            rel = self._relative(path)
            if rel is not None:
                relevant.append((int(change), rel))
        if not relevant:
            return 0
        started = time.perf_counter()
        with self.lock:
            dropped = self._invalidate(relevant)
        names = sorted({"/".join(rel) for _, rel in relevant})
        message = {"changed": names[:20]}
        told = 0
        by_path: dict[str, list[Subscriber]] = {}
        for sub in self.hub.snapshot():
            by_path.setdefault(sub.path, []).append(sub)
        site_changed = any(rel[0] == "site" for _, rel in relevant)  # styles and scripts: every tab
        for path, subs in by_path.items():
            digest = self.respond(path).digest
            if digest is None:  # not a page (a static file): nothing to compare
                continue
            for sub in subs:
                if sub.token != digest or site_changed:
                    sub.token = digest
                    sub.queue.put(message)
                    told += 1
        self.log(f"changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}; {len(dropped)} cached "
                 f"render(s) dropped, {told} tab(s) reloading ({(time.perf_counter() - started) * 1000:.0f} ms)")
        return told

    def _relative(self, path: str) -> tuple[str, ...] | None:
        """Path parts relative to the docs root, or None for files the server ignores.

        Files of the layout's site folder count as site/ even when it lies outside the root.
        """
        if self.versions_file and Path(path) == self.versions_file:
            return ("data", "versions.yml")
        real = Path(os.path.realpath(path))  # the watcher also reports files through symlinked folders
        try:
            parts = real.relative_to(self.root).parts
        except ValueError:
            try:
                parts = ("site", *real.relative_to(self.site_dir).parts)
            except ValueError:
                return None
        if not parts or parts[0] not in WATCHED_DIRS:
            return None
        if any(p in IGNORED_DIRS for p in parts) or is_temp_file(parts[-1]):
            return None
        return parts

    def _invalidate(self, changes: list[tuple[int, tuple[str, ...]]]) -> set[tuple[str, str]]:
        """Forget what the changed files affect; return the dropped render keys."""
        tree = self.tree
        drop_all = False  # the layout (navigation, titles, templates) may have changed
        rebuild_tree = False
        new_layout = False
        pages: set[str] = set()  # content relpaths (files or folders) changed
        index_dirs: set[str] = set()
        structural = False
        data_prefixes: set[str] = set()
        includes: set[str] = set()
        for change, parts in changes:
            top = parts[0]
            full = self.root.joinpath(*parts)
            if self._is_versions_file(full):
                rebuild_tree = True
            elif top == "content":
                relpath = "/".join(parts[1:])
                if not relpath:
                    drop_all = structural = True
                    continue
                pages.add(relpath)
                if relpath.endswith(".md"):
                    old = tree._pages.pop(relpath, None)
                    exists = full.is_file()
                    if (old is None) == exists or change in (ADDED, DELETED):
                        structural = True
                    try:
                        new = tree.page(relpath)
                    except RenderError:
                        new = None
                    if old is None or new is None or old.frontmatter != new.frontmatter:
                        drop_all = True  # titles, versions, hidden...: the navigation shows them
                        if tree._redirects is not None and (old is None or new is None or old.redirect_from != new.redirect_from):
                            tree._redirects = None
                    if PurePosixPath(relpath).name == "index.md":
                        index_dirs.add(str(PurePosixPath(relpath).parent))
                        drop_all = True  # an index lists its children: the navigation follows it
                else:  # a folder (or a non-page file): forget everything below it
                    prefix = relpath + "/"
                    for key in [k for k in tree._pages if k.startswith(prefix)]:
                        del tree._pages[key]
                    if change != MODIFIED or full.is_dir():
                        structural = drop_all = True
                        tree._redirects = None
            elif top in ("data", "reusables"):
                prefix = self._data_prefix(parts)
                if prefix is None:
                    drop_all = True  # a data file the layout or `site.data` may read
                else:
                    data_prefixes.add(prefix)
            elif top == "includes":
                name = parts[-1]
                includes.update({f"includes/{name}", f"includes/{name.removesuffix('.html')}"})
            elif top == "site":
                new_layout = drop_all = True
        if rebuild_tree:
            self._rebuild_tree()
            drop_all = True
        elif data_prefixes or drop_all:
            tree.data.invalidate()
        if structural:
            tree._pages = {k: v for k, v in tree._pages.items() if v is not None}  # forget cached misses
        if data_prefixes and not drop_all and self._titles_use(data_prefixes):
            drop_all = True
        if new_layout and not rebuild_tree:
            self._rebuild_layout()
        elif drop_all and hasattr(self.layout, "invalidate"):
            self.layout.invalidate()
        self._search.clear()
        keys = set(self.deps) | set(self.cache)
        if drop_all:
            dropped = keys
        else:
            dropped = {key for key in keys if self._affected(key, pages, index_dirs, data_prefixes, includes, structural)}
        for key in dropped:
            self.cache.pop(key, None)
            self.deps.pop(key, None)
            self.link_warnings.discard(key)
        return dropped

    def _titles_use(self, prefixes: set[str]) -> bool:
        """Does any page title (shown in the navigation) use one of these data paths?"""
        for page in list(self.tree._pages.values()):
            if page is None:
                continue
            for name in ("title", "shortTitle"):
                value = page.frontmatter.get(name)
                if isinstance(value, str) and "{" in value and any(p in value for p in prefixes):
                    return True
        return False

    def _affected(self, key, pages, index_dirs, data_prefixes, includes, structural) -> bool:
        entry = self.cache.get(key)
        if entry is not None and entry.volatile:
            return True
        relpath = key[0]
        if relpath in pages or any(relpath.startswith(p + "/") for p in pages):
            return True
        if structural and key in self.link_warnings:
            return True
        if index_dirs and str(PurePosixPath(relpath).parent) in index_dirs:
            return True  # a map topic lists what its category index links
        deps = self.deps.get(key, frozenset())
        for dep in deps:
            if dep in pages or dep in includes:
                return True
            for prefix in data_prefixes:
                if dep == prefix or dep.startswith(prefix + "."):
                    return True
        if data_prefixes:  # `site.data.x` lookups are not recorded as dependencies
            page = self.tree._pages.get(relpath)
            if page is None or "site.data" in page.text:
                return True
        return False

    def _data_prefix(self, parts: tuple[str, ...]) -> str | None:
        """Dotted data path of a changed file or folder: reusables/a/b.md -> 'reusables.a.b'.

        None for data files outside variables/ and reusables/ (products, glossaries...).
        """
        full = self.root.joinpath(*parts)
        try:
            rest = full.relative_to(self.tree.data.reusables_dir).parts
            head = ["reusables"]
        except ValueError:
            if parts[0] != "data" or len(parts) < 2 or parts[1] != "variables":
                return None
            rest, head = parts[1:], []
        names = [*head, *rest[:-1], _strip_suffix(rest[-1])] if rest else head
        return ".".join(names) or None

    def _is_versions_file(self, full: Path) -> bool:
        default = self.root / "data" / "versions.yml"
        return full == default or (self.versions_file is not None and full == self.versions_file)

    def _rebuild_tree(self) -> None:
        try:
            tree = DocsTree(self.root, self.versions_file, lenient=self.lenient)
        except RenderError as err:
            self.tree_error = err
            return
        self.tree_error = None
        self.tree = tree
        self._rebuild_layout()

    def _rebuild_layout(self) -> None:
        try:
            self._set_layout(make_layout(self.tree, self.root / "site"))
        except Exception as exc:  # keep the old layout; say why
            self.log(f"error: the site layout failed to load: {exc}")


def _strip_suffix(name: str) -> str:
    for suffix in (".md", ".yml", ".yaml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _with_version(err: RenderError, version: str | None) -> RenderError:
    if err.version or not version:
        return err
    return dataclasses.replace(err, version=version)


def _requested_version(raw_path: str, app: PreviewApp) -> str | None:
    parts = request_segments(raw_path) or []
    for part in parts[:2]:
        if part in app.tree.model.by_id:
            return part
    return app.tree.model.default


def is_temp_file(name: str) -> bool:
    """Editor swap, backup and temporary files (vim, emacs, JetBrains, gedit, ...)."""
    return (
        name.startswith((".#", ".goutputstream", "~$"))
        or (name.startswith("#") and name.endswith("#"))
        or name.endswith(("~", ".swp", ".swo", ".swx", ".tmp", ".temp", ".bak", ".crdownload", "___jb_tmp___", "___jb_old___"))
        or name in ("4913", ".DS_Store")
        or (name.startswith(".") and not name.endswith((".md", ".yml", ".yaml")))
    )


def inject_reload(page_html: str, gen: str) -> str:
    script = RELOAD_SCRIPT.format(endpoint=RELOAD_PATH, gen=gen)
    index = page_html.lower().rfind("</body>")
    if index < 0:
        return page_html + script
    return page_html[:index] + script + page_html[index:]


def internal_error_html(trace: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Internal error</title></head><body>"
        "<h1>Internal error in the renderer</h1><p>This is a bug in the docs engine, not in your file.</p>"
        f"<pre>{html.escape(trace)}</pre></body></html>"
    )


# --- watching -----------------------------------------------------------------------


class Watcher:
    """A thread that feeds file changes under the docs root to `app.apply_changes`."""

    def __init__(self, app: PreviewApp, *, step_ms: int = 30, debounce_ms: int = 200):
        self.app = app
        self.step_ms = step_ms
        self.debounce_ms = debounce_ms
        self.ready = threading.Event()
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="render-serve-watch", daemon=True)
        self.error: BaseException | None = None

    def paths(self) -> list[str]:
        found = [str(self.app.root / name) for name in WATCHED_DIRS if (self.app.root / name).is_dir()]
        site = self.app.site_dir  # the layout's templates and assets, wherever they live
        if site.is_dir() and not any(str(site) == p or str(site).startswith(p + os.sep) for p in found):
            found.append(str(site))
        versions = self.app.versions_file
        if versions and versions.is_file() and not any(str(versions).startswith(p + os.sep) for p in found):
            found.append(str(versions))
        return found

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=2)

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # never take the server down with the watcher
            self.error = exc
            self.app.log(f"error: file watcher stopped: {exc}")
        finally:
            self.ready.set()

    def _loop(self) -> None:
        from watchfiles._rust_notify import RustNotify

        notify = RustNotify(self.paths(), False, False, 300, True, True)
        self.ready.set()
        try:
            while not self.stop_event.is_set():
                raw = notify.watch(self.debounce_ms, self.step_ms, 1000, self.stop_event)
                if raw == "stop":
                    return
                if isinstance(raw, str):  # timeout or signal
                    continue
                try:
                    self.app.apply_changes(raw)
                except Exception:
                    self.app.log(f"error handling changes:\n{traceback.format_exc()}")
        finally:
            notify.close() if hasattr(notify, "close") else None


# --- HTTP ---------------------------------------------------------------------------


class PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # many tabs and link checkers connect at once
    block_on_close = False

    def __init__(self, address, app: PreviewApp):
        self.app = app
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.loopback_only = address[0] in LOCAL_HOSTS or address[0].startswith("127.")
        super().__init__(address, PreviewHandler)


class PreviewHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "render-serve"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are closed after this

    server: PreviewHTTPServer

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def _method_not_allowed(self) -> None:
        body = b"Method not allowed: this preview server answers GET and HEAD only.\n"
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _method_not_allowed

    def _handle(self, head: bool) -> None:
        app = self.server.app
        if not self._host_allowed():
            body = b"Forbidden: this preview server answers requests for localhost only.\n"
            self._send(Response(403, body, "text/plain; charset=utf-8"), head)
            return
        try:
            if self.path.split("?", 1)[0] == RELOAD_PATH and not head:
                self._events(app)
                return
            response = app.respond(self.path)
        except (BrokenPipeError, ConnectionResetError):
            return
        except Exception:
            app.log(f"internal error for {self.path!r}:\n{traceback.format_exc()}")
            response = Response(500, internal_error_html(traceback.format_exc()).encode("utf-8"))
        self._send(response, head)

    def _host_allowed(self) -> bool:
        """On loopback, only requests naming a local host: web pages elsewhere cannot read
        the preview through DNS rebinding."""
        if not self.server.loopback_only:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        if host.startswith("["):
            name = host[1:].split("]", 1)[0]
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return name in LOCAL_HOSTS or name == self.server.server_address[0]

    def _send(self, response: Response, head: bool) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _events(self, app: PreviewApp) -> None:
        """Server-sent events: `reload` when what this tab shows has changed."""
        query = parse_qs(urlsplit(self.path).query)
        path = query.get("path", ["/"])[0]
        token = query.get("gen", [""])[0]
        self.close_connection = True
        sub = None
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.send_header("X-Accel-Buffering", "no")
            self.end_headers()
            sub, stale = app.subscribe(path, token)
            self.wfile.write(b"retry: 1000\n: subscribed\n\n")
            if stale:  # it changed between the page load and this subscription
                self.wfile.write(b'event: reload\ndata: {"changed": []}\n\n')
                return
            while not app.hub.closed:
                try:
                    message = sub.queue.get(timeout=SSE_PING_SECONDS)
                except queue.Empty:
                    self.wfile.write(b": ping\n\n")
                    continue
                if message is None:
                    return
                self.wfile.write(f"event: reload\ndata: {json.dumps(message)}\n\n".encode("utf-8"))
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            if sub is not None:
                app.hub.remove(sub)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass

    def log_error(self, format: str, *args) -> None:  # noqa: A002
        self.server.app.log("http: " + (format % args))


class PreviewServer:
    """The preview server: HTTP in a thread pool plus the file watcher. `start()`/`stop()`."""

    def __init__(self, root: Path | str, versions_file: Path | str | None = None, *, host: str = "127.0.0.1",
                 port: int = 4000, watch: bool = True, lenient: bool = False, log=None):
        self.app = PreviewApp(root, versions_file, lenient=lenient, log=log)
        self.httpd = PreviewHTTPServer((host, port), self.app)
        self.watcher = Watcher(self.app) if watch else None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        host = self.httpd.server_address[0]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def start(self) -> "PreviewServer":
        """Serve in a background thread (for tests and embedding)."""
        if self.watcher:
            self.watcher.start()
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="render-serve-http", daemon=True)
        self._thread.start()
        return self

    def wait_watching(self, timeout: float = 5.0) -> bool:
        return self.watcher.ready.wait(timeout) if self.watcher else False

    def serve_forever(self) -> None:
        if self.watcher:
            self.watcher.start()
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.app.hub.close()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
        self.httpd.server_close()
        if self.watcher:
            self.watcher.stop()

    def __enter__(self) -> "PreviewServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="render serve",
        description="Preview the docs: render pages on request, reload open tabs when sources change.",
    )
    parser.add_argument("--root", default=".", help="docs root holding content/, data/, reusables/ (default: .)")
    parser.add_argument("--versions", default=None, help="versions file (default: <root>/data/versions.yml)")
    parser.add_argument("--port", type=int, default=4000, help="port (default 4000; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--no-watch", action="store_true", help="do not watch files or live-reload")
    parser.add_argument("--lenient", action="store_true", help="tolerate what GitHub's 2020 engine tolerated")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    try:
        server = PreviewServer(args.root, args.versions, host=args.host, port=args.port, watch=not args.no_watch,
                               lenient=args.lenient, log=log)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    home = server.app.home_url()
    print(f"Serving {server.app.root} at {server.url}{home}  (Ctrl+C to stop)", file=sys.stderr, flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {args.host}: other machines can read these docs", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.app.hub.close()
        server.httpd.server_close()
        if server.watcher:
            server.watcher.stop_event.set()
    return 0
