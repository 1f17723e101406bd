"""The cache's fields as JSON and back, and the check that a loaded cache has the shape the
build relies on (so a damaged or forged cache means a full build, never a crash later).

JSON has no tuples: they come back as tuples. Frontmatter that is not plain JSON data (a
YAML date, a number as a key) is not stored (`plain_data`): that page is parsed again next
time.
"""

from __future__ import annotations

import math
import re

from renderer.build.records import all_strings, warning_ok
from renderer.site.redirects import SharedRedirects

_STR_FIELDS = ("key", "chrome_state", "stubs_key", "tables_token")
_STORE_NAME = re.compile(r"[0-9a-f]{16}-[0-9a-f]{16}\.json")  # (no path: only a file of the store's folder)


def to_json(fields: dict) -> dict:
    """The given fields (all or some) as JSON data."""
    data = dict(fields)
    for name in ("out_id", "spare_id"):
        if name in fields:
            data[name] = list(fields[name]) if fields[name] else None
    if "pages" in fields:
        data["pages"] = {relpath: list(entry) for relpath, entry in fields["pages"].items()}
    return data


def from_json(data: dict) -> dict:
    fields = dict(data)
    for name in ("out_id", "spare_id"):
        fields[name] = tuple(data[name]) if data[name] is not None else None
    fields["pages"] = {relpath: (e[0], e[1], e[2], tuple(e[3]), tuple(e[4]) if e[4] is not None else None, e[5], e[6])
                       for relpath, e in data["pages"].items()}
    fields["search_files"] = {version: tuple(entry) for version, entry in data["search_files"].items()}
    shared = SharedRedirects()
    fields["redirects"] = {key: shared(e[0], e[1]) for key, e in data["redirects"].items()}
    fields["dep_stats"] = {dep: (e[0], tuple(e[1]) if e[1] is not None else None, e[2], e[3])
                           for dep, e in data["dep_stats"].items()}
    return fields


def plain_data(value: object) -> bool:
    """True for values that come back from JSON exactly as they went in."""
    if value is None or type(value) in (str, int, bool):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if isinstance(value, list) and type(value) is list:
        return all(plain_data(v) for v in value)
    if isinstance(value, dict) and type(value) is dict:
        return all(type(k) is str and plain_data(v) for k, v in value.items())
    return False


def shape_problem(data: object) -> str | None:
    """What is wrong with a loaded cache, or None."""
    expected = {"key", "out_id", "pages", "tables_token", "chrome_state", "dep_stats",
                "stubs_key", "redirects", "unwritable", "search_keys", "spare_id", "spare_stale", "search_files"}
    if type(data) is not dict or data.keys() != expected:
        return "other fields than this version writes"
    if not all(type(data[k]) is str for k in _STR_FIELDS):
        return "a key of the wrong type"
    if any(data[name] is not None and not _ints(data[name], 2) for name in ("out_id", "spare_id")):
        return "the site's id"
    stale = data["spare_stale"]
    if type(stale) is not list or not all_strings(stale) or not all(inside_site(path) for path in stale):
        return "spare_stale"
    if not _search_files_ok(data["search_files"]):
        return "search_files"
    for name in ("search_keys", "unwritable"):
        if not _str_map(data[name]):
            return name
    # (stubs are written at these keys; other paths are only looked up)
    if not all(inside_site(key) for key in data["redirects"] if key):
        return "a redirect that leaves the site"
    checks = (("pages", _pages_ok), ("dep_stats", _dep_stats_ok), ("redirects", _redirects_ok))
    for name, check in checks:
        if not check(data[name]):
            return name
    return None


def inside_site(path: str) -> bool:
    """No empty, "." or ".." part, not absolute: a path inside the site."""
    wrapped = f"/{path}/"
    return "//" not in wrapped and "/./" not in wrapped and "/../" not in wrapped and "\0" not in path


def _ints(value: object, length: int) -> bool:
    return type(value) is list and tuple(map(type, value)) == (int,) * length


def _str_map(value: object) -> bool:
    return type(value) is dict and all_strings(value.values())


def _pages_ok(pages: object) -> bool:
    if type(pages) is not dict:
        return False
    for e in pages.values():
        if not (type(e) is list and len(e) == 7 and type(e[0]) is str and type(e[1]) is dict
                and type(e[2]) is int and type(e[3]) is list and all_strings(e[3])
                and (e[4] is None or _ints(e[4], 3)) and type(e[5]) is str
                and type(e[6]) is list and all(warning_ok(w) for w in e[6])):
            return False
    return True


def _redirects_ok(table: object) -> bool:
    return type(table) is dict and all(type(e) is list and len(e) == 2 and type(e[0]) is str and type(e[1]) is bool
                                       for e in table.values())


def _search_files_ok(files: object) -> bool:
    """version -> [file name of the search store, size, mtime_ns, inode]"""
    return type(files) is dict and all(
        type(e) is list and len(e) == 4 and type(e[0]) is str and _STORE_NAME.fullmatch(e[0]) is not None
        and all(type(n) is int for n in e[1:]) for e in files.values())


def _dep_stats_ok(stats: object) -> bool:
    if type(stats) is not dict:
        return False
    return all(type(e) is list and len(e) == 4 and (e[0] is None or type(e[0]) is str)
               and (e[1] is None or _ints(e[1], 3)) and type(e[2]) is str and type(e[3]) is bool
               for e in stats.values())
