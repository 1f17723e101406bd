"""`render check`: the docs build a repository runs in CI.

One pass over a docs tree that reports every problem it can find, located as
``file:line:col``:

1. every page's frontmatter against the schema (`frontmatter`), and frontmatter version
   ranges that select no supported release (`version-range`, warning);
2. every Liquid source parses: page bodies, Liquid in frontmatter fields, every reusable
   (used or not) and every variable value holding Liquid (`liquid`);
3. statically, from the parsed templates, so references inside branches that no version
   renders are checked too: every `{% data %}` path resolves (`data`); version ids
   compared with `currentVersion` or given to `ver_gt`/`ver_lt` name a plan and a
   release that exist, supported or deprecated (`version-reference`); conditions that
   only involve `currentVersion` are not constant over the versions the page exists in
   (all supported versions for reusables and variables) (`constant-condition`, warning);
4. every page renders in every version it exists in (`render`);
5. internal links in the rendered HTML: `/en/<version>/<path>` must be a page that
   exists in that version or a `redirect_from` entry, `#anchors` must be ids in the
   target page as rendered for that version (`link`, `anchor`).

The same mistake seen in several versions is reported once, with the versions listed.
Exit status: 0 when no errors were found (warnings allowed unless `--strict`), 1
otherwise, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from liquid import RenderContext
from liquid.ast import ConditionalBlockNode, Node
from liquid.builtin.expressions import logical as lg
from liquid.builtin.expressions.path import Path as LiquidPath
from liquid.builtin.expressions.primitive import StringLiteral
from liquid.builtin.tags.if_tag import IfNode
from liquid.builtin.tags.unless_tag import UnlessNode
from liquid.exceptions import LiquidError
from liquid.expression import Expression

from renderer.liquid.conditions import VersionComparison
from renderer.errors import RenderError, line_and_column
from renderer.liquid.environment import DataNode
from renderer.markdown.links import localize_href
from renderer.model.pages import Page
from renderer.pipeline import render_page
from renderer.model.tree import DocsTree, normalize_url_path
from renderer.model.versions import range_matches, release_key, validate_range

KINDS = ("config", "frontmatter", "yaml", "liquid", "data", "version-reference", "version-range", "constant-condition",
         "render", "link", "anchor")


@dataclass
class Problem:
    """One finding: where, what, how bad, and in which versions it shows."""

    kind: str
    severity: str  # "error" or "warning"
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    versions: list[str] = field(default_factory=list)  # empty: not tied to versions
    chain: tuple[str, ...] = ()

    @property
    def key(self) -> tuple:
        return (self.file, self.line, self.column, self.message)

    @property
    def location(self) -> str:
        parts = [self.file, str(self.line or 1), str(self.column or 1)]
        return ":".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file, "line": self.line, "column": self.column, "severity": self.severity,
            "kind": self.kind, "message": self.message, "versions": self.versions, "chain": list(self.chain),
        }


@dataclass
class Report:
    problems: list[Problem]
    pages: int = 0
    renders: int = 0
    seconds: float = 0.0

    def count(self, severity: str) -> int:
        return sum(1 for p in self.problems if p.severity == severity)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    def by_kind(self) -> Counter:
        return Counter(p.kind for p in self.problems)


# --- helpers ------------------------------------------------------------------------


def problem_from_error(err: RenderError, kind: str, versions: Iterable[str] = (), severity: str | None = None) -> Problem:
    versions = list(versions) or ([err.version] if err.version else [])
    return Problem(kind, severity or err.severity, err.message, err.file or "<unknown>", err.line, err.column,
                   versions, tuple(err.chain))


def walk_nodes(nodes: Iterable[Node], depth: int = 0) -> Iterator[Node]:
    """Every node of a parsed template, depth first (partials are not followed)."""
    for node in nodes:
        yield node
        if depth > 200:  # the environment's nesting limit stops far earlier
            continue
        try:
            children = list(node.children(None, include_partials=False))  # type: ignore[arg-type]
        except Exception:  # a third-party node that needs a real context
            children = []
        yield from walk_nodes(children, depth + 1)


def walk_expression(expr: Expression) -> Iterator[Expression]:
    yield expr
    for child in expr.children():
        yield from walk_expression(child)


def conditions_of(node: Node) -> list[Expression]:
    """The conditions an if/unless node evaluates (if, then each elsif)."""
    if not isinstance(node, (IfNode, UnlessNode)):
        return []
    found = [node.condition]
    for alternative in node.alternatives:
        if isinstance(alternative, ConditionalBlockNode):
            found.append(alternative.expression)
    return found


def first_index(expr: Expression) -> int:
    """Smallest token index inside an expression (where the condition starts)."""
    indexes = [e.token.start_index for e in walk_expression(expr) if e.token is not None and e.token.start_index >= 0]
    return min(indexes) if indexes else -1


def path_head(expr: Expression) -> object:
    return expr.path[0] if isinstance(expr, LiquidPath) and expr.path else None


COMPARISONS = (lg.EqExpression, lg.NeExpression, VersionComparison)
HREF_ATTR = re.compile(r'\shref="([^"]*)"')
IDS = re.compile(r'\s(?:id|name)="([^"]+)"')


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


@dataclass
class Source:
    """A Liquid source to check: where it is, and which versions it is rendered in."""

    file: str
    file_text: str
    offset: int
    text: str
    versions: list[str]
    what: str  # "page", "frontmatter", "reusable", "variable"


class Checker:
    def __init__(self, tree: DocsTree, *, links: bool = True, data: bool = True):
        self.tree = tree
        self.model = tree.model
        self.links = links
        self.check_data = data
        self.problems: dict[tuple, Problem] = {}
        self.static_names = {"currentVersion", *self.model.liquid_globals()}
        self._contexts: dict[str, RenderContext] = {}
        self.renders = 0
        self.pages: list[Page] = []
        self._redirects: set[str] | None = None

    # --- collecting problems ----------------------------------------------------------

    def add(self, problem: Problem) -> None:
        existing = self.problems.get(problem.key)
        if existing is None:
            self.problems[problem.key] = problem
            return
        if existing.versions:
            for version in problem.versions:
                if version not in existing.versions:
                    existing.versions.append(version)

    def add_error(self, err: RenderError, kind: str, versions: Iterable[str] = (), severity: str | None = None) -> None:
        self.add(problem_from_error(err, kind, versions, severity))

    def at(self, source: Source, index: int, message: str, kind: str, severity: str = "error",
           versions: Iterable[str] | None = None) -> None:
        """A problem at `index` of a source's template text."""
        line, column = line_and_column(source.file_text, source.offset + max(index, 0))
        if versions is None:  # a page's problems show its versions; a reusable's are everyone's
            versions = source.versions if source.what in ("page", "frontmatter") else []
        self.add(Problem(kind, severity, message, source.file, line, column, list(versions)))

    # --- the run ----------------------------------------------------------------------

    def run(self, pages: list[Page] | None = None) -> list[Problem]:
        """Check the whole tree, or only `pages` (already parsed) when given."""
        errors: list[RenderError] = []
        self.pages = self.tree.all_pages(errors) if pages is None else pages
        for err in errors:
            self.add_error(err, "frontmatter")
        for page in self.pages:
            self.check_ranges(page)
        for source in self.sources():
            self.check_source(source)
        rendered = self.render_all()
        if self.links:
            self.check_links(rendered)
        return self.sorted()

    def sorted(self) -> list[Problem]:
        order = {v: i for i, v in enumerate(self.model.ids)}
        for problem in self.problems.values():
            problem.versions.sort(key=lambda v: order.get(v, len(order)))
        return sorted(self.problems.values(), key=lambda p: (p.file, p.line or 0, p.column or 0, p.message))

    # --- 1. frontmatter ranges --------------------------------------------------------

    def check_ranges(self, page: Page) -> None:
        versions = page.frontmatter.get("versions")
        if not isinstance(versions, dict):
            return
        head = page.text[: page.body_offset]
        for plan in self.model.plans:
            spec = versions.get(plan.name)
            if spec is None or validate_range(str(spec)):
                continue
            if not any(range_matches(str(spec), r) for r in plan.releases):
                m = re.search(rf"^\s*{re.escape(plan.name)}\s*:", head, re.M)
                index = m.start() + len(m.group(0)) - len(m.group(0).lstrip()) if m else 0
                line, column = line_and_column(page.text, index)
                self.add(Problem("version-range", "warning",
                                 f"range {str(spec)!r} for plan `{plan.name}` matches no supported release "
                                 f"({', '.join(plan.releases)})", page.file, line, column))
        if not page.versions:
            line, column = line_and_column(page.text, page.text.find("versions"))
            self.add(Problem("version-range", "warning", "page exists in no version", page.file, line, column))

    # --- 2./3. Liquid sources ---------------------------------------------------------

    def sources(self) -> Iterator[Source]:
        for page in self.pages:
            yield Source(page.file, page.text, page.body_offset, page.body, page.versions, "page")
            for key in ("title", "shortTitle", "intro", "product", "permissions"):
                value = page.frontmatter.get(key)
                if isinstance(value, str) and "{" in value:
                    yield Source(page.file, page.text, page.value_offset(key), value, page.versions, "frontmatter")
        if not self.check_data:
            return
        everything = self.model.ids
        for dotted in self.tree.data.all_reusables():
            if dotted.rsplit(".", 1)[-1].lower() == "readme":
                continue  # a folder's notes for writers, not a reusable
            try:
                item = self.tree.data.lookup(dotted)
            except RenderError as err:
                self.add_error(err, "yaml")
                continue
            if item is None:  # a symlink out of the reusables folder, or an unreadable name
                self.add(Problem("data", "error", f"reusable {dotted!r} cannot be read: it resolves outside the "
                                 "reusables folder or its name is not a valid data path",
                                 f"{self.tree.display(self.tree.data.reusables_dir)}/{dotted.split('.', 1)[1].replace('.', '/')}.md"))
                continue
            if "{" in item.text:
                yield Source(item.file, item.file_text, item.offset, item.text, everything, "reusable")
        for dotted in self.variable_paths():
            try:
                item = self.tree.data.lookup(dotted)
            except RenderError as err:
                self.add_error(err, "yaml")
                continue
            if item is not None and "{" in item.text:
                offset = item.file_text.find(item.text)
                yield Source(item.file, item.file_text, offset if offset >= 0 else item.offset, item.text,
                             everything, "variable")

    def variable_paths(self) -> list[str]:
        """Dotted paths of every string under data/variables, without following YAML
        aliases twice (so an alias bomb costs no more than its text)."""
        folder = self.tree.data.data_dir / "variables"
        found: list[str] = []
        if not folder.is_dir():
            return found
        for file in sorted(folder.rglob("*.yml")):
            rel = file.relative_to(self.tree.data.data_dir).with_suffix("")
            prefix = ".".join(rel.parts)
            try:
                value, _ = self.tree.data._load_yaml(file)
            except RenderError as err:
                self.add_error(err, "yaml")
                continue
            except OSError as err:
                self.add(Problem("yaml", "error", f"cannot read: {err.strerror}", self.tree.display(file)))
                continue
            seen: set[int] = set()
            stack: list[tuple[str, object]] = [(prefix, value)]
            while stack:
                path, node = stack.pop()
                if isinstance(node, dict):
                    if id(node) in seen:
                        continue
                    seen.add(id(node))
                    stack.extend((f"{path}.{k}", v) for k, v in reversed(list(node.items())))
                elif isinstance(node, str):
                    found.append(path)
        return found

    def check_source(self, source: Source) -> None:
        try:
            template = self.tree.parse_template(source.text)
        except LiquidError as err:
            token = err.token
            index = token.start_index if token is not None and token.start_index >= 0 else 0
            message = str(err.message) if err.message else err.__class__.__name__
            if isinstance(err.__cause__, RecursionError):  # python-liquid wraps it, without a position
                message = "expression nests too deeply to parse"
            self.at(source, index, message, "liquid")
            return
        except RecursionError:
            self.at(source, 0, "template nests too deeply", "liquid")
            return
        for node in walk_nodes(template.nodes):
            if isinstance(node, DataNode):
                self.check_data_reference(source, node)
            for condition in conditions_of(node):
                self.check_condition(source, condition)

    def check_data_reference(self, source: Source, node: DataNode) -> None:
        problem = self.tree.data.validate_path(node.path)
        try:
            missing = problem is None and self.tree.data.lookup(node.path) is None
        except RenderError as err:  # the data file it points into is broken
            self.add_error(err, "yaml")
            return
        if problem or missing:
            self.at(source, node.token.start_index, problem or f"unknown data reference {node.path!r}", "data")

    def check_condition(self, source: Source, condition: Expression) -> None:
        static = True
        uses_version = False
        for expr in walk_expression(condition):
            if isinstance(expr, COMPARISONS):
                self.check_version_literals(source, expr)
            if isinstance(expr, LiquidPath):
                head = path_head(expr)
                if head == "currentVersion":
                    uses_version = True
                if head not in self.static_names or any(isinstance(s, LiquidPath) for s in expr.path[1:]):
                    static = False
        if not (static and uses_version and source.versions):
            return
        results = set()
        for version in source.versions:
            try:
                results.add(bool(condition.evaluate(self.context(version))))
            except Exception:  # noqa: BLE001 - an odd expression is not this check's business
                return
        if len(results) == 1:
            value = "true" if results.pop() else "false"
            scope = "every version this page exists in" if source.what in ("page", "frontmatter") else "every supported version"
            self.at(source, first_index(condition), f"condition `{condition}` is always {value} in {scope} "
                    f"({', '.join(source.versions)})", "constant-condition", "warning", versions=[])

    def check_version_literals(self, source: Source, expr: Expression) -> None:
        left, right = expr.children()
        version_op = isinstance(expr, VersionComparison)
        for mine, other in ((left, right), (right, left)):
            if not isinstance(other, StringLiteral):
                continue
            if not version_op and path_head(mine) != "currentVersion":
                continue
            if version_op and other is left:
                continue
            problem = self.version_literal_problem(other.value, bare_ok=version_op)
            if problem:
                self.at(source, other.token.start_index, problem, "version-reference")

    def version_literal_problem(self, value: str, *, bare_ok: bool) -> str | None:
        plan, at, release = value.rpartition("@")
        if not at:
            if bare_ok and release_key(value) is not None:
                if any(value in p.releases or value in p.deprecated or value in p.upcoming for p in self.model.plans):
                    return None
                return f"release {value!r} exists in no plan (neither supported nor deprecated)"
            return f"{value!r} is not a version id (expected <plan>@<release>, e.g. {self.model.default})"
        if plan not in self.model.plan_names:
            return f"unknown plan {plan!r} in version {value!r} (known plans: {', '.join(sorted(self.model.plan_names))})"
        if not self.model.is_known_release(plan, release):
            known = next(p for p in self.model.plans if p.name == plan)
            listed = ", ".join(known.releases) + (f"; deprecated: {', '.join(known.deprecated)}" if known.deprecated else "")
            return f"{value!r}: release {release!r} of `{plan}` does not exist (supported: {listed})"
        return None

    def context(self, version: str) -> RenderContext:
        if version not in self._contexts:
            template = self.tree.parse_template("")
            self._contexts[version] = RenderContext(
                template, globals={"currentVersion": version, **self.model.liquid_globals()})
        return self._contexts[version]

    # --- 4. rendering -----------------------------------------------------------------

    def render_all(self) -> dict[tuple[str, str], tuple[Page, str, set[str], bool]]:
        """(version, relpath) -> (page, html, deps, complete) for every render that worked."""
        rendered: dict[tuple[str, str], tuple[Page, str, set[str], bool]] = {}
        for page in self.pages:
            for version in page.versions:
                self.renders += 1
                try:
                    result = render_page(self.tree, page, version)
                except RenderError as err:
                    self.add_error(err, "render")
                    continue
                except RecursionError:
                    self.add(Problem("render", "error", "page nests too deeply to render", page.file, 1, 1, [version]))
                    continue
                for warning in result.warnings:
                    if warning.message.startswith("link target"):  # a link tag to no page: a broken link
                        self.add_error(warning, "link", severity="error")
                    elif warning in page.warnings:  # a frontmatter field the schema does not know
                        self.add_error(warning, "frontmatter", severity="warning")
                    else:  # e.g. an include --lenient let through
                        self.add_error(warning, "render", severity="warning")
                complete = len(result.warnings) == len(page.warnings)
                rendered[(version, page.relpath)] = (page, result.intro + "\n" + result.html, result.deps, complete)
        return rendered

    # --- 5. links ---------------------------------------------------------------------

    def check_links(self, rendered: dict[tuple[str, str], tuple[Page, str, set[str], bool]]) -> None:
        anchors: dict[tuple[str, str], set[str]] = {}

        def ids_of(version: str, relpath: str) -> set[str] | None:
            entry = rendered.get((version, relpath))
            if entry is None or not entry[3]:
                return None  # not rendered, or rendered with missing parts: don't guess
            key = (version, relpath)
            if key not in anchors:
                anchors[key] = set(IDS.findall(entry[1]))
            return anchors[key]

        versions = set(self.model.ids)
        for (version, relpath), (page, html, deps, _complete) in rendered.items():
            for href in dict.fromkeys(hrefs_of(html)):
                message = self.link_problem(href, version, relpath, versions, ids_of)
                if message:
                    kind, text = message
                    self.add_link_problem(page, deps, href, version, kind, text)

    def link_problem(self, href: str, version: str, relpath: str, versions: set[str], ids_of) -> tuple[str, str] | None:
        if href.startswith("#"):
            anchor = href[1:]
            ids = ids_of(version, relpath)
            if anchor and ids is not None and anchor not in ids:
                return "anchor", f"anchor {href!r} is not a heading id on this page"
            return None
        m = re.match(r"^/en/([^/#?]+)(/[^#?]*)?(?:\?[^#]*)?(?:#(.*))?$", href)
        if not m:
            return None
        target_version, path, anchor = m.group(1), m.group(2) or "/", m.group(3)
        if target_version not in versions:
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
        if target is None:
            if self.is_redirect(clean):
                return None
            return "link", f"link {href!r}: no page at /{clean} and no redirect_from entry for it"
        if target_version not in target.versions:
            if self.is_redirect(clean):
                return None
            return "link", f"link {href!r}: page {target.file} does not exist in {target_version}"
        if anchor:
            ids = ids_of(target_version, target.relpath)
            if ids is not None and anchor not in ids:
                return "anchor", f"link {href!r}: no heading with id {anchor!r} in {target.file} ({target_version})"
        return None

    def is_redirect(self, clean: str) -> bool:
        """Is a path (no language/version) an old URL some page lists in `redirect_from`?

        Entries are matched as written and, for legacy `/enterprise/...` entries, as the
        versioned URL they stand for (the same rewrite the links stage applies).
        """
        if self._redirects is None:
            self._redirects = set()
            for old in self.tree.redirects():
                self._redirects.add(old)
                localized = localize_href("/" + old, "v")
                stripped = normalize_url_path(localized.split("/", 3)[3] if localized.count("/") >= 3 else "")
                if stripped:
                    self._redirects.add(stripped)
        return clean in self._redirects

    def add_link_problem(self, page: Page, deps: set[str], href: str, version: str, kind: str, message: str) -> None:
        file, text, index = self.locate_href(page, deps, href)
        line, column = line_and_column(text, index)
        self.add(Problem(kind, "error", message, file, line, column, [version]))

    def locate_href(self, page: Page, deps: set[str], href: str) -> tuple[str, str, int]:
        """Best guess at where a rendered href was written: the page, then its reusables."""
        if href.startswith("#"):
            needles = [href, f"({href[1:]}"]
        else:
            path = re.sub(r"^/en/[^/]+", "", href)
            bare, _, anchor = path.partition("#")
            needles = [n for n in (path, bare, bare.rsplit("/", 1)[-1], f"#{anchor}" if anchor else "") if n and n != "/"]
        texts = [(page.file, page.text, page.body_offset)]
        for dep in sorted(deps):
            if dep.startswith("reusables.") or dep.startswith("variables."):
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


def run_check(tree: DocsTree, *, links: bool = True, data: bool = True) -> Report:
    started = time.perf_counter()
    checker = Checker(tree, links=links, data=data)
    problems = checker.run()
    return Report(problems, pages=len(checker.pages), renders=checker.renders, seconds=time.perf_counter() - started)


# --- output -------------------------------------------------------------------------


def format_text(problem: Problem) -> str:
    versions = f" [{', '.join(problem.versions)}]" if problem.versions else ""
    chain = f" (included from {' <- '.join(reversed(problem.chain))})" if problem.chain else ""
    return f"{problem.location}: {problem.severity}:{versions} {problem.message}{chain} ({problem.kind})"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(problem: Problem) -> str:
    """A GitHub Actions workflow command that annotates the file in the pull request."""
    command = "error" if problem.severity == "error" else "warning"
    title = f"render check: {problem.kind}"
    props = [f"file={_escape_property(problem.file)}", f"line={problem.line or 1}", f"col={problem.column or 1}",
             f"title={_escape_property(title)}"]
    versions = f"[{', '.join(problem.versions)}] " if problem.versions else ""
    chain = f" (included from {' <- '.join(reversed(problem.chain))})" if problem.chain else ""
    return f"::{command} {','.join(props)}::{_escape_data(versions + problem.message + chain)}"


def summary(report: Report) -> str:
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.by_kind().items()))
    return (f"render check: {report.errors} error(s), {report.warnings} warning(s) in {report.pages} pages, "
            f"{report.renders} renders, {report.seconds:.1f}s" + (f" ({kinds})" if kinds else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="render check",
        description="Check a docs tree as CI would: frontmatter, Liquid, data references, version references, "
        "constant conditions, renders of every page in every version, internal links and anchors.",
        epilog="Exit status: 0 when there are no errors (warnings too with --strict), 1 otherwise. "
        "--format json prints one JSON array of {file, line, column, severity, kind, message, versions, chain}.",
    )
    parser.add_argument("--root", default=".", help="docs root holding content/ and data/ (default: current folder)")
    parser.add_argument("--versions", default=None, help="versions file (default: <root>/data/versions.yml, else the 2020 defaults)")
    parser.add_argument("--format", choices=("text", "github", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--lenient", action="store_true", help="tolerate what GitHub's 2020 engine tolerated (missing includes, `{%% else if %%}`, stray `%%`): those are then not reported")
    parser.add_argument("--no-links", action="store_true", help="skip the link and anchor checks")
    args = parser.parse_args(argv)

    try:
        tree = DocsTree(args.root, args.versions, lenient=args.lenient)
    except RenderError as err:  # no content/ folder, a broken versions file: still one located problem
        problem = problem_from_error(err, "config")
        if problem.file.startswith("/"):  # a versions file: shown relative to the root when inside it
            try:
                problem.file = str(Path(problem.file).resolve().relative_to(Path(args.root).resolve()))
            except ValueError:
                pass
        report = Report([problem])
    else:
        report = run_check(tree, links=not args.no_links)
    if args.strict:
        for problem in report.problems:
            problem.severity = "error"
    out = sys.stdout
    if args.format == "json":
        json.dump([p.as_dict() for p in report.problems], out, ensure_ascii=False, indent=1)
        out.write("\n")
        print(summary(report), file=sys.stderr)
    else:
        formatter = format_github if args.format == "github" else format_text
        for problem in report.problems:
            out.write(formatter(problem) + "\n")
        print(summary(report), file=out if args.format == "text" else sys.stderr)
    return 1 if report.errors else 0
