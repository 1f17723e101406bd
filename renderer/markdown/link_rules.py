"""Link rules as data: where a local link goes for the version being rendered.

A tree states them in `data/link-rules.yml`; without one, or for a key it leaves out, it
gets GitHub's 2020 rules:

```yaml
# Products that exist only in some plans. A link into one of them from a version whose
# plan lacks it goes to the product's first version that has it (in site order).
products:
  admin: [enterprise-server]
  desktop: [free-pro-team]
# Old-style links: /enterprise/<release>/<path> and /enterprise/<path>.
legacy:
  prefix: enterprise         # the URL's first segment
  plan: enterprise-server    # /enterprise/2.20/x means enterprise-server@2.20
  # Where a version-less /enterprise/<path> goes, by the plan of the page being rendered:
  # `current` keeps the page's version; a version id or a plan name (its newest release)
  # sends it there. `plan` itself keeps its version; other plans go to its newest release.
  targets: {}
# Local paths left as written (a trailing / makes a prefix): files, and paths GitHub
# redirected to other sites.
unversioned: [/assets/, /public/, /contact]
```

Nothing here knows a plan or product by name: adding a plan is a data change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from renderer.errors import RenderError, read_source
from renderer.model.safe_yaml import load_yaml
from renderer.model.versions import VersionModel, load_version_model

DEFAULT_LINK_RULES_YAML = """
products:
  admin: [enterprise-server]
  desktop: [free-pro-team]
legacy:
  prefix: enterprise
  plan: enterprise-server
  targets: {}
unversioned: [/assets/, /public/, /contact]
"""
CURRENT = "current"


@dataclass(frozen=True)
class LinkRules:
    """What link rewriting needs to know about the versions and the tree's link conventions."""

    default_version: str = ""
    pinned_prefixes: frozenset[str] = frozenset()  # plans and version ids: links already versioned
    deprecated_releases: frozenset[str] = frozenset()
    legacy_plan: str = ""
    legacy_latest: str | None = None  # the legacy plan's newest release, as a version id
    legacy_targets: dict[str, str] = field(default_factory=dict)  # page plan -> "current" or a version id
    product_versions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # product -> versions having it
    unversioned: tuple[str, ...] = ("/assets/", "/public/")
    legacy_link: re.Pattern = field(default=re.compile(r"(?!)"), compare=False)
    legacy_release: re.Pattern = field(default=re.compile(r"(?!)"), compare=False)
    # derived from the fields above, for the per-link checks
    product_plans: dict[str, frozenset[str]] = field(init=False, compare=False, repr=False)
    unversioned_prefixes: tuple[str, ...] = field(init=False, compare=False, repr=False)
    unversioned_paths: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        plans = {product: frozenset(v.split("@", 1)[0] for v in versions) for product, versions in self.product_versions.items()}
        object.__setattr__(self, "product_plans", plans)  # frozen: set once, here
        object.__setattr__(self, "unversioned_prefixes", tuple(p for p in self.unversioned if p.endswith("/")))
        object.__setattr__(self, "unversioned_paths", frozenset(p for p in self.unversioned if not p.endswith("/")))

    @property
    def enterprise_latest(self) -> str | None:  # the name the 2020 code used
        return self.legacy_latest

    @classmethod
    def from_model(cls, model: VersionModel, raw: dict | None = None, source: str = "<defaults>") -> LinkRules:
        """Rules for `model` from parsed link-rules data (the 2020 defaults when None)."""
        checked = raw is not None
        defaults = yaml.safe_load(DEFAULT_LINK_RULES_YAML)
        raw = {**defaults, **(raw or {})}  # a key the tree leaves out keeps its 2020 value
        legacy = {**defaults["legacy"], **_mapping(raw.get("legacy"), "legacy", source)}
        prefix = re.escape(str(legacy["prefix"]).strip("/"))
        plan = str(legacy["plan"])
        if checked:
            _known_plans(model, [plan], "legacy.plan", source)
        releases = [v.id for v in model.versions if v.plan == plan]
        return cls(
            default_version=model.default,
            pinned_prefixes=frozenset({p.name for p in model.plans} | set(model.ids) | {f"{p.name}@latest" for p in model.plans}),
            deprecated_releases=frozenset(r for p in model.plans for r in p.deprecated),
            legacy_plan=plan,
            legacy_latest=releases[0] if releases else None,
            legacy_targets=_legacy_targets(model, _mapping(legacy.get("targets"), "legacy.targets", source), checked, source),
            product_versions=_product_versions(model, _mapping(raw.get("products"), "products", source), checked, source),
            unversioned=tuple(str(p) for p in raw["unversioned"] or ()),
            legacy_link=re.compile(rf"^/{prefix}(?:/(\d+\.\d+|[a-z0-9-]+@[\w.]+))?(?:/user)?(?=/|$)"),
            legacy_release=re.compile(rf"^/{prefix}/(\d+(?:\.\d+)+)(?=/|$)"),
        )

    def is_unversioned(self, href: str) -> bool:
        if href.startswith(self.unversioned_prefixes):
            return True
        return href.split("#", 1)[0].split("?", 1)[0].rstrip("/") in self.unversioned_paths

    def legacy_version(self, named: str | None, version: str, fallback: str | None = None) -> str:
        """The version a legacy link names, or where a version-less one goes from `version`."""
        if named:
            return named if "@" in named else f"{self.legacy_plan}@{named}"
        plan = version.split("@", 1)[0]
        target = self.legacy_targets.get(plan, CURRENT if plan == self.legacy_plan else None)
        if target == CURRENT:
            return version
        return target or fallback or self.legacy_latest or version

    def product_version(self, path: str, version: str) -> str:
        """`version`, or the product's first version when the version's plan lacks the product."""
        product = path.split("/", 2)[1].split("#", 1)[0] if path.startswith("/") else ""
        having = self.product_versions.get(product)
        if not having or version.split("@", 1)[0] in self.product_plans[product]:
            return version
        return having[0]


def _mapping(value: object, name: str, source: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RenderError(f"`{name}` must be a mapping", file=source)
    return value


def _known_plans(model: VersionModel, plans: list[str], where: str, source: str) -> None:
    for plan in plans:
        if plan not in model.plan_names:
            raise RenderError(f"{where}: unknown plan `{plan}` (known: {', '.join(sorted(model.plan_names))})", file=source)


def _product_versions(model: VersionModel, products: dict, checked: bool, source: str) -> dict[str, tuple[str, ...]]:
    found = {}
    for product, plans in products.items():
        listed = [str(p) for p in (plans if isinstance(plans, list) else [plans])]
        if checked:
            _known_plans(model, listed, f"products.{product}", source)
        found[str(product)] = tuple(v.id for v in model.versions if v.plan in listed)
    return found


def _legacy_targets(model: VersionModel, targets: dict, checked: bool, source: str) -> dict[str, str]:
    found = {}
    for plan, target in targets.items():
        if checked:
            _known_plans(model, [str(plan)], "legacy.targets", source)
        target = str(target)
        if target in model.plan_names:
            target = next(v.id for v in model.versions if v.plan == target)
        elif target != CURRENT and target not in model.by_id:
            raise RenderError(f"legacy.targets.{plan}: {target!r} is not `current`, a plan or a version id", file=source)
        found[str(plan)] = target
    return found


def load_link_rules(root: Path, model: VersionModel) -> LinkRules:
    """The tree's `data/link-rules.yml`, or GitHub's 2020 rules when it has none."""
    path = root / "data" / "link-rules.yml"
    if not path.is_file():
        return LinkRules.from_model(model)
    display = "data/link-rules.yml"
    raw = load_yaml(read_source(path, display), display)  # the one YAML loader: alias budget, located errors
    return LinkRules.from_model(model, _mapping(raw, "link rules", display), display)


DEFAULT_RULES = LinkRules.from_model(load_version_model(None))
