"""The links stage: rewrite local links in rendered HTML for the version being read.

`href="/actions/guides/x"` becomes `href="/en/<version>/actions/guides/x"`; links that
already carry a language, external links and anchors are left alone. Like GitHub's 2020
engine, redirects are not resolved here (the site build checks and resolves them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LINK_TAG = re.compile(r"<a\s[^<>]*>")  # [^<>]: linear even on many unclosed "<a "
HREF_ATTR = re.compile(r'(\shref=")(/[^"]*)(")')
UNVERSIONED_PREFIXES = ("/assets/", "/public/")  # files served as they are
MULTIPLE_SLASHES = re.compile(r"/{2,}")
LANGUAGE_PREFIX = re.compile(r"^/[a-z]{2}(?:/|$)")
# Old-style enterprise links: /enterprise/<release or version id>/rest/of/path
LEGACY_ENTERPRISE = re.compile(r"^/enterprise(?:/(\d+\.\d+|[a-z-]+@[\w.]+))?(?:/user)?(?=/|$)")
LEGACY_RELEASE = re.compile(r"^/enterprise/(\d+(?:\.\d+)+)(?=/|$)")

LEGACY_PLAN = "enterprise-server"  # what old `/enterprise/...` URLs always meant
# One-off rules of GitHub's 2020 engine: Desktop docs exist only for the default version;
# admin and Insights docs only for enterprise releases.
DEFAULT_VERSION_ONLY = re.compile(r"^/desktop(?:/|$)")
ENTERPRISE_ONLY = re.compile(r"^/(?:admin|insights)(?:/|$)")


@dataclass(frozen=True)
class LinkRules:
    """What link rewriting needs to know about the versions (from the version model)."""

    default_version: str = "free-pro-team@latest"
    enterprise_latest: str | None = None
    pinned_prefixes: frozenset[str] = frozenset()  # plans and version ids: links already versioned
    deprecated_releases: frozenset[str] = frozenset()

    @classmethod
    def from_model(cls, model) -> "LinkRules":
        enterprise = [v.id for v in model.versions if v.plan == LEGACY_PLAN]
        deprecated = {r for p in model.plans for r in p.deprecated}
        pinned = {p.name for p in model.plans} | set(model.ids) | {f"{p.name}@latest" for p in model.plans}
        return cls(model.default, enterprise[0] if enterprise else None, frozenset(pinned), frozenset(deprecated))


DEFAULT_RULES = LinkRules()


def localize_href(href: str, version: str, enterprise_default: str | None = None, *,
                  rules: LinkRules = DEFAULT_RULES, dotcom_only: bool = False) -> str:
    """'/actions/x#y' -> '/en/<version>/actions/x#y'; other hrefs unchanged.

    Legacy '/enterprise/2.20/admin/x' and '/enterprise/admin/x' links keep working:
    the explicit release wins, otherwise the version being rendered when it is an
    enterprise release, else `enterprise_default` (the newest one). Links already naming
    a plan or version, or a deprecated release, only get the language. Links marked
    `class="dotcom-only"` and Desktop links go to the default version.
    """
    enterprise_default = enterprise_default or rules.enterprise_latest
    if href.startswith("//"):
        host = href[2:].split("/", 1)[0]
        if "." in host or ":" in host:
            return href  # protocol-relative link to another site
        href = href[1:]  # `//apps/x` was a typo for a local link; the 2020 engine kept it local
    if LANGUAGE_PREFIX.match(href) or href.startswith(UNVERSIONED_PREFIXES):
        return href
    first_segment = href.split("/", 2)[1].split("#", 1)[0]
    release = LEGACY_RELEASE.match(href)
    if first_segment in rules.pinned_prefixes or (release and release.group(1) in rules.deprecated_releases):
        return f"/en{href}".rstrip("/")
    path, sep, anchor = href.partition("#")
    legacy = LEGACY_ENTERPRISE.match(path)
    if legacy:
        named = legacy.group(1)
        if named:
            version = named if "@" in named else f"{LEGACY_PLAN}@{named}"
        elif not version.startswith(f"{LEGACY_PLAN}@") and enterprise_default:
            version = enterprise_default
        path = path[legacy.end():]
    if dotcom_only or DEFAULT_VERSION_ONLY.match(path):
        version = rules.default_version
    elif ENTERPRISE_ONLY.match(path) and version == rules.default_version and enterprise_default:
        version = enterprise_default
    path = MULTIPLE_SLASHES.sub("/", path)
    return f"/en/{version}{path}{sep}{anchor}".rstrip("/")


def rewrite_links(html: str, version: str, enterprise_default: str | None = None, rules: LinkRules = DEFAULT_RULES) -> str:
    """Localize every root-relative href of <a> tags in `html`."""
    if 'href="/' not in html:
        return html

    def rewrite_tag(tag: re.Match) -> str:
        text = tag.group(0)
        dotcom_only = "dotcom-only" in text
        return HREF_ATTR.sub(
            lambda m: m.group(1) + localize_href(m.group(2), version, enterprise_default, rules=rules, dotcom_only=dotcom_only) + m.group(3),
            text,
        )

    return LINK_TAG.sub(rewrite_tag, html)
