"""What a request path shows: a page render, a redirect, a static file, a search index or 404.

Pages and redirects come from the site model (`SiteModel.resolve`), so the preview
answers every URL as the built site does: 301 for `redirect_from` and legacy URLs, 302
for version-less URLs and the home page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from renderer.errors import RenderError
from renderer.model.pages import printable_path
from renderer.model.tree import normalize_url_path
from renderer.serve.paths import static_file
from renderer.site.model import SiteModel
from renderer.site.urls import LANGUAGE

STATIC_PREFIX = "static"  # site/static/<file> is served at /static/<file>, as the build writes it


@dataclass
class Route:
    kind: str  # "page" | "redirect" | "static" | "search" | "notfound"
    relpath: str = ""
    version: str | None = None
    location: str = ""
    status: int = 200
    file: Path | None = None


class Router:
    """Routes for one site model."""

    def __init__(self, site: SiteModel, static_dir: Path):
        self.site = site
        self.static_dir = static_dir
        # pages that do not parse: their URLs show the error instead of a 404
        self.broken = {err.file: err for err in site.errors if err.file}

    def file_route(self, parts: list[str]) -> Route | None:
        """A static file or docs image route (a 404 route if missing); None for other paths."""
        if parts and parts[0] == STATIC_PREFIX:
            return self._file(self.static_dir, parts[1:])
        if parts and parts[0] == "assets":  # images of the docs tree (<root>/assets/images/...)
            return self._file(self.site.tree.root / "assets", parts[1:])
        return None

    def page_route(self, parts: list[str]) -> Route:
        """A page, a redirect, a search index or 404. Raises RenderError for a page that does not parse."""
        versions = self.site.versions.by_id
        if len(parts) == 2 and parts[0] == "search" and parts[1].removesuffix(".json") in versions:
            return Route("search", version=parts[1].removesuffix(".json"))
        target = self.site.resolve("/".join(parts))
        if target is not None and target.redirect is not None:
            return Route("redirect", location=target.redirect.target, status=target.redirect.status)
        if target is not None and target.page is not None and target.version is not None:
            return Route("page", relpath=target.page.relpath, version=target.version)
        version = requested_version(parts, self.site)
        err = self._parse_error(parts[2:] if version else parts[1:] if parts[:1] == [LANGUAGE] else parts)
        if err is not None:
            raise err
        return Route("notfound", version=version)

    def _parse_error(self, rest: list[str]) -> RenderError | None:
        clean = normalize_url_path("/".join(rest))
        if clean is None or not self.broken:
            return None
        for relpath in (f"{clean}.md", f"{clean}/index.md") if clean else ("index.md",):
            err = self.broken.get(printable_path(f"content/{relpath}"))  # errors name files as printed
            if err is not None:
                return err
        return None

    @staticmethod
    def _file(folder: Path, parts: list[str]) -> Route:
        found = static_file(folder, parts)
        return Route("static", file=found) if found else Route("notfound")


def requested_version(parts: list[str], site: SiteModel) -> str | None:
    """The version named by a path /en/<version>/..., if it is one of the site's."""
    if len(parts) >= 2 and parts[0] == LANGUAGE and parts[1] in site.versions.by_id:
        return parts[1]
    return None
