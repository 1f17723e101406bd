"""The link check: every internal href and #anchor of a render must lead somewhere.

One checker for build, serve and check. A link resolves when the site model resolves its
path to a page render or a redirect (`SiteModel.resolve`), or to a file the site
publishes; an anchor must be an element id of the target as rendered in that version.
A link into a deprecated release is a warning (the site does not build that release);
anything else that does not resolve is an error. Each broken link is one Problem,
located where the link was written: the page, or a reusable or variable it used.
"""

from __future__ import annotations

import html as html_lib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urljoin

from renderer.errors import RenderError, line_and_column
from renderer.model.pages import Page
from renderer.pipeline import RenderedPage
from renderer.problems import Problem
from renderer.site.model import SiteModel
from renderer.site.urls import LANGUAGE

_HREF = re.compile(r'<a\s[^<>]*?href="([^"]*)"', re.I)  # [^<>]: linear on many unclosed "<a "
_ID = re.compile(r' id="([^"]+)"')
_NAME = re.compile(r' name="([^"]+)"')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_VERSIONED = re.compile(rf"^/{LANGUAGE}/([^/]+)(/.*)?$")


@dataclass(frozen=True)
class LinkFacts:
    """What the link check needs of one render: its internal hrefs and element ids."""

    hrefs: tuple[str, ...]
    ids: frozenset[str]
    complete: bool = True  # False: parts of the render were missing (a warning), so its ids are not trusted


def render_facts(rendered: RenderedPage, page: Page) -> LinkFacts:
    """The facts of a render; incomplete when it warned of more than its frontmatter."""
    return link_facts(rendered.intro, rendered.html, complete=len(rendered.warnings) == len(page.warnings))


def link_facts(intro_html: str, body_html: str, complete: bool = True) -> LinkFacts:
    content = intro_html + "\n" + body_html
    found = _ID.findall(content)
    if " name=" in content:
        found += _NAME.findall(content)
    ids = frozenset(html_lib.unescape(i) if "&" in i else i for i in found)
    hrefs = {html_lib.unescape(h) if "&" in h else h for h in _HREF.findall(content)}
    return LinkFacts(tuple(sorted(h for h in hrefs if is_internal(h))), ids, complete)


def is_internal(href: str) -> bool:
    return bool(href) and not href.startswith("//") and not _SCHEME.match(href)


def published_files(site_dir: Path | None) -> frozenset[str]:
    """URL paths of the layout's static files ('/static/site.css'), which pages may link to."""
    static = site_dir / "static" if site_dir is not None else None
    if static is None or not static.is_dir():
        return frozenset()
    found = set()
    for dirpath, _dirs, files in os.walk(static):
        for name in files:
            found.add("/static/" + Path(dirpath, name).relative_to(static).as_posix())
    return frozenset(found | {"/sitemap.xml", "/404.html"})


# (kind, severity, message) of a broken link, or None
Outcome = tuple[str, str, str] | None


class LinkChecker:
    """`facts_of` gives the links and ids of other renders. Without it the #anchors of links
    into other renders are left unchecked (a build's workers: another worker may be making
    the target); `anchored_links` names them, and `anchor_outcome` checks them later."""

    def __init__(self, site: SiteModel, facts_of: Callable[[str, str], LinkFacts | None] | None,
                 files: frozenset[str] = frozenset()):
        self.site = site
        self.facts_of = facts_of  # (relpath, version) -> facts; None when unknown (not rendered)
        self.files = files | {f"/search/{v}.json" for v in site.versions.ids}
        self._outcomes: dict[str, Outcome] = {}  # absolute href -> outcome
        self._anchor_targets: dict[str, tuple[str, str]] = {}  # absolute href with #anchor -> (relpath, version)

    def check(self, page: Page, version: str, facts: LinkFacts, deps: Iterable[str] = (),
              locator: HrefLocator | None = None) -> list[Problem]:
        """The broken links of one render, each located where it was written (the render's own
        version written `<version>` in messages, so one mistake reads the same in every version)."""
        problems = []
        for href in facts.hrefs:
            outcome = self.outcome(href, page, version, facts)
            if outcome is not None:
                locator = locator or HrefLocator(self.site, page, deps)
                problems.append(locator.problem(outcome, href, version))
        return problems

    def anchor_targets(self, page: Page, version: str, facts: LinkFacts) -> set[tuple[str, str]]:
        """The other renders whose element ids the check of this render read: the targets of
        its links with an #anchor (after `check`)."""
        return {(relpath, target_version) for relpath, target_version, _ in self.anchored_links(page, version, facts)}

    def anchored_links(self, page: Page, version: str, facts: LinkFacts) -> list[tuple[str, str, str]]:
        """(relpath, version, href) of the links with an #anchor into a render (after `check`)."""
        found = []
        for href in facts.hrefs:
            if "#" in href and not href.startswith("#"):
                target = self._anchor_targets.get(self._absolute(href, page, version))
                if target is not None:
                    found.append((*target, href))
        return found

    def anchor_outcome(self, href: str, relpath: str, version: str) -> Outcome:
        """The outcome of a link's #anchor into the render (relpath, version) it resolved to."""
        anchor = unquote(href.partition("#")[2])
        facts = self.facts_of(relpath, version) if self.facts_of is not None else None
        if anchor and facts is not None and facts.complete and anchor not in facts.ids:
            target = self.site.by_relpath[relpath]
            return "anchor", "error", f"link {href!r}: no element with id {anchor!r} in {target.file} ({version})"
        return None

    def outcome(self, href: str, page: Page, version: str, facts: LinkFacts) -> Outcome:
        if href.startswith("#"):
            anchor = unquote(href[1:])
            if anchor and facts.complete and anchor not in facts.ids:
                return "anchor", "error", f"anchor {href!r} is not an element id on this page"
            return None
        absolute = self._absolute(href, page, version)
        if absolute not in self._outcomes:
            self._outcomes[absolute] = self._absolute_outcome(href, absolute)
        return self._outcomes[absolute]

    def _absolute(self, href: str, page: Page, version: str) -> str:
        return href if href.startswith("/") else urljoin(self.site.url(page, version), href)

    def _absolute_outcome(self, href: str, absolute: str) -> Outcome:
        path, _, anchor = absolute.partition("#")
        path = unquote(path.split("?", 1)[0])
        if path in self.files or self.site.is_site_file(path):
            return None
        if self.site.tree.link_rules.is_unversioned(path) and not self.site.in_site_folder(path):
            return None  # left as written by the link rules: a page of the product, not of these docs
        found = self.site.resolve_page(path)
        if found is None:
            return self._unresolved(href, path)
        target, target_version = found
        if unquote(anchor):
            self._anchor_targets[absolute] = (target.relpath, target_version)
            return self.anchor_outcome(href, target.relpath, target_version)
        return None

    def _unresolved(self, href: str, path: str) -> Outcome:
        m = _VERSIONED.match(path)
        if m is None or "@" not in m.group(1):
            return "link", "error", f"link {href!r}: no page or redirect at {path}"
        version = m.group(1)
        status = self.site.release_status(version)
        if status == "deprecated":
            return "link", "warning", f"link {href!r} goes to {version}, a deprecated release this site does not build"
        if status == "unknown":
            return "link", "error", f"link {href!r} names unknown version {version!r}"
        target = self.site.find(m.group(2) or "")
        if target is not None:
            return "link", "error", f"link {href!r}: {target.file} does not exist in {version}"
        return "link", "error", f"link {href!r}: no page or redirect at {path}"


class HrefLocator:
    """Where the hrefs of one render were written (best effort): (file, line, column).

    An href's path without language and version, then shorter forms of it, is looked for
    in the page body, its frontmatter, then the reusables and variables the render used
    (looked up only when the page itself does not have it: most hrefs are in the page).
    The page's text is read once per render (the build process may have let go of it, see
    Page.forget_text), the sources it used once too.
    """

    def __init__(self, site: SiteModel, page: Page, deps: Iterable[str]):
        self.site, self.page, self.deps = site, page, deps
        self.text = page.text
        self.own = [(page.file, self.text, page.body_offset), (page.file, self.text, 0)]
        self.used: list[tuple[str, str, int]] | None = None

    def problem(self, outcome: tuple[str, str, str], href: str, version: str) -> Problem:
        """The Problem of a broken link of this render, located and made version-neutral."""
        return link_problem(outcome, self.locate(href), version)

    def locate(self, href: str) -> tuple[str, int, int]:
        for needle in _needles(href):
            found = _find(needle, self.own)
            if found is None:
                if self.used is None:
                    self.used = _used_sources(self.site, self.deps)
                found = _find(needle, self.used)
            if found is not None:
                return found
        line, column = line_and_column(self.text, self.page.body_offset)
        return self.page.file, line, column


def _find(needle: str, sources: list[tuple[str, str, int]]) -> tuple[str, int, int] | None:
    for file, text, start in sources:
        index = text.find(needle, start)
        if index >= 0:
            line, column = line_and_column(text, index)
            return file, line, column
    return None


def _used_sources(site: SiteModel, deps: Iterable[str]) -> list[tuple[str, str, int]]:
    """(file, text, 0) of the reusables and variables a render used, in name order."""
    sources = []
    for dep in sorted(deps):
        if dep.endswith(".md") or dep.startswith(("file:", "includes/", "shape:")):
            continue
        try:
            item = site.tree.data.lookup(dep)
        except RenderError:
            item = None
        if item is not None:
            sources.append((item.file, item.file_text, 0))
    return sources


def _needles(href: str) -> list[str]:
    if href.startswith("#"):
        return [href]
    path, _, anchor = href.partition("#")
    m = _VERSIONED.match(path)
    tail = (m.group(2) or "/") if m else path
    bare = tail.rstrip("/")
    needles = [f"{bare}#{anchor}" if anchor else "", bare, bare.rsplit("/", 1)[-1], f"#{anchor}" if anchor else ""]
    return [n for n in dict.fromkeys(needles) if n and n != "/"]


def link_problem(outcome: tuple[str, str, str], where: tuple[str, int, int], version: str) -> Problem:
    """The Problem of a broken link of a render in `version`, written where `where` says."""
    kind, severity, message = outcome
    return version_neutral(Problem(kind, severity, message, *where, (version,)), version)


def version_neutral(problem: Problem, version: str) -> Problem:
    """The problem with the render's own version written `<version>` in its message, so a
    link broken in several versions reads the same in each and merges into one Problem
    (which lists the versions): "link '/en/<version>/x': no page or redirect at /en/<version>/x"."""
    own = re.compile(rf"(?<![\w.@-]){re.escape(version)}(?![\w.@-])")
    message = own.sub("<version>", problem.message)
    return problem if message == problem.message else replace(problem, message=message)
