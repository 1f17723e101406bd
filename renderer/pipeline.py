"""The page pipeline: Liquid -> Markdown -> links, for one page in one version."""

from __future__ import annotations

from dataclasses import dataclass, field

from liquid.exceptions import LiquidError

from renderer.errors import RenderError
from renderer.liquid.environment import RenderState, SourceFile
from renderer.liquid.featured_links import featured_lists
from renderer.model.pages import Page
from renderer.model.tree import DocsTree


@dataclass
class RenderedPage:
    version: str
    path: str  # relative to content/
    title: str
    short_title: str
    intro: str  # HTML
    html: str  # article body HTML
    deps: set[str] = field(default_factory=set)
    warnings: list[RenderError] = field(default_factory=list)

    def export_record(self) -> dict[str, str]:
        return {"version": self.version, "path": self.path, "title": self.title, "intro": self.intro, "html": self.html}


def render_liquid(tree: DocsTree, state: RenderState, source: SourceFile, text: str) -> str:
    """Render one Liquid source (page body or frontmatter field) for the state's version."""
    if "{" not in text:
        return text
    state.files.append(source)
    try:
        return tree.parse_template(text).render(_template_globals(tree, state), _render=state)
    except LiquidError as err:
        raise state.error_for(err) from None
    except RecursionError:
        raise RenderError("template nests too deeply", file=source.file, version=state.version) from None
    finally:
        state.files.pop()


def _template_globals(tree: DocsTree, state: RenderState) -> dict[str, object]:
    """The names every template of this render sees but `_render`, made once per (page, version)
    (the state holds them: with `_render` in them, each state would be a reference cycle)."""
    if state.template_globals is None:
        page = state.page
        state.template_globals = {
            "currentVersion": state.version,
            "page": {**page.frontmatter, "relativePath": page.relpath, "currentVersion": state.version},
            **tree.liquid_globals(), **featured_lists(page)}
    return state.template_globals


def render_field(tree: DocsTree, state: RenderState, page: Page, key: str) -> str:
    """A frontmatter field (title, intro, ...) rendered with Liquid for the state's version."""
    value = page.frontmatter.get(key) or ""
    if not isinstance(value, str):
        return ""
    if "{" not in value:  # no Liquid: no need to locate it
        return value
    return render_liquid(tree, state, SourceFile(page.file, page.text, page.value_offset(key)), value)


def _map_topic_list(tree: DocsTree, state: RenderState, page: Page) -> str:
    """A map topic lists its articles, each with its intro, after its own body."""
    index = tree.page(page.relpath.rsplit("/", 1)[0] + "/index.md")
    parts = []
    if index is not None:  # the articles are listed in the category index
        for href, offset in tree.map_topic_children(page):
            tag = f"{{% link_with_intro {href} %}}"
            parts.append(render_liquid(tree, state, SourceFile(index.file, index.text, offset), tag))
    return "\n" + "\n".join(p for p in parts if p)


def render_page(tree: DocsTree, page: Page, version: str) -> RenderedPage:
    """Render a page's title, intro and body for `version`. Raises RenderError on mistakes."""
    if version not in page.versions:
        raise RenderError(f"page is not available in {version} (its versions: {', '.join(page.versions) or 'none'})",
                          file=page.file, version=version)
    state = RenderState(tree, version, page, lenient=tree.lenient)
    body = render_liquid(tree, state, SourceFile(page.file, page.text, page.body_offset), page.body)
    if page.is_map_topic:
        body += _map_topic_list(tree, state, page)
    title = render_field(tree, state, page, "title")
    short_title = render_field(tree, state, page, "shortTitle") or title
    intro = render_field(tree, state, page, "intro")
    return RenderedPage(
        version=version,
        path=page.relpath,
        title=tree.markdown.render_plain(title),
        short_title=tree.markdown.render_plain(short_title),
        intro=tree.links.localize(tree.markdown.render_intro_linked(intro), version),
        html=tree.links.localize(tree.markdown.render_linked(body), version),
        deps=state.deps,
        warnings=[*page.warnings, *state.warnings],
    )
