"""`render migrate`: rewrite `{% if currentVersion ... %}` blocks as `{% ifversion ... %}`, or back.

A block is rewritten only as a whole (inside an ifversion block every elsif takes the
ifversion grammar) and only when every condition in it is a version test both grammars
can say. The tag name, each condition and `endunless` are replaced in place: whitespace,
`{%-` markers, the branch bodies and everything else keep their bytes. Before a block is
rewritten, each new condition is parsed and checked to hold in exactly the versions the
old one held in, so renders cannot change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from liquid.builtin.tags.if_tag import IfNode
from liquid.builtin.tags.unless_tag import UnlessNode
from liquid.exceptions import LiquidError

from renderer.errors import RenderError, line_and_column
from renderer.lifecycle.edits import Edit, tag_span
from renderer.lifecycle.sources import Changeset, LiquidSource, liquid_sources
from renderer.lifecycle.truth import VersionOracle, conditional_nodes, conditions_of
from renderer.lifecycle.vcond import Not, from_2020, from_ifversion, to_2020, to_ifversion
from renderer.liquid.ifversion import IfversionNode, VersionNameError, versions_where
from renderer.model.tree import DocsTree

TARGETS = ("ifversion", "currentVersion")


@dataclass
class Skipped:
    file: str
    line: int
    column: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: left as is: {self.reason}"


@dataclass
class MigrateReport:
    target: str
    blocks: int = 0
    conditions: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[RenderError] = field(default_factory=list)

    def summary(self, files: int) -> str:
        return (f"render migrate --to {self.target}: {self.blocks} blocks ({self.conditions} conditions) rewritten "
                f"in {files} files; {len(self.skipped)} left as is")


def migrate_tree(tree: DocsTree, target: str) -> tuple[Changeset, MigrateReport]:
    """The edits that move every convertible conditional block of the tree to `target`."""
    if target not in TARGETS:
        raise RenderError(f"--to must be one of {', '.join(TARGETS)}, not {target!r}")
    migrator = Migrator(tree, target)
    for source in liquid_sources(tree, migrator.report.errors):
        migrator.migrate_source(source)
    return migrator.changes, migrator.report


class Migrator:
    def __init__(self, tree: DocsTree, target: str):
        self.tree = tree
        self.target = target
        self.oracle = VersionOracle(tree, tree.model)
        self.changes = Changeset(tree.root)
        self.report = MigrateReport(target)

    def skip(self, source: LiquidSource, index: int, reason: str) -> None:
        line, column = line_and_column(source.file_text, source.offset + max(index, 0))
        self.report.skipped.append(Skipped(source.file, line, column, reason))

    def migrate_source(self, source: LiquidSource) -> None:
        try:
            template = self.tree.parse_template(source.text)
        except LiquidError:
            return  # a broken source is `render check`'s business; nothing here is rewritten
        edits: list[Edit] = []
        blocks = conditions = 0
        for node in conditional_nodes(template.nodes):
            found = self.block_edits(source, node)
            if found:
                edits.extend(found)
                blocks += 1
                conditions += len(conditions_of(node))
        if not edits:
            return
        if not self.changes.edit_source(source, edits):
            self.skip(source, 0, f"{blocks} block(s) in a YAML value that cannot be edited exactly (quotes or escapes)")
            return
        self.report.blocks += blocks
        self.report.conditions += conditions

    def block_edits(self, source: LiquidSource, node) -> list[Edit]:
        """The edits for one block, or [] when it stays (reported when it is a version block)."""
        to_ifversion_grammar = self.target == "ifversion"
        if isinstance(node, IfversionNode) == to_ifversion_grammar:
            return []
        where = node.clauses[0].token.start_index
        texts = self.new_conditions(node)
        if isinstance(texts, str):
            if texts:
                self.skip(source, where, texts)
            return []
        clauses = [c for c in node.clauses if not c.ignored]
        first = tag_span(source.text, clauses[0].token.start_index)
        edits = [Edit(first.name_start, first.name_end, "ifversion" if to_ifversion_grammar else "if"),
                 Edit(first.expr_start, first.expr_end, texts[0])]
        elsifs = [c for c in clauses if c.name == "elsif"]
        for clause, text in zip(elsifs, texts[1:], strict=False):
            span = tag_span(source.text, clause.token.start_index)
            edits.append(Edit(span.expr_start, span.expr_end, text))
        end = node.clauses[-1]
        if end.name != "endif":
            edits.append(Edit(end.token.start_index, end.token.start_index + len(end.name), "endif"))
        return edits

    def new_conditions(self, node) -> list[str] | str:
        """Each condition in the target grammar, checked; or why the block stays ('' when it is no version block)."""
        model = self.tree.model
        conditions = conditions_of(node)
        if self.target == "ifversion":
            if not any("currentVersion" in str(c) for c in conditions):
                return ""
            read = [from_2020(c, model) for c in conditions]
            if isinstance(node, UnlessNode) and read[0] is not None:
                read[0] = Not(read[0])
            written = [to_ifversion(c, model) if c is not None else None for c in read]
        else:
            read = [from_ifversion(c, model) for c in conditions]
            written = [to_2020(c, model) if c is not None else None for c in read]
        if any(c is None for c in read):
            return "a condition is not only a test of the version (or names an unknown plan)"
        texts = [t for t in written if t is not None]
        if len(texts) != len(written):
            return f"a condition cannot be written in the {self.target} grammar"
        for index, (old, text) in enumerate(zip(conditions, texts, strict=False)):
            negate = index == 0 and isinstance(node, UnlessNode)
            if not self.same_versions(old, text, negate):
                return f"the {self.target} condition `{text}` would not hold in the same versions"
        return texts

    def same_versions(self, old, text: str, negate: bool) -> bool:
        """Does the new condition text hold in exactly the versions the old condition held in?"""
        expected = set()
        for version in self.tree.model.ids:
            value = self.oracle.truth(old, version)
            if value is None:
                return False
            if value != negate:
                expected.add(version)
        try:
            return self.versions_of_text(text) == expected
        except (LiquidError, VersionNameError):
            return False

    def versions_of_text(self, text: str) -> set[str]:
        if self.target == "ifversion":
            template = self.tree.env.from_string(f"{{% ifversion {text} %}}{{% endif %}}")
            block = template.nodes[0]
            assert isinstance(block, IfversionNode)  # the template is that one block
            return set(versions_where(block.condition, self.tree.model))
        template = self.tree.env.from_string(f"{{% if {text} %}}{{% endif %}}")
        block = template.nodes[0]
        assert isinstance(block, IfNode)  # the template is that one block
        return {v for v in self.tree.model.ids if self.oracle.truth(block.condition, v)}
