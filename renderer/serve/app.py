"""The preview application: request paths in, responses out, with a dependency-tracked cache.

Pages are rendered on request with the same pipeline and layout as `render build`,
cached per (page, version) with the data files and pages they used, and re-rendered
only when one of those changes (`apply_changes`, fed by the watcher).
"""

from __future__ import annotations

import dataclasses
import html
import mimetypes
import os
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from renderer.errors import RenderError
from renderer.folders import folder_identity
from renderer.model.lru import LRUCache
from renderer.model.pages import Page
from renderer.model.tree import DocsTree
from renderer.pipeline import RenderedPage, render_page
from renderer.problems import Problem, format_text
from renderer.serve.facts import FactStore
from renderer.serve.invalidation import Plan, plan_changes
from renderer.serve.paths import SourcePaths, request_segments
from renderer.serve.reload import ReloadHub, Subscriber
from renderer.serve.responses import (
    Entry,
    Response,
    before_body_end,
    digest_of,
    html_response,
    inject_reload,
    internal_error_response,
    problem_notice,
)
from renderer.serve.routing import Route, Router, requested_version
from renderer.site.layout import SiteLayout
from renderer.site.model import SiteModel
from renderer.site.search import index_files, searchable

# Rendered pages kept (their dependency sets are kept for every page seen): at most this
# many, and at most this many bytes of HTML together (a corpus page is 30-200 KB).
RENDER_CACHE_ENTRIES = 2000
RENDER_CACHE_BYTES = 64 * 1024 * 1024

Log = Callable[[str], None]


def make_layout(tree: DocsTree, site_dir: Path, site: SiteModel) -> SiteLayout:
    return SiteLayout(tree, site_dir=site_dir if (site_dir / "templates").is_dir() else None, site=site)


class PreviewApp:
    """Routing, rendering with a dependency-tracked cache, and change handling."""

    site: SiteModel  # set by _use_site, with layout, router and sources
    layout: SiteLayout

    def __init__(self, root: Path | str, versions_file: Path | str | None = None, *, lenient: bool = False,
                 log: Log | None = None):
        self.root = Path(root).resolve()
        self.versions_file = Path(versions_file).resolve() if versions_file else None
        self.lenient = lenient
        self.log = log or (lambda message: None)
        self.lock = threading.RLock()  # guards the tree, the site, the layout and the caches
        self.hub = ReloadHub()
        self.cache: LRUCache[tuple[str, str], Entry] = LRUCache(
            RENDER_CACHE_ENTRIES, RENDER_CACHE_BYTES, lambda key, entry: len(entry.body))
        self.deps: dict[tuple[str, str], frozenset[str]] = {}  # only ever keys of real pages
        self.facts = FactStore(self._render_facts)  # search records and links of renders
        self.tree_error: RenderError | None = None
        self.generation = 0  # bumped when the tree is replaced: the watcher re-reads its folders
        self.changes = 0  # bumped by every invalidation
        self._search: dict[str, dict[str, bytes]] = {}  # version -> search bundle
        self.tree = DocsTree(self.root, self.versions_file, lenient=lenient)
        self._content_identity = folder_identity(self.tree.content_dir)
        self._use_site()

    def _use_site(self) -> None:
        """A site model of the tree as it is now, and the layout, router and link checker on it."""
        previous = getattr(self, "site", None)
        site = previous.refreshed() if previous is not None and previous.tree is self.tree else SiteModel(self.tree)
        try:
            layout = make_layout(self.tree, self.root / "site", site)
        except Exception as exc:  # keep the old layout; say why
            if not hasattr(self, "layout"):
                raise
            self.log(f"error: the site layout failed to load: {exc}")
            layout = self.layout
        self.site, self.layout = site, layout
        self.site_dir = Path(os.path.realpath(layout.site_dir))
        self.static_dir = self.site_dir / "static"
        self.sources = SourcePaths(self.root, self.site_dir, self.versions_file)
        self.router = Router(site, self.static_dir)
        self.facts.use_site(site, self.site_dir)

    def home_url(self, version: str | None = None) -> str:
        with self.lock:
            return self.site.home_url(version)

    # --- responses --------------------------------------------------------------------

    def respond(self, raw_path: str) -> Response:
        with self.lock:
            self.check_tree()
            try:
                route = self._route(raw_path)
            except RenderError as err:
                return self._error_response(err, self._requested_version(raw_path))
            if route.kind == "page" and route.version:
                entry = self.page_entry(route.relpath, route.version)
                return Response(entry.status, entry.body, headers={"Cache-Control": "no-store"}, digest=entry.digest)
            if route.kind == "redirect":
                return self._redirect_response(route.location, route.status)
            if route.kind not in ("static", "search"):
                return self._not_found(route.version)
        if route.kind == "search" and route.version:  # built a page at a time: other requests go on meanwhile
            return self._search_response(route.version, route.location or "")
        return self._static_response(route.file) if route.file else self._not_found(None)

    def _route(self, raw_path: str) -> Route:
        """What a request path shows. Raises RenderError when a page involved is broken."""
        parts = request_segments(raw_path)
        if parts is None:
            return Route("notfound")
        found = self.router.file_route(parts)
        if found is not None:  # static files are served even while the tree is broken
            return found
        if self.tree_error is not None:
            raise self.tree_error
        return self.router.page_route(parts)

    def page_entry(self, relpath: str, version: str) -> Entry:
        key = (relpath, version)
        with self.lock:
            entry = self.cache.get(key)
            if entry is not None:
                return entry
            volatile = True
            try:
                text = self._render(relpath, version)
                status, volatile = 200, False
            except RenderError as err:
                err = _with_version(err, version)
                self.log(f"error: {err}")
                status, text = 500, self._error_html(err)
            except Exception:  # a bug, not a writer's mistake: log it, keep serving
                self.log(f"internal error rendering {relpath} [{version}]:\n{traceback.format_exc()}")
                status, text = 500, internal_error_response().body.decode("utf-8")
            digest = digest_of(text)
            entry = Entry(key, status, inject_reload(text, digest).encode("utf-8"), digest, volatile)
            self.cache.put(key, entry)
            self.deps.setdefault(key, frozenset())
            return entry

    def _render(self, relpath: str, version: str) -> str:
        """The page as the build lays it out, with a notice of its broken links."""
        page = self.tree.page(relpath)
        if page is None:
            raise RenderError("the page file is gone", file=f"content/{relpath}", version=version)
        rendered = render_page(self.tree, page, version)
        self._remember(page, version, rendered)
        problems = self.facts.check(page, version, self.deps[(relpath, version)])
        text = self.layout.render_page(page, version, rendered)
        for problem in problems:
            self.log(format_text(problem))
        return before_body_end(text, problem_notice(problems)) if problems else text

    def _remember(self, page: Page, version: str, rendered: RenderedPage) -> None:
        self.deps[(page.relpath, version)] = frozenset(rendered.deps)
        self.facts.remember(page, version, rendered, self.site.url(page, version))

    def _render_facts(self, relpath: str, version: str) -> bool:
        """Render a page for its facts only (search, links); False when it does not render."""
        try:
            page = self.tree.page(relpath)
            if page is None or version not in page.versions:
                return False
            self._remember(page, version, render_page(self.tree, page, version))
        except RenderError:
            return False
        except Exception:
            self.log(f"internal error rendering {relpath} [{version}]:\n{traceback.format_exc()}")
            return False
        return True

    def problems(self, relpath: str, version: str) -> list[Problem]:
        """The broken links of a page in a version, as the build reports them (rendering it if need be)."""
        with self.lock:
            try:
                page = self.tree.page(relpath)
            except RenderError:
                return []
            if page is None or self.facts.get(relpath, version) is None:
                return []
            return self.facts.check(page, version, self.deps.get((relpath, version), frozenset()))

    def _search_response(self, version: str, path: str) -> Response:
        """`/search/<version>/`: the results page; below it, the version's Pagefind bundle."""
        if path in (f"search/{version}", f"search/{version}/index.html"):
            with self.lock:
                text = self.layout.render_search_page(version)
            return Response(200, inject_reload(text, digest_of(text)).encode("utf-8"), headers={"Cache-Control": "no-store"})
        data = self.search_files(version).get(path)
        if data is None:
            with self.lock:
                return self._not_found(version)
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        kind += "; charset=utf-8" if kind.startswith(("text/", "application/j")) else ""
        return Response(200, data, kind, {"Cache-Control": "no-store"})

    def search_files(self, version: str) -> dict[str, bytes]:
        """The search bundle of a version (site path -> bytes): the build's records, from real renders,
        indexed by the build's function, so the same bytes as `render build` writes."""
        data: dict[str, bytes] = {}
        for _ in range(3):  # a change while it is built: start again (renders kept are reused)
            with self.lock:
                if version in self._search:
                    return self._search[version]
                changes = self.changes
                relpaths = [p.relpath for p in self.site.pages if version in p.versions and searchable(p)]
            records = []
            for relpath in relpaths:
                with self.lock:  # a page at a time, so other requests are answered meanwhile
                    facts = self.facts.get(relpath, version) if self.changes == changes else None
                if facts is not None:
                    records.append(facts.search)
            data = index_files(version, records)  # Pagefind runs outside the lock
            with self.lock:
                if self.changes == changes:
                    self._search[version] = data
                    return data
        return data

    def _error_html(self, err: RenderError) -> str:
        try:
            return self.layout.render_error_page(err)
        except Exception as exc:  # the writer's site/templates/error.html may be broken too
            self.log(f"error: the error page template failed: {exc}")
            return plain_error_html(err)

    def _error_response(self, err: RenderError, version: str | None) -> Response:
        err = _with_version(err, version)
        self.log(f"error: {err}")
        return html_response(500, self._error_html(err))

    def _not_found(self, version: str | None) -> Response:
        if version is not None and version not in self.tree.model.by_id:
            version = None
        try:
            text = self.layout.render_404(version)
        except Exception as exc:
            self.log(f"error: the 404 page template failed: {exc}")
            text = "<!DOCTYPE html>\n<html lang=\"en\"><body><h1>Page not found</h1></body></html>"
        return html_response(404, text)

    def _redirect_response(self, location: str, status: int) -> Response:
        try:
            text = self.layout.render_redirect(location)
        except Exception as exc:
            self.log(f"error: the redirect template failed: {exc}")
            text = f'<!DOCTYPE html>\n<html lang="en"><body><a href="{html.escape(location)}">Moved</a></body></html>'
        # a redirect stub needs no reload script
        return Response(status, text.encode("utf-8"), headers={"Cache-Control": "no-store", "Location": location})

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

    def _requested_version(self, raw_path: str) -> str:
        return requested_version(request_segments(raw_path) or [], self.site) or self.tree.model.default

    # --- live reload ------------------------------------------------------------------

    def subscribe(self, raw_path: str, token: str, deliver: Callable[[dict | None], None]) -> tuple[Subscriber, bool]:
        """Register a tab; True when what it shows is already out of date."""
        sub = Subscriber(raw_path, token, deliver)
        self.hub.add(sub)  # before looking: a change from now on reaches the tab
        stale = bool(token) and self.respond(raw_path).digest != token
        return sub, stale

    def apply_changes(self, changes) -> int:
        """Invalidate what `changes` ((change, path) pairs) affect; reload the tabs whose page changed.

        Dropped renders of pages that open tabs show are rendered again at once and
        compared with what each tab shows, so only tabs whose page really changed
        reload (and find their page ready).
        """
        relevant = [(int(change), rel) for change, path in changes if (rel := self.sources.relative(path)) is not None]
        if not relevant:
            return 0
        started = time.perf_counter()
        with self.lock:
            plan = plan_changes(self.tree, self.sources, relevant)
            dropped = self._forget(plan)
        names = sorted({"/".join(rel) for _, rel in relevant})
        site_changed = any(rel[0] == "site" for _, rel in relevant)  # styles and scripts: every tab
        told = self._notify({"changed": names[:20]}, everyone=site_changed)
        self.log(f"changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}; {len(dropped)} cached "
                 f"render(s) dropped, {told} tab(s) reloading ({(time.perf_counter() - started) * 1000:.0f} ms)")
        return told

    def _notify(self, message: dict, *, everyone: bool = False) -> int:
        """Tell the tabs whose page now differs from what they show (all of them with `everyone`)."""
        told = 0
        for path, subs in self.hub.by_path().items():
            digest = self.respond(path).digest
            if digest is None and not everyone:  # not a page (a static file): nothing to compare
                continue
            for sub in subs:
                if everyone or sub.token != digest:
                    sub.token = digest or ""
                    sub.deliver(message)
                    told += 1
        return told

    def _forget(self, plan: Plan) -> set[tuple[str, str]]:
        """Apply a plan: drop what it affects; return the dropped render keys."""
        tree = self.tree
        if plan.rebuild_tree:
            self._rebuild_tree()
            plan.drop_all = True
        else:
            if plan.data_prefixes or plan.drop_all:
                tree.data.invalidate()
            if plan.touches_sources:
                tree.markdown.clear()  # rendered Markdown of old texts is not needed again
            if plan.structural:
                tree.forget_missing()
            if plan.drop_all:  # pages, URLs, titles or the layout changed
                self._use_site()
        self._search.clear()
        self.changes += 1
        keys = set(self.deps) | set(self.cache.keys())
        dropped = {key for key in keys if plan.affects(key, self.deps.get(key, frozenset()), self.facts.hrefs(key),
                                                       volatile=self._volatile(key),
                                                       link_problem=bool(self.facts.problems.get(key)))}
        for key in dropped:
            self._drop(key)
        self.facts.reset_checker()
        return dropped

    def _volatile(self, key: tuple[str, str]) -> bool:
        entry = self.cache.peek(key)
        return entry is not None and entry.volatile

    def _drop(self, key: tuple[str, str]) -> None:
        self.cache.pop(key)
        self.deps.pop(key, None)
        self.facts.drop(key)

    def resync(self) -> None:
        """Forget every render and reload every tab: for when changes may have been missed."""
        with self.lock:
            self._drop_everything()
        self._notify({"changed": []}, everyone=True)

    def _drop_everything(self) -> None:
        self.cache.clear()
        self.deps.clear()
        self.facts.clear()
        self._search.clear()
        self.changes += 1

    # --- the tree itself --------------------------------------------------------------

    def check_tree(self) -> bool:
        """Notice content/ moved away, deleted or replaced; True (and every tab told) when so."""
        with self.lock:
            identity = folder_identity(self.root / "content")
            if identity == self._content_identity:
                return False
            self._content_identity = identity
            if identity is None:
                self.tree_error = RenderError(
                    f"the docs tree is gone: there is no content/ folder in {self.root} any more (moved or deleted?); "
                    "this page comes back when it does", file="content/")
                self.log(f"error: {self.tree_error.message}")
            else:
                self.log(f"content/ is back in {self.root}: reloading the docs tree")
                self._rebuild_tree()
            self._drop_everything()
            self.generation += 1
        self._notify({"changed": ["content"]}, everyone=True)
        return True

    def _rebuild_tree(self) -> None:
        try:
            tree = DocsTree(self.root, self.versions_file, lenient=self.lenient)
        except RenderError as err:
            self.tree_error = err
            return
        self.tree_error = None
        self.tree = tree
        self.generation += 1
        self._use_site()


def plain_error_html(err: RenderError) -> str:
    """A bare error page for when the site's own error template fails."""
    rows = [("File", err.location), ("Version", err.version or "(all versions)")]
    table = "".join(f"<tr><th>{k}</th><td><code>{html.escape(v)}</code></td></tr>" for k, v in rows)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Render error</title></head><body>"
        f'<h1 class="error">Render error</h1>\n<p class="error">{html.escape(err.message)}</p>\n'
        f"<table>{table}</table>\n<pre>{html.escape(str(err))}</pre></body></html>"
    )


def _with_version(err: RenderError, version: str | None) -> RenderError:
    if err.version or not version:
        return err
    return dataclasses.replace(err, version=version)
