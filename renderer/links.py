"""The links stage: rewrite local links in rendered HTML for the version being read.

`href="/actions/guides/x"` becomes `href="/en/<version>/actions/guides/x"`; links that
already carry a language, external links and anchors are left alone. Like GitHub's 2020
engine, redirects are not resolved here (the site build checks and resolves them).
"""

from __future__ import annotations

import re

LOCAL_HREF = re.compile(r'(<a\s[^>]*?href=")(/[^"]*)(")')
MULTIPLE_SLASHES = re.compile(r"/{2,}")
LANGUAGE_PREFIX = re.compile(r"^/[a-z]{2}(?:/|$)")
# Old-style enterprise links: /enterprise/<release or version id>/rest/of/path
LEGACY_ENTERPRISE = re.compile(r"^/enterprise(?:/(\d+\.\d+|[a-z-]+@[\w.]+))?(?:/user)?(?=/|$)")


LEGACY_PLAN = "enterprise-server"  # what old `/enterprise/...` URLs always meant


def localize_href(href: str, version: str, enterprise_default: str | None = None) -> str:
    """'/actions/x#y' -> '/en/<version>/actions/x#y'; other hrefs unchanged.

    Legacy '/enterprise/2.20/admin/x' and '/enterprise/admin/x' links keep working:
    the explicit release wins, otherwise the version being rendered when it is an
    enterprise release, else `enterprise_default` (the newest one).
    """
    if href.startswith("//"):
        host = href[2:].split("/", 1)[0]
        if "." in host or ":" in host:
            return href  # protocol-relative link to another site
        href = href[1:]  # `//apps/x` was a typo for a local link; the 2020 engine kept it local
    if LANGUAGE_PREFIX.match(href):
        return href
    path, sep, anchor = href.partition("#")
    legacy = LEGACY_ENTERPRISE.match(path)
    if legacy:
        named = legacy.group(1)
        if named:
            version = named if "@" in named else f"{LEGACY_PLAN}@{named}"
        elif not version.startswith(f"{LEGACY_PLAN}@") and enterprise_default:
            version = enterprise_default
        path = path[legacy.end():]
    path = MULTIPLE_SLASHES.sub("/", path)
    return f"/en/{version}{path}{sep}{anchor}".rstrip("/")


def rewrite_links(html: str, version: str, enterprise_default: str | None = None) -> str:
    return LOCAL_HREF.sub(lambda m: m.group(1) + localize_href(m.group(2), version, enterprise_default) + m.group(3), html)
