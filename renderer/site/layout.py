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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from liquid import CachingFileSystemLoader, Environment, StrictUndefined

from renderer.errors import RenderError
from renderer.liquid.environment import RenderState
from renderer.liquid.octicons import octicon_svg
from renderer.model.pages import Page
from renderer.pipeline import render_field
from renderer.site.fragments import PLATFORMS, directory_digest, headings, platforms_in, text_of, toc_max_level
from renderer.site.history import GitHistory, readable_date
from renderer.site.landing import intro_links, is_landing
from renderer.site.model import SiteModel
from renderer.site.nav import NavTree, VersionNav, mark_current
from renderer.site.releases import release_data, script_json
from renderer.site.shells import fill_shell, parse_shell, shell_context
from renderer.site.siteconfig import load_site_config
from renderer.site.urls import page_url

if TYPE_CHECKING:
    from renderer.model.tree import DocsTree
    from renderer.pipeline import RenderedPage

__all__ = ["PLATFORMS", "SITE_DIR", "SiteLayout", "directory_digest", "headings", "platforms_in", "text_of",
           "toc_max_level"]

SITE_DIR = Path(__file__).resolve().parents[2] / "site"
PATH_SLOT = "\x00path\x00"  # placeholder for a page's path in cached header fragments
# octicons the templates and scripts use (rendered once per layout)
ICONS = {"menu": "three-bars", "close": "x", "search": "search", "sun": "sun", "moon": "moon", "copy": "copy",
         "check": "check", "edit": "pencil", "clock": "clock", "prev": "arrow-left", "next": "arrow-right",
         "info": "info", "alert": "alert"}


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
        self._titles: dict[str | tuple[str, str], tuple[str, str]] = {}
        self.asset_version = directory_digest(self.site_dir / "static")[:12]
        self._redirect_shell: str | None = None
        self._fragments: dict[tuple, str] = {}
        self._shells: dict[tuple, list] = {}
        self._reused_shells: dict[tuple, list] = {}
        self._site_titles: dict[str, str] = {}
        self._shells_ok: bool | None = None
        self.use_shells = True
        self.new_shells: list[tuple] = []  # shapes first seen since the caller last looked
        self.config = load_site_config(tree.root)
        self.history = GitHistory(tree.root)
        self.icons = {key: octicon_svg(name, {}) for key, name in ICONS.items()}

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
        fields = page.frontmatter
        plain = "{" not in str(fields.get("title", "")) and "{" not in str(fields.get("shortTitle", ""))
        key = page.relpath if plain else (page.relpath, version)  # (no Liquid: the same in every version)
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
        self.config = load_site_config(self.tree.root)
        self.history = GitHistory(self.tree.root)

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
            "extras": self._extras(page, version, nav),
        }

    def _extras(self, page: Page, version: str, nav: VersionNav) -> dict[str, object]:
        """The optional parts around an article: landing buttons, pager, edit link, date, platform."""
        platform = page.frontmatter.get("defaultPlatform")
        return {
            "layout": "product-landing" if is_landing(page) else "article",
            "intro_links": intro_links(self.tree, page, version, exists=self.exists, url_of=self.url_for,
                                       title_of=lambda target, v: self.titles(target, v)[1]),
            "pager": nav.pager(page.relpath),
            "edit_url": self.config.edit_url(page.relpath),
            "updated": self.history.last_updated(page.relpath),
            "default_platform": platform if platform in dict(PLATFORMS) else "",
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
            "version": {"id": version, "title": v.title, "home": home, "search_page": f"/search/{version}/",
                        "search_bundle": f"/search/{version}/pagefind/"},
            "products": products,
            "product": product,
            "icons": self.icons,
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
            shape.append((item["id"], item["title"], PATH_SLOT if same else item["url"], item["current"],
                          item.get("exists", True)))
        return ("header", version, product_rel, tuple(shape)), path

    def _header_fragment(self, version: str, product_rel: str, key: tuple) -> str:
        def make() -> str:
            context = self._header_context(version, product_rel)
            context["picker"] = [{"id": i, "title": t, "url": f"/en/{i}/{PATH_SLOT}" if u == PATH_SLOT else u,
                                  "current": c, "exists": e} for i, t, u, c, e in key[3]]
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
        placeholders, shape = shell_context(context, values)
        shell = self._shells.get(shape) or self._reused_shell(shape, len(values))
        if shell is None:
            shell = self._shells[shape] = parse_shell(template.render(**placeholders))
            self.new_shells.append(shape)
            document = fill_shell(shell, values)
            if document != template.render(**context):  # the template does more than shells allow
                self._shells_ok = False
                return template.render(**context)
            return document
        return fill_shell(shell, values)

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
        extras: dict = chrome["extras"]
        landing = extras["layout"] == "product-landing"
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
                "edit_url": extras["edit_url"],
                "updated": extras["updated"],
                "updated_text": readable_date(extras["updated"]),
            },
            toc=headings(body, toc_max) if toc_max and not landing else [],
            products=self._products_for_home(version, chrome, body),
            platforms=[{"id": p, "title": t} for p, t in PLATFORMS if p in present],
            default_platform=extras["default_platform"],
            layout_name=extras["layout"],
            intro_links=extras["intro_links"],
            pager=extras["pager"],
            icons=self.icons,
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

    def _plain_context(self, version: str, title: str) -> dict[str, object]:
        """The context of a page that is only chrome (404, search results)."""
        v = self.tree.model.get(version)
        return dict(
            lang="en",
            site=self.site_context(version),
            version={"id": version, "title": v.title, "home": self.nav(version).url(""),
                     "search_bundle": f"/search/{version}/pagefind/"},
            header=self.header(version, "", self.picker(None, version), ""),
            footer=self.footer(version),
            sidebar=self.nav(version).sidebar(("", "")),
            page={"title": title, "intro": "", "description": "", "url": "", "canonical": ""},
            icons=self.icons,
        )

    def render_404(self, version: str | None = None) -> str:
        """The not-found page; its script tells a reader on a deprecated release's URL where the page went."""
        version = version if version in self.tree.model.by_id else self.tree.model.default
        context = self._plain_context(version, "Page not found")
        context["releases_json"] = script_json(release_data(self.tree.model))
        return self.template("404.html").render(**context)

    def render_search_page(self, version: str) -> str:
        """The search results page of a version (`/search/<version>/?q=...`), filled in by search.js."""
        context = self._plain_context(version, "Search")
        context["page"] = {**context["page"], "url": f"/search/{version}/"}  # type: ignore[dict-item]
        return self.template("search.html").render(**context)

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
