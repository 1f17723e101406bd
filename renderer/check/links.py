"""Internal links and anchors in rendered HTML (`link`, `anchor`).

`/en/<version>/<path>` must be a page that exists in that version or a `redirect_from`
entry; `#anchors` must be ids in the target page as rendered for that version.
"""

from __future__ import annotations

import re

from renderer.check.problem import Findings
from renderer.check.renders import Rendered
from renderer.errors import RenderError
from renderer.markdown.links import localize_href
from renderer.model.tree import DocsTree, normalize_url_path

HREF_ATTR = re.compile(r'\shref="([^"]*)"')
IDS = re.compile(r'\s(?:id|name)="([^"]+)"')
VERSIONED_HREF = re.compile(r"^/en/([^/#?]+)(/[^#?]*)?(?:\?[^#]*)?(?:#(.*))?$")


def hrefs_of(html: str) -> list[str]:
    """The href of every `<a ...>` tag, in one linear pass.

    (A single regex like `<a\\s[^>]*?href="..."` is quadratic on many `<a ` without a
    closing `>`: 20,000 of them took 9 s.)
    """
    found: list[str] = []
    pos = 0
    while True:
        start = html.find("<a", pos)
        if start < 0:
            return found
        end = html.find(">", start)
        if end < 0:
            return found
        if html[start + 2 : start + 3].isspace():
            m = HREF_ATTR.search(html, start + 2, end)
            if m:
                found.append(m.group(1))
        pos = end + 1


class LinkCheck:
    def __init__(self, tree: DocsTree, rendered: list[Rendered], findings: Findings):
        self.tree = tree
        self.model = tree.model
        self.version_ids = set(tree.model.ids)
        self.findings = findings
        self.rendered = {(r.version, r.page.relpath): r for r in rendered}
        self.anchors: dict[tuple[str, str], set[str]] = {}
        self.redirects: set[str] | None = None

    def run(self) -> None:
        for entry in self.rendered.values():
            for href in dict.fromkeys(hrefs_of(entry.html)):
                found = self.link_problem(href, entry)
                if found:
                    self.report(entry, href, *found)

    def ids_of(self, version: str, relpath: str) -> set[str] | None:
        entry = self.rendered.get((version, relpath))
        if entry is None or not entry.complete:
            return None  # not rendered, or rendered with missing parts: don't guess
        key = (version, relpath)
        if key not in self.anchors:
            self.anchors[key] = set(IDS.findall(entry.html))
        return self.anchors[key]

    def link_problem(self, href: str, entry: Rendered) -> tuple[str, str] | None:
        if href.startswith("#"):
            ids = self.ids_of(entry.version, entry.page.relpath)
            if href[1:] and ids is not None and href[1:] not in ids:
                return "anchor", f"anchor {href!r} is not a heading id on this page"
            return None
        m = VERSIONED_HREF.match(href)
        if not m:
            return None
        target_version, path, anchor = m.group(1), m.group(2) or "/", m.group(3)
        if target_version not in self.version_ids:
            plan, _, release = target_version.rpartition("@")
            if plan and self.model.is_known_release(plan, release):
                return None  # a deprecated release: archived elsewhere
            return "link", f"link {href!r} names unknown version {target_version!r}"
        clean = normalize_url_path(path)
        if clean is None:
            return "link", f"link {href!r} has a path that leaves the site"
        try:
            target = self.tree.find_page(clean)
        except RenderError:
            return None  # the target page is broken: reported on its own
        if target is None or target_version not in target.versions:
            if self.is_redirect(clean):
                return None
            if target is None:
                return "link", f"link {href!r}: no page at /{clean} and no redirect_from entry for it"
            return "link", f"link {href!r}: page {target.file} does not exist in {target_version}"
        if anchor:
            ids = self.ids_of(target_version, target.relpath)
            if ids is not None and anchor not in ids:
                return "anchor", f"link {href!r}: no heading with id {anchor!r} in {target.file} ({target_version})"
        return None

    def is_redirect(self, clean: str) -> bool:
        """Is a path (no language/version) an old URL some page lists in `redirect_from`?

        Entries are matched as written and, for legacy `/enterprise/...` entries, as the
        versioned URL they stand for (the same rewrite the links stage applies).
        """
        if self.redirects is None:
            self.redirects = set()
            for old in self.tree.redirects():
                self.redirects.add(old)
                localized = localize_href("/" + old, "v")
                stripped = normalize_url_path(localized.split("/", 3)[3] if localized.count("/") >= 3 else "")
                if stripped:
                    self.redirects.add(stripped)
        return clean in self.redirects

    def report(self, entry: Rendered, href: str, kind: str, message: str) -> None:
        file, text, index = self.locate_href(entry, href)
        self.findings.add_at(file, text, index, message, kind, versions=[entry.version])

    def locate_href(self, entry: Rendered, href: str) -> tuple[str, str, int]:
        """Best guess at where a rendered href was written: the page, then its reusables."""
        page = entry.page
        if href.startswith("#"):
            needles = [href, f"({href[1:]}"]
        else:
            path = re.sub(r"^/en/[^/]+", "", href)
            bare, _, anchor = path.partition("#")
            needles = [n for n in (path, bare, bare.rsplit("/", 1)[-1], f"#{anchor}" if anchor else "") if n and n != "/"]
        texts = [(page.file, page.text, page.body_offset)]
        for dep in sorted(entry.deps):
            if dep.startswith(("reusables.", "variables.")):
                try:
                    item = self.tree.data.lookup(dep)
                except RenderError:
                    item = None
                if item is not None:
                    texts.append((item.file, item.file_text, 0))
        for needle in needles:
            for file, text, start in texts:
                index = text.find(needle, start)
                if index >= 0:
                    return file, text, index
        return page.file, page.text, page.body_offset
