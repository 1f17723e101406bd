"""Resource limits on what the engine reads, each changeable by an environment variable.

Hostile or broken source must fail fast with a located error instead of eating memory
or time: a source file bigger than it should be, a YAML document whose aliases expand
to millions of nodes, a huge structure printed through `site.data`. README.md ("Limits")
lists every limit; the values are read on each use, so a test or a build can change them.
"""

from __future__ import annotations

import os

MAX_SOURCE_BYTES_ENV = "RENDER_MAX_SOURCE_BYTES"
DEFAULT_MAX_SOURCE_BYTES = 4 * 1024 * 1024

YAML_ALIAS_BUDGET_ENV = "RENDER_YAML_ALIAS_BUDGET"
DEFAULT_YAML_ALIAS_BUDGET = 1_000_000

SITE_DATA_MAX_ENV = "RENDER_SITE_DATA_MAX"
DEFAULT_SITE_DATA_MAX = 1_000_000


class InvalidLimit(ValueError):
    """An environment variable that sets a limit holds no positive whole number."""


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise InvalidLimit(f"environment variable {name}={raw!r} must be a positive whole number")
    return value


def max_source_bytes() -> int:
    """Largest source file (page, reusable, data or versions file) read, in bytes."""
    return _positive_int(MAX_SOURCE_BYTES_ENV, DEFAULT_MAX_SOURCE_BYTES)


def yaml_alias_budget() -> int:
    """How many nodes plus scalar characters YAML aliases may add to a document by repetition."""
    return _positive_int(YAML_ALIAS_BUDGET_ENV, DEFAULT_YAML_ALIAS_BUDGET)


def site_data_max() -> int:
    """Largest list or mapping a template may reach through `site.data` (elements plus characters)."""
    return _positive_int(SITE_DATA_MAX_ENV, DEFAULT_SITE_DATA_MAX)
