"""Conditions after a release goes away: unwrap, drop, or shorten what no longer varies.

For each conditional block, the branches that may render are worked out in every version
the source renders in, before and after the release is retired (see truth.py). Only
what the retirement changed is edited:

- one branch renders everywhere now, and did not before: the block is unwrapped to it
  (or removed, when nothing renders);
- a branch that rendered only in the retired release: it goes (an `elsif`'s condition
  becomes the `if` when the first branch goes);
- a term of a kept condition that is now constant, and was not: it goes with its
  `and`/`or` (`fpt or ghes = 2.19` -> `fpt`), and `ghes > 2.19` becomes `ghes`.

Nested blocks are judged in the versions their enclosing branch renders in. Blocks with
whitespace control next to an edit are left alone (removing the tag would change what
the `-` eats) and reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from liquid.ast import Node
from liquid.builtin.expressions import BooleanExpression
from liquid.builtin.expressions import logical as lg
from liquid.builtin.tags.unless_tag import UnlessNode

from renderer.lifecycle.edits import Edit, TagSpan, tag_span, trim_reaches
from renderer.lifecycle.truth import NONE_TAKEN, VersionOracle, blocks_of, conditions_of
from renderer.lifecycle.vcond import Cmp, from_2020, open_plan_test_2020
from renderer.liquid.conditions import VersionComparison
from renderer.liquid.ifversion import IfversionNode, ReleaseComparison

TERM_SEPARATOR = re.compile(r"\"[^\"]*\"|'[^']*'|\b(and|or)\b")


@dataclass
class PruneStats:
    unwrapped: int = 0
    dropped: int = 0
    branches: int = 0
    simplified: int = 0
    left: list[tuple[int, str]] = field(default_factory=list)  # (template index, why)


def top_conditionals(nodes: Iterable[Node]) -> list[Node]:
    """Conditional blocks in `nodes` that are not inside another conditional block there."""
    found: list[Node] = []
    stack = list(reversed(list(nodes)))
    while stack:
        node = stack.pop()
        if getattr(node, "clauses", None):
            found.append(node)
            continue
        try:
            children = list(node.children(None, include_partials=False))  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - a node that needs a real context has no static children
            children = []
        stack.extend(reversed(children))
    return found


class Pruner:
    def __init__(self, before: VersionOracle, after: VersionOracle, retired: str):
        self.before = before
        self.after = after
        self.retired = retired

    def template_edits(self, text: str, template_nodes, scope: tuple[str, ...], stats: PruneStats) -> list[Edit]:
        """The edits of one template that renders in `scope` (before the retirement)."""
        after_scope = tuple(v for v in scope if v != self.retired)
        if not after_scope or self.retired not in scope:
            return []
        edits: list[Edit] = []
        for node in top_conditionals(template_nodes):
            edits.extend(self.node_edits(text, node, scope, after_scope, stats))
        return edits

    def branch_scope(self, oracle: VersionOracle, node, scope: tuple[str, ...], index: int) -> tuple[str, ...]:
        return tuple(v for v in scope if index in oracle.branches_taken(node, v))

    def node_edits(self, text: str, node, scope: tuple[str, ...], after_scope: tuple[str, ...],
                   stats: PruneStats) -> list[Edit]:
        taken_before = self.before.branches_over(node, scope)
        taken_after = self.after.branches_over(node, after_scope)
        lost = taken_before - taken_after
        layout = Layout.of(text, node)
        kept = [i for i in range(len(layout.spans)) if i in taken_after]
        if lost - {NONE_TAKEN} or (lost and len(taken_after) == 1):
            edits = self.branch_edits(text, node, layout, taken_after, lost, scope, after_scope, stats)
            if edits is not None:
                return edits + self.inner_edits(text, node, scope, after_scope, kept, stats)
            stats.left.append((layout.spans[0].start, "whitespace control (`{%-`, `-%}`) next to a branch that could go"))
        edits = []
        for index in range(len(conditions_of(node))):
            edit = self.condition_edit(text, node, layout, index, scope, after_scope, stats)
            edits.extend([edit] if edit else [])
        return edits + self.inner_edits(text, node, scope, after_scope, range(len(layout.spans)), stats)

    def condition_edit(self, text, node, layout, index, scope, after_scope, stats) -> Edit | None:
        span = layout.spans[index]
        new = self.shorter_condition(text, node, index, span, scope, after_scope)
        if new is None:
            return None
        stats.simplified += 1
        return Edit(span.expr_start, span.expr_end, new)

    def inner_edits(self, text, node, scope, after_scope, kept, stats) -> list[Edit]:
        edits: list[Edit] = []
        blocks = blocks_of(node)
        for index in kept:
            inner_before = self.branch_scope(self.before, node, scope, index)
            inner_after = self.branch_scope(self.after, node, after_scope, index)
            if not inner_after:
                continue
            for child in top_conditionals(blocks[index].nodes):
                edits.extend(self.node_edits(text, child, inner_before, inner_after, stats))
        return edits

    def branch_edits(self, text: str, node, layout: Layout, taken_after: set[int], lost: set[int],
                     scope, after_scope, stats: PruneStats) -> list[Edit] | None:
        """Unwrap, drop, or remove the lost branches; None when whitespace control forbids it."""
        spans, end = layout.spans, layout.end
        if any(s.trimmed for s in (*spans, end)):
            return None
        if len(taken_after) == 1:
            (index,) = taken_after
            if index == NONE_TAKEN:
                edits = [Edit(spans[0].start, end.end, "")]
            else:
                edits = [Edit(spans[0].start, spans[index].end, ""), Edit(layout.body_ends[index], end.end, "")]
        else:
            edits = self.removed_branches(text, node, layout, lost, taken_after, scope, after_scope, stats)
        if any(trim_reaches(text, e.start, e.end) for e in edits if not e.text):
            return None
        if len(taken_after) == 1:
            stats.unwrapped += index != NONE_TAKEN
            stats.dropped += index == NONE_TAKEN
        else:
            stats.branches += len([i for i in lost if i != NONE_TAKEN])
        return edits

    def removed_branches(self, text, node, layout, lost, taken_after, scope, after_scope, stats) -> list[Edit]:
        spans, end = layout.spans, layout.end
        real = [i for i in taken_after if i != NONE_TAKEN]
        head = min(real) if 0 in lost else 0
        edits = []
        for index in sorted(lost - {NONE_TAKEN}):
            if index > head:  # an else at the end takes any ignored (lenient) branches after it along
                stop = end.start if index == len(spans) - 1 else spans[index + 1].start
                edits.append(Edit(spans[index].start, stop, ""))
        conditions = len(conditions_of(node))
        for index in real:
            if index < conditions and not (head and index == head):
                edit = self.condition_edit(text, node, layout, index, scope, after_scope, stats)
                edits.extend([edit] if edit else [])
        if head:  # the first kept elsif becomes the head of the block
            span = spans[head]
            expr = self.shorter_condition(text, node, head, span, scope, after_scope) or text[span.expr_start : span.expr_end]
            name = "ifversion" if isinstance(node, IfversionNode) else "if"
            tag = (text[span.start : span.name_start] + name + text[span.name_end : span.expr_start] + expr
                   + text[span.expr_end : span.end])
            edits.append(Edit(spans[0].start, span.end, tag))
            if isinstance(node, UnlessNode):
                edits.append(Edit(end.name_start, end.name_end, "endif"))
        return edits

    # --- terms of a kept condition ------------------------------------------------------

    def shorter_condition(self, text: str, node, index: int, span: TagSpan, scope, after_scope) -> str | None:
        """The condition without terms that are now constant, or None when nothing changes."""
        terms = spine(conditions_of(node)[index])
        pieces = term_spans(text, span.expr_start, span.expr_end)
        if terms is None or pieces is None or len(pieces[0]) != len(terms[0]) or pieces[1] != terms[1]:
            return None
        atoms, ops = terms
        constants = self.term_constants(atoms, ops, scope, after_scope)
        texts = [self.term_text(text, atom, piece) for atom, piece in zip(atoms, pieces[0], strict=False)]
        if all(c is None for c in constants) and all(t == text[s:e] for t, (s, e) in zip(texts, pieces[0], strict=False)):
            return None
        value, kept = fold(constants, ops)
        if value is not None or not kept:
            return None  # the whole condition is constant: a branch-level change, or nothing to do
        parts = [texts[kept[0]]]
        for previous, current in zip(kept, kept[1:], strict=False):
            parts.append(text[pieces[0][previous][1] : pieces[0][previous + 1][0]] if current == previous + 1
                         else f" {ops[previous]} ")
            parts.append(texts[current])
        return "".join(parts)

    def term_constants(self, atoms, ops, scope, after_scope) -> list[bool | None]:
        """Each term's new constant value, judged where it matters: the rest of `a and rest`
        only counts where `a` holds, the rest of `a or rest` only where it does not."""
        constants = []
        before_scope, now_scope = list(scope), list(after_scope)
        for index, atom in enumerate(atoms):
            constants.append(self.new_constant(atom, before_scope, now_scope))
            if index < len(ops):
                wanted = ops[index] == "and"
                before_scope = [v for v in before_scope if self.before.truth(atom, v) in (wanted, None)]
                now_scope = [v for v in now_scope if self.after.truth(atom, v) in (wanted, None)]
        return constants

    def new_constant(self, atom, scope, after_scope) -> bool | None:
        """True/False when the term is constant after the retirement and was not before."""
        after = {self.after.truth(atom, v) for v in after_scope}
        if len(after) != 1 or None in after:
            return None
        before = {self.before.truth(atom, v) for v in scope}
        return None if before == after else after.pop()

    def term_text(self, text: str, atom, piece: tuple[int, int]) -> str:
        """A term as written, or the plan test it now means: `ghes > 2.19` -> `ghes`,
        `currentVersion ver_gt "enterprise-server@2.19"` -> `enterpriseServerVersions contains currentVersion`."""
        original = text[piece[0] : piece[1]]
        comparison = atom.right if isinstance(atom, lg.LogicalNotExpression) else atom
        plan_name, start, stop, replacement = self.plan_test(comparison)
        if plan_name is None:
            return original
        now = {v for v in self.after.model.ids if self.after.truth(comparison, v)}
        then = {v for v in self.before.model.ids if self.before.truth(comparison, v)}
        everywhere_now = {v.id for v in self.after.model.versions if v.plan == plan_name}
        everywhere_then = {v.id for v in self.before.model.versions if v.plan == plan_name}
        if now != everywhere_now or (then == everywhere_then and not self.names_retired(comparison)):
            return original
        return original[: start - piece[0]] + replacement + original[stop - piece[0] :]

    def names_retired(self, comparison) -> bool:
        """Does the comparison name the retired release (`ghes >= 2.19`)?"""
        if isinstance(comparison, ReleaseComparison):
            plan = self.after.model.plan_named(comparison.name)
            return plan is not None and f"{plan.name}@{comparison.release}" == self.retired
        literal = getattr(comparison.right, "value", None)
        return literal == self.retired

    def plan_test(self, comparison) -> tuple[str | None, int, int, str]:
        """(plan, span, text of the plan test) for a comparison that is open towards later releases."""
        if isinstance(comparison, ReleaseComparison) and comparison.operator in (">", ">=", "!="):
            plan = self.after.model.plan_named(comparison.name)
            stop = comparison.release_token.start_index + len(comparison.release)
            return (plan.name if plan else None), comparison.token.start_index, stop, comparison.name
        if isinstance(comparison, VersionComparison) and comparison.operator == "ver_gt":
            test = from_2020(comparison, self.after.model)
            plan = self.after.model.plan_named(test.plan) if isinstance(test, Cmp) else None
            if plan is not None:
                start = min(comparison.left.token.start_index, comparison.token.start_index)
                literal = comparison.right.token
                stop = literal.start_index + len(literal.value) + 2  # the token starts at the opening quote
                return plan.name, start, stop, open_plan_test_2020(plan)
        return None, 0, 0, ""

@dataclass(frozen=True)
class Layout:
    """Where a block's tags are: one span per real branch tag, where each body ends, the end tag."""

    spans: list[TagSpan]
    body_ends: list[int]
    end: TagSpan

    @classmethod
    def of(cls, text: str, node) -> Layout:
        clauses = list(node.clauses)
        spans, body_ends = [], []
        for position, clause in enumerate(clauses[:-1]):
            if not clause.ignored:
                spans.append(tag_span(text, clause.token.start_index))
                body_ends.append(tag_span(text, clauses[position + 1].token.start_index).start)
        return cls(spans, body_ends, tag_span(text, clauses[-1].token.start_index))


def spine(condition) -> tuple[list, list[str]] | None:
    """A condition as terms and the `and`/`or` between them (both grammars group to the right)."""
    expr = condition.expression if isinstance(condition, BooleanExpression) else condition
    atoms, ops = [], []
    while isinstance(expr, (lg.LogicalAndExpression, lg.LogicalOrExpression)):
        atoms.append(expr.left)
        ops.append("and" if isinstance(expr, lg.LogicalAndExpression) else "or")
        expr = expr.right
    atoms.append(expr)
    if any(isinstance(a, (lg.LogicalAndExpression, lg.LogicalOrExpression)) for a in atoms):
        return None
    return atoms, ops


def term_spans(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], list[str]] | None:
    """Spans of the terms of a condition's source and the operators between them."""
    spans, ops = [], []
    term_start = start
    for match in TERM_SEPARATOR.finditer(text, start, end):
        if match.group(1) is None:
            continue  # a string literal
        term_end = match.start()
        while term_end > term_start and text[term_end - 1].isspace():
            term_end -= 1
        spans.append((term_start, term_end))
        ops.append(match.group(1))
        term_start = match.end()
        while term_start < end and text[term_start].isspace():
            term_start += 1
    spans.append((term_start, end))
    return (spans, ops) if all(s < e for s, e in spans) else None


def fold(constants: list[bool | None], ops: list[str]) -> tuple[bool | None, list[int]]:
    """Right-grouped `t0 op0 (t1 op1 (...))` with some terms constant: (its constant value, or
    None and the indexes of the terms that remain)."""
    count = len(constants)
    value, kept = constants[-1], ([] if constants[-1] is not None else [count - 1])
    for index in reversed(range(count - 1)):
        constant, op = constants[index], ops[index]
        identity = op == "and"  # `true and x` is x, `false or x` is x
        if constant is None:
            if value is None:
                kept = [index, *kept]
            elif value == identity:
                value, kept = None, [index]
        elif constant != identity:
            value, kept = constant, []  # `false and x`, `true or x`
        elif value is not None:
            value = constant and value if op == "and" else constant or value
    return value, kept

