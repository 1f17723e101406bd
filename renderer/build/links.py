"""The build's link check, in two steps.

A worker checks each render it makes (`WorkerLinkCheck`): every link but the #anchors of
links into other renders, whose ids another worker may still be making; it names those.
Once every render is in, the build process checks those anchors (`BuildLinkCheck`). It
keeps each render's result from the previous build when it cannot have changed: its
links did not change (the render was reused), neither did what links can point at --
pages and versions, redirects, other files (`universe_key`) -- nor the element ids of the
renders its #anchor links point into (`anchor_targets`, each with the digest of its
ids); otherwise it checks the render itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from sys import intern

from renderer.build.file_table import FileTable
from renderer.build.record_table import RecordTable
from renderer.build.records import FROM_WORKER
from renderer.model.lru import LRUCache
from renderer.model.pages import Page
from renderer.problems import Problem, merge
from renderer.site.linkcheck import HrefLocator, LinkChecker, LinkFacts, link_problem, published_files
from renderer.site.model import SiteModel

TARGETS_KEPT = 1024  # renders whose ids stay decoded: anchors mostly point into a few pages


class WorkerLinkCheck:
    """The link check of the renders a worker makes, but for the anchors into other renders."""

    def __init__(self, site: SiteModel, site_dir: Path):
        self.checker = LinkChecker(site, None, published_files(site_dir))

    def results(self, page: Page, version: str, record: dict) -> dict:
        """The LINK_FIELDS of a fresh render's record (its deps still a list of names), with
        (relpath, version, href, file, line, column) of each link into another render's #anchor."""
        facts = LinkFacts(tuple(record["hrefs"]), frozenset(record["ids"]), record["complete"])
        locator = HrefLocator(self.checker.site, page, record["deps"])
        found = self.checker.check(page, version, facts, locator=locator)
        return {"links_checked": FROM_WORKER, "broken": [_stored(p) for p in found],
                "anchor_targets": [[relpath, v, href, *locator.locate(href)]
                                   for relpath, v, href in self.checker.anchored_links(page, version, facts)]}


class BuildLinkCheck:
    def __init__(self, site: SiteModel, records: RecordTable, files: FileTable, site_dir: Path):
        self.site = site
        self.records = records
        self.files = files
        self.checker = LinkChecker(site, self.target_facts, published_files(site_dir))
        # bounded: decoded ids of every render would grow with the site
        self.targets: LRUCache[tuple[str, str], LinkFacts] = LRUCache(TARGETS_KEPT)

    def facts_of(self, relpath: str, version: str) -> LinkFacts | None:
        """The links and ids of a render; None when it has no record (not rendered)."""
        stored = self.records.facts_of((relpath, version))
        if stored is None:
            return None
        return LinkFacts(tuple(stored["hrefs"]), frozenset(stored["ids"]), stored["complete"])

    def target_facts(self, relpath: str, version: str) -> LinkFacts | None:
        """The ids of a render an #anchor points into (its links left out)."""
        key = (relpath, version)
        facts = self.targets.get(key)
        if facts is None:
            found = self.facts_of(relpath, version)
            if found is None:
                return None
            facts = LinkFacts((), found.ids, found.complete)
            self.targets.put(key, facts)
        return facts

    def universe_key(self, stubs_key: str) -> str:
        """What any link's outcome depends on but the ids: the redirects, the published files of
        the tree's own folders (assets/...), and which renders there are."""
        universe = hashlib.sha1(f"{stubs_key}\0".encode())
        for path in (p for p in self.files.paths() if self.site.in_site_folder(p)):
            universe.update(f"{path}\n".encode())
        for key in self.records.keys():
            universe.update(f"{key}\n".encode())
        return universe.hexdigest()

    def is_current(self, results: dict, universe_key: str) -> bool:
        """Is a render's stored link-check result still right?"""
        return results["links_checked"] == universe_key and all(
            self.records.ids_key((relpath, version)) == digest for relpath, version, digest in results["anchor_targets"])

    def _check(self, page: Page, version: str, universe_key: str) -> dict | None:
        """The link check's results of one render, or None when it has no record."""
        key = (page.relpath, version)
        facts = self.facts_of(page.relpath, version)
        if facts is None:
            return None
        found = self.checker.check(page, version, facts, _Deps(self.records, key))
        return self._results(universe_key, [_stored(p) for p in found], self.checker.anchor_targets(page, version, facts))

    def _finish(self, page: Page, version: str, results: dict, universe_key: str) -> dict | None:
        """A worker's results of a render, with the anchors of its links into other renders
        checked; the render is checked here instead when they name a render the site lacks."""
        links = results["anchor_targets"]
        if not all(self.site.has_render(relpath, target_version) for relpath, target_version, *_ in links):
            return self._check(page, version, universe_key)
        broken = list(results["broken"])
        for relpath, target_version, href, *where in links:
            outcome = self.checker.anchor_outcome(href, relpath, target_version)
            if outcome is not None:
                broken.append(_stored(link_problem(outcome, tuple(where), version)))
        return self._results(universe_key, broken, {(relpath, target_version) for relpath, target_version, *_ in links})

    def _results(self, universe_key: str, broken: list[list], targets: set[tuple[str, str]]) -> dict:
        return {"links_checked": universe_key, "broken": broken,
                "anchor_targets": [[relpath, v, self.records.ids_key((relpath, v))] for relpath, v in sorted(targets)]}

    def run(self, universe_key: str, severity: str | None = None) -> list[Problem]:
        """Every broken link of every render, merged across versions (`severity`, when given,
        instead of each link's own)."""
        # (kind, severity, message, file, line, column) -> the versions it is broken in
        found: dict[tuple[str, str, str, str, int, int], set[str]] = {}
        for key, results in self.records.all_links():  # (a render's record is read only when they are not current)
            relpath, version = key
            if not self.site.has_render(relpath, version):  # (the plan deleted the rows of other renders)
                continue
            page = self.site.by_relpath[relpath]
            if results is None or not self.is_current(results, universe_key):
                if results is not None and results["links_checked"] == FROM_WORKER:
                    results = self._finish(page, version, results, universe_key)
                else:
                    results = self._check(page, version, universe_key)
                if results is None:  # failed to render
                    continue
                self.records.put_links(key, results)
            for kind, own_severity, message, file, line, column in results["broken"]:  # (a file has many: one str)
                mistake = (intern(kind), intern(severity or own_severity), message, intern(file), line, column)
                found.setdefault(mistake, set()).add(version)
        return merge([Problem(*fields, versions=tuple(versions)) for fields, versions in found.items()],
                     self.site.versions.ids)


def _stored(problem: Problem) -> list:
    """A link problem as its render's results keep it (records.py checks the shape)."""
    return [problem.kind, problem.severity, problem.message, problem.file, problem.line, problem.column]


class _Deps:
    """What a render used, read from its record only if a broken link has to be located
    in the reusables and variables (most never are)."""

    def __init__(self, records: RecordTable, key: tuple[str, str]):
        self.records, self.key = records, key

    def __iter__(self) -> Iterator[str]:
        return iter(self.records.deps_of(self.key))
