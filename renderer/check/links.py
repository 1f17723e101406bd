"""Internal links and `#anchors` of every render (`link`, `anchor`), judged by the site's
one link checker (renderer.site.linkcheck), as `render build` judges them. A link broken
in several versions is one problem listing them."""

from __future__ import annotations

from pathlib import Path

from renderer.check.findings import Findings
from renderer.check.renders import Rendered
from renderer.site.layout import SITE_DIR
from renderer.site.linkcheck import LinkChecker, LinkFacts, published_files
from renderer.site.model import SiteModel


def check_links(site: SiteModel, rendered: list[Rendered], findings: Findings) -> None:
    by_render = {(r.page.relpath, r.version): r for r in rendered}

    def facts_of(relpath: str, version: str) -> LinkFacts | None:
        entry = by_render.get((relpath, version))
        return entry.facts if entry is not None else None

    checker = LinkChecker(site, facts_of, published_files(layout_dir(site.tree.root)))
    for entry in rendered:
        problems = checker.check(entry.page, entry.version, entry.facts, entry.deps)
        findings.extend(problems)


def layout_dir(root: Path) -> Path:
    """The layout `render build` publishes (its static files are link targets): the docs
    tree's own site/ when it has templates, else the one shipped with the renderer."""
    own = root / "site"
    return own if (own / "templates").is_dir() else SITE_DIR
