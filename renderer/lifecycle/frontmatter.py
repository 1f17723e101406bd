"""YAML edits a release retirement needs: the versions file, version ranges, redirects.

Each function returns exact-span edits and checks its own result by loading the edited
YAML again; when the layout is one it does not handle, it returns None and the caller
reports the file as left for a person to edit.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from renderer.lifecycle.edits import Edit, apply_edits
from renderer.lifecycle.yaml_spans import (
    append_items,
    compose,
    mapping_entry,
    prepend_items,
    quote_like,
    remove_entry,
    remove_item,
    replace_value,
)
from renderer.model.pages import FRONTMATTER, Page
from renderer.model.versions import Plan, VersionModel, range_matches, release_key, validate_range

FUTURE_RELEASE = "99999.0"  # stands for every release after the newest: an open range stays open


def range_after_retiring(spec: object, plan: Plan, release: str) -> str | None:
    """What a plan's range becomes when `release` is retired: '*', 'remove', or None (unchanged).

    '*' when it now selects every remaining release (and any later one) and either did not
    select them all before or names the retired release (`>=2.19`, `>2.19`, `>=2.20` when
    2.19 goes); 'remove' when it selected only the retired release.
    """
    text = str(spec)
    if text == "*" or validate_range(text):
        return None
    remaining = [r for r in plan.releases if r != release]
    if not remaining:
        return None
    now_all = all(range_matches(text, r) for r in remaining) and range_matches(text, FUTURE_RELEASE)
    if now_all and (not range_matches(text, release) or _names(text, release)):
        return "*"
    if range_matches(text, release) and not any(range_matches(text, r) for r in remaining):
        return "remove"
    return None


def _names(spec: str, release: str) -> bool:
    """Does a range name `release` in one of its comparators?"""
    wanted = release_key(release)
    return any(release_key(part.lstrip("<>=^~v")) == wanted for part in spec.replace("||", " ").split())


def _star_like(written: str) -> str:
    return '"*"' if written.startswith('"') else "'*'"


def versions_block_edits(text: str, offset: int, mapping: yaml.Node, model: VersionModel, plan: Plan,
                         release: str) -> tuple[list[Edit], int, int]:
    """Edits of one `versions` mapping (a page's or a feature's): (edits, ranges opened, ranges removed).

    `text` is the YAML document the nodes were composed from; `offset` where it starts in its file.
    """
    edits: list[Edit] = []
    opened = removed = 0
    if not isinstance(mapping, yaml.MappingNode):
        return edits, opened, removed
    for key_node, value_node in mapping.value:
        if not isinstance(value_node, yaml.ScalarNode) or model.plan_keys.get(key_node.value) != plan.name:
            continue
        change = range_after_retiring(value_node.value, plan, release)
        if change == "*":
            written = text[value_node.start_mark.index : value_node.end_mark.index]
            edits.append(replace_value(value_node, _star_like(written), offset))
            opened += 1
        elif change == "remove" and len(mapping.value) > 1:
            edits.append(remove_entry(text, mapping, key_node, value_node, offset))
            removed += 1
    return edits, opened, removed


@dataclass
class FrontmatterEdit:
    edits: list[Edit]
    opened: int = 0
    removed: int = 0


def page_versions_edit(page: Page, after: VersionModel, plan: Plan, release: str) -> FrontmatterEdit | None:
    """Edits of a page's `versions` for the retirement; None when they would not keep its other versions."""
    match = FRONTMATTER.match(page.text)
    entry = mapping_entry(compose(match.group(1)), "versions") if match else None
    if match is None or entry is None or not isinstance(entry[1], yaml.MappingNode):
        return FrontmatterEdit([])
    edits, opened, removed = versions_block_edits(match.group(1), match.start(1), entry[1], after, plan, release)
    if not edits:
        return FrontmatterEdit([])
    new = FRONTMATTER.match(apply_edits(page.text, edits))
    try:
        versions = yaml.load(new.group(1), Loader=yaml.CSafeLoader)["versions"] if new else None
    except (yaml.YAMLError, KeyError, TypeError):
        return None
    wanted = [v for v in page.versions if v != f"{plan.name}@{release}"]
    if versions == "*":
        kept = after.ids
    elif isinstance(versions, dict):
        kept = after.applicable(versions)
    else:  # the edits only touch entries of the mapping, so it stays '*' or a mapping
        return None
    if kept != wanted:
        return None
    return FrontmatterEdit(edits, opened, removed)


def feature_file_edit(text: str, after: VersionModel, plan: Plan, release: str) -> FrontmatterEdit | None:
    root = compose(text)
    entry = mapping_entry(root, "versions")
    if entry is None:
        return FrontmatterEdit([])
    edits, opened, removed = versions_block_edits(text, 0, entry[1], after, plan, release)
    if edits:
        try:
            yaml.load(apply_edits(text, edits), Loader=yaml.CSafeLoader)["versions"]
        except (yaml.YAMLError, KeyError, TypeError):
            return None
    return FrontmatterEdit(edits, opened, removed)


def redirect_edit(page: Page, urls: list[str]) -> Edit | None:
    """Add `urls` to a page's `redirect_from` (creating the field when it is missing)."""
    match = FRONTMATTER.match(page.text)
    if match is None:
        return None
    raw, offset = match.group(1), match.start(1)
    entry = mapping_entry(compose(raw), "redirect_from")
    if entry is None:
        closing = offset + len(raw) + 1  # the closing `---` line
        edit = Edit(closing, closing, "redirect_from:\n" + "".join(f"  - {url}\n" for url in urls))
    elif isinstance(entry[1], yaml.SequenceNode) and entry[1].value:
        edit = append_items(raw, entry[1], urls, offset)
    elif isinstance(entry[1], yaml.ScalarNode):
        written = raw[entry[1].start_mark.index : entry[1].end_mark.index]
        edit = replace_value(entry[1], "[" + ", ".join([written, *urls]) + "]", offset)
    else:
        return None
    new = FRONTMATTER.match(apply_edits(page.text, [edit]))
    try:
        value = yaml.load(new.group(1), Loader=yaml.CSafeLoader).get("redirect_from") if new else None
    except (yaml.YAMLError, AttributeError):
        return None
    value = [value] if isinstance(value, str) else value
    return edit if value == [*page.redirect_from, *urls] else None


def versions_file_edits(text: str, plan: Plan, release: str) -> list[Edit] | None:
    """Move `release` of `plan` from `releases` to the front of `deprecated` in a versions file."""
    root = compose(text)
    plans = mapping_entry(root, "plans")
    entries = plans[1].value if plans and isinstance(plans[1], yaml.SequenceNode) else []
    found = next((e for e in entries if (n := mapping_entry(e, "name")) and n[1].value == plan.name), None)
    releases = mapping_entry(found, "releases") if found is not None else None
    if releases is None or not isinstance(releases[1], yaml.SequenceNode):
        return None
    item = next((i for i in releases[1].value if isinstance(i, yaml.ScalarNode) and i.value == release), None)
    if item is None:
        return None
    written = text[item.start_mark.index : item.end_mark.index]
    edits = [remove_item(text, releases[1], item)]
    deprecated = mapping_entry(found, "deprecated")
    if deprecated is not None and isinstance(deprecated[1], yaml.SequenceNode) and deprecated[1].value:
        edits.append(prepend_items(text, deprecated[1], [written]))
    elif deprecated is None:
        key = releases[0]
        line_start = text.rfind("\n", 0, key.start_mark.index) + 1
        indent = text[line_start : key.start_mark.index]
        end = text.find("\n", releases[1].end_mark.index - 1)
        end = len(text) if end < 0 else end + 1
        newline = "" if text[end - 1 : end] == "\n" else "\n"
        edits.append(Edit(end, end, f"{newline}{indent}deprecated: [{quote_like(written, release)}]\n"))
    else:
        return None
    return edits if _moved(apply_edits(text, edits), plan, release) else None


def _moved(text: str, plan: Plan, release: str) -> bool:
    try:
        raw = yaml.load(text, Loader=yaml.CSafeLoader)
        entry = next(p for p in raw["plans"] if p.get("name") == plan.name)
    except (yaml.YAMLError, KeyError, TypeError, StopIteration, AttributeError):
        return False
    releases = [str(r) for r in entry.get("releases") or ()]
    deprecated = [str(r) for r in entry.get("deprecated") or ()]
    return releases == [r for r in plan.releases if r != release] and deprecated == [release, *plan.deprecated]
