"""Edits of YAML documents by exact spans: replace a value, remove a mapping entry or a
list item, add list items. Positions come from PyYAML's composed nodes; callers reload
the edited text to confirm it says what they meant (a layout this does not know gives
None or an edit whose result fails that check, never a silent rewrite).
"""

from __future__ import annotations

import yaml

from renderer.lifecycle.edits import Edit


def compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None


def mapping_entry(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node, value node) of `key` in a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def replace_value(value: yaml.Node, text: str, offset: int = 0) -> Edit:
    return Edit(offset + value.start_mark.index, offset + value.end_mark.index, text)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def remove_entry(text: str, mapping: yaml.MappingNode, key_node: yaml.Node, value: yaml.Node, offset: int = 0) -> Edit:
    """Remove one `key: value` of a mapping, block (its lines) or flow (with one comma)."""
    if not mapping.flow_style:
        start = _line_start(text, key_node.start_mark.index)
        return Edit(offset + start, offset + _line_end(text, value.end_mark.index - 1), "")
    return _remove_flow_item(text, key_node.start_mark.index, value.end_mark.index, offset)


def remove_item(text: str, sequence: yaml.SequenceNode, item: yaml.Node, offset: int = 0) -> Edit:
    """Remove one item of a list, block (its line) or flow (with one comma)."""
    if not sequence.flow_style:
        start = _line_start(text, item.start_mark.index)
        return Edit(offset + start, offset + _line_end(text, item.end_mark.index - 1), "")
    return _remove_flow_item(text, item.start_mark.index, item.end_mark.index, offset)


def _remove_flow_item(text: str, start: int, end: int, offset: int) -> Edit:
    after = end
    while after < len(text) and text[after] in " \t":
        after += 1
    if after < len(text) and text[after] == ",":  # `a, b` -> `b`: the comma and spaces after it go
        after += 1
        while after < len(text) and text[after] in " \t":
            after += 1
        return Edit(offset + start, offset + after, "")
    before = start  # the last item: the comma before it goes
    while before > 0 and text[before - 1] in " \t":
        before -= 1
    if before > 0 and text[before - 1] == ",":
        before -= 1
    return Edit(offset + before, offset + end, "")


def prepend_items(text: str, sequence: yaml.SequenceNode, items: list[str], offset: int = 0) -> Edit:
    """Put items (already YAML scalars) first in a non-empty list, in its style."""
    first = sequence.value[0]
    start = first.start_mark.index
    if sequence.flow_style:
        return Edit(offset + start, offset + start, "".join(f"{item}, " for item in items))
    line = _line_start(text, start)
    prefix = text[line:start]  # "    - "
    return Edit(offset + line, offset + line, "".join(f"{prefix}{item}\n" for item in items))


def append_items(text: str, sequence: yaml.SequenceNode, items: list[str], offset: int = 0) -> Edit:
    """Put items (already YAML scalars) last in a non-empty list, in its style."""
    last = sequence.value[-1]
    if sequence.flow_style:
        end = last.end_mark.index
        return Edit(offset + end, offset + end, "".join(f", {item}" for item in items))
    start = last.start_mark.index
    prefix = text[_line_start(text, start):start]
    end = _line_end(text, last.end_mark.index - 1)
    newline = "" if text[end - 1 : end] == "\n" else "\n"
    return Edit(offset + end, offset + end, newline + "".join(f"{prefix}{item}\n" for item in items))


def quote_like(example: str, value: str) -> str:
    """`value` as a YAML scalar quoted the way `example` (a scalar as written) is."""
    if example[:1] == "'":
        return "'" + value.replace("'", "''") + "'"
    if example[:1] == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value
