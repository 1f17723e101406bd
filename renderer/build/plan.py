"""Planning a build: which renders to reuse, which pages to lay out again, which files to keep.

A render is reused when the page file and everything it used (`RenderedPage.deps`) are
unchanged; its output file is kept when, in addition, nothing every page's chrome is made
of changed (navigation, titles, which pages exist in which versions) and the file in the
live site is still the one the last build wrote.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from renderer.build.digests import Digests
from renderer.build.file_table import FileTable
from renderer.build.record_table import RecordTable
from renderer.build.workers import Task
from renderer.model.pages import Page
from renderer.site.layout import SiteLayout
from renderer.site.model import SiteModel


def chrome_state(layout: SiteLayout, pages: list[Page], key: str) -> str:
    """What every page's chrome is made of: navigation and site title of each version,
    and which pages exist in which versions (version picker targets)."""
    digest = hashlib.sha1(key.encode())
    for version in layout.tree.model.ids:
        digest.update(f"{version}\0{layout.nav(version).digest()}\0{layout.site_title(version)}\0".encode())
    for page in pages:
        digest.update(f"{page.relpath}\0{','.join(page.versions)}\n".encode())
    return digest.hexdigest()


@dataclass
class Plan:
    kept: int = 0  # renders reused as they are (their records and files stay)
    tasks: Task = field(default_factory=list)  # what workers do, page by page

    @property
    def work(self) -> int:
        return sum(len(items) for _, items in self.tasks)


_REUSED_FIELDS = ("title", "intro", "body_digest", "render_digest", "layout_key", "digest")


def make_plan(site: SiteModel, records: RecordTable, files: FileTable, digests: Digests, same_chrome: bool) -> Plan:
    """`records`: the last build's (empty without a cache); the rows of renders this site no
    longer has are deleted. `files`: the live site's files that are as the last build left
    them (trusted); the files of reused renders go into the new site's."""
    plan = Plan()
    by_page: dict[str, list] = {}
    records.keep_only((page.relpath, version) for page, version in site.renders())
    for page, version in site.renders():
        items = by_page.get(page.relpath)
        if items is None:
            items = by_page[page.relpath] = []
            plan.tasks.append((page.relpath, items))
        out_path = site.out_path(page, version)
        old = records.body_of((page.relpath, version))
        old_digest = files.trusted_digest(out_path)
        if old is not None and old["cacheable"] and digests.unchanged(old["deps"]):
            if same_chrome and old_digest == old["digest"]:
                # neither the page nor anything around it changed: keep the file
                plan.kept += 1
                files.add(out_path, old["digest"], None)
                continue
            items.append((version, "relayout", old_digest, {k: old[k] for k in _REUSED_FIELDS}))
        else:
            items.append((version, "render", old_digest, None))
    plan.tasks = [(relpath, items) for relpath, items in plan.tasks if items]
    return plan
