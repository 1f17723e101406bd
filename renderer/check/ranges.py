"""Frontmatter version ranges that select no supported release (`version-range`, warning)."""

from __future__ import annotations

import re

from renderer.check.findings import Findings
from renderer.model.pages import Page
from renderer.model.versions import VersionModel, range_matches, validate_range


def check_ranges(page: Page, model: VersionModel, findings: Findings) -> None:
    versions = page.frontmatter.get("versions")
    if not isinstance(versions, dict):
        return
    head = page.text[: page.body_offset]
    for plan in model.plans:
        spec = versions.get(plan.name)
        if spec is None or validate_range(str(spec)):
            continue  # an invalid range is a frontmatter error (or tolerated with --lenient)
        if not any(range_matches(str(spec), release) for release in plan.releases):
            findings.add_at(page.file, page.text, _value_index(head, plan.name),
                            f"range {str(spec)!r} for plan `{plan.name}` matches no supported release "
                            f"({', '.join(plan.releases)})", "version-range", severity="warning")
    if not page.versions:
        findings.add_at(page.file, page.text, page.text.find("versions"), "page exists in no version",
                        "version-range", severity="warning")


def _value_index(head: str, plan: str) -> int:
    """Where `plan:` is written in the frontmatter (the start of its line's text)."""
    m = re.search(rf"^\s*{re.escape(plan)}\s*:", head, re.M)
    return m.start() + len(m.group(0)) - len(m.group(0).lstrip()) if m else 0
