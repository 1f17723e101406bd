"""The one YAML loader for every file the engine reads (frontmatter, data files, versions).

Safe tags only (libyaml's parser with PyYAML's safe constructor), and a bound on alias
expansion: a 400-byte "billion laughs" document is a handful of nodes on disk but
hundreds of millions once each alias is repeated, which is what a template walking or
printing it through `site.data` pays. The document is composed first (aliases share one
node there, so that costs no more than the text), its expanded size is counted over the
node graph, and only a document within the budget is constructed.
"""

from __future__ import annotations

import yaml

from renderer.errors import RenderError, error_at, limit_value
from renderer.limits import YAML_ALIAS_BUDGET_ENV, yaml_alias_budget


def load_yaml(text: str, file: str, *, what: str = "YAML", file_text: str | None = None, offset: int = 0,
              without_aliases: bool = False) -> object:
    """The value of a YAML document, or a RenderError located in `file`.

    `file_text` and `offset` place the document inside a larger file (frontmatter), so
    positions count from the file's first line. `without_aliases`: the caller has made
    sure the document holds no alias, so there is no expansion to count.
    """
    whole = file_text if file_text is not None else text
    budget = limit_value(yaml_alias_budget)
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        problem = None if without_aliases else _expansion_problem(node, budget, file, whole, offset)
        if problem is not None:
            del node  # a traceback showing its repr would expand every alias
            raise problem
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise error_at(f"invalid {what}: {reason}", file=file, file_text=whole,
                       index=offset + (mark.index if mark else 0)) from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4,300 digits
        raise error_at(f"invalid {what}: {exc}", file=file, file_text=whole, index=offset) from None
    except RecursionError:
        raise error_at(f"invalid {what}: nests too deeply", file=file, file_text=whole, index=offset) from None
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _expansion_problem(root: yaml.Node, budget: int, file: str, text: str, offset: int) -> RenderError | None:
    """The error for a node graph whose aliases add more than `budget` nodes and characters.

    A scalar weighs 1 + its length, a collection 1 + its children; `expanded` counts a
    node once per use, `distinct` once. Post-order, so the innermost collection that
    goes over the budget is the one named. Iterative: nesting depth costs no stack.
    """
    expanded: dict[int, int] = {}
    distinct_total = 0
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            own = 1 + (len(node.value) if isinstance(node, yaml.ScalarNode) else 0)
            total = own + sum(expanded[id(child)] for child in _children(node))
            distinct_total += own
            if total - distinct_total > budget:
                return error_at(f"YAML aliases expand this document past the limit of {budget:,} repeated nodes "
                               f"and characters (set {YAML_ALIAS_BUDGET_ENV} to change it)",
                               file=file, file_text=text, index=offset + node.start_mark.index)
            expanded[key] = total
            continue
        if key in expanded:
            continue
        if key in on_path:
            return error_at("a YAML alias refers to the collection that contains it (recursive alias)",
                           file=file, file_text=text, index=offset + node.start_mark.index)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)) if id(child) not in expanded)
    return None
