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

from renderer.errors import RenderError

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
        """True for supported or deprecated releases of a plan."""
        for p in self.plans:
            if p.name == plan:
                return release in p.releases or release in p.deprecated
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
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"cannot read versions file: {exc.strerror}", file=str(path)) from None
    return _parse_model(text, str(path))


def _parse_model(text: str, source: str) -> VersionModel:
    try:
        raw = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RenderError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}",
            file=source,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("plans"), list) or not raw["plans"]:
        raise RenderError("versions file needs a non-empty `plans` list", file=source)
    plans = [_parse_plan(entry, source) for entry in raw["plans"]]
    default = raw.get("default") or f"{plans[0].name}@{plans[0].releases[0]}"
    return VersionModel(plans, str(default), source)


def _parse_plan(entry: object, source: str) -> Plan:
    if not isinstance(entry, dict) or not entry.get("name") or not entry.get("releases"):
        raise RenderError(f"each plan needs `name` and `releases`, got {entry!r}", file=source)
    name = str(entry["name"])
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise RenderError(f"plan name {name!r} must be lowercase letters, digits and hyphens", file=source)
    return Plan(
        name=name,
        title=str(entry.get("title", name)),
        releases=tuple(str(r) for r in entry["releases"]),
        deprecated=tuple(str(r) for r in entry.get("deprecated", ()) or ()),
        context_name=entry.get("context_name"),
        short=str(entry["short"]) if entry.get("short") else None,
    )


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
