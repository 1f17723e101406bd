"""Feature flags: `data/features/NAME.yml` names a set of versions.

A feature file holds one `versions` block, written like a page's frontmatter (plan or
short plan names mapped to release ranges, or `'*'`):

    versions:
      fpt: '*'
      ghes: '>=2.22'

Templates test it with `{% ifversion NAME %}`, pages with `versions: {feature: NAME}`.
When a release ships a feature everywhere, one file changes instead of every condition.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import yaml

from renderer.errors import RenderError, error_at, read_source
from renderer.model.versions import VersionModel

FEATURE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
RESERVED_NAMES = frozenset({"and", "or", "not", "feature", "true", "false", "nil", "null", "empty", "blank"})


def feature_files(root: Path) -> list[Path]:
    """The feature files of a docs root, sorted by name."""
    folder = root / "data" / "features"
    return sorted(folder.glob("*.yml")) if folder.is_dir() else []


def with_features(model: VersionModel, root: Path) -> VersionModel:
    """The model with the features of `root/data/features` (unchanged when there are none)."""
    files = feature_files(root)
    if not files:
        return model
    features = {}
    for file in files:
        display = _display(file, root)
        features[file.stem] = feature_versions(model, file.stem, display, read_source(file, display))
    return dataclasses.replace(model, features=features)


def feature_versions(model: VersionModel, name: str, file: str, text: str) -> tuple[str, ...]:
    """The version ids one feature file selects; a located RenderError when it is wrong."""
    if not FEATURE_NAME.fullmatch(name) or name in RESERVED_NAMES:
        raise RenderError(f"feature name {name!r} must be lowercase letters, digits, '-' and '_', "
                          "and not a reserved word", file=file, line=1, column=1)
    if name in model.plan_keys:
        raise RenderError(f"feature {name!r} has the name of a plan; rename the file", file=file, line=1, column=1)
    try:
        raw = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error_at(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=file, file_text=text,
                       index=mark.index if mark else 0) from None
    versions = raw.get("versions") if isinstance(raw, dict) else None
    if versions == "*":
        return tuple(model.ids)
    if not isinstance(versions, dict) or not versions:
        raise RenderError("a feature file needs a `versions` mapping of plan to range (or '*')",
                          file=file, line=1, column=1)
    for key, spec in versions.items():
        problem = "a feature cannot name another feature" if key == "feature" else model.versions_key_problem(str(key), spec)
        if problem:
            found = re.search(rf"^\s*{re.escape(str(key))}\s*:", text, re.M)
            index = found.start() + len(found.group(0)) - len(found.group(0).lstrip()) if found else 0
            raise error_at(problem, file=file, file_text=text, index=index, length=len(str(key)))
    return tuple(model.applicable(versions))


def _display(file: Path, root: Path) -> str:
    try:
        return str(file.relative_to(root))
    except ValueError:
        return str(file)
