"""The frontmatter schema: which fields a page may set, of which types.

The engine knows the fields of GitHub's 2020 format. A tree can add its own in
`data/frontmatter.yml` without code changes:

```yaml
fields:
  topics: list                                  # a type name
  contributor: [string, mapping]                # one of several types
  type: {type: string, values: [overview, how_to, reference]}
  audience: {type: string, required: true}
```

Type names are `string`, `boolean`, `integer`, `number`, `list` and `mapping` (the
JSON-schema names `array` and `object` work too). A field the schema does not know is a
warning, never a reason to drop the page; a known field of the wrong type is an error.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from renderer.errors import RenderError, read_source
from renderer.model.safe_yaml import load_yaml

TYPE_NAMES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "list": (list,),
    "array": (list,),
    "mapping": (dict,),
    "object": (dict,),
}
PLATFORMS = ("mac", "windows", "linux")


@dataclass(frozen=True)
class FieldRule:
    """What one frontmatter field may hold."""

    types: tuple[type, ...]
    required: bool = False
    values: tuple[object, ...] = ()  # when not empty: the only values allowed

    def problem(self, key: str, value: object) -> str | None:
        """Why `value` does not fit this rule, or None."""
        is_bool = isinstance(value, bool)
        if not isinstance(value, self.types) or (is_bool and bool not in self.types):
            names = " or ".join(_type_label(t) for t in self.types)
            return f"frontmatter field `{key}` must be {names}, got {_type_label(type(value))}"
        if self.values and value not in self.values:
            allowed = ", ".join(repr(v) for v in self.values)
            return f"frontmatter field `{key}` must be one of {allowed}, got {value!r}"
        return None


def _rule(*types: type, required: bool = False, values: tuple[object, ...] = ()) -> FieldRule:
    return FieldRule(types, required, values)


# GitHub's 2020 fields, and the few its engine gained before 2021 (defaultPlatform, topics, ...).
BUILTIN_FIELDS: dict[str, FieldRule] = {
    "title": _rule(str, required=True),
    "shortTitle": _rule(str),
    "intro": _rule(str),
    "versions": _rule(dict, str, required=True),
    "redirect_from": _rule(list, str),
    "product": _rule(str),
    "permissions": _rule(str),
    "mapTopic": _rule(bool),
    "hidden": _rule(bool),
    "showMiniToc": _rule(bool),
    "miniTocMaxHeadingLevel": _rule(int),
    "allowTitleToDifferFromFilename": _rule(bool),
    "gettingStartedLinks": _rule(list),
    "popularLinks": _rule(list),
    "guideLinks": _rule(list),
    "quickstartLinks": _rule(list),
    "introLinks": _rule(dict),
    "layout": _rule(str, bool),
    "featuredLinks": _rule(dict),
    "children": _rule(list),
    "authors": _rule(list),
    "examples_source_data": _rule(str),
    "beta_product": _rule(bool),
    "product_video": _rule(str),
    "interactive": _rule(bool),
    "topics": _rule(list),
    "defaultPlatform": _rule(str, values=PLATFORMS),
}


@dataclass(frozen=True)
class FrontmatterSchema:
    fields: dict[str, FieldRule] = field(default_factory=lambda: dict(BUILTIN_FIELDS))
    source: str = "<built-in>"

    def first_error(self, data: dict) -> tuple[str, str] | None:
        """(field, message) of the first missing or ill-typed known field, or None."""
        for key, rule in self.fields.items():
            if key not in data:
                if rule.required:
                    return key, f"frontmatter is missing required field `{key}`"
                continue
            problem = rule.problem(key, data[key])
            if problem:
                return key, problem
        return None

    def unknown(self, data: dict) -> list[tuple[str, str]]:
        """(field, message) for every field the schema does not know, with a suggestion."""
        found = []
        for key in data:
            if str(key) in self.fields:
                continue
            message = f"unknown frontmatter field `{key}`"
            guess = self.suggestion(str(key))
            if guess:
                message += f" (did you mean `{guess}`?)"
            found.append((str(key), message + "; the page renders without it (declare it in data/frontmatter.yml)"))
        return found

    def suggestion(self, key: str) -> str | None:
        by_lower = {name.lower(): name for name in self.fields}
        if key.lower() in by_lower:
            return by_lower[key.lower()]
        close = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.75)
        return by_lower[close[0]] if close else None


DEFAULT_SCHEMA = FrontmatterSchema()


def load_frontmatter_schema(root: Path) -> FrontmatterSchema:
    """The built-in schema, extended by `<root>/data/frontmatter.yml` when there is one."""
    path = root / "data" / "frontmatter.yml"
    if not path.is_file():
        return DEFAULT_SCHEMA
    display = "data/frontmatter.yml"
    raw = load_yaml(read_source(path, display), display)  # the one YAML loader: alias budget, located errors
    declared = (raw or {}).get("fields") if isinstance(raw, dict) or raw is None else None
    if not isinstance(declared, dict):
        raise RenderError("the schema file needs a `fields` mapping of field name to type", file=display)
    schema = FrontmatterSchema(dict(BUILTIN_FIELDS), display)
    for name, spec in declared.items():
        schema.fields[str(name)] = _parse_rule(str(name), spec, display)
    return schema


def _parse_rule(name: str, spec: object, source: str) -> FieldRule:
    details = spec if isinstance(spec, dict) else {"type": spec}
    type_spec = details.get("type", "string")
    names = type_spec if isinstance(type_spec, list) else [type_spec]
    types: list[type] = []
    for type_name in names:
        if str(type_name) not in TYPE_NAMES:
            known = ", ".join(n for n in TYPE_NAMES if n not in ("array", "object"))
            raise RenderError(f"field `{name}`: unknown type {type_name!r} (known: {known})", file=source)
        types.extend(t for t in TYPE_NAMES[str(type_name)] if t not in types)
    values = details.get("values") or ()
    if not isinstance(values, list) and values != ():
        raise RenderError(f"field `{name}`: `values` must be a list", file=source)
    return FieldRule(tuple(types), bool(details.get("required", False)), tuple(values))


def _type_label(kind: type) -> str:
    return {str: "string", bool: "boolean", int: "integer", float: "number", list: "list", dict: "mapping",
            type(None): "empty"}.get(kind, kind.__name__)
