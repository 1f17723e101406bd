"""Page layouts: a rendered article body wrapped in the site's chrome.

`SiteLayout` is the one place that turns a `RenderedPage` into a full HTML document:
header with product and version pickers, sidebar navigation, breadcrumbs, mini TOC,
platform switcher, footer. The static site build and the preview server both use it.

Templates live in `site/templates` and render with their own plain python-liquid
environment (not the docs environment, whose tags and strictness are for content).
Navigation is computed once per version and its sidebar HTML once per section; a page
only picks the fragment for its section and marks itself as current.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from liquid import CachingFileSystemLoader, Environment, StrictUndefined

from renderer.errors import RenderError
from renderer.liquid.environment import RenderState
from renderer.model.pages import Page
from renderer.pipeline import render_field
from renderer.site.model import SiteModel
from renderer.site.nav import NavTree, VersionNav, mark_current
from renderer.site.urls import page_url

if TYPE_CHECKING:
    from renderer.model.tree import DocsTree
    from renderer.pipeline import RenderedPage

SITE_DIR = Path(__file__).resolve().parents[2] / "site"
PLATFORMS = (("mac", "Mac"), ("windows", "Windows"), ("linux", "Linux"))
_HEADING = re.compile(r'<h([2-4]) id="([^"]*)"><a href="#\2">(.*?)</a></h\1>', re.S)
_TAGS = re.compile(r"<[^>]+>")
_PLATFORM_DIV = re.compile(r'<div class="extended-markdown (mac|windows|linux)[ "]')
_SPACE = re.compile(r"\s+")
PATH_SLOT = "\x00path\x00"  # placeholder for a page's path in cached header fragments


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return _SPACE.sub(" ", html_lib.unescape(_TAGS.sub(" ", fragment))).strip()


def headings(body: str, max_level: int = 3) -> list[dict[str, object]]:
    """h2..h<max_level> of rendered html: [{level, id, html}] (html without links)."""
    found = []
    for m in _HEADING.finditer(body):
        level = int(m.group(1))
        if level <= max_level:
            found.append({"level": level, "id": m.group(2), "html": _strip_links(m.group(3))})
    return found


_LINK_TAG = re.compile(r"</?a\b[^>]*>")


def _strip_links(fragment: str) -> str:
    """Heading html for the TOC: no nested links (the TOC entry is itself a link)."""
    return _LINK_TAG.sub("", fragment) if "<a" in fragment else fragment


def platforms_in(body: str) -> list[str]:
    """Platform blocks (mac/windows/linux) present in rendered html, in switcher order."""
    if "extended-markdown" not in body:
        return []
    present = set(_PLATFORM_DIV.findall(body))
    return [p for p, _ in PLATFORMS if p in present]


def toc_max_level(page: Page) -> int:
    """The deepest heading level in the page's mini TOC; 0 when it shows none."""
    fm = page.frontmatter
    default_show = not (page.is_map_topic or page.relpath == "index.md" or page.relpath.endswith("/index.md"))
    if not fm.get("showMiniToc", default_show):
        return 0
    level = fm.get("miniTocMaxHeadingLevel", 3)
    return min(max(int(level), 2), 4) if isinstance(level, int) else 3


def directory_digest(folder: Path) -> str:
    """Digest of every file under a folder (names and bytes), for cache busting and keys."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(file.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


# --- page shells ------------------------------------------------------------------------
#
# page.html costs about as much per page as rendering the article itself, and most of it
# is the same from page to page. So it is rendered once per page *shape* (version, number
# of breadcrumbs and TOC entries, which optional parts are there) with numbered
# placeholders for the texts, and each page fills its texts in: escaped where the
# template escapes them (a placeholder holds an "&", which `escape` turns into "&amp;").
# The first page of each shape is also rendered in full and compared; any difference
# (a template doing more with page values than escaping them and comparing with "")
# turns shells off.

_SLOT = re.compile("\x00(\\d+)(&|&amp;)\x00")


def _shell_context(context: dict, values: list[str]) -> tuple[dict, tuple]:
    def slot(value: str) -> str:
        values.append(value)
        return f"\x00{len(values) - 1}&\x00"

    page = context["page"]
    site = context["site"]
    same_title = page["title"] == site["title"]
    shell = dict(context)
    shell["header"] = slot(context["header"])
    shell["footer"] = slot(context["footer"])
    shell["sidebar"] = slot(context["sidebar"])
    shell["breadcrumbs"] = [{"title": slot(c["title"]), "url": slot(c["url"]), "current": c["current"]}
                            for c in context["breadcrumbs"]]
    shell["page"] = {
        "title": page["title"] if same_title else slot(page["title"]),
        "intro": slot(page["intro"]) if page["intro"] else "",
        "description": slot(page["description"]) if page["description"] else "",
        "url": slot(page["url"]),
        "canonical": slot(page["canonical"]) if page["canonical"] else "",
    }
    shell["toc"] = [{"level": t["level"], "id": slot(t["id"]), "html": slot(t["html"])} for t in context["toc"]]
    shell["body"] = slot(context["body"])
    shape = (
        context["version"]["id"], repr(site),
        tuple(c["current"] for c in context["breadcrumbs"]),
        page["title"] if same_title else None,
        bool(page["intro"]), bool(page["description"]), bool(page["canonical"]),
        tuple(t["level"] for t in context["toc"]),
        tuple(p["id"] for p in context["platforms"]),
        context["default_platform"],
        tuple((p["title"], p["url"]) for p in context["products"]),
    )
    return shell, shape


def _parse_shell(text: str) -> list:
    """[literal, (slot, escaped), literal, ...] of a rendered shell."""
    parts: list = []
    last = 0
    for m in _SLOT.finditer(text):
        parts.append(text[last:m.start()])
        parts.append((int(m.group(1)), m.group(2) != "&"))
        last = m.end()
    parts.append(text[last:])
    return parts


def _fill(shell: list, values: list[str]) -> str:
    escape = html_lib.escape
    return "".join(part if part.__class__ is str else (escape(values[part[0]]) if part[1] else values[part[0]])
                   for part in shell)


class SiteLayout:
    """Full HTML documents for pages, 404s, redirects and render errors.

    `exists(page, version)` decides which pages the navigation and the version picker
    may point at (default: the page's frontmatter versions).
    """

    def __init__(self, tree: DocsTree, site_dir: Path | str | None = None, *, base_url: str = "",
                 exists: Callable[[Page, str], bool] | None = None, pages: list[Page] | None = None,
                 site: SiteModel | None = None):
        self.tree = tree
        self.pages = pages if pages is not None or site is None else site.pages  # every page, when loaded already
        self._site = site
        self.site_dir = Path(site_dir) if site_dir else SITE_DIR
        self.base_url = base_url.rstrip("/")
        self.exists = exists or (lambda page, version: version in page.versions)
        self.env = self._make_env()
        self._templates: dict[str, object] = {}
        self._navs: dict[str, VersionNav] = {}
        self._nav_tree: NavTree | None = None
        self._titles: dict[tuple[str, str], tuple[str, str]] = {}
        self.asset_version = directory_digest(self.site_dir / "static")[:12]
        self._redirect_shell: str | None = None
        self._fragments: dict[tuple, str] = {}
        self._shells: dict[tuple, list] = {}
        self._reused_shells: dict[tuple, list] = {}
        self._site_titles: dict[str, str] = {}
        self._shells_ok: bool | None = None
        self.use_shells = True
        self.new_shells: list[tuple] = []  # shapes first seen since the caller last looked

    # --- templates ----------------------------------------------------------------------

    def _make_env(self) -> Environment:
        # parsed templates (includes too) are cached; `invalidate()` starts afresh
        loader = CachingFileSystemLoader(self.site_dir / "templates", auto_reload=False, capacity=64)
        return Environment(loader=loader, undefined=StrictUndefined)

    def template(self, name: str):
        template = self._templates.get(name)
        if template is None:
            template = self.env.get_template(name)
            self._templates[name] = template
        return template

    def site_context(self, version: str) -> dict[str, object]:
        return {"title": self.site_title(version), "static": "/static", "asset_version": self.asset_version}

    # --- urls and titles ----------------------------------------------------------------

    @staticmethod
    def url_for(page: Page, version: str) -> str:
        return page_url(page, version)

    def titles(self, page: Page, version: str) -> tuple[str, str]:
        """(title, short title) of a page in a version, Liquid rendered; raw text if that fails."""
        key = (page.relpath, version)
        found = self._titles.get(key)
        if found is None:
            title = self._field(page, version, "title")
            short = self._field(page, version, "shortTitle") if page.frontmatter.get("shortTitle") else ""
            found = (title, short or title)
            self._titles[key] = found
        return found

    def _field(self, page: Page, version: str, key: str) -> str:
        value = page.frontmatter.get(key) or ""
        if not isinstance(value, str):
            return ""
        if "{" in value:
            try:
                value = render_field(self.tree, RenderState(self.tree, version, page, lenient=True), page, key)
            except RenderError:
                pass
        return html_lib.unescape(value).strip()

    def site_title(self, version: str) -> str:
        title = self._site_titles.get(version)
        if title is None:
            try:
                home = self.tree.page("index.md")
            except RenderError:
                home = None
            title = self.titles(home, version)[0] if home is not None and version in home.versions else "Documentation"
            self._site_titles[version] = title
        return title

    # --- navigation ---------------------------------------------------------------------

    def nav_tree(self) -> NavTree:
        if self._nav_tree is None:
            pages = self.pages if self.pages is not None else self.tree.all_pages(errors=[])
            self._nav_tree = NavTree(self.tree, pages)
        return self._nav_tree

    def nav(self, version: str) -> VersionNav:
        nav = self._navs.get(version)
        if nav is None:
            nav = self.nav_tree().for_version(version, lambda page, v: self.titles(page, v)[1], self.exists)
            self._navs[version] = nav
        return nav

    def invalidate(self) -> None:
        """Forget navigation and titles (after content edits); templates reload too."""
        self._navs.clear()
        self._nav_tree = None
        self.pages = None
        self._site = None
        self._titles.clear()
        self._templates.clear()
        self.env = self._make_env()
        self._fragments.clear()
        self._shells.clear()
        self._reused_shells.clear()
        self._site_titles.clear()
        self._shells_ok = None
        self._redirect_shell = None
        self.asset_version = directory_digest(self.site_dir / "static")[:12]

    def _find(self, url_path: str) -> Page | None:
        """The page at a URL path; None for none or a page that does not parse."""
        try:
            return self.tree.find_page(url_path)
        except RenderError:
            return None

    @property
    def site(self) -> SiteModel:
        """The site model the layout's URLs and picker come from (made from the tree when not given)."""
        if self._site is None:
            self._site = SiteModel(self.tree, self.pages)
        return self._site

    def nearest(self, page: Page, version: str) -> str | None:
        return self.site.nearest(page, version)

    def picker(self, page: Page | None, version: str) -> list[dict[str, object]]:
        return self.site.picker(page, version)

    def chrome(self, page: Page, version: str) -> dict[str, object]:
        """Everything around the article that depends only on the tree, not on the body.

        Plain data (JSON-able, deterministic): the build compares it between builds to
        decide whether a page must be laid out again.
        """
        nav = self.nav(version)
        sidebar_key = list(nav.sidebar_key(page.relpath))
        if not sidebar_key[0] and page.relpath != "index.md":
            # a page outside the navigation (hidden): its section from its URL
            sidebar_key = [*self._section_by_path(page, nav), "", 0]
        url = self.url_for(page, version)
        return {
            "relpath": page.relpath,
            "version": version,
            "url": url,
            "picker": self.picker(page, version),
            "breadcrumbs": [{"title": t, "url": u, "current": u == url} for t, u in self._breadcrumbs(page, version, nav)],
            "sidebar": sidebar_key,  # (product, category, focus, block): see VersionNav.sidebar_key
            "toc_max": toc_max_level(page),
            "site": self.site_context(version),
            "default_platform": str(page.frontmatter.get("defaultPlatform") or ""),
        }

    def _section_by_path(self, page: Page, nav: VersionNav) -> tuple[str, str]:
        parts = page.permalink_path.split("/")
        product = self._find(parts[0])
        category = self._find("/".join(parts[:2])) if len(parts) > 2 else None
        p = product.relpath if product is not None and product.relpath in nav.by_relpath else ""
        c = category.relpath if p and category is not None and category.relpath in nav.by_relpath else ""
        return p, c

    def _breadcrumbs(self, page: Page, version: str, nav: VersionNav) -> list[tuple[str, str]]:
        crumbs = nav.breadcrumbs(page.relpath)
        if crumbs or page.relpath == "index.md":
            return crumbs
        parts = page.permalink_path.split("/")
        crumbs = []
        for i in range(1, len(parts)):
            parent = self._find("/".join(parts[:i]))
            if parent is not None and self.exists(parent, version):
                crumbs.append((self.titles(parent, version)[1], self.url_for(parent, version)))
        crumbs.append((self.titles(page, version)[1], self.url_for(page, version)))
        return crumbs

    def _header_context(self, version: str, product_rel: str) -> dict[str, object]:
        nav = self.nav(version)
        v = self.tree.model.get(version)
        home = nav.url("")
        products = [{"title": p.title, "url": nav.url(p.path), "current": p.relpath == product_rel} for p in nav.products]
        pnode = nav.by_relpath.get(product_rel) if product_rel else None
        product = {"title": pnode.title, "url": nav.url(pnode.path)} if pnode else {"title": "All products", "url": home}
        return {
            "lang": "en",
            "site": self.site_context(version),
            "version": {"id": version, "title": v.title, "home": home, "search_index": f"/search/{version}.json"},
            "products": products,
            "product": product,
        }

    def _memo(self, key: tuple, make: Callable[[], str]) -> str:
        found = self._fragments.get(key)
        if found is None:
            found = self._fragments[key] = make()
        return found

    def _header_key(self, version: str, product_rel: str, picker: list[dict[str, object]], url: str):
        """(cache key, page path) of a page's header: picker links to the same page in
        another version differ only by the page's path, which the cached fragment leaves
        as a placeholder."""
        path = url[len(f"/en/{version}/"):] if url.startswith(f"/en/{version}/") else None
        shape = []
        for item in picker:
            same = path is not None and item["url"] == f"/en/{item['id']}/{path}"
            shape.append((item["id"], item["title"], PATH_SLOT if same else item["url"], item["current"]))
        return ("header", version, product_rel, tuple(shape)), path

    def _header_fragment(self, version: str, product_rel: str, key: tuple) -> str:
        def make() -> str:
            context = self._header_context(version, product_rel)
            context["picker"] = [{"id": i, "title": t, "url": f"/en/{i}/{PATH_SLOT}" if u == PATH_SLOT else u,
                                  "current": c} for i, t, u, c in key[3]]
            return self.template("header.html").render(**context)

        return self._memo(key, make)

    def header(self, version: str, product_rel: str, picker: list[dict[str, object]], url: str) -> str:
        """header.html for a page; rendered once per section and picker shape, then reused."""
        key, path = self._header_key(version, product_rel, picker, url)
        fragment = self._header_fragment(version, product_rel, key)
        return fragment.replace(PATH_SLOT, html_lib.escape(path)) if path is not None else fragment

    def footer(self, version: str) -> str:
        return self._memo(("footer", version), lambda: self.template("footer.html").render(**self._header_context(version, "")))

    def chrome_digest(self, chrome: dict) -> str:
        """A digest of everything `compose()` adds around a body for this chrome."""
        version = chrome["version"]
        sidebar_key = tuple(chrome["sidebar"])
        product_rel = sidebar_key[0]
        digest = hashlib.sha1(repr(chrome).encode("utf-8"))  # chrome() builds its dicts in a fixed order
        sidebar = self._memo(("sidebar-digest", version, *sidebar_key),
                             lambda: hashlib.sha1(self.nav(version).sidebar(sidebar_key).encode()).hexdigest())
        header_key = self._header_key(version, product_rel, chrome["picker"], chrome["url"])[0]
        header = self._memo(("header-digest", *header_key[1:]),
                            lambda: hashlib.sha1(self._header_fragment(version, product_rel, header_key).encode()).hexdigest())
        footer = self._memo(("footer-digest", version), lambda: hashlib.sha1(self.footer(version).encode()).hexdigest())
        digest.update(f"{sidebar}{header}{footer}".encode())
        return digest.hexdigest()

    # --- documents ----------------------------------------------------------------------

    def compose(self, chrome: dict, title: str, intro: str, body: str) -> str:
        """The full document for a page from its chrome and its rendered parts."""
        context = self.page_context(chrome, title, intro, body)
        template = self.template("page.html")
        if not self.use_shells or not self._shells_allowed():
            return template.render(**context)
        values: list[str] = []
        shell_context, shape = _shell_context(context, values)
        shell = self._shells.get(shape) or self._reused_shell(shape, len(values))
        if shell is None:
            shell = self._shells[shape] = _parse_shell(template.render(**shell_context))
            self.new_shells.append(shape)
            document = _fill(shell, values)
            if document != template.render(**context):  # the template does more than shells allow
                self._shells_ok = False
                return template.render(**context)
            return document
        return _fill(shell, values)

    def _reused_shell(self, shape: tuple, values: int) -> list | None:
        shell = self._reused_shells.pop(shape, None)
        if shell is not None and all(part[0] < values for part in shell if part.__class__ is not str):
            self._shells[shape] = shell
            return shell
        return None

    def reuse_shells(self, shells: dict[tuple, list]) -> None:
        """Shells of these same templates kept by a build cache (or made by a build's
        workers); each is checked against its first page's values when first used."""
        for shape, shell in shells.items():
            self._reused_shells.setdefault(shape, shell)

    def take_new_shells(self) -> dict[tuple, list]:
        """The shells made since the last call (none when shells are off), for a build cache."""
        new = {shape: self._shells[shape] for shape in self.new_shells} if self._shells_ok else {}
        self.new_shells.clear()
        return new

    def all_shells(self) -> dict[tuple, list]:
        """Every shell made or given to reuse_shells(), for a build cache."""
        return {**self._reused_shells, **self._shells}

    def _shells_allowed(self) -> bool:
        """Shells need templates that only escape page values and compare them with "" or
        empty; the filter check is static, the rest is verified on each shape's first page."""
        if self._shells_ok is None:
            analysis = self.template("page.html").analyze(include_partials=True)
            self._shells_ok = set(analysis.filters) <= {"escape"}
        return self._shells_ok

    def page_context(self, chrome: dict, title: str, intro: str, body: str) -> dict[str, object]:
        """What page.html renders with."""
        version = chrome["version"]
        sidebar_key = tuple(chrome["sidebar"])
        product_rel = sidebar_key[0]
        nav = self.nav(version)
        sidebar = mark_current(nav.sidebar(sidebar_key), chrome["url"])
        toc_max = chrome["toc_max"]
        present = platforms_in(body)
        v = self.tree.model.get(version)
        return dict(
            lang="en",
            site=chrome["site"],
            version={"id": version, "title": v.title},
            header=self.header(version, product_rel, chrome["picker"], chrome["url"]),
            footer=self.footer(version),
            breadcrumbs=chrome["breadcrumbs"],
            sidebar=sidebar,
            page={
                "title": title,
                "intro": intro,
                "description": text_of(intro)[:300],
                "url": chrome["url"],
                "canonical": self.base_url + chrome["url"] if self.base_url else "",
            },
            toc=headings(body, toc_max) if toc_max else [],
            products=self._products_for_home(version, chrome, body),
            platforms=[{"id": p, "title": t} for p, t in PLATFORMS if p in present],
            default_platform=chrome.get("default_platform", ""),
            body=body,
        )

    def _products_for_home(self, version: str, chrome: dict, body: str) -> list[dict[str, str]]:
        """The home page lists the products when its own body is empty."""
        if chrome["relpath"] != "index.md" or body.strip():
            return []
        nav = self.nav(version)
        return [{"title": p.title, "url": nav.url(p.path)} for p in nav.products]

    def render_page(self, page: Page, version: str, rendered: RenderedPage) -> str:
        """The full HTML document for a rendered page."""
        return self.compose(self.chrome(page, version), rendered.title, rendered.intro, rendered.html)

    def render_404(self, version: str | None = None) -> str:
        version = version if version in self.tree.model.by_id else self.tree.model.default
        v = self.tree.model.get(version)
        context = dict(
            lang="en",
            site=self.site_context(version),
            version={"id": version, "title": v.title, "home": self.nav(version).url("")},
            header=self.header(version, "", self.picker(None, version), ""),
            footer=self.footer(version),
            sidebar=self.nav(version).sidebar(("", "")),
            page={"title": "Page not found", "intro": "", "description": "", "url": "", "canonical": ""},
        )
        return self.template("404.html").render(**context)

    def render_redirect(self, target_url: str) -> str:
        """A static redirect stub: meta refresh, canonical link and a script keeping #anchors."""
        if self._redirect_shell is None:
            self._redirect_shell = self.template("redirect.html").render(
                target="\x00T\x00", canonical="\x00C\x00", target_json="\x00J\x00")
        canonical = self.base_url + target_url if self.base_url and target_url.startswith("/") else target_url
        # inside <script>: no "<", ">" or "&" can end the element or open a comment
        script_value = json.dumps(target_url).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return (self._redirect_shell.replace("\x00T\x00", html_lib.escape(target_url))
                .replace("\x00C\x00", html_lib.escape(canonical)).replace("\x00J\x00", script_value))

    def render_error_page(self, error: RenderError) -> str:
        """A page showing where a render failed: file:line:col, version, message, snippet."""
        version = error.version or self.tree.model.default
        return self.template("error.html").render(
            site={"title": "Render error", "static": "/static", "asset_version": self.asset_version},
            error={
                "location": error.location,
                "version": error.version or "",
                "message": error.message,
                "snippet": error.snippet or "",
                "chain": list(error.chain),
            },
            version={"id": version},
        )
