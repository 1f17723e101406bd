"""GitHub's 2020 dialect: each shape the 2020 engine read differently from CommonMark.

Every fixture is written in the shape found in GitHub's 2020 docs (indentation, markers,
placement), with text of its own.
"""

from __future__ import annotations

import re

import pytest
from docs_fixture import make_tree, page

from renderer.errors import RenderError
from renderer.markdown.renderer import MarkdownRenderer
from renderer.pipeline import render_page

FPT = "free-pro-team@latest"
BACKENDS = ["pyrs", "py"]


def md(text: str, backend: str = "pyrs", lenient: bool = False) -> str:
    return MarkdownRenderer(backend, lenient=lenient).render(text)


def body_html(tmp_path, body: str, *, lenient: bool = False, files: dict | None = None) -> str:
    tree = make_tree(tmp_path, {"content/a/p.md": page("P", body), **(files or {})}, lenient=lenient)
    return render_page(tree, tree.page("a/p.md"), FPT).html


# --- fences inside list items ----------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_fence_closed_with_less_indentation_inside_a_list_item(backend):
    html = md("1. Open a shell.\n2. Make a file.\n   ```shell\n   $ make it\n  ```\n\n"
              "Then read on.\n\n```shell\n$ more\n```\n\n### Next part\n", backend)
    assert re.search(r"<li>(?:\n<p>)?Make a file\.(?:</p>)?\s*<pre><code", html) and "make" in html
    assert "<p>Then read on.</p>" in html
    assert '<h3 id="next-part">' in html  # not swallowed by a fence left open


def test_fence_under_a_two_digit_step_with_two_space_lines():
    html = md("10. Append the file.\n\n    ```shell\n  cat a >> b\n  ```\n\n11. Next step.\n")
    assert html.count("<li>") == 2 and "&gt;&gt;" in html and '<ol start="10">' in html
    assert re.search(r"Append the file\.</p>\n<pre><code", html)
    assert "```" not in html


def test_closing_fence_with_text_after_it_closes_inside_a_step():
    html = md("5. Merge.\n  ```shell\n  $ git merge\n  ``` If nothing else changed, Git fast-forwards:\n"
              "  ```shell\n  $ git merge ff\n  ```\n")
    assert html.count("<pre>") == 2 and "If nothing else changed, Git fast-forwards:" in html
    assert "```" not in html


def test_pre_block_under_a_two_space_step_keeps_its_blank_lines():
    html = md("1. A query:\n\n  <pre>query {\n    field\n\n    other\n  }</pre>\n\n2. Next.\n")
    assert "<pre>query {\n  field\n\n  other\n}</pre>" in html
    assert html.count("<li>") == 2 and "<code>" not in html


# --- numbered lines ---------------------------------------------------------------------

def test_numbered_line_after_a_paragraph_starts_a_step_only_inside_a_list():
    inside = md("1. First.\n   See the image.\n6. Sixth.\n")
    assert inside.count("<li>") == 2
    outside = md("1. Only step.\n\nA closing paragraph.\n7. Not a step.\n")
    assert outside.count("<li>") == 1 and "A closing paragraph.\n7. Not a step.</p>" in outside


# --- emphasis as remark read it -------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("** Note:** Read this.", "<p><strong> Note:</strong> Read this.</p>"),
    ("| a | [** q:&gt;9**](https://example.com/s) b |\n|---|---|\n",
     '<a href="https://example.com/s"><strong> q:&gt;9</strong></a> b'),
    ("Usage = total* <br> <br> *Excluded from it.", "Usage = total<em> <br> <br> </em>Excluded from it."),
    ("Grants: <br/>* read <br/>* mark <br/>* watch", "Grants: <br/><em> read <br/></em> mark <br/>* watch"),
    ("plain **bold** and *em* stay", "plain <strong>bold</strong> and <em>em</em> stay"),
    ("a lone * star", "a lone * star"),
])
@pytest.mark.parametrize("backend", BACKENDS)
def test_stray_emphasis_markers_pair_as_remark_paired_them(text, expected, backend):
    assert expected in md(text, backend)


def test_escaped_asterisks_are_never_paired():
    html = md("use a\\* wildcard and b\\* too, or `c\\*`")
    assert "use a* wildcard and b* too, or <code>c\\*</code>" in html and "<em>" not in html


def test_markers_in_code_are_left_alone():
    assert "<code>** x**</code>" in md("`** x**`")
    assert "** y**" in md("```\n** y**\n```")


# --- emoji, titles, headings, bare URLs ------------------------------------------------------

def test_emoji_shortcodes_become_emoji_outside_code():
    html = md("Thumbs up (:+1:) and :tada:, not `:+1:` nor :no_such_emoji_here:")
    assert "Thumbs up (\U0001F44D) and \U0001F389," in html
    assert "<code>:+1:</code>" in html and ":no_such_emoji_here:" in html


def test_markdown_in_titles_reads_as_text(tmp_path):
    tree = make_tree(tmp_path, {
        "content/a/t.md": page("'Using `tool` with **care** &amp; :+1:'", "x"),
        "content/a/p.md": page("P", "{% link_in_list /a/t %}"),
    })
    assert render_page(tree, tree.page("a/t.md"), FPT).title == "Using tool with care & \U0001F44D"
    linked = render_page(tree, tree.page("a/p.md"), FPT).html
    assert ">Using tool with care &amp; \U0001F44D</a>" in linked
    markdown = MarkdownRenderer()
    assert markdown.render_plain("A <tag> in `<code>` *here*") == "A <tag> in <code> here"  # `<` is text in titles


def test_raw_html_headings_get_no_id():
    html = md('<div class="hero">\n  <h1>Big<br />\n  title</h1>\n</div>\n\n# Markdown heading\n\n`<h2>` in code\n')
    assert "  <h1>Big<br />\n  title</h1>" in html
    assert '<h1 id="markdown-heading"><a href="#markdown-heading">Markdown heading</a></h1>' in html
    assert "<code>&lt;h2&gt;</code>" in html and "data-raw" not in html


def test_bare_urls_gfm_refuses_are_linked():
    html = md("Browse to https://[hostname]/actions.")
    assert '<a href="https://%5Bhostname%5D/actions">https://[hostname]/actions</a>.' in html
    assert md("see https://example.com now").count("<a ") == 1


# --- code blocks in --lenient -----------------------------------------------------------------

def test_lenient_code_tags_escape_in_highlighted_languages_and_pass_in_shell():
    yaml_html = md("```yaml\nif: ${{ <expression> }}\n```", lenient=True)
    assert "&lt;expression&gt;" in yaml_html
    shell_html = md("```shell\n$ git add <file>\n```", lenient=True)
    assert "<file>" in shell_html


def test_shell_fence_inside_indented_code_shows_its_html_in_lenient_mode():
    source = "Send this:\n\n    ```shell\n    curl -d '{\n    \t\"a\": 1\n    }'\n    ```\n"
    html = md(source, lenient=True)
    assert '<pre><code>&lt;pre&gt;&lt;code class="hljs language-shell"&gt;curl -d \'{\n    "a": 1\n}\'&lt;/code&gt;' in html
    assert "<pre><code>```ruby\nputs 1\n```" in md("Other:\n\n    ```ruby\n    puts 1\n    ```\n", lenient=True)
    assert "```shell" in md(source)  # strict mode shows the text as written


def test_output_statement_with_trailing_operator_in_a_code_block(tmp_path):
    body = "```yaml\nif: ${{ github.event_name == 'pull_request' }}\n```\n"
    html = body_html(tmp_path / "lenient", body, lenient=True)
    assert re.search(r"if</span>.*\$</span>\n</code>", html)  # `$` and the (empty) leading value
    with pytest.raises(RenderError) as info:
        body_html(tmp_path / "strict", body)
    assert (info.value.line, info.value.column) == (6, 27) and "==" in str(info.value)


def test_fence_right_after_a_platform_tag_is_code(tmp_path):
    html = body_html(tmp_path, "{% linux %}\n```shell\nsudo ./run.sh\n```\n{% endlinux %}\n")
    assert '<div class="extended-markdown linux">\n<pre><code class="hljs language-shell">' in html
    assert "```" not in html


# --- Liquid forms of the 2020 engine -----------------------------------------------------------

def test_liquid_forms_the_2020_engine_accepted(tmp_path):
    html = body_html(tmp_path, (
        "{% comment %}a {% data nope %} and {% if %}{% endcomment %}kept\n\n"
        "1. Step\n{% indented_data_reference site.data.reusables.steps.more spaces=3 %}\n\n"
        "{% for g in site.data.glossaries.external %}- {% data glossaries.external[forloop.index0].term %}\n{% endfor %}"
    ), files={
        "reusables/steps/more.md": "More text.\n\n![shot](/assets/x.png)",
        "data/glossaries/external.yml": "- term: alpha\n  description: first\n- term: beta\n  description: second\n",
    })
    assert "<p>kept</p>" in html and "nope" not in html
    assert "<li>\n<p>Step\nMore text.</p>\n<p><img" in html  # the reusable's lines belong to the step
    assert "<li>alpha</li>\n<li>beta</li>" in html


def test_unknown_tags_stay_located_errors(tmp_path):
    with pytest.raises(RenderError) as info:
        body_html(tmp_path, "ok\n{% frobnicate x %}\n", lenient=True)
    assert (info.value.file, info.value.line, info.value.column) == ("content/a/p.md", 6, 4)
