"""The redirect table of a site: every URL that leads somewhere else, and where.

One table for every command: the build writes a stub per entry, the preview server
answers each entry with a redirect, and the link check counts an entry as resolving.
Keys are URL paths without slashes at either end (`url_key`). Entries:

- `redirect_from` of a page, in each version the page exists in (`en/<v>/<old>`), and
  version-less (`en/<old>`, `<old>`) to the page in its default version -- permanent;
- an old `/enterprise/...` URL in `redirect_from` also under the versioned URL that the
  links stage rewrites it to (`en/enterprise-server@2.22/admin/x`) -- permanent;
- a page's version-less URL (`en/<path>`, `<path>`) to its default version -- temporary;
- the site root and `en` to the home page -- temporary.

A URL that is a page never redirects; the first page (by path) claiming a URL wins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from renderer.markdown.links import localize_href
from renderer.model.tree import normalize_url_path
from renderer.site.urls import LANGUAGE, url_key, url_of_file

if TYPE_CHECKING:
    from renderer.model.pages import Page
    from renderer.site.model import SiteModel

# First URL segments the site itself uses: never taken by a version-less redirect.
RESERVED_TOP = frozenset({LANGUAGE, "static", "search", "404.html", "index.html", "sitemap.xml", "assets"})
_UNSAFE_IN_OLD_URL = frozenset('%?"<>\\ ')


class Redirect(NamedTuple):  # (a tuple: the build cache holds the table as it is, and JSON has it as a list)
    target: str  # a page URL
    permanent: bool  # 301 (an old URL) or 302 (a version-less or home URL)

    @property
    def status(self) -> int:
        return 301 if self.permanent else 302


class SharedRedirects:
    """One Redirect per (target, permanent): the table holds about ten redirects per render,
    most of them to a few pages, so they share their values."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, bool], Redirect] = {}

    def __call__(self, target: str, permanent: bool) -> Redirect:
        redirect = self.made.get((target, permanent))
        if redirect is None:
            redirect = self.made[(target, permanent)] = Redirect(target, permanent)
        return redirect


def build_redirects(site: SiteModel) -> dict[str, Redirect]:
    """The whole table, deterministic for a given tree."""
    taken = {url_of_file(site.out_path(page, version)).strip("/") for page, version in site.renders()}
    table: dict[str, Redirect] = {}
    value = SharedRedirects()

    def add(key: str, target: str, permanent: bool) -> None:
        if key and key not in taken and key not in table and key.split("/", 1)[0] not in RESERVED_TOP - {LANGUAGE}:
            table[key] = value(target, permanent)

    olds = {page.relpath: _old_urls(page) for page in site.pages}
    for page in site.pages:
        urls = {version: site.url(page, version) for version in page.versions}
        for old in olds[page.relpath]:
            for version in page.versions:
                add(f"{LANGUAGE}/{version}/{old}", urls[version], True)
    for page in site.pages:
        _add_version_less(site, page, olds[page.relpath], add)
    for page in site.pages:
        _add_localized(site, page, olds[page.relpath], add)
    home = site.home_url()
    table.setdefault(LANGUAGE, Redirect(home, False))
    table[""] = Redirect(home, False)
    return table


def _old_urls(page: Page) -> list[str]:
    """The page's `redirect_from` entries as URL keys (unusable ones left out)."""
    found = []
    for old in page.redirect_from:
        clean = normalize_url_path(old)
        if clean and not any(c in _UNSAFE_IN_OLD_URL for c in clean):
            found.append(clean)
    return found


def _add_version_less(site: SiteModel, page: Page, olds: list[str], add: Callable[[str, str, bool], None]) -> None:
    version = site.default_version_of(page)
    if version is None:
        return
    target = site.url(page, version)
    for old in olds:
        if old.split("/", 1)[0] in site.versions.by_id:
            continue
        add(f"{LANGUAGE}/{old}", target, True)
        if old.split("/", 1)[0] not in RESERVED_TOP:
            add(old, target, True)
    if page.permalink_path:
        add(f"{LANGUAGE}/{page.permalink_path}", target, False)
        if page.permalink_path.split("/", 1)[0] not in RESERVED_TOP:
            add(page.permalink_path, target, False)


def _add_localized(site: SiteModel, page: Page, olds: list[str], add: Callable[[str, str, bool], None]) -> None:
    """Old URLs that the links stage rewrites (legacy `/enterprise/...`) under their new form."""
    rules = site.tree.link_rules
    for old in olds:
        for version in page.versions:
            key = url_key(localize_href("/" + old, version, rules=rules))
            parts = key.split("/", 2)
            if len(parts) == 3 and parts[0] == LANGUAGE and parts[1] in page.versions:
                add(key, site.url(page, parts[1]), True)
