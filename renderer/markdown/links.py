"""The links stage: rewrite local links in rendered HTML for the version being read.

`href="/actions/guides/x"` becomes `href="/en/<version>/actions/guides/x"`; links that
already carry a language, external links and anchors are left alone. Like GitHub's 2020
engine, redirects are not resolved here (the site build checks and resolves them).
"""

from __future__ import annotations

import re

from renderer.markdown.link_rules import DEFAULT_RULES, LinkRules

LINK_TAG = re.compile(r"<a\s[^<>]*>")  # [^<>]: linear even on many unclosed "<a "
HREF_ATTR = re.compile(r'(\shref=")(/[^"]*)(")')
MULTIPLE_SLASHES = re.compile(r"/{2,}")
LANGUAGE_PREFIX = re.compile(r"^/[a-z]{2}(?:/|$)")
# Old-style enterprise links with the 2020 prefix (the preview server routes them).
LEGACY_ENTERPRISE = DEFAULT_RULES.legacy_link

__all__ = ["LEGACY_ENTERPRISE", "LinkRules", "localize_href", "rewrite_links"]


def localize_href(href: str, version: str, enterprise_default: str | None = None, *,
                  rules: LinkRules = DEFAULT_RULES, dotcom_only: bool = False) -> str:
    """'/actions/x#y' -> '/en/<version>/actions/x#y'; other hrefs unchanged.

    Legacy '/enterprise/2.20/admin/x' and '/enterprise/admin/x' links keep working: the
    explicit release wins, otherwise the rules' target for the page's plan (by default the
    version being rendered when it is a release of the legacy plan, else
    `enterprise_default` or that plan's newest release). Links already naming a plan or
    version, or a deprecated release, only get the language. A link into a product the
    version's plan lacks goes to the product's first version; links marked
    `class="dotcom-only"` go to the default version.
    """
    if href.startswith("//"):
        host = href[2:].split("/", 1)[0]
        if "." in host or ":" in host:
            return href  # protocol-relative link to another site
        href = href[1:]  # `//apps/x` was a typo for a local link; the 2020 engine kept it local
    if LANGUAGE_PREFIX.match(href) or rules.is_unversioned(href):
        return href
    first_segment = href.split("/", 2)[1].split("#", 1)[0]
    release = rules.legacy_release.match(href)
    if first_segment in rules.pinned_prefixes or (release and release.group(1) in rules.deprecated_releases):
        return f"/en{href}".rstrip("/")
    path, sep, anchor = href.partition("#")
    legacy = rules.legacy_link.match(path)
    if legacy:
        version = rules.legacy_version(legacy.group(1), version, enterprise_default)
        path = path[legacy.end():]
    version = rules.default_version if dotcom_only else rules.product_version(path, version)
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
            lambda m: m.group(1)
            + localize_href(m.group(2), version, enterprise_default, rules=rules, dotcom_only=dotcom_only)
            + m.group(3),
            text,
        )

    return LINK_TAG.sub(rewrite_tag, html)
