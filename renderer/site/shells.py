"""Page shells: page.html rendered once per page *shape*, then filled in per page.

page.html costs about as much per page as rendering the article itself, and most of it
is the same from page to page. So it is rendered once per page shape (version, number
of breadcrumbs and TOC entries, which optional parts are there) with numbered
placeholders for the texts, and each page fills its texts in: escaped where the
template escapes them (a placeholder holds an "&", which `escape` turns into "&amp;").
The layout also renders the first page of each shape in full and compares; any
difference (a template doing more with page values than escaping them and comparing
with "") turns shells off.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

_SLOT = re.compile("\x00(\\d+)(&|&amp;)\x00")


def _links(items: list[dict], slot: Callable[[str], str], keep: tuple[str, ...] = ()) -> list[dict]:
    """Link dicts with their texts as slots; `keep` names the keys that are part of the shape."""
    return [{k: (v if k in keep or not isinstance(v, str) or not v else slot(v)) for k, v in item.items()}
            for item in items]


def shell_context(context: dict, values: list[str]) -> tuple[dict, tuple]:
    """(page.html context with placeholders, the shape it stands for)."""
    def slot(value: str) -> str:
        values.append(value)
        return f"\x00{len(values) - 1}&\x00"

    def optional(value: str) -> str:
        return slot(value) if value else ""

    page = context["page"]
    site = context["site"]
    same_title = page["title"] == site["title"]
    shell = dict(context)
    for key in ("header", "footer", "sidebar", "body"):
        shell[key] = slot(context[key])
    shell["breadcrumbs"] = _links(context["breadcrumbs"], slot, keep=("current",))
    shell["page"] = {
        "title": page["title"] if same_title else slot(page["title"]),
        **{key: optional(page[key]) for key in ("intro", "description", "url", "canonical", "edit_url", "updated",
                                                "updated_text")},
    }
    shell["toc"] = [{"level": t["level"], "id": slot(t["id"]), "html": slot(t["html"])} for t in context["toc"]]
    shell["pager"] = _links(context["pager"], slot, keep=("rel", "label"))
    shell["intro_links"] = _links(context["intro_links"], slot)
    shape = (
        context["version"]["id"], repr(site), context["layout_name"], context["default_platform"],
        tuple(c["current"] for c in context["breadcrumbs"]),
        page["title"] if same_title else None,
        tuple(bool(page[key]) for key in ("intro", "description", "canonical", "edit_url", "updated")),
        tuple(t["level"] for t in context["toc"]),
        tuple(p["id"] for p in context["platforms"]),
        tuple((p["title"], p["url"]) for p in context["products"]),
        tuple(p["rel"] for p in context["pager"]),
        len(context["intro_links"]),
    )
    return shell, shape


def parse_shell(text: str) -> list:
    """[literal, (slot, escaped), literal, ...] of a rendered shell."""
    parts: list = []
    last = 0
    for m in _SLOT.finditer(text):
        parts.append(text[last:m.start()])
        parts.append((int(m.group(1)), m.group(2) != "&"))
        last = m.end()
    parts.append(text[last:])
    return parts


def fill_shell(shell: list, values: list[str]) -> str:
    escape = html_lib.escape
    return "".join(part if part.__class__ is str else (escape(values[part[0]]) if part[1] else values[part[0]])
                   for part in shell)
