"""Product landing pages: `{% for link in guideLinks %}{% include featured-link %}{% endfor %}`.

A `layout: product-landing` page lists featured pages in its frontmatter
(`gettingStartedLinks`, `guideLinks`, `popularLinks`, and `introLinks` by name). GitHub's
2020 engine gave each list to the page's Liquid as a top-level name and drew every entry
with its `includes/featured-link.html`: the target page's short title (else its title)
and intro for the version being rendered. A docs tree without that include gets the same markup built in.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, TextIO

from renderer.liquid.state import DocsLiquidError, SourceFile

if TYPE_CHECKING:
    from liquid import RenderContext
    from liquid.token import Token

    from renderer.model.pages import Page

FEATURED_LISTS = ("gettingStartedLinks", "guideLinks", "popularLinks")
FEATURED_LINK = (
    '<a class="link-with-intro Bump-link--hover no-underline d-block py-2" href="{href}">\n'
    '  <h4 class="link-with-intro-title link-gray-dark">{title}<span class="Bump-link-symbol">&#x2192;</span></h4>\n'
    '  <p class="link-with-intro-intro color-gray-5">{intro}</p>\n'
    "</a>"
)


def featured_lists(page: Page) -> dict[str, list[str]]:
    """The Liquid names a product landing page's featured lists are given under (hrefs)."""
    if page.frontmatter.get("layout") != "product-landing":
        return {}
    found = {}
    for name in FEATURED_LISTS:
        value = page.frontmatter.get(name)
        if isinstance(value, list):
            found[name] = [str(href) for href in value if isinstance(href, str)]
    return found


def render_featured_link(state, context: RenderContext, buffer: TextIO, token: Token) -> int:
    """The built-in `featured-link` include: the loop's `link` (an href) as a titled card."""
    href = context.resolve("link", token=token, default=None)
    if not isinstance(href, str) or not href.startswith("/"):
        raise DocsLiquidError(f"featured-link needs `link` to be a page path, got {href!r}", token=token)
    path, _, anchor = href.partition("#")
    target = state.tree.resolve_link(state.page, path)
    if target is None:
        state.warnings.append(state.error_for(DocsLiquidError(f"featured link {path!r} is not a page", token=token)))
        return 0
    state.deps.add(target.relpath)
    if state.version not in target.versions:
        return 0

    def text(key: str) -> str:
        value = target.frontmatter.get(key) or ""
        if not isinstance(value, str) or "{" not in value:
            return value if isinstance(value, str) else ""
        nested = context.get_buffer()
        state.render_nested(SourceFile(target.file, target.text, target.value_offset(key)), value, context, nested)
        return nested.getvalue()

    return buffer.write(FEATURED_LINK.format(
        href=f"/{target.permalink_path}" + (f"#{anchor}" if anchor else ""),  # the links stage adds /en/<version>
        title=html.escape(text("shortTitle" if target.frontmatter.get("shortTitle") else "title"), quote=False),
        intro=state.tree.markdown.render_inline(text("intro")),
    ))


BUILTIN_INCLUDES = {"featured-link": render_featured_link}
