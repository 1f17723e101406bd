"""Redirect stubs: where every `redirect_from` and every version-less URL leads."""

from __future__ import annotations

from renderer.build.plan import out_path_for
from renderer.model.pages import Page
from renderer.model.tree import DocsTree, normalize_url_path
from renderer.site.layout import SiteLayout

RESERVED_TOP = {"en", "static", "search", "404.html", "index.html", "sitemap.xml", "assets"}


def url_of_file(path: str) -> str:
    """'en/v/x/index.html' -> '/en/v/x'; 'static/site.css' -> '/static/site.css'."""
    if path == "index.html":
        return "/"
    if path.endswith("/index.html"):
        return "/" + path[: -len("/index.html")]
    return "/" + path


def _clean(old: str) -> str | None:
    clean = normalize_url_path(old)
    if not clean or any(c in clean for c in '%?"<>\\ '):
        return None
    return clean


def redirect_stubs(tree: DocsTree, pages: list[Page]) -> dict[str, str]:
    """Stub path (no leading slash, no index.html) -> target URL."""
    model = tree.model
    url_for = SiteLayout.url_for
    taken = {url_of_file(out_path_for(p, v)).lstrip("/") for p in pages for v in p.versions}
    stubs: dict[str, str] = {}

    def add(path: str, target: str) -> None:
        if path and path not in taken and path not in stubs and path.split("/", 1)[0] not in RESERVED_TOP - {"en"}:
            stubs[path] = target

    for page in pages:  # sorted by relpath: the first page claiming an old URL wins
        for clean in filter(None, map(_clean, page.redirect_from)):
            for version in page.versions:
                add(f"en/{version}/{clean}", url_for(page, version))
    for page in pages:
        if not page.versions:
            continue
        target = url_for(page, model.default if model.default in page.versions else page.versions[0])
        for clean in filter(None, map(_clean, page.redirect_from)):
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


def home_url(tree: DocsTree, pages: list[Page]) -> str:
    model = tree.model
    home = next((p for p in pages if p.relpath == "index.md"), None)
    if home is not None and home.versions:
        return SiteLayout.url_for(home, model.default if model.default in home.versions else home.versions[0])
    first = next((p for p in pages if p.versions), None)
    return SiteLayout.url_for(first, first.versions[0]) if first else f"/en/{model.default}/"
