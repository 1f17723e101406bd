"""The render loop's shortcuts give what the long way gives.

The lexer against python-liquid's own, link slots against `rewrite_links`, the fast path
checks against the per-character rules, and the tree's per-tree caches forgotten when
what they depend on changes.
"""

from __future__ import annotations

import unicodedata
from functools import partial

import pytest
import yaml
from docs_fixture import CORPUS, make_tree, page
from hypothesis import given, settings
from hypothesis import strategies as st

from renderer.errors import RenderError
from renderer.liquid.internals import tokenize_template
from renderer.liquid.lexer import DocsLexer, docs_rules
from renderer.markdown import code, dialect
from renderer.markdown.links import LinkedHtml, LinkLocalizer, link_slots, rewrite_links
from renderer.markdown.renderer import MarkdownRenderer
from renderer.model import pages
from renderer.model.tree import DocsTree
from renderer.pipeline import render_page

FPT, GHES22 = "free-pro-team@latest", "enterprise-server@2.22"

PYTHON_LIQUID_LEXER = partial(tokenize_template, rules=docs_rules())
FAST_LEXER = DocsLexer()


def tokens(lexer, source: str):
    try:
        return list(lexer(source))
    except Exception as err:  # the same error, at the same place
        return (type(err).__name__, str(err))


# --- the template lexer ------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "", "plain", "plain\n", "\n", "a\n\n", "{% if x %}a{% endif %}", "{%- if x -%} a {%- endif -%}\n",
    "a {{ b }} c", "a {{- b -}} c\n", "{{ unclosed", "{% unclosed", "x {% if a {% endif %}", "{%%}", "{{}}",
    "{% raw %}{{ x }}{% endraw %}", "{% comment %}a {% if %} b{% endcomment %}c", "{% comment %}{% comment %}x"
    "{% endcomment %}{% endcomment %}y", "a{b}c{%-", "{% doc %}x{% enddoc %}", "{{{ x }}}", "{%- data a.b -%}\n\n",
    "  {{- x }}", "{", "x{", "{%", "%}", "}}{{", "line\n{% data x %}\n  more\n",
])
def test_lexer_gives_python_liquids_tokens(source):
    assert tokens(FAST_LEXER, source) == tokens(PYTHON_LIQUID_LEXER, source)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["{%", "{%-", "%}", "-%}", "{{", "{{-", "}}", "-}}", "-", " ", "\n", "\t", "\u3000", "a",
                                 "raw", "endraw", "comment", "endcomment", "if x", "endif", "{", "}", "%", "#", "doc",
                                 "enddoc"]), max_size=30))
def test_lexer_gives_python_liquids_tokens_for_any_mix(parts):
    source = "".join(parts)
    assert tokens(FAST_LEXER, source) == tokens(PYTHON_LIQUID_LEXER, source)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared 2020 corpus is not next to the repository")
def test_lexer_gives_python_liquids_tokens_for_the_corpus():
    sources = [p.read_text(encoding="utf-8") for folder in ("content", "data") for p in (CORPUS / folder).rglob("*.md")]
    assert len(sources) > 1000
    different = [s[:80] for s in sources if tokens(FAST_LEXER, s) != tokens(PYTHON_LIQUID_LEXER, s)]
    assert different == []


# --- links -------------------------------------------------------------------------------

HTML_SAMPLES = [
    '<p><a href="/actions/x">a</a> <a class="dotcom-only" href="/github/y#z">b</a></p>',
    '<a href="https://example.com/x">ext</a><a href="#anchor">in</a><a href="/enterprise/2.20/admin/x">old</a>',
    '<a\nhref="/a" title="t" href="/b">two</a><img src="/assets/x.png"> <a href="//apps/x">typo</a>',
    '<a href="/">root</a><a href="/en/actions">has a language</a><a href="/desktop">desktop</a> <a href="/x',
    "no links", "",
]


@pytest.mark.parametrize("html", HTML_SAMPLES)
@pytest.mark.parametrize("version", [FPT, GHES22])
def test_localized_slots_give_what_rewrite_links_gives(html, version):
    localizer = LinkLocalizer()
    linked = LinkedHtml.of(html)
    assert localizer.localize(linked, version) == rewrite_links(html, version)
    assert localizer.localize(linked, version) == rewrite_links(html, version)  # and from its cache
    padded = LinkedHtml.of(f"\n  {html}\n ").strip()
    assert localizer.localize(padded, version) == rewrite_links(html.strip(), version)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(['<a href="/x">', '<a class="dotcom-only" href="/y/z">', '<a href="/', "</a>", " ",
                                 'href="/q"', "<", ">", '"', "<a ", "text"]), max_size=12))
def test_link_slots_for_any_mix(parts):
    html = "".join(parts)
    assert LinkLocalizer().localize(LinkedHtml(html, link_slots(html)), GHES22) == rewrite_links(html, GHES22)


# --- highlighting ----------------------------------------------------------------------

def test_each_distinct_code_block_is_highlighted_once_per_renderer(monkeypatch):
    calls = []
    real = code.pygments_highlight
    monkeypatch.setattr(code, "pygments_highlight", lambda text, lexer, fmt: calls.append(text) or real(text, lexer, fmt))
    first = MarkdownRenderer()
    first.render("```yaml\na: 1\n```\n")
    first.render("Other text.\n\n```yaml\na: 1\n```\n")
    assert calls == ["a: 1\n"]
    MarkdownRenderer().render("```yaml\na: 1\n```\n")
    assert calls == ["a: 1\n", "a: 1\n"]  # the cache is the renderer's, not the process's


# --- fast paths ------------------------------------------------------------------------

def test_ascii_fast_paths_agree_with_the_per_character_rules():
    for number in range(128):
        char = f"a{chr(number)}b"
        assert (pages.page_path_problem(char) is None) == (not any(pages._unsafe_char(c) for c in char)), number
        control = unicodedata.category(chr(number)) in ("Cc", "Cf", "Zl", "Zp")
        assert bool(pages._ASCII_CONTROL.search(char)) == control, number


def alias_events(raw: str) -> int | None:
    """The first alias's index, from every YAML event (what the pre-check must never miss)."""
    try:
        for event in yaml.parse(raw, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark.index
    except yaml.YAMLError:
        return None
    return None


@pytest.mark.parametrize("frontmatter", [
    "a: &x 1\nb: *x\n", "a: &x 1\nb: [*x]\n", "a: &x 1\nb: {c: *x}\n", "a: &x 1\nb:\n  - *x\n", "a: &x 1\nb: [1,*x]\n",
    "a: &x {k: 1}\n<<: *x\n", "a: &x 1\nb: {c:*x}\n", "a: &x 1\nb: {\"c\":*x}\n", "*x: 1\n", "a: &x 1\nb: !!str *x\n",
    "a: 'x*y'\n", "a: x*y\n", "a: \"*\"\n", "versions: '*'\n", "a: - *x\n", "? *x\n: 1\n", "a:\t*x\n",
])
def test_frontmatter_alias_check_finds_what_yaml_finds(tmp_path, frontmatter):
    assert pages._first_alias_index(frontmatter) == alias_events(frontmatter)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", ":", " ", "\n", "*", "&", "x", "[", "]", "{", "}", ",", "-", "'", '"', "?", "!"]),
                max_size=20))
def test_frontmatter_alias_check_for_any_mix(parts):
    raw = "".join(parts)
    assert pages._first_alias_index(raw) == alias_events(raw)


def test_an_alias_in_frontmatter_is_refused(tmp_path):
    tree = make_tree(tmp_path, {"content/p.md": "---\ntitle: T\nversions: '*'\na: &x 1\nb: [*x]\n---\n"})
    with pytest.raises(RenderError, match="aliases are not allowed"):
        tree.page("p.md")


def test_a_quoted_star_is_no_alias(tmp_path):
    tree = make_tree(tmp_path, {"content/p.md": "---\ntitle: 'a *b'\nversions: {free-pro-team: '*'}\n---\n"})
    assert tree.page("p.md").versions == [FPT]


# --- what the tree keeps, and forgets ---------------------------------------------------

def test_link_targets_follow_pages_that_come_and_go(tmp_path):
    tree = make_tree(tmp_path, {"content/a/p.md": page("P", "{% link /a/q %}"), "content/a/q.md": page("Q", "")})
    assert 'href="/en/free-pro-team@latest/a/q">Q</a>' in render_page(tree, tree.page("a/p.md"), FPT).html
    (tmp_path / "content/a/q.md").write_text(page("Q2", ""), encoding="utf-8")
    tree.invalidate([tmp_path / "content/a/q.md"])
    assert ">Q2</a>" in render_page(tree, tree.page("a/p.md"), FPT).html
    (tmp_path / "content/a/q.md").unlink()
    tree.invalidate([tmp_path / "content/a/q.md"])
    assert "<a" not in render_page(tree, tree.page("a/p.md"), FPT).html


def test_includes_are_read_again_after_an_edit(tmp_path):
    tree = make_tree(tmp_path, {"content/p.md": page("P", "{% include note %}"), "includes/note.html": "one"})
    assert "one" in render_page(tree, tree.page("p.md"), FPT).html
    (tmp_path / "includes/note.html").write_text("two", encoding="utf-8")
    tree.invalidate([tmp_path / "includes/note.html"])
    assert "two" in render_page(tree, tree.page("p.md"), FPT).html


def test_map_topic_children_follow_the_index(tmp_path):
    index = page("Cat", "{% topic_link_in_list /t %}\n    {% link_in_list /one %}\n")
    files = {"content/c/index.md": index, "content/c/t.md": page("T", "", mapTopic="true"),
             "content/c/one.md": page("One", "", intro="first"), "content/c/two.md": page("Two", "", intro="second")}
    tree = make_tree(tmp_path, files)
    assert "One" in render_page(tree, tree.page("c/t.md"), FPT).html
    (tmp_path / "content/c/index.md").write_text(index.replace("/one", "/two"), encoding="utf-8")
    tree.invalidate([tmp_path / "content/c/index.md"])
    html = render_page(tree, tree.page("c/t.md"), FPT).html
    assert "Two" in html and "One" not in html


def test_content_reached_through_a_symlink_still_keeps_pages_inside_it(tmp_path):
    real = tmp_path / "elsewhere"
    (real / "a").mkdir(parents=True)
    (real / "a" / "p.md").write_text(page("P", "inside"), encoding="utf-8")
    (tmp_path / "secret.md").write_text(page("S", "secret"), encoding="utf-8")
    (real / "a" / "leak.md").symlink_to(tmp_path / "secret.md")
    root = tmp_path / "root"
    root.mkdir()
    (root / "content").symlink_to(real)  # content/ resolved once, when the tree is made
    tree = DocsTree(root)
    assert "inside" in render_page(tree, tree.page("a/p.md"), FPT).html
    assert tree.page("a/leak.md") is None
    errors: list[RenderError] = []
    assert [p.relpath for p in tree.all_pages(errors)] == ["a/p.md"]
    assert "outside content/" in errors[0].message


# --- the 2020 dialect's pre-checks -----------------------------------------------------

class AlwaysFound:
    """Stands in for a pre-check's pattern: the shape is always said to be there."""

    def __init__(self, pattern):
        self.pattern = pattern

    def search(self, text):
        return True

    match = search

    def __getattr__(self, name):  # what the rewrite itself uses of the pattern
        return getattr(self.pattern, name)


def without_prechecks(monkeypatch):
    for name in ("_LATER_TOP_ORDERED_ITEM", "_LATER_INDENTED_RULE", "_INDENTED_FENCE_MARKER",
                 "_LATER_INDENTED_FENCE_MARKER", "_RAW_HEADING", "_LATER_SPACES_LINE"):
        monkeypatch.setattr(dialect, name, AlwaysFound(getattr(dialect, name)))
    monkeypatch.setattr(dialect, "_step_under_text", lambda text: True)


DIALECT_LINE = st.tuples(
    st.sampled_from(["", " ", "  ", "   ", "    ", "\t"]),
    st.sampled_from(["", "1. ", "2. ", "10. ", "3) ", "- ", "* ", "```", "```shell", "~~~", "---", "<div>", "</div>",
                     "<pre>", "</pre>", "<h2>", "<!-- c -->", "<p>"]),
    st.sampled_from(["", "text", "x. y", " ", "`", "</h2>", "\r", "\u00a0"]),
).map("".join)
DIALECT_FUNCTIONS = ["close_list_fences", "indent_two_space_continuations", "rule_not_heading", "join_html_blocks",
                     "separate_numbered_steps", "mark_raw_headings", "prepare_2020_markdown"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(DIALECT_LINE, max_size=12).map("\n".join))
def test_dialect_prechecks_only_skip_texts_that_would_not_change(text):
    with pytest.MonkeyPatch.context() as patch:
        without_prechecks(patch)
        unchecked = [getattr(dialect, name)(text) for name in DIALECT_FUNCTIONS]
    assert [getattr(dialect, name)(text) for name in DIALECT_FUNCTIONS] == unchecked
