"""Product landing pages (`layout: product-landing`): the buttons under the intro.

`introLinks` names the product's entry points (`quickstart: /actions/quickstart`,
`learn: /actions/learn-github-actions`); each becomes a button titled with the target's
short title in the version being read, and is left out where the target does not exist.
(The featured lists in the body are drawn while the page renders:
renderer.liquid.featured_links.)
"""

from __future__ import annotations

from collections.abc import Callable

from renderer.errors import RenderError
from renderer.model.pages import Page
from renderer.model.tree import DocsTree

LANDING_LAYOUT = "product-landing"


def is_landing(page: Page) -> bool:
    return page.frontmatter.get("layout") == LANDING_LAYOUT


def intro_links(tree: DocsTree, page: Page, version: str, *, exists: Callable[[Page, str], bool],
                title_of: Callable[[Page, str], str], url_of: Callable[[Page, str], str]) -> list[dict[str, str]]:
    """[{name, title, url}] of a landing page's introLinks in the version, in frontmatter order."""
    links = page.frontmatter.get("introLinks") if is_landing(page) else None
    if not isinstance(links, dict):
        return []
    found = []
    for name, href in links.items():
        if not isinstance(href, str) or not href.startswith("/"):
            continue
        try:
            target = tree.resolve_link(page, href.split("#", 1)[0])
        except RenderError:  # a target that does not parse is reported where it is rendered
            target = None
        if target is not None and exists(target, version):
            found.append({"name": str(name), "title": title_of(target, version), "url": url_of(target, version)})
    return found
