"""What the preview knows of each render besides its HTML: its search record and its links.

The search index of a version and the broken links of a page are computed from these,
with the same functions the build uses (renderer.site.search, renderer.site.linkcheck),
so the preview shows what the built site will have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from renderer.model.pages import Page
from renderer.pipeline import RenderedPage
from renderer.problems import Problem
from renderer.site.linkcheck import LinkChecker, LinkFacts, published_files, render_facts
from renderer.site.model import SiteModel
from renderer.site.search import search_record

Key = tuple[str, str]  # (relpath, version)


@dataclass(frozen=True)
class RenderFacts:
    search: list[str]  # the page's search index record, as the build writes it
    links: LinkFacts


class FactStore:
    """Facts per render (only ever for real pages), and the link checker reading them.

    `render(relpath, version)` renders a page that has no facts yet (it calls `remember`);
    it returns False when the page does not render.
    """

    def __init__(self, render: Callable[[str, str], bool]):
        self.render = render
        self.facts: dict[Key, RenderFacts] = {}
        self.problems: dict[Key, list[Problem]] = {}
        self.site: SiteModel | None = None
        self.files: frozenset[str] = frozenset()
        self.checker: LinkChecker | None = None

    def use_site(self, site: SiteModel, site_dir: Path) -> None:
        """A new site model (pages or layout changed): links are checked against it."""
        self.site = site
        self.files = published_files(site_dir)
        self.reset_checker()

    def reset_checker(self) -> None:
        """Forget resolved links (the checker caches them): after any render was dropped."""
        if self.site is not None:
            self.checker = LinkChecker(self.site, self.links_of, self.files)

    def remember(self, page: Page, version: str, rendered: RenderedPage, url: str) -> RenderFacts:
        facts = RenderFacts(search_record(rendered.title, url, rendered.intro, rendered.html),
                            render_facts(rendered, page))
        self.facts[(page.relpath, version)] = facts
        return facts

    def get(self, relpath: str, version: str) -> RenderFacts | None:
        """The facts of a render, rendering it if need be; None when it does not render."""
        key = (relpath, version)
        if key not in self.facts and not self.render(relpath, version):
            return None
        return self.facts.get(key)

    def links_of(self, relpath: str, version: str) -> LinkFacts | None:
        facts = self.get(relpath, version)
        return facts.links if facts is not None else None

    def check(self, page: Page, version: str, deps: frozenset[str]) -> list[Problem]:
        """The broken links of a render (remembered until the render is dropped)."""
        key = (page.relpath, version)
        found = self.problems.get(key)
        if found is None:
            facts = self.facts.get(key)
            found = self.checker.check(page, version, facts.links, deps) if facts and self.checker else []
            self.problems[key] = found
        return found

    def hrefs(self, key: Key) -> tuple[str, ...]:
        facts = self.facts.get(key)
        return facts.links.hrefs if facts is not None else ()

    def drop(self, key: Key) -> None:
        self.facts.pop(key, None)
        self.problems.pop(key, None)

    def clear(self) -> None:
        self.facts.clear()
        self.problems.clear()
