"""What a request path shows: a page render, a redirect, a static file, a search index or 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from renderer.errors import RenderError
from renderer.markdown.links import LEGACY_ENTERPRISE, localize_href
from renderer.model.pages import Page
from renderer.model.tree import DocsTree, normalize_url_path
from renderer.serve.paths import static_file

LANGUAGE = "en"
STATIC_PREFIX = "static"  # site/static/<file> is served at /static/<file>, as the build writes it


@dataclass
class Route:
    kind: str  # "page" | "redirect" | "static" | "search" | "notfound"
    relpath: str | None = None
    version: str | None = None
    location: str | None = None
    status: int = 200
    file: Path | None = None


class Router:
    """Routes for one docs tree. Page lookups go only to files that exist, so a request
    for a made-up path never makes the tree remember it."""

    def __init__(self, tree: DocsTree, url_for: Callable[[Page, str], str], static_dir: Path):
        self.tree = tree
        self.url_for = url_for
        self.static_dir = static_dir
        self.known: frozenset[str] = frozenset(tree.page_relpaths())

    def file_route(self, parts: list[str]) -> Route | None:
        """A static file or docs image route (a 404 route if missing); None for other paths."""
        if parts and parts[0] == STATIC_PREFIX:
            return self._file(self.static_dir, parts[1:])
        if parts and parts[0] == "assets":  # images of the docs tree (<root>/assets/images/...)
            return self._file(self.tree.root / "assets", parts[1:])
        return None

    def page_route(self, parts: list[str]) -> Route:
        """A page, a redirect, a search index or 404. Raises RenderError for a broken page."""
        by_id = self.tree.model.by_id
        if len(parts) == 2 and parts[0] == "search" and parts[1].removesuffix(".json") in by_id:
            return Route("search", version=parts[1].removesuffix(".json"))
        if not parts or parts == [LANGUAGE]:
            return Route("redirect", location=self.home_url(), status=302)
        has_language = parts[0] == LANGUAGE
        rest = parts[1:] if has_language else parts
        version = None
        if rest and rest[0] in by_id:
            version, rest = rest[0], rest[1:]
        url_path = "/".join(rest)
        page = self.find_page(url_path)
        if page is not None:
            if has_language and version is not None:
                if version in page.versions:
                    return Route("page", page.relpath, version)
                return Route("notfound", version=version)
            target = self._best_version(page, version)
            if target is None:
                return Route("notfound", version=version)
            return Route("redirect", location=self.url_for(page, target), status=302)
        return self._old_route(url_path, version)

    def _old_route(self, url_path: str, version: str | None) -> Route:
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

    def find_page(self, url_path: str) -> Page | None:
        clean = normalize_url_path(url_path)
        if clean is None:
            return None
        for relpath in ((f"{clean}.md", f"{clean}/index.md") if clean else ("index.md",)):
            if relpath in self.known:
                page = self.tree.page(relpath)
                if page is not None:
                    return page
        return None

    def home_url(self, version: str | None = None) -> str:
        version = version or self.tree.model.default
        try:
            home = self.tree.page("index.md") if "index.md" in self.known else None
        except RenderError:  # a broken home page still has its URL
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

    def _legacy_route(self, url_path: str) -> Route:
        """/enterprise/2.22/admin/x and /enterprise/admin/x, as the 2020 site redirected them."""
        enterprise = self.tree.liquid_globals().get("enterpriseServerVersions") or [None]
        moved = localize_href("/" + url_path, self.tree.model.default, enterprise[0])
        parts = [p for p in moved.split("/") if p]
        if len(parts) >= 2 and parts[1] in self.tree.model.by_id:
            page = self.find_page("/".join(parts[2:]))
            if page is not None and parts[1] in page.versions:
                return Route("redirect", location=self.url_for(page, parts[1]), status=301)
        return Route("notfound")

    @staticmethod
    def _file(folder: Path, parts: list[str]) -> Route:
        found = static_file(folder, parts)
        return Route("static", file=found) if found else Route("notfound")
