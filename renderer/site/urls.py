"""Where a page lives on the site: its URL and its file in the built output."""

from __future__ import annotations

from renderer.model.pages import Page

LANGUAGE = "en"


def page_url(page: Page, version: str) -> str:
    """'/en/<version>/<permalink>/' ('/en/<version>/' for the home page)."""
    path = page.permalink_path
    return f"/{LANGUAGE}/{version}/{path}/" if path else f"/{LANGUAGE}/{version}/"


def out_path(page: Page, version: str) -> str:
    """The page's file in the built site: 'en/<version>/<permalink>/index.html'."""
    path = page.permalink_path
    return f"{LANGUAGE}/{version}/{path}/index.html" if path else f"{LANGUAGE}/{version}/index.html"


def url_of_file(path: str) -> str:
    """'en/v/x/index.html' -> '/en/v/x'; 'static/site.css' -> '/static/site.css'."""
    if path == "index.html":
        return "/"
    if path.endswith("/index.html"):
        return "/" + path[: -len("/index.html")]
    return "/" + path


def url_key(path: str) -> str:
    """A URL path as the redirect table and the router key it: no slashes at either end,
    no trailing 'index.html'."""
    path = path.strip("/")
    if path == "index.html":
        return ""
    return path.removesuffix("/index.html")
