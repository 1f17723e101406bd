"""The check run: collects every problem of a docs tree, each reported once."""

from __future__ import annotations

import time

from liquid.exceptions import LiquidError

from renderer.check.conditions import ConditionCheck
from renderer.check.findings import Findings
from renderer.check.links import check_links
from renderer.check.ranges import check_ranges
from renderer.check.references import check_data_reference
from renderer.check.renders import render_all
from renderer.check.report import Report
from renderer.check.sources import Source, page_sources, report_at, reusable_sources, variable_sources
from renderer.check.templates import conditions_of, walk_nodes
from renderer.errors import RenderError
from renderer.liquid.environment import DataNode
from renderer.liquid.ifversion import IfversionNode
from renderer.model.pages import Page
from renderer.model.tree import DocsTree
from renderer.problems import Problem
from renderer.site.model import SiteModel


class Checker:
    """One pass over a docs tree: frontmatter, Liquid sources, renders, links."""

    def __init__(self, tree: DocsTree, *, links: bool = True, data: bool = True):
        self.tree = tree
        self.links = links
        self.check_data = data  # also check every reusable and variable, used or not
        self.findings = Findings(tree.model.ids)
        self.conditions = ConditionCheck(tree, self.findings)
        self.renders = 0
        self.pages: list[Page] = []

    def run(self, pages: list[Page] | None = None) -> list[Problem]:
        """Check the whole tree, or only `pages` (already parsed) when given."""
        errors: list[RenderError] = []
        self.pages = self.tree.all_pages(errors) if pages is None else pages
        for err in errors:
            self.findings.add_error(err, "frontmatter")
        site = SiteModel(self.tree, self.pages)
        for err in site.errors:  # two files for one URL
            self.findings.add_error(err, "page")
        for page in site.pages:
            check_ranges(page, self.tree.model, self.findings)
            for source in page_sources(page):
                self.check_source(source)
        if self.check_data:
            for source in reusable_sources(self.tree, self.findings):
                self.check_source(source)
            for source in variable_sources(self.tree, self.findings):
                self.check_source(source)
        self.renders = site.render_count()
        rendered = render_all(self.tree, site.renders(), self.findings)
        if self.links:
            check_links(site, rendered, self.findings)
        return self.findings.merged()

    def check_source(self, source: Source) -> None:
        """Parse a Liquid source, then check its data references and conditions."""
        try:
            template = self.tree.parse_template(source.text)
        except LiquidError as err:
            token = err.token
            index = token.start_index if token is not None and token.start_index >= 0 else 0
            message = str(err.message) if err.message else err.__class__.__name__
            if isinstance(err.__cause__, RecursionError):  # python-liquid wraps it, without a position
                message = "expression nests too deeply to parse"
            report_at(self.findings, source, index, message, "liquid")
            return
        except RecursionError:
            report_at(self.findings, source, 0, "template nests too deeply", "liquid")
            return
        for node in walk_nodes(template.nodes):
            if isinstance(node, DataNode):
                check_data_reference(self.tree.data, self.findings, source, node)
            ifversion = isinstance(node, IfversionNode)
            for condition in conditions_of(node):
                if ifversion:
                    self.conditions.check_ifversion(source, condition)
                else:
                    self.conditions.check(source, condition)


def run_check(tree: DocsTree, *, links: bool = True, data: bool = True) -> Report:
    started = time.perf_counter()
    checker = Checker(tree, links=links, data=data)
    problems = checker.run()
    return Report(problems, pages=len(checker.pages), renders=checker.renders, seconds=time.perf_counter() - started)
