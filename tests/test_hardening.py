"""Hostile and broken input: every mistake becomes a located RenderError, quickly.

Covers recursion (reusables including themselves), YAML alias bombs, data paths that
try to leave data/ and reusables/ (including through symlinks), output size and
nesting limits, and `render check` on the same inputs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from docs_fixture import time_limit, versions_yaml

from renderer.check import run_check
from renderer.errors import RenderError
from renderer.model.tree import DocsTree
from renderer.pipeline import render_page

REPO_ROOT = Path(__file__).resolve().parents[1]
VERSIONS_YML = versions_yaml("2.22")
SECRET = "TOP-SECRET-DO-NOT-RENDER"




def make_root(tmp_path: Path, body: str, reusables: dict[str, str] | None = None,
              frontmatter: str = "title: Page\nversions: '*'\n") -> Path:
    root = tmp_path / "docs"
    (root / "content").mkdir(parents=True)
    (root / "data" / "variables").mkdir(parents=True)
    (root / "data" / "versions.yml").write_text(VERSIONS_YML)
    (root / "data" / "variables" / "product.yml").write_text("name: Octo\n")
    (root / "reusables").mkdir()
    (root / "content" / "index.md").write_text(f"---\n{frontmatter}---\n{body}")
    for name, text in (reusables or {}).items():
        file = root / "reusables" / f"{name}.md"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
    return root


def render_error(root: Path, version: str = "free-pro-team@latest") -> RenderError:
    """Render content/index.md and return the RenderError it must raise."""
    tree = DocsTree(root)
    with pytest.raises(RenderError) as info:
        page = tree.page("index.md")
        render_page(tree, page, version)
    err = info.value
    assert err.file and err.line, f"error not located: {err!r}"
    return err


def assert_located(errors):
    for err in errors:
        assert err.file and err.line and err.column, f"not located: {err}"


# --- recursion ---------------------------------------------------------------------


def test_reusable_including_itself(tmp_path):
    root = make_root(tmp_path, "Text {% data reusables.x.self %}\n", {"x/self": "again {% data reusables.x.self %}"})
    with time_limit(10):
        err = render_error(root)
    assert "reusable includes itself: reusables.x.self -> reusables.x.self" in err.message
    assert err.file == "reusables/x/self.md" and (err.line, err.column) == (1, 15)
    assert err.chain == ("content/index.md:5",)


def test_reusable_cycle_through_a_chain_names_the_chain(tmp_path):
    root = make_root(tmp_path, "{% data reusables.c.a %}\n", {
        "c/a": "A {% data reusables.c.b %}",
        "c/b": "B\n{% data reusables.c.c %}",
        "c/c": "C {% if true %}{% data reusables.c.a %}{% endif %}",
    })
    with time_limit(10):
        err = render_error(root)
    assert "reusables.c.a -> reusables.c.b -> reusables.c.c -> reusables.c.a" in err.message
    assert err.file == "reusables/c/c.md"
    assert err.chain == ("content/index.md:5", "reusables/c/a.md:1", "reusables/c/b.md:2")
    with time_limit(20):
        problems = run_check(DocsTree(root)).problems
    assert any("includes itself" in p.message and p.line for p in problems)


def test_long_chain_of_distinct_reusables_hits_the_depth_limit_located(tmp_path):
    reusables = {f"deep/l{i}": f"{i} {{% data reusables.deep.l{i + 1} %}}" for i in range(1, 200)}
    reusables["deep/l200"] = "bottom"
    root = make_root(tmp_path, "{% data reusables.deep.l1 %}\n", reusables)
    with time_limit(10):
        err = render_error(root)
    assert "depth" in err.message or "nests too deeply" in err.message
    assert err.file.startswith("reusables/deep/")


# --- YAML --------------------------------------------------------------------------

ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_alias_bomb_in_frontmatter_is_rejected_quickly(tmp_path):
    root = make_root(tmp_path, "Body\n", frontmatter="title: Bomb\nversions: '*'\n" + ALIAS_BOMB)
    with time_limit(5):
        with pytest.raises(RenderError) as info:
            DocsTree(root).page("index.md")
        problems = run_check(DocsTree(root)).problems
    assert "alias" in info.value.message.lower()
    assert info.value.file == "content/index.md" and info.value.line == 5
    assert [(p.kind, p.line) for p in problems] == [("frontmatter", 5)]


def test_yaml_alias_bomb_in_a_variables_file_is_a_located_error(tmp_path):
    # Was: the bomb loaded (aliases share one object) and `variables.bomb.name` rendered.
    # Now the file is refused: through `site.data` a template could print all 9^9 items.
    root = make_root(tmp_path, "{% data variables.bomb.name %}\n")
    (root / "data" / "variables" / "bomb.yml").write_text("name: fine\n" + ALIAS_BOMB)
    with time_limit(10):
        tree = DocsTree(root)
        with pytest.raises(RenderError) as info:
            render_page(tree, tree.page("index.md"), "free-pro-team@latest")
        report = run_check(DocsTree(root))
    assert info.value.file == "data/variables/bomb.yml" and info.value.line == 7
    assert "aliases expand" in info.value.message
    errors = [p for p in report.problems if p.severity == "error"]
    assert errors and all(p.file == "data/variables/bomb.yml" and p.line == 7 for p in errors)


def test_broken_yaml_in_a_variables_file_is_located(tmp_path):
    root = make_root(tmp_path, "{% data variables.broken.name %}\n")
    (root / "data" / "variables" / "broken.yml").write_text("name: ok\nother: [unclosed\n")
    err = render_error(root)
    assert err.file == "data/variables/broken.yml" and err.line
    problems = run_check(DocsTree(root)).problems
    assert problems and all(p.file == "data/variables/broken.yml" and p.line for p in problems)


# --- paths out of the tree -----------------------------------------------------------


@pytest.mark.parametrize("path", [
    "../../etc/passwd", "/etc/passwd", "reusables/../../etc/passwd", "reusables.x/../../y",
    "variables..product", "reusables.%2e%2e.secret", "..", "variables.product.name/../../x",
])
def test_data_paths_outside_the_tree_are_rejected(tmp_path, path):
    root = make_root(tmp_path, f"before\n{{% data {path} %}}\n")
    (tmp_path / "secret.md").write_text(SECRET)
    err = render_error(root)
    assert (err.file, err.line, err.column) == ("content/index.md", 6, 9)
    assert SECRET not in str(err)


def test_symlinks_pointing_out_of_the_tree_are_rejected(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(SECRET)
    (outside / "secret.yml").write_text(f"name: {SECRET}\n")
    root = make_root(tmp_path, "x\n")
    (root / "reusables" / "leak.md").symlink_to(outside / "secret.md")
    (root / "reusables" / "leakdir").symlink_to(outside)
    (root / "data" / "variables" / "leak.yml").symlink_to(outside / "secret.yml")
    for ref in ("reusables.leak", "reusables.leakdir.secret", "variables.leak.name"):
        (root / "content" / "index.md").write_text(f"---\ntitle: T\nversions: '*'\n---\n{{% data {ref} %}}\n")
        err = render_error(root)
        assert (err.file, err.line) == ("content/index.md", 5), ref
        assert SECRET not in str(err)
    report = run_check(DocsTree(root))
    assert any(p.file == "reusables/leak.md" for p in report.problems)
    assert all(SECRET not in p.message for p in report.problems)


def test_page_symlink_out_of_content_is_not_read(tmp_path):
    root = make_root(tmp_path, "x\n")
    outside = tmp_path / "outside.md"
    outside.write_text(f"---\ntitle: {SECRET}\nversions: '*'\n---\n{SECRET}\n")
    (root / "content" / "leak.md").symlink_to(outside)
    tree = DocsTree(root)
    assert tree.page("leak.md") is None
    assert tree.find_page("../outside") is None
    report = run_check(tree)
    assert all(SECRET not in p.message for p in report.problems)


# --- size and nesting limits ---------------------------------------------------------


def test_fan_out_reusables_hit_the_output_limit_not_memory(tmp_path):
    # Each level includes the next ten times, eight levels deep: 10^8 copies of the leaf.
    reusables = {f"fan/l{i}": f"{{% data reusables.fan.l{i + 1} %}}" * 10 for i in range(1, 8)}
    reusables["fan/l8"] = "0123456789" * 10
    root = make_root(tmp_path, "{% data reusables.fan.l1 %}\n", reusables)
    with time_limit(20):
        err = render_error(root)
    assert "limit" in err.message
    assert err.file.startswith("reusables/fan/") or err.file == "content/index.md"


def test_deeply_nested_blocks_hit_the_nesting_limit(tmp_path):
    root = make_root(tmp_path, "{% if x %}" * 200 + "deep" + "{% endif %}" * 200 + "\n")
    with time_limit(10):
        err = render_error(root)
    assert "nesting" in err.message and err.line == 5
    with time_limit(10):
        problems = run_check(DocsTree(root)).problems
    assert [p.kind for p in problems] == ["liquid"] and problems[0].line == 5


def test_many_unclosed_tags_and_huge_lines_stay_fast(tmp_path):
    huge = "word " * 400_000  # a 2 MB line
    root = make_root(tmp_path, "{% if currentVersion %}" * 30 + "\n" + huge + "\n{% data variables.product.name %}\n")
    with time_limit(20):
        err = render_error(root)
    assert err.line == 5
    root2 = make_root(tmp_path / "2", huge + "\n" + "{" * 50_000 + "%" * 50_000 + "}" * 50_000 + "\n")
    with time_limit(30):
        tree = DocsTree(root2)
        try:
            render_page(tree, tree.page("index.md"), "free-pro-team@latest")
        except RenderError as exc:
            assert exc.file and exc.line
        run_check(tree)


def test_huge_frontmatter_is_rejected(tmp_path):
    root = make_root(tmp_path, "x\n", frontmatter="title: T\nversions: '*'\nintro: '" + "x" * 200_000 + "'\n")
    with pytest.raises(RenderError) as info:
        DocsTree(root).page("index.md")
    assert info.value.line == 1


def test_render_check_on_a_hostile_tree_reports_and_exits_1(tmp_path):
    """Everything at once through the CLI: no traceback, located lines, exit 1."""
    root = make_root(tmp_path, "{% data reusables.c.a %}\n{% data ../../etc/passwd %}\n{% if x %}" * 3, {
        "c/a": "{% data reusables.c.a %}",
        "broken": "{% if %}",
    })
    (root / "content" / "bomb.md").write_text("---\ntitle: B\nversions: '*'\n" + ALIAS_BOMB + "---\nx\n")
    result = subprocess.run([sys.executable, "-m", "renderer", "check", "--root", str(root)],
                            capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stdout.splitlines() if not line.startswith("render check:")]
    assert lines and all(line.split(":")[1].isdigit() for line in lines), lines


# --- file-system oddities ------------------------------------------------------------


@pytest.mark.parametrize("tag", ["{% link /NAME %}", "{% link_in_list /a/NAME %}", "{% data reusables.NAME %}",
                                 "{% data variables.NAME.x %}", "{% include NAME %}", "[x](/NAME)"])
def test_names_too_long_for_the_file_system_are_errors_not_crashes(tmp_path, tag):
    root = make_root(tmp_path, "intro\n" + tag.replace("NAME", "x" * 300) + "\n")
    tree = DocsTree(root)
    page = tree.page("index.md")
    try:
        rendered = render_page(tree, page, "free-pro-team@latest")
    except RenderError as err:
        assert (err.file, err.line) == ("content/index.md", 6)
    else:
        assert rendered.warnings or tag.startswith("[x]")  # a link tag to nowhere warns
    problems = run_check(tree).problems
    assert problems and all(p.file and p.line for p in problems)


def test_files_that_are_not_utf8_are_located_errors(tmp_path):
    root = make_root(tmp_path, "{% data reusables.enc.bad %}\n")
    (root / "reusables" / "enc").mkdir()
    (root / "reusables" / "enc" / "bad.md").write_bytes(b"fine line\nbad \xff byte {% data variables.product.name %}\n")
    (root / "content" / "latin1.md").write_bytes(b"---\ntitle: Caf\xe9\nversions: '*'\n---\nx\n")
    (root / "data" / "variables" / "enc.yml").write_bytes(b"name: caf\xe9\n")
    tree = DocsTree(root)
    with pytest.raises(RenderError) as info:
        tree.page("latin1.md")
    assert (info.value.file, info.value.line, info.value.column) == ("content/latin1.md", 2, 11)
    assert "UTF-8" in info.value.message
    err = render_error(root)
    assert (err.file, err.line, err.column) == ("reusables/enc/bad.md", 2, 5)
    report = run_check(DocsTree(root))
    located = {(p.file, p.line) for p in report.problems}
    assert {("content/latin1.md", 2), ("reusables/enc/bad.md", 2), ("data/variables/enc.yml", 1)} <= located


def test_expression_nesting_that_overflows_the_parser_is_located(tmp_path):
    root = make_root(tmp_path, "first\n{{ x" + "[" * 5000 + " }}\n")
    with time_limit(10):
        err = render_error(root)
    assert err.message == "expression nests too deeply to parse"
    assert err.file == "content/index.md" and err.line == 5  # the template start: the parser gave no position
    problems = run_check(DocsTree(root)).problems
    assert [(p.kind, p.line, p.message) for p in problems] == [("liquid", 5, "expression nests too deeply to parse")]


@pytest.mark.parametrize("lang", ["yaml", "python", "shell"])
def test_huge_code_blocks_do_not_stall_the_highlighter(tmp_path, lang):
    # Pygments' lexers are superlinear on very long lines: 100 kB of '% ' took ~70 s in YAML.
    root = make_root(tmp_path, f"```{lang}\nkey: " + "% " * 50_000 + "\n```\n\n```{lang}\n" + ("x = '%'\n" * 10_000) + "```\n")
    tree = DocsTree(root)
    with time_limit(10):
        html = render_page(tree, tree.page("index.md"), "free-pro-team@latest").html
    assert html.count("<pre><code") == 2 and "% % %" in html


@pytest.mark.parametrize("body", ["[`", "See [the `flag", "x [`\n\nmore text\n", "- [`item\n- two\n"])
def test_markdown_backend_panics_do_not_escape(tmp_path, body):
    # markdown-it-pyrs 0.4 panics (a PanicException, which is a BaseException) on '[' then an
    # unclosed backtick; a writer's typo must not take down render, check, build or serve.
    root = make_root(tmp_path, body)
    tree = DocsTree(root)
    rendered = render_page(tree, tree.page("index.md"), "free-pro-team@latest")
    assert "`" in rendered.html or "<code>" in rendered.html
    assert [p for p in run_check(DocsTree(root)).problems if p.severity == "error"] == []


@pytest.mark.parametrize("tail", ["{% a" + "b" * 30_000, "text {%" + "x" * 30_000, "{% if" + "y" * 30_000 + " more words"])
def test_unclosed_tag_before_a_long_word_is_fast(tmp_path, tail):
    # python-liquid's tag rule backtracks the tag name into the expression: an unclosed
    # `{%` followed by a 30,000-letter word took minutes in its lexer (a C regex that no
    # alarm can interrupt).
    root = make_root(tmp_path, "Intro.\n\n" + tail + "\n")
    with time_limit(10):
        err = render_error(root)
        problems = run_check(DocsTree(root)).problems
    assert err.message == "missing tag name or closing delimiter"
    assert (err.line, err.column) == (7, tail.index("{%") + 1)
    assert [(p.kind, p.line) for p in problems] == [("liquid", 7)]


def test_many_unclosed_anchor_tags_do_not_stall_the_link_check(tmp_path):
    root = make_root(tmp_path, "<p>" + "<a " * 30_000 + "</p>\n\n[ok](/)\n")
    with time_limit(10):
        report = run_check(DocsTree(root))
    assert [p for p in report.problems if p.severity == "error"] == []
