"""Every page rendered in every version it exists in (`render`); link-tag targets that are
no page are broken links (`link`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from renderer.check.findings import Findings
from renderer.errors import RenderError
from renderer.gc_policy import batch_rendering
from renderer.model.pages import Page
from renderer.model.tree import DocsTree
from renderer.pipeline import render_page
from renderer.problems import Problem
from renderer.site.linkcheck import LinkFacts, render_facts


@dataclass(frozen=True)
class Rendered:
    page: Page
    version: str
    facts: LinkFacts  # its internal hrefs and element ids
    deps: frozenset[str]  # data paths the render used


def render_all(tree: DocsTree, renders: Iterable[tuple[Page, str]], findings: Findings) -> list[Rendered]:
    """The renders that worked; failures and warnings go to `findings`."""
    with batch_rendering():
        done = (_render_one(tree, page, version, findings) for page, version in renders)
        return [rendered for rendered in done if rendered is not None]


def _render_one(tree: DocsTree, page: Page, version: str, findings: Findings) -> Rendered | None:
    """One render, or None when it failed (reported to `findings`)."""
    try:
        result = render_page(tree, page, version)
    except RenderError as err:
        findings.add_error(err, "render")
        return None
    except RecursionError:
        findings.add(Problem("render", "error", "page nests too deeply to render", page.file, 1, 1, (version,)))
        return None
    for warning in result.warnings:
        if warning.message.startswith("link target"):  # a link tag to no page: a broken link
            findings.add_error(warning, "link", severity="error")
        elif warning in page.warnings:  # a frontmatter field the schema does not know
            findings.add_error(warning, "frontmatter", severity="warning")
        else:  # e.g. an include --lenient let through
            findings.add_error(warning, "render", severity="warning")
    return Rendered(page, version, render_facts(result, page), frozenset(result.deps))
