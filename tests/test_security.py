"""Hostile names and values must never reach the built or served site as markup, and
must never take the build outside --out.

Covers: page and folder names, titles and redirect_from entries carrying HTML (every
output file of `render build` and every page of the preview is searched for it), names
with control characters, release and plan names in the versions file, and the escaping
layer itself (sidebar, breadcrumbs, redirect stubs, search results) fed values the
tree would now refuse.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from docs_fixture import REPO_ROOT, versions_yaml

from renderer.errors import RenderError
from renderer.model.versions import load_version_model
from renderer.serve import PreviewApp
from renderer.site.layout import SiteLayout
from renderer.site.nav import VersionNav, VersionNode, mark_current

FPT = "free-pro-team@latest"
PAYLOAD = '"><img src=x onerror=alert(1)>'
HOSTILE_PAGE = f"q{PAYLOAD}.md"
HOSTILE_FOLDER = f"f{PAYLOAD.replace('1', '2')}"
UNESCAPED = "<img src=x onerror"  # what an XSS from any of the payloads leaves in a file


def run(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "renderer", *args], capture_output=True, text=True, cwd=REPO_ROOT,
                          timeout=timeout, env={**os.environ, **(env or {})})


def write(root: Path, relpath: str, text: str) -> None:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def fm(title: str, extra: str = "", body: str = "") -> str:
    return f"---\ntitle: {json.dumps(title)}\nversions: '*'\n{extra}---\n{body}"


def hostile_tree(base: Path) -> Path:
    """Payloads in every place a path or a name reaches a page."""
    root = base / "docs"
    write(root, "data/versions.yml", versions_yaml("2.22"))
    write(root, "content/index.md", fm("Home", body="{% link_in_list /prod %}\n"))
    write(root, "content/prod/index.md", fm("Prod", body="{% link_in_list /cat %}\n"))
    write(root, "content/prod/cat/index.md",
          fm("Cat", body="{% link_in_list /fine %}\n"))
    write(root, f"content/prod/cat/{HOSTILE_PAGE}", fm("Hostile page", body="Hello.\n"))
    write(root, f"content/prod/{HOSTILE_FOLDER}/index.md", fm("Hostile folder"))
    write(root, f"content/prod/{HOSTILE_FOLDER}/inner.md", fm("Inner"))
    write(root, "content/prod/cat/fine.md",
          fm(f"Title {PAYLOAD}", f"shortTitle: {json.dumps('Short ' + PAYLOAD)}\n"
             f"redirect_from:\n  - /old/{PAYLOAD}\n  - /prod/{PAYLOAD}x\n", "Body.\n"))
    return root


def test_hostile_names_fail_check_with_located_errors(tmp_path):
    root = hostile_tree(tmp_path)
    result = run("check", "--root", str(root), "--format", "json")
    assert result.returncode == 1, result.stderr
    problems = json.loads(result.stdout)
    files = {p["file"] for p in problems if p["severity"] == "error"}
    assert f"content/prod/cat/{HOSTILE_PAGE}" in files
    assert f"content/prod/{HOSTILE_FOLDER}/index.md" in files and f"content/prod/{HOSTILE_FOLDER}/inner.md" in files
    named = [p for p in problems if p["file"] == f"content/prod/cat/{HOSTILE_PAGE}"]
    assert named[0]["line"] == 1 and "characters a page URL cannot" in named[0]["message"]


def test_no_output_file_of_the_build_holds_markup_from_a_name(tmp_path):
    root = hostile_tree(tmp_path)
    out = tmp_path / "_site"
    result = run("build", "--root", str(root), "--out", str(out), "--keep-going")
    files = [f for f in out.rglob("*") if f.is_file()]
    assert any(f.name == "index.html" and "Title &quot;&gt;&lt;img" in f.read_text() for f in files)
    for file in files:
        text = file.read_text(encoding="utf-8", errors="replace")
        if file.suffix == ".json":  # the search index is plain text, shown with textContent
            assert all(isinstance(field, str) for record in json.loads(text)["pages"] for field in record)
        else:
            assert UNESCAPED not in text, file.relative_to(out)
        assert 'q"><' not in text and 'f"><' not in text, file.relative_to(out)
    assert not any("<" in part or '"' in part for f in files for part in f.relative_to(out).parts)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert "characters a page URL cannot" in result.stdout + result.stderr


def test_no_served_page_holds_markup_from_a_name(tmp_path):
    app = PreviewApp(hostile_tree(tmp_path))
    paths = ["/", f"/en/{FPT}/", f"/en/{FPT}/prod/", f"/en/{FPT}/prod/cat/", f"/en/{FPT}/prod/cat/fine/",
             f"/en/{FPT}/prod/cat/q%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E/", "/en/nope/", f"/search/{FPT}.json",
             f"/en/{FPT}/prod/f%22%3E%3Cimg%20src=x%20onerror=alert(2)%3E/inner/", "/old/x", "/missing"]
    bodies = {}
    for path in paths:
        response = app.respond(path)
        bodies[path] = response.body.decode("utf-8", "replace")
        if response.content_type.startswith("application/json"):  # plain text, shown with textContent
            assert 'q"><' not in bodies[path]
        else:
            assert UNESCAPED not in bodies[path], path
        assert all("<" not in v and "\n" not in v for v in response.headers.values()), path
    assert "Title &quot;&gt;&lt;img" in bodies[f"/en/{FPT}/prod/cat/fine/"]
    assert "characters a page URL cannot" in bodies[f"/en/{FPT}/prod/cat/q%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E/"]


# --- the escaping layer, fed what the tree now refuses ---------------------------------


def version_nav(path: str, title: str) -> VersionNav:
    root = VersionNode("index.md", "", "Home")
    product = VersionNode("p/index.md", "p", "P", parent=root)
    category = VersionNode("p/c/index.md", "p/c", "C", parent=product)
    leaf = VersionNode("p/c/x.md", path, title, parent=category)
    root.children, product.children, category.children = [product], [category], [leaf]
    return VersionNav(FPT, root)


def test_sidebar_escapes_urls_and_titles():
    nav = version_nav(f"p/c/x{PAYLOAD}", f"<b>{PAYLOAD}</b>")
    html = mark_current(nav.sidebar(nav.sidebar_key("p/c/x.md")), f"/en/{FPT}/p/c/x{PAYLOAD}/")
    assert UNESCAPED not in html and "<b>" not in html
    assert f'href="/en/{FPT}/p/c/x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;/" class="is-current" aria-current="page"' in html
    assert nav.breadcrumbs("p/c/x.md")[-1] == (f"<b>{PAYLOAD}</b>", f"/en/{FPT}/p/c/x{PAYLOAD}/")  # escaped by the template


def test_redirect_stub_escapes_its_target(tmp_path):
    root = tmp_path / "docs"
    write(root, "content/index.md", fm("Home"))
    from renderer.model.tree import DocsTree

    stub = SiteLayout(DocsTree(root)).render_redirect(f"/en/x{PAYLOAD}</script><script>alert(2)</script>")
    assert UNESCAPED not in stub and "<script>alert" not in stub
    assert stub.count("</script>") == 1


def test_search_results_are_built_from_text_not_html():
    script = (REPO_ROOT / "site" / "static" / "search.js").read_text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "outerHTML" not in script
    assert "textContent" in script


# --- control characters in page paths and redirects -----------------------------------


def test_control_characters_in_a_page_name_are_never_published(tmp_path):
    root = tmp_path / "docs"
    write(root, "content/index.md", fm("Home"))
    write(root, "content/a\r\nSet-Cookie: x=1.md", fm("Split"))
    write(root, "content/tab\there.md", fm("Tab"))
    write(root, "content/bidi\u202ename.md", fm("Bidi"))
    result = run("check", "--root", str(root))
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if not line.startswith("render check:")]
    assert len(lines) == 3, lines  # one line each: the name is shown with escapes
    assert any(line.startswith("content/a\\r\\nSet-Cookie: x=1.md:1:1: error:") for line in lines), lines
    assert any(line.startswith("content/tab\\there.md:1:1:") for line in lines)
    assert any(line.startswith("content/bidi\\u202ename.md:1:1:") for line in lines)
    out = tmp_path / "_site"
    result = run("build", "--root", str(root), "--out", str(out), "--keep-going")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    published = [p for p in out.rglob("*") if any(c in p.name for c in "\r\n\t\u202e")]
    assert published == []
    assert "Set-Cookie" not in (out / "sitemap.xml").read_text()
    app = PreviewApp(root)
    for path in ("/en/free-pro-team@latest/a%0D%0ASet-Cookie:%20x=1/", "/en/free-pro-team@latest/bidi%E2%80%AEname/"):
        response = app.respond(path)
        assert response.status in (404, 500) and "Set-Cookie" not in response.headers, path
    assert "characters a page URL cannot" in response.body.decode()


def test_redirect_from_with_control_characters_is_refused(tmp_path):
    root = tmp_path / "docs"
    write(root, "content/index.md", fm("Home"))
    write(root, "content/a.md", fm("A", 'redirect_from:\n  - "/old\\r\\nLocation: http://evil.example/"\n'))
    result = run("check", "--root", str(root), "--format", "json")
    assert result.returncode == 1
    [problem] = json.loads(result.stdout)
    assert (problem["file"], problem["line"], problem["column"]) == ("content/a.md", 4, 1)
    assert "control characters" in problem["message"] and "\n" not in problem["message"]
    out = tmp_path / "_site"
    run("build", "--root", str(root), "--out", str(out), "--keep-going")
    assert not any("\n" in p.name or "\r" in p.name for p in out.rglob("*"))


# --- the versions file -----------------------------------------------------------------


def versions_file(tmp_path: Path, releases: str, name: str = "enterprise-server") -> Path:
    file = tmp_path / "versions.yml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("default: free-pro-team@latest\nplans:\n  - name: free-pro-team\n    title: FPT\n"
                    f"    releases: [latest]\n  - name: {name}\n    title: GHES\n    releases: {releases}\n")
    return file


@pytest.mark.parametrize("releases, column, message", [
    ("['../../../../x/ESCAPED']", 16, "release name '../../../../x/ESCAPED' must be"),
    ("['2.22', '..']", 24, "release name '..' must be"),
    ("['2..22']", 16, "no '..'"),
    ("['a/b']", 16, "release name 'a/b'"),
    ("['.hidden']", 16, "release name '.hidden'"),
    ("['x y']", 16, "release name 'x y'"),
    ("latest", 15, "`releases` must be a list"),
    ("[2.20]", 16, "must be quoted"),
    ("['2.22', '2.22']", 24, "listed twice"),
    ("[[1]]", 16, "release name [1]"),
])
def test_release_names_are_validated_where_written(tmp_path, releases, column, message):
    file = versions_file(tmp_path, releases)
    with pytest.raises(RenderError) as info:
        load_version_model(file)
    assert (info.value.file, info.value.line, info.value.column) == (str(file), 8, column)
    assert message in info.value.message


@pytest.mark.parametrize("name, message", [("../up", "plan name '../up'"), ("'A@b'", "plan name 'A@b'"),
                                           ("free-pro-team", "listed twice")])
def test_plan_names_are_validated_where_written(tmp_path, name, message):
    file = versions_file(tmp_path, "['2.22']", name)
    with pytest.raises(RenderError) as info:
        load_version_model(file)
    assert (info.value.line, info.value.column) == (6, 11) and message in info.value.message


def test_a_release_name_cannot_take_the_build_outside_out(tmp_path):
    root = tmp_path / "a" / "b" / "c" / "docs"
    write(root, "content/index.md", fm("Home"))
    versions_file(root / "data", "['../../../../x/ESCAPED']")
    for command in (["check", "--root", str(root)], ["build", "--root", str(root), "--out", str(tmp_path / "out")]):
        result = run(*command)
        assert result.returncode == 1, command
        assert "data/versions.yml:8:16" in result.stdout + result.stderr, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    assert not any("ESCAPED" in str(p) for p in tmp_path.rglob("*"))
