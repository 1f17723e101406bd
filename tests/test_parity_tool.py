"""Tests for renderer.parity: extraction, comparison, loading and the CLI."""

from __future__ import annotations

import gzip
import html as html_lib
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from renderer import parity
from renderer.parity import ASPECTS, Extract, compare, extract, load_renders, main

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE = REPO_ROOT.parent / "shared/corpora/github-docs-2020-10/reference-renders.jsonl.gz"
needs_reference = pytest.mark.skipif(
    not REFERENCE.exists(), reason=f"reference corpus not available at {REFERENCE}"
)

V = "free-pro-team@latest"


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def render(path: str = "a.md", html: str = "", title: str = "T", version: str = V, intro: str = "") -> dict:
    """One render record as exported by the engine."""
    return {"version": version, "path": path, "title": title, "intro": intro, "html": html}


def renders(*records: dict) -> dict:
    """Key records by (version, path) like load_renders does."""
    return {(r["version"], r["path"]): r for r in records}


def write_jsonl(path: Path, records: list[dict], gz: bool = False) -> Path:
    """Write records as JSON lines, optionally gzip-compressed."""
    text = "".join(json.dumps(r) + "\n" for r in records)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as stream:
            stream.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


BLOCK_TAGS = frozenset(
    "p div li ul ol pre table thead tbody tr td th h1 h2 h3 h4 h5 h6 blockquote br hr dl dt dd".split()
)


class _Oracle(HTMLParser):
    """Slow but obviously-correct html.parser implementation of extract()."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str, str]] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.hidden = 0
        self.heading: list | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in BLOCK_TAGS:
            self.text.append(" ")
        values: dict[str, str] = {}
        for name, value in attrs:
            values.setdefault(name, value or "")
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading = [int(tag[1]), values.get("id", ""), []]
        elif tag == "a" and "href" in values:
            heading_id = self.heading[1] if self.heading else ""
            if not (heading_id and values["href"] == "#" + heading_id):
                self.hrefs.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.text.append(" ")
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.heading:
            level, heading_id, parts = self.heading
            self.headings.append((level, heading_id, " ".join("".join(parts).split())))
            self.heading = None

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.text.append(data)
            if self.heading:
                self.heading[2].append(data)


def oracle(html: str) -> Extract:
    """Extract via html.parser, for cross-checking the regex extractor."""
    parser = _Oracle()
    parser.feed(html)
    parser.close()
    return Extract(parser.headings, parser.hrefs, " ".join("".join(parser.text).split()))


# --------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------

HEADING_CASES = [
    pytest.param(
        '<h3 id="about-actions"><a href="#about-actions">About actions</a></h3>',
        [(3, "about-actions", "About actions")],
        id="self-link",
    ),
    pytest.param(
        '<h3 id="x" class="pt-3">\n  Before <a href="#x">mid</a>  after\n</h3>',
        [(3, "x", "Before mid after")],
        id="text-around-self-link",
    ),
    pytest.param("<h4>Plain <em>emph</em></h4>", [(4, "", "Plain emph")], id="no-id"),
    pytest.param(
        '<h4 id="a"><a href="#a"><strong><code>foo</code></strong> bar</a></h4>',
        [(4, "a", "foo bar")],
        id="nested-tags",
    ),
    pytest.param(
        '<h2 id="q&amp;a"><a href="#q&amp;a">Q&amp;A &quot;x&quot; &#x2192;</a></h2>',
        [(2, "q&a", 'Q&A "x" \u2192')],
        id="entities",
    ),
    pytest.param('<H2 ID="up">Up</H2>', [(2, "up", "Up")], id="uppercase"),
    pytest.param("<h5 id='single'>S</h5><h6 id=bare>B</h6>", [(5, "single", "S"), (6, "bare", "B")],
                 id="quoting"),
    pytest.param(
        '<h1 id="a">A</h1><p>x</p><h2 id="b">B</h2><h3>C</h3>',
        [(1, "a", "A"), (2, "b", "B"), (3, "", "C")],
        id="sequence",
    ),
    pytest.param("<header>not a heading</header><hr><h3>H<!-- c --></h3>", [(3, "", "H")],
                 id="header-hr-comment"),
]


@pytest.mark.parametrize("html, expected", HEADING_CASES)
def test_extract_headings(html: str, expected: list) -> None:
    assert extract(html).headings == expected


HREF_CASES = [
    pytest.param('<h3 id="x"><a href="#x">X</a></h3>', [], id="self-link-excluded"),
    pytest.param(
        '<h5 id="h">See <a href="https://x.test/readme">docs</a></h5>',
        ["https://x.test/readme"],
        id="other-link-in-heading-kept",
    ),
    pytest.param(
        '<h3 id="a"><a href="#b">wrong</a></h3><p><a href="#a">back to a</a></p>',
        ["#b", "#a"],
        id="anchor-not-to-enclosing-heading-kept",
    ),
    pytest.param('<h3><a href="#">x</a></h3>', ["#"], id="heading-without-id"),
    pytest.param(
        '<p><a href="/1">1</a> <a name="n">no href</a> <A HREF="/2">2</A></p>'
        '<h3 id="s"><a href="#s"></a><a href="/3">3</a></h3><a href="/4">4</a>',
        ["/1", "/2", "/3", "/4"],
        id="document-order",
    ),
    pytest.param('<a href="/search?q=a&amp;b=c">s</a>', ["/search?q=a&b=c"], id="entity-in-href"),
    pytest.param(
        '<!-- <a href="/c">c</a> --><script>"<a href=\'/s\'>"</script><a href="/k">k</a>',
        ["/k"],
        id="comment-and-script-ignored",
    ),
    pytest.param('<a title="a > b" href="/gt">t</a>', ["/gt"], id="quoted-gt-in-attribute"),
    pytest.param('<abbr href="/no">x</abbr><area href="/no">', [], id="other-tags-ignored"),
    pytest.param('<a href="">empty</a><a href>bare</a>', ["", ""], id="empty-href"),
]


@pytest.mark.parametrize("html, expected", HREF_CASES)
def test_extract_hrefs(html: str, expected: list) -> None:
    assert extract(html).hrefs == expected


TEXT_CASES = [
    pytest.param(
        "<p>You&apos;d &lt;b&gt; &amp;amp; &#x2192; &copy; &#39;</p>",
        "You'd <b> &amp; \u2192 \u00a9 '",
        id="entities",
    ),
    pytest.param("<p>  a\n\n b\t</p>\n<p>c</p>  ", "a b c", id="whitespace-collapsed"),
    pytest.param("<td>a</td><td>b</td>", "a b", id="block-boundaries-are-spaces"),
    pytest.param("<li>x<pre><code>y</code></pre></li>", "x y", id="pre-in-tight-list-item"),
    pytest.param("<p>a<em>b</em>c</p>", "abc", id="inline-tags-joined"),
    pytest.param(
        '<p>x</p><script>var a = "<p>no</p>";</script><style>p { color: red }</style>'
        "<SCRIPT type='x'>no</SCRIPT><p>y</p>",
        "x y",
        id="script-style-ignored",
    ),
    pytest.param("<p>a<!-- hidden <b>x</b> -->b</p>", "ab", id="comment-ignored"),
    pytest.param("<p>a < b and c <= d</p>", "a < b and c <= d", id="stray-lt"),
    pytest.param("<p>ssh <username>@host</p>", "ssh @host", id="unknown-tag-stripped"),
    pytest.param(
        '<div><ul><li><strong>A</strong> <em>b</em></li></ul><img alt="alt" src="x.png"></div>',
        "A b",
        id="nested-and-void",
    ),
    pytest.param('<h3 id="i"><a href="#i">Head</a></h3>\n<p>Body</p>', "Head Body", id="heading-text"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize("html, expected", TEXT_CASES)
def test_extract_text(html: str, expected: str) -> None:
    assert extract(html).text == expected


ALL_FIXTURES = [case.values[0] for case in HEADING_CASES + HREF_CASES + TEXT_CASES]


@pytest.mark.parametrize("html", ALL_FIXTURES)
def test_extract_agrees_with_html_parser(html: str) -> None:
    assert extract(html) == oracle(html)


@pytest.mark.parametrize(
    "text",
    ["&amp;lt;", "&ampquot;", "&lt", "&#39;&#x27;", "a&b", "&amp;amp;", "&notit;", "&quot&amp;x",
     "&#0;", "&#x110000;", "plain", "&Amp;&GT;", "&amp&lt;"],
)
def test_unescape_matches_stdlib(text: str) -> None:
    assert parity.unescape(text) == html_lib.unescape(text)


MALFORMED_CASES = [
    pytest.param("<h3>open <a href='/a'>a</a><h4>B</h4>", [(4, "", "B")], ["/a"], "open a B",
                 id="unclosed-heading-skipped"),
    pytest.param("<h2>A</h3>", [(2, "", "A")], [], "A", id="any-heading-end-tag-closes"),
    pytest.param("<p>a</p><!-- never closed <a href='/x'>", [], [], "a", id="unclosed-comment"),
    pytest.param("<p>a</p><script>if (a<b) { x('<a href=/s>') }", [], [], "a", id="unclosed-script"),
]


@pytest.mark.parametrize("html, headings, hrefs, text", MALFORMED_CASES)
def test_extract_malformed_markup(html: str, headings: list, hrefs: list, text: str) -> None:
    assert extract(html) == Extract(headings, hrefs, text)


@pytest.mark.parametrize(
    "html",
    [
        "<h3>x <a href='/a'>a</a>" * 5000,
        "<!-- x " * 5000,
        "<script>x " * 5000,
        "<a href='x' " * 5000,
    ],
    ids=["unclosed-headings", "unclosed-comments", "unclosed-scripts", "unclosed-tags"],
)
def test_extract_stays_linear_on_malformed_markup(html: str) -> None:
    import time

    start = time.perf_counter()
    extract(html)
    assert time.perf_counter() - start < 1.0


def test_extract_is_fast_on_large_input() -> None:
    import time

    body = ('<h3 id="s"><a href="#s">Section</a></h3><p>Some &quot;text&quot; with '
            '<a href="/x">a link</a> and <code>code</code>.</p>\n') * 5000
    start = time.perf_counter()
    result = extract(body)
    assert time.perf_counter() - start < 2.0
    assert len(result.headings) == 5000 and len(result.hrefs) == 5000


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------

BASE = (
    '<h2 id="one"><a href="#one">One</a></h2>\n'
    '<p>First <a href="/a">A</a> and <a href="/b">B</a>.</p>\n'
    '<h3 id="two"><a href="#two">Two</a></h3>\n<p>Second paragraph.</p>'
)

# (case id, our html, our title, differing aspects, {aspect: expected kind})
DIFF_CASES = [
    ("identical", BASE, "T", {}),
    ("title-differs", BASE, "Other", {"title": "title differs"}),
    ("title-empty", BASE, "", {"title": "empty in ours"}),
    ("heading-id", BASE.replace('"two"', '"deux"').replace('"#two"', '"#deux"'), "T",
     {"headings": "id differs"}),
    ("heading-level", BASE.replace("h3", "h4"), "T", {"headings": "level differs"}),
    ("heading-text", BASE.replace(">Two<", ">Too<"), "T",
     {"headings": "text differs", "text": "content differs"}),
    ("heading-id-and-text", BASE.replace('"two"', '"too"').replace('"#two"', '"#too"')
     .replace(">Two<", ">Too<"), "T", {"headings": "id+text differs", "text": "content differs"}),
    ("heading-count", BASE.replace("<h3", "<p").replace("</h3>", "</p>"), "T",
     {"headings": "count differs", "hrefs": "only in ours"}),
    ("href-only-in-ours", BASE.replace("Second", 'Second <a href="/c">c</a>'), "T",
     {"hrefs": "only in ours", "text": "content differs"}),
    ("href-only-in-reference", BASE.replace('<a href="/b">B</a>', "B"), "T",
     {"hrefs": "only in reference"}),
    ("href-reordered", BASE.replace('"/a"', '"/tmp"').replace('"/b"', '"/a"').replace('"/tmp"', '"/b"'),
     "T", {"hrefs": "reordered"}),
    ("href-changed", BASE.replace('"/b"', '"/z"'), "T", {"hrefs": "only in ours and only in reference"}),
    ("text-whitespace", BASE.replace("Second paragraph", "Second para graph"), "T",
     {"text": "whitespace only"}),
    ("text-truncated", BASE.replace("<p>Second paragraph.</p>", ""), "T", {"text": "ours is truncated"}),
    ("text-extra-tail", BASE + "<p>More.</p>", "T", {"text": "ours has extra tail"}),
    ("text-entity-equal", BASE.replace("Second", "&#83;econd"), "T", {}),
    ("markup-only-change", BASE.replace("<p>First", "<div>First").replace(".</p>\n<h3", ".</div>\n<h3"),
     "T", {}),
]


@pytest.mark.parametrize(
    "ours_html, ours_title, expected",
    [pytest.param(*case[1:], id=case[0]) for case in DIFF_CASES],
)
def test_compare_classifies_each_difference(ours_html: str, ours_title: str, expected: dict) -> None:
    report = compare(renders(render(html=ours_html, title=ours_title)), renders(render(html=BASE)))
    found = {diff.aspect: diff.kind for diff in report.differences}
    assert found == expected
    for aspect in ASPECTS:
        assert report.compared[aspect] == 1
        assert report.ratio(aspect) == (0.0 if aspect in expected else 1.0)


@pytest.mark.parametrize(
    "ours_title, ref_title",
    [("GitHub&apos;s APIs", "GitHub's APIs"), ("  A \n title ", "A title"), ("R&amp;D", "R&D")],
)
def test_title_normalization(ours_title: str, ref_title: str) -> None:
    report = compare(renders(render(title=ours_title)), renders(render(title=ref_title)))
    assert report.ratio("title") == 1.0 and not report.differences


def test_heading_detail_names_first_differing_heading() -> None:
    ours = BASE.replace('"two"', '"deux"').replace('"#two"', '"#deux"')
    [diff] = compare(renders(render(html=ours)), renders(render(html=BASE))).differences
    assert diff.detail == "#1: ours (3, 'deux', 'Two') vs reference (3, 'two', 'Two')"


def test_href_detail_shows_first_difference_and_extras() -> None:
    ours = BASE.replace('"/b"', '"/z"')
    [diff] = compare(renders(render(html=ours)), renders(render(html=BASE))).differences
    assert "#1: ours '/z' vs reference '/b'" in diff.detail
    assert "only in ours (1): '/z'" in diff.detail
    assert "only in reference (1): '/b'" in diff.detail


def test_text_detail_is_a_short_window_around_divergence() -> None:
    words = " ".join(f"word{i}" for i in range(500))
    ours = f"<p>{words.replace('word250', 'WORD250')}</p>"
    [diff] = compare(renders(render(html=ours)), renders(render(html=f"<p>{words}</p>"))).differences
    assert diff.aspect == "text"
    assert diff.detail.startswith(f"char {words.index('word250')}: ")
    assert "|WORD250" in diff.detail and "|word250" in diff.detail
    assert len(diff.detail) < 250


def test_pairs_missing_and_extra() -> None:
    ours = renders(render("common.md"), render("extra.md"), render("x.md", version="enterprise-server@2.22"))
    ref = renders(render("common.md"), render("missing.md"), render("x.md"))
    report = compare(ours, ref)
    assert report.pairs_missing == [(V, "missing.md"), (V, "x.md")]
    assert report.pairs_extra == [("enterprise-server@2.22", "x.md"), (V, "extra.md")]
    assert report.compared == dict.fromkeys(ASPECTS, 1)
    assert not report.pairs_match
    assert report.failures(0.99) == ["2 renders missing in ours", "2 extra renders in ours"]


def test_ratio_counts_and_failures() -> None:
    ref = renders(*(render(f"{i}.md", html=f"<p>{i}</p>") for i in range(4)))
    ours = dict(ref)
    ours[(V, "3.md")] = render("3.md", html="<p>changed</p>")
    report = compare(ours, ref)
    assert report.equal["text"] == 3 and report.compared["text"] == 4
    assert report.ratio("text") == 0.75 and report.ratio("title") == 1.0
    assert report.failures(0.75) == []
    assert report.failures(0.8) == ["text 75.00% < 80.00%"]


def test_empty_inputs_are_vacuously_equal() -> None:
    report = compare({}, {})
    assert all(report.ratio(aspect) == 1.0 for aspect in ASPECTS)
    assert report.failures(1.0) == []


def test_format_groups_differences_by_kind() -> None:
    ref = renders(*(render(f"{i}.md", html=BASE) for i in range(8)), render("gone.md"))
    ours = renders(
        *(render(f"{i}.md", html=BASE.replace('"/b"', '"/z"')) for i in range(6)),
        render("6.md", html=BASE.replace('<a href="/b">B</a>', "B")),
        render("7.md", html=BASE, title="Changed"),
        render("new.md"),
    )
    text = compare(ours, ref).format(max_examples=2)
    assert "Pairs: 8 compared, 1 missing in ours, 1 extra in ours" in text
    assert re.search(r"^  hrefs +1/8 +12\.50%$", text, re.M)
    assert re.search(r"^  title +7/8 +87\.50%$", text, re.M)
    assert "hrefs differences: 7 renders" in text
    assert "  only in ours and only in reference: 6" in text
    assert "  only in reference: 1" in text
    assert "    ... and 4 more" in text
    assert "Missing in ours: 1\n  free-pro-team@latest gone.md" in text
    assert "Extra in ours: 1\n  free-pro-team@latest new.md" in text
    assert "title differences: 1 renders" in text
    assert "headings differences" not in text
    # Biggest group first.
    assert text.index("only in ours and only in reference: 6") < text.index("only in reference: 1")


def test_to_dict_is_json_serialisable() -> None:
    report = compare(renders(render(html="<p>a</p>"), render("x.md")), renders(render(html="<p>b</p>")))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["summary"]["text"] == {"equal": 0, "compared": 1, "ratio": 0.0}
    assert data["pairs_extra"] == [[V, "x.md"]]
    assert data["differences"][0]["aspect"] == "text"
    assert set(data["differences"][0]) == {"version", "path", "aspect", "kind", "detail", "cause"}


def test_intro_text_and_links_are_compared() -> None:
    ref = renders(render("a.md", intro='<p>See <a href="/x">x</a>.</p>'), render("b.md", intro="<p>One</p>"))
    ours = renders(render("a.md", intro='<p>See <a href="/en/free-pro-team@latest/x">x</a>.</p>'),
                   render("b.md", intro="<p>Two</p>"))
    report = compare(ours, ref)
    found = {(d.path, d.aspect): (d.kind, d.cause) for d in report.differences}
    assert found == {("a.md", "intro-links"): ("only in ours and only in reference", "links GitHub left unversioned"),
                     ("b.md", "intro-text"): ("content differs", "other")}
    assert report.ratio("intro-text") == 0.5 and report.ratio("intro-links") == 0.5
    assert report.ratio("text") == 1.0


@pytest.mark.parametrize("aspect, ours, ref, cause", [
    ("title", {"title": "Using `dotnet`"}, {"title": "Using dotnet"}, "Markdown in the title"),
    ("text", {"html": "<p>** Note:** x</p>"}, {"html": "<p><strong> Note:</strong> x</p>"}, "emphasis markers"),
    ("text", {"html": "<p>thumbs (:+1:)</p>"}, {"html": "<p>thumbs (\U0001F44D)</p>"}, "emoji shortcode"),
    ("text", {"html": "<pre><code>```shell\nls\n```</code></pre>"}, {"html": "<pre><code>ls</code></pre>"},
     "code fence markers"),
    ("text", {"html": "<p>a</p>"}, {"html": "<p>a b c</p>"}, "content missing in ours"),
    ("headings", {"html": '<h1 id="x"><a href="#x">X</a></h1>'}, {"html": "<h1>X</h1>"}, "raw-HTML heading given an id"),
    ("headings", {"html": "<p>### X</p>"}, {"html": '<h3 id="x"><a href="#x">X</a></h3>'},
     "headings lost (read as code or text)"),
    ("hrefs", {"html": '<a href="/en/enterprise-server@2.22/insights/x">i</a>'},
     {"html": '<a href="/en/free-pro-team@latest/insights/x">i</a>'}, "link version"),
    ("hrefs", {"html": "<p>https://[h]/x</p>"}, {"html": '<a href="https://%5Bh%5D/x">https://[h]/x</a>'},
     "external links and autolinks"),
])
def test_differences_name_their_cause(aspect: str, ours: dict, ref: dict, cause: str) -> None:
    report = compare(renders({**render(), **ours}), renders({**render(), **ref}))
    assert {d.aspect: d.cause for d in report.differences}[aspect] == cause


def test_format_groups_differences_by_cause() -> None:
    ref = renders(*(render(f"{i}.md", html="<p><strong> Note:</strong> x</p>") for i in range(3)),
                  render("g.md", html="<p>generated</p>"))
    ours = renders(*(render(f"{i}.md", html="<p>** Note:** x</p>") for i in range(3)), render("g.md"))
    text = compare(ours, ref, frozenset({"g.md"})).format(max_examples=1)
    assert "Differences by cause (renders; aspects):\n  emphasis markers: 3 (text 3)" in text
    assert "  page built from data the corpus lacks: 1 (text 1)" in text
    assert text.index("emphasis markers") < text.index("page built from data")
    assert "    ... and 2 more" in text


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_load_renders_plain_and_gzip(tmp_path: Path, gz: bool) -> None:
    records = [render("a.md", "<p>a</p>"), render("b.md", version="enterprise-server@2.20")]
    path = write_jsonl(tmp_path / ("r.jsonl.gz" if gz else "r.jsonl"), records, gz=gz)
    loaded = load_renders(path)
    assert list(loaded) == [(V, "a.md"), ("enterprise-server@2.20", "b.md")]
    assert loaded[(V, "a.md")]["html"] == "<p>a</p>"


def test_load_renders_detects_gzip_by_content(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "misnamed.jsonl", [render()], gz=True)
    assert list(load_renders(path)) == [(V, "a.md")]


def test_load_renders_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("\n" + json.dumps(render()) + "\n\n  \n", encoding="utf-8")
    assert len(load_renders(path)) == 1


BAD_FILE_CASES = [
    pytest.param('{"version": "v", "path": "p", "title": "t", "html": ""}\n{not json\n',
                 r"bad\.jsonl:2: invalid JSON", id="bad-json"),
    pytest.param("[1, 2]\n", r"bad\.jsonl:1: expected a JSON object, got list", id="not-object"),
    pytest.param('{"version": "v", "path": "p", "title": "t"}\n',
                 r"bad\.jsonl:1: field 'html' missing or not a string", id="missing-field"),
    pytest.param('{"version": "v", "path": 3, "title": "t", "html": ""}\n',
                 r"bad\.jsonl:1: field 'path' missing or not a string", id="wrong-type"),
    pytest.param('{"version": "v", "path": "p", "title": "t", "html": ""}\n' * 2,
                 r"bad\.jsonl:2: duplicate render v p \(first at line 1\)", id="duplicate"),
]


@pytest.mark.parametrize("content, message", BAD_FILE_CASES)
def test_load_renders_rejects_malformed_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(parity.ParityInputError, match=message):
        load_renders(path)


def test_load_renders_rejects_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(json.dumps(render()).encode() + b"\n\xff\xfe\n")
    with pytest.raises(parity.ParityInputError, match=r"bad\.jsonl:2: not UTF-8"):
        load_renders(path)


def test_load_renders_missing_file(tmp_path: Path) -> None:
    with pytest.raises(parity.ParityInputError, match=r"nope\.jsonl: no such file"):
        load_renders(tmp_path / "nope.jsonl")


def test_load_renders_truncated_gzip(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "r.jsonl.gz", [render(f"{i}.md", "x" * 100) for i in range(50)], gz=True)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(parity.ParityInputError, match=r"r\.jsonl\.gz: cannot read"):
        load_renders(path)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


@pytest.fixture
def reference_file(tmp_path: Path) -> Path:
    """A small reference corpus (gzip, like the real one)."""
    records = [render(f"{i}.md", html=BASE, title=f"Title {i}") for i in range(4)]
    return write_jsonl(tmp_path / "reference.jsonl.gz", records, gz=True)


def run_cli(capsys: pytest.CaptureFixture, *argv: object) -> tuple[int, str, str]:
    """Run main() and return (exit code, stdout, stderr)."""
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_pass(tmp_path: Path, reference_file: Path, capsys: pytest.CaptureFixture) -> None:
    ours = write_jsonl(tmp_path / "ours.jsonl", [render(f"{i}.md", html=BASE, title=f"Title {i}")
                                                  for i in range(4)])
    code, out, err = run_cli(capsys, ours, "--reference", reference_file)
    assert code == 0, out + err
    assert re.search(r"^  text +4/4 +100\.00%$", out, re.M)
    assert "PASS" in out and err == ""


def test_cli_fails_below_min_ratio(tmp_path: Path, reference_file: Path,
                                   capsys: pytest.CaptureFixture) -> None:
    records = [render(f"{i}.md", html=BASE, title=f"Title {i}") for i in range(4)]
    records[0]["html"] = BASE.replace("Second", "2nd")
    ours = write_jsonl(tmp_path / "ours.jsonl", records)
    code, out, _ = run_cli(capsys, ours, "--reference", reference_file)
    assert code == 1
    assert "FAIL" in out and "text 75.00% < 99.00%" in out
    assert "text differences: 1 renders" in out
    code, out, _ = run_cli(capsys, ours, "--reference", reference_file, "--min-ratio", "0.75")
    assert code == 0 and "PASS" in out


def test_cli_fails_when_pairs_differ(tmp_path: Path, reference_file: Path,
                                     capsys: pytest.CaptureFixture) -> None:
    ours = write_jsonl(tmp_path / "ours.jsonl", [render(f"{i}.md", html=BASE, title=f"Title {i}")
                                                  for i in range(3)])
    code, out, _ = run_cli(capsys, ours, "--reference", reference_file, "--min-ratio", "0")
    assert code == 1
    assert "1 renders missing in ours" in out


def test_cli_writes_json(tmp_path: Path, reference_file: Path, capsys: pytest.CaptureFixture) -> None:
    ours = write_jsonl(tmp_path / "ours.jsonl", [render("0.md", html="<p>x</p>", title="Title 0")])
    out_json = tmp_path / "report.json"
    code, _, _ = run_cli(capsys, ours, "--reference", reference_file, "--json", out_json)
    assert code == 1
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert len(data["pairs_missing"]) == 3
    assert {d["aspect"] for d in data["differences"]} == {"headings", "hrefs", "text"}


def test_cli_bad_json_line(tmp_path: Path, reference_file: Path, capsys: pytest.CaptureFixture) -> None:
    ours = tmp_path / "ours.jsonl"
    ours.write_text(json.dumps(render()) + "\n" + '{"version": "v",\n', encoding="utf-8")
    code, out, err = run_cli(capsys, ours, "--reference", reference_file)
    assert code == 2
    assert f"{ours}:2: invalid JSON" in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize("which", ["ours", "reference"])
def test_cli_missing_file(tmp_path: Path, reference_file: Path, capsys: pytest.CaptureFixture,
                          which: str) -> None:
    ours = write_jsonl(tmp_path / "ours.jsonl", [render()])
    missing = tmp_path / "missing.jsonl"
    argv = [missing, "--reference", reference_file] if which == "ours" else [ours, "--reference", missing]
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert err.strip() == f"render parity: error: {missing}: no such file"


def test_cli_unwritable_json(tmp_path: Path, reference_file: Path, capsys: pytest.CaptureFixture) -> None:
    ours = write_jsonl(tmp_path / "ours.jsonl", [render()])
    code, _, err = run_cli(capsys, ours, "--reference", reference_file, "--json", tmp_path / "no/dir/r.json")
    assert code == 2 and "cannot write JSON report" in err


def test_default_reference_path() -> None:
    assert parity.DEFAULT_REFERENCE == REFERENCE


def test_module_entry_point(tmp_path: Path, reference_file: Path) -> None:
    ours = write_jsonl(tmp_path / "ours.jsonl", [render()])
    result = subprocess.run(
        [sys.executable, "-m", "renderer.parity", str(ours), "--reference", str(reference_file)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Missing in ours: 4" in result.stdout


# --------------------------------------------------------------------------
# Real reference corpus
# --------------------------------------------------------------------------


@needs_reference
def test_reference_compared_with_itself_is_perfect() -> None:
    reference = load_renders(REFERENCE)
    assert len(reference) == 4805
    report = compare(reference, reference)
    assert not report.differences and report.pairs_match
    assert all(report.ratio(aspect) == 1.0 for aspect in ASPECTS)
    assert all(report.compared[aspect] == 4805 for aspect in ASPECTS)


@needs_reference
def test_reference_extraction_agrees_with_html_parser() -> None:
    reference = load_renders(REFERENCE)
    sample = list(reference.values())[::40]
    mismatches = [r["path"] for r in sample if extract(r["html"]) != oracle(r["html"])]
    assert mismatches == []


def test_pages_needing_generated_data(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "rest").mkdir(parents=True)
    operations = "{% for operation in currentRestOperations %}{% include rest_operation %}{% endfor %}"
    (content / "rest" / "teams.md").write_text(operations)
    (content / "rest" / "guide.md").write_text("# A guide\n\nNo generated data here.")
    (content / "graphql.md").write_text("{% for item in graphql.schemaForCurrentVersion.enums %}{% endfor %}")
    assert parity.pages_needing_generated_data(content) == {"rest/teams.md", "graphql.md"}
