"""`render build`: the complete static site, every page in every version it exists in.

Output, ready for any static host:

- `/en/<version>/<path>/index.html` for every page and version (home: `/en/<version>/`);
- redirect stubs (meta refresh + canonical) for every `redirect_from` and for
  version-less URLs (`/en/<path>/`, `/<path>/`), a root `/index.html`, `/404.html`;
- `/sitemap.xml`, `/search/<version>/` (offline search: results page and Pagefind bundle), `/static/` (CSS, JS),
  `/assets/` (the docs root's images).

How a build runs (one module each):

1. `pages`: load the tree (frontmatter of unchanged files comes from the `cache`);
   `builder` computes the navigation of every version once.
2. `plan`: a render is reused when the page file and everything it used are unchanged
   (`digests`); its output file is kept when, in addition, nothing that every page's
   chrome is made of changed and the live file is as the last build left it.
3. `runner` / `workers`: a process pool (or a Dask cluster with --executor
   dask://host:port) renders and lays out pages and writes them into a staging folder
   beside --out (`output`); `collect` takes the results in. Meanwhile the main process
   writes the redirect stubs, 404 and static files (`extras`; redirects from the site model).
4. Search indexes and sitemap (`extras`); then the internal link check (`links`).
5. `commit`: the staged tree, completed with hard links to the files kept from the live
   site, is swapped in with one rename. Anything that fails before -- render errors,
   --strict link errors, a full disk, a crash, Ctrl-C, kill -9 -- leaves the previous
   site untouched. A lock on --out keeps a second build from interleaving.

Output is byte-identical to a clean build: everything is iterated sorted and nothing
depends on time or order of completion.
"""

from renderer.build.builder import Builder, build
from renderer.build.cache import Cache
from renderer.build.options import BuildFailed, BuildOptions, BuildReport

__all__ = ["BuildFailed", "BuildOptions", "BuildReport", "Builder", "Cache", "build"]
