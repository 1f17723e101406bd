"""The internal link check: every internal href and #anchor in rendered pages must resolve.

A page's result is kept from the previous build when its links did not change and neither
did what links can point at: pages and versions, redirects, other files, element ids.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote, urljoin

from renderer.build.options import BrokenLink
from renderer.build.plan import out_path_for
from renderer.build.redirects import url_of_file
from renderer.errors import RenderError
from renderer.model.pages import Page
from renderer.model.tree import DocsTree
from renderer.site.layout import SiteLayout

_VERSIONED = re.compile(r"^/en/([^/]+)(/.*)?$")


def strip_version(href: str, version: str) -> str:
    prefix = f"/en/{version}"
    return href[len(prefix):] or "/" if href.startswith(prefix) else href


class LinkCheck:
    def __init__(self, tree: DocsTree, by_relpath: dict[str, Page], records: dict[tuple[str, str], dict],
                 manifest: dict[str, str], stubs: dict[str, str]):
        self.tree = tree
        self.by_relpath = by_relpath
        self.records = records
        self.manifest = manifest
        self.stubs = stubs
        self.urls: dict[str, tuple[str, str] | None] | None = None
        self.stub_urls: dict[str, str] = {}
        self.href_memo: dict[str, str] = {}
        self.locate_memo: dict[tuple, tuple[str, int | None]] = {}
        self.id_sets: dict[tuple[str, str], frozenset[str]] = {}

    def universe_key(self, chrome_state: str, stubs_key: str) -> str:
        universe = hashlib.sha1(f"{chrome_state}\0{stubs_key}\0".encode())
        page_files = {out_path_for(self.by_relpath[relpath], v) for (relpath, v) in self.records}
        for path in sorted(set(self.manifest) - page_files - {f"{s}/index.html" for s in self.stubs}):
            universe.update(f"{path}\n".encode())
        for key in sorted(self.records):
            universe.update(f"{key}\0{self.records[key]['ids_digest']}\n".encode())
        return universe.hexdigest()

    def run(self, universe_key: str, version_ids: list[str]) -> list[BrokenLink]:
        order = {v: i for i, v in enumerate(version_ids)}
        broken: list[BrokenLink] = []
        for key in sorted(self.records, key=lambda k: (k[0], order.get(k[1], 0))):
            record = self.records[key]
            if record.get("links_checked") != universe_key:
                record["broken"] = self._check_page(key, record)
                record["links_checked"] = universe_key
            broken.extend(BrokenLink(file, line, key[1], href, reason) for file, line, href, reason in record["broken"])
        return broken

    def _check_page(self, key: tuple[str, str], record: dict) -> list[list]:
        if self.urls is None:  # normalized URL -> (relpath, version) of the page there, if one
            self.urls = {url_of_file(path): None for path in self.manifest}
            for other in self.records:
                self.urls[url_of_file(out_path_for(self.by_relpath[other[0]], other[1]))] = other
            self.stub_urls = {"/" + path: target for path, target in self.stubs.items()}
        relpath, version = key
        page = self.by_relpath[relpath]
        base = SiteLayout.url_for(page, version)
        found = []
        for href in record["hrefs"]:
            reason = self._check_href(href, base, key)
            if reason:
                file, line = self._locate_once(page, record, href, version)
                found.append([file, line, href, reason])
        return found

    def _ids(self, key: tuple[str, str]) -> frozenset[str]:
        ids = self.id_sets.get(key)
        if ids is None:
            ids = self.id_sets[key] = frozenset(self.records[key]["ids"])
        return ids

    def _check_href(self, href: str, base: str, key: tuple[str, str]) -> str | None:
        if href.startswith("#"):
            anchor = unquote(href[1:])
            return None if not anchor or anchor in self._ids(key) else f"no element with id '{anchor}' on this page"
        if not href.startswith("/"):
            href = urljoin(base, href)  # relative: as the browser resolves it
        found = self.href_memo.get(href)
        if found is None:
            found = self.href_memo[href] = self._check_absolute(href) or ""
        return found or None

    def _check_absolute(self, href: str) -> str | None:
        path, _, anchor = href.partition("#")
        path = unquote(path.split("?", 1)[0])
        if path.endswith("/index.html"):
            path = path[: -len("/index.html")]
        normalized = path.rstrip("/") or "/"
        if normalized in self.stub_urls:
            target = self.urls.get(self.stub_urls[normalized].rstrip("/") or "/")
        elif normalized in self.urls:
            target = self.urls[normalized]
        else:
            return "no such page"
        anchor = unquote(anchor)
        if anchor and target is not None and anchor not in self._ids(target):
            return f"no element with id '{anchor}' in {target[0]} ({target[1]})"
        return None

    def _locate_once(self, page: Page, record: dict, href: str, version: str) -> tuple[str, int | None]:
        """`_locate`, once per page and link (a link is usually broken in several versions)."""
        key = (page.relpath, strip_version(href, version), tuple(sorted(record["deps"])))
        found = self.locate_memo.get(key)
        if found is None:
            found = self.locate_memo[key] = self._locate(page, record, href)
        return found

    def _locate(self, page: Page, record: dict, href: str) -> tuple[str, int | None]:
        """Best effort: the file and line where a link was written (page, then its reusables)."""
        candidates = []
        path, _, anchor = href.partition("#")
        m = _VERSIONED.match(path)
        tail = (m.group(2) or "/") if m else path
        if tail and tail != "/":
            candidates.append(tail.rstrip("/"))
            legacy = re.sub(r"^/enterprise-server@[\d.]+", "", tail)
            if legacy != tail:
                candidates.append(legacy.rstrip("/"))
        if anchor:
            candidates.append("#" + anchor)
        if tail and "/" in tail.strip("/"):
            candidates.append(tail.rstrip("/").rsplit("/", 1)[-1])
        sources = [(page.file, page.text)]
        for dep in sorted(record["deps"]):
            if not dep.endswith(".md") and not dep.startswith("includes/"):
                try:
                    item = self.tree.data.lookup(dep)
                except RenderError:
                    item = None
                if item is not None:
                    sources.append((item.file, item.file_text))
        for needle in candidates:
            for file, text in sources:
                index = text.find(needle)
                if index >= 0:
                    return file, text.count("\n", 0, index) + 1
        return page.file, None
