"""The links stage: rewrite local links in rendered HTML for the version being read.

`href="/actions/guides/x"` becomes `href="/en/<version>/actions/guides/x"`; links that
already carry a language, external links and anchors are left alone. Like GitHub's 2020
engine, redirects are not resolved here (the site build checks and resolves them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from renderer.markdown.link_rules import DEFAULT_RULES, LinkRules
from renderer.model.lru import LRUCache

LINK_TAG = re.compile(r"<a\s[^<>]*>")  # [^<>]: linear even on many unclosed "<a "
HREF_ATTR = re.compile(r'(\shref=")(/[^"]*)(")')
MULTIPLE_SLASHES = re.compile(r"/{2,}")
LANGUAGE_PREFIX = re.compile(r"^/[a-z]{2}(?:/|$)")
# Old-style enterprise links with the 2020 prefix (the preview server routes them).
LEGACY_ENTERPRISE = DEFAULT_RULES.legacy_link

__all__ = ["LEGACY_ENTERPRISE", "LinkLocalizer", "LinkRules", "LinkedHtml", "link_slots", "localize_href", "rewrite_links"]
# Localized hrefs kept per tree: the 2020 corpus renders ~33,000 hrefs, ~15,000 distinct
# (href, version) pairs.
LOCALIZED_CACHE_ENTRIES = 100_000


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


@dataclass(frozen=True, slots=True)
class LinkedHtml:
    """Rendered HTML and where its root-relative hrefs are, to localize it for any version.

    `slots` holds (start, end, dotcom_only) of each href value that `rewrite_links` would
    rewrite, so a text rendered once is localized per version without scanning it again.
    """

    html: str
    slots: tuple[tuple[int, int, bool], ...] = ()

    @classmethod
    def of(cls, html: str) -> LinkedHtml:
        return cls(html, link_slots(html))

    def strip(self) -> LinkedHtml:
        """Without leading and trailing whitespace (hrefs sit inside tags, never in it)."""
        stripped = self.html.strip()
        if len(stripped) == len(self.html):
            return self
        lead = len(self.html) - len(self.html.lstrip())
        return LinkedHtml(stripped, tuple((start - lead, end - lead, dotcom) for start, end, dotcom in self.slots))


def link_slots(html: str) -> tuple[tuple[int, int, bool], ...]:
    """(start, end, dotcom_only) of the hrefs `rewrite_links` localizes, in order."""
    if 'href="/' not in html:
        return ()
    slots: list[tuple[int, int, bool]] = []
    for tag in LINK_TAG.finditer(html):
        text = tag.group(0)
        if 'href="/' in text:
            dotcom_only = "dotcom-only" in text
            slots.extend((m.start(2), m.end(2), dotcom_only) for m in HREF_ATTR.finditer(html, tag.start(), tag.end()))
    return tuple(slots)


class LinkLocalizer:
    """`rewrite_links` for LinkedHtml, each distinct (href, version) localized once."""

    def __init__(self, rules: LinkRules = DEFAULT_RULES, enterprise_default: str | None = None):
        self.rules = rules
        self.enterprise_default = enterprise_default
        self.cache: LRUCache[tuple[str, str, bool], str] = LRUCache(LOCALIZED_CACHE_ENTRIES)

    def href(self, href: str, version: str, dotcom_only: bool) -> str:
        key = (href, version, dotcom_only)
        found = self.cache.get(key)
        if found is None:
            found = localize_href(href, version, self.enterprise_default, rules=self.rules, dotcom_only=dotcom_only)
            self.cache.put(key, found)
        return found

    def localize(self, linked: LinkedHtml, version: str) -> str:
        """The HTML with every root-relative href localized for `version`."""
        if not linked.slots:
            return linked.html
        html, parts, position = linked.html, [], 0
        for start, end, dotcom_only in linked.slots:
            parts.append(html[position:start])
            parts.append(self.href(html[start:end], version, dotcom_only))
            position = end
        parts.append(html[position:])
        return "".join(parts)
