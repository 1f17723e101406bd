"""`render deprecate <plan>@<release>`: retire a release from a docs tree.

1. The versions file: the release moves from `releases` to the front of `deprecated`.
2. Conditions: whatever no longer varies once the release is gone is unwrapped, dropped
   or shortened (prune.py), judged in the versions each source renders in.
3. Frontmatter and feature files: ranges that now select every release become `'*'`,
   ranges that selected only the retired release go.
4. Pages that existed only in the retired release are removed; their URLs (and their own
   `redirect_from` entries) are added to the `redirect_from` of the nearest page above
   them, and link tags that pointed at them are removed.

Renders of every remaining version stay byte-identical: each edit removes only text that
rendered nothing, or a tag whose choice was the same in every remaining version.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from liquid.exceptions import LiquidError

from renderer.errors import RenderError, line_and_column, read_source
from renderer.lifecycle.edits import TAG, Edit, apply_edits, trim_reaches
from renderer.lifecycle.frontmatter import feature_file_edit, page_versions_edit, redirect_edit, versions_file_edits
from renderer.lifecycle.migrate import Skipped
from renderer.lifecycle.prune import Pruner, PruneStats
from renderer.lifecycle.sources import Changeset, LiquidSource, liquid_sources
from renderer.lifecycle.truth import VersionOracle, walk_nodes
from renderer.liquid.tags.links import LinkNode
from renderer.model.features import feature_files
from renderer.model.pages import Page
from renderer.model.tree import DocsTree
from renderer.model.versions import Plan, VersionModel


@dataclass
class DeprecateReport:
    version: str
    versions_file: str
    stats: PruneStats = field(default_factory=PruneStats)
    ranges_opened: int = 0
    ranges_removed: int = 0
    pages_removed: list[str] = field(default_factory=list)
    redirects: dict[str, list[str]] = field(default_factory=dict)  # file -> URLs added to its redirect_from
    links_removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[RenderError] = field(default_factory=list)

    def summary(self, files: int) -> str:
        s = self.stats
        lines = [
            f"render deprecate {self.version}: {self.versions_file}: moved to deprecated",
            f"  conditions: {s.unwrapped} unwrapped, {s.dropped} removed, {s.branches} branches removed, "
            f"{s.simplified} shortened",
            f"  frontmatter and features: {self.ranges_opened} ranges now '*', {self.ranges_removed} ranges removed",
            f"  pages removed: {len(self.pages_removed)}"
            + (f" (redirects added to {', '.join(sorted(self.redirects))}; {self.links_removed} link tags removed)"
               if self.pages_removed else ""),
            f"  left as is: {len(self.skipped)}; files changed: {files}",
        ]
        return "\n".join(lines)


def retired_model(model: VersionModel, plan: Plan, release: str) -> VersionModel:
    """The version model once `release` of `plan` is deprecated."""
    gone = f"{plan.name}@{release}"
    plans = [dataclasses.replace(p, releases=tuple(r for r in p.releases if r != release),
                                 deprecated=(release, *p.deprecated)) if p.name == plan.name else p
             for p in model.plans]
    features = {name: tuple(v for v in ids if v != gone) for name, ids in model.features.items()}
    return dataclasses.replace(model, plans=plans, features=features)


def resolve_release(model: VersionModel, version_id: str) -> tuple[Plan, str]:
    name, at, release = version_id.rpartition("@")
    plan = model.plan_named(name) if at else None
    if plan is None:
        raise RenderError(f"expected <plan>@<release> (e.g. enterprise-server@2.19), got {version_id!r}")
    if release not in plan.releases:
        state = "is already deprecated" if release in plan.deprecated else "is not a release of it"
        raise RenderError(f"{release!r} {state} (`{plan.name}` releases: {', '.join(plan.releases)})")
    if f"{plan.name}@{release}" == model.default:
        raise RenderError(f"{plan.name}@{release} is the default version: change `default` in the versions file first")
    if len(plan.releases) == 1:
        raise RenderError(f"{release} is the only release of `{plan.name}`: remove the plan instead")
    return plan, release


def deprecate_release(tree: DocsTree, version_id: str) -> tuple[Changeset, DeprecateReport]:
    """The edits that retire `version_id` from the tree (nothing is written)."""
    plan, release = resolve_release(tree.model, version_id)
    if tree.versions_file is None or not tree.versions_file.is_file():
        raise RenderError("deprecate edits the versions file, and this tree has none: write data/versions.yml "
                          "(the built-in 2020 defaults are in renderer/model/versions.py)")
    retiring = Retirement(tree, plan, release, tree.versions_file)
    retiring.run()
    return retiring.changes, retiring.report


class Retirement:
    def __init__(self, tree: DocsTree, plan: Plan, release: str, versions_file: Path):
        self.tree = tree
        self.versions_file = versions_file  # the tree's, which this retirement edits
        self.plan = plan
        self.release = release
        self.gone = f"{plan.name}@{release}"
        self.after = retired_model(tree.model, plan, release)
        self.pruner = Pruner(VersionOracle(tree, tree.model), VersionOracle(tree, self.after), self.gone)
        self.changes = Changeset(tree.root)
        self.report = DeprecateReport(self.gone, tree.display(versions_file))
        self.removed: dict[str, Page] = {}

    def skip(self, file: str, text: str, index: int, reason: str) -> None:
        line, column = line_and_column(text, index)
        self.report.skipped.append(Skipped(file, line, column, reason))

    def run(self) -> None:
        self.retire_in_versions_file()
        pages = self.tree.all_pages(self.report.errors)
        for page in pages:
            if page.versions == [self.gone]:
                self.removed[page.relpath] = page
            else:
                self.narrow_page_versions(page)
        for source in liquid_sources(self.tree, []):
            if source.page is None or source.page.relpath not in self.removed:
                self.prune_source(source)
        for file in feature_files(self.tree.root):
            self.narrow_feature(file)
        self.remove_pages(pages)

    def retire_in_versions_file(self) -> None:
        path = self.versions_file
        display = self.report.versions_file
        text = read_source(path, display)
        edits = versions_file_edits(text, self.plan, self.release)
        if edits is None:
            raise RenderError(f"cannot find release {self.release!r} in the `releases` list of plan `{self.plan.name}` "
                              "(or the list has a layout this command does not edit): edit it by hand", file=display)
        self.changes.edit_file(path, display, text, edits)

    def narrow_page_versions(self, page: Page) -> None:
        found = page_versions_edit(page, self.after, self.plan, self.release)
        if found is None:
            self.skip(page.file, page.text, page.text.find("versions"), "the `versions` ranges could not be simplified exactly")
            return
        self.report.ranges_opened += found.opened
        self.report.ranges_removed += found.removed
        self.changes.edit_file(self.tree.content_dir / page.relpath, page.file, page.text, found.edits)

    def narrow_feature(self, file: Path) -> None:
        display = self.tree.display(file)
        text = read_source(file, display)
        found = feature_file_edit(text, self.after, self.plan, self.release)
        if found is None:
            self.skip(display, text, 0, "the feature's `versions` could not be simplified exactly")
            return
        self.report.ranges_opened += found.opened
        self.report.ranges_removed += found.removed
        self.changes.edit_file(file, display, text, found.edits)

    def prune_source(self, source: LiquidSource) -> None:
        try:
            template = self.tree.parse_template(source.text)
        except LiquidError:
            return  # broken Liquid renders nowhere; `render check` reports it
        stats = PruneStats()
        edits = self.pruner.template_edits(source.text, template.nodes, source.scope, stats)
        if self.removed:
            edits += [e for e in self.link_edits(source, template.nodes) if not any(
                o.start <= e.start and e.end <= o.end for o in edits)]
        for index, reason in stats.left:
            self.skip(source.file, source.file_text, source.offset + index, reason)
        if not edits:
            return
        try:
            self.tree.env.from_string(apply_edits(source.text, edits))
        except LiquidError as err:  # a rewrite must parse; if not, leave the source (and say so)
            self.skip(source.file, source.file_text, source.offset, f"the rewrite would not parse ({err.message})")
            return
        if not self.changes.edit_source(source, edits):
            self.skip(source.file, source.file_text, source.offset, "a YAML value that cannot be edited exactly")
            return
        self.add_stats(stats)

    def add_stats(self, stats: PruneStats) -> None:
        total = self.report.stats
        total.unwrapped += stats.unwrapped
        total.dropped += stats.dropped
        total.branches += stats.branches
        total.simplified += stats.simplified

    def link_edits(self, source: LiquidSource, nodes) -> list[Edit]:
        """Remove link tags to removed pages (they rendered nothing in every remaining version)."""
        edits = []
        for node in walk_nodes(nodes):
            if not isinstance(node, LinkNode) or "{" in node.href:
                continue
            path = node.href.partition("#")[0]
            target = self.tree.resolve_link(source.page, path) if source.page else self.tree.find_page(path)
            if target is None or target.relpath not in self.removed:
                continue
            start = source.text.rfind("{%", 0, node.token.start_index)
            match = TAG.match(source.text, start)
            if match and not (match.group("ltrim") or match.group("rtrim")) and not trim_reaches(source.text, start, match.end()):
                edits.append(Edit(start, match.end(), ""))
                self.report.links_removed += 1
        return edits

    def remove_pages(self, pages: list[Page]) -> None:
        """Remove pages that only the retired release had; their URLs redirect to the nearest page above."""
        by_parent: dict[str, tuple[Page, list[str]]] = {}
        for relpath, page in sorted(self.removed.items()):
            self.changes.remove_file(self.tree.content_dir / relpath, page.file, page.text)
            self.report.pages_removed.append(page.file)
            parent = self.nearest_parent(relpath)
            if parent is None:
                continue
            _, urls = by_parent.setdefault(parent.relpath, (parent, []))
            urls.extend(u for u in [f"/{page.permalink_path}", *page.redirect_from] if u not in urls)
        for relpath, (parent, urls) in by_parent.items():
            edit = redirect_edit(parent, urls)
            if edit is None:
                self.skip(parent.file, parent.text, 0, f"add to redirect_from by hand: {', '.join(urls)}")
                continue
            self.changes.edit_file(self.tree.content_dir / relpath, parent.file, parent.text, [edit])
            self.report.redirects[parent.file] = urls

    def nearest_parent(self, relpath: str) -> Page | None:
        own_folder = PurePosixPath(relpath).parent
        folder: PurePosixPath | None = own_folder
        if PurePosixPath(relpath).name == "index.md":
            folder = own_folder.parent if str(own_folder) != "." else None
        while folder is not None:
            candidate = "index.md" if str(folder) == "." else f"{folder}/index.md"
            page = self.tree.page(candidate)
            if page is not None and candidate not in self.removed and page.versions:
                return page
            folder = folder.parent if str(folder) != "." else None
        return None
