"""What the server sends: responses, the injected reload script, safe header values."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from renderer.problems import Problem

RELOAD_PATH = "/__reload"
RELOAD_SCRIPT = """<script data-render-serve>(function(){{if(!window.EventSource)return;\
var es=new EventSource("{endpoint}?path="+encodeURIComponent(location.pathname)+"&gen={gen}");\
es.addEventListener("reload",function(){{es.close();location.reload();}});}})();</script>"""

# Characters a Location path keeps as they are; everything else (CR, LF, spaces,
# non-ASCII, '%', '?', '#') is percent-encoded, so a file name never becomes a header.
LOCATION_SAFE = "/@:!$&'()*+,;=-._~"
UNSAFE_HEADER_CHARS = re.compile(r"[^\x20-\x7e\t]")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")

INTERNAL_ERROR_HTML = (
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Internal error</title></head><body>"
    "<h1>Internal error in the renderer</h1><p>This is a bug in the docs engine, not in your file. "
    "The details are in the terminal running <code>render serve</code>.</p></body></html>"
)


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    digest: str | None = None  # of the HTML page, before the reload script


@dataclass
class Entry:
    """A rendered page (or its error page) as served, with the digest of its HTML."""

    key: tuple[str, str]
    status: int
    body: bytes  # with the reload script
    digest: str  # of the HTML before the script: the tab's token for "what I show"
    volatile: bool = False  # an error page: dropped on every change


def digest_of(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


# Styled inline: the site's CSS is the writer's and need not know about the preview.
NOTICE_STYLE = ("position:fixed;right:1rem;bottom:1rem;z-index:2147483647;max-width:min(44rem,90vw);max-height:40vh;"
                "overflow:auto;padding:.75rem 1rem;background:#fff8c5;color:#24292f;border:1px solid #d4a72c;"
                "border-radius:6px;box-shadow:0 4px 12px rgba(0,0,0,.15);font:14px/1.4 system-ui,sans-serif")


def before_body_end(page_html: str, fragment: str) -> str:
    index = page_html.lower().rfind("</body>")
    if index < 0:
        return page_html + fragment
    return page_html[:index] + fragment + page_html[index:]


def inject_reload(page_html: str, gen: str) -> str:
    return before_body_end(page_html, RELOAD_SCRIPT.format(endpoint=RELOAD_PATH, gen=gen))


def problem_notice(problems: list[Problem]) -> str:
    """A box on the served page listing its broken links (the built site has none of this)."""
    count = len(problems)
    items = "".join(
        f"<li><code>{html.escape(p.location)}</code> {html.escape(p.severity)}: {html.escape(p.message)}</li>"
        for p in problems)
    return (f'<aside class="render-serve-problems" role="status" style="{NOTICE_STYLE}">'
            f"<strong>render serve: {count} broken link{'s' if count != 1 else ''} on this page</strong>"
            f'<ul style="margin:.5rem 0 0;padding-left:1.25rem">{items}</ul></aside>')


def html_response(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    """An HTML page that reloads itself when what it shows changes."""
    digest = digest_of(text)
    return Response(status, inject_reload(text, digest).encode("utf-8"),
                    headers={"Cache-Control": "no-store", **(headers or {})}, digest=digest)


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status, message.encode("utf-8"), "text/plain; charset=utf-8", dict(headers or {}))


def internal_error_response() -> Response:
    """A bug in the engine: the browser gets no traceback (it is logged instead)."""
    return Response(500, INTERNAL_ERROR_HTML.encode("utf-8"), headers={"Cache-Control": "no-store"})


def location_value(url: str) -> str:
    """A URL path as a Location header value: percent-encoded, never a control character."""
    return quote(url, safe=LOCATION_SAFE, encoding="utf-8", errors="strict")


def header_block(status_line: str, headers: list[tuple[str, str]]) -> bytes:
    """The head of a response. Raises ValueError for any name or value that could split it."""
    lines = [status_line]
    for name, value in headers:
        if not HEADER_NAME.match(name):
            raise ValueError(f"bad header name {name!r}")
        if name.lower() == "location":
            value = location_value(value)
        if UNSAFE_HEADER_CHARS.search(value):
            raise ValueError(f"control or non-ASCII character in header {name}: {value!r}")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
