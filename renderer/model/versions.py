"""The version model: plans x releases, loaded from data (`data/versions.yml`).

A version id is ``<plan>@<release>``. Pages choose their versions with semver ranges per
plan in frontmatter. Nothing here knows a plan by name: adding a plan is a data change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from renderer.errors import RenderError, error_at, read_source
from renderer.model.safe_yaml import load_yaml

DEFAULT_VERSIONS_YAML = """
default: free-pro-team@latest
plans:
  - name: free-pro-team
    title: Free, Pro, and Team
    releases: [latest]
  - name: enterprise-server
    title: Enterprise Server
    context_name: enterpriseServer
    releases: ['2.22', '2.21', '2.20', '2.19']
    deprecated: ['2.18', '2.17', '2.16', '2.15', '2.14', '2.13', '2.12', '2.11', '2.10', '2.9', '2.8', '2.7',
                 '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0', '11.10.340']
"""


@dataclass(frozen=True)
class Version:
    plan: str
    release: str
    plan_title: str

    @property
    def id(self) -> str:
        return f"{self.plan}@{self.release}"

    @property
    def title(self) -> str:
        return self.plan_title if self.release == "latest" else f"{self.plan_title} {self.release}"


@dataclass(frozen=True)
class Plan:
    name: str
    title: str
    releases: tuple[str, ...]
    deprecated: tuple[str, ...] = ()
    context_name: str | None = None
    short: str | None = None  # e.g. `ghes`, for `{% ifversion %}` and frontmatter
    upcoming: tuple[str, ...] = ()  # announced, not yet rendered: references to them are not mistakes


@dataclass
class VersionModel:
    plans: list[Plan]
    default: str
    source: str = "<defaults>"
    features: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> version ids (data/features)
    versions: list[Version] = field(init=False)
    by_id: dict[str, Version] = field(init=False)

    def __post_init__(self) -> None:
        self.versions = [Version(p.name, r, p.title) for p in self.plans for r in p.releases]
        self.by_id = {v.id: v for v in self.versions}
        self.plan_names = {p.name for p in self.plans}
        self.plan_keys = _plan_keys(self.plans, self.source)  # full and short name -> plan name
        if self.default not in self.by_id:
            raise RenderError(f"default version {self.default!r} is not a listed release", file=self.source)

    @property
    def ids(self) -> list[str]:
        return [v.id for v in self.versions]

    def get(self, version_id: str) -> Version:
        try:
            return self.by_id[version_id]
        except KeyError:
            known = ", ".join(self.ids)
            raise RenderError(f"unknown version {version_id!r} (known: {known})") from None

    def is_known_release(self, plan: str, release: str) -> bool:
        """True for supported, deprecated or upcoming releases of a plan."""
        for p in self.plans:
            if p.name == plan:
                return release in p.releases or release in p.deprecated or release in p.upcoming
        return False

    def applicable(self, versions_field: dict) -> list[str]:
        """Version ids a page with this `versions` frontmatter exists in, in site order.

        Keys are plan names or short names; `feature: NAME` (or a list) adds a feature's versions.
        """
        specs = {self.plan_keys.get(str(key)): spec for key, spec in versions_field.items()}
        featured = self.feature_versions(versions_field.get("feature"))
        return [v.id for v in self.versions if v.id in featured or _plan_matches(specs.get(v.plan), v.release)]

    def plan_named(self, name: str) -> Plan | None:
        """The plan with this full or short name."""
        key = self.plan_keys.get(name)
        return next((p for p in self.plans if p.name == key), None) if key else None

    def feature_versions(self, names: object) -> set[str]:
        """Version ids of the features named by a frontmatter `feature:` value (a name or a list)."""
        listed = [names] if isinstance(names, str) else names if isinstance(names, list) else []
        return {version for name in listed for version in self.features.get(str(name), ())}

    def versions_key_problem(self, key: str, spec: object, lenient: bool = False) -> str | None:
        """What is wrong with one `key: spec` entry of a frontmatter `versions` mapping, or None."""
        if key == "feature":
            listed = [spec] if isinstance(spec, str) else spec if isinstance(spec, list) else None
            if not listed:
                return "`feature` in versions takes a feature name or a list of names"
            unknown = [str(name) for name in listed if str(name) not in self.features]
            if unknown:
                known = ", ".join(sorted(self.features)) or "none: add data/features/NAME.yml"
                return f"unknown feature `{unknown[0]}` in versions (known: {known})"
            return None
        if key not in self.plan_keys:
            return f"unknown plan `{key}` in versions (known: {', '.join(sorted(self.plan_keys))})"
        problem = validate_range(str(spec))
        if problem and not lenient:  # lenient: an invalid range matches nothing, as in 2020
            return f"{problem} for plan `{key}`"
        return None

    def liquid_globals(self) -> dict[str, object]:
        """Per-plan lists for templates, e.g. enterpriseServerVersions/Releases."""
        names: dict[str, object] = {}
        for plan in self.plans:
            if not plan.context_name:
                continue
            names[f"{plan.context_name}Versions"] = [f"{plan.name}@{r}" for r in plan.releases]
            names[f"{plan.context_name}Releases"] = {
                "supported": list(plan.releases),
                "latest": plan.releases[0],
                "oldestSupported": plan.releases[-1],
                "deprecated": list(plan.deprecated),
            }
        return names


def load_version_model(path: Path | None) -> VersionModel:
    """Load the versions file, or the 2020 defaults when `path` is None."""
    if path is None:
        return _parse_model(DEFAULT_VERSIONS_YAML, "<defaults>")
    return _parse_model(read_source(path, str(path)), str(path))


# Plan and release names become folders of the built site (en/<plan>@<release>/), so they
# must be plain names: no separators, no "..", nothing a URL or a shell would mangle.
PLAN_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
RELEASE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
CONTEXT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TOP_KEYS = ("default", "plans")
PLAN_KEYS = ("name", "title", "short", "releases", "deprecated", "upcoming", "context_name")


class _VersionsFile:
    """The versions file's text and node graph, to locate a mistake at its line and column."""

    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source
        self.root = yaml.compose(text, Loader=yaml.CSafeLoader)  # safe: load_yaml has bounded it

    def node(self, *path: str | int, key: bool = False) -> yaml.Node | None:
        """The node at a path of mapping keys and list indexes (with `key`, the last key's node)."""
        node = self.root
        for i, step in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, yaml.MappingNode):
                pair = next((kv for kv in node.value if kv[0].value == step), None)
                if pair is None:
                    return node
                node = pair[0] if key and last else pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
            else:
                return node
        return node

    def error(self, message: str, *path: str | int, key: bool = False) -> RenderError:
        node = self.node(*path, key=key) if self.root is not None else None
        index = node.start_mark.index if node is not None else 0
        return error_at(message, file=self.source, file_text=self.text, index=index)


def _parse_model(text: str, source: str) -> VersionModel:
    raw = load_yaml(text, source)
    where = _VersionsFile(text, source)
    if not isinstance(raw, dict) or not isinstance(raw.get("plans"), list) or not raw["plans"]:
        raise where.error("versions file needs a non-empty `plans` list", "plans")
    for key in raw:
        if key not in TOP_KEYS:
            raise where.error(f"unknown key `{key}` in the versions file (expected {', '.join(TOP_KEYS)})", key, key=True)
    plans = [_parse_plan(entry, where, i) for i, entry in enumerate(raw["plans"])]
    seen: set[str] = set()
    for i, plan in enumerate(plans):
        if plan.name in seen:
            raise where.error(f"plan `{plan.name}` is listed twice", "plans", i, "name")
        seen.add(plan.name)
    default = raw.get("default")
    if default is not None and not isinstance(default, str):
        raise where.error(f"`default` must be a version id like {plans[0].name}@{plans[0].releases[0]}", "default")
    default = default or f"{plans[0].name}@{plans[0].releases[0]}"
    try:
        return VersionModel(plans, default, source)
    except RenderError as err:
        raise where.error(err.message, "default") from None


def _parse_plan(entry: object, where: _VersionsFile, i: int) -> Plan:
    if not isinstance(entry, dict) or not entry.get("name") or not entry.get("releases"):
        raise where.error(f"each plan needs `name` and `releases`, got {entry!r}", "plans", i)
    for key in entry:
        if key not in PLAN_KEYS:
            raise where.error(f"unknown key `{key}` in a plan (expected {', '.join(PLAN_KEYS)})", "plans", i, key, key=True)
    name = entry["name"]
    if not isinstance(name, str) or not PLAN_NAME.fullmatch(name):
        raise where.error(f"plan name {name!r} must be lowercase letters, digits and hyphens", "plans", i, "name")
    title = entry.get("title", name)
    if not isinstance(title, (str, int)) or isinstance(title, bool):
        raise where.error(f"`title` of plan `{name}` must be a string", "plans", i, "title")
    context_name = entry.get("context_name")
    if context_name is not None and not (isinstance(context_name, str) and CONTEXT_NAME.fullmatch(context_name)):
        raise where.error(f"`context_name` of plan `{name}` must be a name like enterpriseServer", "plans", i,
                          "context_name")
    return Plan(
        name=name,
        title=str(title),
        releases=_releases(entry["releases"], where, i, "releases"),
        deprecated=_releases(entry.get("deprecated") or [], where, i, "deprecated"),
        context_name=context_name,
        short=str(entry["short"]) if entry.get("short") else None,
        upcoming=_releases(entry.get("upcoming") or [], where, i, "upcoming"),
    )


def _releases(value: object, where: _VersionsFile, i: int, key: str) -> tuple[str, ...]:
    """A plan's `releases` or `deprecated`: a list of release names, each once."""
    if not isinstance(value, list):
        raise where.error(f"`{key}` must be a list of release names, like [latest] or ['2.22', '2.21'] "
                          f"(got {type(value).__name__} {value!r})", "plans", i, key)
    names: list[str] = []
    for j, release in enumerate(value):
        if isinstance(release, float):
            raise where.error(f"release {release!r} must be quoted (YAML reads it as the number {release!r}, "
                              "so '2.20' would become 2.2)", "plans", i, key, j)
        text = str(release) if isinstance(release, (str, int)) and not isinstance(release, bool) else None
        if text is None or not RELEASE_NAME.fullmatch(text) or ".." in text:
            raise where.error(f"release name {release!r} must be letters, digits, '.', '_' and '-' "
                              "(starting with a letter or digit, no '..')", "plans", i, key, j)
        if text in names:
            raise where.error(f"release {text!r} is listed twice", "plans", i, key, j)
        names.append(text)
    return tuple(names)


def _plan_keys(plans: list[Plan], source: str) -> dict[str, str]:
    """Full and short plan names -> plan name; a short name may not repeat another name."""
    keys = {p.name: p.name for p in plans}
    for plan in plans:
        if plan.short is None:
            continue
        if not re.fullmatch(r"[a-z][a-z0-9]*", plan.short) or plan.short in keys and keys[plan.short] != plan.name:
            raise RenderError(f"short name {plan.short!r} of plan `{plan.name}` must be lowercase letters and digits, "
                              "unlike every other plan name", file=source)
        keys[plan.short] = plan.name
    return keys


# --- semver ranges over releases ---------------------------------------------------

_COMPARATOR = re.compile(r"^(>=|<=|>|<|=|\^|~)?v?(\d+(?:\.\d+){0,2}|\*|x)$")


def release_key(release: str) -> tuple[int, ...] | None:
    """Numeric sort key of a release ('2.22' -> (2, 22, 0)); None for 'latest' and the like."""
    parts = release.split(".")
    if not all(p.isdigit() for p in parts) or len(parts) > 3:
        return None
    nums = [int(p) for p in parts]
    return tuple(nums + [0] * (3 - len(nums)))


def validate_range(spec: str) -> str | None:
    """Return an error message when `spec` is not a range this engine understands."""
    for alternative in str(spec).split("||"):
        for comparator in alternative.split():
            if not _COMPARATOR.match(comparator):
                return f"invalid version range {spec!r}"
    return None


@lru_cache(maxsize=4096)
def range_matches(spec: str, release: str) -> bool:
    """Does `release` satisfy the semver-style range `spec`? 'latest' matches any range."""
    key = release_key(release)
    if key is None:
        return True  # a rolling plan has one release; any range selects it
    return any(_all_comparators(alt.split(), key) for alt in str(spec).split("||"))


def _all_comparators(comparators: list[str], key: tuple[int, ...]) -> bool:
    for comparator in comparators:
        m = _COMPARATOR.match(comparator)
        if not m:
            return False
        op, ver = m.group(1) or "=", m.group(2)
        if ver in ("*", "x"):
            continue
        bound = release_key(ver)
        assert bound is not None  # _COMPARATOR admits only dotted digits here
        if op == "^":
            ok = key >= bound and key[0] == bound[0]
        elif op == "~":
            ok = key >= bound and key[:2] == bound[:2]
        else:
            ok = {">=": key >= bound, "<=": key <= bound, ">": key > bound, "<": key < bound, "=": key == bound}[op]
        if not ok:
            return False
    return True


def _plan_matches(spec: object, release: str) -> bool:
    if spec is None:
        return False
    return range_matches(str(spec), release)


def compare_versions(left: object, right: object) -> int | None:
    """Compare two version ids numerically by release; None when plans differ or not numeric.

    A bare release on the right ('2.9') compares with the left's release.
    """
    if not isinstance(left, str) or not isinstance(right, str):
        return None
    left_plan, _, left_release = left.rpartition("@")
    right_plan, _, right_release = right.rpartition("@")
    if right_plan and left_plan != right_plan:
        return None
    lk, rk = release_key(left_release), release_key(right_release)
    if lk is None or rk is None:
        return None
    return (lk > rk) - (lk < rk)
