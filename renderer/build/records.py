"""A render's record: what the build keeps of one (page, version) render between builds.

Made in a worker from the rendered page (`make_record`), completed in the main process
(deps with digests, layout keys, link-check results) and stored in the cache, whose
loader checks every stored record with `record_problem`. Its search record goes to the
search store instead (search_store.py); the record keeps its digest.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from renderer.build.digests import sha1
from renderer.build.search_store import encode_record
from renderer.errors import RenderError
from renderer.model.pages import Page
from renderer.site.linkcheck import render_facts
from renderer.site.search import search_record

BODY_START = "<!-- docs:body -->"
BODY_END = "<!-- /docs:body -->"

_STR_FIELDS = ("title", "short_title", "intro", "body_digest", "render_digest", "ids_digest", "search_digest",
               "chrome_key", "layout_key", "digest", "links_checked")
_BOOL_FIELDS = ("site_data", "cacheable")
FACT_FIELDS = ("hrefs", "ids", "complete")  # what the link check reads of a render (LinkFacts)
# `links_checked` of a worker's link-check results (links.py): checked but for the #anchors
# of links into other renders, which `anchor_targets` lists with where they were written
FROM_WORKER = "worker"
LINK_FIELDS = ("links_checked", "broken", "anchor_targets")  # the link check's results
RECORD_KEYS = frozenset((*_STR_FIELDS, *_BOOL_FIELDS, *FACT_FIELDS, "deps", "warnings", "broken", "anchor_targets"))
BODY_KEYS = RECORD_KEYS - {*FACT_FIELDS, *LINK_FIELDS}  # the rest: what a build reuses of a render
_WARNING_FIELDS = (("message", (str,)), ("file", (str, type(None))), ("line", (int, type(None))),
                   ("column", (int, type(None))), ("version", (str, type(None))), ("snippet", (str,)),
                   ("chain", (list,)), ("severity", (str,)))
_WARNING_KEYS = frozenset(name for name, _ in _WARNING_FIELDS)


def make_record(rendered, url: str, page: Page) -> dict:
    """The record of a fresh render (deps still a list; the main process adds digests)."""
    deps = set(rendered.deps)
    deps.add(f"file:{page.relpath}")
    if page.is_map_topic:  # its article list comes from the category index
        deps.add("file:" + (page.relpath.rsplit("/", 1)[0] + "/index.md" if "/" in page.relpath else "index.md"))
    facts = render_facts(rendered, page)
    ids = sorted(facts.ids)
    search = search_record(rendered.title, url, rendered.intro, rendered.html)
    body_digest = sha1(rendered.html)
    return {
        "deps": sorted(deps),
        "warnings": [warning_fields(w) for w in rendered.warnings],
        "title": rendered.title,
        "short_title": rendered.short_title,
        "intro": rendered.intro,
        "body_digest": body_digest,
        "render_digest": sha1("\0".join((rendered.title, rendered.short_title, rendered.intro, body_digest))),
        "ids": ids,
        "ids_digest": sha1("\n".join(ids)),
        "hrefs": list(facts.hrefs),
        "complete": facts.complete,
        "search": encode_record(search),  # (JSON text: the worker writes it to its spool as it is)
        "search_digest": sha1("\x1f".join(search)),
        "site_data": "site.data" in page.text,
    }


def warning_fields(warning) -> dict:
    """A RenderError as plain data (its chain as a list, as JSON gives it back)."""
    fields = dataclasses.asdict(warning)
    fields["chain"] = list(fields["chain"])
    return fields


def error_from_fields(fields: dict) -> RenderError:
    """The RenderError that warning_fields() (or dataclasses.asdict) made plain data of."""
    return RenderError(**{**fields, "chain": tuple(fields["chain"])})


def extract_body(file: Path, expected: str) -> str | None:
    """The article body of a page file from the previous build, if it is the expected one."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    start, end = text.find(BODY_START), text.rfind(BODY_END)
    if start < 0 or end < start:
        return None
    body = text[start + len(BODY_START): end]
    return body if sha1(body) == expected else None


def record_problem(record: object) -> str | None:
    """What is wrong with a stored record, or None when it has the shape the build uses."""
    if type(record) is not dict or record.keys() != RECORD_KEYS:
        return "a render record with other fields"
    return (body_problem({k: record[k] for k in BODY_KEYS}) or facts_problem(record)
            or link_results_problem(record))


def body_problem(body: object) -> str | None:
    """What is wrong with the BODY_KEYS of a record, on their own, or None."""
    if type(body) is not dict or body.keys() != BODY_KEYS:
        return "a render record with other fields"
    if not all(type(body[k]) is str for k in _STR_FIELDS if k in BODY_KEYS) \
            or not all(type(body[k]) is bool for k in _BOOL_FIELDS):
        return "a render record field of the wrong type"
    deps = body["deps"]
    if type(deps) is not dict or not all_strings(deps.values()):
        return "render deps of the wrong type"
    warnings = body["warnings"]
    if type(warnings) is not list or not all(warning_ok(w) for w in warnings):
        return "a render warning of the wrong shape"
    return None


def facts_problem(facts: dict) -> str | None:
    """What is wrong with a render's FACT_FIELDS (its record's, or on their own), or None."""
    if not (_str_list(facts.get("hrefs")) and _str_list(facts.get("ids")) and type(facts.get("complete")) is bool):
        return "a render's links or ids of the wrong type"
    return None


def link_results_problem(results: dict) -> str | None:
    """What is wrong with the link check's results of a render (`links_checked`, `broken`,
    `anchor_targets`: its record's, or on their own), or None."""
    if type(results.get("links_checked")) is not str:
        return "a link-check key of the wrong type"
    broken = results.get("broken")
    if type(broken) is not list or not all(_broken_ok(b) for b in broken):
        return "a link-check result of the wrong shape"
    targets = results.get("anchor_targets")
    # [relpath, version, ids digest]; a worker's: [relpath, version, href, file, line, column] (links.py)
    target_ok = _broken_ok if results["links_checked"] == FROM_WORKER else (lambda t: _str_list(t) and len(t) == 3)
    if type(targets) is not list or not all(target_ok(t) for t in targets):
        return "link targets of the wrong shape"
    return None


def _str_list(value: object) -> bool:
    return type(value) is list and all_strings(value)


def all_strings(values) -> bool:
    """True when every item is a str."""
    try:
        "".join(values)  # (a TypeError for anything but strings, at C speed)
    except TypeError:
        return False
    return True


def warning_ok(warning: object) -> bool:
    """A RenderError as warning_fields() stores it."""
    return (type(warning) is dict and warning.keys() == _WARNING_KEYS
            and all(isinstance(warning[k], types) for k, types in _WARNING_FIELDS)
            and _str_list(warning["chain"]))


def _broken_ok(item: object) -> bool:
    """A link problem as stored: [kind, severity, message, file, line, column]."""
    return (type(item) is list and len(item) == 6 and all_strings(item[:4]) and type(item[4]) is int
            and type(item[5]) is int)
