"""`render diff` output: text for people, JSON for tools, one self-contained HTML file for review."""

from __future__ import annotations

import html
import json
from dataclasses import asdict

from renderer.lifecycle.diff import DiffResult, RenderChange

MARKS = {"added": "+", "removed": "-", "changed": "~", "error": "!"}


def grouped(result: DiffResult) -> list[tuple[RenderChange, list[str]]]:
    """Changes with the same page, status and differences, with their versions listed together."""
    groups: dict[str, tuple[RenderChange, list[str]]] = {}
    for change in result.changes:
        key = json.dumps([change.path, change.status, change.message, [asdict(s) for s in change.sections]])
        if key not in groups:
            groups[key] = (change, [])
        groups[key][1].append(change.version)
    return list(groups.values())


def format_text(result: DiffResult, *, context: bool = True) -> str:
    """Changes grouped by status; with `context`, each one's differences by section."""
    lines = [f"render diff {result.old} -> {result.new}"]
    lines += [f"note: {note}" for note in result.notes]
    groups = grouped(result)
    for status in ("added", "removed", "changed", "error"):
        chosen = [(c, v) for c, v in groups if c.status == status]
        if chosen:
            lines.append(f"{status} ({sum(len(v) for _, v in chosen)}):")
        for change, versions in chosen:
            label = "" if result.mode == "versions" else f" [{', '.join(versions)}]"
            lines.append(f"{MARKS[status]} {change.path}{label} {change.title}".rstrip())
            if change.message:
                lines.append(f"    {change.message}")
            if context and not (result.mode == "versions" and status != "changed"):
                lines.extend(_section_lines(change))
    lines.append(result.summary())
    return "\n".join(lines) + "\n"


def _section_lines(change: RenderChange) -> list[str]:
    lines = []
    for section in change.sections:
        lines.append(f"    ## {section.heading} ({section.status})")
        prefix = {"added": "+", "removed": "-"}.get(section.status, "")
        lines.extend(f"      {prefix}{line}" for line in section.lines)
    return lines


def format_json(result: DiffResult) -> str:
    data = {
        "mode": result.mode, "old": result.old, "new": result.new, "notes": result.notes,
        "summary": {"added": result.count("added"), "removed": result.count("removed"), "changed": result.count("changed"),
                    "error": result.count("error"), "renders": result.renders, "total": result.total,
                    "seconds": round(result.seconds, 2)},
        "changes": [asdict(change) for change in result.changes],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 70rem;
       padding: 0 1rem; color: #24292e; }
h1 { font-size: 1.4rem; } .summary { color: #586069; } .note { color: #735c0f; }
details { border: 1px solid #e1e4e8; border-radius: 6px; margin: .5rem 0; }
summary { cursor: pointer; padding: .4rem .8rem; background: #f6f8fa; }
.status { font-weight: 600; display: inline-block; min-width: 5.5rem; }
.added .status { color: #22863a; } .removed .status { color: #cb2431; } .changed .status { color: #b08800; }
.error .status { color: #cb2431; } .versions { color: #586069; font-size: .9em; }
h3 { font-size: 1rem; margin: .8rem .8rem .2rem; }
pre { margin: 0 .8rem .8rem; padding: .5rem; background: #fafbfc; overflow-x: auto; font-size: 12px; }
.plus { background: #e6ffed; display: block; } .minus { background: #ffeef0; display: block; }
.hunk { color: #6f42c1; display: block; }
"""


def _line_html(line: str, status: str) -> str:
    text = html.escape(line)
    if status == "added" or (status == "changed" and line.startswith("+")):
        return f'<span class="plus">{text}</span>'
    if status == "removed" or (status == "changed" and line.startswith("-")):
        return f'<span class="minus">{text}</span>'
    if line.startswith("@@"):
        return f'<span class="hunk">{text}</span>'
    return f"<span>{text}</span>"


def format_html(result: DiffResult) -> str:
    """A self-contained report (inline style, no scripts) with one collapsible entry per change."""
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>render diff</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h1>render diff {html.escape(result.old)} &rarr; {html.escape(result.new)}</h1>",
             f'<p class="summary">{html.escape(result.summary())}</p>']
    parts += [f'<p class="note">{html.escape(note)}</p>' for note in result.notes]
    for change, versions in grouped(result):
        parts.append(f'<details class="{change.status}"><summary><span class="status">{change.status}</span> '
                     f"<code>{html.escape(change.path)}</code> {html.escape(change.title)} "
                     f'<span class="versions">{html.escape(", ".join(versions))}</span></summary>')
        if change.message:
            parts.append(f"<pre>{html.escape(change.message)}</pre>")
        for section in change.sections:
            body = "".join(_line_html(line, section.status) for line in section.lines)
            parts.append(f"<h3>{html.escape(section.heading)} <small>({section.status})</small></h3><pre>{body}</pre>")
        parts.append("</details>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
