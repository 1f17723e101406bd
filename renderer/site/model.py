"""The site model: one description of the site that build, serve and check all use.

Given the pages of a docs tree, it answers every question about the site that is not
about rendering: the URL and output file of a page in a version, the (page, version)
renders, the home URL, the redirect table, what any URL path leads to (`resolve`), and
where the version picker points. Commands differ only in what they do with the answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from renderer.errors import RenderError
from renderer.model.pages import Page
from renderer.model.tree import DocsTree
from renderer.site.redirects import Redirect, build_redirects
from renderer.site.urls import LANGUAGE, out_path, page_url, url_key

_SITE_FOLDERS = ("assets",)  # folders of the docs tree published as they are


@dataclass(frozen=True)
class Target:
    """What a URL path leads to: a page in a version, or a redirect."""

    kind: str  # "page" or "redirect"
    page: Page | None = None
    version: str | None = None
    redirect: Redirect | None = None


class SiteModel:
    def __init__(self, tree: DocsTree, pages: list[Page] | None = None):
        self.tree = tree
        self.versions = tree.model
        self.errors: list[RenderError] = []  # pages that do not parse or clash with another's URL
        loaded = pages if pages is not None else tree.all_pages(errors=self.errors)
        self.pages = self._unique_urls(sorted(loaded, key=lambda p: p.relpath))
        self.by_relpath = {page.relpath: page for page in self.pages}
        self.by_permalink = {page.permalink_path: page for page in self.pages}

    def _unique_urls(self, pages: list[Page]) -> list[Page]:
        """Two files for one URL ('a/b.md' and 'a/b/index.md'): the second is an error."""
        seen: dict[str, Page] = {}
        unique = []
        for page in pages:
            other = seen.setdefault(page.permalink_path, page)
            if other is page:
                unique.append(page)
            else:
                self.errors.append(RenderError(
                    f"this page has the same URL (/{page.permalink_path}/) as {other.file}; rename one of them",
                    file=page.file, line=1, column=1))
        return unique

    def refreshed(self, pages: list[Page] | None = None) -> SiteModel:
        """A model of the tree's pages as they are now (after edits), for a long-running preview.

        The redirect table (the costly part) is reused when no page came, went or changed
        its versions or redirect_from (a title or intro edit): it depends on nothing else.
        """
        new = SiteModel(self.tree, pages)
        if "redirects" in self.__dict__ and _url_shape(new.pages) == _url_shape(self.pages):
            new.__dict__["redirects"] = self.__dict__["redirects"]
        return new

    # --- pages and renders -------------------------------------------------------------

    def page(self, relpath: str) -> Page | None:
        return self.by_relpath.get(relpath)

    def find(self, url_path: str) -> Page | None:
        """The page at a URL path without language and version ('actions/guides/x')."""
        return self.by_permalink.get(url_key(url_path))

    def renders(self) -> Iterator[tuple[Page, str]]:
        """Every (page, version) the site has: pages by path, versions in site order."""
        for page in self.pages:
            for version in page.versions:
                yield page, version

    def has_render(self, relpath: str, version: str) -> bool:
        page = self.by_relpath.get(relpath)
        return page is not None and version in page.versions

    def render_count(self) -> int:
        return sum(len(page.versions) for page in self.pages)

    @staticmethod
    def url(page: Page, version: str) -> str:
        return page_url(page, version)

    @staticmethod
    def out_path(page: Page, version: str) -> str:
        return out_path(page, version)

    def default_version_of(self, page: Page) -> str | None:
        """Where a version-less URL of the page goes: the site default, else its first version."""
        if not page.versions:
            return None
        return self.versions.default if self.versions.default in page.versions else page.versions[0]

    def home_url(self, version: str | None = None) -> str:
        """The home page in `version` (default: the site's default version), else wherever one exists."""
        home = self.by_relpath.get("index.md")
        if home is not None and version in home.versions:
            return self.url(home, version)
        if home is not None and home.versions:
            return self.url(home, self.default_version_of(home) or home.versions[0])
        first = next((p for p in self.pages if p.versions), None)
        return self.url(first, first.versions[0]) if first else f"/{LANGUAGE}/{version or self.versions.default}/"

    # --- URLs ----------------------------------------------------------------------------

    @cached_property
    def redirects(self) -> dict[str, Redirect]:
        return build_redirects(self)

    def reuse_redirects(self, table: dict[str, Redirect]) -> None:
        """A table build_redirects() made earlier from the same pages and versions (a build's cache)."""
        self.__dict__["redirects"] = table

    @cached_property
    def _page_urls(self) -> dict[str, tuple[Page, str]]:
        return {url_key(self.url(page, version)): (page, version) for page, version in self.renders()}

    def resolve(self, url_path: str) -> Target | None:
        """What a (decoded) URL path shows: a page render, a redirect, or nothing."""
        key = url_key(url_path)
        found = self._page_urls.get(key)
        if found is not None:
            return Target("page", page=found[0], version=found[1])
        redirect = self.redirects.get(key)
        return Target("redirect", redirect=redirect) if redirect is not None else None

    def resolve_page(self, url_path: str) -> tuple[Page, str] | None:
        """The page render a URL path shows, following at most one redirect."""
        target = self.resolve(url_path)
        if target is not None and target.redirect is not None:
            target = self.resolve(target.redirect.target)
        if target is None or target.page is None or target.version is None:
            return None
        return target.page, target.version

    def is_site_file(self, url_path: str) -> bool:
        """A file the site publishes as it is (the tree's assets/): '/assets/images/x.png'."""
        parts = [p for p in url_path.split("/") if p]
        if len(parts) < 2 or parts[0] not in _SITE_FOLDERS or any(p in (".", "..") for p in parts):
            return False
        folder = self.tree.root / parts[0]
        real = os.path.realpath(folder.joinpath(*parts[1:]))
        return real.startswith(os.path.realpath(folder) + os.sep) and os.path.isfile(real)

    def in_site_folder(self, url_path: str) -> bool:
        """Is a URL path inside a folder the site publishes as it is ('/assets/...')?"""
        return url_path.lstrip("/").split("/", 1)[0] in _SITE_FOLDERS

    def release_status(self, version_id: str) -> str:
        """'supported', 'deprecated' (a known release no longer built) or 'unknown'."""
        if version_id in self.versions.by_id:
            return "supported"
        plan, _, release = version_id.rpartition("@")
        return "deprecated" if plan and self.versions.is_known_release(plan, release) else "unknown"

    # --- the version picker ------------------------------------------------------------------

    def nearest(self, page: Page, version: str) -> str | None:
        """URL of the page in `version`, else of its nearest parent there; None if none exists."""
        if version in page.versions:
            return self.url(page, version)
        parts = page.permalink_path.split("/") if page.permalink_path else []
        while parts:
            parts.pop()
            parent = self.by_permalink.get("/".join(parts))
            if parent is not None and version in parent.versions:
                return self.url(parent, version)
        return None

    def picker(self, page: Page | None, version: str) -> list[dict[str, object]]:
        """One entry per version that has this page or a parent of it (the home page for none)."""
        home = self.by_relpath.get("index.md")
        shown = page if page is not None else home
        items: list[dict[str, object]] = []
        for v in self.versions.versions:
            url = self.nearest(shown, v.id) if shown is not None else None
            if url is not None:
                items.append({"id": v.id, "title": v.title, "url": url, "current": v.id == version,
                              "exists": v.id in shown.versions if shown is not None else False})
        return items


def _url_shape(pages: list[Page]) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """What the redirect table is made from, page by page."""
    return [(page.relpath, tuple(page.versions), tuple(page.redirect_from)) for page in pages]
