"""The links stage: rewrite local links in rendered HTML for the version being read.

`href="/actions/guides/x"` becomes `href="/en/<version>/actions/guides/x"`; links that
already carry a language, external links and anchors are left alone. Like GitHub's 2020
engine, redirects are not resolved here (the site build checks and resolves them).
"""

from __future__ import annotations

import re

LOCAL_HREF = re.compile(r'(<a\s[^>]*?href=")(/[^"]*)(")')
LANGUAGE_PREFIX = re.compile(r"^/[a-z]{2}(?:/|$)")


def localize_href(href: str, version: str) -> str:
    """'/actions/x#y' -> '/en/<version>/actions/x#y'; other hrefs unchanged."""
    if href.startswith("//") or LANGUAGE_PREFIX.match(href):
        return href
    path, sep, anchor = href.partition("#")
    path = path.rstrip("/") if path != "/" else ""
    return f"/en/{version}{path}{sep}{anchor}"


def rewrite_links(html: str, version: str) -> str:
    return LOCAL_HREF.sub(lambda m: m.group(1) + localize_href(m.group(2), version) + m.group(3), html)
