"""Link tags: a link to another page, rendered with that page's title for this version.

`{% link_in_list /about-github-packages %}` finds the target page (relative to the
current page's folder first, then from the content root), renders its title or intro
with Liquid for the current version, and outputs nothing when the target does not exist
in that version. The HTML mirrors what GitHub's 2020 engine produced.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, TextIO

from liquid.ast import Node
from liquid.exceptions import LiquidSyntaxError
from liquid.tag import Tag
from liquid.token import TOKEN_TAG, Token

from renderer.liquid.state import DocsLiquidError, SourceFile, expression_text, render_state

if TYPE_CHECKING:
    from liquid import RenderContext

    from renderer.model.pages import Page

LINK_CLASSES = "link Bump-link--hover no-underline"

TEMPLATES = {
    "link": '<a class="link-title Bump-link--hover no-underline" href="{href}">{title}</a>',
    "link_in_list": '- <a class="article-link ' + LINK_CLASSES + '" href="{href}">{title}</a>',
    "topic_link_in_list": '- <a class="topic-link ' + LINK_CLASSES + '" href="{href}">{title}</a>',
    "link_with_short_title": '<a class="link-title Bump-link--hover no-underline" href="{href}">{short_title}</a>',
    "link_with_intro": (
        '<a class="link-with-intro Bump-link--hover no-underline" href="{href}">\n'
        '  <h4 class="link-with-intro-title">{title}<span class="Bump-link-symbol">&#x2192;</span></h4>\n'
        "</a>\n"
        '<p class="link-with-intro-intro">{intro}</p>'
    ),
    "homepage_link_with_intro": (
        '<a href="{href}" class="link-with-intro Bump-link--hover no-underline d-block offset-lg-2 col-lg-8 mb-5">\n'
        '  <h4 class="link-with-intro-title h4-mktg">{title}<span class="Bump-link-symbol">&#x2192;</span></h4>\n'
        '  <p class="link-with-intro-intro f5">{intro}</p>\n'
        "</a>"
    ),
}


class LinkNode(Node):
    __slots__ = ("kind", "href")

    def __init__(self, token: Token, kind: str, href: str):
        super().__init__(token)
        self.kind = kind
        self.href = href

    def __str__(self) -> str:
        return f"{{% {self.kind} {self.href} %}}"

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        state = render_state(context)
        href = self.href
        if "{" in href:  # hrefs may hold Liquid, e.g. /{{ currentVersion }}/...
            href = _render_text(state, context, self.href, SourceFile("<link>", self.href, 0))
        path, _, anchor = href.partition("#")
        target = state.tree.resolve_link(state.page, path)
        if target is None:
            state.warnings.append(state.error_for(DocsLiquidError(f"link target {path!r} is not a page", token=self.token)))
            return 0
        state.deps.add(target.relpath)
        if state.version not in target.versions:
            return 0
        fields = {
            # version-neutral href: the links stage adds /en/<version>, so renders of
            # different versions can share one Markdown text
            "href": f"/{target.permalink_path}" + (f"#{anchor}" if anchor else ""),
            "title": html.escape(state.tree.markdown.render_plain(_page_text(state, context, target, "title")), quote=False),
        }
        template = TEMPLATES[self.kind]
        if "{short_title}" in template:
            short = "shortTitle" if target.frontmatter.get("shortTitle") else "title"
            fields["short_title"] = html.escape(state.tree.markdown.render_plain(_page_text(state, context, target, short)),
                                                quote=False)
        if "{intro}" in template:
            fields["intro"] = state.tree.markdown.render_inline(_page_text(state, context, target, "intro"))
        return buffer.write(template.format(**fields))


def _page_text(state, context: RenderContext, page: Page, key: str) -> str:
    """A frontmatter field of `page` rendered with Liquid for the current version."""
    value = page.frontmatter.get(key) or ""
    if "{" not in value:
        return value
    return _render_text(state, context, value, SourceFile(page.file, page.text, page.value_offset(key)))


def _render_text(state, context: RenderContext, text: str, source: SourceFile) -> str:
    buffer = context.get_buffer()
    state.render_nested(source, text, context, buffer)
    return buffer.getvalue()


def make_link_tag(kind: str) -> type[Tag]:
    class LinkTag(Tag):
        name = kind
        block = False

        def parse(self, stream) -> Node:
            tag = stream.eat(TOKEN_TAG)
            href, token = expression_text(stream, tag)
            if not href.startswith("/") or " " in href:
                raise LiquidSyntaxError(f"'{kind}' takes one path starting with '/', got {href!r}", token=token)
            return LinkNode(token, kind, href)

    LinkTag.__name__ = "".join(part.capitalize() for part in kind.split("_")) + "Tag"
    return LinkTag


LINK_TAGS = [make_link_tag(kind) for kind in TEMPLATES]
